//! The audit's peak memory at 100,000 users (issue 12): the simulator runs as a child process
//! (`roster sim --users N`), so this process holds only the browser; the browser's own state,
//! update function and effect runner list the connection, then audit it, exactly as the loop
//! does (without drawing). The peak resident set (`VmHWM`) is reset after the listing, so the
//! figure is the audit's peak with the listing held. Linux only; measures and prints, asserts
//! nothing.
//!
//! `cargo bench --bench audit_memory` (ROSTER_AUDIT_USERS and ROSTER_AUDIT_CONNECTIONS change
//! the size and the connections, default 100000 and `crowd`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use roster::app::msg::Msg;
use roster::app::state::{ConnStatus, Screen, State};
use roster::app::update::{start, update};
use roster::app::{App, Session};
use roster::config::Config;
use roster::service::{AnyDirectory, OpenOptions};
use roster::tui::runner::Runner;

fn main() {
    let users = std::env::var("ROSTER_AUDIT_USERS").unwrap_or_else(|_| "100000".to_owned());
    let names = std::env::var("ROSTER_AUDIT_CONNECTIONS").unwrap_or_else(|_| "crowd".to_owned());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config_path = dir.path().join("sim.toml");
    let mut sim = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["sim", "--users", &users, "--port", "0", "--config-out"])
        .arg(&config_path)
        .stderr(Stdio::null())
        .spawn()
        .expect("the simulator starts");
    let started = Instant::now();
    while !config_path.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "the simulator did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    for name in names.split(',') {
        runtime.block_on(measure(&config_path, name.trim(), &users));
    }
    let _ = sim.kill();
    let _ = sim.wait();
}

async fn measure(config_path: &Path, name: &str, users: &str) {
    let text = std::fs::read_to_string(config_path).expect("the simulator's config");
    let config = Config::parse(config_path, &text).expect("a config");
    let connection = config
        .connection(name)
        .and_then(|spec| spec.resolve(config_path))
        .expect("the connection");
    let session = Session {
        name: connection.name.clone(),
        kind: connection.kind,
        read_only: true,
        server: None,
        directory: AnyDirectory::open(&connection, OpenOptions::default())
            .map_err(|e| e.to_string()),
    };
    let App {
        mut state,
        directories,
        ..
    } = App::new(vec![session], &toml::Table::new()).expect("the browser");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut runner = Runner::new(directories, tx);
    let listed = Instant::now();
    for effect in start(&mut state) {
        runner.run(effect);
    }
    drive(&mut state, &mut runner, &mut rx, |s| {
        s.connections[0].status == ConnStatus::Ready
    })
    .await;
    let listing = listed.elapsed();
    let before = status("VmRSS");
    // Reset the peak so that it measures the audit (with the listing held).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let audited = Instant::now();
    let key = Event::Key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE));
    for effect in update(&mut state, Msg::Input(key)) {
        runner.run(effect);
    }
    drive(
        &mut state,
        &mut runner,
        &mut rx,
        |s| matches!(&s.screen, Screen::Audit(a) if !a.is_running()),
    )
    .await;
    let Screen::Audit(audit) = &state.screen else {
        unreachable!("the audit screen is open");
    };
    println!(
        "audit of {name} ({users} users): listed {} users in {:.1} s, RSS {before}; audited {} users ({} failed) in {:.1} s: {} findings; peak RSS during the audit {}",
        state.connections[0].users.len(),
        listing.as_secs_f64(),
        audit.done,
        audit.failed,
        audited.elapsed().as_secs_f64(),
        audit.finding_count(),
        status("VmHWM"),
    );
}

/// Applies messages and runs their effects until `done` holds.
async fn drive(
    state: &mut State,
    runner: &mut Runner,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Msg>,
    done: impl Fn(&State) -> bool,
) {
    while !done(state) {
        let Some(msg) = rx.recv().await else {
            panic!("the runner stopped");
        };
        for effect in update(state, msg) {
            runner.run(effect);
        }
    }
}

/// A line of /proc/self/status (`VmRSS`, `VmHWM`).
fn status(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with(field))
                .map(|l| l[field.len() + 1..].trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}
