//! Everything the running server shares between connections.

use std::borrow::Cow;
use std::time::Instant;

use crate::accounts::{Accounts, ConnectionChange};
use crate::auth::Sessions;
use crate::catalogue::Catalogue;
use crate::connect_page::ConnectSessions;
use crate::delivery::Deliveries;
use crate::envelope::ApiError;
use crate::faults::FaultPlan;
use crate::rate_limit::RateLimiter;
use crate::recording::Recorder;
use crate::store::Store;
use crate::validation::Strictness;
use crate::webhooks::WebhookStore;

/// The emulator's state; each part has its own short-held lock.
pub(crate) struct Shared {
    pub(crate) api_key: String,
    pub(crate) linked_account_id: String,
    /// The built-in catalogue, or a copy of it with snapshot actions added.
    pub(crate) catalogue: Cow<'static, Catalogue>,
    pub(crate) strictness: Strictness,
    /// Whether each request is logged on one line to stderr.
    pub(crate) log_requests: bool,
    pub(crate) store: Store,
    pub(crate) sessions: Sessions,
    pub(crate) faults: FaultPlan,
    pub(crate) recorder: Recorder,
    pub(crate) rate_limiter: RateLimiter,
    /// Registered webhooks.
    pub(crate) webhooks: WebhookStore,
    /// Webhook deliveries in flight, and the record of every attempt.
    pub(crate) deliveries: Deliveries,
    /// Linked accounts and their connections to apps.
    pub(crate) accounts: Accounts,
    /// The sessions of hosted Connect pages and OAuth URLs.
    pub(crate) connect: ConnectSessions,
}

impl Shared {
    /// Takes one request from the linked account's rate-limit budget.
    pub(crate) fn check_rate_limit(&self, linked_account_id: &str) -> Result<(), ApiError> {
        self.rate_limiter
            .check(linked_account_id, Instant::now())
            .map_err(|wait| {
                let limit = self.rate_limiter.limit().unwrap_or(crate::RateLimit::new(0, 0));
                ApiError::rate_limited(
                    format!(
                        "Rate limit exceeded for linked account '{linked_account_id}': {} requests per second, burst {}",
                        limit.per_second, limit.burst
                    ),
                    wait.as_secs_f64().ceil().max(1.0) as u64,
                )
            })
    }

    /// The one place a connection changes: connecting through the Connect page or the OAuth
    /// URL, saving key-based credentials, `Emulator::connect_app`, `disconnect_app` and
    /// `expire_connection`, removing an integration (`DELETE /linked-account/integration/{slug}`)
    /// and deleting the account all come here, so whatever must follow a change (a webhook's
    /// delivery) is added here once.
    ///
    /// Returns whether anything changed: false for an unknown account, and for removing or
    /// expiring a connection the account does not have.
    pub(crate) fn connection_changed(&self, linked_account_id: &str, slug: &str, change: ConnectionChange) -> bool {
        let changed = self.accounts.apply(linked_account_id, slug, &change);
        if changed {
            self.deliveries
                .connection_changed(&self.webhooks, linked_account_id, slug, &change);
        }
        changed
    }
}
