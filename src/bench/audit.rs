//! `roster audit` of one connection as the bench measures it: the real command in a child
//! process, its JSON output counted and dropped, timed from start to exit, with the child's peak
//! memory sampled while it runs.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;

use super::memory::{mib, peak_rss_of_kib};

/// How often the child's peak memory is read (it only grows, so a sample misses at most what
/// the last interval added).
const SAMPLE_EVERY: Duration = Duration::from_millis(10);

/// The figures of one audit.
#[derive(Debug, Clone)]
pub struct AuditFigures {
    /// The connection audited.
    pub connection: String,
    /// From start to exit.
    pub total: Duration,
    /// The child's peak resident memory, in KiB.
    pub peak_rss_kib: Option<u64>,
    /// Bytes of JSON findings written.
    pub output_bytes: u64,
}

impl std::fmt::Display for AuditFigures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "audit {:<8} {:>8.2} s  peak RSS {:>10}  {:>7.1} MB of JSON findings",
            self.connection,
            self.total.as_secs_f64(),
            mib(self.peak_rss_kib),
            self.output_bytes as f64 / 1e6
        )
    }
}

/// Runs `roster --config config audit connection --format json` and measures it.
pub async fn measure_audit(
    exe: &Path,
    config: &Path,
    connection: &str,
) -> Result<AuditFigures, String> {
    let started = Instant::now();
    let mut child = tokio::process::Command::new(exe)
        .arg("--config")
        .arg(config)
        .args(["audit", connection, "--format", "json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start roster audit: {e}"))?;
    let pid = child.id();
    let counted = child.stdout.take().map(|mut stdout| {
        tokio::spawn(async move {
            let mut buffer = vec![0u8; 64 * 1024];
            let mut total = 0u64;
            while let Ok(read @ 1..) = stdout.read(&mut buffer).await {
                total += read as u64;
            }
            total
        })
    });
    let said = child.stderr.take().map(|mut stderr| {
        tokio::spawn(async move {
            let mut message = String::new();
            let _ = stderr.read_to_string(&mut message).await;
            message
        })
    });
    let mut peak: Option<u64> = None;
    let mut sampling = tokio::time::interval(SAMPLE_EVERY);
    let status = loop {
        tokio::select! {
            status = child.wait() => break status.map_err(|e| e.to_string())?,
            _ = sampling.tick() => {
                if let Some(kib) = pid.and_then(peak_rss_of_kib) {
                    peak = Some(peak.map_or(kib, |p| p.max(kib)));
                }
            }
        }
    };
    let total = started.elapsed();
    let output_bytes = match counted {
        Some(task) => task.await.unwrap_or(0),
        None => 0,
    };
    if !status.success() {
        let message = match said {
            Some(task) => task.await.unwrap_or_default(),
            None => String::new(),
        };
        return Err(format!(
            "roster audit {connection} ended with {status}: {}",
            crate::text::sanitize(message.trim())
        ));
    }
    Ok(AuditFigures {
        connection: connection.to_owned(),
        total,
        peak_rss_kib: peak,
        output_bytes,
    })
}
