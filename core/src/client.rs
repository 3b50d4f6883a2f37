//! The [`Client`] handle: what every handle of one client shares, and the credentials of this
//! one. Its endpoints are in `endpoints.rs` (executing an action in `execute.rs`), the request
//! pipeline they all go through in `pipeline.rs`, and its configuration, `Client::builder`
//! included, in `builder.rs`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};

use crate::auth::{Auth, LinkedAccount, Needs};
use crate::rate_limit::Limiter;
use crate::retry::RetryPolicy;
use crate::send_notice::SendNotice;
use crate::session_cache::SessionCache;

/// A Refold API client: cheap to clone (`Arc` inside), `Send + Sync`, one connection pool.
///
/// Build one per process and share it; [`Client::for_linked_account`] gives a handle acting for
/// another customer over the same pool.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::Client;
///
/// let client = Client::builder()
///     .api_key("tk_example_key")
///     .linked_account_id("ada@example.com")
///     .build()?;
/// let other_customer = client.for_linked_account("grace@example.com");
/// assert!(!format!("{client:?}").contains("tk_example_key"));
/// # drop(other_customer);
/// # Ok::<(), refold::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) shared: Arc<Shared>,
    pub(crate) auth: Arc<Auth>,
    /// Every header of an execute request (user agent, JSON content type, credentials), built
    /// once per handle because every call sends the same ones: a call copies this map instead of
    /// building one. `None` when this handle's calls need more than fixed headers (managed
    /// session tokens) or cannot be sent (an invalid linked account id, reported by the call).
    pub(crate) action_headers: Option<Arc<HeaderMap>>,
    /// Set only on the handle a hooked bulk run gives one item's call
    /// ([`Client::execute_all_with_hook`]): the pipeline tells it when the item's first request
    /// is about to go on the wire.
    pub(crate) send_notice: Option<Arc<SendNotice>>,
}

/// What every handle of one client shares.
pub(crate) struct Shared {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) timeout: Duration,
    pub(crate) retry_policy: RetryPolicy,
    pub(crate) user_agent: HeaderValue,
    pub(crate) max_response_bytes: u64,
    pub(crate) limiter: Option<Limiter>,
    pub(crate) sessions: SessionCache,
    /// A caller-supplied `reqwest::Client` may follow redirects; replies are then checked for it.
    pub(crate) custom_http_client: bool,
}

impl Client {
    /// A handle acting for another linked account, sharing this client's connection pool and
    /// settings. Use the API-key mode for this; a session token already names its account.
    ///
    /// An id that HTTP headers cannot carry (control characters, non-ASCII, spaces) does not
    /// panic: every call made through the returned handle fails with
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest) before sending anything.
    ///
    /// ```
    /// # extern crate refold_core as refold;
    /// # let client = refold::Client::builder().api_key("tk_example").build()?;
    /// let acme = client.for_linked_account("ops@acme.example");
    /// assert_eq!(acme.linked_account_id(), Some("ops@acme.example"));
    /// # Ok::<(), refold::Error>(())
    /// ```
    pub fn for_linked_account(&self, linked_account_id: impl AsRef<str>) -> Client {
        let account = LinkedAccount::new(linked_account_id.as_ref());
        let auth = match &*self.auth {
            Auth::ApiKey {
                key_header,
                managed_sessions,
                ..
            } => Auth::ApiKey {
                key_header: key_header.clone(),
                linked_account: Some(account),
                managed_sessions: *managed_sessions,
            },
            Auth::SessionToken { .. } => Auth::Misconfigured {
                message: "this client uses a session token, which already names its linked account; \
                          build an API-key client to switch linked accounts"
                    .to_owned(),
            },
            Auth::Misconfigured { message } => Auth::Misconfigured {
                message: message.clone(),
            },
        };
        let mut handle = Client::from_parts(Arc::clone(&self.shared), auth);
        // An item of a hooked bulk run may switch accounts; its hook still hears of its send.
        handle.send_notice = self.send_notice.clone();
        handle
    }

    /// A handle with these settings and credentials.
    pub(crate) fn from_parts(shared: Arc<Shared>, auth: Auth) -> Client {
        let mut client = Client {
            shared,
            auth: Arc::new(auth),
            action_headers: None,
            send_notice: None,
        };
        if client.auth.managed_account(Needs::LinkedAccount).is_none() {
            client.action_headers = client.fixed_headers(true, Needs::LinkedAccount).ok().map(Arc::new);
        }
        client
    }

    /// The linked account this handle acts for, in API-key mode.
    pub fn linked_account_id(&self) -> Option<&str> {
        self.auth.linked_account_id()
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.shared.base_url)
            .field("auth", &self.auth)
            .field("timeout", &self.shared.timeout)
            .field("retry_policy", &self.shared.retry_policy)
            .finish_non_exhaustive()
    }
}
