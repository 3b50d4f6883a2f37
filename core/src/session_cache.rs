//! Managed session tokens: minted per linked account on first use, reused until shortly
//! before they expire, refreshed by one caller while the others wait for its result.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderValue;

use crate::SessionToken;
use crate::auth::bearer_header;

/// The longest a token is refreshed before it expires.
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);
/// Above this many accounts, inserting a token first drops the expired ones.
const SWEEP_ABOVE: usize = 1024;

/// A cached token and the header that carries it.
#[derive(Clone)]
pub(crate) struct CachedToken {
    pub(crate) token: SessionToken,
    pub(crate) header: HeaderValue,
}

impl CachedToken {
    pub(crate) fn new(token: SessionToken) -> Result<Self, crate::Error> {
        let header = bearer_header(&token.token)?;
        Ok(CachedToken { token, header })
    }

    /// Fresh until a margin before expiry: a fifth of its lifetime, at most five minutes, so a
    /// token is never sent in the last moments of its life.
    fn is_fresh(&self) -> bool {
        let lifetime = self
            .token
            .expires_at()
            .duration_since(self.token.issued_at())
            .unwrap_or_default();
        let margin = (lifetime / 5).min(MAX_REFRESH_MARGIN);
        SystemTime::now() + margin < self.token.expires_at()
    }
}

/// One account's entry: the current token, and the lock held by whoever is minting its next.
#[derive(Default)]
pub(crate) struct Slot {
    current: Mutex<Option<CachedToken>>,
    pub(crate) refresh: tokio::sync::Mutex<()>,
}

impl Slot {
    /// The current token when it is still fresh.
    pub(crate) fn fresh(&self) -> Option<CachedToken> {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .filter(CachedToken::is_fresh)
    }

    pub(crate) fn store(&self, token: CachedToken) {
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(token);
    }

    /// Forgets the token if it is still the one behind `header` (a caller that saw it refused),
    /// so a concurrent refresh is not thrown away.
    pub(crate) fn invalidate(&self, header: &HeaderValue) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.as_ref().is_some_and(|cached| cached.header == header) {
            *current = None;
        }
    }

    pub(crate) fn take(&self) -> Option<CachedToken> {
        self.current.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// Every managed account of one client (shared by all its `for_linked_account` handles).
#[derive(Default)]
pub(crate) struct SessionCache {
    slots: Mutex<HashMap<Arc<str>, Arc<Slot>>>,
}

impl SessionCache {
    /// The slot of `account`, created on first use.
    pub(crate) fn slot(&self, account: &Arc<str>) -> Arc<Slot> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = slots.get(account) {
            return Arc::clone(slot);
        }
        if slots.len() >= SWEEP_ABOVE {
            // Keep slots that hold a live token or that someone is using right now.
            slots.retain(|_, slot| Arc::strong_count(slot) > 1 || slot.fresh().is_some());
        }
        Arc::clone(slots.entry(Arc::clone(account)).or_default())
    }
}
