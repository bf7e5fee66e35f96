//! The command line: argument parsing and the non-interactive commands.

/// Runs the command line with the process arguments and returns the exit code.
pub fn run() -> i32 {
    0
}
