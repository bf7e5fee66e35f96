//! The first ten minutes, through the built binary: `config init` without a terminal, `config
//! check` against the simulator (all pass) and against broken connections (wrong secrets, a
//! closed port, read-only principals on small wiremock servers), completions for every shell,
//! the man page, `--version`, and `roster` without a config.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use roster::config::Config;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Every check a reachable connection gets, in order.
const CHECKS: [&str; 9] = [
    "secret",
    "reachable",
    "tls",
    "auth",
    "principal",
    "api_version",
    "write",
    "rate_limit",
    "latency",
];

fn check_rows(output: &std::process::Output) -> Vec<Value> {
    serde_json::from_str(&stdout(output))
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", stdout(output), stderr(output)))
}

fn row<'a>(rows: &'a [Value], connection: &str, check: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["connection"] == connection && r["check"] == check)
        .unwrap_or_else(|| panic!("no {connection}/{check} row in {rows:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_init_without_a_terminal_prints_a_template_that_parses() {
    let env = CliEnv::with_config("");
    let output = env.run_plain(&["config", "init"], &[]).await;
    assert_exit(&output, 0);
    let template = stdout(&output);
    let config = Config::parse(std::path::Path::new("template.toml"), &template).unwrap();
    assert_eq!(config.connections.len(), 3);
    assert!(template.contains("# max_concurrency"), "{template}");

    let file = env.dir.path().join("new").join("config.toml");
    let file_arg = file.to_str().unwrap();
    let output = env
        .run_plain(&["config", "init", "--file", file_arg], &[])
        .await;
    assert_exit(&output, 0);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), template);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let output = env
        .run_plain(&["config", "init", "--file", file_arg], &[])
        .await;
    assert_exit(&output, 2);
    assert!(stderr(&output).contains("--force"), "{}", stderr(&output));
    let output = env
        .run_plain(&["config", "init", "--file", file_arg, "--force"], &[])
        .await;
    assert_exit(&output, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_check_passes_every_check_on_the_simulator() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let output = env
        .run(&["config", "check", "--format", "json", "--probe-writes"])
        .await;
    assert_exit(&output, 0);
    let rows = check_rows(&output);
    assert!(rows.iter().all(|r| r["ok"] == true), "{rows:#?}");
    for connection in ["crowd", "scim", "looker"] {
        let checks: Vec<&str> = rows
            .iter()
            .filter(|r| r["connection"] == connection)
            .map(|r| r["check"].as_str().unwrap())
            .collect();
        assert_eq!(checks, CHECKS, "{connection}");
    }
    assert!(
        row(&rows, "looker", "write")["detail"]
            .as_str()
            .unwrap()
            .starts_with("may write")
    );
    assert!(
        row(&rows, "crowd", "write")["detail"]
            .as_str()
            .unwrap()
            .starts_with("may update")
    );
    assert!(
        row(&rows, "scim", "api_version")["detail"]
            .as_str()
            .unwrap()
            .starts_with("SCIM 2.0")
    );
    assert!(row(&rows, "crowd", "principal")["detail"] == "application `roster`");

    // `doctor` is the same check; the table names every connection and no secret.
    let output = env.run(&["doctor", "looker"]).await;
    assert_exit(&output, 0);
    let table = stdout(&output);
    assert!(table.starts_with("RESULT  CONNECTION"), "{table}");
    assert!(
        !table.contains("crowd"),
        "only the named connection: {table}"
    );
    assert!(!table.contains("\u{1b}["), "no colour when piped: {table}");
    assert!(!table.contains("roster-sim-looker-secret"), "{table}");
    let output = env.run(&["doctor", "looker", "--color", "always"]).await;
    assert!(
        stdout(&output).contains("\u{1b}["),
        "--color always colours"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_secrets_fail_auth_with_the_services_reason() {
    let sim = start_sim(0).await;
    let text = sim
        .config_toml()
        .replace("roster-sim-looker-secret", "wrong-looker")
        .replace("roster-sim-scim-token", "wrong-scim")
        .replace("roster-sim-crowd-password", "wrong-crowd");
    let env = CliEnv::with_config(&text);
    let output = env.run(&["config", "check", "--format", "json"]).await;
    assert_exit(&output, 1);
    let rows = check_rows(&output);
    let auth = |connection| {
        let row = row(&rows, connection, "auth");
        assert_eq!(row["ok"], false, "{row}");
        row["detail"].as_str().unwrap().to_owned()
    };
    assert!(auth("looker").contains("Not found"), "{}", auth("looker"));
    assert!(auth("scim").contains("(401)"), "{}", auth("scim"));
    assert!(auth("crowd").contains("refused"), "{}", auth("crowd"));
    let all = stdout(&output) + &stderr(&output);
    for secret in ["wrong-looker", "wrong-scim", "wrong-crowd"] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_port_fails_reachable_quickly() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let env = CliEnv::with_config(&format!(
        "[[connection]]\nname = \"gone\"\nkind = \"looker\"\nurl = \"http://127.0.0.1:{port}/looker\"\nclient_id = \"id\"\nclient_secret = \"s\"\n"
    ));
    let started = Instant::now();
    let output = env.run(&["config", "check", "--format", "json"]).await;
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_exit(&output, 1);
    let rows = check_rows(&output);
    let reachable = row(&rows, "gone", "reachable");
    assert_eq!(reachable["ok"], false);
    assert!(
        reachable["detail"]
            .as_str()
            .unwrap()
            .contains("cannot reach"),
        "{reachable}"
    );
    assert_eq!(
        rows.iter().filter(|r| r["connection"] == "gone").count(),
        2,
        "nothing is tried after an unreachable service: {rows:#?}"
    );
}

/// A Looker whose API user may read but not write (`can` fields all false).
async fn read_only_looker() -> MockServer {
    let server = MockServer::builder().start().await;
    let ok = |body: Value| ResponseTemplate::new(200).set_body_json(body);
    Mock::given(method("POST"))
        .and(path("/api/4.0/login"))
        .respond_with(ok(
            json!({"access_token": "t", "token_type": "Bearer", "expires_in": 3600}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/4.0/user"))
        .respond_with(ok(
            json!({"id": "7", "display_name": "Viewer Bot", "email": "viewer@example.com"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/4.0/versions"))
        .respond_with(ok(json!({
            "looker_release_version": "26.12.3",
            "current_version": {"version": "4.0", "full_version": "4.0.26.12"},
            "supported_versions": [{"version": "4.0"}]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/4.0/users"))
        .respond_with(
            ok(json!([{"id": "1", "can": {"show": true, "update": false, "edit": false}}]))
                .insert_header("X-RateLimit-Remaining", "99"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/4.0/user_attributes"))
        .respond_with(ok(
            json!([{"id": "3", "name": "region", "can": {"set_value": false}}]),
        ))
        .mount(&server)
        .await;
    server
}

/// A Crowd whose application may read but is refused attribute updates.
async fn read_only_crowd() -> MockServer {
    let server = MockServer::builder().start().await;
    let api = "/crowd/rest/usermanagement/1";
    Mock::given(method("GET"))
        .and(path(format!("{api}/search")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"users": [{"name": "jdoe"}]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{api}/user/attribute")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"attributes": []})))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{api}/user/attribute")))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "reason": "APPLICATION_PERMISSION_DENIED",
            "message": "Application 'viewer' has no permission to update user attributes"
        })))
        .expect(1)
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_principals_are_reported_as_such() {
    let looker = read_only_looker().await;
    let crowd = read_only_crowd().await;
    let config = |looker_read_only: bool| {
        format!(
            "[[connection]]\nname = \"viewer\"\nkind = \"looker\"\nurl = \"{}\"\nclient_id = \"id\"\nclient_secret = \"s\"\nread_only = {looker_read_only}\n\n\
             [[connection]]\nname = \"app\"\nkind = \"crowd\"\nurl = \"{}/crowd\"\nusername = \"viewer\"\npassword = \"p\"\n",
            looker.uri(),
            crowd.uri()
        )
    };
    let env = CliEnv::with_config(&config(false));
    // Without --probe-writes nothing is written, and Crowd's access is not known.
    let output = env
        .run(&["config", "check", "app", "--format", "json"])
        .await;
    let unprobed = check_rows(&output);
    assert!(
        row(&unprobed, "app", "write")["detail"]
            .as_str()
            .unwrap()
            .starts_with("not probed"),
        "{unprobed:#?}"
    );
    let output = env
        .run(&["config", "check", "--format", "json", "--probe-writes"])
        .await;
    assert_exit(&output, 1);
    let rows = check_rows(&output);
    let write = row(&rows, "viewer", "write");
    assert_eq!(write["ok"], false);
    assert!(
        write["detail"]
            .as_str()
            .unwrap()
            .starts_with("read-only principal"),
        "{write}"
    );
    let principal = row(&rows, "viewer", "principal")["detail"]
        .as_str()
        .unwrap();
    assert_eq!(principal, "API user 7 (Viewer Bot) <viewer@example.com>");
    let version = row(&rows, "viewer", "api_version")["detail"]
        .as_str()
        .unwrap();
    assert!(
        version.contains("26.12.3") && version.contains("4.0.26.12"),
        "{version}"
    );
    let limits = row(&rows, "viewer", "rate_limit")["detail"]
        .as_str()
        .unwrap();
    assert!(limits.contains("x-ratelimit-remaining: 99"), "{limits}");
    let crowd_write = row(&rows, "app", "write");
    assert_eq!(crowd_write["ok"], false);
    let detail = crowd_write["detail"].as_str().unwrap();
    assert!(detail.starts_with("read-only principal"), "{detail}");
    assert!(detail.contains("no permission to update"), "{detail}");

    // A read-only principal behind a read_only connection is as it should be.
    let env = CliEnv::with_config(&config(true));
    let output = env
        .run(&["config", "check", "viewer", "--format", "json"])
        .await;
    assert_exit(&output, 0);
    let read_only_rows = check_rows(&output);
    let write = row(&read_only_rows, "viewer", "write");
    assert!(
        write["detail"]
            .as_str()
            .unwrap()
            .contains("as the connection is read_only")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_file_lists_every_problem_and_probes_nothing() {
    let env = CliEnv::with_config(
        "[[connection]]\nname = \"a\"\nkind = \"jira\"\nurl = \"https://u:hunter2@x.example.com\"\ntoken = \"t\"\nextra = 1\n",
    );
    let output = env.run(&["config", "check", "--format", "json"]).await;
    assert_exit(&output, 2);
    let rows = check_rows(&output);
    let details: Vec<&str> = rows.iter().map(|r| r["detail"].as_str().unwrap()).collect();
    assert_eq!(rows.len(), 3, "{details:#?}");
    assert!(
        rows.iter()
            .all(|r| r["check"] == "config" && r["ok"] == false)
    );
    assert!(details[0].contains("config.toml:3: `kind`"), "{details:#?}");
    assert!(details[1].contains("config.toml:4: `url`"), "{details:#?}");
    assert!(
        details[2].contains("config.toml:6: unknown key `extra`"),
        "{details:#?}"
    );
    assert!(!stdout(&output).contains("hunter2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_for_every_shell_name_the_commands() {
    let env = CliEnv::with_config("");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = env.run_plain(&["completions", shell], &[]).await;
        assert_exit(&output, 0);
        let script = stdout(&output);
        for command in [
            "users",
            "show",
            "audit",
            "config",
            "completions",
            "man",
            "doctor",
        ] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
        let output = env
            .run_plain(&["completions", shell, "--dynamic"], &[])
            .await;
        assert_exit(&output, 0);
        assert!(stdout(&output).contains("COMPLETE"), "{shell} --dynamic");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_completion_offers_the_configs_connection_names() {
    let sim = start_sim(0).await;
    let env = CliEnv::for_sim(&sim);
    let config = env.config.to_str().unwrap();
    let output = env
        .run_plain(
            &["--", "roster", "users", ""],
            &[("COMPLETE", "fish"), ("ROSTER_CONFIG", config)],
        )
        .await;
    assert_exit(&output, 0);
    let names: Vec<String> = stdout(&output)
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_owned())
        .collect();
    assert!(
        ["crowd", "scim", "looker"]
            .iter()
            .all(|n| names.iter().any(|c| c == n)),
        "{names:?}"
    );
    let output = env
        .run_plain(
            &["--", "roster", "--config", config, "audit", "lo"],
            &[("COMPLETE", "fish")],
        )
        .await;
    assert_eq!(stdout(&output).trim(), "looker\tlooker");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn man_page_and_version() {
    let env = CliEnv::with_config("");
    let output = env.run_plain(&["man"], &[]).await;
    assert_exit(&output, 0);
    let page = stdout(&output);
    assert!(page.contains(".TH roster 1"), "{page}");
    assert!(page.contains("completions"), "{page}");
    let output = env.run_plain(&["--version"], &[]).await;
    assert_exit(&output, 0);
    let version = stdout(&output);
    let prefix = format!("roster {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(version.starts_with(&prefix), "{version}");
    let commit = version[prefix.len()..].trim_end().trim_end_matches(')');
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{version}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roster_without_a_config_says_where_it_looked_and_what_to_try() {
    let env = CliEnv::with_config("");
    let home = env.dir.path().join("home");
    let missing = env.dir.path().join("missing.toml");
    let output = env
        .run_plain(
            &[],
            &[
                ("HOME", home.to_str().unwrap()),
                ("XDG_CONFIG_HOME", home.join(".config").to_str().unwrap()),
            ],
        )
        .await;
    assert_exit(&output, 2);
    let message = stderr(&output);
    assert!(
        message.contains(home.join(".config/roster/config.toml").to_str().unwrap()),
        "{message}"
    );
    assert!(message.contains("$ROSTER_CONFIG is not set"), "{message}");
    assert!(message.contains("roster demo"), "{message}");
    assert!(message.contains("roster config init"), "{message}");
    let output = env
        .run_plain(
            &[],
            &[
                ("ROSTER_CONFIG", missing.to_str().unwrap()),
                ("HOME", home.to_str().unwrap()),
            ],
        )
        .await;
    assert_exit(&output, 2);
    let message = stderr(&output);
    assert!(message.contains(missing.to_str().unwrap()), "{message}");
    assert!(message.contains("named by $ROSTER_CONFIG"), "{message}");
}

/// A TLS server on loopback whose certificate no public authority signed.
async fn self_signed_server() -> u16 {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let certs = CertificateDer::pem_file_iter(dir.join("self-signed-cert.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join("self-signed-key.pem")).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_certificate_is_named_as_a_certificate_error() {
    let port = self_signed_server().await;
    let env = CliEnv::with_config(&format!(
        "[[connection]]\nname = \"selfsigned\"\nkind = \"scim\"\nurl = \"https://127.0.0.1:{port}/scim/directory/d1\"\ntoken = \"t\"\n"
    ));
    let output = env.run(&["config", "check", "--format", "json"]).await;
    assert_exit(&output, 1);
    let rows = check_rows(&output);
    assert_eq!(
        row(&rows, "selfsigned", "reachable")["ok"],
        true,
        "{rows:#?}"
    );
    let tls = row(&rows, "selfsigned", "tls");
    assert_eq!(tls["ok"], false);
    let detail = tls["detail"].as_str().unwrap();
    assert!(detail.starts_with("certificate error: "), "{detail}");
    assert!(!rows.iter().any(|r| r["check"] == "auth"), "{rows:#?}");
}
