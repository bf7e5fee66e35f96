//! The person view's state: one person across every connection, and where the records disagree.
//!
//! A person is matched by email (case-insensitive), then by username. [`locate`] finds them in a
//! loaded user list; [`compare`] lines the found records up field by field and flags mismatches:
//! a different email or name, active in one and disabled in another, missing in one. Pure code.

use super::msg::RequestId;
use crate::domain::{UserRecord, UserSummary};

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
}

/// One compared field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    /// The field's label.
    pub label: &'static str,
    /// The value per column (None where the person is not found).
    pub values: Vec<Option<String>>,
    /// The found values disagree.
    pub mismatch: bool,
}

/// The index of the person in a loaded list: email first (case-insensitive), then username.
pub fn locate(users: &[UserSummary], email: Option<&str>, username: Option<&str>) -> Option<usize> {
    let by_email = email.filter(|e| !e.is_empty()).and_then(|email| {
        users.iter().position(|u| {
            u.email
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(email))
        })
    });
    by_email.or_else(|| {
        username.filter(|u| !u.is_empty()).and_then(|name| {
            users.iter().position(|u| {
                u.username
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
        })
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
    let rows = vec![
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
    ];
    let missing = columns.iter().any(|c| c.cell == PersonCell::Missing);
    (rows, missing)
}

fn row(
    label: &'static str,
    values: Vec<Option<String>>,
    checked: bool,
    ignore_case: bool,
) -> PersonRow {
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
        label,
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
            display_name: None,
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
        }
    }

    #[test]
    fn email_matches_first_then_username() {
        let users = [
            summary("1", "ada", "other@example.com"),
            summary("2", "lovelace", "ADA@example.com"),
        ];
        assert_eq!(
            locate(&users, Some("ada@EXAMPLE.com"), Some("ada")),
            Some(1)
        );
        assert_eq!(
            locate(&users, Some("nobody@example.com"), Some("ADA")),
            Some(0)
        );
        assert_eq!(locate(&users, None, Some("nobody")), None);
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
            .map(|r| r.label)
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
            .map(|r| r.label)
            .collect();
        assert_eq!(flagged, ["name", "email"]);
        assert!(!missing);
    }
}
