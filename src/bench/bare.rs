//! The bare fetch roster's listings are compared with: the pages a listing of every user asks
//! for (the same URLs, page sizes and query as the service clients send), fetched with plain
//! reqwest at a fixed window and read to the end without parsing.
//!
//! As a listing must, it reads the first page alone, then the rest `window` at a time (the window
//! roster's own listing reached, or the one `--window` forces on both). It is told
//! how many users there are (the listing it is compared with found out), so it asks for exactly
//! the pages that hold them, plus Crowd's closing page when the last one is full (Crowd announces
//! no total; a listing ends on a short page): the floor a listing of the same users could reach.

use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use url::Url;

use crate::config::{Connection, Credentials};
use crate::domain::ServiceKind;
use crate::service::http::HttpClient;
use crate::service::{crowd, looker, scim};

/// The figures of one bare fetch.
#[derive(Debug, Clone, Copy)]
pub struct BareFigures {
    /// Requests sent (pages, and for the records an audit reads, the per-user reads too).
    pub pages: usize,
    /// Requests in flight at once after the first.
    pub window: usize,
    /// Body bytes read.
    pub bytes: u64,
    /// Time to the end of the first page's body (a Looker login included).
    pub first_page: Duration,
    /// Time to the end of the last page's body.
    pub total: Duration,
}

/// How each request proves who it is.
pub(super) enum Auth {
    Basic(String, String),
    Bearer(String),
}

impl Auth {
    fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Self::Basic(user, password) => request.basic_auth(user, Some(password)),
            Self::Bearer(token) => request.bearer_auth(token),
        }
    }
}

/// The page requests of a listing of `users` users of one connection.
pub(super) struct PagePlan {
    /// The first page's URL, then the others in order.
    pub(super) urls: Vec<Url>,
    /// For Looker: the login URL and its form (client id, secret).
    login: Option<(Url, [(&'static str, String); 2])>,
    /// Crowd's and SCIM's credentials (Looker's come from the login).
    auth: Option<Auth>,
}

/// The zero-based positions of the pages holding `users` users, `size` a page, and a closing
/// page after a full last one when the service only ends a listing on a short page.
fn positions(users: usize, size: usize, ends_on_short_page: bool) -> Vec<usize> {
    let size = size.max(1);
    let mut positions: Vec<usize> = (0..users.max(1)).step_by(size).collect();
    if ends_on_short_page && users > 0 && users.is_multiple_of(size) {
        positions.push(users);
    }
    positions
}

fn with_query(mut url: Url, pairs: &[(&str, &str)]) -> Url {
    url.query_pairs_mut().extend_pairs(pairs);
    url
}

impl PagePlan {
    pub(super) fn new(connection: &Connection, users: usize) -> Result<Self, String> {
        let http = || HttpClient::new(&connection.name, true).map_err(|e| e.to_string());
        match (connection.kind, &connection.credentials) {
            (
                ServiceKind::Looker,
                Credentials::ClientCredentials {
                    client_id,
                    client_secret,
                },
            ) => {
                let client = looker::Client::new(http()?, connection).map_err(|e| e.to_string())?;
                let size = looker::client::PAGE_SIZE;
                let urls = positions(users, size, false)
                    .into_iter()
                    .map(|offset| {
                        with_query(
                            client.url(&["users"]),
                            &[
                                ("fields", looker::client::SUMMARY_FIELDS),
                                ("sorts", "id"),
                                ("limit", &size.to_string()),
                                ("offset", &offset.to_string()),
                            ],
                        )
                    })
                    .collect();
                let form = [
                    ("client_id", client_id.clone()),
                    ("client_secret", client_secret.expose().to_owned()),
                ];
                Ok(Self {
                    urls,
                    login: Some((client.url(&["login"]), form)),
                    auth: None,
                })
            }
            (ServiceKind::Scim, Credentials::Bearer { token }) => {
                let client = scim::Client::new(http()?, connection).map_err(|e| e.to_string())?;
                let size = scim::client::PAGE_SIZE;
                let urls = positions(users, size, false)
                    .into_iter()
                    .map(|position| {
                        with_query(
                            client.url(&["Users"]),
                            &[
                                ("startIndex", &(position + 1).to_string()),
                                ("count", &size.to_string()),
                                ("attributes", scim::client::SUMMARY_ATTRIBUTES),
                            ],
                        )
                    })
                    .collect();
                Ok(Self {
                    urls,
                    login: None,
                    auth: Some(Auth::Bearer(token.expose().to_owned())),
                })
            }
            (ServiceKind::Crowd, Credentials::Basic { username, password }) => {
                let client = crowd::Client::new(http()?, connection).map_err(|e| e.to_string())?;
                let size = crowd::client::PAGE_SIZE;
                let urls = positions(users, size, true)
                    .into_iter()
                    .map(|start| {
                        client.url(
                            &["search"],
                            &[
                                ("entity-type", "user"),
                                ("expand", "user"),
                                ("start-index", &start.to_string()),
                                ("max-results", &size.to_string()),
                            ],
                        )
                    })
                    .collect();
                Ok(Self {
                    urls,
                    login: None,
                    auth: Some(Auth::Basic(username.clone(), password.expose().to_owned())),
                })
            }
            _ => Err(format!(
                "connection `{}` has credentials of another service",
                connection.name
            )),
        }
    }

    /// Logs in where the service wants it: the credentials every page request carries.
    pub(super) async fn authenticate(&self, client: &reqwest::Client) -> Result<Auth, String> {
        let Some((url, form)) = &self.login else {
            return match &self.auth {
                Some(Auth::Basic(user, password)) => {
                    Ok(Auth::Basic(user.clone(), password.clone()))
                }
                Some(Auth::Bearer(token)) => Ok(Auth::Bearer(token.clone())),
                None => Err("no credentials".to_owned()),
            };
        };
        #[derive(serde::Deserialize)]
        struct Token {
            access_token: String,
        }
        let response = client
            .post(url.clone())
            .form(form)
            .send()
            .await
            .map_err(|e| format!("login failed: {}", e.without_url()))?;
        if !response.status().is_success() {
            return Err(format!("login answered {}", response.status()));
        }
        let token: Token = response
            .json()
            .await
            .map_err(|e| format!("login answered no token: {}", e.without_url()))?;
        Ok(Auth::Bearer(token.access_token))
    }
}

/// The longest one bare request may take, as roster's own attempts (`service::http`): every
/// wait of the bench is bounded, even against a simulator that stops answering.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The plain HTTP client of the bare fetches: no retries, no parsing, a bounded wait.
pub(super) fn bare_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| format!("the bare fetch's HTTP client: {e}"))
}

/// Reads one page to the end; the number of body bytes.
async fn fetch(client: &reqwest::Client, auth: &Auth, url: Url) -> Result<u64, String> {
    let mut response = auth
        .apply(client.get(url))
        .send()
        .await
        .map_err(|e| format!("a page request failed: {}", e.without_url()))?;
    if !response.status().is_success() {
        return Err(format!("a page request answered {}", response.status()));
    }
    let mut bytes = 0u64;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("a page body broke off: {}", e.without_url()))?
    {
        bytes += chunk.len() as u64;
    }
    Ok(bytes)
}

/// Fetches the pages of a listing of `users` users of `connection`: the first alone, then the
/// rest `window` at a time.
pub async fn fetch_listing(
    connection: &Connection,
    users: usize,
    window: usize,
) -> Result<BareFigures, String> {
    let plan = PagePlan::new(connection, users)?;
    let client = bare_client()?;
    let started = Instant::now();
    let auth = plan.authenticate(&client).await?;
    let urls = plan.urls.into_iter();
    fetch_all(&client, &auth, started, urls, window).await
}

/// Reads the first URL alone, then the rest `window` at a time, each body to its end; timed from
/// `started` (before any login).
pub(super) async fn fetch_all(
    client: &reqwest::Client,
    auth: &Auth,
    started: Instant,
    mut urls: impl Iterator<Item = Url>,
    window: usize,
) -> Result<BareFigures, String> {
    let first = urls.next().ok_or("no page to fetch")?;
    let mut bytes = fetch(client, auth, first).await?;
    let first_page = started.elapsed();
    let window = window.max(1);
    let (rest, sent) = futures::stream::iter(urls.map(|url| fetch(client, auth, url)))
        .buffer_unordered(window)
        .try_fold((0, 0), |(sum, sent), page| async move {
            Ok((sum + page, sent + 1))
        })
        .await?;
    bytes += rest;
    Ok(BareFigures {
        pages: 1 + sent,
        window,
        bytes,
        first_page,
        total: started.elapsed(),
    })
}

/// The time until `connection` answers the first page of a listing (a Looker login included).
pub async fn first_page(connection: &Connection) -> Result<Duration, String> {
    let started = Instant::now();
    fetch_listing(connection, 1, 1).await?;
    Ok(started.elapsed())
}

#[cfg(test)]
mod tests {
    use super::positions;

    #[test]
    fn pages_cover_the_users_and_crowd_reads_a_closing_page_after_a_full_one() {
        assert_eq!(positions(2_500, 1_000, true), [0, 1_000, 2_000]);
        assert_eq!(positions(2_000, 1_000, true), [0, 1_000, 2_000]);
        assert_eq!(positions(2_000, 1_000, false), [0, 1_000]);
        assert_eq!(positions(0, 100, true), [0]);
        assert_eq!(positions(1, 500, false), [0]);
    }
}
