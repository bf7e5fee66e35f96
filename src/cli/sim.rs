//! `roster sim`: serve the simulator until interrupted, optionally writing a config for it.

use std::path::Path;

use super::CliError;
use crate::simulator::{self, SimOptions};

/// Starts the simulator, writes `--config-out`, prints where it listens, and waits for Ctrl-C.
pub async fn serve(options: SimOptions, config_out: Option<&Path>) -> Result<(), CliError> {
    let running = simulator::start(&options).await.map_err(CliError::Usage)?;
    if let Some(path) = config_out {
        simulator::write_private_file(path, &running.config_toml())
            .map_err(|e| CliError::Usage(format!("cannot write {}: {e}", path.display())))?;
        eprintln!("wrote {} (mode 0600)", path.display());
    }
    let base = running.base_url();
    eprintln!("roster simulator listening on {base}");
    if let Some(faults) = &options.faults {
        eprintln!("  injecting faults: {faults:?}");
    }
    eprintln!("  Looker: {base}/looker   (API at {base}/looker/api/4.0)");
    eprintln!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| CliError::Usage(format!("cannot wait for Ctrl-C: {e}")))?;
    running.stop().await;
    Ok(())
}
