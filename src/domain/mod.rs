//! The service-neutral model of users, attributes, precedence, edits and audit findings.
//!
//! Everything here is plain data and pure functions: no HTTP, no terminal, no clock. Services
//! translate their wire formats into these types; the command line and the browser only ever see
//! these types.

pub mod attribute;
pub mod audit;
pub mod edit;
pub mod group;
pub mod precedence;
pub mod resolution;
pub mod user;

pub use attribute::{Attribute, Candidate, CandidateKind};
pub use audit::{Finding, FindingKind};
pub use edit::{Edit, FieldChange};
pub use group::Group;
pub use user::{ServiceKind, UserRecord, UserSummary};
