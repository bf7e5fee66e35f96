//! Looker-style `fields` selection (`id,name,credentials_email(email)`) applied to JSON.
//!
//! Pure functions over `serde_json::Value`; used by the simulated Looker API for every endpoint
//! that takes `fields`.

use serde_json::{Map, Value};

/// A parsed field selection: each name with its own nested selection (empty = everything).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selection(Vec<(String, Selection)>);

impl Selection {
    /// Parses `a,b(c,d),e`; unbalanced parentheses are closed at the end.
    pub fn parse(text: &str) -> Self {
        let mut chars = text.chars().peekable();
        parse_list(&mut chars)
    }

    /// Keeps only the selected keys of an object (each element of an array); other values pass.
    pub fn apply(&self, value: Value) -> Value {
        if self.0.is_empty() {
            return value;
        }
        match value {
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|item| self.apply(item)).collect())
            }
            Value::Object(mut map) => {
                let mut out = Map::new();
                for (name, nested) in &self.0 {
                    if let Some(item) = map.remove(name) {
                        out.insert(name.clone(), nested.apply(item));
                    }
                }
                Value::Object(out)
            }
            other => other,
        }
    }
}

fn parse_list(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Selection {
    let mut fields = Vec::new();
    let mut name = String::new();
    while let Some(c) = chars.next() {
        match c {
            ',' => push(&mut fields, &mut name, Selection::default()),
            '(' => {
                let nested = parse_list(chars);
                push(&mut fields, &mut name, nested);
                if chars.peek() == Some(&',') {
                    chars.next();
                }
            }
            ')' => break,
            c if c.is_whitespace() => {}
            c => name.push(c),
        }
    }
    push(&mut fields, &mut name, Selection::default());
    Selection(fields)
}

fn push(fields: &mut Vec<(String, Selection)>, name: &mut String, nested: Selection) {
    if !name.is_empty() {
        fields.push((std::mem::take(name), nested));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_selection_keeps_only_what_was_asked() {
        let selection = Selection::parse("id,credentials_email(email),display_name");
        let user = json!({"id": "1", "first_name": "A", "display_name": "A B",
                          "credentials_email": {"email": "a@x", "created_at": "t"}});
        assert_eq!(
            selection.apply(json!([user])),
            json!([{"id": "1", "credentials_email": {"email": "a@x"}, "display_name": "A B"}])
        );
    }
}
