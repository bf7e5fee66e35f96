//! The simulated Looker API 4.0, served under `/looker` (API at `/looker/api/4.0`) and at the root.
//!
//! `store` holds the instance and its lookup-path rules, `definitions` the rules for changing an
//! attribute's definition, `routes` the route table, `auth`, `users`, `attributes` and `groups`
//! the handlers by resource, `paging` sorting and paging, `search` the `/users/search`
//! conditions, `error` Looker's error bodies, `json` and `user_json` the renderings.

pub mod attributes;
pub mod auth;
pub mod definitions;
pub mod error;
pub mod groups;
pub mod json;
pub mod paging;
pub mod routes;
pub mod search;
pub mod store;
pub mod user_json;
pub mod users;

pub use routes::router;
pub use store::LookerStore;
