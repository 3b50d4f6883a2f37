//! An axum extractor that verifies a delivery before the handler runs (feature `axum`).

use axum::body::to_bytes;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{Error, Event, Verifier};

/// A verified, typed webhook event, extracted from a request.
///
/// The [`Verifier`] comes from the router's state ([`FromRef`]); the body is read up to the
/// verifier's [`body_limit`](Verifier::body_limit). A delivery that fails a check never reaches
/// the handler: the extractor answers with [`Rejection`] (401 for the secret or signature, 413
/// for a body too large or that could not be read, 400 for a body that is not JSON).
///
/// ```no_run
/// # extern crate refold_core as refold;
/// use axum::{Router, routing::post};
/// use refold::webhooks::{Event, Verifier, axum::Verified};
///
/// async fn receive(Verified(event): Verified) -> &'static str {
///     if let Event::ConnectionExpired(e) = event {
///         println!("ask {} to reconnect {}", e.linked_account_id, e.slug);
///     }
///     "ok"
/// }
///
/// # async fn run() -> std::io::Result<()> {
/// let verifier = Verifier::from_secret(&std::env::var("REFOLD_WEBHOOK_SECRET").unwrap_or_default());
/// let app = Router::new().route("/refold", post(receive)).with_state(verifier);
/// # let _: Router = app;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Verified(pub Event);

/// Why [`Verified`] refused a request; answers with [`Error::status`] and the error's message.
#[derive(Debug)]
pub struct Rejection(pub Error);

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let mut response = (status, self.0.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        response
    }
}

impl<S> FromRequest<S> for Verified
where
    S: Send + Sync,
    Verifier: FromRef<S>,
{
    type Rejection = Rejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Verifier::from_ref(state);
        let (parts, body) = request.into_parts();
        let limit = verifier.body_limit();
        let body = to_bytes(body, limit)
            .await
            .map_err(|_| Rejection(Error::TooLarge { limit }))?;
        verifier.verify(&parts.headers, &body).map(Verified).map_err(Rejection)
    }
}
