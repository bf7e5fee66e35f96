//! Audit findings: hidden values, locked attributes, overrides, and stale values on inactive users.
//!
//! [`audit_record`] turns one user record into findings; it is pure so that the command line, the
//! browser and the tests share one definition. A finding about a hidden attribute never carries
//! its value, and no finding's detail quotes a hidden value.
//!
//! The summarising rule lives here too: a system-managed attribute (Crowd's password bookkeeping,
//! Looker's built-ins, SCIM `meta`) is locked for every user who has it, so listing it once per user
//! says nothing. [`audit_user`] sets those locks apart as [`SystemLock`]s, and [`SystemLocks`]
//! counts them per connection and attribute into one line each ("email — locked on all 100,034
//! users: system attribute"). Nothing here depends on a service or on how findings are shown.

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
    /// The user's username, or id when there is none; `None` for a summary that stands for
    /// every user of the connection (a system-managed lock).
    pub user: Option<String>,
    /// The user's service id; `None` for a summary.
    pub user_id: Option<String>,
    /// The attribute's name.
    pub attribute: String,
    /// What was found.
    pub finding: FindingKind,
    /// A sentence for people; never a hidden value.
    pub detail: String,
}

/// Every finding for one user record, in a stable order (system locks listed per user).
pub fn audit_record(record: &UserRecord) -> Vec<Finding> {
    findings_of(record, |_| false)
}

/// A system-managed attribute locked on one user: counted by [`SystemLocks`], not listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemLock {
    /// The attribute's name.
    pub attribute: String,
    /// Why it is locked.
    pub reason: String,
}

/// What one user record contributes to an audit whose system locks are summarised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAudit {
    /// The service's id of the user.
    pub user_id: String,
    /// The findings about this user, without system locks, in a stable order.
    pub findings: Vec<Finding>,
    /// The system-managed attributes locked on this user.
    pub system_locks: Vec<SystemLock>,
}

/// True for a lock the service applies to every user alike: a locked system-managed attribute.
pub fn is_system_lock(attribute: &Attribute) -> bool {
    attribute.meta.system && attribute.locked
}

/// The findings of one user record, with its system locks set apart to be counted.
pub fn audit_user(record: &UserRecord) -> UserAudit {
    let system_locks = record
        .attributes
        .iter()
        .filter(|a| is_system_lock(a) && a.is_set() && !a.meta.identity)
        .map(|a| SystemLock {
            attribute: a.name.clone(),
            reason: a
                .lock_reason
                .clone()
                .unwrap_or_else(|| "read-only".to_owned()),
        })
        .collect();
    UserAudit {
        user_id: record.id.clone(),
        findings: findings_of(record, is_system_lock),
        system_locks,
    }
}

fn findings_of(record: &UserRecord, counted_apart: fn(&Attribute) -> bool) -> Vec<Finding> {
    let user = record.username.clone().unwrap_or_else(|| record.id.clone());
    let mut findings = Vec::new();
    for attribute in &record.attributes {
        for (finding, detail) in attribute_findings(attribute, record.active) {
            if finding == FindingKind::Locked && counted_apart(attribute) {
                continue;
            }
            findings.push(Finding {
                connection: record.connection.clone(),
                user: Some(user.clone()),
                user_id: Some(record.id.clone()),
                attribute: attribute.name.clone(),
                finding,
                detail,
            });
        }
    }
    findings.sort_by(|a, b| (&a.attribute, a.finding).cmp(&(&b.attribute, b.finding)));
    findings
}

/// One summary line: a system-managed attribute of one connection and how many users it is
/// locked on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemLockCount {
    /// The connection name.
    pub connection: String,
    /// The attribute's name.
    pub attribute: String,
    /// Why it is locked (the first reason seen).
    pub reason: String,
    /// How many users it is locked on.
    pub users: usize,
}

impl SystemLockCount {
    /// The summary sentence, given how many users of the connection were audited: "locked on all
    /// 100,034 users: system attribute" or "locked on 12 of 40 users: …".
    pub fn detail(&self, audited: usize) -> String {
        let users = if self.users >= audited {
            format!("all {} users", grouped(self.users))
        } else {
            format!("{} of {} users", grouped(self.users), grouped(audited))
        };
        format!("locked on {users}: {}", self.reason)
    }

    /// The summary as one finding (no user: it stands for all of them).
    pub fn finding(&self, audited: usize) -> Finding {
        Finding {
            connection: self.connection.clone(),
            user: None,
            user_id: None,
            attribute: self.attribute.clone(),
            finding: FindingKind::Locked,
            detail: self.detail(audited),
        }
    }
}

/// The running count of system locks of an audit, one entry per connection and attribute, in
/// the order first seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemLocks {
    counts: Vec<SystemLockCount>,
}

impl SystemLocks {
    /// Counts one user's system locks on a connection.
    pub fn add(&mut self, connection: &str, locks: &[SystemLock]) {
        for lock in locks {
            match self
                .counts
                .iter_mut()
                .find(|c| c.attribute == lock.attribute && c.connection == connection)
            {
                Some(count) => count.users += 1,
                None => self.counts.push(SystemLockCount {
                    connection: connection.to_owned(),
                    attribute: lock.attribute.clone(),
                    reason: lock.reason.clone(),
                    users: 1,
                }),
            }
        }
    }

    /// The counts, in the order first seen.
    pub fn counts(&self) -> &[SystemLockCount] {
        &self.counts
    }
}

/// A count with thousands separators: 100034 → "100,034".
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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
    fn system_locks_are_counted_once_per_attribute() {
        let mut system = chained(
            "email",
            vec![candidate(
                CandidateKind::User,
                "System",
                None,
                "a@example.com",
            )],
        )
        .locked_because("system attribute");
        system.meta.system = true;
        let region = chained(
            "region",
            vec![
                candidate(CandidateKind::User, "User", None, "EMEA"),
                candidate(CandidateKind::Default, "Default", None, "ALL"),
            ],
        );
        let record = record(true, vec![system, region]);
        assert_eq!(
            audit_record(&record).len(),
            2,
            "the CLI still lists each lock"
        );
        let audit = audit_user(&record);
        assert_eq!(audit.findings.len(), 1);
        assert_eq!(audit.findings[0].finding, FindingKind::OverridesDefault);
        assert_eq!(audit.system_locks[0].attribute, "email");
        let mut locks = SystemLocks::default();
        for _ in 0..100_034 {
            locks.add("looker", &audit.system_locks);
        }
        locks.add("crowd", &audit.system_locks);
        assert_eq!(locks.counts().len(), 2);
        assert_eq!(
            locks.counts()[0].detail(100_034),
            "locked on all 100,034 users: system attribute"
        );
        assert_eq!(
            locks.counts()[1].detail(3),
            "locked on 1 of 3 users: system attribute"
        );
        assert_eq!(locks.counts()[1].finding(3).user, None);
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
    }

    #[test]
    fn unset_attributes_yield_nothing() {
        let unset = chained("region", Vec::new());
        assert!(audit_record(&record(false, vec![unset])).is_empty());
    }
}
