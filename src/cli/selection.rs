//! Reading `--users-from FILE`: one id, username or email per line, or the CSV or JSON that
//! `roster users` prints (its `id` column or key). Pure parsing, no I/O.

/// One user named in a selection file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// The service's id (from the CSV or JSON of `roster users`).
    Id(String),
    /// An id, username or email written by hand (found by exact match).
    Any(String),
}

/// The users a selection file names, in file order, each once.
pub fn parse(text: &str) -> Result<Vec<Key>, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    let keys = if trimmed.starts_with('[') {
        from_json(trimmed)?
    } else if is_users_csv(trimmed) {
        from_csv(trimmed)?
    } else {
        trimmed
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| Key::Any(line.to_owned()))
            .collect()
    };
    let mut unique: Vec<Key> = Vec::with_capacity(keys.len());
    for key in keys {
        if !unique.contains(&key) {
            unique.push(key);
        }
    }
    Ok(unique)
}

fn from_json(text: &str) -> Result<Vec<Key>, String> {
    let items: Vec<serde_json::Value> =
        serde_json::from_str(text).map_err(|e| format!("not a JSON array of users: {e}"))?;
    items
        .iter()
        .enumerate()
        .map(|(index, item)| match item {
            serde_json::Value::String(key) => Ok(Key::Any(key.clone())),
            serde_json::Value::Object(user) => user
                .get("id")
                .and_then(serde_json::Value::as_str)
                .map(|id| Key::Id(id.to_owned()))
                .ok_or_else(|| format!("item {} has no \"id\"", index + 1)),
            _ => Err(format!("item {} is neither a user nor a string", index + 1)),
        })
        .collect()
}

/// True for the CSV `roster users --format csv` prints: a header row that starts with `id`.
fn is_users_csv(text: &str) -> bool {
    text.lines()
        .next()
        .is_some_and(|header| header.split(',').next().map(str::trim) == Some("id"))
}

fn from_csv(text: &str) -> Result<Vec<Key>, String> {
    text.lines()
        .skip(1)
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            first_field(line)
                .filter(|id| !id.is_empty())
                .map(Key::Id)
                .ok_or_else(|| format!("line {} has no id", index + 2))
        })
        .collect()
}

/// The first field of an RFC 4180 line (quoted or not).
fn first_field(line: &str) -> Option<String> {
    let line = line.trim_start();
    let Some(rest) = line.strip_prefix('"') else {
        return line.split(',').next().map(|f| f.trim().to_owned());
    };
    let mut field = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => return Some(field),
            other => field.push(other),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_csv_and_json_are_read() {
        assert_eq!(
            parse("ada@example.com\n# a comment\n\n42\nada@example.com\n").expect("lines"),
            [
                Key::Any("ada@example.com".to_owned()),
                Key::Any("42".to_owned())
            ]
        );
        assert_eq!(
            parse(
                "id,username,display_name,email,active\n7,a,\"A, B\",a@x,true\n\"8\",b,,b@x,false\n"
            )
            .expect("csv"),
            [Key::Id("7".to_owned()), Key::Id("8".to_owned())]
        );
        assert_eq!(
            parse(r#"[{"id": "u1", "username": "a"}, "b@x"]"#).expect("json"),
            [Key::Id("u1".to_owned()), Key::Any("b@x".to_owned())]
        );
        assert!(parse(r#"[{"username": "a"}]"#).is_err());
    }
}
