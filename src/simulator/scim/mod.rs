//! The simulated Atlassian Cloud user provisioning API (SCIM 2.0), served under `/scim`.
//!
//! `schema` is the one table of supported attributes, `check` and `patch` the rules for what
//! clients send, `store` the data, `json` the rendering, `routes` the HTTP surface.

pub mod check;
pub mod json;
pub mod patch;
pub mod routes;
pub mod schema;
pub mod store;

pub use routes::router;
pub use store::ScimStore;
