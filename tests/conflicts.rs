//! Concurrent changes: a write whose record changed between the preview and the send is stopped,
//! for every service, and the other writer's value survives (no lost update).
#![allow(clippy::unwrap_used)]

use roster::config::Config;
use roster::domain::Edit;
use roster::service::{AnyDirectory, OpenOptions, ServiceError};
use roster::write::{Interrupt, WriteError};

mod writes;
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
    let (engine, _state) = writes::engine(&mine);
    let previewed = engine
        .prepare_for(record.clone(), vec![edit.clone()])
        .await
        .unwrap();

    // Someone else writes the same attribute after my preview.
    let their_record = theirs.find_user(user).await.unwrap();
    writes::written(&theirs, Some(&their_record), set(attribute, "theirs")).await;

    let error = engine
        .execute(&previewed, &Interrupt::never())
        .await
        .unwrap_err();
    match &error {
        WriteError::Service(ServiceError::Conflict(message)) => {
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
    assert!(
        engine.journal().entries().unwrap().is_empty(),
        "nothing was sent, so nothing is journaled"
    );

    // Without a change meanwhile, the same path writes.
    let fresh = mine.read_user(&record.id).await.unwrap();
    let prepared = engine.prepare_for(fresh, vec![edit]).await.unwrap();
    let done = engine
        .execute(&prepared, &Interrupt::never())
        .await
        .unwrap();
    assert!(done.all_written());
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
