//! Attribute-level writes (a Looker attribute's group values, rank order and default) end to
//! end against the simulator over loopback: `roster attribute` previews the blast radius and
//! sends nothing on `--dry-run`, writes with `--yes`, verifies by reading back, journals an entry
//! that names the attribute, and `roster undo` restores what was there; through the write engine
//! directly, a change made between the preview and the send (to the attribute, to a membership
//! of a group involved, to an own value of a user the radius depends on) stops the write as a
//! conflict, a lost answer ends truthfully (resolved by reading, the POST never sent twice), and
//! a hidden attribute never shows a value anywhere.

#![allow(clippy::unwrap_used)]

mod common;
mod lossy_proxy;
mod writes;

use common::*;
use lossy_proxy::{LossyProxy, Mode};
use roster::domain::attribute_edit::{AttributeEdit, FlagChange};
use roster::domain::resolution::AttributeChange;
use roster::journal::Outcome;
use roster::service::{AnyDirectory, OpenOptions, ServiceError};
use roster::simulator::RunningSimulator;
use roster::write::{Interrupt, WriteError};

/// How many users are in Engineering (2) or Support (4): the users whose workload_region moves
/// when All Users (3rd, us-east1) is ranked first.
fn engineering_or_support(sim: &RunningSimulator) -> usize {
    let store = sim.state.looker();
    store
        .users
        .values()
        .filter(|u| u.group_ids.contains(&2) || u.group_ids.contains(&4))
        .count()
}

/// `(group_id, rank, value)` of workload_region's group values in the simulator.
fn ranks(sim: &RunningSimulator) -> Vec<(u64, i64, String)> {
    let store = sim.state.looker();
    store
        .group_values_of(17)
        .iter()
        .map(|g| (g.group_id, g.rank, g.value.clone()))
        .collect()
}

const ALL_USERS_FIRST: [&str; 6] = [
    "attribute",
    "rank",
    "looker",
    "workload_region",
    "All Users",
    "Engineering",
];

fn rank_all_users_first(extra: &[&str]) -> Vec<String> {
    ALL_USERS_FIRST
        .iter()
        .chain(&["Support"])
        .chain(extra)
        .map(|s| (*s).to_owned())
        .collect()
}

async fn run(env: &CliEnv, args: &[String]) -> std::process::Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    env.run(&args).await
}

#[tokio::test]
async fn a_dry_run_shows_every_rank_and_the_blast_radius_and_sends_nothing() {
    let sim = start_sim(12).await;
    let env = CliEnv::for_sim(&sim);
    let before = ranks(&sim);
    let output = run(&env, &rank_all_users_first(&["--dry-run"])).await;
    assert_exit(&output, 0);
    let text = stdout(&output);
    let expected = engineering_or_support(&sim);
    assert!(
        text.contains(&format!("Blast radius: {expected} users change")),
        "{text}"
    );
    for line in [
        "rank of Engineering: 1 → 2",
        "rank of Support: 2 → 3",
        "rank of All Users: 3 → 1",
        "POST ",
        "/user_attributes/17/group_values",
        "priya.raman@example.com: asia-southeast1 (group Support rank 2) → us-east1 (group All Users rank 1)",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    assert!(stderr(&output).contains("dry run: nothing was sent"));
    assert_eq!(ranks(&sim), before, "nothing was sent");

    let output = run(
        &env,
        &rank_all_users_first(&["--dry-run", "--format", "json"]),
    )
    .await;
    assert_exit(&output, 0);
    let shown = json(&output);
    assert_eq!(shown["changes"].as_array().unwrap().len(), 3);
    let affected = shown["affected"].as_array().unwrap();
    assert_eq!(affected.len(), expected);
    let priya = affected.iter().find(|a| a["user_id"] == "1").unwrap();
    assert_eq!(
        priya,
        &serde_json::json!({"user": "priya.raman@example.com", "user_id": "1",
            "before": "asia-southeast1", "after": "us-east1"})
    );
}

#[tokio::test]
async fn a_confirmed_rank_order_is_written_verified_journaled_and_undone() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let refused = run(&env, &rank_all_users_first(&[])).await;
    assert_exit(&refused, 2);
    assert!(stderr(&refused).contains("stdin is not a terminal"));
    assert_eq!(ranks(&sim)[0].0, 2, "nothing sent without --yes");

    let output = run(&env, &rank_all_users_first(&["--yes", "--format", "json"])).await;
    assert_exit(&output, 0);
    let preview = json(&output);
    assert_eq!(
        ranks(&sim),
        [
            (1, 1, "us-east1".to_owned()),
            (2, 2, "europe-west1".to_owned()),
            (4, 3, "asia-southeast1".to_owned())
        ]
    );
    // Every affected user's detail now holds what the preview said.
    for affected in preview["affected"].as_array().unwrap() {
        let id = affected["user_id"].as_str().unwrap();
        let shown = json(&env.run(&["show", "looker", id, "--format", "json"]).await);
        let region = shown["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "workload_region")
            .unwrap();
        assert_eq!(region["values"][0], affected["after"], "user {id}");
    }
    let log = json(&env.run(&["log", "--format", "json"]).await);
    let entry = &log.as_array().unwrap()[0];
    assert_eq!(entry["outcome"], "written");
    assert_eq!(entry["action"], "attribute rank");
    assert_eq!(entry["attribute"]["name"], "workload_region");
    assert!(entry["user"].is_null());
    assert_eq!(entry["requests"][0]["method"], "POST");
    let checks = entry["verification"].as_array().unwrap();
    assert_eq!(checks.len(), 3);
    assert!(checks.iter().all(|c| c["status"] == "stuck"), "{checks:?}");
    let table = stdout(&env.run(&["log"]).await);
    assert!(table.contains("attribute workload_region"), "{table}");

    let undo = env.run(&["undo", "--yes"]).await;
    assert_exit(&undo, 0);
    assert!(stdout(&undo).contains("Undo entry 1"), "{}", stdout(&undo));
    assert_eq!(
        ranks(&sim),
        [
            (2, 1, "europe-west1".to_owned()),
            (4, 2, "asia-southeast1".to_owned()),
            (1, 3, "us-east1".to_owned())
        ],
        "the previous order is back"
    );
    // Undoing the undo is refused once another write moved the ranks since.
    let other = env
        .run(&[
            "attribute",
            "rank",
            "looker",
            "workload_region",
            "Support",
            "Engineering",
            "All Users",
            "--yes",
        ])
        .await;
    assert_exit(&other, 0);
    let refused = env.run(&["undo", "2", "--yes"]).await;
    assert_exit(&refused, 1);
    assert!(
        stderr(&refused).contains("not 1 as entry 2 left it"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(ranks(&sim)[0].0, 4, "nothing was reverted");
}

#[tokio::test]
async fn group_values_and_the_default_are_set_removed_and_restored() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    // Everyone is in All Users, which has a value: a new default moves nobody.
    let output = env
        .run(&[
            "attribute",
            "set-default",
            "looker",
            "workload_region",
            "us-west1",
            "--yes",
        ])
        .await;
    assert_exit(&output, 0);
    assert!(
        stdout(&output).contains("Blast radius: 0 users change"),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        sim.state
            .looker()
            .attribute(17)
            .unwrap()
            .default_value
            .as_deref(),
        Some("us-west1")
    );
    // Sales gets its first value: it takes the last rank and only its members not in
    // Engineering or Support change.
    let output = env
        .run(&[
            "attribute",
            "set-group",
            "looker",
            "workload_region",
            "Sales=us-south1",
            "--yes",
            "--format",
            "json",
        ])
        .await;
    assert_exit(&output, 0);
    assert_eq!(
        json(&output)["affected"].as_array().unwrap().len(),
        0,
        "All Users outranks a last Sales"
    );
    assert_eq!(ranks(&sim).last().unwrap(), &(3, 4, "us-south1".to_owned()));
    // Removing Support's value moves its members to All Users.
    let output = env
        .run(&[
            "attribute",
            "unset-group",
            "looker",
            "workload_region",
            "Support",
            "--yes",
            "--format",
            "json",
        ])
        .await;
    assert_exit(&output, 0);
    let moved = json(&output)["affected"].as_array().unwrap().clone();
    assert!(!moved.is_empty());
    assert!(
        moved
            .iter()
            .all(|a| a["before"] == "asia-southeast1" && a["after"] == "us-east1")
    );
    // Undo puts Support's value back at its old rank (a value, then the old order).
    let undo = env.run(&["undo", "--yes"]).await;
    assert_exit(&undo, 0);
    assert_eq!(
        ranks(&sim),
        [
            (2, 1, "europe-west1".to_owned()),
            (4, 2, "asia-southeast1".to_owned()),
            (1, 3, "us-east1".to_owned()),
            (3, 4, "us-south1".to_owned())
        ]
    );
    let undo_default = env.run(&["undo", "1", "--yes"]).await;
    assert_exit(&undo_default, 0);
    assert_eq!(
        sim.state
            .looker()
            .attribute(17)
            .unwrap()
            .default_value
            .as_deref(),
        Some("us-central1")
    );
}

#[tokio::test]
async fn unknown_groups_wrong_services_and_hidden_reorders_are_refused_plainly() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let unknown = env
        .run(&[
            "attribute",
            "unset-group",
            "looker",
            "workload_region",
            "support",
            "--dry-run",
        ])
        .await;
    assert_exit(&unknown, 1);
    let message = stderr(&unknown);
    assert!(
        message.contains("named exactly `support`") && message.contains("Support"),
        "{message}"
    );
    let crowd = env.run(&["attribute", "show", "crowd", "region"]).await;
    assert_exit(&crowd, 2);
    assert!(
        stderr(&crowd).contains("are Looker's"),
        "{}",
        stderr(&crowd)
    );
    let hidden = env
        .run(&[
            "attribute",
            "rank",
            "looker",
            "db_password",
            "Engineering",
            "Data Analysts",
            "--dry-run",
        ])
        .await;
    assert_exit(&hidden, 2);
    assert!(
        stderr(&hidden).contains("cannot be reordered"),
        "{}",
        stderr(&hidden)
    );
    let incomplete = env
        .run(&[
            "attribute",
            "rank",
            "looker",
            "workload_region",
            "Support",
            "--dry-run",
        ])
        .await;
    assert_exit(&incomplete, 2);
    assert!(
        stderr(&incomplete).contains("must list every group"),
        "{}",
        stderr(&incomplete)
    );
}

#[tokio::test]
async fn a_hidden_attribute_shows_who_changes_never_a_value() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let secret = "brand-new-secret-value";
    let assignment = format!("Support={secret}");
    let args = [
        "attribute",
        "set-group",
        "looker",
        "db_password",
        assignment.as_str(),
    ];
    let dry = env.run(&[&args[..], &["--dry-run"]].concat()).await;
    assert_exit(&dry, 0);
    let text = stdout(&dry);
    assert!(text.contains("users change (hidden attribute"), "{text}");
    assert!(text.contains("from none → from group Support"), "{text}");
    let written = env
        .run(&[&args[..], &["--yes", "--format", "json"]].concat())
        .await;
    assert_exit(&written, 0);
    let shown = json(&written);
    assert!(!shown["affected"].as_array().unwrap().is_empty());
    assert!(
        shown["affected"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["before"].is_null() && a["after"].is_null())
    );
    let show = env
        .run(&[
            "attribute",
            "show",
            "looker",
            "db_password",
            "--format",
            "json",
        ])
        .await;
    assert_exit(&show, 0);
    let log = env.run(&["log", "--format", "json"]).await;
    let entry = &json(&log)[0];
    assert_eq!(entry["outcome"], "written");
    assert_eq!(entry["verification"][0]["status"], "unverifiable");
    assert_eq!(
        entry["undo"]["kind"], "attribute_edits",
        "a first value is undone by removing it"
    );
    let everything = format!(
        "{text}{}{}{}{}{}{}",
        stdout(&written),
        stderr(&written),
        stdout(&show),
        stdout(&log),
        stdout(&env.run(&["log"]).await),
        env.state_text()
    );
    assert!(!everything.contains(secret), "the new hidden value leaked");
    assert_no_seeded_secret(&everything);
    assert_eq!(
        sim.state
            .looker()
            .group_values_of(15)
            .iter()
            .find(|g| g.group_id == 4)
            .map(|g| g.value.clone()),
        Some(secret.to_owned()),
        "it was written"
    );
}

/// The Looker directory of a simulator (or of a proxy in front of it, at `base`).
fn directory(base: &str) -> AnyDirectory {
    let connection = looker_connection_to(
        &format!("{base}/looker"),
        LOOKER_CLIENT_ID,
        LOOKER_CLIENT_SECRET,
        false,
    );
    AnyDirectory::open(&connection, OpenOptions::default()).unwrap()
}

fn rank(group_ids: &[&str]) -> AttributeEdit {
    AttributeEdit::Change(AttributeChange::Rank {
        group_ids: group_ids.iter().map(|g| (*g).to_owned()).collect(),
    })
}

#[tokio::test]
async fn a_change_between_the_preview_and_the_send_stops_the_write() {
    let sim = start_sim(0).await;
    let (engine, state) = writes::engine(&directory(&sim.base_url()));
    let prepared = engine
        .prepare_attribute("workload_region", vec![rank(&["1", "2", "4"])])
        .await
        .unwrap();
    sim.state
        .looker()
        .set_group_value(4, 17, "asia-east1")
        .unwrap();
    let error = engine
        .execute_attribute(&prepared, &Interrupt::never())
        .await
        .unwrap_err();
    let WriteError::Service(ServiceError::Conflict(why)) = &error else {
        panic!("{error}");
    };
    assert!(
        why.contains("asia-southeast1") && why.contains("asia-east1"),
        "{why}"
    );
    assert_eq!(ranks(&sim)[0].0, 2, "nothing was written");
    assert!(
        roster::journal::Journal::in_dir(state.path())
            .entries()
            .unwrap()
            .is_empty()
    );
}

/// Support's new workload_region, previewed (its members outside Engineering change).
fn support_value() -> AttributeEdit {
    AttributeEdit::Change(AttributeChange::SetGroupValue {
        group_id: "4".to_owned(),
        value: "asia-east1".to_owned(),
    })
}

/// Sends `prepared` and expects a conflict that names `what`, with nothing sent or journaled.
async fn assert_stale(
    sim: &RunningSimulator,
    engine: &roster::write::WriteEngine,
    state: &tempfile::TempDir,
    prepared: &roster::write::attribute::AttributePrepared,
    what: &str,
) {
    let error = engine
        .execute_attribute(prepared, &Interrupt::never())
        .await
        .unwrap_err();
    let WriteError::Service(ServiceError::Conflict(why)) = &error else {
        panic!("{error}");
    };
    assert!(why.contains("blast radius is stale"), "{why}");
    assert!(why.contains(what), "{what:?} not in {why}");
    assert_eq!(ranks(sim)[1].2, "asia-southeast1", "nothing was written");
    assert!(
        roster::journal::Journal::in_dir(state.path())
            .entries()
            .unwrap()
            .is_empty()
    );
}

/// The simulator, an engine journaling to a temporary folder, and Support's new value previewed.
async fn support_value_previewed() -> (
    RunningSimulator,
    roster::write::WriteEngine,
    tempfile::TempDir,
    roster::write::attribute::AttributePrepared,
) {
    let sim = start_sim(0).await;
    let (engine, state) = writes::engine(&directory(&sim.base_url()));
    let prepared = engine
        .prepare_attribute("workload_region", vec![support_value()])
        .await
        .unwrap();
    (sim, engine, state, prepared)
}

#[tokio::test]
async fn a_membership_change_between_the_preview_and_the_send_stops_the_write() {
    let (sim, engine, state, prepared) = support_value_previewed().await;
    assert_eq!(prepared.radius().count(), 6);
    // Someone in neither Engineering nor Support joins Support: Support's value would now reach
    // them too, and the preview did not list them.
    let joined = {
        let mut store = sim.state.looker();
        let user = store
            .users
            .values_mut()
            .find(|u| !u.group_ids.contains(&2) && !u.group_ids.contains(&4))
            .unwrap();
        user.group_ids.push(4);
        user.email.clone().unwrap()
    };
    assert_stale(
        &sim,
        &engine,
        &state,
        &prepared,
        &format!("{joined} joined Support"),
    )
    .await;
    // A user created in Support since the preview is one it did not list either.
    let prepared = engine
        .prepare_attribute("workload_region", vec![support_value()])
        .await
        .unwrap();
    let added = {
        let mut store = sim.state.looker();
        let mut user = store.users.values().next().unwrap().clone();
        user.email = Some("new.support@example.com".to_owned());
        user.group_ids = vec![4];
        store.insert_user(user);
        "new.support@example.com"
    };
    assert_stale(
        &sim,
        &engine,
        &state,
        &prepared,
        &format!("{added} was added"),
    )
    .await;
}

/// Previews Support's new value, changes the first user it affects in the simulator (by id),
/// and expects the send to stop naming what `named` says of that user (by label).
async fn stale_once_the_first_affected_user_changes(
    change: impl FnOnce(&mut roster::simulator::looker::store::LookerStore, u64),
    named: impl FnOnce(&str) -> String,
) {
    let (sim, engine, state, prepared) = support_value_previewed().await;
    let affected = prepared.radius().affected[0].clone();
    change(&mut sim.state.looker(), affected.user_id.parse().unwrap());
    assert_stale(&sim, &engine, &state, &prepared, &named(&affected.user)).await;
}

#[tokio::test]
async fn a_user_deleted_between_the_preview_and_the_send_stops_the_write_by_name() {
    // A user the preview listed is gone: named as such, not a failed read of their value.
    stale_once_the_first_affected_user_changes(
        |store, id| {
            store.users.remove(&id).unwrap();
        },
        |user| format!("{user} is no longer listed"),
    )
    .await;
}

#[tokio::test]
async fn an_own_value_set_between_the_preview_and_the_send_stops_the_write() {
    // One of the users the preview listed gets an own value, which shields them from Support's.
    stale_once_the_first_affected_user_changes(
        |store, id| store.set_user_value(id, 17, "us-west1").unwrap(),
        |user| format!("own value of {user}: none → us-west1"),
    )
    .await;
}

#[tokio::test]
async fn a_lost_answer_to_the_rank_post_is_resolved_by_reading_and_never_sent_twice() {
    let sim = start_sim(0).await;
    let proxy = LossyProxy::start(
        &sim.base_url(),
        Mode::LoseAnswersOf("group_values".to_owned()),
    )
    .await;
    let (engine, _state) = writes::engine(&directory(&proxy.base_url()));
    let prepared = engine
        .prepare_attribute("workload_region", vec![rank(&["1", "2", "4"])])
        .await
        .unwrap();
    let executed = engine
        .execute_attribute(&prepared, &Interrupt::never())
        .await
        .unwrap();
    let entry = executed.items[0].entry.as_ref().unwrap();
    assert_eq!(entry.outcome, Outcome::Written, "{:?}", entry.error);
    assert!(
        executed.items[0]
            .notes
            .iter()
            .any(|n| n.contains("the answer was lost"))
    );
    assert_eq!(
        proxy.applied("POST", "group_values"),
        1,
        "the POST was sent once"
    );
    assert_eq!(ranks(&sim)[0].0, 1);
}

#[tokio::test]
async fn a_refused_write_is_journaled_as_not_applied() {
    let sim = start_sim(0).await;
    let proxy = LossyProxy::start(
        &sim.base_url(),
        Mode::Refuse("attribute_values/17".to_owned(), 422),
    )
    .await;
    let (engine, state) = writes::engine(&directory(&proxy.base_url()));
    let set = AttributeEdit::Change(AttributeChange::SetGroupValue {
        group_id: "4".to_owned(),
        value: "asia-east1".to_owned(),
    });
    let prepared = engine
        .prepare_attribute("workload_region", vec![set.clone()])
        .await
        .unwrap();
    let executed = engine
        .execute_attribute(&prepared, &Interrupt::never())
        .await
        .unwrap();
    assert_eq!(executed.items[0].outcome(), Some(Outcome::NotApplied));
    assert_eq!(ranks(&sim)[1].2, "asia-southeast1");
    let entries = roster::journal::Journal::in_dir(state.path())
        .entries()
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].outcome, Outcome::NotApplied);
    assert!(
        entries[0]
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("422")
    );
}

#[tokio::test]
async fn a_hidden_attribute_is_never_made_visible() {
    let sim = start_sim(0).await;
    let (engine, _state) = writes::engine(&directory(&sim.base_url()));
    let visible = AttributeEdit::Flags(FlagChange {
        value_is_hidden: Some(false),
        ..FlagChange::default()
    });
    let error = engine
        .prepare_attribute("db_password", vec![visible])
        .await
        .unwrap_err();
    assert!(error.to_string().contains("made visible again"), "{error}");
    assert!(sim.state.looker().attribute(15).unwrap().value_is_hidden);
}
