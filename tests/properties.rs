//! Property tests: sanitising, matching, precedence and every parser of server or user input hold
//! their promises for arbitrary input — no control character survives, no parser panics.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use roster::domain::CandidateKind;
use roster::domain::precedence::{Unresolved, resolve};
use roster::service::ServiceError;
use roster::simulator::fields::Selection;
use roster::simulator::looker::search::like;
use roster::text::{sanitize, terminal_safe_json};

fn kind() -> impl Strategy<Value = CandidateKind> {
    prop_oneof![
        Just(CandidateKind::User),
        Just(CandidateKind::Group),
        Just(CandidateKind::Default)
    ]
}

fn candidate() -> impl Strategy<Value = Unresolved> {
    (
        kind(),
        "[a-z]{1,8}",
        proptest::option::of(0i64..20),
        proptest::collection::vec("[a-z]{0,4}", 0..3),
    )
        .prop_map(|(kind, source, rank, values)| Unresolved {
            kind,
            source,
            rank,
            values,
        })
}

proptest! {
    #[test]
    fn sanitised_text_has_no_control_characters(text in any::<String>()) {
        let clean = sanitize(&text);
        prop_assert!(!clean.chars().any(|c| c.is_control()));
        prop_assert_eq!(sanitize(&clean), clean.clone());
    }

    #[test]
    fn json_output_is_exact_and_terminal_safe(text in any::<String>()) {
        let json = terminal_safe_json(&serde_json::to_string(&text).unwrap());
        prop_assert!(!json.chars().any(|c| c.is_control()));
        prop_assert_eq!(serde_json::from_str::<String>(&json).unwrap(), text);
    }

    #[test]
    fn like_without_wildcards_is_case_insensitive_equality(a in "[a-zA-Z0-9.@]{0,12}", b in "[a-zA-Z0-9.@]{0,12}") {
        prop_assert_eq!(like(&a, &b), a.to_lowercase() == b.to_lowercase());
        let pattern = format!("%{}%", a);
        let haystack = format!("x{}{}y", b, a);
        prop_assert!(like(&pattern, &haystack));
    }

    #[test]
    fn the_winner_follows_the_precedence_rule(chain in proptest::collection::vec(candidate(), 0..8)) {
        let resolved = resolve(chain.clone());
        prop_assert_eq!(resolved.len(), chain.len());
        prop_assert_eq!(resolved.iter().filter(|c| c.effective).count(), usize::from(!chain.is_empty()));
        if let Some(winner) = resolved.first() {
            let best_kind = chain.iter().map(|c| c.kind).min().unwrap();
            prop_assert_eq!(winner.kind, best_kind);
            if best_kind == CandidateKind::Group {
                let best_rank = chain.iter().filter(|c| c.kind == CandidateKind::Group).map(|c| c.rank.unwrap_or(i64::MAX)).min().unwrap();
                prop_assert_eq!(winner.rank.unwrap_or(i64::MAX), best_rank);
            }
        }
    }

    #[test]
    fn error_bodies_never_panic(status in 400u16..600, body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let error = ServiceError::from_response(status, None, &body);
        prop_assert!(!error.to_string().chars().any(|c| c.is_control()));
    }

    #[test]
    fn config_text_never_panics(text in "[\\[\\]a-z_=\"{}, \n0-9.:/]{0,200}") {
        let _ = roster::config::Config::parse(std::path::Path::new("fuzz.toml"), &text);
    }

    #[test]
    fn field_selections_never_panic(text in "[a-z_,() ]{0,40}") {
        let selection = Selection::parse(&text);
        let _ = selection.apply(serde_json::json!({"id": "1", "a": {"b": 1}}));
    }

    #[test]
    fn looker_payloads_never_panic(text in any::<String>()) {
        let _ = serde_json::from_str::<Vec<roster::service::looker::wire::User>>(&text);
        let _ = serde_json::from_str::<Vec<roster::service::looker::wire::UserAttributeWithValue>>(&text);
    }
}

#[test]
fn deeply_nested_json_is_an_error_not_a_crash() {
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    assert!(serde_json::from_str::<Vec<roster::service::looker::wire::User>>(&deep).is_err());
    let error = ServiceError::from_response(500, None, deep.as_bytes());
    assert!(error.to_string().contains("500"));
}
