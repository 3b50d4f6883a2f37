//! The endpoints of customers and their connections: Linked Accounts, Applications, Hosted
//! Connect, OAuth, Credentials and Auth Structure, with the request and reply shapes of
//! Refold's OpenAPI description. The store behind them is `accounts.rs`; the page a Connect
//! URL leads to is `connect_page.rs`.
//!
//! Choices where Refold does not document its behaviour:
//!
//! - Creating an account that exists is a 409 `CONFLICT`; reading, deleting or listing the apps
//!   of an unknown account is a 404, as is removing an integration the account does not have.
//! - The configured default account is the test environment's test user, which Refold does not
//!   let anyone delete: deleting it is a 400.
//! - Saving key-based credentials requires a non-empty `api_key` (the `keybased` structure
//!   `GET /auth-structure/{slug}` describes) and connects the app with auth type `keybased`.
//! - An OAuth URL leads to the emulator's Connect page for that one app, standing in for the
//!   provider's consent screen.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use axum::routing::{delete, get, post, put};
use serde_json::{Map, Value, json};

use crate::accounts::{AccountFields, ConnectionChange, KEYBASED, OAUTH2};
use crate::api::parse_params;
use crate::auth::{Credentials, LINKED_ACCOUNT_HEADER, authenticate};
use crate::connect_page::ConnectSession;
use crate::envelope::{ApiError, json_response};
use crate::state::Shared;

type AppState = State<Arc<Shared>>;
type QueryMap = Result<Query<HashMap<String, String>>, QueryRejection>;

/// The routes of this module.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/api/v2/public/linked-account",
            get(list_accounts).post(create_account).put(upsert_account),
        )
        .route(
            "/api/v2/public/linked-account/{linked_account_id}",
            get(get_account).delete(delete_account),
        )
        .route(
            "/api/v2/public/linked-account/integration/{slug}",
            delete(remove_integration),
        )
        .route(
            "/api/v2/public/linked-account/integration/oauth-url/{slug}",
            get(oauth_url),
        )
        .route(
            "/api/v2/public/linked-account/integration/save-key-credentials/{slug}",
            put(save_key_credentials),
        )
        .route(
            "/api/v2/public/session/active-linked-account",
            get(active_linked_account),
        )
        .route("/api/v2/public/auth-structure/{slug}", get(auth_structure))
        .route("/api/v2/public/connect-url", post(connect_url))
        .route("/api/v2/public/hosted-properties", get(hosted_properties))
        .route("/api/v2/public/application", get(list_applications))
        .route("/api/v2/public/application/{slug}", get(get_application))
        .route(
            "/connect/{token}",
            get(crate::connect_page::page).post(crate::connect_page::submit),
        )
}

fn credentials(s: &Shared, headers: &HeaderMap) -> Result<Credentials, ApiError> {
    authenticate(headers, &s.api_key, &s.sessions, Instant::now())
}

/// Org API key only.
fn org(s: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    match credentials(s, headers)? {
        Credentials::ApiKey { .. } => Ok(()),
        Credentials::Session { .. } => Err(ApiError::unauthorized(
            "Invalid Credentials: this endpoint requires the x-api-key header",
        )),
    }
}

/// Org API key plus the account, from the header (which takes precedence) or the query.
fn org_account(s: &Shared, headers: &HeaderMap, query: &HashMap<String, String>) -> Result<String, ApiError> {
    let from_header = match credentials(s, headers)? {
        Credentials::ApiKey { linked_account_id } => linked_account_id,
        Credentials::Session { .. } => {
            return Err(ApiError::unauthorized(
                "Invalid Credentials: this endpoint requires the x-api-key header",
            ));
        }
    };
    let id = from_header
        .or_else(|| query.get("linked_account_id").map(|id| id.trim().to_owned()))
        .filter(|id| !id.is_empty())
        .ok_or_else(|| ApiError::validation(format!("Required header '{LINKED_ACCOUNT_HEADER}' is missing")))?;
    s.check_rate_limit(&id)?;
    Ok(id)
}

/// Org API key plus an account that exists (see [`org_account`]).
fn existing_account(s: &Shared, headers: &HeaderMap, query: &HashMap<String, String>) -> Result<String, ApiError> {
    let id = org_account(s, headers, query)?;
    if !s.accounts.contains(&id) {
        return Err(account_not_found(&id));
    }
    Ok(id)
}

/// A catalogue app, or a 404 naming it.
fn known_app(s: &Shared, slug: &str) -> Result<(), ApiError> {
    s.catalogue.app(slug).map(|_| ()).ok_or_else(|| app_not_found(slug))
}

/// A session token only; the account it names and the token.
fn session(s: &Shared, headers: &HeaderMap) -> Result<(String, String), ApiError> {
    match credentials(s, headers)? {
        Credentials::Session {
            linked_account_id,
            token,
        } => Ok((linked_account_id, token)),
        Credentials::ApiKey { .. } => Err(ApiError::unauthorized(
            "Invalid Credentials: this endpoint requires an Authorization: Bearer session token",
        )),
    }
}

fn query_map(query: QueryMap) -> Result<HashMap<String, String>, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| ApiError::validation(format!("Invalid query string: {e}")))
}

fn account_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Linked account '{id}' not found"))
}

fn app_not_found(slug: &str) -> ApiError {
    ApiError::not_found(format!("Application '{slug}' not found"))
}

/// A query number of at least 1, or its default.
fn positive(query: &HashMap<String, String>, name: &str, default: u64) -> Result<u64, ApiError> {
    match query.get(name) {
        None => Ok(default),
        Some(text) => text.parse::<u64>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            ApiError::validation(format!("Query parameter '{name}' must be a whole number of at least 1"))
        }),
    }
}

/// `account_id`, or its alias `linked_account_id`.
fn body_account_id(body: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    for key in ["account_id", "linked_account_id"] {
        match body.get(key) {
            Some(Value::String(id)) if !id.trim().is_empty() => return Ok(Some(id.trim().to_owned())),
            None | Some(Value::Null) => {}
            Some(_) => {
                return Err(ApiError::validation(format!(
                    "Parameter '{key}' must be a non-empty string"
                )));
            }
        }
    }
    Ok(None)
}

/// `name` and `udf` (an object of strings); `your_app` is accepted and not kept.
fn fields(body: &Map<String, Value>) -> Result<AccountFields, ApiError> {
    let name = match body.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) => Some(name.clone()),
        Some(_) => return Err(ApiError::validation("Parameter 'name' must be a string")),
    };
    let mut udf = BTreeMap::new();
    match body.get("udf") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (key, value) in map {
                let Value::String(value) = value else {
                    return Err(ApiError::validation(format!("UDF '{key}' must be a string")));
                };
                udf.insert(key.clone(), value.clone());
            }
        }
        Some(_) => return Err(ApiError::validation("Parameter 'udf' must be an object of strings")),
    }
    if let Some(your_app) = body.get("your_app")
        && !your_app.get("auth_credentials").is_some_and(Value::is_object)
    {
        return Err(ApiError::validation(
            "Parameter 'your_app.auth_credentials' is required and must be an object",
        ));
    }
    Ok(AccountFields { name, udf })
}

async fn list_accounts(State(s): AppState, headers: HeaderMap, query: QueryMap) -> Result<Response, ApiError> {
    org(&s, &headers)?;
    let query = query_map(query)?;
    let page = positive(&query, "page", 1)?;
    let limit = positive(&query, "limit", 10)?;
    Ok(json_response(StatusCode::OK, &s.accounts.page(page, limit)))
}

async fn create_account(State(s): AppState, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    org(&s, &headers)?;
    let body = parse_params(&body)?;
    let id =
        body_account_id(&body)?.ok_or_else(|| ApiError::validation("Required parameter 'account_id' is missing"))?;
    let created = s
        .accounts
        .create(&id, fields(&body)?)
        .map_err(|_| ApiError::conflict(format!("Linked account '{id}' already exists")))?;
    Ok(json_response(StatusCode::OK, &created))
}

async fn upsert_account(State(s): AppState, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let from_token = match credentials(&s, &headers)? {
        Credentials::Session { linked_account_id, .. } => Some(linked_account_id),
        Credentials::ApiKey { .. } => None,
    };
    let body = parse_params(&body)?;
    let id = match from_token {
        Some(id) => id,
        None => {
            body_account_id(&body)?.ok_or_else(|| ApiError::validation("Required parameter 'account_id' is missing"))?
        }
    };
    // Fields nested under `payload` take precedence over flat ones.
    let fields = match body.get("payload") {
        Some(Value::Object(payload)) => fields(payload)?,
        None | Some(Value::Null) => fields(&body)?,
        Some(_) => return Err(ApiError::validation("Parameter 'payload' must be an object")),
    };
    Ok(json_response(StatusCode::OK, &s.accounts.upsert(&id, fields)))
}

async fn get_account(State(s): AppState, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    if let Credentials::Session { linked_account_id, .. } = credentials(&s, &headers)?
        && linked_account_id != id
    {
        return Err(account_not_found(&id));
    }
    let account = s.accounts.get(&id).ok_or_else(|| account_not_found(&id))?;
    Ok(json_response(StatusCode::OK, &account))
}

async fn delete_account(State(s): AppState, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    org(&s, &headers)?;
    if !s.accounts.contains(&id) {
        return Err(account_not_found(&id));
    }
    if id == s.linked_account_id {
        return Err(ApiError::validation(format!(
            "Linked account '{id}' is the test user of the test environment and cannot be deleted"
        )));
    }
    for slug in s.accounts.connected_slugs(&id) {
        s.connection_changed(&id, &slug, ConnectionChange::Deleted);
    }
    s.accounts.delete(&id);
    s.sessions.revoke_account(&id);
    Ok(json_response(
        StatusCode::OK,
        &json!({ "message": "User deleted successfully" }),
    ))
}

async fn remove_integration(
    State(s): AppState,
    headers: HeaderMap,
    Path(slug): Path<String>,
    query: QueryMap,
) -> Result<Response, ApiError> {
    let query = query_map(query)?;
    let id = existing_account(&s, &headers, &query)?;
    let connected = s.accounts.auth_type(&id, &slug);
    let wanted = query.get("auth_type");
    match connected {
        Some(auth_type) if wanted.is_none_or(|wanted| *wanted == auth_type) => {
            s.connection_changed(&id, &slug, ConnectionChange::Deleted);
        }
        _ => {
            return Err(ApiError::not_found(format!(
                "Integration '{slug}' not found for linked account '{id}'"
            )));
        }
    }
    let account = s.accounts.get(&id).ok_or_else(|| account_not_found(&id))?;
    Ok(json_response(StatusCode::OK, &account))
}

async fn active_linked_account(State(s): AppState, headers: HeaderMap) -> Result<Response, ApiError> {
    let (id, _) = session(&s, &headers)?;
    let account = s.accounts.get(&id).ok_or_else(|| account_not_found(&id))?;
    Ok(json_response(StatusCode::OK, &account))
}

/// The emulator's own origin, as the client reached it.
fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

async fn oauth_url(
    State(s): AppState,
    headers: HeaderMap,
    Path(slug): Path<String>,
    query: QueryMap,
) -> Result<Response, ApiError> {
    let query = query_map(query)?;
    let id = existing_account(&s, &headers, &query)?;
    known_app(&s, &slug)?;
    let token = s.connect.open(ConnectSession {
        linked_account_id: id,
        properties: Map::new(),
        only_slug: Some(slug),
    });
    Ok(json_response(
        StatusCode::OK,
        &json!({ "auth_url": format!("{}/connect/{token}", origin(&headers)) }),
    ))
}

async fn save_key_credentials(
    State(s): AppState,
    headers: HeaderMap,
    Path(slug): Path<String>,
    query: QueryMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let query = query_map(query)?;
    let id = existing_account(&s, &headers, &query)?;
    known_app(&s, &slug)?;
    let auth_type = query.get("auth_type").map_or(KEYBASED, String::as_str);
    if auth_type != KEYBASED {
        return Err(ApiError::validation(format!(
            "Application '{slug}' does not support key-based credentials with auth type '{auth_type}'"
        )));
    }
    let body = parse_params(&body)?;
    if body.get("api_key").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err(ApiError::validation("Required parameter 'api_key' is missing"));
    }
    s.connection_changed(
        &id,
        &slug,
        ConnectionChange::Created {
            auth_type: KEYBASED.to_owned(),
        },
    );
    Ok(json_response(
        StatusCode::OK,
        &json!({ "success": true, "slug": slug, "auth_type": KEYBASED }),
    ))
}

/// Every catalogue app connects through OAuth, or with an API key (and an optional domain).
async fn auth_structure(State(s): AppState, Path(slug): Path<String>) -> Result<Response, ApiError> {
    known_app(&s, &slug)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({
            OAUTH2: {},
            KEYBASED: { "api_key": "string", "domain": { "type": "string", "required": false } },
        }),
    ))
}

async fn connect_url(
    State(s): AppState,
    headers: HeaderMap,
    query: QueryMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (id, token) = session(&s, &headers)?;
    let query = query_map(query)?;
    let named = query
        .get("linked_account_id")
        .filter(|named| !named.is_empty())
        .ok_or_else(|| ApiError::validation("Required query parameter 'linked_account_id' is missing"))?;
    if *named != id {
        return Err(ApiError::validation(format!(
            "Query parameter 'linked_account_id' ('{named}') is not the session token's linked account"
        )));
    }
    if !s.accounts.contains(&id) {
        return Err(account_not_found(&id));
    }
    let properties = parse_params(&body)?;
    s.connect.set_hosted_properties(&token, properties.clone());
    let page = s.connect.open(ConnectSession {
        linked_account_id: id,
        properties,
        only_slug: None,
    });
    let mut url = format!("{}/connect/{page}", origin(&headers));
    if let Some(config_id) = query.get("config_id") {
        url.push_str("?config_id=");
        url.push_str(&percent_encode(config_id));
    }
    Ok(json_response(StatusCode::OK, &json!({ "hosted_url": url })))
}

async fn hosted_properties(State(s): AppState, headers: HeaderMap) -> Result<Response, ApiError> {
    let (_, token) = session(&s, &headers)?;
    Ok(json_response(StatusCode::OK, &s.connect.hosted_properties(&token)))
}

async fn list_applications(State(s): AppState, headers: HeaderMap, query: QueryMap) -> Result<Response, ApiError> {
    let query = query_map(query)?;
    let id = org_account(&s, &headers, &query)?;
    let mut apps = Vec::new();
    for app in s.catalogue.apps() {
        if query.get("slug").is_some_and(|slug| *slug != app.slug) {
            continue;
        }
        let item = s.accounts.application(&id, app).ok_or_else(|| account_not_found(&id))?;
        if query
            .get("auth_type")
            .is_some_and(|wanted| item["auth_type"] != **wanted)
        {
            continue;
        }
        apps.push(item);
    }
    if !s.accounts.contains(&id) {
        return Err(account_not_found(&id));
    }
    Ok(json_response(StatusCode::OK, &apps))
}

async fn get_application(
    State(s): AppState,
    headers: HeaderMap,
    Path(slug): Path<String>,
    query: QueryMap,
) -> Result<Response, ApiError> {
    let query = query_map(query)?;
    let id = org_account(&s, &headers, &query)?;
    let app = s.catalogue.app(&slug).ok_or_else(|| app_not_found(&slug))?;
    let item = s.accounts.application(&id, app).ok_or_else(|| account_not_found(&id))?;
    Ok(json_response(StatusCode::OK, &item))
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
