//! Atlassian Crowd REST `usermanagement/1`: wire types, the client, mapping to the domain, and
//! edits as write plans.

pub mod client;
pub mod directory;
pub mod groups;
pub mod mapping;
pub mod wire;

pub use client::Client;
