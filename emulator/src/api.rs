//! The Refold endpoints: routing, and one handler per endpoint.
//!
//! Handlers see requests after faults and recording have been dealt with (`server.rs`), and
//! return an [`ApiError`] for a refusal, whose envelope the server completes with the request
//! id; they implement only what Refold itself does.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::middleware::map_response;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use crate::accounts::Reach;
use crate::auth::{Credentials, authenticate};
use crate::envelope::{ActionOutcome, ApiError, ErrorStyle, json_response};
use crate::recording::Execution;
use crate::state::Shared;

type AppState = State<Arc<Shared>>;

/// Refold's routes.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let session_tokens = Router::new()
        .route("/api/v2/public/session-token", post(mint_session_token))
        .route("/api/v2/public/session-token/revoke", post(revoke_session_token))
        .route_layer(map_response(name_error_type));
    Router::new()
        .route("/api/v2/integration-schema/{slug}/actions", get(list_actions))
        .route(
            "/api/v2/integration-schema/{slug}/actions/{action_id}",
            get(action_parameters),
        )
        .route(
            "/api/v2/integration-schema/{slug}/actions/{action_id}/execute",
            post(execute),
        )
        .merge(session_tokens)
        .merge(crate::webhooks::router())
        .merge(crate::customers::routes())
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(shared)
}

/// The session-token endpoints name the class of an error `error_type` rather than
/// `http_error_type` (both spellings are in Refold's docs; clients must cope).
async fn name_error_type(mut response: Response) -> Response {
    if let Some(error) = response.extensions_mut().get_mut::<ApiError>() {
        error.style = ErrorStyle::ErrorType;
    }
    response
}

/// Authenticates, names the linked account and charges its rate limit.
fn linked_account(s: &Shared, headers: &HeaderMap) -> Result<String, ApiError> {
    let credentials = authenticate(headers, &s.api_key, &s.sessions, Instant::now())?;
    let id = credentials.linked_account_id()?.to_owned();
    s.check_rate_limit(&id)?;
    Ok(id)
}

fn bad_path(_: PathRejection) -> ApiError {
    ApiError::not_found("Integration slug not found")
}

fn find_action<'c>(s: &'c Shared, slug: &str, action_id: &str) -> Result<&'c crate::catalogue::ActionSchema, ApiError> {
    s.catalogue
        .app(slug)
        .ok_or_else(|| ApiError::not_found("Integration slug not found"))?
        .action(action_id)
        .ok_or_else(|| ApiError::not_found("Action not found for the specified slug and action_id"))
}

async fn list_actions(
    State(s): AppState,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    linked_account(&s, &headers)?;
    let Path(slug) = path.map_err(bad_path)?;
    let app = s
        .catalogue
        .app(&slug)
        .ok_or_else(|| ApiError::not_found("Integration slug not found"))?;
    let list: Vec<_> = app.actions.iter().map(|a| a.summary()).collect();
    Ok(json_response(StatusCode::OK, &list))
}

async fn action_parameters(
    State(s): AppState,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    linked_account(&s, &headers)?;
    let Path((slug, action_id)) = path.map_err(bad_path)?;
    let action = find_action(&s, &slug, &action_id)?;
    Ok(json_response(StatusCode::OK, &action.parameters))
}

async fn execute(
    State(s): AppState,
    headers: HeaderMap,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let account = linked_account(&s, &headers)?;
    let Path((slug, action_id)) = path.map_err(bad_path)?;
    let action = find_action(&s, &slug, &action_id)?;
    let params = parse_params(&body)?;
    crate::validation::validate(&params, &action.parameters, s.strictness).map_err(ApiError::validation)?;

    s.accounts.seed(&account, &s.catalogue);
    if let Some(refusal) = unreachable_app(&s, &account, &slug) {
        return Ok(refusal.into_response());
    }
    s.recorder.execution(Execution {
        linked_account_id: account.clone(),
        slug: slug.clone(),
        action_id: action_id.clone(),
        params: Value::Object(params.clone()),
    });
    let outcome = s.store.with_app(&account, &slug, |data| {
        crate::apps::run(&slug, action, &params, data, SystemTime::now())
    });
    Ok(outcome.into_response())
}

/// The reply to an action of an app the account has not connected, or whose connection
/// expired, or `None` when the app is reachable.
///
/// Refold's docs say such an action fails as "a credential or auth failure from the provider"
/// without showing the envelope. The emulator's choice: Refold reached its side of the call but
/// not the app, so the reply is a 200 with `node_status: "Failed"` and the provider's
/// `http_status: 401`, whose `data` says what is wrong and that the customer must (re)connect;
/// the action is not recorded as executed.
fn unreachable_app(s: &Shared, account: &str, slug: &str) -> Option<ActionOutcome> {
    let message = match s.accounts.reach(account, slug) {
        Reach::Connected => return None,
        Reach::NotConnected => {
            format!("Linked account '{account}' has not connected {slug}; send the customer a Connect URL")
        }
        Reach::Expired => format!(
            "The {slug} connection of linked account '{account}' has expired (reauth_required); \
             send the customer a Connect URL"
        ),
    };
    Some(ActionOutcome::failed(
        401,
        json!({ "status": 401, "error": "UNAUTHORIZED", "message": message, "reauth_required": true }),
    ))
}

/// A JSON object body (an action's parameters, a create's fields). An empty body counts as `{}`.
pub(crate) fn parse_params(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::validation("Request body must be a JSON object")),
        Err(e) => Err(ApiError::validation(format!("Request body is not valid JSON: {e}"))),
    }
}

async fn mint_session_token(
    State(s): AppState,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let credentials = authenticate(&headers, &s.api_key, &s.sessions, Instant::now())?;
    if !matches!(credentials, Credentials::ApiKey { .. }) {
        return Err(ApiError::unauthorized(
            "Invalid Credentials: minting a session token requires the x-api-key header",
        ));
    }
    let Query(query) = query.map_err(|e| ApiError::validation(format!("Invalid query string: {e}")))?;
    let force_refresh = match query.get("force_refresh").map(|v| v.to_ascii_lowercase()) {
        None => false,
        Some(v) if v == "true" => true,
        Some(v) if v == "false" => false,
        Some(v) => {
            return Err(ApiError::validation(format!(
                "Query parameter 'force_refresh' must be true or false, not '{v}'"
            )));
        }
    };
    let params = parse_params(&body)?;
    let linked_account_id = match params.get("linked_account_id") {
        Some(Value::String(id)) if !id.trim().is_empty() => id.trim().to_owned(),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            return Err(ApiError::validation(
                "Required parameter 'linked_account_id' is missing",
            ));
        }
        Some(_) => {
            return Err(ApiError::validation("Parameter 'linked_account_id' must be a string"));
        }
    };
    if !s.accounts.contains(&linked_account_id) {
        return Err(ApiError::internal(format!(
            "Linked account '{linked_account_id}' not found"
        )));
    }
    let minted = s.sessions.mint(&linked_account_id, force_refresh, Instant::now());
    Ok(json_response(StatusCode::OK, &minted))
}

async fn revoke_session_token(State(s): AppState, headers: HeaderMap) -> Result<Response, ApiError> {
    let credentials = authenticate(&headers, &s.api_key, &s.sessions, Instant::now())?;
    let Credentials::Session { token, .. } = credentials else {
        return Err(ApiError::unauthorized(
            "Invalid Credentials: revoking requires an Authorization: Bearer session token",
        ));
    };
    let revoked = s.sessions.revoke(&token);
    Ok(json_response(
        StatusCode::OK,
        &json!({ "success": true, "revoked_count": revoked }),
    ))
}

async fn unknown_route(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("No route for {method} {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::method_not_allowed(format!("Method {method} is not allowed on {}", uri.path()))
}
