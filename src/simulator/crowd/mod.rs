//! The simulated Atlassian Crowd REST API, served under `/crowd` (API at
//! `/crowd/rest/usermanagement/1`).
//!
//! `store` holds the directory and its rules, `routes` the route table and application
//! authentication, `users`, `groups`, `memberships`, `authentication` and `search` the handlers
//! by resource, `error` Crowd's error body, `json` and `xml` the renderings, `restriction` the
//! search restrictions.

pub mod authentication;
pub mod error;
pub mod groups;
pub mod json;
pub mod memberships;
pub mod restriction;
pub mod routes;
pub mod search;
pub mod store;
pub mod users;
pub mod xml;

pub use routes::router;
pub use store::CrowdStore;
