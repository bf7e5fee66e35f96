//! Exact target resolution, shared by the three services' `find_user`.
//!
//! A lookup by username or email is only ever answered by a user whose username or email *is*
//! the key: a server that ignores a filter, pads a search with look-alikes or answers for another
//! path cannot make roster write to someone else. None is "not found"; several are
//! "ambiguous", listing them. Keys that cannot name a user in a URL path (`.`, `..`, empty) are
//! refused before anything is sent. Pure functions; the services call them.

use super::ServiceError;
use crate::text::sanitize;

/// How a service compares usernames or emails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Case does not matter (Crowd names, SCIM `userName` — RFC 7643 `caseExact: false` —
    /// and email addresses everywhere).
    Insensitive,
    /// Exactly the same text (ids).
    Exact,
}

/// True when `found` is `key` under the service's case rule (surrounding space ignored).
pub fn same(found: &str, key: &str, case: Case) -> bool {
    let (found, key) = (found.trim(), key.trim());
    match case {
        Case::Insensitive => found.to_lowercase() == key.to_lowercase(),
        Case::Exact => found == key,
    }
}

/// The key as given, trimmed, or why it cannot name a user.
pub fn check_key(key: &str) -> Result<&str, ServiceError> {
    let key = key.trim();
    match key {
        "" => Err(ServiceError::Invalid("no user given".to_owned())),
        "." | ".." => Err(ServiceError::Invalid(format!(
            "`{key}` cannot name a user: it is a path step, not an id, username or email"
        ))),
        _ if key.chars().any(char::is_control) => Err(ServiceError::Invalid(
            "the user given contains control characters".to_owned(),
        )),
        _ => Ok(key),
    }
}

/// The one match among `candidates` (labels of users whose key compared equal), or the error
/// that says none or several.
pub fn exactly_one<T>(
    mut matches: Vec<T>,
    label: impl Fn(&T) -> String,
    not_found: impl FnOnce() -> String,
    what: &str,
) -> Result<T, ServiceError> {
    match matches.len() {
        0 => Err(ServiceError::NotFound(not_found())),
        1 => Ok(matches.remove(0)),
        _ => Err(ServiceError::Invalid(format!(
            "{what} is ambiguous: {} users match ({}); give the id",
            matches.len(),
            matches
                .iter()
                .map(|m| sanitize(&label(m)))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The error for a server that answered a read of one user with another one.
pub fn wrong_user(asked: &str, answered: &str, connection: &str) -> ServiceError {
    ServiceError::Decode {
        url: connection.to_owned(),
        message: format!(
            "asked for user `{}` and the server answered with user `{}`; nothing is done with it",
            sanitize(asked),
            sanitize(answered)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_steps_and_empty_keys_are_refused() {
        for key in ["", " ", ".", "..", "a\u{1b}b"] {
            assert!(check_key(key).is_err(), "{key:?}");
        }
        assert_eq!(check_key(" a/b?c ").ok(), Some("a/b?c"));
        assert_eq!(check_key("ünïcødé").ok(), Some("ünïcødé"));
    }

    #[test]
    fn comparisons_follow_the_case_rule() {
        assert!(same(
            "Ada@Example.com",
            "ada@example.com",
            Case::Insensitive
        ));
        assert!(!same("Ada", "ada", Case::Exact));
        assert!(!same("ada.b", "ada", Case::Insensitive));
    }

    #[test]
    fn several_matches_are_listed() {
        let error = exactly_one(
            vec!["a", "b"],
            |m| (*m).to_owned(),
            || "none".to_owned(),
            "`x`",
        )
        .expect_err("ambiguous");
        assert!(
            error.to_string().contains("2 users match (a, b)"),
            "{error}"
        );
        let none = exactly_one(
            Vec::<&str>::new(),
            |m| (*m).to_owned(),
            || "none".to_owned(),
            "`x`",
        );
        assert!(matches!(none, Err(ServiceError::NotFound(_))));
    }
}
