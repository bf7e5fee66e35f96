//! Config errors as people meet them: unknown keys, wrong kinds, missing or misplaced secrets, bad
//! URLs, duplicate names and readable plain secrets, each named with its file and line; and the
//! secret sources (`env`, `command`) and `$ROSTER_CONFIG`.
//!
//! The environment is process-global and `unsafe_code` is forbidden, so nothing here sets a
//! variable in this process: `env` sources read variables that exist already or surely do not,
//! and `$ROSTER_CONFIG` is checked through the binary, which gets its own environment.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::*;
use roster::config::{Config, Credentials};

fn parse(text: &str) -> Result<Config, String> {
    Config::parse(Path::new("/etc/roster/test.toml"), text).map_err(|e| e.to_string())
}

fn parse_err(text: &str) -> String {
    match parse(text) {
        Ok(config) => panic!("expected an error, got {config:?}"),
        Err(message) => message,
    }
}

fn looker(extra: &str) -> String {
    format!(
        "[[connection]]\nname = \"lk\"\nkind = \"looker\"\nurl = \"https://example.looker.com\"\nclient_id = \"abc\"\n{extra}"
    )
}

fn secret_of(config: &Config, name: &str) -> Result<String, String> {
    let connection = config
        .connection(name)
        .map_err(|e| e.to_string())?
        .resolve(&config.path)
        .map_err(|e| e.to_string())?;
    match connection.credentials {
        Credentials::ClientCredentials { client_secret, .. } => {
            Ok(client_secret.expose().to_owned())
        }
        Credentials::Basic { password, .. } => Ok(password.expose().to_owned()),
        Credentials::Bearer { token } => Ok(token.expose().to_owned()),
    }
}

#[test]
fn a_valid_file_of_three_kinds_parses() {
    let text = "\
[[connection]]
name = \"corp-crowd\"
kind = \"crowd\"
url = \"https://crowd.example.com/crowd\"
username = \"roster-app\"
password = { env = \"HOME\" }

[[connection]]
name = \"atlassian\"
kind = \"scim\"
url = \"https://api.atlassian.com/scim/directory/00000000-0000-0000-0000-000000000000\"
token = { command = [\"printf\", \"tok\"] }

[[connection]]
name = \"looker\"
kind = \"looker\"
url = \"https://example.looker.com/\"
client_id = \"abc\"
client_secret = \"plain\"
read_only = true
";
    let config = parse(text).unwrap();
    let names: Vec<&str> = config.connections.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["corp-crowd", "atlassian", "looker"]);
    assert!(config.connections[2].read_only);
    assert_eq!(secret_of(&config, "atlassian").unwrap(), "tok");
    assert_eq!(secret_of(&config, "looker").unwrap(), "plain");
    assert_eq!(
        secret_of(&config, "corp-crowd").unwrap(),
        std::env::var("HOME").unwrap()
    );
}

#[test]
fn an_unknown_key_is_named_with_its_line() {
    let message = parse_err(&looker("colour = \"blue\"\n"));
    assert!(message.contains("colour"), "{message}");
    assert!(message.contains("test.toml:6"), "{message}");
    let message = parse_err("[[connections]]\nname = \"x\"\n");
    assert!(message.contains("connections"), "{message}");
    assert!(message.contains("test.toml:1"), "{message}");
}

#[test]
fn a_wrong_kind_is_named() {
    let message = parse_err(
        "[[connection]]\nname = \"j\"\nkind = \"jira\"\nurl = \"https://x.example.com\"\ntoken = \"t\"\n",
    );
    assert!(message.contains("`kind` is `jira`"), "{message}");
    assert!(message.contains("crowd, scim or looker"), "{message}");
    assert!(message.contains("test.toml:3"), "{message}");
    // A value of the wrong TOML type.
    let message = parse_err(&looker("client_secret = \"s\"\nread_only = \"yes\"\n"));
    assert!(message.contains("test.toml:7"), "{message}");
}

#[test]
fn a_missing_or_misplaced_secret_is_named() {
    let message = parse_err(&looker(""));
    assert!(message.contains("`client_secret`"), "{message}");
    assert!(message.contains("`lk`"), "{message}");
    let message = parse_err(&looker("client_secret = \"s\"\ntoken = \"t\"\n"));
    assert!(message.contains("`token` does not apply"), "{message}");
    let message = parse_err(
        "[[connection]]\nname = \"c\"\nkind = \"crowd\"\nurl = \"https://c.example.com\"\npassword = \"p\"\n",
    );
    assert!(message.contains("`username`"), "{message}");
    let message = parse_err(
        "[[connection]]\nname = \"l\"\nkind = \"looker\"\nurl = \"https://l.example.com\"\nclient_secret = \"p\"\n",
    );
    assert!(message.contains("`client_id`"), "{message}");
}

#[test]
fn a_bad_url_is_named_with_its_line() {
    let text = "[[connection]]\nname = \"lk\"\nkind = \"looker\"\nurl = \"not a url\"\nclient_id = \"a\"\nclient_secret = \"s\"\n";
    let message = parse_err(text);
    assert!(message.contains("`url`"), "{message}");
    assert!(message.contains("test.toml:4"), "{message}");
    let message = parse_err(&text.replace("not a url", "ftp://example.com"));
    assert!(message.contains("https://"), "{message}");
}

#[test]
fn a_secret_table_takes_exactly_env_or_command() {
    let message = parse_err(&looker("client_secret = { file = \"/tmp/s\" }\n"));
    assert!(message.contains("file"), "{message}");
    assert!(message.contains("test.toml:6"), "{message}");
    let message = parse_err(&looker(
        "client_secret = { env = \"A\", command = [\"b\"] }\n",
    ));
    assert!(message.contains("command"), "{message}");
    let message = parse_err(&looker("client_secret = { command = [] }\n"));
    assert!(message.contains("must name a program"), "{message}");
}

#[test]
fn duplicate_names_are_refused() {
    let one = looker("client_secret = \"s\"\n");
    let message = parse_err(&format!("{one}\n{one}"));
    assert!(
        message.contains("duplicate connection name `lk`"),
        "{message}"
    );
    assert!(message.contains("test.toml:"), "{message}");
}

#[cfg(unix)]
#[test]
fn a_plain_secret_needs_a_private_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, looker("client_secret = \"hunter2-plain\"\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let message = Config::load(&path).unwrap_err().to_string();
    assert!(message.contains("`client_secret`"), "{message}");
    assert!(message.contains("config.toml:6"), "{message}");
    assert!(message.contains("chmod 600"), "{message}");
    assert!(!message.contains("hunter2-plain"), "{message}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let config = Config::load(&path).unwrap();
    assert_eq!(secret_of(&config, "lk").unwrap(), "hunter2-plain");
    // A secret from the environment is fine in a readable file.
    std::fs::write(&path, looker("client_secret = { env = \"HOME\" }\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(Config::load(&path).is_ok());
}

#[test]
fn env_secrets_resolve_and_a_missing_variable_is_named() {
    let config = parse(&looker("client_secret = { env = \"HOME\" }\n")).unwrap();
    assert_eq!(
        secret_of(&config, "lk").unwrap(),
        std::env::var("HOME").unwrap()
    );
    let missing = "ROSTER_TEST_SURELY_UNSET_7F3A91";
    assert!(std::env::var_os(missing).is_none());
    let config = parse(&looker(&format!(
        "client_secret = {{ env = \"{missing}\" }}\n"
    )))
    .unwrap();
    let message = secret_of(&config, "lk").unwrap_err();
    assert!(message.contains(missing), "{message}");
    assert!(message.contains("test.toml:6"), "{message}");
    assert!(message.contains("`lk`"), "{message}");
}

#[test]
fn command_secrets_run_and_failures_do_not_echo_output() {
    let config = parse(&looker(
        "client_secret = { command = [\"printf\", \"s3cret\"] }\n",
    ))
    .unwrap();
    assert_eq!(secret_of(&config, "lk").unwrap(), "s3cret");
    let config = parse(&looker(
        "client_secret = { command = [\"printf\", \"with-newline\\n\"] }\n",
    ))
    .unwrap();
    assert_eq!(secret_of(&config, "lk").unwrap(), "with-newline");

    let failing = "client_secret = { command = [\"sh\", \"-c\", \"echo leaked-stdout; echo leaked-stderr >&2; exit 3\"] }\n";
    let config = parse(&looker(failing)).unwrap();
    let message = secret_of(&config, "lk").unwrap_err();
    assert!(message.contains("`sh`"), "{message}");
    assert!(!message.contains("leaked-stdout"), "{message}");
    assert!(!message.contains("leaked-stderr"), "{message}");

    let config = parse(&looker(
        "client_secret = { command = [\"/nonexistent/roster-secret-helper\"] }\n",
    ))
    .unwrap();
    let message = secret_of(&config, "lk").unwrap_err();
    assert!(message.contains("cannot run"), "{message}");

    let config = parse(&looker("client_secret = { command = [\"true\"] }\n")).unwrap();
    let message = secret_of(&config, "lk").unwrap_err();
    assert!(message.contains("printed nothing"), "{message}");
}

#[test]
fn a_missing_file_is_explained() {
    let message = Config::load(Path::new("/nonexistent/roster/config.toml"))
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("/nonexistent/roster/config.toml"),
        "{message}"
    );
    assert!(message.contains("ROSTER_CONFIG"), "{message}");
    let explicit = Config::locate(Some(Path::new("/x/explicit.toml"))).unwrap();
    assert_eq!(explicit, Path::new("/x/explicit.toml"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roster_config_is_used_unless_config_is_given() {
    let env = CliEnv::with_config(&looker("client_secret = \"s\"\n"));
    let from_env = env.config.to_str().unwrap();
    let output = env
        .run_plain(&["users", "nosuchconn"], &[("ROSTER_CONFIG", from_env)])
        .await;
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains(from_env), "{message}");
    assert!(
        message.contains("no connection named `nosuchconn`"),
        "{message}"
    );
    assert!(message.contains("lk"), "{message}");

    let other = env.dir.path().join("other.toml");
    let output = env
        .run_plain(
            &["users", "nosuchconn", "--config", other.to_str().unwrap()],
            &[("ROSTER_CONFIG", from_env)],
        )
        .await;
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("other.toml"), "--config wins: {message}");
}
