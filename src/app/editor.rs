//! Editor forms: which fields each kind of edit shows, and how a filled form becomes an [`Edit`].
//!
//! The per-service lists of updatable user fields and the create templates live here, in one
//! place. A form is a list of `ratatui-textarea` fields; [`EditorState::to_edit`] checks what is
//! cheap to check (required fields, JSON syntax) and builds the service-neutral edit that
//! `AnyDirectory::plan` turns into a preview. Nothing here sends or draws.

use ratatui_textarea::TextArea;
use serde_json::Value;

use super::msg::RequestId;
use crate::domain::{Attribute, Edit, ServiceKind, UserRecord};

/// One updatable user field of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The service's own name (dotted for nested SCIM fields).
    pub name: &'static str,
    /// The field may not be left empty.
    pub required: bool,
}

const fn field(name: &'static str, required: bool) -> FieldSpec {
    FieldSpec { name, required }
}

/// The user fields the update form (`u`) shows, per service.
pub fn update_fields(kind: ServiceKind) -> &'static [FieldSpec] {
    const LOOKER: &[FieldSpec] = &[
        field("first_name", false),
        field("last_name", false),
        field("email", true),
        field("is_disabled", false),
        field("locale", false),
    ];
    const CROWD: &[FieldSpec] = &[
        field("first-name", true),
        field("last-name", true),
        field("display-name", false),
        field("email", true),
        field("active", false),
    ];
    const SCIM: &[FieldSpec] = &[
        field("displayName", false),
        field("name.givenName", false),
        field("name.familyName", false),
        field("title", false),
        field("active", false),
    ];
    match kind {
        ServiceKind::Looker => LOOKER,
        ServiceKind::Crowd => CROWD,
        ServiceKind::Scim => SCIM,
    }
}

/// The JSON a create form (`n`) starts from, and the keys it must keep.
pub fn create_template(kind: ServiceKind) -> (Value, &'static [&'static str]) {
    match kind {
        ServiceKind::Looker => (
            serde_json::json!({
                "first_name": "",
                "last_name": "",
                "email": "",
                "locale": "en",
                "is_disabled": false
            }),
            &["email"],
        ),
        ServiceKind::Crowd => (
            serde_json::json!({
                "name": "",
                "first-name": "",
                "last-name": "",
                "display-name": "",
                "email": "",
                "active": true,
                "password": { "value": "" }
            }),
            &["name", "email", "password"],
        ),
        ServiceKind::Scim => (
            serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "",
                "name": { "givenName": "", "familyName": "" },
                "displayName": "",
                "emails": [{ "value": "", "type": "work", "primary": true }],
                "active": true
            }),
            &["userName"],
        ),
    }
}

/// What a form edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditorKind {
    /// One attribute's values (one per line when multi-valued).
    SetAttribute {
        /// The attribute's name.
        name: String,
        /// One value per line.
        multi_valued: bool,
    },
    /// Updatable user fields.
    Update,
    /// The full resource as JSON.
    Replace,
    /// A new user as JSON.
    Create,
}

impl EditorKind {
    /// The form's title.
    pub fn title(&self) -> String {
        match self {
            Self::SetAttribute { name, .. } => format!("Edit attribute {name}"),
            Self::Update => "Update user".to_owned(),
            Self::Replace => "Replace resource (fields left out are cleared)".to_owned(),
            Self::Create => "Create user".to_owned(),
        }
    }
}

/// One field of a form.
#[derive(Debug, Clone)]
pub struct FormField {
    /// The service's field name, also used to match server field errors.
    pub name: String,
    /// The text input.
    pub input: TextArea<'static>,
    /// The text the form started with (to send only what changed).
    pub initial: String,
    /// Must not be empty.
    pub required: bool,
    /// Enter inserts a newline instead of moving on.
    pub multiline: bool,
    /// The error to show under the field (ours or the server's).
    pub error: Option<String>,
}

impl FormField {
    fn new(name: &str, text: &str, required: bool, multiline: bool) -> Self {
        let lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
        let mut input = TextArea::new(lines);
        input.move_cursor(ratatui_textarea::CursorMove::Bottom);
        input.move_cursor(ratatui_textarea::CursorMove::End);
        Self {
            name: name.to_owned(),
            input,
            initial: text.to_owned(),
            required,
            multiline,
            error: None,
        }
    }

    /// The current text, lines joined with newlines.
    pub fn text(&self) -> String {
        self.input.lines().join("\n")
    }
}

/// An open form.
#[derive(Debug, Clone)]
pub struct EditorState {
    /// What it edits.
    pub kind: EditorKind,
    /// The connection index.
    pub conn: usize,
    /// The service of the connection.
    pub service: ServiceKind,
    /// The record it was built from (None for a create).
    pub record: Option<Box<UserRecord>>,
    /// The fields, in order.
    pub fields: Vec<FormField>,
    /// The focused field.
    pub focus: usize,
    /// A message for the whole form (a server error naming no field).
    pub message: Option<String>,
    /// The plan being built, while waiting for it.
    pub pending: Option<RequestId>,
}

impl EditorState {
    /// The form for one attribute. Hidden values are typed masked and never prefilled.
    pub fn attribute(conn: usize, record: &UserRecord, attribute: &Attribute) -> Self {
        let multi_valued = attribute.meta.multi_valued;
        let text = if attribute.hidden || !attribute.has_user_value() {
            String::new()
        } else {
            attribute.values.join("\n")
        };
        let mut field = FormField::new(&attribute.name, &text, !multi_valued, multi_valued);
        if attribute.hidden {
            field.input.set_mask_char('•');
        }
        Self::new(
            EditorKind::SetAttribute {
                name: attribute.name.clone(),
                multi_valued,
            },
            conn,
            record.kind,
            Some(record),
            vec![field],
        )
    }

    /// The update form with the service's fields, prefilled from the record.
    pub fn update(conn: usize, record: &UserRecord) -> Self {
        let fields = update_fields(record.kind)
            .iter()
            .map(|spec| {
                FormField::new(
                    spec.name,
                    &current_field(record, spec.name),
                    spec.required,
                    false,
                )
            })
            .collect();
        Self::new(EditorKind::Update, conn, record.kind, Some(record), fields)
    }

    /// The replace form: the full current resource as JSON.
    pub fn replace(conn: usize, record: &UserRecord) -> Self {
        let text = serde_json::to_string_pretty(&record.raw).unwrap_or_default();
        let field = FormField::new("resource", &text, true, true);
        Self::new(
            EditorKind::Replace,
            conn,
            record.kind,
            Some(record),
            vec![field],
        )
    }

    /// The create form from the service's template.
    pub fn create(conn: usize, kind: ServiceKind) -> Self {
        let (template, _) = create_template(kind);
        let text = serde_json::to_string_pretty(&template).unwrap_or_default();
        let field = FormField::new("resource", &text, true, true);
        Self::new(EditorKind::Create, conn, kind, None, vec![field])
    }

    fn new(
        kind: EditorKind,
        conn: usize,
        service: ServiceKind,
        record: Option<&UserRecord>,
        fields: Vec<FormField>,
    ) -> Self {
        Self {
            kind,
            conn,
            service,
            record: record.map(|r| Box::new(r.clone())),
            fields,
            focus: 0,
            message: None,
            pending: None,
        }
    }

    /// Moves the focus to the next (or previous) field.
    pub fn cycle(&mut self, forward: bool) {
        let n = self.fields.len().max(1);
        self.focus = if forward {
            (self.focus + 1) % n
        } else {
            (self.focus + n - 1) % n
        };
    }

    /// The focused field.
    pub fn focused(&mut self) -> Option<&mut FormField> {
        self.fields.get_mut(self.focus)
    }

    /// True for the forms that hold a whole resource as JSON (create, replace): the ones `$EDITOR`
    /// can edit.
    pub fn is_json(&self) -> bool {
        matches!(self.kind, EditorKind::Create | EditorKind::Replace)
    }

    /// The JSON text of a create or replace form.
    pub fn json_text(&self) -> Option<String> {
        self.is_json()
            .then(|| self.fields.first().map(FormField::text))
            .flatten()
    }

    /// Replaces the JSON text (what `$EDITOR` left in the file), keeping the initial text.
    pub fn set_json_text(&mut self, text: &str) {
        if let Some(field) = self.fields.first_mut() {
            let initial = std::mem::take(&mut field.initial);
            *field = FormField::new(&field.name, text.trim_end(), field.required, true);
            field.initial = initial;
        }
    }

    /// Puts server field errors on the fields they name; returns the errors that named no field.
    pub fn place_errors(&mut self, errors: &[(String, String)]) -> Vec<String> {
        let mut unplaced = Vec::new();
        for (name, message) in errors {
            let single = self.fields.len() == 1;
            let target = self
                .fields
                .iter()
                .position(|f| f.name.eq_ignore_ascii_case(name) || field_tail(&f.name) == name)
                .or(if single { Some(0) } else { None });
            match target {
                Some(index) => {
                    self.fields[index].error = Some(format!("{name}: {message}"));
                    self.focus = index;
                }
                None => unplaced.push(format!("{name}: {message}")),
            }
        }
        unplaced
    }

    /// Checks the form and builds the edit; None when it fails (the errors are set on the fields).
    pub fn to_edit(&mut self) -> Option<Edit> {
        for field in &mut self.fields {
            field.error = None;
        }
        self.message = None;
        let result = match &self.kind {
            EditorKind::SetAttribute { name, multi_valued } => {
                let text = self.fields.first().map(FormField::text).unwrap_or_default();
                let values: Vec<String> = if *multi_valued {
                    text.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned)
                        .collect()
                } else {
                    vec![text.trim_end_matches('\n').to_owned()]
                };
                if values.iter().all(String::is_empty) {
                    Err(vec![(
                        0,
                        "a value is required (to remove the user's value, use delete)".to_owned(),
                    )])
                } else {
                    Ok(Edit::SetAttribute {
                        name: name.clone(),
                        values,
                    })
                }
            }
            EditorKind::Update => self.update_edit(),
            EditorKind::Replace => parse_resource(&self.fields, &[])
                .map(|resource| Edit::Replace { resource })
                .map_err(|why| vec![(0, why)]),
            EditorKind::Create => {
                let required = create_template(self.service).1;
                parse_resource(&self.fields, required)
                    .map(|resource| Edit::Create {
                        resource: without_empty_fields(resource),
                    })
                    .map_err(|why| vec![(0, why)])
            }
        };
        match result {
            Ok(edit) => Some(edit),
            Err(errors) => {
                for (index, error) in errors {
                    if let Some(field) = self.fields.get_mut(index) {
                        field.error = Some(error);
                        self.focus = index;
                    } else {
                        self.message = Some(error);
                    }
                }
                None
            }
        }
    }

    fn update_edit(&self) -> Result<Edit, Vec<(usize, String)>> {
        let mut errors = Vec::new();
        let mut fields = Vec::new();
        for (index, field) in self.fields.iter().enumerate() {
            let text = field.text();
            if field.required && text.trim().is_empty() {
                errors.push((index, format!("{} is required", field.name)));
            } else if text != field.initial {
                fields.push((field.name.clone(), text));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        if fields.is_empty() {
            return Err(vec![(usize::MAX, "nothing changed".to_owned())]);
        }
        Ok(Edit::Update { fields })
    }
}

/// The last segment of a dotted field name (`name.givenName` → `givenName`).
fn field_tail(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

fn parse_resource(fields: &[FormField], required: &[&str]) -> Result<Value, String> {
    let text = fields.first().map(FormField::text).unwrap_or_default();
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("not valid JSON: {e}"))?;
    let Some(object) = value.as_object() else {
        return Err("the resource must be a JSON object".to_owned());
    };
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|key| match object.get(*key) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(Value::Object(inner)) => inner
                .values()
                .all(|v| matches!(v, Value::String(s) if s.is_empty())),
            Some(_) => false,
        })
        .collect();
    if missing.is_empty() {
        Ok(value)
    } else {
        Err(format!("required: {}", missing.join(", ")))
    }
}

/// The resource without the template's empty placeholders: empty strings, then the objects and
/// lists they leave empty, and list entries whose `value` was empty (an email with no address),
/// so a create never sends `""` for a field the user did not fill.
pub fn without_empty_fields(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| (key, without_empty_fields(value)))
                .filter(|(_, value)| !is_empty_placeholder(value))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .filter(|item| !matches!(item.get("value"), Some(Value::String(s)) if s.is_empty()))
                .map(without_empty_fields)
                .filter(|item| !is_empty_placeholder(item))
                .collect(),
        ),
        other => other,
    }
}

fn is_empty_placeholder(value: &Value) -> bool {
    match value {
        Value::String(s) => s.is_empty(),
        Value::Object(map) => map.is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

/// The current text of a user field, read from the record's own JSON.
pub fn current_field(record: &UserRecord, name: &str) -> String {
    let from_raw = name
        .split('.')
        .try_fold(&record.raw, |value, key| value.get(key));
    match from_raw {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => match name {
            "email" => record.email.clone().unwrap_or_default(),
            _ => String::new(),
        },
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record() -> UserRecord {
        UserRecord {
            connection: "looker".to_owned(),
            kind: ServiceKind::Looker,
            id: "1".to_owned(),
            username: Some("ada@example.com".to_owned()),
            display_name: Some("Ada Lovelace".to_owned()),
            email: Some("ada@example.com".to_owned()),
            active: true,
            attributes: vec![Attribute::single(
                "region",
                "Region",
                vec!["EMEA".into()],
                "User",
            )],
            groups: Vec::new(),
            raw: json!({"first_name": "Ada", "last_name": "Lovelace", "is_disabled": false,
                        "locale": null, "email": "ada@example.com"}),
        }
    }

    fn type_into(editor: &mut EditorState, index: usize, text: &str) {
        let field = &mut editor.fields[index];
        field.input.select_all();
        field.input.cut();
        field.input.insert_str(text);
    }

    #[test]
    fn create_leaves_out_empty_placeholders() {
        let (template, _) = create_template(ServiceKind::Scim);
        let mut filled = template.clone();
        filled["userName"] = json!("ada");
        filled["name"]["givenName"] = json!("Ada");
        assert_eq!(
            without_empty_fields(filled),
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "ada",
                "name": {"givenName": "Ada"},
                "active": true
            })
        );
        let mut form = EditorState::create(0, ServiceKind::Looker);
        form.set_json_text(r#"{"email": "a@example.com", "first_name": ""}"#);
        assert_eq!(
            form.to_edit(),
            Some(Edit::Create {
                resource: json!({"email": "a@example.com"})
            })
        );
    }

    #[test]
    fn update_sends_only_changed_fields() {
        let mut editor = EditorState::update(0, &record());
        let names: Vec<&str> = editor.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["first_name", "last_name", "email", "is_disabled", "locale"]
        );
        assert_eq!(editor.fields[3].initial, "false");
        assert!(editor.to_edit().is_none());
        assert_eq!(editor.message.as_deref(), Some("nothing changed"));
        type_into(&mut editor, 0, "Augusta");
        assert_eq!(
            editor.to_edit(),
            Some(Edit::Update {
                fields: vec![("first_name".into(), "Augusta".into())]
            })
        );
    }

    #[test]
    fn required_fields_are_checked_before_sending() {
        let mut editor = EditorState::update(0, &record());
        type_into(&mut editor, 2, "");
        assert!(editor.to_edit().is_none());
        assert_eq!(editor.fields[2].error.as_deref(), Some("email is required"));
        assert_eq!(editor.focus, 2);
    }

    #[test]
    fn multi_valued_attributes_take_one_value_per_line() {
        let mut attribute = Attribute::single("teams", "teams", vec!["a".into()], "user");
        attribute.meta.multi_valued = true;
        let mut editor = EditorState::attribute(0, &record(), &attribute);
        type_into(&mut editor, 0, "red\n\n blue \n");
        assert_eq!(
            editor.to_edit(),
            Some(Edit::SetAttribute {
                name: "teams".into(),
                values: vec!["red".into(), "blue".into()]
            })
        );
    }

    #[test]
    fn create_checks_json_and_required_keys() {
        let mut editor = EditorState::create(0, ServiceKind::Looker);
        assert!(editor.to_edit().is_none());
        assert_eq!(editor.fields[0].error.as_deref(), Some("required: email"));
        type_into(&mut editor, 0, "{not json");
        assert!(editor.to_edit().is_none());
        assert!(
            editor.fields[0]
                .error
                .as_deref()
                .unwrap()
                .starts_with("not valid JSON")
        );
        type_into(&mut editor, 0, r#"{"email": "new@example.com"}"#);
        assert!(matches!(editor.to_edit(), Some(Edit::Create { .. })));
    }

    #[test]
    fn server_errors_land_on_named_fields() {
        let mut editor = EditorState::update(0, &record());
        let unplaced = editor.place_errors(&[
            ("email".into(), "is taken".into()),
            ("home_folder_id".into(), "bad".into()),
        ]);
        assert_eq!(editor.fields[2].error.as_deref(), Some("email: is taken"));
        assert_eq!(unplaced, ["home_folder_id: bad"]);
    }
}
