//! SCIM as a [`Directory`]: finding users, reading records, and planning and applying edits.
//!
//! Attribute edits and updates are one `PATCH` (`replace` per field; `add` when a multi-valued
//! attribute only gains values; `remove` to unset), a replace is a `PUT` of the full resource,
//! a create is a `POST`. Every plan predicts the resource the write leaves by applying its own
//! operations to a copy, and its preview is the difference: for a replace, every attribute the
//! `PUT` would clear. Writes carry `If-Match` when the record has a version. Nothing is sent by
//! `plan`.

use serde_json::Value;

use super::client::{self, Client, SUMMARY_ATTRIBUTES};
use super::mapping::{self, lookup, parse_multi_value};
use super::resource::{diff, ensure_schemas, remove_path, set_path, strip_read_only};
use super::wire::{PatchOperation, PatchRequest};
use crate::domain::{Edit, FieldChange, ServiceKind, UserRecord, UserSummary};
use crate::service::plan::{PlannedRequest, created_id, flatten_for_preview, is_secret_name};
use crate::service::target::{self, Case};
use crate::service::{
    Capabilities, Directory, ListQuery, Observed, Sent, ServiceError, UsersPage, WritePlan,
};
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
        let pace = query.pace.as_ref();
        self.list_pages(server_filter, Some(SUMMARY_ATTRIBUTES), pace, &mut |page| {
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
        let key = target::check_key(key)?;
        match self.read_user(key).await {
            Ok(record) => return Ok(record),
            Err(ServiceError::NotFound(_)) => {}
            Err(ServiceError::Status(status)) if status.status == 400 => {}
            Err(other) => return Err(other),
        }
        // The server's `userName eq` filter first; a server may ignore the filter or answer
        // with look-alikes, so only a user whose `userName` is the key is taken.
        let (filtered, answered) = self.users_named(key).await?;
        if !filtered.is_empty() {
            return self.read_user(&self.only_one(filtered, key)?).await;
        }
        // An email, or a server that ignored the filter: every user is read, and every user
        // whose userName or one of whose emails is the key counts.
        if key.contains('@') || answered {
            let mut found = Vec::new();
            self.all_users(None, Some("userName,emails"), &mut |resources, _| {
                found.extend(
                    resources
                        .into_iter()
                        .filter(|u| user_name_is(u, key) || has_email(u, key)),
                );
                true
            })
            .await?;
            if !found.is_empty() {
                return self.read_user(&self.only_one(found, key)?).await;
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
        let answered = resource.get("id").and_then(Value::as_str).unwrap_or("");
        // SCIM ids are case-exact (RFC 7643 `id`: caseExact true).
        if !target::same(answered, id, Case::Exact) {
            return Err(target::wrong_user(id, answered, &self.connection));
        }
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

    async fn send(&self, request: &PlannedRequest) -> Result<Sent, ServiceError> {
        let body = self.send_planned(request).await?;
        if !request.creates_user {
            return Ok(Sent::default());
        }
        Ok(Sent {
            created_id: Some(created_id(body.as_ref(), request)?),
        })
    }

    async fn created_candidates(
        &self,
        request: &PlannedRequest,
    ) -> Result<Vec<String>, ServiceError> {
        let Some(user_name) = request
            .body
            .as_ref()
            .and_then(|b| lookup(b, "userName"))
            .and_then(Value::as_str)
        else {
            return Err(ServiceError::Invalid(
                "the create request has no userName".to_owned(),
            ));
        };
        let (found, _) = self.users_named(user_name).await?;
        Ok(found.iter().filter_map(resource_id).collect())
    }

    fn observe(&self, record: &UserRecord, field: &str) -> Observed {
        if is_secret_name(field) {
            return Observed::Unverifiable("a password is never read back".to_owned());
        }
        // The same reading of the resource as the plan's diff.
        Observed::Value(
            mapping::attributes(&record.raw)
                .into_iter()
                .find(|a| a.name == field)
                .map(|a| a.values.join(", "))
                .filter(|v| !v.is_empty()),
        )
    }
}

impl Client {
    /// The users the `userName eq` filter returns whose `userName` is `user_name`, and whether
    /// the server returned anyone at all (when it did but none matched, it ignored the filter).
    async fn users_named(&self, user_name: &str) -> Result<(Vec<Value>, bool), ServiceError> {
        let answered = self.find_by_user_name(user_name).await?;
        let any = !answered.is_empty();
        let exact = answered
            .into_iter()
            .filter(|u| user_name_is(u, user_name))
            .collect();
        Ok((exact, any))
    }

    /// The id of the one resource among `found`, or the not-found / ambiguous error.
    fn only_one(&self, found: Vec<Value>, key: &str) -> Result<String, ServiceError> {
        let resource = target::exactly_one(
            found,
            |u| {
                format!(
                    "{} (id {})",
                    u.get("userName").and_then(Value::as_str).unwrap_or("?"),
                    resource_id(u).unwrap_or_default()
                )
            },
            || format!("no SCIM user `{}` on `{}`", sanitize(key), self.connection),
            &format!("`{}`", sanitize(key)),
        )?;
        resource_id(&resource).ok_or_else(|| ServiceError::Decode {
            url: self.connection.clone(),
            message: "a user in the listing has no id".to_owned(),
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
            requests: vec![self.create_request(body).creating_user()],
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

fn resource_id(resource: &Value) -> Option<String> {
    resource
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// True when the resource's `userName` is `key` (SCIM `userName` is not case-exact).
fn user_name_is(resource: &Value, key: &str) -> bool {
    resource
        .get("userName")
        .and_then(Value::as_str)
        .is_some_and(|name| target::same(name, key, Case::Insensitive))
}

fn has_email(resource: &Value, email: &str) -> bool {
    resource
        .get("emails")
        .and_then(Value::as_array)
        .is_some_and(|emails| {
            emails.iter().any(|e| {
                e.get("value")
                    .and_then(Value::as_str)
                    .is_some_and(|v| target::same(v, email, Case::Insensitive))
            })
        })
}
