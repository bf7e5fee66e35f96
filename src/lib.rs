//! roster: a terminal browser and command line for the users and user attributes of Atlassian
//! Crowd, Atlassian Cloud user provisioning (SCIM 2.0) and Looker, with a built-in simulator of
//! all three APIs.
//!
//! The binary only parses arguments and calls [`cli::run`]; everything else lives here so that
//! tests drive the same code.

pub mod app;
pub mod bench;
pub mod cli;
pub mod config;
pub mod domain;
pub mod export;
pub mod files;
pub mod journal;
pub mod logging;
pub mod secret;
pub mod service;
pub mod simulator;
pub mod terminal;
pub mod text;
pub mod time;
pub mod tui;
pub mod view;
pub mod write;
