//! The whole command line against a simulator that injects faults: listings, show and every write
//! kind give the same results as without faults, and each write lands exactly once.
#![allow(clippy::unwrap_used)]

mod common;

use common::{CliEnv, stderr, stdout};
use roster::simulator::faults::FaultSpec;
use roster::simulator::{self, RunningSimulator, SimOptions};

const FAULTS: &str = "429=0.15,500=0.1,drop=0.05,malformed=0.05,seed=42";

async fn sim(faults: Option<&str>) -> RunningSimulator {
    simulator::start(&SimOptions {
        users: 2000,
        port: 0,
        faults: faults.map(|f| f.parse::<FaultSpec>().unwrap()),
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn listings_and_records_under_faults_match_the_fault_free_ones() {
    let (clean, faulty) = (sim(None).await, sim(Some(FAULTS)).await);
    let (clean_env, faulty_env) = (CliEnv::for_sim(&clean), CliEnv::for_sim(&faulty));
    for args in [
        &["users", "looker", "--format", "json"][..],
        &["users", "looker", "--filter", "an", "--format", "csv"][..],
        &["show", "looker", "1", "--format", "json"][..],
        &["show", "looker", "priya.raman@example.com"][..],
    ] {
        let expected = clean_env.run(args).await;
        let got = faulty_env.run(args).await;
        assert!(expected.status.success(), "{}", stderr(&expected));
        assert!(
            got.status.success(),
            "{args:?} failed under faults: {}",
            stderr(&got)
        );
        assert_eq!(
            stdout(&got),
            stdout(&expected),
            "{args:?} differs under faults"
        );
    }
    let listing: Vec<serde_json::Value> = serde_json::from_str(&stdout(
        &faulty_env
            .run(&["users", "looker", "--format", "json"])
            .await,
    ))
    .unwrap();
    assert_eq!(listing.len(), 2000 + common::DEMO_LOOKER_USERS);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_write_kind_lands_exactly_once_under_faults() {
    let faulty = sim(Some(FAULTS)).await;
    let env = CliEnv::for_sim(&faulty);
    for id in 1..=5 {
        let value = format!("squad-{id}");
        let assignment = format!("team={value}");
        let output = env
            .run(&["set", "looker", &id.to_string(), &assignment, "--yes"])
            .await;
        assert!(output.status.success(), "set {id}: {}", stderr(&output));
        let store = faulty.state.looker();
        let team = store
            .attributes
            .values()
            .find(|a| a.name == "team")
            .unwrap()
            .id;
        assert_eq!(store.user_values.get(&(id, team)), Some(&value));
    }
    let output = env.run(&["unset", "looker", "3", "team", "--yes"]).await;
    assert!(output.status.success(), "unset: {}", stderr(&output));
    let output = env
        .run(&["update", "looker", "2", "first_name=Tomek", "--yes"])
        .await;
    assert!(output.status.success(), "update: {}", stderr(&output));
    assert_eq!(
        faulty.state.looker().users[&2].first_name.as_deref(),
        Some("Tomek")
    );

    let file = env.dir.path().join("new.json");
    std::fs::write(
        &file,
        r#"{"first_name":"Nia","last_name":"Once","email":"nia.once@example.com"}"#,
    )
    .unwrap();
    let output = env
        .run(&[
            "create",
            "looker",
            "--file",
            file.to_str().unwrap(),
            "--yes",
        ])
        .await;
    let created = faulty
        .state
        .looker()
        .users
        .values()
        .filter(|u| u.email.as_deref() == Some("nia.once@example.com"))
        .count();
    // A create either lands once, or (when a fault refused it before it was applied) not at all
    // and roster says so; it is never sent twice.
    if output.status.success() {
        assert_eq!(created, 1);
    } else {
        assert_eq!(created, 0, "{}", stderr(&output));
    }

    let journal: Vec<serde_json::Value> =
        serde_json::from_str(&stdout(&env.run(&["log", "--format", "json"]).await)).unwrap();
    let written = journal.iter().filter(|e| e["outcome"] == "written").count();
    assert!(
        written >= 7,
        "every successful write is journaled once: {journal:?}"
    );
    let sets = journal.iter().filter(|e| e["action"] == "set").count();
    assert_eq!(sets, 5);
}
