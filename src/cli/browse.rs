//! Opening the interactive browser: on the configured connections (`roster`) or on the built-in
//! simulator (`roster demo`).

use super::{CliError, Globals};
use crate::config::Config;
use crate::service::AnyDirectory;
use crate::simulator::{self, SimOptions};
use crate::{app::Session, tui::run_terminal};

/// `roster`: the browser on every connection of the config.
pub async fn configured(globals: &Globals) -> Result<(), CliError> {
    let config = globals.load_config()?;
    if config.connections.is_empty() {
        return Err(CliError::Usage(format!(
            "{} has no [[connection]]; add one (`roster config init` prints a template), or try `roster demo`",
            config.path.display()
        )));
    }
    browse(&config, globals).await
}

/// `roster demo`: the simulator in this process, and the browser on its three connections.
pub async fn demo(users: usize, globals: &Globals) -> Result<(), CliError> {
    let running = simulator::start(&SimOptions {
        users,
        ..SimOptions::default()
    })
    .await
    .map_err(CliError::Usage)?;
    let path = std::path::Path::new("roster-demo (built-in simulator)");
    let config = Config::parse(path, &running.config_toml())?;
    let result = browse(&config, globals).await;
    running.stop().await;
    result
}

/// Opens every connection (a failure becomes that connection's error, not the run's) and runs the
/// browser until the user quits.
async fn browse(config: &Config, globals: &Globals) -> Result<(), CliError> {
    let (notices, notices_rx) = tokio::sync::mpsc::unbounded_channel();
    let options = crate::service::OpenOptions {
        notices: Some(notices),
        ..globals.options.clone()
    };
    let sessions = config
        .connections
        .iter()
        .map(|spec| {
            let resolved = spec.resolve(&config.path).map_err(|e| e.to_string());
            Session {
                name: spec.name.clone(),
                kind: spec.kind,
                read_only: globals.options.read_only || spec.read_only,
                server: resolved.as_ref().ok().map(crate::write::server_identity),
                directory: resolved.and_then(|c| {
                    AnyDirectory::open(&c, options.clone()).map_err(|e| e.to_string())
                }),
            }
        })
        .collect();
    let theme = crate::view::Theme::new(globals.color.browser_colors_from_env(), &config.theme);
    run_terminal(sessions, config, notices_rx, theme)
        .await
        .map_err(|e| CliError::Usage(format!("the browser failed: {e}")))
}
