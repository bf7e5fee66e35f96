//! `/users/search` matching: case-insensitive SQL LIKE with `%` and `_`, AND or OR of parameters.

use super::store::User;

/// One parsed search condition.
#[derive(Debug, Clone)]
pub enum Condition {
    /// A LIKE pattern over a text field.
    Like(fn(&User) -> Option<String>, String),
    /// One of several ids.
    Ids(Vec<u64>),
    /// A boolean field.
    Flag(fn(&User) -> bool, bool),
    /// Membership of one of several groups.
    Groups(Vec<u64>),
}

impl Condition {
    /// True when the user meets the condition.
    pub fn matches(&self, user: &User) -> bool {
        match self {
            Self::Like(field, pattern) => field(user).is_some_and(|text| like(pattern, &text)),
            Self::Ids(ids) => ids.contains(&user.id),
            Self::Flag(field, wanted) => field(user) == *wanted,
            Self::Groups(groups) => user.group_ids.iter().any(|g| groups.contains(g)),
        }
    }
}

/// Builds the conditions of a search from its query parameters; unknown ones are ignored.
pub fn conditions(params: &[(String, String)]) -> Result<Vec<Condition>, String> {
    let mut out = Vec::new();
    for (key, value) in params {
        let condition = match key.as_str() {
            "first_name" => Condition::Like(|u| u.first_name.clone(), value.clone()),
            "last_name" => Condition::Like(|u| u.last_name.clone(), value.clone()),
            "full_name" => Condition::Like(|u| Some(u.display_name()), value.clone()),
            "email" => Condition::Like(|u| u.email.clone(), value.clone()),
            "id" => Condition::Ids(numbers(key, value)?),
            "group_id" => Condition::Groups(numbers(key, value)?),
            "is_disabled" => Condition::Flag(|u| u.is_disabled, boolean(key, value)?),
            _ => continue,
        };
        out.push(condition);
    }
    Ok(out)
}

fn numbers(key: &str, value: &str) -> Result<Vec<u64>, String> {
    value
        .split(',')
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| format!("{key} must be a comma-separated list of integers"))
        })
        .collect()
}

fn boolean(key: &str, value: &str) -> Result<bool, String> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("{key} must be true or false")),
    }
}

/// Case-insensitive SQL LIKE: `%` any run of characters, `_` exactly one.
pub fn like(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.to_lowercase().chars().collect();
    let text: Vec<char> = text.to_lowercase().chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '_' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '%' {
            backtrack = Some((p, t));
            p += 1;
        } else if let Some((bp, bt)) = backtrack {
            p = bp + 1;
            t = bt + 1;
            backtrack = Some((bp, bt + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '%')
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_wildcards_and_case() {
        assert!(like("%ADA%", "Ada Lovelace"));
        assert!(like("a_a", "ADA"));
        assert!(!like("a_a", "aa"));
        assert!(like("%", ""));
        assert!(like("priya.raman@example.com", "Priya.Raman@Example.com"));
        assert!(!like("%@example.org", "x@example.com"));
        assert!(like("%a%b%", "xxaxxbxx"));
    }
}
