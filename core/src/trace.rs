//! Where the client's traces go: the target of every span and event, and the span a call runs
//! in.

/// The target of every span and event of the client: documented (README "Observability") and
/// independent of the module that emits it, so `RUST_LOG=refold=debug` keeps working.
pub(crate) const TARGET: &str = "refold";

/// The span every call runs in: one per call (not per attempt), fields filled in as the call
/// ends. Holds no credential and no linked account id.
pub(crate) fn call_span(endpoint: &'static str, slug: &str, action_id: &str) -> tracing::Span {
    tracing::debug_span!(
        target: TARGET,
        "refold.call",
        endpoint,
        slug,
        action_id,
        attempts = tracing::field::Empty,
        status = tracing::field::Empty,
        request_id = tracing::field::Empty,
        elapsed_ms = tracing::field::Empty,
    )
}
