//! The config's newer rules: every problem reported at once, URLs with credentials refused without
//! echoing them, empty secrets refused, secret commands stopped at their deadline, the optional
//! `timeout` and `max_concurrency` keys, and the browser colours in `[theme]`.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use roster::config::Config;
use roster::view::theme::{ThemeColor, ThemeSlot};

fn parse(text: &str) -> Result<Config, String> {
    Config::parse(Path::new("/etc/roster/test.toml"), text).map_err(|e| e.to_string())
}

fn looker(extra: &str) -> String {
    format!(
        "[[connection]]\nname = \"lk\"\nkind = \"looker\"\nurl = \"https://example.looker.com\"\nclient_id = \"abc\"\n{extra}"
    )
}

#[test]
fn every_problem_is_reported_in_line_order() {
    let text = "\
[[connection]]
name = \"a\"
kind = \"looker\"
url = \"https://a.example.com\"
client_id = \"x\"
client_secret = \"s\"
colour = \"blue\"

[[connection]]
name = \"b\"
kind = \"jira\"
url = \"https://b.example.com\"
token = \"t\"

[theme]
error = \"blurple\"
";
    let problems = Config::validate(Path::new("t.toml"), text).unwrap_err();
    let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(problems.len(), 3, "{messages:#?}");
    assert!(
        messages[0].starts_with("t.toml:7: unknown key `colour`"),
        "{messages:#?}"
    );
    assert_eq!(problems[0].connection.as_deref(), Some("a"));
    assert!(
        messages[1].starts_with("t.toml:11: `kind` is `jira`"),
        "{messages:#?}"
    );
    assert_eq!(problems[1].connection.as_deref(), Some("b"));
    assert!(
        messages[2].starts_with("t.toml:16: [theme] `error`"),
        "{messages:#?}"
    );
    assert!(messages[2].contains("blurple"), "{messages:#?}");
    // The one-error form lists them all too.
    let message = parse(text).unwrap_err();
    assert_eq!(message.lines().count(), 3, "{message}");
}

#[test]
fn a_url_with_credentials_is_refused_without_echoing_them() {
    let text = "[[connection]]\nname = \"c\"\nkind = \"crowd\"\nurl = \"https://app:Sup3rS3cret@crowd.example.com/crowd\"\nusername = \"app\"\npassword = { env = \"HOME\" }\n";
    let message = parse(text).unwrap_err();
    assert!(message.contains("test.toml:4"), "{message}");
    assert!(message.contains("`url`"), "{message}");
    assert!(message.contains("secret keys"), "{message}");
    assert!(!message.contains("Sup3rS3cret"), "{message}");
    let user_only = text.replace("app:Sup3rS3cret@", "app@");
    assert!(parse(&user_only).unwrap_err().contains("`url`"));
}

#[test]
fn an_empty_plain_secret_is_refused_with_its_key_and_line() {
    let message = parse(&looker("client_secret = \"\"\n")).unwrap_err();
    assert!(message.contains("test.toml:6"), "{message}");
    assert!(message.contains("`client_secret`"), "{message}");
    assert!(message.contains("`lk`"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_environment_secret_is_refused_before_anything_is_sent() {
    let env = CliEnv::with_config(&looker(
        "client_secret = { env = \"ROSTER_TEST_EMPTY_SECRET\" }\n",
    ));
    let config = env.config.to_str().unwrap();
    let output = env
        .run_plain(
            &["--config", config, "users", "lk"],
            &[("ROSTER_TEST_EMPTY_SECRET", "")],
        )
        .await;
    assert_exit(&output, 2);
    let message = stderr(&output);
    assert!(message.contains("`client_secret`"), "{message}");
    assert!(message.contains("`lk`"), "{message}");
    assert!(message.contains("is empty"), "{message}");
}

#[test]
fn a_hanging_secret_command_is_killed_at_its_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let script = format!("echo $$ > {}; exec sleep 30", pid_file.display());
    let text = looker(&format!(
        "client_secret = {{ command = [\"sh\", \"-c\", \"{script}\"] }}\n"
    ));
    let config = parse(&text).unwrap();
    let started = Instant::now();
    let message = config.connections[0]
        .resolve_within(&config.path, Duration::from_millis(500))
        .unwrap_err()
        .to_string();
    assert!(started.elapsed() < Duration::from_secs(10), "bounded");
    assert!(message.contains("test.toml:6"), "{message}");
    assert!(message.contains("`client_secret`"), "{message}");
    assert!(message.contains("`lk`"), "{message}");
    assert!(message.contains("did not finish within"), "{message}");
    #[cfg(target_os = "linux")]
    {
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        let proc_dir = Path::new("/proc").join(pid.trim());
        assert!(!proc_dir.exists(), "the secret command was killed");
    }
}

#[test]
fn timeout_and_max_concurrency_are_parsed_and_exposed() {
    let config = parse(&looker(
        "client_secret = \"s\"\ntimeout = 90\nmax_concurrency = 6\n",
    ))
    .unwrap();
    let spec = &config.connections[0];
    assert_eq!(spec.timeout, Some(Duration::from_secs(90)));
    assert_eq!(spec.max_concurrency, Some(6));
    let connection = spec.resolve(&config.path).unwrap();
    assert_eq!(connection.timeout, Some(Duration::from_secs(90)));
    assert_eq!(connection.max_concurrency, Some(6));

    let plain = parse(&looker("client_secret = \"s\"\n")).unwrap();
    let connection = plain.connections[0].resolve(&plain.path).unwrap();
    assert_eq!(
        (connection.timeout, connection.max_concurrency),
        (None, None)
    );

    for (extra, key, line) in [
        ("timeout = 0\n", "`timeout`", 7),
        ("timeout = -5\n", "`timeout`", 7),
        ("max_concurrency = 0\n", "`max_concurrency`", 7),
        ("timeout = \"30s\"\n", "", 7),
    ] {
        let message = parse(&looker(&format!("client_secret = \"s\"\n{extra}"))).unwrap_err();
        assert!(message.contains(key), "{message}");
        assert!(message.contains(&format!("test.toml:{line}")), "{message}");
    }
}

#[test]
fn theme_colours_are_read_and_unknown_keys_named() {
    let config = parse(&format!(
        "{}\n[theme]\naccents = [\"red\", \"#00ff00\"]\nerror = \"light-red\"\n",
        looker("client_secret = \"s\"\n")
    ))
    .unwrap();
    assert_eq!(
        config.theme,
        [
            ThemeColor {
                slot: ThemeSlot::Accents,
                colors: vec![
                    ratatui::style::Color::Red,
                    ratatui::style::Color::Rgb(0, 255, 0)
                ],
            },
            ThemeColor {
                slot: ThemeSlot::Error,
                colors: vec![ratatui::style::Color::LightRed],
            },
        ]
    );
    let message = parse("[theme]\nbackground = \"black\"\n").unwrap_err();
    assert!(message.contains("test.toml:2"), "{message}");
    assert!(message.contains("`background`"), "{message}");
    let message = parse("[theme]\ngood = 3.5\n").unwrap_err();
    assert!(message.contains("test.toml:2"), "{message}");
}
