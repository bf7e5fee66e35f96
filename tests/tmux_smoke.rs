//! A smoke run of the real binary in a real terminal (tmux): `roster demo` opens on three
//! connections, a Looker user's precedence chain shows, and `q` leaves the terminal as it was.
//! Skips loudly when tmux is not installed (CI installs it).
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap()
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "smoke"]).stdout)
            .into_owned()
    }

    fn wait_for(&self, what: &str, condition: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if condition(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen was:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "smoke"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

#[test]
fn demo_browses_a_precedence_chain_and_quits_cleanly() {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!(
            "\n*** SKIPPED: tmux is not installed (apt-get install tmux); the smoke run did not happen ***\n"
        );
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let tmux = Tmux {
        socket: format!("roster-smoke-{}", std::process::id()),
    };
    let command = format!(
        "ROSTER_STATE_DIR={} {} demo",
        state.path().display(),
        env!("CARGO_BIN_EXE_roster")
    );
    let started = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "smoke",
        "-x",
        "120",
        "-y",
        "35",
        &command,
    ]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    tmux.run(&["set-option", "-t", "smoke", "remain-on-exit", "on"]);

    tmux.wait_for("three ready connections", |s| {
        ["crowd (crowd)", "scim (scim)", "looker (looker)"]
            .iter()
            .all(|c| s.contains(c))
            && s.matches("ready").count() == 3
    });
    tmux.keys(&["j", "j", "Enter"]);
    tmux.wait_for("Looker's users", |s| {
        s.contains("Users of looker") && s.contains("priya.raman")
    });
    tmux.keys(&["Enter"]);
    let detail = tmux.wait_for("a precedence chain", |s| {
        s.contains("✓ Group: Support (rank 3): yes  (wins)") && s.contains("Default: no")
    });
    assert!(!detail.contains("s3cret"), "no hidden value is drawn");

    tmux.keys(&["q"]);
    let after = tmux.wait_for("roster to exit", |s| {
        s.contains("Pane is dead") || s.trim().is_empty() || !s.contains("Connections")
    });
    assert!(
        !after.contains("Connections"),
        "the alternate screen was left on quit:\n{after}"
    );
    let status = tmux.run(&[
        "display-message",
        "-p",
        "-t",
        "smoke",
        "#{pane_dead_status}",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&status.stdout).trim(),
        "0",
        "roster exited with status 0"
    );
}
