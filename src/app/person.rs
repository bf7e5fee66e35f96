//! The person view's state: one person across every connection, and where the records disagree.
//!
//! A person is matched by email (case-insensitive), then by username, then by display name, and
//! each column says which key matched. [`locate`] finds them in a loaded user list; [`compare`]
//! lines the found records up field by field and attribute by attribute, and flags mismatches: a
//! different email or name, active in one and disabled in another, an attribute whose values
//! differ, missing in one. The rows can be filtered (fzf syntax, ranked). Pure code.

use super::filter::Filter;
use super::msg::RequestId;
use crate::domain::{UserRecord, UserSummary};

/// Which key found the person on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKey {
    /// The user the view was opened on.
    Selected,
    /// The same email address.
    Email,
    /// The same username.
    Username,
    /// The same display name.
    DisplayName,
}

impl MatchKey {
    /// How the column header says it.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Selected => "opened here",
            Self::Email => "by email",
            Self::Username => "by username",
            Self::DisplayName => "by name",
        }
    }
}

/// What is known of the person on one connection.
#[derive(Debug, Clone, PartialEq)]
pub enum PersonCell {
    /// Still looking.
    Pending,
    /// Found.
    Found(Box<UserRecord>),
    /// Not on this connection.
    Missing,
    /// The lookup failed.
    Failed(String),
}

/// One connection's column.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonColumn {
    /// The connection index.
    pub conn: usize,
    /// The connection name.
    pub name: String,
    /// What was found.
    pub cell: PersonCell,
    /// Which key matched (None while looking, or when the service was asked by several keys).
    pub matched: Option<MatchKey>,
}

/// The person view.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonState {
    /// The lookup whose results are wanted.
    pub request: RequestId,
    /// Who is looked for (email or username), for the title.
    pub who: String,
    /// One column per connection, in config order.
    pub columns: Vec<PersonColumn>,
    /// The filter over the compared rows.
    pub filter: String,
    /// The filter is being typed.
    pub filtering: bool,
    /// The first drawn row.
    pub offset: usize,
}

impl PersonState {
    /// The view of a lookup, nothing found yet.
    pub fn new(request: RequestId, who: String, columns: Vec<PersonColumn>) -> Self {
        Self {
            request,
            who,
            columns,
            filter: String::new(),
            filtering: false,
            offset: 0,
        }
    }

    /// The compared rows that pass the filter, best first, and whether the person is missing
    /// somewhere.
    pub fn rows(&self) -> (Vec<PersonRow>, bool) {
        let (rows, missing) = compare(&self.columns);
        if self.filter.trim().is_empty() {
            return (rows, missing);
        }
        let mut filter = Filter::new(&self.filter);
        let mut scored: Vec<(u32, usize, PersonRow)> = rows
            .into_iter()
            .enumerate()
            .filter_map(|(at, row)| {
                let values: Vec<&str> = row.values.iter().flatten().map(String::as_str).collect();
                let columns = std::iter::once(row.label.as_str()).chain(values);
                filter.score(columns).map(|score| (score, at, row))
            })
            .collect();
        scored.sort_by_key(|(score, at, _)| (std::cmp::Reverse(*score), *at));
        (scored.into_iter().map(|(_, _, row)| row).collect(), missing)
    }
}

/// One compared field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    /// The field's label or the attribute's name.
    pub label: String,
    /// The value per column (None where the person is not found).
    pub values: Vec<Option<String>>,
    /// The found values disagree.
    pub mismatch: bool,
}

/// The index of the person in a loaded list and the key that matched: email first
/// (case-insensitive), then username, then display name.
pub fn locate(
    users: &[UserSummary],
    email: Option<&str>,
    username: Option<&str>,
    display_name: Option<&str>,
) -> Option<(usize, MatchKey)> {
    let find = |wanted: Option<&str>, field: fn(&UserSummary) -> Option<&str>, key: MatchKey| {
        let wanted = wanted.map(str::trim).filter(|w| !w.is_empty())?;
        users
            .iter()
            .position(|u| field(u).is_some_and(|v| v.trim().eq_ignore_ascii_case(wanted)))
            .map(|index| (index, key))
    };
    find(email, |u| u.email.as_deref(), MatchKey::Email)
        .or_else(|| find(username, |u| u.username.as_deref(), MatchKey::Username))
        .or_else(|| {
            find(
                display_name,
                |u| u.display_name.as_deref(),
                MatchKey::DisplayName,
            )
        })
}

/// The compared rows, and whether the person is missing on some connection.
pub fn compare(columns: &[PersonColumn]) -> (Vec<PersonRow>, bool) {
    let found = |f: fn(&UserRecord) -> Option<String>| -> Vec<Option<String>> {
        columns
            .iter()
            .map(|c| match &c.cell {
                PersonCell::Found(record) => f(record),
                _ => None,
            })
            .collect()
    };
    let mut rows = vec![
        row("username", found(|r| r.username.clone()), false, true),
        row("name", found(|r| r.display_name.clone()), true, false),
        row("email", found(|r| r.email.clone()), true, true),
        row(
            "active",
            found(|r| Some(if r.active { "active" } else { "disabled" }.to_owned())),
            true,
            false,
        ),
        row("id", found(|r| Some(r.id.clone())), false, false),
        row("groups", found(|r| Some(group_names(r))), true, true),
    ];
    // Then every attribute (not the identity fields above), by name, hidden values never shown.
    let mut names: Vec<&str> = columns
        .iter()
        .filter_map(|c| match &c.cell {
            PersonCell::Found(record) => Some(record.attributes.iter()),
            _ => None,
        })
        .flatten()
        .filter(|a| !a.meta.identity)
        .map(|a| a.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let values = columns
            .iter()
            .map(|c| match &c.cell {
                PersonCell::Found(record) => record.attribute(name).map(|a| {
                    if a.hidden {
                        "(hidden)".to_owned()
                    } else if !a.is_set() {
                        "(unset)".to_owned()
                    } else {
                        a.display_value()
                    }
                }),
                _ => None,
            })
            .collect();
        rows.push(row(name, values, true, false));
    }
    let missing = columns.iter().any(|c| c.cell == PersonCell::Missing);
    (rows, missing)
}

/// The record's groups by name, sorted so that two services listing the same groups compare
/// equal; nested (indirect) groups are marked.
fn group_names(record: &UserRecord) -> String {
    let mut names: Vec<String> = record
        .groups
        .iter()
        .map(|g| {
            if g.direct {
                g.name.clone()
            } else {
                format!("{} (nested)", g.name)
            }
        })
        .collect();
    if names.is_empty() {
        return "(none)".to_owned();
    }
    names.sort_unstable_by_key(|n| n.to_lowercase());
    names.join(", ")
}

fn row(label: &str, values: Vec<Option<String>>, checked: bool, ignore_case: bool) -> PersonRow {
    let norm = |v: &String| {
        let v = v.trim();
        if ignore_case {
            v.to_lowercase()
        } else {
            v.to_owned()
        }
    };
    let mut present = values.iter().flatten().map(norm);
    let mismatch = checked
        && present
            .next()
            .is_some_and(|first| present.any(|other| other != first));
    PersonRow {
        label: label.to_owned(),
        values,
        mismatch,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::ServiceKind;

    fn summary(id: &str, username: &str, email: &str) -> UserSummary {
        UserSummary {
            id: id.to_owned(),
            username: Some(username.to_owned()),
            display_name: (id == "2").then(|| "Ada King".to_owned()),
            email: Some(email.to_owned()),
            active: true,
        }
    }

    fn record(name: &str, email: &str, active: bool) -> PersonCell {
        PersonCell::Found(Box::new(UserRecord {
            connection: "c".to_owned(),
            kind: ServiceKind::Looker,
            id: "1".to_owned(),
            username: Some("ada".to_owned()),
            display_name: Some(name.to_owned()),
            email: Some(email.to_owned()),
            active,
            attributes: Vec::new(),
            groups: Vec::new(),
            raw: serde_json::Value::Null,
        }))
    }

    fn column(conn: usize, cell: PersonCell) -> PersonColumn {
        PersonColumn {
            conn,
            name: format!("c{conn}"),
            cell,
            matched: None,
        }
    }

    #[test]
    fn email_matches_first_then_username() {
        let users = [
            summary("1", "ada", "other@example.com"),
            summary("2", "lovelace", "ADA@example.com"),
        ];
        assert_eq!(
            locate(&users, Some("ada@EXAMPLE.com"), Some("ada"), None),
            Some((1, MatchKey::Email))
        );
        assert_eq!(
            locate(&users, Some("nobody@example.com"), Some("ADA"), None),
            Some((0, MatchKey::Username))
        );
        assert_eq!(locate(&users, None, Some("nobody"), None), None);
        assert_eq!(
            locate(&users, None, Some("nobody"), Some("Ada King")),
            Some((1, MatchKey::DisplayName))
        );
    }

    #[test]
    fn mismatches_are_flagged() {
        let columns = [
            column(0, record("Ada Lovelace", "ada@example.com", true)),
            column(1, record("Ada Lovelace", "ADA@example.com", false)),
            column(2, PersonCell::Missing),
        ];
        let (rows, missing) = compare(&columns);
        let flagged: Vec<&str> = rows
            .iter()
            .filter(|r| r.mismatch)
            .map(|r| r.label.as_str())
            .collect();
        assert_eq!(flagged, ["active"]);
        assert!(missing);
        let renamed = [
            column(0, record("Ada Lovelace", "ada@example.com", true)),
            column(1, record("Ada King", "ada@example.org", true)),
        ];
        let (rows, missing) = compare(&renamed);
        let flagged: Vec<&str> = rows
            .iter()
            .filter(|r| r.mismatch)
            .map(|r| r.label.as_str())
            .collect();
        assert_eq!(flagged, ["name", "email"]);
        assert!(!missing);
    }

    #[test]
    fn groups_compare_by_name_in_any_order() {
        use crate::domain::Group;
        let group = |name: &str, direct: bool| Group {
            name: name.to_owned(),
            id: name.to_lowercase(),
            direct,
            source: "test".to_owned(),
        };
        let with_groups = |groups: Vec<Group>| {
            let PersonCell::Found(mut record) = record("Ada", "ada@example.com", true) else {
                unreachable!("record() builds a found cell")
            };
            record.groups = groups;
            PersonCell::Found(record)
        };
        let same = [
            column(
                0,
                with_groups(vec![group("Support", true), group("EMEA", true)]),
            ),
            column(
                1,
                with_groups(vec![group("emea", true), group("support", true)]),
            ),
        ];
        let (rows, _) = compare(&same);
        let groups = rows.iter().find(|r| r.label == "groups").unwrap();
        assert_eq!(groups.values[0].as_deref(), Some("EMEA, Support"));
        assert!(!groups.mismatch);
        let different = [
            column(0, with_groups(vec![group("Support", true)])),
            column(1, with_groups(vec![group("Support", false)])),
            column(2, with_groups(Vec::new())),
        ];
        let (rows, _) = compare(&different);
        let groups = rows.iter().find(|r| r.label == "groups").unwrap();
        assert_eq!(
            groups.values,
            [
                Some("Support".to_owned()),
                Some("Support (nested)".to_owned()),
                Some("(none)".to_owned())
            ]
        );
        assert!(groups.mismatch);
    }
}
