//! Reading a user's groups from Crowd: `GET /user/group/direct` and `GET /user/group/nested`
//! (`?username=U`), paged with `start-index`/`max-results`.
//!
//! Crowd announces no total, so pages are read until a short one arrives. A page that adds no
//! name not already seen also ends the reading (a server that ignores `start-index` would
//! otherwise repeat its first page forever), and a name seen twice is kept once (compared
//! ignoring case, as Crowd compares group names). Names are stripped of terminal control
//! sequences. This module only reads; it decides nothing about what the groups mean.

use std::collections::HashSet;

use reqwest::Method;

use super::client::{Client, PAGE_SIZE};
use super::wire;
use crate::service::error::ServiceError;
use crate::service::http::Request;
use crate::text::sanitize;

/// Which of a user's memberships to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// The groups the user is a member of itself (`/user/group/direct`).
    Direct,
    /// Those and every group they are nested in, at any depth (`/user/group/nested`).
    Nested,
}

impl Membership {
    /// The path segment of this membership's group list (`/user/group/{segment}`).
    pub fn segment(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Nested => "nested",
        }
    }
}

/// One of a user's groups, and whether the user is in it directly or only through another group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGroup {
    /// The group's name.
    pub name: String,
    /// True when the user is a direct member.
    pub direct: bool,
}

impl Client {
    /// The names of a user's groups (direct or nested), every page read with `page_size` groups
    /// a page (at least 1).
    pub async fn groups_of(
        &self,
        username: &str,
        membership: Membership,
        page_size: usize,
    ) -> Result<Vec<String>, ServiceError> {
        let size = page_size.max(1);
        let max = size.to_string();
        let mut names: Vec<String> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut start = 0usize;
        loop {
            let start_text = start.to_string();
            let url = self.url(
                &["user", "group", membership.segment()],
                &[
                    ("username", username),
                    ("start-index", start_text.as_str()),
                    ("max-results", max.as_str()),
                ],
            );
            let page: wire::GroupList = self.send(Request::new(Method::GET, url)).await?.json()?;
            let received = page.groups.len();
            let mut advanced = false;
            for group in page.groups {
                let name = sanitize(&group.name);
                if seen.insert(name.to_lowercase()) {
                    names.push(name);
                    advanced = true;
                }
            }
            if received < size || !advanced {
                return Ok(names);
            }
            start += received;
        }
    }

    /// Every group of a user: the nested ones in Crowd's order, each marked direct or not (a
    /// direct group the nested list lacks is added after them).
    pub async fn user_groups(&self, username: &str) -> Result<Vec<UserGroup>, ServiceError> {
        let direct = self
            .groups_of(username, Membership::Direct, PAGE_SIZE)
            .await?;
        let nested = self
            .groups_of(username, Membership::Nested, PAGE_SIZE)
            .await?;
        Ok(merge(&direct, nested))
    }
}

/// The nested names marked by whether they are among the direct ones, then the direct names the
/// nested list lacks.
fn merge(direct: &[String], nested: Vec<String>) -> Vec<UserGroup> {
    let direct_keys: HashSet<String> = direct.iter().map(|n| n.to_lowercase()).collect();
    let nested_keys: HashSet<String> = nested.iter().map(|n| n.to_lowercase()).collect();
    let mut groups: Vec<UserGroup> = nested
        .into_iter()
        .map(|name| UserGroup {
            direct: direct_keys.contains(&name.to_lowercase()),
            name,
        })
        .collect();
    groups.extend(
        direct
            .iter()
            .filter(|name| !nested_keys.contains(&name.to_lowercase()))
            .map(|name| UserGroup {
                name: name.clone(),
                direct: true,
            }),
    );
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn nested_groups_are_marked_direct_when_the_user_is_in_them_itself() {
        let merged = merge(
            &names(&["Developers", "only-direct"]),
            names(&["all-staff", "developers"]),
        );
        let shown: Vec<(&str, bool)> = merged.iter().map(|g| (g.name.as_str(), g.direct)).collect();
        assert_eq!(
            shown,
            [
                ("all-staff", false),
                ("developers", true),
                ("only-direct", true)
            ]
        );
    }
}
