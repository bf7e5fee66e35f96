//! The bare fetch `roster audit` is compared with: the requests an audit of one connection sends
//! (the pages of the listing, then what each service's `read_user` asks for every listed user),
//! fetched with plain reqwest at one window and read to the end without parsing.
//!
//! It is told the ids (a roster listing found them beforehand, untimed), as the listing's bare
//! fetch is told the number of users. The per-user requests restate each directory's `read_user`
//! with the clients' own URL builders; a change there must be followed here. Looker's group
//! names, which a client reads once and keeps, are one request at the start.

use std::time::Instant;

use url::Url;

use super::bare::{BareFigures, PagePlan, bare_client, fetch_all};
use crate::config::Connection;
use crate::service::crowd::groups::Membership;
use crate::service::{AnyDirectory, OpenOptions, crowd};

/// The requests an audit sends once, then those it sends for each user.
pub struct RecordPlan {
    directory: AnyDirectory,
}

impl RecordPlan {
    /// The plan for `connection`, with its clients' URL builders.
    pub fn new(connection: &Connection) -> Result<Self, String> {
        let directory =
            AnyDirectory::open(connection, OpenOptions::default()).map_err(|e| e.to_string())?;
        Ok(Self { directory })
    }

    /// Requests sent once per audit, whatever the number of users.
    pub fn once(&self) -> Vec<Url> {
        match &self.directory {
            AnyDirectory::Looker(client) => {
                let mut groups = client.url(&["groups"]);
                groups.query_pairs_mut().append_pair("fields", "id,name");
                vec![groups]
            }
            AnyDirectory::Crowd(_) | AnyDirectory::Scim(_) => Vec::new(),
        }
    }

    /// The requests `read_user(id)` sends.
    pub fn of(&self, id: &str) -> Vec<Url> {
        match &self.directory {
            AnyDirectory::Crowd(client) => {
                let size = crowd::client::PAGE_SIZE.to_string();
                let groups = |membership: Membership| {
                    client.url(
                        &["user", "group", membership.segment()],
                        &[
                            ("username", id),
                            ("start-index", "0"),
                            ("max-results", &size),
                        ],
                    )
                };
                vec![
                    client.url(&["user"], &[("username", id), ("expand", "attributes")]),
                    groups(Membership::Direct),
                    groups(Membership::Nested),
                ]
            }
            AnyDirectory::Scim(client) => vec![client.url(&["Users", id])],
            AnyDirectory::Looker(client) => {
                let mut definitions = client.url(&["user_attributes"]);
                definitions.query_pairs_mut().append_pair("sorts", "name");
                let mut values = client.url(&["users", id, "attribute_values"]);
                values
                    .query_pairs_mut()
                    .append_pair("all_values", "true")
                    .append_pair("include_unset", "true");
                vec![client.url(&["users", id]), definitions, values]
            }
        }
    }
}

/// Fetches what an audit of the users `ids` of `connection` reads: the first page alone, then
/// the other pages, the once-only requests and every user's reads, `window` at a time.
pub async fn fetch_records(
    connection: &Connection,
    ids: &[String],
    window: usize,
) -> Result<BareFigures, String> {
    let pages = PagePlan::new(connection, ids.len())?;
    let reads = RecordPlan::new(connection)?;
    let client = bare_client()?;
    let started = Instant::now();
    let auth = pages.authenticate(&client).await?;
    let urls = pages
        .urls
        .into_iter()
        .chain(reads.once())
        .chain(ids.iter().flat_map(|id| reads.of(id)));
    fetch_all(&client, &auth, started, urls, window).await
}
