//! Reading a record back to learn what a write did: whether a request whose answer was lost
//! landed, and, after every write, whether each field holds what the write meant to leave.
//!
//! Both compare the plan's `before` and `after` of each field with the value the service reads
//! back ([`AnyDirectory::observe`](crate::service::AnyDirectory::observe) shows it the way the
//! plan does). Pure functions over a record that was already read; the engine does the reading.

use super::engine::StillAsWritten;
use crate::domain::{FieldChange, UserRecord};
use crate::journal::{FieldCheck, FieldCheckStatus};
use crate::service::{AnyDirectory, Observed, WritePlan};
use crate::text::sanitize;

/// Where one field stands compared with a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    /// Holds the value the write meant to leave.
    AtAfter,
    /// Still holds the value from before the write (and that differs from the intended one).
    AtBefore,
    /// Holds neither.
    Third,
    /// Cannot be read back.
    Unverifiable,
}

/// What a re-read says about a request whose answer was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// Every field it writes holds the intended value: it landed.
    Landed,
    /// Its fields still hold their old values: it did not land.
    NotApplied,
    /// The record cannot tell (mixed, third values, or unreadable fields), and why.
    Unclear(String),
}

fn same(a: Option<&str>, b: Option<&str>) -> bool {
    a.map(sanitize) == b.map(sanitize)
}

fn standing(observed: Observed, change: &FieldChange) -> Standing {
    match observed {
        Observed::Unverifiable(_) => Standing::Unverifiable,
        Observed::Value(now) => {
            if same(now.as_deref(), change.after.as_deref()) {
                Standing::AtAfter
            } else if same(now.as_deref(), change.before.as_deref()) {
                Standing::AtBefore
            } else {
                Standing::Third
            }
        }
    }
}

/// The changes of `changes` that `fields` names.
fn changes_named<'a>(changes: &'a [FieldChange], fields: &[String]) -> Vec<&'a FieldChange> {
    changes
        .iter()
        .filter(|c| fields.iter().any(|f| f == &c.field))
        .collect()
}

/// Decides from a fresh record whether the request writing `fields` of `plan` landed.
pub fn evidence(
    directory: &AnyDirectory,
    record: &UserRecord,
    plan: &WritePlan,
    fields: &[String],
) -> Evidence {
    evidence_by(
        &|field| directory.observe(record, field),
        &plan.changes,
        fields,
    )
}

/// [`evidence`] for anything that can be observed field by field (a user record, an attribute's
/// group values): `observe` gives each field the way `changes` shows `before` and `after`.
pub fn evidence_by(
    observe: &dyn Fn(&str) -> Observed,
    changes: &[FieldChange],
    fields: &[String],
) -> Evidence {
    let changes = changes_named(changes, fields);
    if changes.is_empty() {
        return Evidence::Unclear("the request changes no field roster can read back".to_owned());
    }
    let mut at_after = 0;
    let mut at_before = 0;
    for change in &changes {
        match standing(observe(&change.field), change) {
            Standing::AtAfter => at_after += 1,
            Standing::AtBefore => at_before += 1,
            Standing::Third => {
                return Evidence::Unclear(format!(
                    "`{}` now holds a value that is neither the old nor the new one",
                    sanitize(&change.field)
                ));
            }
            Standing::Unverifiable => {
                return Evidence::Unclear(format!(
                    "`{}` cannot be read back",
                    sanitize(&change.field)
                ));
            }
        }
    }
    match (at_after, at_before) {
        (_, 0) => Evidence::Landed,
        (0, _) => Evidence::NotApplied,
        _ => Evidence::Unclear("some of its fields changed and others did not".to_owned()),
    }
}

/// Compares each written field of a record read after the write with what the plan intended.
pub fn checks(
    directory: &AnyDirectory,
    record: &UserRecord,
    plan: &WritePlan,
    fields: &[String],
) -> Vec<FieldCheck> {
    checks_by(
        &|field| directory.observe(record, field),
        &plan.changes,
        fields,
    )
}

/// [`checks`] for anything that can be observed field by field (see [`evidence_by`]).
pub fn checks_by(
    observe: &dyn Fn(&str) -> Observed,
    changes: &[FieldChange],
    fields: &[String],
) -> Vec<FieldCheck> {
    changes_named(changes, fields)
        .into_iter()
        .map(|change| {
            let (found, status) = match observe(&change.field) {
                Observed::Unverifiable(_) => (None, FieldCheckStatus::Unverifiable),
                Observed::Value(now) => {
                    let status = if same(now.as_deref(), change.after.as_deref()) {
                        FieldCheckStatus::Stuck
                    } else if same(now.as_deref(), change.before.as_deref()) {
                        FieldCheckStatus::DidNotStick
                    } else {
                        FieldCheckStatus::ChangedByOther
                    };
                    (now, status)
                }
            };
            FieldCheck {
                field: change.field.clone(),
                expected: change.after.clone(),
                found,
                status,
            }
        })
        .collect()
}

/// One line per field that is not as intended, for people.
pub fn describe_unstuck(checks: &[FieldCheck]) -> Vec<String> {
    let shown = |v: &Option<String>| sanitize(v.as_deref().unwrap_or("(unset)"));
    checks
        .iter()
        .filter_map(|check| match check.status {
            FieldCheckStatus::DidNotStick => Some(format!(
                "`{}` did not stick: it is still {} after the write (the service ignored it)",
                sanitize(&check.field),
                shown(&check.found)
            )),
            FieldCheckStatus::ChangedByOther => Some(format!(
                "`{}` is {} after the write, not {}: another writer changed it in between",
                sanitize(&check.field),
                shown(&check.found),
                shown(&check.expected)
            )),
            FieldCheckStatus::Stuck | FieldCheckStatus::Unverifiable => None,
        })
        .collect()
}

/// Checks undo's precondition on what `observe` reads now: every field still holds the value the
/// entry left, or the revert is refused with the field that moved.
pub fn still_as_written(
    observe: &dyn Fn(&str) -> Observed,
    precondition: &StillAsWritten,
) -> Result<(), String> {
    for change in &precondition.changes {
        let now = match observe(&change.field) {
            Observed::Value(now) => now,
            Observed::Unverifiable(why) => {
                return Err(format!(
                    "`{}` cannot be checked ({why}); entry {} is not reverted",
                    sanitize(&change.field),
                    precondition.entry
                ));
            }
        };
        if !same(now.as_deref(), change.after.as_deref()) {
            return Err(format!(
                "`{}` is {} now, not {} as entry {} left it; nothing was reverted",
                sanitize(&change.field),
                sanitize(now.as_deref().unwrap_or("(unset)")),
                sanitize(change.after.as_deref().unwrap_or("(unset)")),
                precondition.entry
            ));
        }
    }
    Ok(())
}
