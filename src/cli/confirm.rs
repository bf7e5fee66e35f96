//! Confirmation of writes: `--dry-run` prints the plan, `--yes` skips the question, and without a
//! terminal on stdin a write is refused rather than sent unconfirmed.

use std::io::{BufRead, IsTerminal, Write};

use super::CliError;
use super::args::WriteFlags;
use crate::write::Prepared;

/// Prints the plans as needed and decides whether to send them.
///
/// Returns false for a dry run (the plan was printed, nothing may be sent) and for a "no".
pub fn proceed(prepared: &Prepared, flags: &WriteFlags) -> Result<bool, CliError> {
    let preview = crate::text::sanitize_lines(&prepared.describe());
    if flags.dry_run {
        println!("{preview}\n(dry run: nothing was sent)");
        return Ok(false);
    }
    ask(&preview, prepared.request_count(), flags)
}

/// Asks on the terminal whether to send what `preview` shows (`what` requests or items):
/// `--yes` answers for the user, and without a terminal on stdin the write is refused.
pub fn ask(preview: &str, what: usize, flags: &WriteFlags) -> Result<bool, CliError> {
    if flags.yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(
            "refusing to write without confirmation: stdin is not a terminal (pass --yes to confirm, or --dry-run to preview)"
                .to_owned(),
        ));
    }
    eprint!("{preview}\nSend {what} request(s)? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::Usage(format!("cannot read the answer: {e}")))?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(true)
    } else {
        eprintln!("nothing was sent");
        Ok(false)
    }
}
