//! Session tokens: short-lived credentials for one linked account.

use std::fmt;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// How long a token lives when Refold's reply does not say (the documented 24 hours).
pub(crate) const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A session token minted for one linked account.
///
/// The token is held as a secret (zeroed when dropped) and `Debug` never shows it. Read it with
/// [`SessionToken::expose_token`] to hand it to a browser, or to act with it through
/// [`ClientBuilder::session_token`](crate::ClientBuilder::session_token).
///
/// ```no_run
/// # extern crate refold_core as refold;
/// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
/// let token = client.mint_session_token("ada@example.com").await?;
/// println!("{token:?} expires at {:?}", token.expires_at());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SessionToken {
    pub(crate) token: SecretString,
    pub(crate) refresh_token: Option<SecretString>,
    pub(crate) linked_account_id: String,
    pub(crate) issued_at: SystemTime,
    pub(crate) expires_at: SystemTime,
}

impl SessionToken {
    /// The token itself, in clear: for a browser, or for
    /// [`ClientBuilder::session_token`](crate::ClientBuilder::session_token). Keep it out of
    /// logs.
    ///
    /// The name says what the call does, like `secrecy`'s `expose_secret`; refold does not
    /// make `secrecy` part of its API, so a `secrecy` release never breaks yours.
    pub fn expose_token(&self) -> &str {
        self.token.expose_secret()
    }

    /// The refresh token in clear, when Refold sent one. Keep it out of logs.
    pub fn expose_refresh_token(&self) -> Option<&str> {
        self.refresh_token.as_ref().map(ExposeSecret::expose_secret)
    }

    /// The linked account the token acts for.
    pub fn linked_account_id(&self) -> &str {
        &self.linked_account_id
    }

    /// When the token was received.
    pub fn issued_at(&self) -> SystemTime {
        self.issued_at
    }

    /// When the token stops working: `expires_in` from the reply, else 24 hours after issue.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// Whether the token expires within `margin` from now (or already has).
    pub fn expires_within(&self, margin: Duration) -> bool {
        SystemTime::now() + margin >= self.expires_at
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionToken")
            .field("token", &"[REDACTED]")
            .field("linked_account_id", &self.linked_account_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// The mint reply: `{"token"}`, newer replies add a refresh token and lifetimes in seconds.
#[derive(Deserialize)]
pub(crate) struct MintReply {
    pub(crate) token: String,
    #[serde(default)]
    pub(crate) refresh_token: Option<String>,
    #[serde(default)]
    pub(crate) expires_in: Option<u64>,
}

impl MintReply {
    pub(crate) fn into_token(self, linked_account_id: &str) -> SessionToken {
        let issued_at = SystemTime::now();
        let lifetime = self.expires_in.map_or(DEFAULT_TOKEN_LIFETIME, Duration::from_secs);
        SessionToken {
            token: SecretString::from(self.token),
            refresh_token: self.refresh_token.map(SecretString::from),
            linked_account_id: linked_account_id.to_owned(),
            issued_at,
            expires_at: issued_at + lifetime,
        }
    }
}

/// The revoke reply: `{"success": true, "revoked_count": 1}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RevokeOutcome {
    /// Whether Refold accepted the revocation.
    #[serde(default)]
    pub success: bool,
    /// How many tokens were revoked.
    #[serde(default)]
    pub revoked_count: u64,
}
