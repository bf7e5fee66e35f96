//! Crowd as a [`Directory`]: finding users, reading records, and planning and applying edits.
//!
//! Attributes are stored with `POST /user/attribute` (every value of the named attribute at once;
//! others stay as they are) and removed with `DELETE /user/attribute`. User fields change with
//! `PUT /user`, whose body is the whole current user with the changes applied (Crowd reads the
//! body as the new user, and its `name` must equal the query's). A password goes through
//! `PUT /user/password`. Creates are `POST /user`. Plans are checked against the record first:
//! locked fields, Crowd-managed attributes and bad values are refused before anything is sent.

use serde_json::{Map, Value};

use super::client::{Client, cql_quote, filter_restriction};
use super::mapping::{self, FIELD_NAMES, SYSTEM_LOCK, UPDATABLE_FIELDS};
use super::wire;
use crate::domain::{Edit, FieldChange, ServiceKind, UserRecord};
use crate::secret::MASK;
use crate::service::plan::{flatten_for_preview, is_secret_name};
use crate::service::target::{self, Case};
use crate::service::{
    Capabilities, Directory, ListQuery, Observed, PlannedRequest, Sent, ServiceError, UsersPage,
    WritePlan,
};
use crate::text::sanitize;

/// The field of `roster update` that sets a new password (a separate call).
pub const PASSWORD_FIELD: &str = "password";

/// How many users an email lookup reads before giving up on ambiguity.
const EMAIL_MATCHES: usize = 50;

impl Directory for Client {
    fn kind(&self) -> ServiceKind {
        ServiceKind::Crowd
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            attributes: true,
            multi_valued_attributes: true,
            update: true,
            replace: false,
            create: true,
        }
    }

    async fn list_users(
        &self,
        query: &ListQuery,
        on_page: &mut (dyn FnMut(UsersPage) + Send),
    ) -> Result<(), ServiceError> {
        let restriction = query
            .filter
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(filter_restriction);
        self.all_users(
            restriction.as_deref(),
            query.limit,
            query.pace.as_ref(),
            &mut |page| on_page(page.into_users(mapping::summary)),
        )
        .await
    }

    async fn find_user(&self, key: &str) -> Result<UserRecord, ServiceError> {
        let key = target::check_key(key)?;
        match self.read_user(key).await {
            Err(ServiceError::NotFound(_)) if key.contains('@') => {}
            other => return other,
        }
        // Not a username: look the key up as an email. A `*` in it would be a CQL wildcard and
        // a server may ignore the restriction, so matches are compared exactly afterwards.
        let restriction = format!("email = {}", cql_quote(key));
        let users = self
            .search_page(Some(&restriction), 0, EMAIL_MATCHES)
            .await?;
        let matches: Vec<&wire::User> = users
            .iter()
            .filter(|u| {
                u.email
                    .as_deref()
                    .is_some_and(|e| target::same(e, key, Case::Insensitive))
            })
            .collect();
        let user = target::exactly_one(
            matches,
            |u| u.name.clone(),
            || {
                format!(
                    "no Crowd user with username or email `{}` on `{}`",
                    sanitize(key),
                    self.connection
                )
            },
            &format!("the email `{}`", sanitize(key)),
        )?;
        self.read_user(&user.name).await
    }

    async fn read_user(&self, id: &str) -> Result<UserRecord, ServiceError> {
        let (user, raw) = self.user(id).await.map_err(|error| match error {
            ServiceError::Status(status) if status.status == 404 => {
                ServiceError::NotFound(format!(
                    "no Crowd user `{}` on `{}` ({})",
                    sanitize(id),
                    self.connection,
                    status.reason
                ))
            }
            other => other,
        })?;
        // Crowd compares usernames case-insensitively; anything else is another user.
        if !target::same(&user.name, id, Case::Insensitive) {
            return Err(target::wrong_user(id, &user.name, &self.connection));
        }
        let mut record = mapping::record(&self.connection, &user, raw);
        // Groups are read once the user is known; a server that will not list them leaves the
        // record without groups (logged), not without the user.
        record.groups = match self.user_groups(&user.name).await {
            Ok(groups) => mapping::groups(groups),
            Err(error) => {
                tracing::warn!(connection = %self.connection, %error, "groups not read");
                Vec::new()
            }
        };
        Ok(record)
    }

    async fn plan(
        &self,
        record: Option<&UserRecord>,
        edit: &Edit,
    ) -> Result<WritePlan, ServiceError> {
        match (edit, record) {
            (Edit::Create { resource }, _) => self.plan_create(resource),
            (Edit::Replace { .. }, _) => Err(ServiceError::Unsupported(
                "Crowd has no replace call; use `update` for user fields and `set` for attributes"
                    .to_owned(),
            )),
            (_, None) => Err(ServiceError::Invalid(
                "this edit needs an existing user".to_owned(),
            )),
            (Edit::SetAttribute { name, values }, Some(record)) => {
                self.plan_set(record, name, values)
            }
            (Edit::UnsetAttribute { name }, Some(record)) => self.plan_unset(record, name),
            (Edit::Update { fields }, Some(record)) => self.plan_update(record, fields),
        }
    }

    async fn send(&self, request: &PlannedRequest) -> Result<Sent, ServiceError> {
        self.send_planned(request).await?;
        // Crowd's id is the username, which the create request itself names.
        Ok(Sent {
            created_id: request
                .creates_user
                .then(|| request.body.as_ref().and_then(body_name))
                .flatten(),
        })
    }

    async fn created_candidates(
        &self,
        request: &PlannedRequest,
    ) -> Result<Vec<String>, ServiceError> {
        let Some(name) = request.body.as_ref().and_then(body_name) else {
            return Err(ServiceError::Invalid(
                "the create request names no user".to_owned(),
            ));
        };
        match self.user(&name).await {
            Ok((user, _)) if target::same(&user.name, &name, Case::Insensitive) => {
                Ok(vec![user.name])
            }
            Ok(_) => Ok(Vec::new()),
            Err(ServiceError::Status(status)) if status.status == 404 => Ok(Vec::new()),
            Err(error) => Err(error),
        }
    }

    fn observe(&self, record: &UserRecord, field: &str) -> Observed {
        if field == PASSWORD_FIELD || is_secret_name(field) {
            return Observed::Unverifiable("a password is never read back".to_owned());
        }
        if FIELD_NAMES.contains(&field) {
            return Observed::Value(
                record
                    .attribute(field)
                    .and_then(|a| a.values.first().cloned()),
            );
        }
        Observed::Value(custom_attribute(record, field).map(|a| a.display_value()))
    }
}

fn body_name(body: &Value) -> Option<String> {
    body.get("name").and_then(Value::as_str).map(str::to_owned)
}

impl Client {
    fn plan_set(
        &self,
        record: &UserRecord,
        name: &str,
        values: &[String],
    ) -> Result<WritePlan, ServiceError> {
        check_attribute_name(name)?;
        if values.is_empty() {
            return Err(ServiceError::Invalid(format!(
                "give at least one value for `{name}` (use `unset` to remove it)"
            )));
        }
        let mut unique: Vec<String> = Vec::with_capacity(values.len());
        for value in values {
            if !unique.contains(value) {
                unique.push(value.clone());
            }
        }
        let current = custom_attribute(record, name);
        let attribute = wire::Attribute {
            name: name.to_owned(),
            values: unique.clone(),
        };
        Ok(WritePlan {
            summary: format!("set `{name}` for {} on {}", record.id, self.connection),
            changes: vec![FieldChange {
                field: name.to_owned(),
                before: current.map(|a| a.display_value()),
                after: Some(unique.join(", ")),
                note: match current {
                    None => Some("new attribute".to_owned()),
                    Some(_) if unique.len() > 1 => Some(format!("{} values", unique.len())),
                    Some(_) => None,
                },
            }],
            requests: vec![self.store_attributes_request(&record.id, &[attribute])],
            auth_scheme: "Basic",
        })
    }

    fn plan_unset(&self, record: &UserRecord, name: &str) -> Result<WritePlan, ServiceError> {
        check_attribute_name(name)?;
        let Some(current) = custom_attribute(record, name) else {
            return Err(ServiceError::Invalid(format!(
                "{} has no attribute `{name}` to remove",
                record.id
            )));
        };
        Ok(WritePlan {
            summary: format!("remove `{name}` from {} on {}", record.id, self.connection),
            changes: vec![FieldChange {
                field: name.to_owned(),
                before: Some(current.display_value()),
                after: None,
                note: Some("the attribute is deleted with all its values".to_owned()),
            }],
            requests: vec![self.delete_attribute_request(&record.id, name)],
            auth_scheme: "Basic",
        })
    }

    fn plan_update(
        &self,
        record: &UserRecord,
        fields: &[(String, String)],
    ) -> Result<WritePlan, ServiceError> {
        if fields.is_empty() {
            return Err(ServiceError::Invalid("no fields to update".to_owned()));
        }
        let mut body = current_user_body(record);
        let mut changes = Vec::new();
        let mut password = None;
        let mut user_fields_changed = false;
        for (field, value) in fields {
            if field == PASSWORD_FIELD {
                if value.is_empty() {
                    return Err(ServiceError::Invalid(
                        "the new password is empty".to_owned(),
                    ));
                }
                password = Some(value.clone());
                changes.push(FieldChange {
                    field: field.clone(),
                    before: Some(MASK.to_owned()),
                    after: Some(MASK.to_owned()),
                    note: Some("sent with PUT /user/password".to_owned()),
                });
                continue;
            }
            let new_value = field_value(field, value)?;
            let before = record
                .attribute(field)
                .and_then(|a| a.values.first().cloned());
            changes.push(FieldChange {
                field: field.clone(),
                before,
                after: Some(match &new_value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                }),
                note: None,
            });
            body.insert(field.clone(), new_value);
            user_fields_changed = true;
        }
        let mut requests = Vec::new();
        if user_fields_changed {
            let written: Vec<String> = changes
                .iter()
                .map(|c| c.field.clone())
                .filter(|f| f != PASSWORD_FIELD)
                .collect();
            requests.push(
                self.update_user_request(&record.id, Value::Object(body))
                    .writing(written),
            );
        }
        if let Some(password) = password {
            requests.push(
                self.password_request(&record.id, &password)
                    .writing([PASSWORD_FIELD]),
            );
        }
        Ok(WritePlan {
            summary: format!("update {} on {}", record.id, self.connection),
            changes,
            requests,
            auth_scheme: "Basic",
        })
    }

    fn plan_create(&self, resource: &Value) -> Result<WritePlan, ServiceError> {
        let Some(map) = resource.as_object() else {
            return Err(ServiceError::Invalid(
                "a Crowd user to create must be a JSON object".to_owned(),
            ));
        };
        let mut body = map.clone();
        let name = body
            .get("name")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                ServiceError::Invalid("a new Crowd user needs a `name` (the username)".to_owned())
            })?;
        match body.get("password") {
            Some(Value::String(text)) if !text.is_empty() => {
                let wrapped = serde_json::json!({ "value": text });
                body.insert("password".to_owned(), wrapped);
            }
            Some(Value::Object(p)) if p.get("value").and_then(Value::as_str).is_some() => {}
            _ => {
                return Err(ServiceError::Invalid(
                    "a new Crowd user needs `password`: {\"value\": \"…\"} (or a string)"
                        .to_owned(),
                ));
            }
        }
        body.entry("active").or_insert(Value::Bool(true));
        let attributes = match body.remove("attributes") {
            None | Some(Value::Null) => Vec::new(),
            Some(value) => parse_attributes(value)?,
        };
        for attribute in &attributes {
            check_attribute_name(&attribute.name)?;
        }
        let mut changes: Vec<FieldChange> = flatten_for_preview(&Value::Object(body.clone()))
            .into_iter()
            .map(|(field, value)| FieldChange {
                field,
                before: None,
                after: Some(value),
                note: None,
            })
            .collect();
        let user_fields: Vec<String> = changes.iter().map(|c| c.field.clone()).collect();
        changes.extend(attributes.iter().map(|a| FieldChange {
            field: a.name.clone(),
            before: None,
            after: Some(a.values.join(", ")),
            note: Some("stored after the user is created".to_owned()),
        }));
        let mut requests = vec![
            self.create_user_request(Value::Object(body))
                .creating_user()
                .writing(user_fields),
        ];
        if !attributes.is_empty() {
            requests.push(
                self.store_attributes_request(&name, &attributes)
                    .writing(attributes.iter().map(|a| a.name.clone())),
            );
        }
        Ok(WritePlan {
            summary: format!("create Crowd user `{name}` on {}", self.connection),
            changes,
            requests,
            auth_scheme: "Basic",
        })
    }
}

/// The user's current fields as `PUT /user` takes them: everything Crowd would otherwise read
/// as cleared, without read-only parts (`link`, `expand`, `key`, `password`, `attributes`).
fn current_user_body(record: &UserRecord) -> Map<String, Value> {
    let mut body = Map::new();
    body.insert("name".to_owned(), Value::String(record.id.clone()));
    for (field, _) in UPDATABLE_FIELDS {
        if let Some(value) = record.raw.get(*field).filter(|v| !v.is_null()) {
            body.insert((*field).to_owned(), value.clone());
        }
    }
    body
}

/// The JSON value of an updatable field, checked.
fn field_value(field: &str, value: &str) -> Result<Value, ServiceError> {
    match field {
        "active" => match value.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(Value::Bool(true)),
            "false" | "no" | "0" => Ok(Value::Bool(false)),
            _ => Err(ServiceError::Invalid(format!(
                "`active`: {value:?} is not true or false"
            ))),
        },
        "email" if !value.contains('@') => Err(ServiceError::Invalid(format!(
            "`email`: {value:?} is not an email address"
        ))),
        "first-name" | "last-name" | "display-name" | "email" => {
            Ok(Value::String(value.to_owned()))
        }
        "name" => Err(ServiceError::Invalid(format!(
            "`name` is locked: {}",
            mapping::NAME_LOCK
        ))),
        "key" => Err(ServiceError::Invalid(format!(
            "`key` is locked: {}",
            mapping::KEY_LOCK
        ))),
        other => Err(ServiceError::Invalid(format!(
            "Crowd user field `{other}` cannot be updated; updatable: {}, {PASSWORD_FIELD} \
             (custom attributes change with `set`)",
            UPDATABLE_FIELDS
                .iter()
                .map(|(name, _)| *name)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Refuses names that are user fields or Crowd-managed attributes.
fn check_attribute_name(name: &str) -> Result<(), ServiceError> {
    if name.trim().is_empty() {
        return Err(ServiceError::Invalid(
            "an attribute needs a name".to_owned(),
        ));
    }
    if FIELD_NAMES.contains(&name) {
        return Err(ServiceError::Invalid(format!(
            "`{name}` is a Crowd user field, not an attribute: change it with `update`"
        )));
    }
    if mapping::is_system_attribute(name) {
        return Err(ServiceError::Invalid(format!(
            "`{name}` is locked: {SYSTEM_LOCK}"
        )));
    }
    Ok(())
}

/// A custom (multi-valued) attribute of the record.
fn custom_attribute<'a>(
    record: &'a UserRecord,
    name: &str,
) -> Option<&'a crate::domain::Attribute> {
    record
        .attributes
        .iter()
        .find(|a| a.meta.multi_valued && a.name == name)
}

/// Attributes in a create file: Crowd's container, an array, or an object of name → values.
fn parse_attributes(value: Value) -> Result<Vec<wire::Attribute>, ServiceError> {
    let invalid = |e: String| {
        ServiceError::Invalid(format!(
            "`attributes` must be [{{\"name\": …, \"values\": [...]}}] or {{\"name\": [values]}}: {e}"
        ))
    };
    match value {
        Value::Object(mut map) if map.contains_key("attributes") => {
            parse_attributes(map.remove("attributes").unwrap_or(Value::Null))
        }
        Value::Array(_) => serde_json::from_value(value).map_err(|e| invalid(e.to_string())),
        Value::Object(map) => map
            .into_iter()
            .map(|(name, values)| {
                let values = match values {
                    Value::String(one) => vec![one],
                    other => serde_json::from_value(other).map_err(|e| invalid(e.to_string()))?,
                };
                Ok(wire::Attribute { name, values })
            })
            .collect(),
        _ => Err(invalid("neither an array nor an object".to_owned())),
    }
}
