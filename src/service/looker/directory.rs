//! Looker as a [`Directory`]: finding users, reading records, and planning and applying edits.
//!
//! Attribute edits are `PATCH`/`DELETE /users/{id}/attribute_values/{attribute_id}`; user fields
//! are `PATCH /users/{id}` (the email through `credentials_email`, since `User.email` is
//! read-only); creates are `POST /users`. Plans are checked against the record first: locked
//! attributes, unknown names and values of the wrong type are refused before anything is sent.

use serde_json::{Map, Value};

use super::client::Client;
use super::mapping::{self, NO_VALUE};
use crate::domain::attribute::describe_source;
use crate::domain::{Attribute, CandidateKind, Edit, FieldChange, ServiceKind, UserRecord};
use crate::secret::MASK;
use crate::service::plan::{created_id, flatten_for_preview, is_secret_name, json_at, json_text};
use crate::service::target::{self, Case};
use crate::service::{
    Capabilities, Directory, ListQuery, Observed, PlannedRequest, Sent, ServiceError, UsersPage,
    WritePlan,
};

/// The user fields `roster update` may change on Looker.
pub const UPDATABLE_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "email",
    "is_disabled",
    "locale",
    "home_folder_id",
];

impl Directory for Client {
    fn kind(&self) -> ServiceKind {
        ServiceKind::Looker
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            attributes: true,
            multi_valued_attributes: false,
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
        let search: Vec<(&str, String)> = match query
            .filter
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
        {
            Some(text) => {
                let pattern = format!("%{text}%");
                vec![
                    ("first_name", pattern.clone()),
                    ("last_name", pattern.clone()),
                    ("email", pattern),
                    ("filter_or", "true".to_owned()),
                ]
            }
            None => Vec::new(),
        };
        self.all_users(&search, query.limit, query.pace.as_ref(), &mut |page| {
            on_page(page.into_users(mapping::summary))
        })
        .await
    }

    async fn find_user(&self, key: &str) -> Result<UserRecord, ServiceError> {
        let key = target::check_key(key)?;
        if key.bytes().all(|b| b.is_ascii_digit()) {
            return self.read_user(key).await;
        }
        // Looker has no username: the login email stands for it. The search matches with SQL
        // LIKE (so `a_b@x` also finds `axb@x`), and a server may ignore it altogether: only a
        // user whose login email is the key, compared case-insensitively, is taken.
        let matches = self
            .users_matching(&[("email", key.to_owned())], |user| {
                user.login_email()
                    .is_some_and(|e| target::same(&e, key, Case::Insensitive))
            })
            .await?;
        let user = target::exactly_one(
            matches,
            |u| format!("{} (id {})", u.login_email().unwrap_or_default(), u.id),
            || {
                format!(
                    "no Looker user with id or email `{}` on `{}`",
                    crate::text::sanitize(key),
                    self.connection
                )
            },
            &format!("`{}`", crate::text::sanitize(key)),
        )?;
        self.read_user(&user.id).await
    }

    async fn read_user(&self, id: &str) -> Result<UserRecord, ServiceError> {
        let (user, definitions, values) = tokio::try_join!(
            self.user(id),
            self.user_attributes(),
            self.attribute_values(id, &[], true, true)
        )
        .map_err(|error| match error {
            ServiceError::Status(status) if status.status == 404 => {
                ServiceError::NotFound(format!(
                    "no Looker user with id `{}` on `{}`",
                    crate::text::sanitize(id),
                    self.connection
                ))
            }
            other => other,
        })?;
        let (user, raw) = user;
        if !target::same(&user.id, id, Case::Exact) {
            return Err(target::wrong_user(id, &user.id, &self.connection));
        }
        let mut record = mapping::record(&self.connection, &user, raw, &definitions, &values);
        record.groups = match self.group_names(&user.group_ids).await {
            Ok(names) => mapping::groups(&user.group_ids, &names),
            Err(error) => {
                tracing::warn!(connection = %self.connection, %error, "group names not read");
                mapping::groups(&user.group_ids, &Default::default())
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
            (Edit::Create { resource }, _) => Ok(self.plan_create(resource)),
            (Edit::Replace { .. }, _) => Err(ServiceError::Unsupported(
                "Looker has no replace call; use `update` for user fields and `set` for attributes"
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
        let body = request.body.as_ref();
        let text = |pointer: &str| {
            body.and_then(|b| b.pointer(pointer))
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        let found = if let Some(email) = text("/credentials_email/email") {
            self.users_matching(&[("email", email.clone())], |user| {
                user.login_email()
                    .is_some_and(|e| target::same(&e, &email, Case::Insensitive))
            })
            .await?
        } else {
            // No email: the new user is known by its names; the engine compares the users
            // found before sending with those found after.
            let first = text("/first_name");
            let last = text("/last_name");
            if first.is_none() && last.is_none() {
                return Err(ServiceError::Invalid(
                    "a Looker user created without email or names cannot be looked up".to_owned(),
                ));
            }
            let mut search = Vec::new();
            search.extend(first.clone().map(|f| ("first_name", f)));
            search.extend(last.clone().map(|l| ("last_name", l)));
            let same_name = |mine: &Option<String>, theirs: &Option<String>| {
                mine.as_deref().is_none_or(|m| {
                    theirs
                        .as_deref()
                        .is_some_and(|t| target::same(t, m, Case::Exact))
                })
            };
            self.users_matching(&search, |user| {
                same_name(&first, &user.first_name) && same_name(&last, &user.last_name)
            })
            .await?
        };
        Ok(found.into_iter().map(|u| u.id).collect())
    }

    fn observe(&self, record: &UserRecord, field: &str) -> Observed {
        if is_secret_name(field) {
            return Observed::Unverifiable("a secret is never read back".to_owned());
        }
        if UPDATABLE_FIELDS.contains(&field) {
            return Observed::Value(match field {
                "email" => record.email.clone(),
                other => record.raw.get(other).and_then(json_text),
            });
        }
        if let Some(attribute) = record.attribute(field) {
            if attribute.hidden {
                return Observed::Unverifiable("hidden: its value is never read back".to_owned());
            }
            return Observed::Value(shown_value(attribute));
        }
        Observed::Value(json_at(&record.raw, field).and_then(json_text))
    }
}

impl Client {
    /// Every user a search finds (all pages) that `exact` accepts.
    async fn users_matching(
        &self,
        search: &[(&str, String)],
        exact: impl Fn(&super::wire::User) -> bool + Send + Sync,
    ) -> Result<Vec<super::wire::User>, ServiceError> {
        let mut found = Vec::new();
        self.all_users(search, None, None, &mut |page| {
            found.extend(page.items.into_iter().filter(|u| exact(u)));
        })
        .await?;
        Ok(found)
    }

    fn plan_set(
        &self,
        record: &UserRecord,
        name: &str,
        values: &[String],
    ) -> Result<WritePlan, ServiceError> {
        let attribute = editable_attribute(record, name)?;
        let [value] = values else {
            return Err(ServiceError::Invalid(format!(
                "Looker attribute `{name}` holds one value; {} given",
                values.len()
            )));
        };
        mapping::check_value(attribute.meta.value_type.as_deref(), value)
            .map_err(|why| ServiceError::Invalid(format!("`{name}`: {why}")))?;
        let definition_id = attribute.meta.definition_id.as_deref().unwrap_or_default();
        let mut request = self.set_attribute_value_request(&record.id, definition_id, value);
        request.confidential = attribute.hidden;
        let note = match attribute.candidates.first() {
            Some(winner) if winner.kind != CandidateKind::User => Some(format!(
                "user value overrides {}",
                describe_source(winner.source.as_str(), winner.rank)
            )),
            None => Some("was unset".to_owned()),
            _ => None,
        };
        Ok(WritePlan {
            summary: format!("set `{name}` for {} on {}", record.label(), self.connection),
            changes: vec![FieldChange {
                field: name.to_owned(),
                before: shown_value(attribute),
                after: Some(if attribute.hidden {
                    MASK.to_owned()
                } else {
                    value.clone()
                }),
                note,
            }],
            requests: vec![request],
            auth_scheme: "Bearer",
        })
    }

    fn plan_unset(&self, record: &UserRecord, name: &str) -> Result<WritePlan, ServiceError> {
        let attribute = editable_attribute(record, name)?;
        if !attribute.has_user_value() {
            return Err(ServiceError::Invalid(format!(
                "`{name}` has no value of the user's own to remove; its value comes from {}",
                if attribute.is_set() {
                    describe_source(&attribute.source, attribute.rank)
                } else {
                    NO_VALUE.to_owned()
                }
            )));
        }
        let fallback = attribute.fallback();
        let (after, note) = match fallback {
            Some(candidate) => (
                Some(if attribute.hidden {
                    MASK.to_owned()
                } else {
                    candidate.values.join(", ")
                }),
                format!(
                    "falls back to {}",
                    describe_source(&candidate.source, candidate.rank)
                ),
            ),
            None => (
                None,
                "becomes unset: no group value and no default".to_owned(),
            ),
        };
        let definition_id = attribute.meta.definition_id.as_deref().unwrap_or_default();
        Ok(WritePlan {
            summary: format!(
                "remove the user's own `{name}` for {} on {}",
                record.label(),
                self.connection
            ),
            changes: vec![FieldChange {
                field: name.to_owned(),
                before: shown_value(attribute),
                after,
                note: Some(note),
            }],
            requests: vec![self.delete_attribute_value_request(&record.id, definition_id)],
            auth_scheme: "Bearer",
        })
    }

    fn plan_update(
        &self,
        record: &UserRecord,
        fields: &[(String, String)],
    ) -> Result<WritePlan, ServiceError> {
        let mut body = Map::new();
        let mut changes = Vec::new();
        let mut email_request = None;
        for (field, value) in fields {
            if !UPDATABLE_FIELDS.contains(&field.as_str()) {
                return Err(ServiceError::Invalid(format!(
                    "Looker user field `{field}` cannot be updated; updatable: {}",
                    UPDATABLE_FIELDS.join(", ")
                )));
            }
            let before = match field.as_str() {
                "email" => record.email.clone(),
                other => record.raw.get(other).and_then(json_text),
            };
            let after = match field.as_str() {
                "is_disabled" => parse_bool(value).map_or_else(|| value.clone(), |b| b.to_string()),
                _ => value.clone(),
            };
            changes.push(FieldChange {
                field: field.clone(),
                before,
                after: Some(after),
                note: None,
            });
            match field.as_str() {
                "email" => {
                    if !value.contains('@') {
                        return Err(ServiceError::Invalid(format!(
                            "`email`: {value:?} is not an email address"
                        )));
                    }
                    email_request = Some(self.update_email_request(&record.id, value));
                }
                "is_disabled" => {
                    let flag = parse_bool(value).ok_or_else(|| {
                        ServiceError::Invalid(format!(
                            "`is_disabled`: {value:?} is not true or false"
                        ))
                    })?;
                    body.insert(field.clone(), Value::Bool(flag));
                }
                _ => {
                    body.insert(field.clone(), Value::String(value.clone()));
                }
            }
        }
        let mut requests = Vec::new();
        if !body.is_empty() {
            let written: Vec<String> = body.keys().cloned().collect();
            requests.push(
                self.update_user_request(&record.id, Value::Object(body))
                    .writing(written),
            );
        }
        requests.extend(email_request.map(|r| r.writing(["email"])));
        Ok(WritePlan {
            summary: format!("update {} on {}", record.label(), self.connection),
            changes,
            requests,
            auth_scheme: "Bearer",
        })
    }

    fn plan_create(&self, resource: &Value) -> WritePlan {
        let mut body = resource.clone();
        if let Some(map) = body.as_object_mut() {
            // `User.email` is read-only: a new user's email goes in `credentials_email`.
            if let Some(email) = map.remove("email") {
                map.entry("credentials_email")
                    .or_insert_with(|| serde_json::json!({ "email": email }));
            }
        }
        let changes = flatten_for_preview(&body)
            .into_iter()
            .map(|(field, value)| FieldChange {
                field,
                before: None,
                after: Some(value),
                note: None,
            })
            .collect();
        WritePlan {
            summary: format!("create a user on {}", self.connection),
            changes,
            requests: vec![self.create_user_request(body).creating_user()],
            auth_scheme: "Bearer",
        }
    }
}

fn editable_attribute<'a>(
    record: &'a UserRecord,
    name: &str,
) -> Result<&'a Attribute, ServiceError> {
    let attribute = record.attribute(name).ok_or_else(|| {
        let known: Vec<&str> = record
            .attributes
            .iter()
            .filter(|a| !a.locked)
            .map(|a| a.name.as_str())
            .collect();
        ServiceError::Invalid(format!(
            "Looker has no user attribute `{name}`; editable attributes: {}",
            known.join(", ")
        ))
    })?;
    if let Some(reason) = attribute
        .lock_reason
        .as_deref()
        .filter(|_| attribute.locked)
    {
        return Err(ServiceError::Invalid(format!(
            "`{name}` is locked: {reason}"
        )));
    }
    Ok(attribute)
}

fn shown_value(attribute: &Attribute) -> Option<String> {
    if !attribute.is_set() {
        None
    } else if attribute.hidden {
        Some(MASK.to_owned())
    } else {
        Some(attribute.display_value())
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
    }
}
