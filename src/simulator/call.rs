//! What every simulated API's handler takes from its request, as one axum extractor: the method,
//! the URI as the client sent it, its decoded query pairs, the presented `Authorization`, and the
//! shared state whose stores the handler locks.
//!
//! Handlers take a [`Call`] (plus a `Path` or a body where they need one) and return
//! `Result<Response, E>` where `E` is their service's error type, which renders that service's own
//! error body. Nothing here decides whether credentials are valid (each service's auth layer does)
//! or how any service spells its errors.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Uri, header};
use base64::Engine as _;

use super::{SimState, query_pairs};

/// One request as a handler sees it.
#[derive(Debug, Clone)]
pub struct Call {
    /// The HTTP method.
    pub method: Method,
    /// The URI as the client sent it, with the service's prefix (`/crowd`, `/looker`, `/scim`).
    pub uri: Uri,
    /// The request headers.
    pub headers: HeaderMap,
    /// The decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// The `Authorization` header, split into scheme and credentials, when one was sent.
    pub authorization: Option<Authorization>,
    /// The simulator's state (its stores are locked through it).
    pub state: Arc<SimState>,
}

impl Call {
    /// The first value of a query parameter, its name matched exactly.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of a query parameter, its name matched ignoring ASCII case (SCIM's rule).
    pub fn param_ignoring_case(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// The path as the client sent it.
    pub fn path(&self) -> &str {
        self.uri.path()
    }

    /// A header as text, when present and readable.
    pub fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Host` the client addressed (links in bodies point back at it).
    pub fn host(&self) -> &str {
        self.header(header::HOST).unwrap_or("127.0.0.1")
    }
}

impl FromRequestParts<Arc<SimState>> for Call {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<SimState>,
    ) -> Result<Self, Self::Rejection> {
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or_else(|| parts.uri.clone(), |original| original.0.clone());
        Ok(Self {
            method: parts.method.clone(),
            query: query_pairs(&uri),
            authorization: Authorization::from_headers(&parts.headers),
            headers: parts.headers.clone(),
            uri,
            state: state.clone(),
        })
    }
}

/// An `Authorization` header: `<scheme> <credentials>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The scheme as sent (`Basic`, `Bearer`, `token`).
    pub scheme: String,
    /// Everything after the scheme, trimmed.
    pub credentials: String,
}

impl std::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorization")
            .field("scheme", &self.scheme)
            .field("credentials", &"<redacted>")
            .finish()
    }
}

impl Authorization {
    /// The header of a request, when it has a scheme and credentials.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        let (scheme, credentials) = value.trim().split_once(' ')?;
        Some(Self {
            scheme: scheme.to_owned(),
            credentials: credentials.trim().to_owned(),
        })
    }

    /// The credentials when the scheme is one of `schemes` (compared ignoring ASCII case).
    pub fn credentials_for(&self, schemes: &[&str]) -> Option<&str> {
        schemes
            .iter()
            .any(|s| s.eq_ignore_ascii_case(&self.scheme))
            .then_some(self.credentials.as_str())
    }

    /// The name and password of HTTP basic credentials.
    pub fn basic(&self) -> Option<(String, String)> {
        let encoded = self.credentials_for(&["basic"])?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()?;
        let pair = String::from_utf8(decoded).ok()?;
        let (name, password) = pair.split_once(':')?;
        Some((name.to_owned(), password.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(value).expect("header"),
        );
        headers
    }

    #[test]
    fn authorization_splits_scheme_and_decodes_basic_pairs() {
        let basic =
            Authorization::from_headers(&headers("Basic cm9zdGVyOnMzY3I6dA==")).expect("basic");
        assert_eq!(
            basic.basic(),
            Some(("roster".to_owned(), "s3cr:t".to_owned()))
        );
        let bearer = Authorization::from_headers(&headers("bearer  abc ")).expect("bearer");
        assert_eq!(bearer.credentials_for(&["token", "Bearer"]), Some("abc"));
        assert_eq!(bearer.credentials_for(&["basic"]), None);
        assert_eq!(bearer.basic(), None);
        assert!(Authorization::from_headers(&headers("abc")).is_none());
        assert!(!format!("{bearer:?}").contains("abc"));
    }
}
