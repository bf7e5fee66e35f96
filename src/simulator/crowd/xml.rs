//! The little XML the simulated Crowd API needs: reading restriction bodies and escaping text.
//!
//! Crowd serves XML as well as JSON, and python-crowd sends its search restriction as XML and
//! reads group memberships as XML. This is a small, strict reader for element trees (prolog,
//! comments, attributes, self-closing tags and the five predefined entities); it has no DTDs and
//! no namespaces, and it never fetches anything.

/// An element: its name, attributes, text (concatenated and decoded) and child elements.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Element {
    /// The tag name.
    pub name: String,
    /// Attributes in document order.
    pub attributes: Vec<(String, String)>,
    /// The element's own text, trimmed.
    pub text: String,
    /// Child elements.
    pub children: Vec<Element>,
}

impl Element {
    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// Escapes text for an XML element or attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let end = rest[at..].find(';').ok_or("an entity has no `;`")? + at;
        let entity = &rest[at + 1..end];
        let decoded = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| format!("bad character reference &{e};"))?,
            e if e.starts_with('#') => e[1..]
                .parse::<u32>()
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| format!("bad character reference &{e};"))?,
            e => return Err(format!("unknown entity &{e};")),
        };
        out.push(decoded);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Parses a document and returns its root element.
pub fn parse(text: &str) -> Result<Element, String> {
    let mut reader = Reader { text, at: 0 };
    reader.skip_misc()?;
    let root = reader.element()?;
    reader.skip_misc()?;
    if reader.at < text.len() {
        return Err("content after the root element".to_owned());
    }
    Ok(root)
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl Reader<'_> {
    fn rest(&self) -> &str {
        &self.text[self.at..]
    }

    fn skip_whitespace(&mut self) {
        let trimmed = self.rest().trim_start();
        self.at = self.text.len() - trimmed.len();
    }

    fn skip_past(&mut self, end: &str) -> Result<(), String> {
        let found = self.rest().find(end).ok_or(format!("missing `{end}`"))?;
        self.at += found + end.len();
        Ok(())
    }

    /// Skips whitespace, the prolog and comments.
    fn skip_misc(&mut self) -> Result<(), String> {
        loop {
            self.skip_whitespace();
            if self.rest().starts_with("<?") {
                self.skip_past("?>")?;
            } else if self.rest().starts_with("<!--") {
                self.skip_past("-->")?;
            } else if self.rest().starts_with("<!") {
                return Err("DTDs are not accepted".to_owned());
            } else {
                return Ok(());
            }
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let len = self
            .rest()
            .find(|c: char| c.is_whitespace() || matches!(c, '>' | '/' | '='))
            .unwrap_or(self.rest().len());
        if len == 0 {
            return Err("a name is missing".to_owned());
        }
        let name = self.rest()[..len].to_owned();
        self.at += len;
        Ok(name)
    }

    fn element(&mut self) -> Result<Element, String> {
        if !self.rest().starts_with('<') {
            return Err("expected an element".to_owned());
        }
        self.at += 1;
        let mut element = Element {
            name: self.name()?,
            ..Element::default()
        };
        loop {
            self.skip_whitespace();
            if self.rest().starts_with("/>") {
                self.at += 2;
                return Ok(element);
            }
            if self.rest().starts_with('>') {
                self.at += 1;
                break;
            }
            let key = self.name()?;
            self.skip_whitespace();
            if !self.rest().starts_with('=') {
                return Err(format!("attribute `{key}` has no value"));
            }
            self.at += 1;
            self.skip_whitespace();
            let quote = self
                .rest()
                .chars()
                .next()
                .filter(|c| matches!(c, '"' | '\''));
            let quote = quote.ok_or(format!("attribute `{key}` is not quoted"))?;
            self.at += 1;
            let end = self.rest().find(quote).ok_or("unterminated attribute")?;
            let value = unescape(&self.rest()[..end])?;
            self.at += end + 1;
            element.attributes.push((key, value));
        }
        let mut text = String::new();
        loop {
            let next = self
                .rest()
                .find('<')
                .ok_or(format!("<{}> is not closed", element.name))?;
            text.push_str(&unescape(&self.rest()[..next])?);
            self.at += next;
            if self.rest().starts_with("</") {
                self.at += 2;
                let closing = self.name()?;
                if closing != element.name {
                    return Err(format!("<{}> closed by </{closing}>", element.name));
                }
                self.skip_whitespace();
                if !self.rest().starts_with('>') {
                    return Err("malformed closing tag".to_owned());
                }
                self.at += 1;
                element.text = text.trim().to_owned();
                return Ok(element);
            }
            if self.rest().starts_with("<!--") {
                self.skip_past("-->")?;
            } else if self.rest().starts_with("<![CDATA[") {
                self.at += "<![CDATA[".len();
                let end = self.rest().find("]]>").ok_or("unterminated CDATA")?;
                text.push_str(&self.rest()[..end]);
                self.at += end + 3;
            } else {
                element.children.push(self.element()?);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_crowds_search_body_parses() {
        let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<property-search-restriction><property><name>email</name><type>STRING</type></property><match-mode>CONTAINS</match-mode><value>a&amp;b</value></property-search-restriction>";
        let root = parse(body).expect("parse");
        assert_eq!(root.name, "property-search-restriction");
        assert_eq!(root.child("value").expect("value").text, "a&b");
        assert_eq!(
            root.child("property")
                .and_then(|p| p.child("name"))
                .map(|n| n.text.as_str()),
            Some("email")
        );
    }

    #[test]
    fn attributes_self_closing_tags_and_errors() {
        let root = parse("<a x='1'><b name=\"&lt;n&gt;\"/><!-- c --><c>t</c></a>").expect("parse");
        assert_eq!(root.attributes, [("x".to_owned(), "1".to_owned())]);
        assert_eq!(root.children[0].attributes[0].1, "<n>");
        assert_eq!(root.children[1].text, "t");
        for bad in [
            "<a>",
            "<a></b>",
            "<a>&bogus;</a>",
            "<!DOCTYPE a><a/>",
            "<a/><b/>",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(escape("<a & 'b'>"), "&lt;a &amp; &apos;b&apos;&gt;");
    }
}
