//! Every precedence case of the attribute-wide resolver and the blast radius of each change kind.

use super::*;

fn text(value: &str) -> Option<Stored> {
    Some(Stored::Text(value.to_owned()))
}

fn definition(default: Option<&str>, hidden: bool) -> AttributeDefinition {
    AttributeDefinition {
        id: "7".to_owned(),
        name: "region".to_owned(),
        default: default.and_then(text),
        hidden,
    }
}

fn group(id: &str, name: &str, rank: i64, value: &str) -> GroupValue {
    GroupValue {
        group_id: id.to_owned(),
        group_name: name.to_owned(),
        rank,
        value: Stored::Text(value.to_owned()),
    }
}

fn member(id: &str, groups: &[&str], own: Option<&str>) -> Member {
    Member {
        user_id: id.to_owned(),
        user: format!("user{id}"),
        group_ids: groups.iter().map(|g| (*g).to_owned()).collect(),
        own_value: own.and_then(text),
    }
}

fn names() -> BTreeMap<String, String> {
    [
        ("1", "All Users"),
        ("2", "Sales"),
        ("3", "Support"),
        ("4", "Ops"),
    ]
    .into_iter()
    .map(|(id, name)| (id.to_owned(), name.to_owned()))
    .collect()
}

/// Sales rank 1 (NA), Support rank 2 (EMEA), default GLOBAL; five users.
fn state(hidden: bool) -> AttributeState {
    AttributeState::new(
        definition(Some("GLOBAL"), hidden),
        vec![
            group("3", "Support", 2, "EMEA"),
            group("2", "Sales", 1, "NA"),
        ],
        names(),
        vec![
            member("10", &["1", "2", "3"], Some("APAC")),
            member("11", &["1", "2", "3"], None),
            member("12", &["1", "3"], None),
            member("13", &["1"], None),
            member("14", &[], None),
        ],
    )
    .expect("state")
}

fn effective(state: &AttributeState, user_id: &str) -> (String, Option<String>) {
    let member = state
        .members()
        .iter()
        .find(|m| m.user_id == user_id)
        .expect("member");
    let resolved = state.resolve(member);
    (resolved.source.to_string(), resolved.value)
}

fn shown(value: &str) -> Option<String> {
    Some(value.to_owned())
}

#[test]
fn the_users_own_value_beats_every_group_and_the_default() {
    assert_eq!(
        effective(&state(false), "10"),
        ("user".into(), shown("APAC"))
    );
}

#[test]
fn among_several_groups_the_lowest_rank_wins() {
    assert_eq!(
        effective(&state(false), "11"),
        ("group Sales rank 1".into(), shown("NA"))
    );
    assert_eq!(
        effective(&state(false), "12"),
        ("group Support rank 2".into(), shown("EMEA"))
    );
}

#[test]
fn the_default_applies_when_no_group_of_the_user_has_a_value() {
    assert_eq!(
        effective(&state(false), "13"),
        ("default".into(), shown("GLOBAL"))
    );
    assert_eq!(
        effective(&state(false), "14"),
        ("default".into(), shown("GLOBAL")),
        "a user in no group at all"
    );
}

#[test]
fn without_a_default_a_user_no_value_reaches_has_none() {
    let state = AttributeState::new(
        definition(None, false),
        vec![group("2", "Sales", 1, "NA")],
        names(),
        vec![member("13", &["1"], None), member("14", &[], None)],
    )
    .expect("state");
    assert_eq!(effective(&state, "13"), ("none".into(), None));
    assert_eq!(effective(&state, "14"), ("none".into(), None));
}

#[test]
fn a_hidden_attribute_resolves_sources_and_never_holds_a_value() {
    let state = state(true);
    assert_eq!(effective(&state, "10"), ("user".into(), None));
    assert_eq!(effective(&state, "11"), ("group Sales rank 1".into(), None));
    assert_eq!(effective(&state, "13"), ("default".into(), None));
    assert!(
        state
            .group_values()
            .iter()
            .all(|g| g.value == Stored::Hidden)
    );
    assert_eq!(state.definition().default, Some(Stored::Hidden));
    assert!(
        state
            .members()
            .iter()
            .all(|m| m.own_value.as_ref().is_none_or(|v| *v == Stored::Hidden)),
        "texts given for a hidden attribute are dropped"
    );
}

#[test]
fn equal_ranks_are_refused_so_ties_cannot_happen() {
    let refused = AttributeState::new(
        definition(None, false),
        vec![
            group("2", "Sales", 1, "NA"),
            group("3", "Support", 1, "EMEA"),
        ],
        names(),
        Vec::new(),
    );
    assert_eq!(
        refused,
        Err(ResolutionError::DuplicateRank {
            rank: 1,
            first: "Sales".into(),
            second: "Support".into()
        })
    );
    let twice = AttributeState::new(
        definition(None, false),
        vec![group("2", "Sales", 1, "NA"), group("2", "Sales", 2, "EMEA")],
        names(),
        Vec::new(),
    );
    assert_eq!(twice, Err(ResolutionError::DuplicateGroup("Sales".into())));
}

#[test]
fn group_values_are_kept_in_rank_order() {
    let ranks: Vec<i64> = state(false).group_values().iter().map(|g| g.rank).collect();
    assert_eq!(ranks, [1, 2]);
}

#[test]
fn source_counts_list_every_source_with_zeros() {
    let counts: Vec<(String, usize)> = state(false)
        .source_counts()
        .into_iter()
        .map(|c| (c.source.to_string(), c.users))
        .collect();
    assert_eq!(
        counts,
        [
            ("user".into(), 1),
            ("group Sales rank 1".into(), 1),
            ("group Support rank 2".into(), 1),
            ("default".into(), 2),
            ("none".into(), 0),
        ]
    );
}

/// One affected user: id, source and value before, source and value after.
type Row<'a> = (&'a str, String, Option<&'a str>, String, Option<&'a str>);

fn affected(radius: &BlastRadius) -> Vec<Row<'_>> {
    radius
        .affected
        .iter()
        .map(|a| {
            (
                a.user_id.as_str(),
                a.before.source.to_string(),
                a.before.value.as_deref(),
                a.after.source.to_string(),
                a.after.value.as_deref(),
            )
        })
        .collect()
}

#[test]
fn setting_a_groups_value_changes_the_members_it_decides_for() {
    let radius = state(false)
        .blast_radius(&AttributeChange::SetGroupValue {
            group_id: "3".into(),
            value: "LATAM".into(),
        })
        .expect("radius");
    assert_eq!(
        affected(&radius),
        [(
            "12",
            "group Support rank 2".into(),
            Some("EMEA"),
            "group Support rank 2".into(),
            Some("LATAM")
        )]
    );
    assert_eq!(radius.count(), 1);
}

#[test]
fn a_new_group_value_ranks_last() {
    let change = AttributeChange::SetGroupValue {
        group_id: "1".into(),
        value: "ALL".into(),
    };
    let after = state(false).apply(&change).expect("apply");
    let order: Vec<(&str, i64)> = after
        .group_values()
        .iter()
        .map(|g| (g.group_name.as_str(), g.rank))
        .collect();
    assert_eq!(order, [("Sales", 1), ("Support", 2), ("All Users", 3)]);
    let radius = state(false).blast_radius(&change).expect("radius");
    assert_eq!(
        affected(&radius),
        [(
            "13",
            "default".into(),
            Some("GLOBAL"),
            "group All Users rank 3".into(),
            Some("ALL")
        )]
    );
}

#[test]
fn the_same_value_again_changes_nobody() {
    let radius = state(false)
        .blast_radius(&AttributeChange::SetGroupValue {
            group_id: "2".into(),
            value: "NA".into(),
        })
        .expect("radius");
    assert_eq!(radius.count(), 0);
}

#[test]
fn removing_a_group_value_falls_back_to_the_next_group_or_the_default() {
    let radius = state(false)
        .blast_radius(&AttributeChange::RemoveGroupValue {
            group_id: "2".into(),
        })
        .expect("radius");
    assert_eq!(
        affected(&radius),
        [(
            "11",
            "group Sales rank 1".into(),
            Some("NA"),
            "group Support rank 2".into(),
            Some("EMEA")
        )]
    );
    let radius = state(false)
        .blast_radius(&AttributeChange::RemoveGroupValue {
            group_id: "3".into(),
        })
        .expect("radius");
    assert_eq!(
        affected(&radius),
        [(
            "12",
            "group Support rank 2".into(),
            Some("EMEA"),
            "default".into(),
            Some("GLOBAL")
        )]
    );
}

#[test]
fn a_new_rank_order_changes_users_in_several_groups() {
    let change = AttributeChange::Rank {
        group_ids: vec!["3".into(), "2".into()],
    };
    let radius = state(false).blast_radius(&change).expect("radius");
    assert_eq!(
        affected(&radius),
        [(
            "11",
            "group Sales rank 1".into(),
            Some("NA"),
            "group Support rank 1".into(),
            Some("EMEA")
        )]
    );
    let after = state(false).apply(&change).expect("apply");
    let ranks: Vec<(&str, i64)> = after
        .group_values()
        .iter()
        .map(|g| (g.group_name.as_str(), g.rank))
        .collect();
    assert_eq!(ranks, [("Support", 1), ("Sales", 2)]);
}

#[test]
fn a_new_default_changes_the_users_no_group_reaches() {
    let radius = state(false)
        .blast_radius(&AttributeChange::SetDefault {
            value: Some("US".into()),
        })
        .expect("radius");
    let users: Vec<&str> = radius.affected.iter().map(|a| a.user_id.as_str()).collect();
    assert_eq!(users, ["13", "14"]);
    let radius = state(false)
        .blast_radius(&AttributeChange::SetDefault { value: None })
        .expect("radius");
    assert_eq!(
        affected(&radius)[0],
        ("13", "default".into(), Some("GLOBAL"), "none".into(), None)
    );
}

#[test]
fn hidden_attributes_say_who_changes_and_never_what_to() {
    let hidden = state(true);
    let rewritten = hidden
        .blast_radius(&AttributeChange::SetGroupValue {
            group_id: "2".into(),
            value: "new-secret".into(),
        })
        .expect("radius");
    assert!(rewritten.hidden);
    assert_eq!(
        affected(&rewritten),
        [(
            "11",
            "group Sales rank 1".into(),
            None,
            "group Sales rank 1".into(),
            None
        )],
        "the applying value is rewritten: the user changes, no value is carried"
    );
    assert!(!format!("{rewritten:?}").contains("new-secret"));
    let reranked = hidden
        .blast_radius(&AttributeChange::Rank {
            group_ids: vec!["3".into(), "2".into()],
        })
        .expect("radius");
    assert_eq!(reranked.count(), 1);
    let default = hidden
        .blast_radius(&AttributeChange::SetDefault {
            value: Some("x".into()),
        })
        .expect("radius");
    assert_eq!(default.count(), 2);
}

#[test]
fn changes_that_name_missing_groups_or_values_are_refused() {
    let state = state(false);
    assert_eq!(
        state.apply(&AttributeChange::SetGroupValue {
            group_id: "99".into(),
            value: "x".into()
        }),
        Err(ResolutionError::UnknownGroup("99".into()))
    );
    assert_eq!(
        state.apply(&AttributeChange::RemoveGroupValue {
            group_id: "4".into()
        }),
        Err(ResolutionError::NoGroupValue("Ops".into()))
    );
    for order in [vec!["2"], vec!["2", "3", "2"], vec!["2", "4"]] {
        let change = AttributeChange::Rank {
            group_ids: order.iter().map(|g| (*g).to_owned()).collect(),
        };
        assert!(state.apply(&change).is_err(), "{order:?}");
    }
}
