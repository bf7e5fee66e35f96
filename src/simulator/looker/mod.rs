//! The simulated Looker API 4.0, served under `/looker` (API at `/looker/api/4.0`).

pub mod json;
pub mod routes;
pub mod search;
pub mod store;

pub use routes::router;
pub use store::LookerStore;
