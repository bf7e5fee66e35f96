//! Atlassian Cloud user provisioning (SCIM 2.0): wire types, the client, mapping to the domain,
//! local resource edits for previews, and edits as write plans.

pub mod client;
pub mod directory;
pub mod mapping;
pub mod resource;
pub mod wire;

pub use client::Client;
