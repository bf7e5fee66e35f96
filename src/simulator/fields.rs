//! Looker-style `fields` selection (`id,name,credentials_email(email)`) applied to JSON.
//!
//! Pure functions: [`Selection::apply`] over a `serde_json::Value`, and [`Selected`], which
//! applies a selection while serialising a record that lists its own [`Fields`] (so a page of
//! records is written out without building a JSON tree first). Used by the simulated Looker API
//! for every endpoint that takes `fields`.

use serde::ser::{Serialize, SerializeMap, Serializer};
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

/// A record that serialises field by field, so that a [`Selection`] can pick its fields while it
/// is written: the same keys, values and order as [`Selection::apply`] on the whole record.
pub trait Fields {
    /// Every field name, in the order the whole record lists them.
    const NAMES: &'static [&'static str];

    /// Writes the field `name` into `map`, its value under the `nested` selection; false (and
    /// nothing written) when the record has no such field.
    fn write_field<M: SerializeMap>(
        &self,
        map: &mut M,
        name: &str,
        nested: &Selection,
    ) -> Result<bool, M::Error>;
}

/// A record serialised with a selection applied (an empty selection keeps every field).
pub struct Selected<'s, T> {
    record: T,
    selection: &'s Selection,
}

impl<'s, T: Fields> Selected<'s, T> {
    /// `record` under `selection`.
    pub fn new(record: T, selection: &'s Selection) -> Self {
        Self { record, selection }
    }
}

impl<T: Fields> Serialize for Selected<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if self.selection.0.is_empty() {
            let everything = Selection::default();
            for name in T::NAMES {
                self.record.write_field(&mut map, name, &everything)?;
            }
        } else {
            // A name selected twice is written once, where it was first selected.
            let mut written: Vec<&str> = Vec::with_capacity(self.selection.0.len());
            for (name, nested) in &self.selection.0 {
                if !written.contains(&name.as_str())
                    && self.record.write_field(&mut map, name, nested)?
                {
                    written.push(name);
                }
            }
        }
        map.end()
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
