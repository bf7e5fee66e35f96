//! A smoke run of the real binary in a real terminal (tmux): `roster demo` opens on three
//! connections, a Looker user's precedence chain shows, and `q` leaves the terminal as it was.
//! Skips loudly when tmux is not installed (CI installs it).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// How long any one step may take: generous, because CI runs on a loaded 2-core machine.
const DEADLINE: Duration = Duration::from_secs(60);

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
        let deadline = Instant::now() + DEADLINE;
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

    /// A tmux format variable of the pane (`#{pane_dead}`, `#{pane_dead_status}`).
    fn pane(&self, variable: &str) -> String {
        let output = self.run(&["display-message", "-p", "-t", "smoke", variable]);
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    /// Waits until the pane is dead, then returns roster's exit status as the shell that ran it
    /// wrote it to `status_file`.
    ///
    /// Leaving the alternate screen happens before the exit, so the screen cannot tell that roster
    /// has ended. tmux's own `#{pane_dead_status}` cannot be trusted either: tmux 3.3a marks a pane
    /// dead when its terminal closes, and was seen (3 runs in 60) never to reap the process, which
    /// stayed a zombie with no status. The shell that starts roster waits for it and writes the
    /// status before it exits itself, so once the pane is dead the file is complete.
    fn exit_status(&self, status_file: &Path) -> String {
        let deadline = Instant::now() + DEADLINE;
        while self.pane("#{pane_dead}") != "1" {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for roster to exit; the screen was:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        std::fs::read_to_string(status_file)
            .map(|s| s.trim().to_owned())
            .unwrap_or_else(|e| format!("(no status written: {e})"))
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
    let status_file = state.path().join("exit-status");
    let command = format!(
        "ROSTER_STATE_DIR='{}' '{}' demo; echo $? > '{}'",
        state.path().display(),
        env!("CARGO_BIN_EXE_roster"),
        status_file.display()
    );
    // remain-on-exit is set in the same tmux command that starts roster, so the pane outlives the
    // process whatever happens first.
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
        ";",
        "set-option",
        "-t",
        "smoke",
        "remain-on-exit",
        "on",
    ]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );

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
    let status = tmux.exit_status(&status_file);
    assert_eq!(status, "0", "roster exited with status {status}");
    let after = tmux.screen();
    assert!(
        !after.contains("Connections"),
        "the alternate screen was left on quit:\n{after}"
    );
}
