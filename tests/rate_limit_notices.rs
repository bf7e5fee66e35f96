//! A wait for a rate limit is announced ("rate limited, retrying in N s") for the browser to show.
#![allow(clippy::unwrap_used)]

use reqwest::Method;
use roster::service::http::{HttpClient, Request};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_rate_limited_request_announces_its_wait_and_then_succeeds() {
    let server = MockServer::builder().start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&server)
        .await;
    let (notices, mut announced) = tokio::sync::mpsc::unbounded_channel();
    let http = HttpClient::new("looker", false)
        .unwrap()
        .with_notices(Some(notices));
    let url = url::Url::parse(&format!("{}/users", server.uri())).unwrap();
    let response = http.send(&Request::new(Method::GET, url)).await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        announced.try_recv().unwrap(),
        "looker: rate limited, retrying in 1 s"
    );
}
