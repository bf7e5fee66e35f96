//! `roster config check`: every problem of the file, then a probe of each connection (its secret
//! resolved first), all connections at once; a table or JSON rows
//! `{"connection", "check", "ok", "detail"}`.
//!
//! Exit codes: 0 when every check passed, 2 when the file itself has problems (nothing is probed
//! then), 1 when a connection failed a check.

use serde::Serialize;

use super::super::args::ShowFormat;
use super::super::style;
use super::super::{CliError, Globals};
use super::CheckArgs;
use crate::config::{Config, ConfigError, ConnectionSpec};
use crate::service::probe::{self, Check, CheckResult, ProbeOptions};

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
struct Row {
    /// The connection, or null for the file as a whole.
    connection: Option<String>,
    /// `config`, `secret`, `reachable`, `tls`, `auth`, `principal`, `api_version`, `write`,
    /// `rate_limit` or `latency`.
    check: &'static str,
    ok: bool,
    detail: String,
}

/// Runs the check and prints the report.
pub async fn run(args: &CheckArgs, globals: &Globals) -> Result<(), CliError> {
    let search = Config::search(globals.config.as_deref())?;
    if !search.path.exists() {
        return Err(ConfigError(search.explain_missing()).into());
    }
    let config = match Config::load_checked(&search.path) {
        Ok(config) => config,
        Err(problems) => {
            let count = problems.len();
            let rows: Vec<Row> = problems
                .into_iter()
                .map(|p| Row {
                    connection: p.connection,
                    check: "config",
                    ok: false,
                    detail: p.message,
                })
                .collect();
            print(&rows, args.format);
            return Err(CliError::Config(ConfigError(format!(
                "{} has {count} problem{}; no connection was checked",
                search.path.display(),
                if count == 1 { "" } else { "s" }
            ))));
        }
    };
    let specs = selected(&config, &args.conns)?;
    let mut rows = vec![file_row(&config)];
    let options = ProbeOptions {
        insecure: globals.options.insecure,
        read_only: globals.options.read_only,
        probe_writes: args.probe_writes,
    };
    let probes = specs
        .into_iter()
        .map(|spec| check_connection(spec.clone(), config.path.clone(), options));
    for (name, results) in futures::future::join_all(probes).await {
        rows.extend(results.into_iter().map(|r| Row {
            connection: Some(name.clone()),
            check: r.check.as_str(),
            ok: r.ok,
            detail: r.detail,
        }));
    }
    let keys_row = keys_row(&config);
    let keys_ok = keys_row.ok;
    rows.insert(1, keys_row);
    print(&rows, args.format);
    let failed = rows.iter().filter(|r| !r.ok).count();
    if !keys_ok {
        return Err(CliError::Config(ConfigError(
            "the [keys] table has a problem".to_owned(),
        )));
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(CliError::Partial(format!(
            "{failed} of {} checks failed",
            rows.len()
        )))
    }
}

/// The named connections (all when none is named), refusing unknown names.
fn selected<'c>(config: &'c Config, names: &[String]) -> Result<Vec<&'c ConnectionSpec>, CliError> {
    if names.is_empty() {
        return Ok(config.connections.iter().collect());
    }
    names
        .iter()
        .map(|name| config.connection(name).map_err(CliError::from))
        .collect()
}

fn file_row(config: &Config) -> Row {
    let count = config.connections.len();
    Row {
        connection: None,
        check: "config",
        ok: count > 0,
        detail: if count == 0 {
            format!(
                "{} has no [[connection]]; `roster config init` writes one",
                config.path.display()
            )
        } else {
            format!(
                "{}: {count} connection{}, no problems",
                config.path.display(),
                if count == 1 { "" } else { "s" }
            )
        },
    }
}

fn keys_row(config: &Config) -> Row {
    let checked = crate::app::keymap::KeyMap::from_config(&config.keys);
    Row {
        connection: None,
        check: "keys",
        ok: checked.is_ok(),
        detail: match checked {
            Ok(_) if config.keys.is_empty() => "default key map".to_owned(),
            Ok(_) => format!("{} key bindings changed", config.keys.len()),
            Err(e) => format!("{}: {e}", config.path.display()),
        },
    }
}

/// Resolves the secret (off the async threads: a command may run up to its timeout), then
/// probes.
async fn check_connection(
    spec: ConnectionSpec,
    path: std::path::PathBuf,
    options: ProbeOptions,
) -> (String, Vec<CheckResult>) {
    let name = spec.name.clone();
    let origin = spec.secret_origin();
    let resolved = tokio::task::spawn_blocking(move || spec.resolve(&path)).await;
    let connection = match resolved {
        Ok(Ok(connection)) => connection,
        Ok(Err(error)) => {
            return (name, vec![CheckResult::new(Check::Secret, false, error.0)]);
        }
        Err(error) => {
            let detail = format!("reading the secret failed: {error}");
            return (name, vec![CheckResult::new(Check::Secret, false, detail)]);
        }
    };
    let mut results = vec![CheckResult::new(
        Check::Secret,
        true,
        format!("read {origin}"),
    )];
    results.extend(probe::probe(&connection, options).await);
    (name, results)
}

fn print(rows: &[Row], format: ShowFormat) {
    match format {
        ShowFormat::Json => super::super::output::print(&super::super::output::json(&rows)),
        ShowFormat::Table => anstream::print!("{}", table(rows)),
    }
}

/// Aligned columns RESULT, CONNECTION, CHECK, DETAIL; the detail is never cut.
fn table(rows: &[Row]) -> String {
    let cells: Vec<[String; 3]> = rows
        .iter()
        .map(|r| {
            [
                if r.ok { "ok" } else { "FAIL" }.to_owned(),
                crate::text::sanitize(r.connection.as_deref().unwrap_or("-")),
                r.check.to_owned(),
            ]
        })
        .collect();
    let header = ["RESULT", "CONNECTION", "CHECK"];
    let width = |column: usize| {
        cells
            .iter()
            .map(|c| c[column].chars().count())
            .chain([header[column].len()])
            .max()
            .unwrap_or(0)
    };
    let widths = [width(0), width(1), width(2)];
    let pad = |text: &str, column: usize| {
        let fill = widths[column].saturating_sub(text.chars().count()) + 2;
        format!("{text}{}", " ".repeat(fill))
    };
    let mut text = style::header(&format!(
        "{}{}{}DETAIL",
        pad(header[0], 0),
        pad(header[1], 1),
        pad(header[2], 2)
    ));
    text.push('\n');
    for (row, [_, connection, check]) in rows.iter().zip(&cells) {
        text.push_str(&format!(
            "{}{}{}{}\n",
            style::verdict(row.ok, widths[0] + 2),
            pad(connection, 1),
            pad(check, 2),
            crate::text::sanitize(&row.detail)
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_aligns_without_its_styles() {
        let rows = [
            Row {
                connection: None,
                check: "config",
                ok: true,
                detail: "fine".to_owned(),
            },
            Row {
                connection: Some("looker".to_owned()),
                check: "auth",
                ok: false,
                detail: "refused".to_owned(),
            },
        ];
        let text = anstream::adapter::strip_str(&table(&rows)).to_string();
        assert_eq!(
            text,
            "RESULT  CONNECTION  CHECK   DETAIL\n\
             ok      -           config  fine\n\
             FAIL    looker      auth    refused\n"
        );
    }
}
