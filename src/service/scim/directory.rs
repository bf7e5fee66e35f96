//! SCIM as a [`Directory`]: finding users, reading records, and planning and applying edits.
//!
//! Attribute edits and updates are one `PATCH` (`replace` per field; `add` when a multi-valued
//! attribute only gains values; `remove` to unset), a replace is a `PUT` of the full resource,
//! a create is a `POST`. Every plan predicts the resource the write leaves by applying its own
//! operations to a copy, and its preview is the difference: for a replace, every attribute the
//! `PUT` would clear. Writes carry `If-Match` when the record has a version. Nothing is sent by
//! `plan`.

use reqwest::Method;
use serde_json::Value;

use super::client::{self, Client, SUMMARY_ATTRIBUTES};
use super::mapping::{self, lookup, parse_multi_value};
use super::resource::{diff, ensure_schemas, remove_path, set_path, strip_read_only};
use super::wire::{PatchOperation, PatchRequest};
use crate::domain::{Edit, FieldChange, ServiceKind, UserRecord, UserSummary};
use crate::service::plan::{PlannedRequest, flatten_for_preview};
use crate::service::{Capabilities, Directory, ListQuery, ServiceError, UsersPage, WritePlan};
use crate::text::sanitize;

/// Attributes Atlassian requires on every user; they cannot be unset.
pub const REQUIRED: &[&str] = &["userName", "emails"];

/// The note on an attribute a replace clears.
pub const CLEARED_BY_REPLACE: &str = "cleared by replace";

impl Directory for Client {
    fn kind(&self) -> ServiceKind {
        ServiceKind::Scim
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            attributes: true,
            multi_valued_attributes: true,
            update: true,
            replace: true,
            create: true,
        }
    }

    async fn list_users(
        &self,
        query: &ListQuery,
        on_page: &mut (dyn FnMut(UsersPage) + Send),
    ) -> Result<(), ServiceError> {
        let wanted = query.limit.unwrap_or(usize::MAX);
        let text = query
            .filter
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty());
        // Atlassian filters only `userName eq` and `externalId eq`; other text is matched here.
        let (server_filter, local) = match text {
            Some(text) if client::is_server_filter(text) => (Some(text), None),
            Some(text) => (None, Some(text.to_lowercase())),
            None => (None, None),
        };
        let mut delivered = 0;
        self.list_pages(server_filter, Some(SUMMARY_ATTRIBUTES), &mut |page| {
            let mut users: Vec<UserSummary> = page
                .items
                .into_iter()
                .filter_map(client::summary_of)
                .filter(|u| local.as_deref().is_none_or(|needle| matches(u, needle)))
                .collect();
            users.truncate(wanted.saturating_sub(delivered));
            delivered = delivered.saturating_add(users.len());
            on_page(UsersPage {
                users,
                total: page.total.filter(|_| local.is_none()),
                duplicates_removed: page.duplicates_removed,
            });
            delivered < wanted
        })
        .await
    }

    async fn find_user(&self, key: &str) -> Result<UserRecord, ServiceError> {
        let key = key.trim();
        if key.is_empty() {
            return Err(ServiceError::Invalid("no user given".to_owned()));
        }
        match self.read_user(key).await {
            Ok(record) => return Ok(record),
            Err(ServiceError::NotFound(_)) => {}
            Err(ServiceError::Status(status)) if status.status == 400 => {}
            Err(other) => return Err(other),
        }
        if let Some(id) = self
            .find_by_user_name(key)
            .await?
            .first()
            .and_then(|u| u.get("id"))
            .and_then(Value::as_str)
        {
            return self.read_user(id).await;
        }
        if key.contains('@') {
            let mut found = None;
            self.all_users(None, Some("userName,emails"), &mut |resources, _| {
                found = resources
                    .iter()
                    .find(|u| has_email(u, key))
                    .and_then(|u| u.get("id")?.as_str().map(str::to_owned));
                found.is_none()
            })
            .await?;
            if let Some(id) = found {
                return self.read_user(&id).await;
            }
        }
        Err(ServiceError::NotFound(format!(
            "no SCIM user with id, userName or email `{}` on `{}`",
            sanitize(key),
            self.connection
        )))
    }

    async fn read_user(&self, id: &str) -> Result<UserRecord, ServiceError> {
        let resource = self.user(id).await.map_err(|error| match error {
            ServiceError::Status(status) if status.status == 404 => {
                ServiceError::NotFound(format!(
                    "no SCIM user with id `{}` on `{}`",
                    sanitize(id),
                    self.connection
                ))
            }
            other => other,
        })?;
        mapping::record(&self.connection, resource)
    }

    async fn plan(
        &self,
        record: Option<&UserRecord>,
        edit: &Edit,
    ) -> Result<WritePlan, ServiceError> {
        match (edit, record) {
            (Edit::Create { resource }, _) => self.plan_create(resource),
            (_, None) => Err(ServiceError::Invalid(
                "this edit needs an existing user".to_owned(),
            )),
            (Edit::SetAttribute { name, values }, Some(record)) => {
                self.plan_set(record, name, values)
            }
            (Edit::UnsetAttribute { name }, Some(record)) => self.plan_unset(record, name),
            (Edit::Update { fields }, Some(record)) => self.plan_update(record, fields),
            (Edit::Replace { resource }, Some(record)) => self.plan_replace(record, resource),
        }
    }

    async fn apply(&self, plan: &WritePlan) -> Result<Option<String>, ServiceError> {
        let mut written_id = None;
        for request in &plan.requests {
            if request.method == Method::POST {
                written_id = self.create_once(request).await?;
                continue;
            }
            let body = match self.send_planned(request).await {
                Ok(body) => body,
                Err(ServiceError::Conflict(reason))
                    if self.already_applied(request, &plan.changes).await =>
                {
                    // A retried write whose first attempt landed meets its own new version.
                    tracing::warn!(connection = %self.connection, "write already applied: {reason}");
                    None
                }
                Err(error) => return Err(error),
            };
            let id = body
                .as_ref()
                .and_then(|b| b.get("id"))
                .and_then(Value::as_str)
                .map(sanitize);
            if id.is_some() || request.method == Method::POST {
                written_id = id;
            }
        }
        Ok(written_id)
    }
}

impl Client {
    /// Sends a create exactly once. When its outcome is unclear (the connection broke, the answer
    /// was cut, the server failed), the `userName` is looked up to learn whether it happened,
    /// instead of sending it again.
    async fn create_once(&self, request: &PlannedRequest) -> Result<Option<String>, ServiceError> {
        let error = match self.send_planned(request).await {
            Ok(body) => {
                return Ok(body
                    .as_ref()
                    .and_then(|b| b.get("id"))
                    .and_then(Value::as_str)
                    .map(sanitize));
            }
            Err(error) => error,
        };
        let unclear = matches!(
            error,
            ServiceError::Transport { .. } | ServiceError::Decode { .. }
        ) || error.status().is_some_and(|s| s >= 500);
        let user_name = request
            .body
            .as_ref()
            .and_then(|b| lookup(b, "userName"))
            .and_then(Value::as_str);
        let (true, Some(user_name)) = (unclear, user_name) else {
            return Err(error);
        };
        let found = self
            .find_by_user_name(user_name)
            .await
            .ok()
            .and_then(|users| {
                users
                    .first()
                    .and_then(|u| u.get("id"))
                    .and_then(Value::as_str)
                    .map(sanitize)
            });
        match found {
            Some(id) => {
                tracing::warn!(connection = %self.connection, "create answer lost; the user exists, not sending again");
                Ok(Some(id))
            }
            None => Err(error),
        }
    }

    /// True when the user already holds every value a refused (412) write would have set.
    async fn already_applied(&self, request: &PlannedRequest, changes: &[FieldChange]) -> bool {
        let Some(id) = request.url.path_segments().and_then(|mut s| s.next_back()) else {
            return false;
        };
        let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy();
        let Ok(record) = self.read_user(&id).await else {
            return false;
        };
        changes
            .iter()
            .filter(|c| c.note.as_deref() != Some("unchanged"))
            .all(|change| {
                let now = record
                    .attribute(&change.field)
                    .map(|a| a.values.join(", "))
                    .filter(|v| !v.is_empty());
                now == change.after
            })
    }

    fn plan_set(
        &self,
        record: &UserRecord,
        name: &str,
        values: &[String],
    ) -> Result<WritePlan, ServiceError> {
        writable(name)?;
        let mut predicted = record.raw.clone();
        let operation = if mapping::is_multi_valued(name, &record.raw) {
            let new_items = multi_values(name, values)?;
            let current: Vec<Value> = lookup(&record.raw, name)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let text = |v: &Value| mapping::format_multi_value(v);
            let kept = current
                .iter()
                .all(|c| new_items.iter().any(|n| text(n) == text(c)));
            if kept {
                // Only new values: `add` them, the current ones stay as they are.
                let added: Vec<Value> = new_items
                    .into_iter()
                    .filter(|n| !current.iter().any(|c| text(c) == text(n)))
                    .collect();
                let mut all = current;
                all.extend(added.iter().cloned());
                set_path(&mut predicted, name, Value::Array(all));
                op("add", name, Value::Array(added))
            } else {
                set_path(&mut predicted, name, Value::Array(new_items.clone()));
                op("replace", name, Value::Array(new_items))
            }
        } else {
            let value = single_value(&record.raw, name, values)?;
            set_path(&mut predicted, name, value.clone());
            op("replace", name, value)
        };
        let changes = with_unchanged(diff(&record.raw, &predicted, "removed"), record, &[name]);
        Ok(self.patch_plan(
            record,
            format!("set `{name}` for {} on {}", record.label(), self.connection),
            changes,
            vec![operation],
        ))
    }

    fn plan_unset(&self, record: &UserRecord, name: &str) -> Result<WritePlan, ServiceError> {
        writable(name)?;
        if REQUIRED.iter().any(|r| r.eq_ignore_ascii_case(name)) {
            return Err(ServiceError::Invalid(format!(
                "`{name}` is required on every SCIM user and cannot be unset"
            )));
        }
        let current = lookup(&record.raw, name);
        if current.is_none_or(|v| v.is_null() || v.as_array().is_some_and(Vec::is_empty)) {
            return Err(ServiceError::Invalid(format!(
                "`{name}` has no value to remove"
            )));
        }
        let mut predicted = record.raw.clone();
        remove_path(&mut predicted, name);
        let operation = PatchOperation {
            op: "remove".to_owned(),
            path: Some(name.to_owned()),
            value: None,
        };
        Ok(self.patch_plan(
            record,
            format!(
                "remove `{name}` from {} on {}",
                record.label(),
                self.connection
            ),
            diff(&record.raw, &predicted, "removed"),
            vec![operation],
        ))
    }

    fn plan_update(
        &self,
        record: &UserRecord,
        fields: &[(String, String)],
    ) -> Result<WritePlan, ServiceError> {
        if fields.is_empty() {
            return Err(ServiceError::Invalid("no field to update".to_owned()));
        }
        let mut predicted = record.raw.clone();
        let mut operations = Vec::new();
        for (name, text) in fields {
            writable(name)?;
            let values = std::slice::from_ref(text);
            let value = if mapping::is_multi_valued(name, &record.raw) {
                Value::Array(multi_values(name, values)?)
            } else {
                single_value(&record.raw, name, values)?
            };
            set_path(&mut predicted, name, value.clone());
            operations.push(op("replace", name, value));
        }
        let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
        let changes = with_unchanged(diff(&record.raw, &predicted, "removed"), record, &names);
        Ok(self.patch_plan(
            record,
            format!("update {} on {}", record.label(), self.connection),
            changes,
            operations,
        ))
    }

    fn plan_replace(
        &self,
        record: &UserRecord,
        resource: &Value,
    ) -> Result<WritePlan, ServiceError> {
        if !resource.is_object() {
            return Err(ServiceError::Invalid(
                "a replace needs the full user as a JSON object".to_owned(),
            ));
        }
        let mut body = resource.clone();
        if let Some(id) = body
            .get("id")
            .filter(|id| id.as_str() != Some(record.id.as_str()))
        {
            return Err(ServiceError::Invalid(format!(
                "the resource's id {id} is not the id of the user being replaced (`{}`)",
                record.id
            )));
        }
        strip_read_only(&mut body, true);
        ensure_schemas(&mut body);
        if lookup(&body, "userName")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(ServiceError::Invalid(
                "the replacement has no `userName`; a replace must carry the whole user".to_owned(),
            ));
        }
        // What the server keeps whatever the body says: the read-only attributes.
        let mut predicted = body.clone();
        for name in ["id", "meta", "groups"] {
            if let Some(value) = record.raw.get(name) {
                set_path(&mut predicted, name, value.clone());
            }
        }
        if let Some(account) = lookup(&record.raw, &mapping::account_id_path()) {
            set_path(&mut predicted, &mapping::account_id_path(), account.clone());
        }
        let active_left_out = lookup(&body, "active").is_none();
        if active_left_out {
            // Atlassian treats a missing `active` as true.
            set_path(&mut predicted, "active", Value::Bool(true));
        }
        let mut changes = diff(&record.raw, &predicted, CLEARED_BY_REPLACE);
        if let Some(change) = changes
            .iter_mut()
            .find(|c| active_left_out && c.field == "active")
        {
            change.note = Some("left out: a missing `active` means true".to_owned());
        }
        let request = self.replace_request(&record.id, body, mapping::version(&record.raw));
        Ok(WritePlan {
            summary: format!(
                "replace {} on {} (attributes left out are cleared)",
                record.label(),
                self.connection
            ),
            changes,
            requests: vec![request],
            auth_scheme: "Bearer",
        })
    }

    fn plan_create(&self, resource: &Value) -> Result<WritePlan, ServiceError> {
        if !resource.is_object() {
            return Err(ServiceError::Invalid(
                "a create needs the new user as a JSON object".to_owned(),
            ));
        }
        let mut body = resource.clone();
        strip_read_only(&mut body, false);
        ensure_schemas(&mut body);
        if lookup(&body, "userName")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(ServiceError::Invalid(
                "a SCIM user needs a `userName`".to_owned(),
            ));
        }
        let changes = flatten_for_preview(&body)
            .into_iter()
            .filter(|(field, _)| !field.starts_with("schemas"))
            .map(|(field, value)| FieldChange {
                field,
                before: None,
                after: Some(value),
                note: None,
            })
            .collect();
        Ok(WritePlan {
            summary: format!("create a user on {}", self.connection),
            changes,
            requests: vec![self.create_request(body)],
            auth_scheme: "Bearer",
        })
    }

    fn patch_plan(
        &self,
        record: &UserRecord,
        summary: String,
        changes: Vec<FieldChange>,
        operations: Vec<PatchOperation>,
    ) -> WritePlan {
        let body = PatchRequest::new(operations);
        WritePlan {
            summary,
            changes,
            requests: vec![self.patch_request(&record.id, &body, mapping::version(&record.raw))],
            auth_scheme: "Bearer",
        }
    }
}

fn op(kind: &str, path: &str, value: Value) -> PatchOperation {
    PatchOperation {
        op: kind.to_owned(),
        path: Some(path.to_owned()),
        value: Some(value),
    }
}

/// Refuses read-only attributes and paths roster cannot predict (value filters).
fn writable(name: &str) -> Result<(), ServiceError> {
    if let Some(reason) = mapping::lock_reason(name) {
        return Err(ServiceError::Invalid(format!(
            "`{name}` is locked: {reason}"
        )));
    }
    if name.is_empty() || name.contains(['[', ']', ' ', '"']) {
        return Err(ServiceError::Invalid(format!(
            "`{name}` is not an attribute path; name the attribute (e.g. `emails`, `name.givenName`)"
        )));
    }
    Ok(())
}

/// The elements of a multi-valued attribute from `value (type, primary)` texts; an email list
/// without a primary gets its first address marked primary (Atlassian needs exactly one).
fn multi_values(name: &str, values: &[String]) -> Result<Vec<Value>, ServiceError> {
    let mut items: Vec<Value> = values.iter().map(|v| parse_multi_value(v)).collect();
    let primaries = items
        .iter()
        .filter(|i| i.get("primary") == Some(&Value::Bool(true)))
        .count();
    if primaries > 1 {
        return Err(ServiceError::Invalid(format!(
            "`{name}`: at most one value may be primary"
        )));
    }
    if primaries == 0
        && name.eq_ignore_ascii_case("emails")
        && let Some(Value::Object(first)) = items.first_mut()
    {
        first.insert("primary".to_owned(), Value::Bool(true));
    }
    Ok(items)
}

/// One value converted to the attribute's JSON type (booleans for `active` and flags).
fn single_value(raw: &Value, name: &str, values: &[String]) -> Result<Value, ServiceError> {
    let [value] = values else {
        return Err(ServiceError::Invalid(format!(
            "`{name}` holds one value; {} given",
            values.len()
        )));
    };
    let boolean =
        name.eq_ignore_ascii_case("active") || lookup(raw, name).is_some_and(Value::is_boolean);
    if boolean {
        return match value.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(Value::Bool(true)),
            "false" | "no" | "0" => Ok(Value::Bool(false)),
            _ => Err(ServiceError::Invalid(format!(
                "`{name}`: {value:?} is not true or false"
            ))),
        };
    }
    if let Some(Value::Number(_)) = lookup(raw, name) {
        let number: serde_json::Number = value
            .trim()
            .parse()
            .map_err(|_| ServiceError::Invalid(format!("`{name}`: {value:?} is not a number")))?;
        return Ok(Value::Number(number));
    }
    Ok(Value::String(value.clone()))
}

/// Adds an "unchanged" line for each named field the diff does not mention.
fn with_unchanged(
    mut changes: Vec<FieldChange>,
    record: &UserRecord,
    names: &[&str],
) -> Vec<FieldChange> {
    for name in names {
        if !changes.iter().any(|c| c.field.eq_ignore_ascii_case(name)) {
            let now = record
                .attributes
                .iter()
                .find(|a| a.name.eq_ignore_ascii_case(name))
                .filter(|a| !a.values.is_empty())
                .map(|a| a.values.join(", "));
            changes.push(FieldChange {
                field: (*name).to_owned(),
                before: now.clone(),
                after: now,
                note: Some("unchanged".to_owned()),
            });
        }
    }
    changes
}

fn matches(user: &UserSummary, needle: &str) -> bool {
    [&user.username, &user.display_name, &user.email]
        .into_iter()
        .flatten()
        .any(|text| text.to_lowercase().contains(needle))
}

fn has_email(resource: &Value, email: &str) -> bool {
    resource
        .get("emails")
        .and_then(Value::as_array)
        .is_some_and(|emails| {
            emails.iter().any(|e| {
                e.get("value")
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.eq_ignore_ascii_case(email))
            })
        })
}
