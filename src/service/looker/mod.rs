//! Looker API 4.0: wire types, the client, mapping to the domain, and edits as write plans.

pub mod attributes;
pub mod client;
pub mod directory;
pub mod mapping;
pub mod wire;

pub use client::Client;
