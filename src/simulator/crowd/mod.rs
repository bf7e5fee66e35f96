//! The simulated Atlassian Crowd REST API, served under `/crowd` (API at
//! `/crowd/rest/usermanagement/1`).

pub mod json;
pub mod restriction;
pub mod routes;
pub mod store;
pub mod xml;

pub use routes::router;
pub use store::CrowdStore;
