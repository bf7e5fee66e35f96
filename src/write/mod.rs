//! The one write engine: every write of roster — the command line's `set`, `unset`, `update`,
//! `replace`, `create` and `undo`, and every write of the browser — goes through it, and nothing
//! else calls a service's write calls.
//!
//! The flow, kept the way a database keeps intent: resolve the target exactly → read → plan →
//! (the front end previews and confirms) → re-read and check preconditions under the user's lock
//! → journal the write as `pending`, flushed → send → classify each answer, resolving a lost one
//! by reading → read after the write and verify every field → complete the journal entry with a
//! truthful outcome. The front ends differ only in how they confirm.

pub mod attribute;
pub mod batch;
mod engine;
mod interrupt;
mod lock;
mod lost_user;
mod sequence;
pub mod undo;
mod verify;

pub use engine::{
    Executed, ItemReport, Prepared, PreparedItem, StillAsWritten, WriteEngine, WriteError,
};
pub use interrupt::{Interrupt, InterruptHandle};
pub use verify::describe_unstuck;

use crate::config::{Connection, Credentials};
use crate::journal::ServerIdentity;

/// The server a connection writes to, as the journal records it: the base URL without
/// credentials, and who roster acts as — never a secret.
pub fn server_identity(connection: &Connection) -> ServerIdentity {
    let principal = match &connection.credentials {
        Credentials::Basic { username, .. } => format!("application {username}"),
        Credentials::ClientCredentials { client_id, .. } => format!("client {client_id}"),
        Credentials::Bearer { .. } => "directory API key".to_owned(),
    };
    ServerIdentity {
        url: crate::service::plan::shown_url(&connection.url)
            .trim_end_matches('/')
            .to_owned(),
        principal,
    }
}
