//! Concurrent changes: a write whose record changed between the preview and the send is stopped,
//! for every service, and the other writer's value survives (no lost update).
#![allow(clippy::unwrap_used)]

use roster::config::Config;
use roster::domain::Edit;
use roster::journal::send_confirmed;
use roster::service::{AnyDirectory, OpenOptions, ServiceError};
use roster::simulator::{self, RunningSimulator, SimOptions};

async fn open(sim: &RunningSimulator, name: &str) -> AnyDirectory {
    let config = Config::parse(std::path::Path::new("sim.toml"), &sim.config_toml()).unwrap();
    let connection = config
        .connection(name)
        .unwrap()
        .resolve(&config.path)
        .unwrap();
    AnyDirectory::open(&connection, OpenOptions::default()).unwrap()
}

fn set(name: &str, value: &str) -> Edit {
    Edit::SetAttribute {
        name: name.to_owned(),
        values: vec![value.to_owned()],
    }
}

async fn a_change_made_meanwhile_stops_the_write(conn: &str, user: &str, attribute: &str) {
    let sim = simulator::start(&SimOptions::default()).await.unwrap();
    let (mine, theirs) = (open(&sim, conn).await, open(&sim, conn).await);
    let record = mine.find_user(user).await.unwrap();
    let edit = set(attribute, "mine");
    let previewed = mine.plan(Some(&record), &edit).await.unwrap();

    // Someone else writes the same attribute after my preview.
    let their_record = theirs.find_user(user).await.unwrap();
    let their_plan = theirs
        .plan(Some(&their_record), &set(attribute, "theirs"))
        .await
        .unwrap();
    theirs.apply(&their_plan).await.unwrap();

    let error = send_confirmed(&mine, None, conn, Some(&record.id), &edit, &previewed)
        .await
        .unwrap_err();
    match &error {
        ServiceError::Conflict(message) => {
            assert!(message.contains("changed since it was read"), "{message}");
            assert!(
                message.contains("theirs"),
                "the message shows the value now: {message}"
            );
        }
        other => panic!("expected a conflict on {conn}, got {other:?}"),
    }
    let now = mine.read_user(&record.id).await.unwrap();
    assert_eq!(
        now.attribute(attribute).unwrap().values,
        ["theirs"],
        "their write survives on {conn}"
    );

    // Without a change meanwhile, the same path writes.
    let fresh = mine.read_user(&record.id).await.unwrap();
    let plan = mine.plan(Some(&fresh), &edit).await.unwrap();
    send_confirmed(&mine, None, conn, Some(&record.id), &edit, &plan)
        .await
        .unwrap();
    assert_eq!(
        mine.read_user(&record.id)
            .await
            .unwrap()
            .attribute(attribute)
            .unwrap()
            .values,
        ["mine"]
    );
}

#[tokio::test]
async fn looker_stops_on_a_concurrent_change() {
    a_change_made_meanwhile_stops_the_write("looker", "priya.raman@example.com", "team").await;
}

#[tokio::test]
async fn crowd_stops_on_a_concurrent_change() {
    a_change_made_meanwhile_stops_the_write("crowd", "praman", "department").await;
}

#[tokio::test]
async fn scim_stops_on_a_concurrent_change() {
    a_change_made_meanwhile_stops_the_write("scim", "priya.raman@example.com", "title").await;
}
