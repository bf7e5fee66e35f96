//! Search restrictions of the simulated Crowd API: CQL (`GET /search?restriction=`) and the
//! restriction entities of `POST /search` in JSON and XML.
//!
//! The CQL subset: `property = value` (a quoted string with `\` escapes, or a bare word), `*`
//! wildcards anywhere in the value, `and` / `or` (either case; `and` binds tighter) and
//! parentheses. Comparisons ignore case. Properties are Crowd's user terms (`name`, `email`,
//! `firstName`, `lastName`, `displayName`, `active`) or custom attribute names. Pure functions.

use serde_json::Value;

use super::xml::Element;

/// How a property value is compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// Equal, ignoring case.
    Exactly(String),
    /// Starts with, ignoring case.
    StartsWith(String),
    /// Ends with, ignoring case.
    EndsWith(String),
    /// Contains, ignoring case.
    Contains(String),
    /// A `*` wildcard pattern, ignoring case.
    Pattern(String),
    /// The property has no value.
    Null,
}

impl Match {
    fn accepts(&self, value: &str) -> bool {
        let value = value.to_lowercase();
        match self {
            Self::Exactly(w) => value == w.to_lowercase(),
            Self::StartsWith(w) => value.starts_with(&w.to_lowercase()),
            Self::EndsWith(w) => value.ends_with(&w.to_lowercase()),
            Self::Contains(w) => value.contains(&w.to_lowercase()),
            Self::Pattern(p) => glob(&p.to_lowercase(), &value),
            Self::Null => false,
        }
    }
}

/// A parsed restriction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restriction {
    /// No restriction: everything matches.
    All,
    /// One property compared with a value.
    Property {
        /// The property (user term or attribute name).
        name: String,
        /// The comparison.
        matching: Match,
    },
    /// Every part matches.
    And(Vec<Restriction>),
    /// Some part matches.
    Or(Vec<Restriction>),
}

impl Restriction {
    /// True when an entity whose property values `values(name)` returns matches.
    pub fn matches(&self, values: &dyn Fn(&str) -> Vec<String>) -> bool {
        match self {
            Self::All => true,
            Self::Property { name, matching } => {
                let found = values(name);
                if *matching == Match::Null {
                    found.iter().all(String::is_empty)
                } else {
                    found.iter().any(|v| matching.accepts(v))
                }
            }
            Self::And(parts) => parts.iter().all(|p| p.matches(values)),
            Self::Or(parts) => parts.iter().any(|p| p.matches(values)),
        }
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Equals,
    Open,
    Close,
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '=' => {
                chars.next();
                tokens.push(Token::Equals);
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '"' | '\'' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        None => return Err("unterminated quoted value".to_owned()),
                        Some('\\') => value.push(chars.next().ok_or("dangling escape")?),
                        Some(q) if q == c => break,
                        Some(other) => value.push(other),
                    }
                }
                tokens.push(Token::Quoted(value));
            }
            '<' | '>' | '!' | '~' => {
                return Err(format!("operator `{c}` is not supported (only `=`)"));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace()
                        || matches!(c, '=' | '(' | ')' | '"' | '\'' | '<' | '>' | '!')
                    {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Restriction, String> {
        let mut parts = vec![self.and()?];
        while self.keyword("or") {
            self.next();
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Restriction::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Restriction, String> {
        let mut parts = vec![self.factor()?];
        while self.keyword("and") {
            self.next();
            parts.push(self.factor()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Restriction::And(parts)
        })
    }

    fn factor(&mut self) -> Result<Restriction, String> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err("missing `)`".to_owned()),
                }
            }
            Some(Token::Word(name)) => {
                if self.next() != Some(Token::Equals) {
                    return Err(format!("expected `=` after `{name}`"));
                }
                let value = match self.next() {
                    Some(Token::Word(v) | Token::Quoted(v)) => v,
                    _ => return Err(format!("expected a value after `{name} =`")),
                };
                let matching = if value.contains('*') {
                    Match::Pattern(value)
                } else {
                    Match::Exactly(value)
                };
                Ok(Restriction::Property { name, matching })
            }
            Some(other) => Err(format!("unexpected {other:?}")),
            None => Err("the restriction ends too early".to_owned()),
        }
    }
}

/// Parses a CQL restriction; an empty one matches everything.
pub fn parse_cql(text: &str) -> Result<Restriction, String> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Ok(Restriction::All);
    }
    let mut parser = Parser { tokens, at: 0 };
    let restriction = parser.or()?;
    match parser.peek() {
        None => Ok(restriction),
        Some(extra) => Err(format!("unexpected {extra:?} after a complete restriction")),
    }
}

fn match_mode(mode: &str, value: String) -> Result<Match, String> {
    Ok(match mode.to_ascii_uppercase().as_str() {
        "EXACTLY_MATCHES" => Match::Exactly(value),
        "STARTS_WITH" => Match::StartsWith(value),
        "ENDS_WITH" => Match::EndsWith(value),
        "CONTAINS" => Match::Contains(value),
        "NULL" => Match::Null,
        other => return Err(format!("unsupported match mode `{other}`")),
    })
}

/// Parses a JSON restriction entity (`property-search-restriction`, `boolean-search-restriction`,
/// `null-search-restriction`); both `match-mode` and `matchMode` are read.
pub fn parse_json(value: &Value) -> Result<Restriction, String> {
    let text = |key: &str| value.get(key).and_then(Value::as_str);
    let kind = text("restriction-type").or_else(|| text("restrictionType"));
    match kind {
        None | Some("null-search-restriction") if value.get("property").is_none() => {
            Ok(Restriction::All)
        }
        None | Some("property-search-restriction") => {
            let name = value
                .pointer("/property/name")
                .and_then(Value::as_str)
                .ok_or("a property restriction needs property.name")?;
            let mode = text("match-mode")
                .or_else(|| text("matchMode"))
                .unwrap_or("EXACTLY_MATCHES");
            let wanted = text("value").unwrap_or_default().to_owned();
            Ok(Restriction::Property {
                name: name.to_owned(),
                matching: match_mode(mode, wanted)?,
            })
        }
        Some("boolean-search-restriction") => {
            let logic = text("boolean-logic")
                .or_else(|| text("booleanLogic"))
                .unwrap_or("and");
            let parts = value
                .get("restrictions")
                .and_then(Value::as_array)
                .ok_or("a boolean restriction needs restrictions")?
                .iter()
                .map(parse_json)
                .collect::<Result<Vec<_>, _>>()?;
            boolean(logic, parts)
        }
        Some(other) => Err(format!("unsupported restriction type `{other}`")),
    }
}

fn boolean(logic: &str, parts: Vec<Restriction>) -> Result<Restriction, String> {
    match logic.to_ascii_lowercase().as_str() {
        "and" => Ok(Restriction::And(parts)),
        "or" => Ok(Restriction::Or(parts)),
        other => Err(format!("unsupported boolean logic `{other}`")),
    }
}

/// Parses an XML restriction entity (the form python-crowd sends).
pub fn parse_xml(element: &Element) -> Result<Restriction, String> {
    let child_text = |name: &str| element.child(name).map(|c| c.text.clone());
    match element.name.as_str() {
        "null-search-restriction" => Ok(Restriction::All),
        "property-search-restriction" => {
            let name = element
                .child("property")
                .and_then(|p| p.child("name"))
                .map(|n| n.text.clone())
                .ok_or("a property restriction needs property/name")?;
            let mode = child_text("match-mode").unwrap_or_else(|| "EXACTLY_MATCHES".to_owned());
            let wanted = child_text("value").unwrap_or_default();
            Ok(Restriction::Property {
                name,
                matching: match_mode(&mode, wanted)?,
            })
        }
        "boolean-search-restriction" => {
            let logic = child_text("boolean-logic").unwrap_or_else(|| "and".to_owned());
            let parts = element
                .child("restrictions")
                .map(|r| r.children.iter().map(parse_xml).collect())
                .unwrap_or_else(|| Ok(Vec::new()))?;
            boolean(&logic, parts)
        }
        other => Err(format!("unsupported restriction element <{other}>")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(property: &str) -> Vec<String> {
        match property {
            "name" => vec!["jdoe".to_owned()],
            "email" => vec!["Jane.Doe@Example.com".to_owned()],
            "active" => vec!["true".to_owned()],
            "skills" => vec!["sql".to_owned(), "rust".to_owned()],
            _ => Vec::new(),
        }
    }

    fn matches(cql: &str) -> bool {
        parse_cql(cql).expect(cql).matches(&person)
    }

    #[test]
    fn cql_wildcards_logic_and_parentheses() {
        assert!(matches("name = jdoe"));
        assert!(matches(r#"email = "*@example.com""#));
        assert!(matches(r#"email = "jane*""#));
        assert!(!matches(r#"email = "*@example.org""#));
        assert!(matches("active = true AND skills = rust"));
        assert!(!matches("active = false and name = jdoe"));
        assert!(matches("name = nobody or name = j*e"));
        assert!(matches("(name = x or name = jdoe) and (active = true)"));
        assert!(!matches("name = x or name = y and active = true"));
        assert!(matches(r#"name = "jd\"oe" or name = "*d*""#));
        assert_eq!(parse_cql("  ").expect("empty"), Restriction::All);
    }

    #[test]
    fn bad_cql_is_refused() {
        for bad in [
            "name",
            "name =",
            "(name = x",
            "name = x y",
            "createdDate > 1",
            "name = \"x",
        ] {
            assert!(parse_cql(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn glob_handles_edges() {
        assert!(glob("*", ""));
        assert!(glob("a*a", "aa"));
        assert!(!glob("a*a", "a"));
        assert!(glob("*b*", "abc"));
        assert!(!glob("abc", "abcd"));
    }

    #[test]
    fn json_restriction_entities() {
        let property = serde_json::json!({"restriction-type": "property-search-restriction",
            "property": {"name": "email", "type": "STRING"}, "matchMode": "EXACTLY_MATCHES",
            "value": "jane.doe@example.com"});
        assert!(parse_json(&property).expect("property").matches(&person));
        let boolean = serde_json::json!({"restriction-type": "boolean-search-restriction",
            "boolean-logic": "or", "restrictions": [
                {"restriction-type": "property-search-restriction", "property": {"name": "name"},
                 "match-mode": "STARTS_WITH", "value": "x"},
                {"restriction-type": "property-search-restriction", "property": {"name": "skills"},
                 "match-mode": "CONTAINS", "value": "us"}]});
        assert!(parse_json(&boolean).expect("boolean").matches(&person));
    }
}
