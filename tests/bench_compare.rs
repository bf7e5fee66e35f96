//! `roster bench`: the bare fetch it compares roster with reads the pages of a listing over
//! loopback HTTP against the simulator, with each service's credentials, the same pages whatever
//! its window; and the whole command, run as a user runs it, prints a comparison row per
//! service and an audit line per connection without leaking a secret. No timing is asserted.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use roster::bench::bare::fetch_listing;
use roster::bench::listing::measure_listing;
use roster::config::{Config, Connection, Credentials};
use roster::secret::Secret;
use roster::service::{AnyDirectory, OpenOptions};

const GENERATED: usize = 2_300;

fn connections(sim: &roster::simulator::RunningSimulator) -> Vec<Connection> {
    let config = Config::parse(Path::new("bench.toml"), &sim.config_toml()).unwrap();
    config
        .connections
        .iter()
        .map(|spec| spec.resolve(&config.path).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bare_fetch_reads_every_page_of_a_listing_whatever_its_window() {
    let sim = start_sim(GENERATED).await;
    for connection in connections(&sim) {
        let directory = AnyDirectory::open(&connection, OpenOptions::default()).unwrap();
        let listed = measure_listing(&directory).await.unwrap();
        assert!(listed.users > GENERATED, "{}: {listed:?}", connection.name);
        let (size, closing) = match connection.name.as_str() {
            "looker" => (roster::service::looker::client::PAGE_SIZE, 0),
            "scim" => (roster::service::scim::client::PAGE_SIZE, 0),
            _ => (
                roster::service::crowd::client::PAGE_SIZE,
                usize::from(
                    listed
                        .users
                        .is_multiple_of(roster::service::crowd::client::PAGE_SIZE),
                ),
            ),
        };
        let one_at_a_time = fetch_listing(&connection, listed.users, 1).await.unwrap();
        let three_at_a_time = fetch_listing(&connection, listed.users, 3).await.unwrap();
        assert_eq!(
            one_at_a_time.pages,
            listed.users.div_ceil(size) + closing,
            "{}",
            connection.name
        );
        assert_eq!(three_at_a_time.pages, one_at_a_time.pages);
        assert_eq!(
            three_at_a_time.bytes, one_at_a_time.bytes,
            "{}: the same pages at any window",
            connection.name
        );
        // Every user's record is in the bodies: at least its name or address.
        assert!(
            one_at_a_time.bytes > 20 * listed.users as u64,
            "{}: {one_at_a_time:?}",
            connection.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bare_fetch_fails_on_credentials_the_service_refuses() {
    let sim = start_sim(0).await;
    for mut connection in connections(&sim) {
        connection.credentials = match connection.credentials {
            Credentials::Basic { username, .. } => Credentials::Basic {
                username,
                password: Secret::new("wrong"),
            },
            Credentials::Bearer { .. } => Credentials::Bearer {
                token: Secret::new("wrong"),
            },
            Credentials::ClientCredentials { client_id, .. } => Credentials::ClientCredentials {
                client_id,
                client_secret: Secret::new("wrong"),
            },
        };
        let refused = fetch_listing(&connection, 10, 2).await.unwrap_err();
        assert!(
            refused.contains("answered 4"),
            "{}: {refused}",
            connection.name
        );
        assert!(!refused.contains("wrong"), "{refused}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roster_bench_prints_a_comparison_row_per_service_and_an_audit_per_connection() {
    let env = CliEnv::with_config("");
    let output = env
        .run_within(
            Duration::from_secs(240),
            &["bench", "--users", "300", "--latency", "0", "--window", "2"],
        )
        .await;
    assert_exit(&output, 0);
    let text = stdout(&output);
    assert!(
        text.contains("300 generated users per service") && text.contains("bare fetch window 2"),
        "{text}"
    );
    assert!(
        text.contains("latency 0 ms: simulator listening") && !text.contains("(but:"),
        "{text}"
    );
    for service in ["crowd", "scim", "looker"] {
        let row = text
            .lines()
            .find(|line| line.starts_with(service) && line.contains("roster/bare"))
            .unwrap_or_else(|| panic!("no row for {service}:\n{text}"));
        assert!(
            row.contains("roster: first page") && row.contains("bare: first page"),
            "{row}"
        );
        assert!(
            text.lines()
                .any(|line| line.starts_with(&format!("audit {service}"))
                    && line.contains("peak RSS")),
            "no audit of {service}:\n{text}"
        );
    }
    assert!(!text.contains("failed"), "{text}");
    assert_no_seeded_secret(&text);
    assert_no_seeded_secret(&stderr(&output));
}
