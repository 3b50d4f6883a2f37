//! The accept loop and per-connection handling: request ids (added to every reply here, error
//! envelopes included), recording and faults.
//!
//! `axum::serve` gives a handler no way to drop its TCP connection, which the
//! `Drop*` faults need, so connections are served here with hyper directly. Each connection task
//! races hyper's connection future against a kill signal; a handler that fires the signal makes
//! the task return, which drops the socket without a reply.

use std::convert::Infallible;
use std::future::pending;
use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, request::Parts};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::envelope::{ApiError, RequestId};
use crate::faults::{self, Fault};
use crate::recording::RecordedRequest;
use crate::state::Shared;

/// Header echoing the request id on every reply.
const REQUEST_ID_HEADER: &str = "x-request-id";
/// Largest request body read; larger ones get a 413.
const MAX_BODY: usize = 16 * 1024 * 1024;
/// How long a graceful shutdown waits for requests in flight.
const GRACE: Duration = Duration::from_secs(5);

/// Accepts connections until `shutdown` changes (or its sender is dropped), then drains.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let router = crate::api::router(shared.clone());
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, shared.clone(), router.clone(), shutdown.clone()));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    let drained = tokio::time::timeout(GRACE, async { while connections.join_next().await.is_some() {} });
    if drained.await.is_err() {
        connections.shutdown().await;
    }
}

async fn connection(stream: TcpStream, shared: Arc<Shared>, router: Router, mut shutdown: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let service = {
        let kill = kill.clone();
        hyper::service::service_fn(move |req| handle(shared.clone(), router.clone(), kill.clone(), req))
    };
    let mut conn = pin!(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
    let mut draining = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            // Returning drops `conn` and with it the socket: the peer sees the connection close
            // (or reset, if it had unread data) with no reply.
            () = kill.notified() => return,
            _ = shutdown.changed(), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// One request: id, fault choice, recording, then the fault or the router.
async fn handle(
    shared: Arc<Shared>,
    router: Router,
    kill: Arc<Notify>,
    request: Request<Incoming>,
) -> Result<Response, Infallible> {
    let request_id = RequestId::fresh();
    let fault = shared.faults.next(request.uri().path());
    let (parts, body) = request.into_parts();
    let log = shared.log_requests.then(|| RequestLog::start(&parts, &request_id));

    if fault == Some(Fault::DropBeforeBody) {
        record(&shared, &parts, &[]);
        if let Some(log) = log {
            log.finish("dropped");
        }
        kill.notify_one();
        return pending().await;
    }

    let bytes = match axum::body::to_bytes(Body::new(body), MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(_) => {
            record(&shared, &parts, &[]);
            let error = ApiError::payload_too_large(format!(
                "Request body is larger than {MAX_BODY} bytes or could not be read"
            ));
            let response = with_request_id(error.into_response(), &request_id);
            if let Some(log) = log {
                log.finish(response.status().as_str());
            }
            return Ok(response);
        }
    };
    record(&shared, &parts, &bytes);

    let injected = fault.as_ref().and_then(|fault| faults::reply(fault, &request_id));
    let response = match injected {
        Some(response) => response,
        None => {
            let request = Request::from_parts(parts, Body::from(bytes));
            match fault {
                Some(Fault::Delay(delay)) => route_after(delay, router, request).await,
                _ => route(router, request).await,
            }
        }
    };
    let response = with_request_id(response, &request_id);

    if fault == Some(Fault::DropAfterExecute) {
        if let Some(log) = log {
            log.finish("dropped");
        }
        kill.notify_one();
        return pending().await;
    }
    if let Some(log) = log {
        log.finish(response.status().as_str());
    }
    Ok(response)
}

/// One request's log line, begun when it arrives and written when its fate is known.
///
/// It holds the method, the path without its query, and the request id, and nothing else: no
/// header or body, so a credential can never reach the log.
struct RequestLog {
    method: String,
    path: String,
    request_id: String,
    started: Instant,
}

impl RequestLog {
    fn start(parts: &Parts, request_id: &RequestId) -> Self {
        RequestLog {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            request_id: request_id.0.clone(),
            started: Instant::now(),
        }
    }

    /// Writes the line to stderr; `outcome` is the status code, or `dropped`.
    fn finish(self, outcome: &str) {
        let elapsed = self.started.elapsed();
        eprintln!(
            "{} {} {outcome} request_id={} {:.1}ms",
            self.method,
            self.path,
            self.request_id,
            elapsed.as_secs_f64() * 1000.0
        );
    }
}

async fn route(router: Router, request: Request<Body>) -> Response {
    match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// Handles a request after `delay`, on a task of its own. The whole request has arrived, so, as
/// on a real server, it is handled even when the client stops waiting during the delay and
/// closes the connection: that drops this future (hyper drops the handler of a closed
/// connection), not the task. A write whose client timed out has then still executed.
async fn route_after(delay: Duration, router: Router, request: Request<Body>) -> Response {
    let handled = tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        route(router, request).await
    });
    match handled.await {
        Ok(response) => response,
        // A panic in a handler goes where it would have gone without the task: up through the
        // connection.
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // Only a runtime shutting down cancels the task.
        Err(_) => ApiError::internal("the emulator is shutting down").into_response(),
    }
}

/// The one place a reply gets its request id: the `x-request-id` header, and the `request_id`
/// of the envelope of an [`ApiError`] a handler returned.
fn with_request_id(mut response: Response, request_id: &RequestId) -> Response {
    if let Some(error) = response.extensions_mut().remove::<ApiError>() {
        response = error.render(request_id);
    }
    if let Ok(value) = HeaderValue::from_str(&request_id.0) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

fn record(shared: &Shared, parts: &Parts, body: &[u8]) {
    if !shared.recorder.records_requests() {
        return;
    }
    shared.recorder.request(RecordedRequest {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    });
}
