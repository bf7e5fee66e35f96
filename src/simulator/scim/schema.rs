//! The attribute definitions the simulated SCIM service supports, as one table.
//!
//! The same table drives the checks of incoming resources, the PATCH paths, and the `/Schemas`
//! documents, so what the service announces is exactly what it accepts. It follows Atlassian's
//! published user schema (core User with top-level `department` and `organization`, the
//! enterprise extension with only `department` and `organization`, and the atlassian-external
//! extension with the read-only `atlassianAccountId`) and RFC 7643's Group. No I/O here.

use serde_json::{Value, json};

use crate::service::scim::wire::{ATLASSIAN_EXTERNAL, CORE_GROUP, CORE_USER, ENTERPRISE_USER};

/// An attribute's data type (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// A string.
    String,
    /// A boolean.
    Boolean,
    /// An object of sub-attributes.
    Complex,
    /// A URI.
    Reference,
}

/// Who may change an attribute (RFC 7643 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    /// Clients may write it.
    ReadWrite,
    /// Only the service sets it; client values are ignored (PATCH refuses them).
    ReadOnly,
    /// Set once, then never changed.
    Immutable,
}

/// One attribute definition.
#[derive(Debug, Clone, Copy)]
pub struct Attr {
    /// The canonical name.
    pub name: &'static str,
    /// The data type.
    pub kind: Type,
    /// Holds a list of values.
    pub multi: bool,
    /// Must be present.
    pub required: bool,
    /// Who may change it.
    pub mutability: Mutability,
    /// Values compare case-sensitively.
    pub case_exact: bool,
    /// The service keeps values unique.
    pub unique: bool,
    /// Sub-attributes of a complex attribute.
    pub sub: &'static [Attr],
    /// Suggested values.
    pub canonical: &'static [&'static str],
    /// Resource types a reference may point at.
    pub references: &'static [&'static str],
    /// What it is, for `/Schemas`.
    pub description: &'static str,
}

const fn attr(name: &'static str, kind: Type, description: &'static str) -> Attr {
    Attr {
        name,
        kind,
        multi: false,
        required: false,
        mutability: Mutability::ReadWrite,
        case_exact: false,
        unique: false,
        sub: &[],
        canonical: &[],
        references: &[],
        description,
    }
}

const fn string(name: &'static str, description: &'static str) -> Attr {
    attr(name, Type::String, description)
}

impl Attr {
    const fn multi(mut self) -> Self {
        self.multi = true;
        self
    }
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    const fn read_only(mut self) -> Self {
        self.mutability = Mutability::ReadOnly;
        self
    }
    const fn immutable(mut self) -> Self {
        self.mutability = Mutability::Immutable;
        self
    }
    const fn unique(mut self) -> Self {
        self.unique = true;
        self
    }
    const fn sub(mut self, sub: &'static [Attr]) -> Self {
        self.sub = sub;
        self
    }
    const fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical = values;
        self
    }
    const fn references(mut self, types: &'static [&'static str]) -> Self {
        self.references = types;
        self
    }

    /// The sub-attribute with this name (case-insensitive).
    pub fn sub_attr(&self, name: &str) -> Option<&'static Attr> {
        self.sub.iter().find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

/// A schema: its URN, name and attributes.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// The URN.
    pub id: &'static str,
    /// A short name.
    pub name: &'static str,
    /// What it describes.
    pub description: &'static str,
    /// Its attributes.
    pub attributes: &'static [Attr],
}

impl Schema {
    /// The attribute with this name (case-insensitive).
    pub fn attr(&self, name: &str) -> Option<&'static Attr> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}

const NAME: &[Attr] = &[
    string("formatted", "The full name, formatted for display."),
    string("familyName", "The family name."),
    string("givenName", "The given name."),
    string("middleName", "The middle name."),
    string("honorificPrefix", "The honorific prefix."),
    string("honorificSuffix", "The honorific suffix."),
];

const EMAIL: &[Attr] = &[
    string("value", "The email address.").required(),
    string("type", "The kind of address.").canonical(&["work", "home", "other"]),
    attr(
        "primary",
        Type::Boolean,
        "The preferred address; exactly one.",
    ),
];

const PHONE: &[Attr] = &[
    string("value", "The phone number."),
    string("type", "The kind of number.")
        .canonical(&["work", "home", "mobile", "fax", "pager", "other"]),
    attr("primary", Type::Boolean, "The preferred number."),
];

const USER_GROUP: &[Attr] = &[
    string("value", "The group's id.").read_only(),
    attr("$ref", Type::Reference, "The group's URI.")
        .read_only()
        .references(&["Group"]),
    string("display", "The group's name.").read_only(),
    string("type", "How the user is a member.")
        .read_only()
        .canonical(&["direct"]),
];

const USER: &[Attr] = &[
    string("userName", "The unique login name; required.")
        .required()
        .unique(),
    attr("name", Type::Complex, "The components of the name.").sub(NAME),
    string("displayName", "The name shown to people."),
    string("nickName", "A casual name."),
    string("title", "The job title."),
    string(
        "preferredLanguage",
        "The preferred language tag, e.g. en-US.",
    ),
    string("timezone", "The IANA time zone, e.g. Europe/Berlin."),
    string(
        "department",
        "The department (Atlassian also reads it at the top level).",
    ),
    string(
        "organization",
        "The organization (Atlassian also reads it at the top level).",
    ),
    attr(
        "active",
        Type::Boolean,
        "Whether the account is active; true when omitted.",
    ),
    attr(
        "emails",
        Type::Complex,
        "Email addresses; exactly one primary.",
    )
    .multi()
    .required()
    .sub(EMAIL),
    attr("phoneNumbers", Type::Complex, "Phone numbers.")
        .multi()
        .sub(PHONE),
    attr(
        "groups",
        Type::Complex,
        "Groups the user belongs to; change them through /Groups.",
    )
    .multi()
    .read_only()
    .sub(USER_GROUP),
];

const ENTERPRISE: &[Attr] = &[
    string("department", "The department."),
    string("organization", "The organization."),
];

const ATLASSIAN: &[Attr] = &[string(
    "atlassianAccountId",
    "The Atlassian account linked to this user.",
)
.read_only()];

const MEMBER: &[Attr] = &[
    string("value", "The member's id.").immutable(),
    attr("$ref", Type::Reference, "The member's URI.")
        .immutable()
        .references(&["User", "Group"]),
    string("type", "The member's resource type.")
        .immutable()
        .canonical(&["User", "Group"]),
];

const GROUP: &[Attr] = &[
    string("displayName", "The group's unique name; required.")
        .required()
        .unique(),
    attr("members", Type::Complex, "The members of the group.")
        .multi()
        .sub(MEMBER),
];

/// The core User schema.
pub const USER_SCHEMA: Schema = Schema {
    id: CORE_USER,
    name: "User",
    description: "User account",
    attributes: USER,
};

/// The enterprise User extension.
pub const ENTERPRISE_SCHEMA: Schema = Schema {
    id: ENTERPRISE_USER,
    name: "EnterpriseUser",
    description: "Enterprise user",
    attributes: ENTERPRISE,
};

/// Atlassian's external extension.
pub const ATLASSIAN_SCHEMA: Schema = Schema {
    id: ATLASSIAN_EXTERNAL,
    name: "AtlassianExternalUser",
    description: "Atlassian account link",
    attributes: ATLASSIAN,
};

/// The core Group schema.
pub const GROUP_SCHEMA: Schema = Schema {
    id: CORE_GROUP,
    name: "Group",
    description: "Group",
    attributes: GROUP,
};

/// Every schema, in `/Schemas` order.
pub const ALL: &[Schema] = &[
    USER_SCHEMA,
    ENTERPRISE_SCHEMA,
    ATLASSIAN_SCHEMA,
    GROUP_SCHEMA,
];

/// The schemas served: all of them, or all but atlassian-external when it is switched off.
pub fn served(account_extension: bool) -> impl Iterator<Item = &'static Schema> {
    ALL.iter()
        .filter(move |s| account_extension || s.id != ATLASSIAN_EXTERNAL)
}

/// The two resource types: their core schema and extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// `/Users`.
    User,
    /// `/Groups`.
    Group,
}

impl ResourceKind {
    /// `User` or `Group`.
    pub fn name(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Group => "Group",
        }
    }

    /// `Users` or `Groups`.
    pub fn endpoint(self) -> &'static str {
        match self {
            Self::User => "Users",
            Self::Group => "Groups",
        }
    }

    /// The core schema.
    pub fn schema(self) -> &'static Schema {
        match self {
            Self::User => &USER_SCHEMA,
            Self::Group => &GROUP_SCHEMA,
        }
    }

    /// The extension schemas.
    pub fn extensions(self) -> &'static [Schema] {
        match self {
            Self::User => &[ENTERPRISE_SCHEMA, ATLASSIAN_SCHEMA],
            Self::Group => &[],
        }
    }

    /// The extension whose URN is `urn` (case-insensitive).
    pub fn extension(self, urn: &str) -> Option<&'static Schema> {
        self.extensions()
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }
}

fn attr_json(attr: &Attr) -> Value {
    let mut out = json!({
        "name": attr.name,
        "type": match attr.kind {
            Type::String => "string",
            Type::Boolean => "boolean",
            Type::Complex => "complex",
            Type::Reference => "reference",
        },
        "multiValued": attr.multi,
        "description": attr.description,
        "required": attr.required,
        "caseExact": attr.case_exact,
        "mutability": match attr.mutability {
            Mutability::ReadWrite => "readWrite",
            Mutability::ReadOnly => "readOnly",
            Mutability::Immutable => "immutable",
        },
        "returned": "default",
        "uniqueness": if attr.unique { "server" } else { "none" },
    });
    if !attr.sub.is_empty() {
        out["subAttributes"] = attr.sub.iter().map(attr_json).collect();
    }
    if !attr.canonical.is_empty() {
        out["canonicalValues"] = json!(attr.canonical);
    }
    if !attr.references.is_empty() {
        out["referenceTypes"] = json!(attr.references);
    }
    out
}

/// The `/Schemas/{id}` document of a schema.
pub fn schema_json(schema: &Schema, base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": schema.attributes.iter().map(attr_json).collect::<Vec<_>>(),
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{}", schema.id)},
    })
}

/// The `/ResourceTypes/{name}` document of a resource type; `account_extension` says whether
/// users carry the atlassian-external extension.
pub fn resource_type_json(kind: ResourceKind, base: &str, account_extension: bool) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": kind.name(),
        "name": kind.name(),
        "endpoint": format!("/{}", kind.endpoint()),
        "description": kind.schema().description,
        "schema": kind.schema().id,
        "schemaExtensions": kind.extensions().iter().filter(|s| account_extension || s.id != ATLASSIAN_EXTERNAL)
            .map(|s| json!({"schema": s.id, "required": false}))
            .collect::<Vec<_>>(),
        "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/{}", kind.name())},
    })
}

/// The `/ServiceProviderConfig` document: what the simulator really supports.
pub fn service_provider_config_json(base: &str, etag: bool) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://developer.atlassian.com/cloud/admin/user-provisioning/rest/intro/",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": 100},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": etag},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Directory API key",
            "description": "Authentication with the directory's API key as a bearer token",
            "primary": true
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
    })
}
