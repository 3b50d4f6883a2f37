//! The hosted Connect page: what a Connect URL (`POST /api/v2/public/connect-url`) and an OAuth
//! URL (`GET …/integration/oauth-url/{slug}`) lead to.
//!
//! `GET /connect/{token}` serves a small HTML page without scripts listing the apps, each in a
//! form of its own whose button connects it. Submitting it (`POST /connect/{token}`, field
//! `slug`) connects the app as an OAuth success would, then redirects (303) to the
//! `redirect_url` given when the URL was created, or back to the page, which then shows the app
//! connected. An OAuth URL's page offers only its one app: the emulator stands in for the
//! provider's consent screen. Connect sessions do not expire while the emulator runs.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::accounts::{ConnectionChange, OAUTH2};
use crate::state::Shared;

/// A Connect URL's session: whose page it is and what it was created with.
#[derive(Clone, Debug)]
pub(crate) struct ConnectSession {
    pub(crate) linked_account_id: String,
    /// The properties `POST /connect-url` stored (`redirect_url`, `base_color`, …).
    pub(crate) properties: Map<String, Value>,
    /// For an OAuth URL, the one app it connects.
    pub(crate) only_slug: Option<String>,
}

/// The Connect sessions, by the token in their URL, and the hosted properties last stored with
/// each session token (what `GET /hosted-properties` returns).
#[derive(Debug, Default)]
pub(crate) struct ConnectSessions {
    pages: Mutex<HashMap<String, ConnectSession>>,
    hosted: Mutex<HashMap<String, Map<String, Value>>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl ConnectSessions {
    /// Opens a session and returns the token of its page.
    pub(crate) fn open(&self, session: ConnectSession) -> String {
        let token = format!("cs_{}", uuid::Uuid::new_v4().simple());
        lock(&self.pages).insert(token.clone(), session);
        token
    }

    pub(crate) fn get(&self, token: &str) -> Option<ConnectSession> {
        lock(&self.pages).get(token).cloned()
    }

    pub(crate) fn set_hosted_properties(&self, session_token: &str, properties: Map<String, Value>) {
        lock(&self.hosted).insert(session_token.to_owned(), properties);
    }

    pub(crate) fn hosted_properties(&self, session_token: &str) -> Map<String, Value> {
        lock(&self.hosted).get(session_token).cloned().unwrap_or_default()
    }
}

/// `GET /connect/{token}`.
pub(crate) async fn page(State(s): State<Arc<Shared>>, Path(token): Path<String>) -> Response {
    match s.connect.get(&token) {
        Some(session) => html(StatusCode::OK, &render(&s, &token, &session)),
        None => not_found(),
    }
}

/// The form a Connect button submits.
#[derive(Deserialize)]
pub(crate) struct ConnectForm {
    slug: String,
}

/// `POST /connect/{token}`: connects the app, then redirects.
pub(crate) async fn submit(
    State(s): State<Arc<Shared>>,
    Path(token): Path<String>,
    Form(form): Form<ConnectForm>,
) -> Response {
    let Some(session) = s.connect.get(&token) else {
        return not_found();
    };
    let offered =
        s.catalogue.app(&form.slug).is_some() && session.only_slug.as_ref().is_none_or(|only| *only == form.slug);
    if !offered {
        return html(
            StatusCode::BAD_REQUEST,
            &document("Cannot connect", "<p>This page does not offer that app.</p>"),
        );
    }
    let change = ConnectionChange::Created {
        auth_type: OAUTH2.to_owned(),
    };
    if !s.connection_changed(&session.linked_account_id, &form.slug, change) {
        return html(
            StatusCode::NOT_FOUND,
            &document("Cannot connect", "<p>This linked account no longer exists.</p>"),
        );
    }
    let target = match session.properties.get("redirect_url").and_then(Value::as_str) {
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => url.to_owned(),
        _ => format!("/connect/{token}"),
    };
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(&target) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

fn render(s: &Shared, token: &str, session: &ConnectSession) -> String {
    let button_style = session
        .properties
        .get("button_color")
        .and_then(Value::as_str)
        .filter(|c| is_colour(c))
        .map(|c| format!(" style=\"background:{c};color:#fff\""))
        .unwrap_or_default();
    let mut items = String::new();
    for app in s.catalogue.apps() {
        if session.only_slug.as_ref().is_some_and(|only| *only != app.slug) {
            continue;
        }
        let name = escape(app.name.as_deref().unwrap_or(&app.slug));
        let slug = escape(&app.slug);
        let reach = s.accounts.reach(&session.linked_account_id, &app.slug);
        let (status, verb) = match reach {
            crate::accounts::Reach::Connected => ("Connected", "Reconnect"),
            crate::accounts::Reach::Expired => ("Needs reconnecting", "Reconnect"),
            crate::accounts::Reach::NotConnected => ("Not connected", "Connect"),
        };
        let _ = write!(
            items,
            "<li><form method=\"post\" action=\"/connect/{token}\">\
             <input type=\"hidden\" name=\"slug\" value=\"{slug}\">\
             <h2 id=\"app-{slug}\">{name}</h2>\
             <p id=\"status-{slug}\">{status}</p>\
             <button type=\"submit\" aria-describedby=\"status-{slug}\"{button_style}>{verb} {name}</button>\
             </form></li>"
        );
    }
    let account = escape(&session.linked_account_id);
    let body = format!("<p>Choose an app to connect for <strong>{account}</strong>.</p><ul>{items}</ul>");
    document("Connect your apps", &body)
}

fn document(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title>\
         <style>body{{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}}\
         ul{{list-style:none;padding:0}}li{{border:1px solid #888;border-radius:.5rem;margin:.5rem 0;padding:.5rem 1rem}}\
         button{{font-size:1rem;padding:.4rem 1rem}}</style></head>\
         <body><main><h1>{title}</h1>{body}</main></body></html>\n"
    )
}

fn html(status: StatusCode, page: &str) -> Response {
    let mut response = (status, page.to_owned()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn not_found() -> Response {
    html(
        StatusCode::NOT_FOUND,
        &document(
            "Link not found",
            "<p>This Connect link is unknown. Ask for a new one.</p>",
        ),
    )
}

/// A CSS colour written as `#rgb`, `#rrggbb` or with alpha: nothing else reaches a style.
fn is_colour(value: &str) -> bool {
    value
        .strip_prefix('#')
        .is_some_and(|hex| matches!(hex.len(), 3 | 4 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_and_only_hex_colours_pass() {
        assert_eq!(escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert!(is_colour("#0a7"));
        assert!(!is_colour("red;background:url(x)"));
    }
}
