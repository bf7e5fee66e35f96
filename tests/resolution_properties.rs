//! Property tests of the attribute-wide resolver: for any state and any change, the blast radius
//! is exactly the set of users whose resolved value differs between before and after, computed
//! here by resolving every user both ways with a plain restatement of Looker's lookup order (own
//! value, then the lowest-ranked group value among the user's groups, then the default).
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use roster::domain::resolution::{
    AttributeChange, AttributeDefinition, AttributeState, GroupValue, Member, Stored,
};

const GROUPS: usize = 5;
const VALUES: &[&str] = &["a", "b", "c"];

fn group_id(index: usize) -> String {
    format!("g{index}")
}

fn text(index: usize) -> Stored {
    Stored::Text(VALUES[index % VALUES.len()].to_owned())
}

/// Arbitrary states: up to five groups with values (unique ranks, in shuffled input order),
/// members in any subset of the groups, own values on some, a default or not.
fn state(hidden: bool) -> impl Strategy<Value = AttributeState> {
    (
        proptest::collection::vec(proptest::option::of(0usize..3), GROUPS),
        Just((1..=GROUPS as i64).collect::<Vec<_>>()).prop_shuffle(),
        proptest::collection::vec(
            (
                proptest::collection::vec(any::<bool>(), GROUPS),
                proptest::option::of(0usize..3),
            ),
            0..25,
        ),
        proptest::option::of(0usize..3),
    )
        .prop_map(move |(values, ranks, members, default)| {
            let group_values = values
                .iter()
                .enumerate()
                .filter_map(|(index, value)| {
                    value.map(|v| GroupValue {
                        group_id: group_id(index),
                        group_name: format!("Group {index}"),
                        rank: ranks[index] * 10,
                        value: text(v),
                    })
                })
                .collect();
            let names: BTreeMap<String, String> = (0..GROUPS)
                .map(|i| (group_id(i), format!("Group {i}")))
                .collect();
            let members = members
                .into_iter()
                .enumerate()
                .map(|(index, (groups, own))| Member {
                    user_id: index.to_string(),
                    user: format!("user{index}"),
                    group_ids: (0..GROUPS).filter(|g| groups[*g]).map(group_id).collect(),
                    own_value: own.map(text),
                })
                .collect();
            let definition = AttributeDefinition {
                id: "7".to_owned(),
                name: "region".to_owned(),
                default: default.map(text),
                hidden,
            };
            AttributeState::new(definition, group_values, names, members).unwrap()
        })
}

/// Changes that apply to any state of [`state`]: indexes are taken modulo what exists.
fn change() -> impl Strategy<Value = (u8, usize, usize, Vec<usize>)> {
    (
        0u8..4,
        0..GROUPS,
        0usize..3,
        Just((0..GROUPS).collect::<Vec<_>>()).prop_shuffle(),
    )
}

fn make_change(
    state: &AttributeState,
    (kind, group, value, order): &(u8, usize, usize, Vec<usize>),
) -> AttributeChange {
    let with_values: Vec<String> = state
        .group_values()
        .iter()
        .map(|g| g.group_id.clone())
        .collect();
    match (kind, with_values.is_empty()) {
        (0, _) => AttributeChange::SetGroupValue {
            group_id: group_id(*group),
            value: VALUES[*value].to_owned(),
        },
        (1, false) => AttributeChange::RemoveGroupValue {
            group_id: with_values[*group % with_values.len()].clone(),
        },
        (2, false) => {
            let mut ids = with_values.clone();
            ids.sort_by_key(|id| {
                let index: usize = id[1..].parse().unwrap();
                order[index]
            });
            AttributeChange::Rank { group_ids: ids }
        }
        _ => AttributeChange::SetDefault {
            value: (*value > 0).then(|| VALUES[*value].to_owned()),
        },
    }
}

/// Looker's lookup order restated: (the stored value's slot, its text).
fn reference(state: &AttributeState, member: &Member) -> (String, Option<String>) {
    if let Some(own) = &member.own_value {
        return ("user".to_owned(), own.text().map(str::to_owned));
    }
    let best = state
        .group_values()
        .iter()
        .filter(|g| member.group_ids.contains(&g.group_id))
        .min_by_key(|g| g.rank);
    if let Some(group) = best {
        return (
            group.group_id.clone(),
            group.value.text().map(str::to_owned),
        );
    }
    match &state.definition().default {
        Some(default) => ("default".to_owned(), default.text().map(str::to_owned)),
        None => ("none".to_owned(), None),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_blast_radius_is_every_user_whose_resolved_value_differs(
        before in state(false),
        picked in change(),
    ) {
        let change = make_change(&before, &picked);
        let after = before.apply(&change).unwrap();
        let expected: Vec<&str> = before
            .members()
            .iter()
            .filter(|m| reference(&before, m).1 != reference(&after, m).1)
            .map(|m| m.user_id.as_str())
            .collect();
        let radius = before.blast_radius(&change).unwrap();
        let got: Vec<&str> = radius.affected.iter().map(|a| a.user_id.as_str()).collect();
        prop_assert_eq!(&got, &expected, "{:?}", change);
        prop_assert_eq!(radius.count(), expected.len());
        for affected in &radius.affected {
            let member = before.members().iter().find(|m| m.user_id == affected.user_id).unwrap();
            prop_assert_eq!(&affected.before, &before.resolve(member));
            prop_assert_eq!(&affected.after, &after.resolve(member));
            prop_assert_eq!(affected.before.value.clone(), reference(&before, member).1);
            prop_assert_eq!(affected.after.value.clone(), reference(&after, member).1);
        }
    }

    #[test]
    fn hidden_blast_radius_is_every_user_whose_applying_value_is_another_or_rewritten(
        before in state(true),
        picked in change(),
    ) {
        let change = make_change(&before, &picked);
        let after = before.apply(&change).unwrap();
        let rewritten = match &change {
            AttributeChange::SetGroupValue { group_id, .. } => Some(group_id.clone()),
            AttributeChange::SetDefault { .. } => Some("default".to_owned()),
            _ => None,
        };
        let expected: Vec<&str> = before
            .members()
            .iter()
            .filter(|m| {
                let (was, _) = reference(&before, m);
                let (now, _) = reference(&after, m);
                was != now || Some(&now) == rewritten.as_ref()
            })
            .map(|m| m.user_id.as_str())
            .collect();
        let radius = before.blast_radius(&change).unwrap();
        prop_assert!(radius.hidden);
        let got: Vec<&str> = radius.affected.iter().map(|a| a.user_id.as_str()).collect();
        prop_assert_eq!(&got, &expected, "{:?}", change);
        prop_assert!(radius.affected.iter().all(|a| a.before.value.is_none() && a.after.value.is_none()));
    }

    #[test]
    fn every_user_resolves_as_the_lookup_order_says(state in state(false)) {
        for (member, effective) in state.members().iter().zip(state.resolve_all()) {
            prop_assert_eq!(effective.value, reference(&state, member).1);
        }
        let counted: usize = state.source_counts().iter().map(|c| c.users).sum();
        prop_assert_eq!(counted, state.members().len());
    }
}
