//! How an attribute-level write is shown before it is sent: the plans (exact requests, hidden
//! values masked), then its blast radius — every user whose effective value changes, before →
//! after, and how many — as text for people and as the stable JSON of product.md
//! (`{"changes": [...], "affected": [{"user", "user_id", "before", "after"}]}`).
//!
//! A hidden attribute's radius names users and sources, never values (the resolver never holds
//! them). Drawing only: nothing here reads or sends.

use serde::Serialize;

use crate::domain::FieldChange;
use crate::domain::resolution::{Affected, BlastRadius, Effective};

/// The radius of several edits made one after the other: each user with their value before the
/// first and after the last, when those differ (for a hidden attribute, every user any edit
/// reaches).
pub fn combine<'a>(radii: impl IntoIterator<Item = &'a BlastRadius>) -> BlastRadius {
    let mut hidden = false;
    let mut affected: Vec<Affected> = Vec::new();
    for radius in radii {
        hidden |= radius.hidden;
        for user in &radius.affected {
            match affected.iter_mut().find(|a| a.user_id == user.user_id) {
                Some(known) => known.after = user.after.clone(),
                None => affected.push(user.clone()),
            }
        }
    }
    if !hidden {
        affected.retain(|a| a.before.value != a.after.value);
    }
    BlastRadius { hidden, affected }
}

/// One side of a user's change as people read it: the value and its source, or, hidden, the
/// source alone.
fn side(effective: &Effective, hidden: bool) -> String {
    if hidden {
        format!("from {}", effective.source)
    } else {
        format!(
            "{} ({})",
            effective.value.as_deref().unwrap_or("(unset)"),
            effective.source
        )
    }
}

/// The blast radius as text: the count said plainly ("0 users change"), then one line per user.
pub fn describe_radius(radius: &BlastRadius) -> String {
    let count = radius.count();
    let mut text = format!(
        "Blast radius: {count} {} change",
        if count == 1 { "user" } else { "users" }
    );
    if radius.hidden {
        text.push_str(" (hidden attribute: who changes and from which source, never values)");
    }
    text.push('\n');
    for user in &radius.affected {
        text.push_str(&format!(
            "  {}: {} → {}\n",
            user.user,
            side(&user.before, radius.hidden),
            side(&user.after, radius.hidden)
        ));
    }
    text
}

/// One affected user in the JSON of `roster attribute`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AffectedJson {
    /// How the user is named (login or email).
    pub user: String,
    /// The service's id.
    pub user_id: String,
    /// The effective value before (null when unset or hidden).
    pub before: Option<String>,
    /// The effective value after (null when unset or hidden).
    pub after: Option<String>,
}

/// The JSON of `roster attribute … --format json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RadiusJson {
    /// Every field change the write makes (hidden values masked).
    pub changes: Vec<FieldChange>,
    /// Every user whose effective value changes.
    pub affected: Vec<AffectedJson>,
}

impl RadiusJson {
    /// The JSON of `changes` and `radius`; a hidden attribute's values are never carried.
    pub fn new(changes: Vec<FieldChange>, radius: &BlastRadius) -> Self {
        let value = |e: &Effective| if radius.hidden { None } else { e.value.clone() };
        Self {
            changes,
            affected: radius
                .affected
                .iter()
                .map(|a| AffectedJson {
                    user: a.user.clone(),
                    user_id: a.user_id.clone(),
                    before: value(&a.before),
                    after: value(&a.after),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::resolution::ValueSource;

    fn affected(id: &str, before: Option<&str>, after: Option<&str>) -> Affected {
        let effective = |value: Option<&str>| Effective {
            source: ValueSource::Default,
            value: value.map(str::to_owned),
        };
        Affected {
            user_id: id.to_owned(),
            user: format!("user{id}"),
            before: effective(before),
            after: effective(after),
        }
    }

    #[test]
    fn edits_in_a_row_combine_first_before_with_last_after() {
        let first = BlastRadius {
            hidden: false,
            affected: vec![
                affected("1", Some("a"), Some("b")),
                affected("2", Some("a"), Some("b")),
            ],
        };
        let second = BlastRadius {
            hidden: false,
            affected: vec![
                affected("1", Some("b"), Some("a")),
                affected("3", None, Some("c")),
            ],
        };
        let combined = combine([&first, &second]);
        let ids: Vec<&str> = combined
            .affected
            .iter()
            .map(|a| a.user_id.as_str())
            .collect();
        assert_eq!(ids, ["2", "3"], "user 1 ends where they started");
        assert_eq!(
            describe_radius(&BlastRadius {
                hidden: false,
                affected: Vec::new()
            }),
            "Blast radius: 0 users change\n"
        );
    }
}
