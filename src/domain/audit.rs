//! Audit findings: hidden values, locked attributes, overrides, and stale values on inactive users.
//!
//! [`audit_record`] turns one user record into findings; it is pure so that the command line, the
//! browser and the tests share one definition. A finding about a hidden attribute never carries
//! its value, and no finding's detail quotes a hidden value.

use serde::Serialize;

use super::attribute::{Attribute, CandidateKind, describe_source};
use super::user::UserRecord;

/// What an audit finding is about. The JSON names are part of the stable output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// The user holds a value of a hidden attribute.
    Hidden,
    /// The attribute has a value that the API will not change.
    Locked,
    /// The user's own value overrides a group value.
    OverridesGroup,
    /// The user's own value overrides the default (no group value applies).
    OverridesDefault,
    /// The user has an own value they cannot edit themselves.
    NotUserEditable,
    /// An inactive or disabled user still holds an own attribute value.
    InactiveWithValues,
}

impl FindingKind {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hidden => "hidden",
            Self::Locked => "locked",
            Self::OverridesGroup => "overrides_group",
            Self::OverridesDefault => "overrides_default",
            Self::NotUserEditable => "not_user_editable",
            Self::InactiveWithValues => "inactive_with_values",
        }
    }
}

/// One audit finding; its JSON form is the stable `roster audit --format json` shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The connection name.
    pub connection: String,
    /// The user's username, or id when there is none.
    pub user: String,
    /// The attribute's name.
    pub attribute: String,
    /// What was found.
    pub finding: FindingKind,
    /// A sentence for people; never a hidden value.
    pub detail: String,
}

/// Every finding for one user record, in a stable order.
pub fn audit_record(record: &UserRecord) -> Vec<Finding> {
    let user = record.username.clone().unwrap_or_else(|| record.id.clone());
    let mut findings = Vec::new();
    for attribute in &record.attributes {
        for (finding, detail) in attribute_findings(attribute, record.active) {
            findings.push(Finding {
                connection: record.connection.clone(),
                user: user.clone(),
                attribute: attribute.name.clone(),
                finding,
                detail,
            });
        }
    }
    findings.sort_by(|a, b| (&a.attribute, a.finding).cmp(&(&b.attribute, b.finding)));
    findings
}

fn attribute_findings(attribute: &Attribute, active: bool) -> Vec<(FindingKind, String)> {
    let mut out = Vec::new();
    if !attribute.is_set() || attribute.meta.identity {
        return out;
    }
    let winner = &attribute.candidates[0];
    if attribute.hidden {
        let mut detail = format!(
            "holds a hidden value from {}",
            describe_source(&winner.source, winner.rank)
        );
        if let Some(allowlist) = &attribute.meta.hidden_domain_allowlist {
            detail.push_str(&format!("; allowed domains: {allowlist}"));
        }
        out.push((FindingKind::Hidden, detail));
    }
    if attribute.locked {
        let reason = attribute.lock_reason.as_deref().unwrap_or("read-only");
        out.push((FindingKind::Locked, reason.to_owned()));
    }
    if attribute.has_user_value() && !attribute.locked {
        let group = attribute
            .candidates
            .iter()
            .find(|c| c.kind == CandidateKind::Group);
        let default = attribute
            .candidates
            .iter()
            .find(|c| c.kind == CandidateKind::Default);
        if let Some(group) = group {
            out.push((
                FindingKind::OverridesGroup,
                override_detail(attribute, &group.values, &group.source, group.rank),
            ));
        } else if let Some(default) = default {
            out.push((
                FindingKind::OverridesDefault,
                override_detail(attribute, &default.values, &default.source, None),
            ));
        }
        if !attribute.user_can_edit {
            out.push((
                FindingKind::NotUserEditable,
                "the user cannot edit this value themselves".to_owned(),
            ));
        }
        if !active && !attribute.meta.system {
            out.push((
                FindingKind::InactiveWithValues,
                "inactive user still holds a value of their own".to_owned(),
            ));
        }
    }
    out
}

fn override_detail(
    attribute: &Attribute,
    beaten: &[String],
    source: &str,
    rank: Option<i64>,
) -> String {
    if attribute.hidden {
        format!("user value overrides {}", describe_source(source, rank))
    } else {
        format!(
            "user value {:?} overrides {:?} from {}",
            attribute.values.join(", "),
            beaten.join(", "),
            describe_source(source, rank)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::precedence::{Unresolved, resolve};
    use crate::domain::user::ServiceKind;

    fn chained(name: &str, chain: Vec<Unresolved>) -> Attribute {
        let candidates = resolve(chain);
        let mut attribute = Attribute::single(name, name, Vec::new(), "No Value");
        if let Some(winner) = candidates.first() {
            attribute.values = winner.values.clone();
            attribute.source = winner.source.clone();
            attribute.rank = winner.rank;
        }
        attribute.candidates = candidates;
        attribute
    }

    fn candidate(kind: CandidateKind, source: &str, rank: Option<i64>, value: &str) -> Unresolved {
        Unresolved {
            kind,
            source: source.to_owned(),
            rank,
            values: if value.is_empty() {
                Vec::new()
            } else {
                vec![value.to_owned()]
            },
        }
    }

    fn record(active: bool, attributes: Vec<Attribute>) -> UserRecord {
        UserRecord {
            connection: "looker".to_owned(),
            kind: ServiceKind::Looker,
            id: "7".to_owned(),
            username: Some("ada@example.com".to_owned()),
            display_name: None,
            email: None,
            active,
            attributes,
            groups: Vec::new(),
            raw: serde_json::Value::Null,
        }
    }

    #[test]
    fn overrides_and_inactive_values_are_found() {
        let region = chained(
            "region",
            vec![
                candidate(CandidateKind::User, "User", None, "EMEA"),
                candidate(CandidateKind::Group, "Group: Sales", Some(1), "NA"),
                candidate(CandidateKind::Default, "Default", None, "ALL"),
            ],
        );
        let mut team = chained(
            "team",
            vec![
                candidate(CandidateKind::User, "User", None, "core"),
                candidate(CandidateKind::Default, "Default", None, "none"),
            ],
        );
        team.user_can_edit = false;
        let findings = audit_record(&record(false, vec![region, team]));
        let kinds: Vec<_> = findings
            .iter()
            .map(|f| (f.attribute.as_str(), f.finding))
            .collect();
        assert_eq!(
            kinds,
            [
                ("region", FindingKind::OverridesGroup),
                ("region", FindingKind::InactiveWithValues),
                ("team", FindingKind::OverridesDefault),
                ("team", FindingKind::NotUserEditable),
                ("team", FindingKind::InactiveWithValues),
            ]
        );
        assert!(findings[0].detail.contains("Group: Sales (rank 1)"));
    }

    #[test]
    fn hidden_findings_never_quote_a_value() {
        let mut secret = chained(
            "db_password",
            vec![
                candidate(CandidateKind::User, "User", None, ""),
                candidate(CandidateKind::Group, "Group: Ops", Some(2), ""),
            ],
        );
        secret.hidden = true;
        secret.meta.hidden_domain_allowlist = Some("https://*.example.com/*".to_owned());
        let findings = audit_record(&record(true, vec![secret]));
        assert_eq!(findings[0].finding, FindingKind::Hidden);
        assert_eq!(
            findings[0].detail,
            "holds a hidden value from User; allowed domains: https://*.example.com/*"
        );
        assert_eq!(
            findings[1].detail,
            "user value overrides Group: Ops (rank 2)"
        );
    }

    #[test]
    fn unset_attributes_yield_nothing() {
        let unset = chained("region", Vec::new());
        assert!(audit_record(&record(false, vec![unset])).is_empty());
    }
}
