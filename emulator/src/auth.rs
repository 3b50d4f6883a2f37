//! The two authentication modes, and the session tokens this emulator mints itself.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, header};
use serde::Serialize;

use crate::envelope::ApiError;

/// Header carrying the org's API key.
pub(crate) const API_KEY_HEADER: &str = "x-api-key";
/// Header naming the linked account in API-key mode.
pub(crate) const LINKED_ACCOUNT_HEADER: &str = "linked_account_id";
/// How long a refresh token is said to last (it is never accepted anywhere).
const REFRESH_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// Who a request authenticated as.
#[derive(Debug)]
pub(crate) enum Credentials {
    /// `x-api-key`, with the `linked_account_id` header if it was sent.
    ApiKey { linked_account_id: Option<String> },
    /// `Authorization: Bearer`; the token names the linked account.
    Session { linked_account_id: String, token: String },
}

impl Credentials {
    /// The linked account the request acts for; API-key mode must name it in a header.
    pub(crate) fn linked_account_id(&self) -> Result<&str, ApiError> {
        match self {
            Credentials::Session { linked_account_id, .. } => Ok(linked_account_id),
            Credentials::ApiKey {
                linked_account_id: Some(id),
            } => Ok(id),
            Credentials::ApiKey {
                linked_account_id: None,
            } => Err(ApiError::validation(format!(
                "Required header '{LINKED_ACCOUNT_HEADER}' is missing"
            ))),
        }
    }
}

/// Checks a request's credentials. Exactly one mode must be used.
pub(crate) fn authenticate(
    headers: &HeaderMap,
    api_key: &str,
    sessions: &Sessions,
    now: Instant,
) -> Result<Credentials, ApiError> {
    let key = headers.get(API_KEY_HEADER);
    let authorization = headers.get(header::AUTHORIZATION);
    match (key, authorization) {
        (Some(_), Some(_)) => Err(ApiError::validation(
            "Use exactly one authentication mode: either the x-api-key header or an Authorization: Bearer session token, not both",
        )),
        (Some(key), None) => {
            if key.as_bytes() != api_key.as_bytes() {
                return Err(ApiError::unauthorized("Invalid Credentials"));
            }
            let linked_account_id = match headers.get(LINKED_ACCOUNT_HEADER) {
                None => None,
                Some(v) => {
                    let id = std::str::from_utf8(v.as_bytes()).map_err(|_| {
                        ApiError::validation(format!("Header '{LINKED_ACCOUNT_HEADER}' must be valid UTF-8"))
                    })?;
                    let id = id.trim();
                    (!id.is_empty()).then(|| id.to_owned())
                }
            };
            Ok(Credentials::ApiKey { linked_account_id })
        }
        (None, Some(value)) => {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim())
                .ok_or_else(|| ApiError::unauthorized("Invalid Credentials"))?;
            let linked_account_id = sessions
                .resolve(token, now)
                .ok_or_else(|| ApiError::unauthorized("Invalid session token"))?;
            Ok(Credentials::Session {
                linked_account_id,
                token: token.to_owned(),
            })
        }
        (None, None) => Err(ApiError::unauthorized("Invalid Credentials")),
    }
}

/// The reply of the session-token endpoint.
#[derive(Debug, Serialize)]
pub(crate) struct MintedToken {
    token: String,
    refresh_token: String,
    expires_in: u64,
    refresh_expires_in: u64,
}

#[derive(Debug)]
struct Session {
    linked_account_id: String,
    refresh_token: String,
    expires_at: Instant,
}

#[derive(Debug, Default)]
struct SessionState {
    tokens: HashMap<String, Session>,
    /// The token a non-forced mint hands out again, per linked account.
    current: HashMap<String, String>,
}

/// Session tokens (which accounts exist is `accounts.rs`'s to say).
#[derive(Debug)]
pub(crate) struct Sessions {
    ttl: Duration,
    state: Mutex<SessionState>,
}

impl Sessions {
    pub(crate) fn new(ttl: Duration) -> Self {
        Sessions {
            ttl,
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SessionState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A token for a linked account the caller has checked exists: the still-valid one unless
    /// `force_refresh`.
    pub(crate) fn mint(&self, linked_account_id: &str, force_refresh: bool, now: Instant) -> MintedToken {
        let mut state = self.lock();
        if !force_refresh {
            let reusable = state
                .current
                .get(linked_account_id)
                .and_then(|t| state.tokens.get(t).map(|s| (t, s)))
                .filter(|(_, s)| s.expires_at > now);
            if let Some((token, session)) = reusable {
                return MintedToken {
                    token: token.clone(),
                    refresh_token: session.refresh_token.clone(),
                    expires_in: session.expires_at.saturating_duration_since(now).as_secs(),
                    refresh_expires_in: REFRESH_TTL.as_secs(),
                };
            }
        }
        let token = format!("st_{}", uuid::Uuid::new_v4().simple());
        let refresh_token = format!("rt_{}", uuid::Uuid::new_v4().simple());
        state.tokens.insert(
            token.clone(),
            Session {
                linked_account_id: linked_account_id.to_owned(),
                refresh_token: refresh_token.clone(),
                expires_at: now + self.ttl,
            },
        );
        state.current.insert(linked_account_id.to_owned(), token.clone());
        MintedToken {
            token,
            refresh_token,
            expires_in: self.ttl.as_secs(),
            refresh_expires_in: REFRESH_TTL.as_secs(),
        }
    }

    /// The linked account of a valid token.
    pub(crate) fn resolve(&self, token: &str, now: Instant) -> Option<String> {
        let state = self.lock();
        state
            .tokens
            .get(token)
            .filter(|s| s.expires_at > now)
            .map(|s| s.linked_account_id.clone())
    }

    /// Revokes one token; returns how many were revoked.
    pub(crate) fn revoke(&self, token: &str) -> usize {
        let mut state = self.lock();
        match state.tokens.remove(token) {
            Some(session) => {
                if state
                    .current
                    .get(&session.linked_account_id)
                    .is_some_and(|t| t == token)
                {
                    state.current.remove(&session.linked_account_id);
                }
                1
            }
            None => 0,
        }
    }

    /// Invalidates every token issued so far.
    /// Revokes every token of a deleted account.
    pub(crate) fn revoke_account(&self, linked_account_id: &str) {
        let mut state = self.lock();
        state
            .tokens
            .retain(|_, session| session.linked_account_id != linked_account_id);
        state.current.remove(linked_account_id);
    }

    pub(crate) fn expire_all(&self) {
        let mut state = self.lock();
        state.tokens.clear();
        state.current.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mint_reuses_until_forced_and_expires_after_ttl() {
        let sessions = Sessions::new(Duration::from_secs(10));
        let t0 = Instant::now();
        let first = sessions.mint("ada", false, t0);
        assert_eq!(first.expires_in, 10);
        assert_eq!(sessions.mint("ada", false, t0).token, first.token);
        let forced = sessions.mint("ada", true, t0);
        assert_ne!(forced.token, first.token);
        assert_eq!(sessions.resolve(&forced.token, t0).as_deref(), Some("ada"));
        assert_eq!(sessions.resolve(&forced.token, t0 + Duration::from_secs(10)), None);
    }

    #[test]
    fn both_modes_at_once_is_a_validation_error() {
        let mut headers = HeaderMap::new();
        headers.insert(API_KEY_HEADER, "k".parse().unwrap());
        headers.insert(header::AUTHORIZATION, "Bearer t".parse().unwrap());
        let err = authenticate(&headers, "k", &Sessions::new(Duration::from_secs(1)), Instant::now()).unwrap_err();
        assert_eq!(err.status, 400);
    }
}
