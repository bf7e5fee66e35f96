//! Crowd's error body for the simulated API: a [`Refusal`] is the handlers' error type and
//! renders as Crowd's `ErrorEntity`, `{"reason": …, "message": …}`, with its status.
//!
//! Crowd serves XML as well as JSON; a client that asks only for XML (`Accept` naming xml and not
//! json, as python-crowd's XML session does) gets `<error><reason/><message/></error>` instead.
//! The handler does not know what the client accepts, so [`negotiate`] (a layer on the Crowd
//! router) re-renders a refusal as XML where the request asks for it. Nothing here decides when
//! to refuse.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::json as render;
use super::store::Refusal;

impl Refusal {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn xml_response(&self) -> Response {
        (
            self.status_code(),
            [(header::CONTENT_TYPE, "application/xml")],
            render::error_xml(self.reason, &self.message),
        )
            .into_response()
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = (
            self.status_code(),
            axum::Json(render::error(self.reason, &self.message)),
        )
            .into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// True when the client asks for XML and not JSON.
fn wants_only_xml(request: &Request) -> bool {
    let accept = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    accept.contains("xml") && !accept.contains("json")
}

/// The layer that renders refusals as XML for clients that ask only for XML.
pub async fn negotiate(request: Request, next: Next) -> Response {
    let xml = wants_only_xml(&request);
    let mut response = next.run(request).await;
    match response.extensions_mut().remove::<Refusal>() {
        Some(refusal) if xml => refusal.xml_response(),
        _ => response,
    }
}
