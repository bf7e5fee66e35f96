//! The command-line grammar (clap derive), exactly as product.md §2 names commands and flags.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use super::config_cmd::{CheckArgs, ConfigCommand};
use super::style::ColorChoice;

/// The version `--version` prints: the package version and the git commit it was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("ROSTER_GIT_COMMIT"),
    ")"
);

/// roster: browse and edit the users and user attributes of Crowd, Atlassian SCIM and Looker.
#[derive(Debug, Parser)]
#[command(name = "roster", version = VERSION, about)]
pub struct Cli {
    /// The config file (default: $ROSTER_CONFIG, then the platform config dir).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Refuse every write, for every connection.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Allow plain http:// to hosts other than loopback.
    #[arg(long, global = true)]
    pub insecure: bool,
    /// When to use colour: auto (on terminals, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// The overall deadline of each operation on a service, in seconds (default: the connection's
    /// `timeout`, else 300).
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_timeout)]
    pub timeout: Option<std::time::Duration>,
    /// What to do; without a command, the interactive browser opens on the configured connections.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Output formats of listing commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// JSON, in the stable shapes the README documents (safe for scripts).
    Json,
    /// RFC 4180 CSV with a header row.
    Csv,
}

/// Output formats of `show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    /// Aligned columns for people.
    Table,
    /// JSON, in the stable shape the README documents (safe for scripts).
    Json,
}

/// Flags shared by every write.
#[derive(Debug, Clone, clap::Args)]
pub struct WriteFlags {
    /// Print the requests that would be sent and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// What a field that does not hold the written value after the write means: a warning
    /// (exit 0), or a failure (`strict`: exit 1).
    #[arg(long, value_enum, default_value_t = VerifyMode::Warn, value_name = "MODE")]
    pub verify: VerifyMode,
}

/// Which users a bulk edit changes, instead of one USER.
#[derive(Debug, Clone, clap::Args)]
pub struct Selection {
    /// Every user `roster users CONN --filter FILTER` lists.
    #[arg(long = "where", value_name = "FILTER", conflicts_with = "users_from")]
    pub where_filter: Option<String>,
    /// The users named in FILE: one id, username or email per line, or the CSV or JSON that
    /// `roster users` prints (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub users_from: Option<PathBuf>,
    /// Output of the plan and the result of a bulk edit.
    #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
    pub format: ShowFormat,
}

impl Selection {
    /// True when a selection replaces the single USER.
    pub fn is_bulk(&self) -> bool {
        self.where_filter.is_some() || self.users_from.is_some()
    }
}

/// The `roster batch` commands.
#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Per item: written, skipped, failed (with the reason) or unknown.
    Show {
        /// The batch id.
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
        format: ShowFormat,
    },
    /// Continue a stopped bulk edit with the items not yet written (each read again first).
    Resume {
        /// The batch id.
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
        format: ShowFormat,
        #[command(flatten)]
        write: WriteFlags,
    },
}

/// The attribute an `roster attribute` command is about.
#[derive(Debug, Clone, clap::Args)]
pub struct AttributeNamed {
    /// Connection name (a Looker connection).
    pub conn: String,
    /// The attribute's name (exactly) or id.
    pub name: String,
}

/// How an attribute-level write is shown and confirmed.
#[derive(Debug, Clone, clap::Args)]
pub struct AttributeWriteFlags {
    /// Output format of the preview and blast radius.
    #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
    pub format: ShowFormat,
    #[command(flatten)]
    pub write: WriteFlags,
}

/// The `roster attribute` commands: one Looker attribute's settings, group values and ranks.
#[derive(Debug, Subcommand)]
pub enum AttributeCommand {
    /// Settings, group values by rank, and how many users take their value from each source.
    Show {
        #[command(flatten)]
        attribute: AttributeNamed,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
        format: ShowFormat,
    },
    /// Set the value of groups (GROUP=VALUE, the group's exact name); a group without a value
    /// gets the last rank.
    SetGroup {
        #[command(flatten)]
        attribute: AttributeNamed,
        /// GROUP=VALUE pairs.
        #[arg(value_name = "GROUP=VALUE", required = true)]
        assignments: Vec<String>,
        #[command(flatten)]
        flags: AttributeWriteFlags,
    },
    /// Remove the value of groups (their members fall back to the next group value or the default).
    UnsetGroup {
        #[command(flatten)]
        attribute: AttributeNamed,
        /// The groups' exact names.
        #[arg(value_name = "GROUP", required = true)]
        groups: Vec<String>,
        #[command(flatten)]
        flags: AttributeWriteFlags,
    },
    /// A new rank order of every group that has a value, lowest (winning) first.
    Rank {
        #[command(flatten)]
        attribute: AttributeNamed,
        /// Every group with a value, by exact name, in the new order.
        #[arg(value_name = "GROUP", required = true)]
        groups: Vec<String>,
        #[command(flatten)]
        flags: AttributeWriteFlags,
    },
    /// New settings: user_can_view=, user_can_edit=, value_is_hidden= (true or false) and
    /// hidden_value_domain_whitelist= (URLs, kept for good once set). A hidden attribute is never
    /// made visible again.
    Set {
        #[command(flatten)]
        attribute: AttributeNamed,
        /// KEY=VALUE pairs.
        #[arg(value_name = "KEY=VALUE", required = true)]
        settings: Vec<String>,
        #[command(flatten)]
        flags: AttributeWriteFlags,
    },
    /// A new default value.
    SetDefault {
        #[command(flatten)]
        attribute: AttributeNamed,
        /// The new default.
        value: String,
        #[command(flatten)]
        flags: AttributeWriteFlags,
    },
}

/// How strictly a write is verified by reading the user after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyMode {
    /// Report a field that did not stick, and exit 0.
    Warn,
    /// Report it and exit 1.
    Strict,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the built-in simulator and open the browser on it.
    Demo {
        /// Generated users per service, on top of the demo people.
        #[arg(long, default_value_t = 0)]
        users: usize,
    },
    /// Serve the simulator of all three APIs on 127.0.0.1 until stopped.
    Sim {
        /// Generated users per service, on top of the demo people.
        #[arg(long, default_value_t = 0)]
        users: usize,
        /// Port (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Write a roster config for the simulator here (mode 0600) once it listens.
        #[arg(long, value_name = "FILE")]
        config_out: Option<PathBuf>,
        /// Inject faults per request: `429=0.2,500=0.1,drop=0.05,malformed=0.05,latency=20ms[,seed=N]`.
        #[arg(long, value_name = "SPEC")]
        faults: Option<crate::simulator::faults::FaultSpec>,
    },
    /// List the users of a connection.
    Users {
        /// Connection name.
        conn: String,
        /// Only users matching this text (server-side search where the service has one).
        #[arg(long)]
        filter: Option<String>,
        /// At most this many users.
        #[arg(long)]
        limit: Option<usize>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show one user with every attribute, its source and precedence.
    Show {
        /// Connection name.
        conn: String,
        /// Id, username or email.
        user: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
        format: ShowFormat,
    },
    /// Set attributes (NAME=VALUE; repeat NAME for several values where the service allows).
    /// With --where or --users-from, every selected user is edited (a bulk edit): USER is then
    /// the first NAME=VALUE.
    Set {
        /// Connection name.
        conn: String,
        /// Id, username or email (absent with a selection).
        user: String,
        /// NAME=VALUE pairs.
        #[arg(value_name = "NAME=VALUE", required_unless_present_any = ["where_filter", "users_from"])]
        assignments: Vec<String>,
        #[command(flatten)]
        selection: Selection,
        #[command(flatten)]
        write: WriteFlags,
    },
    /// Remove attribute values (Looker falls back to group values or the default); a bulk edit
    /// with --where or --users-from (USER is then the first NAME).
    Unset {
        /// Connection name.
        conn: String,
        /// Id, username or email (absent with a selection).
        user: String,
        /// Attribute names.
        #[arg(value_name = "NAME", required_unless_present_any = ["where_filter", "users_from"])]
        names: Vec<String>,
        #[command(flatten)]
        selection: Selection,
        #[command(flatten)]
        write: WriteFlags,
    },
    /// Update user fields (FIELD=VALUE) with the service's update call; a bulk edit with --where
    /// or --users-from (USER is then the first FIELD=VALUE).
    Update {
        /// Connection name.
        conn: String,
        /// Id, username or email (absent with a selection).
        user: String,
        /// FIELD=VALUE pairs.
        #[arg(value_name = "FIELD=VALUE", required_unless_present_any = ["where_filter", "users_from"])]
        assignments: Vec<String>,
        #[command(flatten)]
        selection: Selection,
        #[command(flatten)]
        write: WriteFlags,
    },
    /// Replace a whole user (SCIM PUT) from a JSON file; what it leaves out is cleared.
    Replace {
        /// Connection name.
        conn: String,
        /// Id, username or email.
        user: String,
        /// The full resource as JSON (`-` for stdin).
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        write: WriteFlags,
    },
    /// Create a user from a JSON file in the service's own format.
    Create {
        /// Connection name.
        conn: String,
        /// The new user as JSON (`-` for stdin).
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        write: WriteFlags,
    },
    /// Performance figures: list every user of each service on a simulator with N generated users.
    Bench {
        /// Generated users per service.
        #[arg(long, default_value_t = 100_000)]
        users: usize,
        /// Latency injected per request, in milliseconds: one round per value (comma-separated).
        #[arg(long = "latency", value_name = "MS", value_delimiter = ',', default_values_t = [0u64, 100])]
        latencies: Vec<u64>,
        /// Requests in flight at once in both roster's listing (the cap of its window) and the
        /// bare fetch it is compared with. Default: roster's window adapts up to the connection's
        /// max_concurrency and the bare fetch uses the widest it reached.
        #[arg(long, value_name = "N")]
        window: Option<usize>,
        /// Skip `roster audit` of each connection (run in the round without latency).
        #[arg(long)]
        no_audit: bool,
    },
    /// The journal of writes.
    Log {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
        format: ShowFormat,
    },
    /// Revert the last write (or the given journal entry, or every item of a bulk edit) by
    /// writing the previous values back.
    Undo {
        /// The journal entry (default: the last write).
        #[arg(conflicts_with = "batch")]
        id: Option<u64>,
        /// Revert every written item of this bulk edit whose fields still hold what it left.
        #[arg(long, value_name = "ID")]
        batch: Option<String>,
        #[command(flatten)]
        write: WriteFlags,
    },
    /// One Looker attribute: its settings, group values and ranks, and edits of them with their
    /// blast radius (the users whose effective value changes).
    Attribute {
        #[command(subcommand)]
        command: AttributeCommand,
    },
    /// Bulk edits: show what became of each item, or resume a stopped one.
    Batch {
        #[command(subcommand)]
        command: BatchCommand,
    },
    /// Audit hidden, locked and overriding values, and inactive users holding values.
    Audit {
        /// Connections to audit (default: all of them).
        conns: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// List a system-managed attribute's lock on every user, instead of one line per
        /// attribute with the count of users.
        #[arg(long)]
        per_user: bool,
    },
    /// Write a first config (`init`), or check the config and every connection (`check`).
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Check the config and every connection: the same as `roster config check`.
    Doctor(CheckArgs),
    /// Print a shell completion script (see the README for where to put it).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
        /// Print a script that asks roster at each Tab, completing connection names from the config.
        #[arg(long)]
        dynamic: bool,
    },
    /// Print the man page (roff) to stdout.
    Man,
}

/// Reads `--timeout`: a positive number of seconds, at most a day.
fn parse_timeout(text: &str) -> Result<std::time::Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(seconds > 0.0 && seconds <= 86_400.0) {
        return Err(format!("`{text}`: give between 0 and 86400 seconds"));
    }
    std::time::Duration::try_from_secs_f64(seconds).map_err(|e| format!("`{text}`: {e}"))
}
