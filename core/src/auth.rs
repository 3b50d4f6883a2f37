//! Credentials and the headers that carry them.
//!
//! Each request uses exactly one of Refold's two modes: an org API key plus a linked account
//! (`x-api-key` + `linked_account_id`), or a session token (`Authorization: Bearer …`). Header
//! values are built once, when the client is built, and marked sensitive so that `Debug` output
//! of a request never shows them.

use std::fmt;
use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use crate::Error;

/// The org API key header.
pub(crate) const API_KEY_HEADER: HeaderName = HeaderName::from_static("x-api-key");
/// The header naming the linked account in API-key mode.
pub(crate) const LINKED_ACCOUNT_HEADER: HeaderName = HeaderName::from_static("linked_account_id");

/// Builds a header value, refusing anything HTTP cannot carry or that would be silently altered:
/// only visible ASCII (`!` to `~`) is accepted, so CR, LF, NUL, spaces and non-ASCII characters
/// are errors rather than a panic, a mangled header or a smuggled second header.
pub(crate) fn header_value(what: &str, value: &str, sensitive: bool) -> Result<HeaderValue, Error> {
    if value.is_empty() {
        return Err(Error::invalid_request(format!("the {what} is empty")));
    }
    if let Some(position) = value.bytes().position(|b| !(0x21..=0x7e).contains(&b)) {
        // Never echo the value itself: it may be a secret.
        return Err(Error::invalid_request(format!(
            "the {what} contains a character HTTP headers cannot carry at byte {position} \
             (only visible ASCII is allowed: no spaces, control characters or non-ASCII)"
        )));
    }
    let mut header = HeaderValue::from_str(value)
        .map_err(|_| Error::invalid_request(format!("the {what} is not a valid header value")))?;
    header.set_sensitive(sensitive);
    Ok(header)
}

/// How requests authenticate, with the header values ready to attach.
#[derive(Clone)]
pub(crate) enum Auth {
    /// Org API key plus the linked account to act for (absent: only endpoints that do not act
    /// for a customer, such as minting a session token, can be called).
    ///
    /// With `managed_sessions`, calls that act for the linked account go out with a session
    /// token the client mints and caches itself (see `session_cache.rs`); the key only mints.
    ApiKey {
        key_header: HeaderValue,
        linked_account: Option<LinkedAccount>,
        managed_sessions: bool,
    },
    /// A session token minted for one linked account.
    SessionToken { bearer_header: HeaderValue },
    /// A handle that cannot authenticate (see `Client::for_linked_account` on a session-token
    /// client); every call fails with this message before sending.
    Misconfigured { message: String },
}

/// What an endpoint needs from the credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Needs {
    /// Acting for one linked account: API key + `linked_account_id`, or a session token.
    LinkedAccount,
    /// Org-level calls: the API key alone.
    Org,
    /// The API key plus the `linked_account_id` header, never a session token (the endpoints
    /// of an account's apps and credentials, which Refold secures with the org key only).
    OrgForAccount,
    /// No credentials at all (an app's auth structure, which Refold serves unauthenticated).
    Nothing,
}

/// A linked account id and its header value, or the error that building it produced.
///
/// `Client::for_linked_account` returns a `Client`, not a `Result`, so a bad id is kept here
/// and reported by the first request, before anything is sent.
#[derive(Clone)]
pub(crate) struct LinkedAccount {
    /// Shared, so the rate limiter and the session cache can key on it without copying.
    pub(crate) id: Arc<str>,
    /// The header, or the message of the `InvalidRequest` error every request will return.
    pub(crate) header: Result<HeaderValue, String>,
}

impl LinkedAccount {
    pub(crate) fn new(id: &str) -> Self {
        LinkedAccount {
            id: Arc::from(id),
            header: header_value("linked account id", id, false).map_err(|err| match err {
                Error::Config { message } | Error::InvalidRequest { message } => message,
                other => other.to_string(),
            }),
        }
    }
}

impl Auth {
    pub(crate) fn api_key(
        key: &SecretString,
        linked_account: Option<LinkedAccount>,
        managed_sessions: bool,
    ) -> Result<Self, Error> {
        let key_header = header_value("API key", key.expose_secret(), true)?;
        Ok(Auth::ApiKey {
            key_header,
            linked_account,
            managed_sessions,
        })
    }

    pub(crate) fn session_token(token: &SecretString) -> Result<Self, Error> {
        Ok(Auth::SessionToken {
            bearer_header: bearer_header(token)?,
        })
    }

    /// The linked account whose calls need a managed session token, when this auth manages
    /// tokens and the endpoint acts for a linked account.
    pub(crate) fn managed_account(&self, needs: Needs) -> Option<&LinkedAccount> {
        match self {
            Auth::ApiKey {
                linked_account: Some(account),
                managed_sessions: true,
                ..
            } if needs == Needs::LinkedAccount => Some(account),
            _ => None,
        }
    }

    /// The client-side rate limiter's key: the linked account, or one shared key for calls
    /// that name none (a session token's account, org-level calls).
    pub(crate) fn limiter_key(&self) -> Arc<str> {
        static SHARED: std::sync::LazyLock<Arc<str>> = std::sync::LazyLock::new(|| Arc::from(""));
        match self {
            Auth::ApiKey {
                linked_account: Some(account),
                ..
            } => Arc::clone(&account.id),
            _ => Arc::clone(&SHARED),
        }
    }

    /// The linked account this auth acts for, when it names one.
    pub(crate) fn linked_account_id(&self) -> Option<&str> {
        match self {
            Auth::ApiKey {
                linked_account: Some(account),
                ..
            } => Some(&*account.id),
            _ => None,
        }
    }

    /// Adds this auth's headers for an endpoint that `needs` them, or explains why it can't.
    pub(crate) fn apply(&self, headers: &mut HeaderMap, needs: Needs) -> Result<(), Error> {
        match (self, needs) {
            (_, Needs::Nothing) => Ok(()),
            (
                Auth::ApiKey {
                    key_header,
                    linked_account,
                    ..
                },
                _,
            ) => {
                headers.insert(API_KEY_HEADER, key_header.clone());
                if matches!(needs, Needs::LinkedAccount | Needs::OrgForAccount) {
                    let account = linked_account.as_ref().ok_or_else(|| {
                        Error::config(
                            "no linked account to act for: call .linked_account_id(..) on the builder, \
                             use client.for_linked_account(id), or set REFOLD_LINKED_ACCOUNT_ID",
                        )
                    })?;
                    headers.insert(LINKED_ACCOUNT_HEADER, account.header()?.clone());
                }
                Ok(())
            }
            (Auth::SessionToken { bearer_header }, Needs::LinkedAccount) => {
                headers.insert(AUTHORIZATION, bearer_header.clone());
                Ok(())
            }
            (Auth::SessionToken { .. }, Needs::Org | Needs::OrgForAccount) => Err(Error::config(
                "this call needs the org API key, but the client uses a session token: build a client with .api_key(..)",
            )),
            (Auth::Misconfigured { message }, _) => Err(Error::config(message.clone())),
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::ApiKey {
                linked_account,
                managed_sessions,
                ..
            } => f
                .debug_struct("ApiKey")
                .field("key", &"[REDACTED]")
                .field("linked_account_id", &linked_account.as_ref().map(|a| &*a.id))
                .field("managed_sessions", managed_sessions)
                .finish(),
            Auth::SessionToken { .. } => f.debug_struct("SessionToken").field("token", &"[REDACTED]").finish(),
            Auth::Misconfigured { message } => f.debug_struct("Misconfigured").field("message", message).finish(),
        }
    }
}

impl LinkedAccount {
    /// The header value, or the error explaining why the id cannot be sent.
    pub(crate) fn header(&self) -> Result<&HeaderValue, Error> {
        self.header
            .as_ref()
            .map_err(|message| Error::invalid_request(message.clone()))
    }
}

/// `Authorization: Bearer <token>`, checked and marked sensitive.
pub(crate) fn bearer_header(token: &SecretString) -> Result<HeaderValue, Error> {
    header_value("session token", token.expose_secret(), true)?;
    let mut header = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
        .map_err(|_| Error::invalid_request("the session token is not a valid header value"))?;
    header.set_sensitive(true);
    Ok(header)
}
