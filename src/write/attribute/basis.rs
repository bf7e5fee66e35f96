//! What a blast radius was computed from besides the attribute itself — who belongs to the
//! groups involved, and the own values that decide who a change reaches — read again just before
//! sending, so that a preview whose list of affected users went stale stops the write.
//!
//! Bounded to what the preview used, not the whole directory: one listing of the users (their
//! group ids, the same listing the preview read) compared on the user set and on each user's
//! memberships of the involved groups (every group with a value for the attribute, and every
//! group an edit gives a value or takes one from; a user added or gone counts when they belong to
//! one of them, or whatever their groups for a new default); and the own values of the users in the blast
//! radius and of the users who held an own value at the preview (an own value shields a user from
//! every group and default change, so only these can move in or out of the radius). Hidden
//! values are compared as present or absent and never named. Reads only; decides nothing but
//! whether, and how, the basis changed.

use std::collections::{BTreeMap, BTreeSet};

use super::AttributePrepared;
use crate::domain::resolution::{AttributeChange, Member, Stored};
use crate::service::ServiceError;
use crate::service::looker::Client;
use crate::text::sanitize;

/// The most differences a conflict message names; the rest are counted.
const NAMED: usize = 10;

/// Reads the memberships and own values the preview's blast radius depends on, and describes
/// every way they differ from what the preview read (None when they do not).
pub async fn changed_since(
    client: &Client,
    prepared: &AttributePrepared,
) -> Result<Option<String>, ServiceError> {
    if prepared.items.iter().all(|i| i.edit.change().is_none()) {
        // Flags only: nobody's effective value moves, the radius depends on nothing.
        return Ok(None);
    }
    let then = prepared.state.members();
    let now = client.members().await?;
    let mut differences = membership_changes(prepared, then, &now);
    // A user no longer listed is named by the membership check (when it matters) and has no
    // own value to read.
    let listed: BTreeSet<&str> = now.iter().map(|m| m.user_id.as_str()).collect();
    let watched: Vec<&Member> = watched_users(prepared, then)
        .into_iter()
        .filter(|m| listed.contains(m.user_id.as_str()))
        .collect();
    let ids: Vec<String> = watched.iter().map(|m| m.user_id.clone()).collect();
    let (own_values, _) = client
        .own_values(
            &prepared.snapshot.definition,
            &ids,
            client.http().window().max(),
        )
        .await?;
    for (member, own_value) in watched.iter().zip(own_values) {
        if own_value != member.own_value {
            differences.push(format!(
                "own value of {}: {} → {}",
                sanitize(&member.user),
                shown(member.own_value.as_ref()),
                shown(own_value.as_ref())
            ));
        }
    }
    if differences.is_empty() {
        return Ok(None);
    }
    let more = differences.len().saturating_sub(NAMED);
    differences.truncate(NAMED);
    if more > 0 {
        differences.push(format!("… and {more} more"));
    }
    Ok(Some(format!(
        "the users of `{}` changed since the preview, so its blast radius is stale; nothing was written:\n  {}",
        sanitize(prepared.name()),
        differences.join("\n  ")
    )))
}

/// Every group whose members the radius depends on: those with a value, and those an edit
/// gives a value or takes one from.
fn involved_groups(prepared: &AttributePrepared) -> BTreeSet<&str> {
    let mut groups: BTreeSet<&str> = prepared
        .state
        .group_values()
        .iter()
        .map(|g| g.group_id.as_str())
        .collect();
    for item in &prepared.items {
        if let Some(
            AttributeChange::SetGroupValue { group_id, .. }
            | AttributeChange::RemoveGroupValue { group_id },
        ) = item.edit.change()
        {
            groups.insert(group_id);
        }
    }
    groups
}

/// Users added or gone, and every join or leave of an involved group, one line each.
fn membership_changes(
    prepared: &AttributePrepared,
    then: &[Member],
    now: &[Member],
) -> Vec<String> {
    let involved = involved_groups(prepared);
    let groups_of = |members: &[Member]| -> BTreeMap<String, (String, BTreeSet<String>)> {
        members
            .iter()
            .map(|m| {
                let kept = m
                    .group_ids
                    .iter()
                    .filter(|g| involved.contains(g.as_str()))
                    .cloned()
                    .collect();
                (m.user_id.clone(), (m.user.clone(), kept))
            })
            .collect()
    };
    let (then, now) = (groups_of(then), groups_of(now));
    let name = |group: &str| {
        sanitize(
            prepared
                .state
                .group_name(group)
                .unwrap_or(&format!("group {group}")),
        )
    };
    // A user added or gone matters when they belong to a group involved, or to none for a new
    // default (which reaches the users no group value reaches).
    let default = prepared
        .items
        .iter()
        .any(|i| matches!(i.edit.change(), Some(AttributeChange::SetDefault { .. })));
    let matters = |groups: &BTreeSet<String>| default || !groups.is_empty();
    let mut lines = Vec::new();
    for (id, (user, before)) in &then {
        match now.get(id) {
            None if matters(before) => {
                lines.push(format!("{} is no longer listed", sanitize(user)));
            }
            None => {}
            Some((_, after)) => {
                for joined in after.difference(before) {
                    lines.push(format!("{} joined {}", sanitize(user), name(joined)));
                }
                for left in before.difference(after) {
                    lines.push(format!("{} left {}", sanitize(user), name(left)));
                }
            }
        }
    }
    for (id, (user, groups)) in &now {
        if !then.contains_key(id) && matters(groups) {
            lines.push(format!("{} was added", sanitize(user)));
        }
    }
    lines
}

/// The users whose own value can move them into or out of the radius: those in it, and those
/// an own value shielded at the preview.
fn watched_users<'a>(prepared: &AttributePrepared, then: &'a [Member]) -> Vec<&'a Member> {
    let affected: BTreeSet<String> = prepared
        .radius()
        .affected
        .into_iter()
        .map(|a| a.user_id)
        .collect();
    then.iter()
        .filter(|m| m.own_value.is_some() || affected.contains(&m.user_id))
        .collect()
}

/// An own value in a message: its text, `(hidden value)`, or `none`.
fn shown(value: Option<&Stored>) -> String {
    match value {
        Some(Stored::Text(text)) => sanitize(text),
        Some(Stored::Hidden) => "(hidden value)".to_owned(),
        None => "none".to_owned(),
    }
}
