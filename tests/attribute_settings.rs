//! `roster attribute set`: a Looker attribute's settings (`user_can_view`, `user_can_edit`,
//! `value_is_hidden`, `hidden_value_domain_whitelist`) end to end against the simulator over
//! loopback — previewed with the exact PATCH and its (empty) blast radius, written through the
//! write engine, read back and journaled, undone — and what Looker does not allow refused before
//! anything is sent, with the reason: a hidden attribute made visible, an allow-list changed or
//! removed once set.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use roster::simulator::RunningSimulator;

#[tokio::test]
async fn settings_are_set_verified_and_undone_and_a_hidden_attribute_stays_hidden() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let can_edit = |sim: &RunningSimulator| sim.state.looker().attribute(17).unwrap().user_can_edit;
    assert!(!can_edit(&sim));
    let set = [
        "attribute",
        "set",
        "looker",
        "workload_region",
        "user_can_edit=true",
    ];
    let dry = env.run(&[&set[..], &["--dry-run"]].concat()).await;
    assert_exit(&dry, 0);
    let text = stdout(&dry);
    for line in [
        "user_can_edit: false → true",
        "PATCH ",
        "/user_attributes/17",
        "Blast radius: 0 users change",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    assert!(!can_edit(&sim), "nothing was sent");

    let written = env.run(&[&set[..], &["--yes"]].concat()).await;
    assert_exit(&written, 0);
    assert!(can_edit(&sim));
    let log = json(&env.run(&["log", "--format", "json"]).await);
    let entry = &log[0];
    assert_eq!(entry["action"], "attribute flags");
    assert_eq!(entry["outcome"], "written");
    assert_eq!(entry["verification"][0]["status"], "stuck");
    let undo = env.run(&["undo", "--yes"]).await;
    assert_exit(&undo, 0);
    assert!(!can_edit(&sim), "undo put the setting back");

    // Refused before anything is sent, each with its reason: a hidden attribute made visible,
    // an allow-list changed once set, a key that is not a setting, a flag that is not a boolean.
    for (args, reason) in [
        (
            ["db_password", "value_is_hidden=false"],
            "made visible again",
        ),
        (
            [
                "db_password",
                "hidden_value_domain_whitelist=https://*.example.net/*",
            ],
            "cannot be changed once it is set",
        ),
        (
            ["workload_region", "label=Region"],
            "user_can_view, user_can_edit",
        ),
        (["workload_region", "user_can_view=maybe"], "true or false"),
    ] {
        let output = env
            .run(&[&["attribute", "set", "looker"][..], &args, &["--yes"]].concat())
            .await;
        assert_exit(&output, 2);
        assert!(
            stderr(&output).contains(reason),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let hidden = sim.state.looker().attribute(15).unwrap().clone();
    assert!(hidden.value_is_hidden);
    assert_eq!(
        hidden.hidden_value_domain_whitelist.as_deref(),
        Some("https://*.example.com/*,https://reports.example.org/*")
    );
    assert_eq!(
        json(&env.run(&["log", "--format", "json"]).await)
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // A first allow-list is written and read back; Looker keeps it, so its undo is refused.
    let allowlist = env
        .run(&[
            "attribute",
            "set",
            "looker",
            "workload_region",
            "hidden_value_domain_whitelist=https://*.example.com/*",
            "--yes",
        ])
        .await;
    assert_exit(&allowlist, 0);
    assert!(
        stdout(&allowlist).contains("Looker keeps the first allow-list set"),
        "{}",
        stdout(&allowlist)
    );
    assert_eq!(
        sim.state
            .looker()
            .attribute(17)
            .unwrap()
            .hidden_value_domain_whitelist
            .as_deref(),
        Some("https://*.example.com/*")
    );
    let log = json(&env.run(&["log", "--format", "json"]).await);
    assert_eq!(log[2]["verification"][0]["status"], "stuck");
    let undo = env.run(&["undo", "3", "--yes"]).await;
    assert_exit(&undo, 1);
    assert!(
        stderr(&undo).contains("cannot be removed once it is set"),
        "{}",
        stderr(&undo)
    );
}
