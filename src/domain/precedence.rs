//! Precedence resolution: which of an attribute's candidate values wins.
//!
//! The rule is Looker's and applies to any chain: the user's own value beats every group value;
//! among groups the lowest rank wins; a default applies only when nothing else does. A chain may
//! hold hidden candidates whose values are empty: presence, not content, decides.

use super::attribute::{Candidate, CandidateKind};

/// A candidate before resolution: where it comes from and what it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Unresolved {
    /// Its place in the chain.
    pub kind: CandidateKind,
    /// The service's wording for the source.
    pub source: String,
    /// Group rank (lower wins); ignored for user and default values.
    pub rank: Option<i64>,
    /// The values (empty when hidden).
    pub values: Vec<String>,
}

/// Orders the candidates winner first and marks the winner.
///
/// Ties between groups of equal rank keep their input order (the service's order), so the result
/// is deterministic for any input.
pub fn resolve(mut candidates: Vec<Unresolved>) -> Vec<Candidate> {
    candidates.sort_by_key(|c| (c.kind, group_rank(c)));
    candidates
        .into_iter()
        .enumerate()
        .map(|(index, c)| Candidate {
            values: c.values,
            source: c.source,
            rank: c.rank,
            effective: index == 0,
            kind: c.kind,
        })
        .collect()
}

fn group_rank(candidate: &Unresolved) -> i64 {
    match candidate.kind {
        CandidateKind::Group => candidate.rank.unwrap_or(i64::MAX),
        CandidateKind::User | CandidateKind::Default => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unresolved(kind: CandidateKind, source: &str, rank: Option<i64>, value: &str) -> Unresolved {
        Unresolved {
            kind,
            source: source.to_owned(),
            rank,
            values: vec![value.to_owned()],
        }
    }

    fn order(chain: &[Candidate]) -> Vec<(&str, bool)> {
        chain
            .iter()
            .map(|c| (c.source.as_str(), c.effective))
            .collect()
    }

    #[test]
    fn user_value_beats_groups_and_default() {
        let chain = resolve(vec![
            unresolved(CandidateKind::Default, "Default", None, "ALL"),
            unresolved(CandidateKind::Group, "Group: Sales", Some(1), "NA"),
            unresolved(CandidateKind::User, "User", None, "EMEA"),
        ]);
        assert_eq!(
            order(&chain),
            [("User", true), ("Group: Sales", false), ("Default", false)]
        );
        assert_eq!(chain[0].values, ["EMEA"]);
    }

    #[test]
    fn lowest_group_rank_wins_over_later_ranks_and_default() {
        let chain = resolve(vec![
            unresolved(CandidateKind::Group, "Group: Support", Some(7), "APAC"),
            unresolved(CandidateKind::Default, "Default", None, "ALL"),
            unresolved(CandidateKind::Group, "Group: Sales", Some(2), "NA"),
        ]);
        assert_eq!(
            order(&chain),
            [
                ("Group: Sales", true),
                ("Group: Support", false),
                ("Default", false)
            ]
        );
    }

    #[test]
    fn default_applies_when_nothing_else_does() {
        let chain = resolve(vec![unresolved(
            CandidateKind::Default,
            "Default",
            None,
            "ALL",
        )]);
        assert_eq!(order(&chain), [("Default", true)]);
    }

    #[test]
    fn a_hidden_candidate_still_wins_by_presence() {
        let mut hidden = unresolved(CandidateKind::User, "User", None, "");
        hidden.values.clear();
        let chain = resolve(vec![
            unresolved(CandidateKind::Group, "Group: Ops", Some(1), "x"),
            hidden,
        ]);
        assert_eq!(order(&chain), [("User", true), ("Group: Ops", false)]);
        assert!(chain[0].values.is_empty());
    }

    #[test]
    fn an_empty_chain_resolves_to_nothing() {
        assert!(resolve(Vec::new()).is_empty());
    }

    #[test]
    fn equal_ranks_keep_the_service_order() {
        let chain = resolve(vec![
            unresolved(CandidateKind::Group, "Group: B", Some(3), "b"),
            unresolved(CandidateKind::Group, "Group: A", Some(3), "a"),
        ]);
        assert_eq!(order(&chain), [("Group: B", true), ("Group: A", false)]);
    }
}
