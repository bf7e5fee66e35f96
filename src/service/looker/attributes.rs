//! Looker reads and planned writes at the level of one attribute: its definition, its group
//! values, the groups, every user's memberships and own value — the inputs of the domain
//! resolver ([`AttributeState`]) — and the requests that change group values, ranks and the
//! definition.
//!
//! Facts (api-facts §0, §3.3–3.5, spec): group values are read with
//! `GET /user_attributes/{id}/group_values` (precedence order; there is no `GET` on a group's
//! values); `PATCH`/`DELETE /groups/{g}/attribute_values/{a}` change one group;
//! `POST /user_attributes/{a}/group_values` replaces every group value, so a new rank order sends
//! the full list (with explicit ranks on every item, which the spec allows); `PATCH
//! /user_attributes/{a}` takes the settings (`name`, `label` and `type` are sent as they are, as
//! the official SDKs send them: the schema requires them). Looker has no call that lists one
//! attribute's values for every user, so own values are read per user
//! (`GET /users/{id}/attribute_values?user_attribute_ids=X&all_values=true`) as many at a time as
//! the connection's request window allows. This module sends nothing but reads; the builders
//! only plan. Hidden values are never requested in clear: whatever a server sends for a hidden
//! attribute is dropped, and a plan that would need one (reordering a hidden attribute's group
//! values) is refused.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::StreamExt;
use reqwest::Method;
use serde_json::{Map, Value, json};
use tokio::sync::Mutex;

use super::client::Client;
use super::mapping::{self, candidate_kind};
use super::wire;
use crate::domain::CandidateKind;
use crate::domain::resolution::{AttributeDefinition, AttributeState, GroupValue, Member, Stored};
use crate::service::error::ServiceError;
use crate::service::plan::PlannedRequest;

/// Why a hidden attribute cannot be made visible (Looker refuses it too).
pub const HIDDEN_STAYS_HIDDEN: &str = "Looker does not allow a hidden attribute to be made visible again: its values were entered as secrets";
/// Why a domain allow-list cannot change.
pub const ALLOWLIST_IS_FINAL: &str =
    "the domain allow-list of hidden values cannot be changed once it is set (Looker)";
/// Why a hidden attribute's group values cannot be reordered.
pub const HIDDEN_CANNOT_RERANK: &str = "the group values of a hidden attribute cannot be reordered: Looker replaces every group value, and roster never reads hidden values to send them back";

/// Group names by group id.
pub type GroupNameMap = BTreeMap<String, String>;

/// The groups of a Looker connection by id, read once per client and shared by its clones.
#[derive(Debug, Clone, Default)]
pub struct GroupNames(Arc<Mutex<Option<Arc<GroupNameMap>>>>);

/// The settings of an attribute a [`Client::update_attribute_request`] changes; None leaves one
/// alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttributeSettings {
    /// A new default (`Some(None)` removes it).
    pub default_value: Option<Option<String>>,
    /// Whether users may see their own value.
    pub user_can_view: Option<bool>,
    /// Whether users may edit their own value.
    pub user_can_edit: Option<bool>,
    /// Hide the values (refused as `false` on a hidden attribute).
    pub value_is_hidden: Option<bool>,
    /// The destinations hidden values may be sent to (refused once one is set).
    pub hidden_value_domain_whitelist: Option<String>,
}

/// One user's own value of an attribute, as read from the lookup path.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OwnValue {
    own_value: Option<Stored>,
    has_default: bool,
}

impl Client {
    /// The definition of the attribute whose name (exactly) or id is `name_or_id`.
    pub async fn attribute_definition(
        &self,
        name_or_id: &str,
    ) -> Result<wire::UserAttribute, ServiceError> {
        let definitions = self.user_attributes().await?;
        definitions
            .iter()
            .find(|d| d.name == name_or_id)
            .or_else(|| definitions.iter().find(|d| d.id == name_or_id))
            .cloned()
            .ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "no Looker user attribute named `{}` on `{}`",
                    crate::text::sanitize(name_or_id),
                    self.connection
                ))
            })
    }

    /// Every group's name by id: `GET /groups` once per client, again when `wanted` names a
    /// group the copy read before does not know (a group created since).
    pub async fn group_names(&self, wanted: &[String]) -> Result<Arc<GroupNameMap>, ServiceError> {
        let mut cached = self.group_names.0.lock().await;
        if let Some(names) = cached
            .as_ref()
            .filter(|names| wanted.iter().all(|id| names.contains_key(id)))
        {
            return Ok(names.clone());
        }
        let names: GroupNameMap = self
            .groups()
            .await?
            .into_iter()
            .map(|group| {
                let name = group.name.unwrap_or_else(|| format!("group {}", group.id));
                (group.id, name)
            })
            .collect();
        let names = Arc::new(names);
        *cached = Some(names.clone());
        Ok(names)
    }

    /// The id of the group named exactly `name`: an unknown name is refused with the groups there
    /// are, a name several groups share with their ids.
    pub async fn group_id_named(&self, name: &str) -> Result<String, ServiceError> {
        let names = self.group_names(&[]).await?;
        let matching: Vec<&String> = names
            .iter()
            .filter(|(_, n)| n.as_str() == name)
            .map(|(id, _)| id)
            .collect();
        let shown = crate::text::sanitize(name);
        match matching.as_slice() {
            [id] => Ok((*id).clone()),
            [] => {
                let mut known: Vec<&str> = names.values().map(String::as_str).collect();
                known.sort_unstable();
                Err(ServiceError::NotFound(format!(
                    "no Looker group is named exactly `{shown}` on `{}`; the groups are: {}",
                    self.connection,
                    crate::text::sanitize(&known.join(", "))
                )))
            }
            several => Err(ServiceError::Invalid(format!(
                "{} Looker groups are named `{shown}` (ids {}); rename one to tell them apart",
                several.len(),
                several
                    .iter()
                    .map(|id| crate::text::sanitize(id))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Every user as resolution sees them but without own values: id, label and group ids, read
    /// through the client's listing (`GET /users` paged, `group_ids` among the fields).
    pub async fn members(&self) -> Result<Vec<Member>, ServiceError> {
        let mut members = Vec::new();
        self.all_users(&[], None, None, &mut |page| {
            members.extend(page.items.into_iter().map(|user| {
                let user_label = mapping::summary(&user)
                    .username
                    .unwrap_or_else(|| format!("user {}", user.id));
                Member {
                    user_id: user.id,
                    user: user_label,
                    group_ids: user.group_ids,
                    own_value: None,
                }
            }));
        })
        .await?;
        Ok(members)
    }

    /// The own value of one attribute for each of `user_ids` (None where a user has none), read
    /// `in_flight` users at a time (at least one), in the order of `user_ids`; and whether the
    /// lookup paths showed a default (a hidden attribute's definition does not say).
    pub async fn own_values(
        &self,
        definition: &wire::UserAttribute,
        user_ids: &[String],
        in_flight: usize,
    ) -> Result<(Vec<Option<Stored>>, bool), ServiceError> {
        // The futures are made before they become a stream (they do nothing until polled): a
        // stream's `map` closure over borrowed ids would make the caller's future not `Send`
        // for every lifetime, which the browser's task runner needs.
        let pending: Vec<_> = user_ids
            .iter()
            .map(|user_id| self.own_value(definition, user_id))
            .collect();
        let reads = futures::stream::iter(pending).buffered(in_flight.max(1));
        let read: Vec<OwnValue> = reads
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        let has_default = read.iter().any(|r| r.has_default);
        Ok((read.into_iter().map(|r| r.own_value).collect(), has_default))
    }

    async fn own_value(
        &self,
        definition: &wire::UserAttribute,
        user_id: &str,
    ) -> Result<OwnValue, ServiceError> {
        let path = self
            .attribute_values(user_id, &[definition.id.as_str()], true, false)
            .await?;
        let hidden = definition.value_is_hidden;
        let mut own = OwnValue {
            own_value: None,
            has_default: false,
        };
        for entry in path.iter().filter(|e| e.user_attribute_id == definition.id) {
            match candidate_kind(entry.source.as_deref(), entry.rank) {
                Some(CandidateKind::User) => {
                    own.own_value = Some(stored(entry.value.clone(), hidden));
                }
                Some(CandidateKind::Default) => own.has_default = true,
                Some(CandidateKind::Group) | None => {}
            }
        }
        Ok(own)
    }

    /// Everything the domain resolver needs for one attribute (by name or id): its definition,
    /// its group values by rank, the groups' names, and every user's groups and own value.
    pub async fn attribute_state(
        &self,
        name_or_id: &str,
    ) -> Result<(wire::UserAttribute, AttributeState), ServiceError> {
        let definition = self.attribute_definition(name_or_id).await?;
        let (group_values, mut members) =
            tokio::try_join!(self.group_values(&definition.id), self.members())?;
        let user_ids: Vec<String> = members.iter().map(|m| m.user_id.clone()).collect();
        let (own_values, default_seen) = self
            .own_values(&definition, &user_ids, self.http().window().max())
            .await?;
        for (member, own_value) in members.iter_mut().zip(own_values) {
            member.own_value = own_value;
        }
        let named: Vec<String> = group_values.iter().map(|g| g.group_id.clone()).collect();
        let names = self.group_names(&named).await?;
        let hidden = definition.value_is_hidden;
        let group_values = group_values
            .into_iter()
            .filter(|g| g.user_attribute_id == definition.id)
            .map(|g| GroupValue {
                group_name: names
                    .get(&g.group_id)
                    .cloned()
                    .unwrap_or_else(|| format!("group {}", g.group_id)),
                rank: g.rank.unwrap_or(i64::MAX),
                value: stored(g.value, hidden || g.value_is_hidden),
                group_id: g.group_id,
            })
            .collect();
        let default = match &definition.default_value {
            Some(text) if !hidden => Some(Stored::Text(text.clone())),
            _ if hidden && default_seen => Some(Stored::Hidden),
            _ => None,
        };
        let resolved = AttributeDefinition {
            id: definition.id.clone(),
            name: definition.name.clone(),
            default,
            hidden,
        };
        let state = AttributeState::new(resolved, group_values, (*names).clone(), members)
            .map_err(|error| {
                ServiceError::Invalid(format!(
                    "the group values of `{}` on `{}` cannot be resolved: {error}",
                    crate::text::sanitize(&definition.name),
                    self.connection
                ))
            })?;
        Ok((definition, state))
    }

    /// The request for `PATCH /groups/{group_id}/attribute_values/{attribute_id}` with
    /// `{"value"}`; a hidden attribute's value is confidential in every preview.
    pub fn set_group_value_request(
        &self,
        group_id: &str,
        definition: &wire::UserAttribute,
        value: &str,
    ) -> PlannedRequest {
        let mut request = PlannedRequest::new(
            Method::PATCH,
            self.url(&["groups", group_id, "attribute_values", &definition.id]),
        )
        .with_body(json!({ "value": value }));
        request.idempotent = true;
        request.confidential = definition.value_is_hidden;
        request
    }

    /// The request for `DELETE /groups/{group_id}/attribute_values/{attribute_id}`.
    pub fn delete_group_value_request(&self, group_id: &str, attribute_id: &str) -> PlannedRequest {
        PlannedRequest::new(
            Method::DELETE,
            self.url(&["groups", group_id, "attribute_values", attribute_id]),
        )
    }

    /// The request for `POST /user_attributes/{attribute_id}/group_values` that replaces every
    /// group value with `ordered` (winner first), each with its value and its new rank 1, 2, …
    /// Refused for a hidden attribute: its values are never read, so they cannot be sent back.
    pub fn set_group_values_request(
        &self,
        definition: &wire::UserAttribute,
        ordered: &[wire::UserAttributeGroupValue],
    ) -> Result<PlannedRequest, ServiceError> {
        if definition.value_is_hidden || ordered.iter().any(|g| g.value_is_hidden) {
            return Err(ServiceError::Unsupported(HIDDEN_CANNOT_RERANK.to_owned()));
        }
        let mut items = Vec::with_capacity(ordered.len());
        for (rank, group_value) in (1i64..).zip(ordered) {
            let value = group_value.value.as_deref().ok_or_else(|| {
                ServiceError::Invalid(format!(
                    "group {} has no value to send",
                    crate::text::sanitize(&group_value.group_id)
                ))
            })?;
            items.push(json!({"group_id": group_value.group_id, "value": value, "rank": rank}));
        }
        Ok(PlannedRequest::new(
            Method::POST,
            self.url(&["user_attributes", &definition.id, "group_values"]),
        )
        .with_body(Value::Array(items)))
    }

    /// The request for `PATCH /user_attributes/{attribute_id}` with the changed settings (and
    /// `name`, `label`, `type` as they are). Refused before anything is planned: making a hidden
    /// attribute visible, changing a domain allow-list already set, a default of the wrong type.
    pub fn update_attribute_request(
        &self,
        definition: &wire::UserAttribute,
        settings: &AttributeSettings,
    ) -> Result<PlannedRequest, ServiceError> {
        let hidden = definition.value_is_hidden;
        if hidden && settings.value_is_hidden == Some(false) {
            return Err(ServiceError::Invalid(HIDDEN_STAYS_HIDDEN.to_owned()));
        }
        if let (Some(set), Some(asked)) = (
            &definition.hidden_value_domain_whitelist,
            &settings.hidden_value_domain_whitelist,
        ) && set != asked
        {
            return Err(ServiceError::Invalid(ALLOWLIST_IS_FINAL.to_owned()));
        }
        if let Some(Some(default)) = &settings.default_value {
            mapping::check_value(definition.value_type.as_deref(), default)
                .map_err(|reason| ServiceError::Invalid(format!("default_value: {reason}")))?;
        }
        let mut body = Map::new();
        body.insert("name".to_owned(), json!(definition.name));
        body.insert(
            "label".to_owned(),
            json!(definition.label.as_deref().unwrap_or(&definition.name)),
        );
        body.insert(
            "type".to_owned(),
            json!(definition.value_type.as_deref().unwrap_or("string")),
        );
        if let Some(default) = &settings.default_value {
            body.insert("default_value".to_owned(), json!(default));
        }
        let flags = [
            ("user_can_view", settings.user_can_view),
            ("user_can_edit", settings.user_can_edit),
            ("value_is_hidden", settings.value_is_hidden),
        ];
        for (key, flag) in flags {
            if let Some(flag) = flag {
                body.insert(key.to_owned(), json!(flag));
            }
        }
        if let Some(allowlist) = &settings.hidden_value_domain_whitelist {
            body.insert("hidden_value_domain_whitelist".to_owned(), json!(allowlist));
        }
        let mut request = PlannedRequest::new(
            Method::PATCH,
            self.url(&["user_attributes", &definition.id]),
        )
        .with_body(Value::Object(body));
        request.idempotent = true;
        request.confidential =
            settings.default_value.is_some() && (hidden || settings.value_is_hidden == Some(true));
        Ok(request)
    }
}

/// A value as read for an attribute that is `hidden` or not: a hidden one is never kept; a
/// visible one sent as null is empty.
fn stored(value: Option<String>, hidden: bool) -> Stored {
    if hidden {
        Stored::Hidden
    } else {
        Stored::Text(value.unwrap_or_default())
    }
}
