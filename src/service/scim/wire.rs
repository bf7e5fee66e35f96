//! SCIM 2.0 wire types (RFC 7643 / RFC 7644) as Atlassian's user provisioning API sends them.
//!
//! Resources are kept as JSON objects (a replace must keep every attribute, known or not); the
//! typed views here read only what lists and identities need, and a listing decodes its pages
//! straight into them ([`Listed`]). Names follow the RFC; the few
//! places where servers differ (`Resources`/`resources`, `Operations`/`operations`, a numeric
//! `status`) are accepted both ways on input. Nothing here sends or prints anything.

#![deny(clippy::arithmetic_side_effects)]

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The core User schema.
pub const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema.
pub const CORE_GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The enterprise User extension (Atlassian carries `department` and `organization` in it).
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Atlassian's extension holding the linked account id.
pub const ATLASSIAN_EXTERNAL: &str = "urn:scim:schemas:extension:atlassian-external:1.0";
/// A list response.
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// A PATCH request body.
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// An error body.
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// The media type of SCIM requests and responses.
pub const MEDIA_TYPE: &str = "application/scim+json";

/// `ListResponse` (RFC 7644 §3.4.2), its resources decoded as `T`: whole JSON objects by
/// default, or [`Listed`] typed views where only those are needed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
pub struct ListResponse<T = Value> {
    /// The size of the whole result set; any number is accepted, saturated to `usize` (paging
    /// decides whether to believe it).
    #[serde(
        default,
        deserialize_with = "crate::service::numbers::saturating_usize"
    )]
    pub total_results: Option<usize>,
    /// The 1-based index of the first resource of this page.
    #[serde(
        default,
        deserialize_with = "crate::service::numbers::saturating_usize"
    )]
    pub start_index: Option<usize>,
    /// Resources in this page (servers differ; see the module doc).
    #[serde(
        default,
        deserialize_with = "crate::service::numbers::saturating_usize"
    )]
    pub items_per_page: Option<usize>,
    /// The resources of this page.
    #[serde(
        rename = "Resources",
        alias = "resources",
        default,
        deserialize_with = "null_as_empty"
    )]
    pub resources: Vec<T>,
}

/// One resource of a listed page decoded straight into `T`, or `None` when it does not have
/// `T`'s shape. The page is read once: each resource's text is delimited without being copied
/// or built into a JSON tree, then decoded into `T`, so one resource of the wrong shape is
/// skipped alone and still counts as a resource of the page (the paging rules need the count).
#[derive(Debug, Clone)]
pub struct Listed<T>(pub Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Listed<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&'de serde_json::value::RawValue>::deserialize(deserializer)?;
        Ok(Self(serde_json::from_str(raw.get()).ok()))
    }
}

/// What the paging rules know a listed resource by: its `id`, when it has one.
pub trait Identified {
    /// The resource's id.
    fn id(&self) -> Option<&str>;
}

impl Identified for Value {
    fn id(&self) -> Option<&str> {
        self.get("id").and_then(Value::as_str)
    }
}

impl Identified for User {
    fn id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

impl<T: Identified> Identified for Listed<T> {
    fn id(&self) -> Option<&str> {
        self.0.as_ref().and_then(Identified::id)
    }
}

/// A User as the list and identity code reads it; the full resource stays JSON.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The service's id (case-exact).
    pub id: String,
    /// The unique login name.
    pub user_name: Option<String>,
    /// The name people read.
    pub display_name: Option<String>,
    /// The structured name.
    pub name: Option<Name>,
    /// Email addresses.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub emails: Vec<MultiValue>,
    /// Whether the account is active (Atlassian: true when omitted).
    pub active: Option<bool>,
    /// Resource metadata.
    pub meta: Option<Meta>,
}

impl User {
    /// The primary email, else the first one.
    pub fn primary_email(&self) -> Option<String> {
        self.emails
            .iter()
            .find(|e| e.primary == Some(true))
            .or_else(|| self.emails.first())
            .and_then(|e| e.value.clone())
            .filter(|v| !v.is_empty())
    }

    /// `displayName`, else `name.formatted`, else given and family name joined.
    pub fn full_name(&self) -> Option<String> {
        let from_name = self.name.as_ref().and_then(|n| {
            n.formatted.clone().filter(|f| !f.is_empty()).or_else(|| {
                let joined = [n.given_name.as_deref(), n.family_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                (!joined.is_empty()).then_some(joined)
            })
        });
        self.display_name
            .clone()
            .filter(|n| !n.is_empty())
            .or(from_name)
    }
}

/// The `name` complex attribute.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Name {
    /// The full name as displayed.
    pub formatted: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
}

/// One value of a multi-valued attribute (`emails`, `phoneNumbers`, `groups`, `members`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct MultiValue {
    /// The value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The label (`work`, `home`, `direct`, ...).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The preferred value (at most one per attribute).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
    /// A human-readable name (groups and members).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// `meta` (RFC 7643 §3.1).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// `User` or `Group`.
    pub resource_type: Option<String>,
    /// Creation time (ISO 8601).
    pub created: Option<String>,
    /// Last change (ISO 8601).
    pub last_modified: Option<String>,
    /// The resource's URL.
    pub location: Option<String>,
    /// The entity tag, when the server supports them.
    pub version: Option<String>,
}

/// The SCIM error body (RFC 7644 §3.12); `status` is a string, some servers send a number.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimError {
    /// `[ERROR]`.
    pub schemas: Vec<String>,
    /// The HTTP status, as a string.
    #[serde(deserialize_with = "string_or_number")]
    pub status: String,
    /// The RFC's error keyword (`uniqueness`, `invalidFilter`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scim_type: Option<String>,
    /// A description for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Atlassian's gateway error shape.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    /// What went wrong.
    pub error: String,
    /// The request's trace id.
    pub trace_id: Option<String>,
}

/// A `PatchOp` request body. Sent with the RFC's `Operations`; read with either spelling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchRequest {
    /// `[PATCH_OP]`.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// The operations, applied in order.
    #[serde(rename = "Operations", alias = "operations")]
    pub operations: Vec<PatchOperation>,
}

impl PatchRequest {
    /// A body with the PatchOp schema and these operations.
    pub fn new(operations: Vec<PatchOperation>) -> Self {
        Self {
            schemas: vec![PATCH_OP.to_owned()],
            operations,
        }
    }
}

/// One PATCH operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOperation {
    /// `add`, `replace` or `remove` (servers also accept capitalised forms).
    pub op: String,
    /// The attribute path; absent for a value object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The new value (absent for `remove`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

fn null_as_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default())
}

fn string_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Status {
        Text(String),
        Number(u16),
    }
    Ok(match Status::deserialize(deserializer)? {
        Status::Text(text) => text,
        Status::Number(number) => number.to_string(),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// api-facts.md §2.3: the composite Atlassian list response.
    pub(crate) const DOCUMENTED_LIST: &str = r#"{
      "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      "totalResults": 1, "startIndex": 1, "itemsPerPage": 1,
      "Resources": [{
        "schemas": ["urn:scim:schemas:extension:atlassian-external:1.0",
                    "urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "id": "247b915a-9d6c-4cd5-b5a5-071b1b3abc2e",
        "externalId": "00u1abcd",
        "userName": "jdoe@example.com",
        "name": {"givenName": "Jane", "familyName": "Doe", "formatted": "Jane Doe"},
        "displayName": "Jane Doe",
        "nickName": null, "title": "Engineer", "preferredLanguage": "en-US",
        "timezone": "Europe/Berlin", "department": "R&D", "organization": "Example Ltd",
        "emails": [{"value": "jdoe@example.com", "type": "work", "primary": true}],
        "phoneNumbers": [],
        "groups": [{"value": "<groupId>", "display": "engineering", "type": "direct", "$ref": "https://api.atlassian.com/scim/directory/d/Groups/<groupId>"}],
        "active": true,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D", "organization": "Example Ltd"},
        "urn:scim:schemas:extension:atlassian-external:1.0": {"atlassianAccountId": "602bdf457b23f40068547c25"},
        "meta": {"resourceType": "User", "created": "2021-02-16T15:05:41.185473Z",
                 "lastModified": "2021-02-16T15:05:41.185473Z",
                 "location": "https://api.atlassian.com/scim/directory/d/Users/247b915a-9d6c-4cd5-b5a5-071b1b3abc2e"}
      }]
    }"#;

    #[test]
    fn documented_list_response_parses() {
        let list: ListResponse = serde_json::from_str(DOCUMENTED_LIST).expect("list");
        assert_eq!((list.total_results, list.start_index), (Some(1), Some(1)));
        let user: User = serde_json::from_value(list.resources[0].clone()).expect("user");
        assert_eq!(user.id, "247b915a-9d6c-4cd5-b5a5-071b1b3abc2e");
        assert_eq!(user.user_name.as_deref(), Some("jdoe@example.com"));
        assert_eq!(user.primary_email().as_deref(), Some("jdoe@example.com"));
        assert_eq!(user.full_name().as_deref(), Some("Jane Doe"));
        assert_eq!(user.active, Some(true));
        let meta = user.meta.expect("meta");
        assert_eq!(meta.resource_type.as_deref(), Some("User"));
        assert!(meta.version.is_none());
    }

    #[test]
    fn documented_error_parses_with_status_as_string() {
        let error: ScimError = serde_json::from_str(
            r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"Resource [USER]: with email[jdoe@example.com] already exists."}"#,
        )
        .expect("error");
        assert_eq!(error.status, "409");
        assert_eq!(error.scim_type.as_deref(), Some("uniqueness"));
        let numeric: ScimError =
            serde_json::from_str(r#"{"schemas":[],"status":404,"detail":"x"}"#).expect("numeric");
        assert_eq!(numeric.status, "404");
        let failure: Failure =
            serde_json::from_str(r#"{"error":"Unauthorized","traceId":"abc"}"#).expect("failure");
        assert_eq!(failure.trace_id.as_deref(), Some("abc"));
    }

    #[test]
    fn patch_bodies_use_the_rfc_spelling_and_read_both() {
        let body = PatchRequest::new(vec![PatchOperation {
            op: "replace".to_owned(),
            path: Some("displayName".to_owned()),
            value: Some(Value::String("Jane D.".to_owned())),
        }]);
        assert_eq!(
            serde_json::to_value(&body).expect("json"),
            serde_json::json!({"schemas":[PATCH_OP],"Operations":[{"op":"replace","path":"displayName","value":"Jane D."}]})
        );
        let lower: PatchRequest =
            serde_json::from_str(r#"{"schemas":[],"operations":[{"op":"remove","path":"title"}]}"#)
                .expect("lower");
        assert_eq!(lower.operations[0].path.as_deref(), Some("title"));
    }

    #[test]
    fn listed_resources_are_typed_and_a_misshapen_one_is_kept_as_none() {
        let list: ListResponse<Listed<User>> = serde_json::from_slice(
            br#"{"totalResults":3,"startIndex":1,"Resources":[
                {"id":"a","userName":"x\u0041","active":false},
                {"id":"b","active":"yes"},
                {"userName":"no id"}]}"#,
        )
        .expect("list");
        assert_eq!(list.resources.len(), 3, "every resource counts for paging");
        let first = list.resources[0].0.as_ref().expect("a");
        assert_eq!(
            (first.id.as_str(), first.user_name.as_deref(), first.active),
            ("a", Some("xA"), Some(false))
        );
        assert!(list.resources[1].0.is_none(), "wrong type of `active`");
        assert!(list.resources[2].0.is_none(), "no id");
        let ids: Vec<_> = list.resources.iter().map(Identified::id).collect();
        assert_eq!(ids, [Some("a"), None, None]);
        let whole: ListResponse = serde_json::from_str(DOCUMENTED_LIST).expect("whole");
        assert_eq!(
            whole.resources[0].id(),
            Some("247b915a-9d6c-4cd5-b5a5-071b1b3abc2e")
        );
    }

    #[test]
    fn a_list_without_resources_is_empty() {
        let list: ListResponse = serde_json::from_str(
            r#"{"schemas":[],"totalResults":0,"itemsPerPage":10000,"startIndex":1}"#,
        )
        .expect("empty");
        assert!(list.resources.is_empty());
    }
}
