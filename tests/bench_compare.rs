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
use roster::bench::records::{RecordPlan, fetch_records};
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
async fn the_bare_fetch_of_an_audits_records_reads_the_pages_and_every_users_reads() {
    let sim = start_sim(150).await;
    for connection in connections(&sim) {
        let directory = AnyDirectory::open(&connection, OpenOptions::default()).unwrap();
        let mut ids = Vec::new();
        directory
            .list_users(&roster::service::ListQuery::default(), &mut |page| {
                ids.extend(page.users.into_iter().map(|user| user.id));
            })
            .await
            .unwrap();
        let plan = RecordPlan::new(&connection).unwrap();
        let per_user = plan.of(&ids[0]).len();
        assert_eq!(
            per_user,
            match connection.name.as_str() {
                "crowd" => 3,
                "scim" => 1,
                _ => 3,
            },
            "{}",
            connection.name
        );
        // Each per-user request answers 2xx for a listed user (a wrong URL would fail the fetch).
        let pages = fetch_listing(&connection, ids.len(), 1)
            .await
            .unwrap()
            .pages;
        let alone = fetch_records(&connection, &ids, 1).await.unwrap();
        let wide = fetch_records(&connection, &ids, 4).await.unwrap();
        assert_eq!(
            alone.pages,
            pages + plan.once().len() + ids.len() * per_user,
            "{}",
            connection.name
        );
        assert_eq!((wide.pages, wide.window), (alone.pages, 4));
        assert_eq!(wide.bytes, alone.bytes, "{}", connection.name);
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
        // --window caps roster's window and sets the bare fetch's.
        assert!(
            row.contains("of  2, peak RSS") && row.contains("window  2,"),
            "{row}"
        );
        assert!(
            text.lines()
                .any(|line| line.starts_with(&format!("audit {service}"))
                    && line.contains("peak RSS")
                    && line.contains("bare fetch of the same records")
                    && line.contains("audit/bare")),
            "no audit of {service}:\n{text}"
        );
    }
    assert!(!text.contains("failed"), "{text}");
    assert_no_seeded_secret(&text);
    assert_no_seeded_secret(&stderr(&output));
}
