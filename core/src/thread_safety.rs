//! Compile-time proof that the public types and the futures of every endpoint can be shared
//! across threads and moved between tasks (a multi-threaded runtime, `tokio::spawn`, a struct
//! held by an axum handler). A change that loses one of these properties fails to build here,
//! in this crate, instead of in a user's.
//!
//! The endpoint futures borrow the client (and the action), so they are `Send` but not
//! `'static`; they hold the HTTP client's boxed future, which is not `Sync`. The named futures
//! are also `Unpin`, so they can be polled through `&mut` without pinning.

use crate::{
    Action, ActionParameter, ActionResponse, ActionSummary, ApiError, BulkCall, BulkOptions, Client, ClientBuilder,
    DecodeError, Error, ErrorKind, Execute, ExecuteRaw, ForLinkedAccount, HttpClient, NodeStatus, OnError, ParamType,
    RateLimit, RawAction, RetryClass, RetryPolicy, RevokeOutcome, SessionToken, TimeoutError, TransportError,
};

fn send_sync_static<T: Send + Sync + 'static>() {}

fn send<T: Send>(_: &T) {}

fn send_unpin<T: Send + Unpin>(_: &T) {}

/// A bulk run's stream owns its client handle, so it can be moved into `tokio::spawn`.
fn send_static<T: Send + 'static>(_: &T) {}

/// An action as `#[refold_action]` writes one: plain data, so `Sync`.
#[derive(serde::Serialize)]
struct Probe;

impl Action for Probe {
    const SLUG: &'static str = "probe";
    const ACTION_ID: &'static str = "probe";
    type Output = serde_json::Value;
}

#[allow(dead_code)]
fn types_are_send_sync_static() {
    send_sync_static::<Client>();
    send_sync_static::<ClientBuilder>();
    send_sync_static::<HttpClient>();
    send_sync_static::<Error>();
    send_sync_static::<ApiError>();
    send_sync_static::<DecodeError>();
    send_sync_static::<TransportError>();
    send_sync_static::<TimeoutError>();
    send_sync_static::<ErrorKind>();
    send_sync_static::<RetryClass>();
    send_sync_static::<RetryPolicy>();
    send_sync_static::<RateLimit>();
    send_sync_static::<SessionToken>();
    send_sync_static::<RevokeOutcome>();
    send_sync_static::<NodeStatus>();
    send_sync_static::<ParamType>();
    send_sync_static::<ActionSummary>();
    send_sync_static::<ActionParameter>();
    send_sync_static::<ActionResponse<serde_json::Value>>();
    send_sync_static::<BulkOptions>();
    send_sync_static::<OnError>();
    send_sync_static::<RawAction>();
    send_sync_static::<ForLinkedAccount<RawAction>>();
}

#[allow(dead_code)]
fn endpoint_futures_are_send(client: &Client, token: &SessionToken) {
    let params = serde_json::json!({});
    send_unpin::<Execute<'_, Probe>>(&client.execute(&Probe));
    send_unpin::<ExecuteRaw<'_>>(&client.execute_raw("probe", "probe", &params));
    send_unpin::<ExecuteRaw<'_>>(&client.execute_raw_idempotent("probe", "probe", &params));
    send(&client.list_actions("probe"));
    send(&client.action_parameters("probe", "probe"));
    send(&client.mint_session_token("probe"));
    send(&client.mint_session_token_forced("probe"));
    send(&client.revoke_session_token(token));
    send(&client.revoke_managed_session_token());
}

#[allow(dead_code)]
fn bulk_streams_are_send_static(client: &Client) {
    let raw = RawAction::new("probe", "probe", serde_json::json!({}));
    send_static::<BulkCall<serde_json::Value>>(&crate::BulkItem::into_call(raw.clone(), client));
    send_static(&client.execute_all([Probe], BulkOptions::default()));
    send_static(&client.execute_all(vec![ForLinkedAccount::new("a", raw)], BulkOptions::default()));
    send_static(&client.execute_all_stream(futures_util::stream::iter([Probe]), BulkOptions::default()));
}
