//! Attributes with their value, where the value comes from, and whether it may be seen or changed.

use serde::Serialize;

/// Where a candidate value sits in a precedence chain.
///
/// Looker resolves a user attribute as: the user's own value, then group values (lowest rank
/// first), then the attribute's default. Crowd and SCIM have one source per attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateKind {
    /// A value stored on the user record itself.
    User,
    /// A value inherited from a group; the rank orders groups.
    Group,
    /// The attribute's default value.
    Default,
}

/// One value on an attribute's precedence chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// The values this candidate carries (empty when hidden).
    pub values: Vec<String>,
    /// The service's own wording for the source (Looker `source`, `"user"`, a SCIM URN, ...).
    pub source: String,
    /// Group rank; lower wins. None for user and default values.
    pub rank: Option<i64>,
    /// True for the candidate that decides the attribute's value.
    pub effective: bool,
    /// The position of this candidate in the chain.
    #[serde(skip)]
    pub kind: CandidateKind,
}

/// One attribute of a user as the detail view and `roster show` present it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribute {
    /// The service's own name (`region`, `first-name`, `name.givenName`, ...).
    pub name: String,
    /// A human label (Looker label; otherwise the name).
    pub label: String,
    /// The effective values; empty when unset or hidden.
    pub values: Vec<String>,
    /// The source of the effective value, in the service's wording; `"No Value"` style when unset.
    pub source: String,
    /// The rank of the effective value when it comes from a group.
    pub rank: Option<i64>,
    /// The value is hidden by the service and is never fetched, shown, logged or exported.
    pub hidden: bool,
    /// True when the API will not change this attribute.
    pub locked: bool,
    /// Why the attribute is locked (read-only field, system-managed, ...).
    pub lock_reason: Option<String>,
    /// Whether users may edit their own value (Looker `user_can_edit`; true elsewhere).
    pub user_can_edit: bool,
    /// The whole precedence chain, winner first.
    pub candidates: Vec<Candidate>,
    /// Extra facts the detail view shows and the command line omits from JSON.
    #[serde(skip)]
    pub meta: AttributeMeta,
}

/// A source as people read it: `Group: Sales (rank 1)`, or the source alone when it has no rank.
pub fn describe_source(source: &str, rank: Option<i64>) -> String {
    match rank {
        Some(rank) => format!("{source} (rank {rank})"),
        None => source.to_owned(),
    }
}

/// Service facts about an attribute that are not part of the stable JSON shape.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttributeMeta {
    /// The service's id for the attribute definition (Looker `user_attribute_id`).
    pub definition_id: Option<String>,
    /// The value type (Looker `type`, e.g. `number`, `yesno`).
    pub value_type: Option<String>,
    /// For hidden Looker attributes: the URL patterns the value may be sent to.
    pub hidden_domain_allowlist: Option<String>,
    /// A system-managed attribute (Crowd password bookkeeping, Looker built-ins).
    pub system: bool,
    /// The attribute accepts several values (Crowd custom attributes, SCIM emails).
    pub multi_valued: bool,
    /// A field of the user's identity (name, email, active, ids) shown beside the attributes:
    /// editable through `update` where the API allows, but not audited as an attribute.
    pub identity: bool,
}

impl Attribute {
    /// An attribute with a single source and no chain (Crowd, SCIM, plain user fields).
    pub fn single(name: &str, label: &str, values: Vec<String>, source: &str) -> Self {
        let candidate = Candidate {
            values: values.clone(),
            source: source.to_owned(),
            rank: None,
            effective: true,
            kind: CandidateKind::User,
        };
        Self {
            name: name.to_owned(),
            label: label.to_owned(),
            values,
            source: source.to_owned(),
            rank: None,
            hidden: false,
            locked: false,
            lock_reason: None,
            user_can_edit: true,
            candidates: vec![candidate],
            meta: AttributeMeta::default(),
        }
    }

    /// Marks the attribute as locked for the given reason.
    pub fn locked_because(mut self, reason: &str) -> Self {
        self.locked = true;
        self.lock_reason = Some(reason.to_owned());
        self
    }

    /// Marks the attribute as a field of the user's identity (see [`AttributeMeta::identity`]).
    pub fn identity_field(mut self) -> Self {
        self.meta.identity = true;
        self
    }

    /// True when the effective value is the user's own (not inherited, not unset).
    pub fn has_user_value(&self) -> bool {
        self.candidates
            .iter()
            .any(|c| c.effective && c.kind == CandidateKind::User)
    }

    /// True when any value (user, group or default) decides this attribute.
    pub fn is_set(&self) -> bool {
        self.candidates.iter().any(|c| c.effective)
    }

    /// The candidate that would decide the value if the user's own value were removed.
    pub fn fallback(&self) -> Option<&Candidate> {
        self.candidates
            .iter()
            .find(|c| c.kind != CandidateKind::User)
    }

    /// The effective values joined for one-line display.
    pub fn display_value(&self) -> String {
        self.values.join(", ")
    }
}
