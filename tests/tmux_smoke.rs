//! Smoke runs of the real binary in a real terminal (tmux): `roster demo` opens on three
//! connections, a Looker user's precedence chain shows, the users filter (fzf syntax), sort and
//! jumps work, and `q` leaves the terminal as it was; SIGTERM and SIGHUP restore the terminal
//! (alternate screen off, cursor shown) and exit with 128 + the signal. Skips loudly when tmux is
//! not installed (CI installs it).
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

fn tmux_missing() -> bool {
    if Command::new("tmux").arg("-V").output().is_err() {
        eprintln!(
            "\n*** SKIPPED: tmux is not installed (apt-get install tmux); the smoke run did not happen ***\n"
        );
        return true;
    }
    false
}

/// Starts `roster demo` in a detached tmux session of 120×35 on its own server; returns the
/// session and the file its exit status will be written to. `linger` keeps the pane's shell
/// alive for a while after roster ends, so the terminal's state can be read from a live pane
/// (tmux 3.3a was seen to report a dead pane's cursor as hidden whatever was written last).
fn start_demo(name: &str, state: &Path, linger: bool) -> (Tmux, std::path::PathBuf) {
    let tmux = Tmux {
        socket: format!("roster-{name}-{}", std::process::id()),
    };
    let status_file = state.join("exit-status");
    let command = format!(
        "ROSTER_STATE_DIR='{}' '{}' demo; echo $? > '{}'{}",
        state.display(),
        env!("CARGO_BIN_EXE_roster"),
        status_file.display(),
        if linger { "; sleep 5" } else { "" }
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
    (tmux, status_file)
}

#[test]
fn demo_browses_a_precedence_chain_and_quits_cleanly() {
    if tmux_missing() {
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let (tmux, status_file) = start_demo("smoke", state.path(), false);
    tmux.keys(&["j", "j", "Enter"]);
    tmux.wait_for("Looker's users", |s| {
        s.contains("Users of looker") && s.contains("priya.raman")
    });
    tmux.keys(&["Enter"]);
    let detail = tmux.wait_for("a precedence chain", |s| {
        s.contains("✓ group Support (rank 3): yes  (wins)") && s.contains("default: no")
    });
    assert!(!detail.contains("s3cret"), "no hidden value is drawn");

    // Back to the table: filter with fzf syntax, sort, jump to the last row and the first.
    tmux.keys(&["Escape"]);
    // Only then the next key, or Escape and `/` would read as Alt-/.
    tmux.wait_for("the users table focused", |s| s.contains(" · s sort · "));
    tmux.keys(&["/", ".", "o", "r", "g", "$"]);
    tmux.wait_for("three .org users", |s| {
        s.contains("/.org$") && s.contains(" 3 match")
    });
    tmux.keys(&["Enter", "s"]);
    tmux.wait_for("the username sort", |s| s.contains("username ▲"));
    tmux.keys(&["G"]);
    tmux.wait_for("the last row's detail", |s| {
        s.contains("Detail · viktor.novak@example.org")
    });
    tmux.keys(&["g"]);
    tmux.wait_for("the first row's detail", |s| {
        s.contains("Detail · dev.malhotra@example.org")
    });

    // The journal view of a fresh demo, and back.
    tmux.keys(&["L"]);
    tmux.wait_for("the journal view", |s| {
        s.contains("Journal") && s.contains("no write is journaled yet")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the users table again", |s| s.contains(" · s sort · "));

    tmux.keys(&["q"]);
    let status = tmux.exit_status(&status_file);
    assert_eq!(status, "0", "roster exited with status {status}");
    let after = tmux.screen();
    assert!(
        !after.contains("Connections"),
        "the alternate screen was left on quit:\n{after}"
    );
}

/// Sends a signal to roster (the child of the pane's shell) and checks the terminal after.
fn signal_restores_the_terminal(signal: &str, number: i32) {
    if tmux_missing() {
        return;
    }
    let state = tempfile::tempdir().unwrap();
    let (tmux, status_file) = start_demo(&signal.to_lowercase(), state.path(), true);
    assert_eq!(tmux.pane("#{alternate_on}"), "1", "the browser is on");
    let shell = tmux.pane("#{pane_pid}");
    let children =
        std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap_or_default();
    let roster = children.split_whitespace().next().expect("roster runs");
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), roster])
        .status()
        .unwrap();
    assert!(sent.success());
    // The shell writes the status once roster has ended; the pane lingers, still alive.
    let deadline = Instant::now() + DEADLINE;
    while !status_file.exists() {
        assert!(
            Instant::now() < deadline,
            "roster did not end on SIG{signal}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let flags = tmux.pane("#{alternate_on} #{cursor_flag} #{mouse_any_flag}");
    assert_eq!(
        flags, "0 1 0",
        "alternate screen, cursor shown, mouse reporting after SIG{signal}"
    );
    let status = tmux.exit_status(&status_file);
    assert_eq!(
        status,
        (128 + number).to_string(),
        "exit status after SIG{signal}"
    );
}

#[test]
fn sigterm_restores_the_terminal() {
    signal_restores_the_terminal("TERM", 15);
}

#[test]
fn sighup_restores_the_terminal() {
    signal_restores_the_terminal("HUP", 1);
}
