//! The [`Client`] and its [`ClientBuilder`]: configuration, endpoints and the call pipeline.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{self, HeaderMap, HeaderValue};
use secrecy::SecretString;
use serde::Serialize;
use tracing::Instrument;

use crate::auth::{Auth, LinkedAccount, Needs};
use crate::call::{CallScope, call_span};
use crate::envelope::{decode_action, decode_json};
use crate::ident::validate_identifier;
use crate::rate_limit::{Limiter, RateLimit};
use crate::retry::{self, RetryPolicy};
use crate::schema::BareOrWrapped;
use crate::session::{MintReply, RevokeOutcome, SessionToken};
use crate::session_cache::{CachedToken, SessionCache, Slot};
use crate::transport::{self, Reply, Request};
use crate::{Action, ActionParameter, ActionResponse, ActionSummary, Error};

/// Refold's documented API origin, used when no base URL is configured.
pub const DEFAULT_BASE_URL: &str = "https://app.refold.ai";
/// The default whole-call timeout, retries included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default cap on a reply body.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

/// The environment variables [`Client::from_env`] reads.
pub mod env {
    /// The org API key (`pk…` in production, `tk…` for test keys).
    pub const API_KEY: &str = "REFOLD_API_KEY";
    /// The linked account (your customer) to act for, with the API key.
    pub const LINKED_ACCOUNT_ID: &str = "REFOLD_LINKED_ACCOUNT_ID";
    /// A session token, instead of the API key.
    pub const SESSION_TOKEN: &str = "REFOLD_SESSION_TOKEN";
    /// The API origin, for on-premise installs or the emulator.
    pub const BASE_URL: &str = "REFOLD_BASE_URL";
}

/// A Refold API client: cheap to clone (`Arc` inside), `Send + Sync`, one connection pool.
///
/// Build one per process and share it; [`Client::for_linked_account`] gives a handle acting for
/// another customer over the same pool.
///
/// ```
/// use refold_core::Client;
///
/// let client = Client::builder()
///     .api_key("tk_example_key")
///     .linked_account_id("ada@example.com")
///     .build()?;
/// let other_customer = client.for_linked_account("grace@example.com");
/// assert!(!format!("{client:?}").contains("tk_example_key"));
/// # drop(other_customer);
/// # Ok::<(), refold_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
    auth: Arc<Auth>,
}

/// What every handle of one client shares.
struct Shared {
    http: reqwest::Client,
    base_url: String,
    timeout: Duration,
    retry_policy: RetryPolicy,
    user_agent: HeaderValue,
    max_response_bytes: u64,
    limiter: Option<Limiter>,
    sessions: SessionCache,
    /// A caller-supplied `reqwest::Client` may follow redirects; replies are then checked for it.
    custom_http_client: bool,
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Builds a client from `REFOLD_API_KEY`, `REFOLD_LINKED_ACCOUNT_ID`,
    /// `REFOLD_SESSION_TOKEN` and `REFOLD_BASE_URL` (see [`ClientBuilder::from_env`]).
    ///
    /// ```no_run
    /// let client = refold_core::Client::from_env()?;
    /// # Ok::<(), refold_core::Error>(())
    /// ```
    pub fn from_env() -> Result<Client, Error> {
        ClientBuilder::from_env()?.build()
    }

    /// A handle acting for another linked account, sharing this client's connection pool and
    /// settings. Use the API-key mode for this; a session token already names its account.
    ///
    /// An id that HTTP headers cannot carry (control characters, non-ASCII, spaces) does not
    /// panic: every call made through the returned handle fails with
    /// [`Error::InvalidRequest`] before sending anything.
    ///
    /// ```
    /// # let client = refold_core::Client::builder().api_key("tk_example").build()?;
    /// let acme = client.for_linked_account("ops@acme.example");
    /// assert_eq!(acme.linked_account_id(), Some("ops@acme.example"));
    /// # Ok::<(), refold_core::Error>(())
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
        Client {
            shared: Arc::clone(&self.shared),
            auth: Arc::new(auth),
        }
    }

    /// The linked account this handle acts for, in API-key mode.
    pub fn linked_account_id(&self) -> Option<&str> {
        self.auth.linked_account_id()
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// Executes a typed action; what `#[refold_action]`'s `execute` calls.
    ///
    /// Retries follow the client's [`RetryPolicy`] and the action's
    /// [`IDEMPOTENT`](Action::IDEMPOTENT) flag. A reply whose `node_status` is not `Success`
    /// is [`Error::ActionFailed`].
    ///
    /// ```no_run
    /// # use refold_core::{Action, Client};
    /// # #[derive(serde::Serialize)] struct GetContact { email: String }
    /// # impl Action for GetContact { const SLUG: &'static str = "hubspot"; const ACTION_ID: &'static str = "get_contact"; type Output = serde_json::Value; }
    /// # async fn run(client: Client) -> Result<(), refold_core::Error> {
    /// let reply = client.execute(&GetContact { email: "ada@example.com".into() }).await?;
    /// println!("{}", reply.data);
    /// # Ok(()) }
    /// ```
    pub async fn execute<A: Action>(&self, action: &A) -> Result<ActionResponse<A::Output>, Error> {
        self.execute_with(A::SLUG, A::ACTION_ID, action, A::IDEMPOTENT).await
    }

    /// Executes an action chosen at run time, with any serializable parameters (a
    /// `serde_json::Value` object, a map, a struct). The slug and action id are checked
    /// (`[a-z0-9_-]{1,128}`) and never spliced raw into the URL.
    ///
    /// The call is treated as a write (not idempotent): it is retried only when it certainly
    /// did not run. Use [`Client::execute_raw_idempotent`] for reads.
    ///
    /// ```no_run
    /// # async fn run(client: refold_core::Client) -> Result<(), refold_core::Error> {
    /// let reply = client
    ///     .execute_raw("hubspot", "create_contact", &serde_json::json!({ "email": "ada@example.com" }))
    ///     .await?;
    /// println!("created {}", reply.data["id"]);
    /// # Ok(()) }
    /// ```
    pub async fn execute_raw<P: Serialize + ?Sized>(
        &self,
        slug: &str,
        action_id: &str,
        params: &P,
    ) -> Result<ActionResponse<serde_json::Value>, Error> {
        self.execute_with(slug, action_id, params, false).await
    }

    /// Like [`Client::execute_raw`], for an action that is safe to repeat (a read): it is also
    /// retried after timeouts, dropped connections and 5xx replies.
    ///
    /// ```no_run
    /// # async fn run(client: refold_core::Client) -> Result<(), refold_core::Error> {
    /// let page = client
    ///     .execute_raw_idempotent("hubspot", "search_contacts", &serde_json::json!({ "query": "ada" }))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn execute_raw_idempotent<P: Serialize + ?Sized>(
        &self,
        slug: &str,
        action_id: &str,
        params: &P,
    ) -> Result<ActionResponse<serde_json::Value>, Error> {
        self.execute_with(slug, action_id, params, true).await
    }

    async fn execute_with<P, T>(
        &self,
        slug: &str,
        action_id: &str,
        params: &P,
        idempotent: bool,
    ) -> Result<ActionResponse<T>, Error>
    where
        P: Serialize + ?Sized,
        T: serde::de::DeserializeOwned,
    {
        validate_identifier("slug", slug)?;
        validate_identifier("action id", action_id)?;
        let body = params_body(params)?;
        let path = ["/api/v2/integration-schema/", slug, "/actions/", action_id, "/execute"];
        let span = call_span("execute", slug, action_id);
        let reply = self
            .call(Method::POST, &path, Some(body), idempotent, Needs::LinkedAccount, span)
            .await?;
        decode_action(reply)
    }

    /// Lists the actions of an app.
    ///
    /// ```no_run
    /// # async fn run(client: refold_core::Client) -> Result<(), refold_core::Error> {
    /// for action in client.list_actions("hubspot").await? {
    ///     println!("{}: {}", action.action_id, action.description);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_actions(&self, slug: &str) -> Result<Vec<ActionSummary>, Error> {
        validate_identifier("slug", slug)?;
        let path = ["/api/v2/integration-schema/", slug, "/actions"];
        let span = call_span("list_actions", slug, "");
        let reply = self
            .call(Method::GET, &path, None, true, Needs::LinkedAccount, span)
            .await?;
        list_from(&reply, "actions")
    }

    /// Describes the parameters of one action (its input schema).
    ///
    /// ```no_run
    /// # async fn run(client: refold_core::Client) -> Result<(), refold_core::Error> {
    /// for param in client.action_parameters("hubspot", "create_contact").await? {
    ///     println!("{} ({}){}", param.name, param.param_type, if param.required { " required" } else { "" });
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn action_parameters(&self, slug: &str, action_id: &str) -> Result<Vec<ActionParameter>, Error> {
        validate_identifier("slug", slug)?;
        validate_identifier("action id", action_id)?;
        let path = ["/api/v2/integration-schema/", slug, "/actions/", action_id];
        let span = call_span("action_parameters", slug, action_id);
        let reply = self
            .call(Method::GET, &path, None, true, Needs::LinkedAccount, span)
            .await?;
        list_from(&reply, "parameters")
    }

    /// Mints a session token for a linked account (API-key mode only). Refold reuses a valid
    /// token it already issued; see [`Client::mint_session_token_forced`] for a fresh one.
    ///
    /// ```no_run
    /// # async fn run(client: refold_core::Client) -> Result<(), refold_core::Error> {
    /// let token = client.mint_session_token("ada@example.com").await?;
    /// # Ok(()) }
    /// ```
    pub async fn mint_session_token(&self, linked_account_id: &str) -> Result<SessionToken, Error> {
        self.mint(linked_account_id, false).await
    }

    /// Mints a new session token even when a valid one exists (`force_refresh=true`).
    pub async fn mint_session_token_forced(&self, linked_account_id: &str) -> Result<SessionToken, Error> {
        self.mint(linked_account_id, true).await
    }

    async fn mint(&self, linked_account_id: &str, force_refresh: bool) -> Result<SessionToken, Error> {
        let scope = CallScope::new(self.shared.timeout, call_span("mint_session_token", "", ""));
        let result = self.mint_within(linked_account_id, force_refresh, &scope).await;
        scope.finish(result.as_ref().err());
        result
    }

    async fn mint_within(
        &self,
        linked_account_id: &str,
        force_refresh: bool,
        scope: &CallScope,
    ) -> Result<SessionToken, Error> {
        if linked_account_id.is_empty() {
            return Err(Error::invalid_request(
                "the linked account id to mint a session token for is empty",
            ));
        }
        let body = serde_json::to_vec(&serde_json::json!({ "linked_account_id": linked_account_id }))
            .map(Bytes::from)
            .map_err(|e| Error::invalid_request(format!("could not encode the mint request: {e}")))?;
        let path = if force_refresh {
            "/api/v2/public/session-token?force_refresh=true"
        } else {
            "/api/v2/public/session-token"
        };
        // Minting twice is harmless (Refold reuses a valid token), so it is idempotent.
        let request = self.prepare(Method::POST, &[path], Some(body), true, Needs::Org)?;
        let reply = self.send(&request, scope).await?;
        let minted: MintReply = decode_json(&reply)?;
        Ok(minted.into_token(linked_account_id))
    }

    /// Revokes a session token (and its refresh token). Authenticates with the token itself.
    ///
    /// ```no_run
    /// # async fn run(client: refold_core::Client) -> Result<(), refold_core::Error> {
    /// let token = client.mint_session_token("ada@example.com").await?;
    /// let outcome = client.revoke_session_token(&token).await?;
    /// assert!(outcome.success);
    /// # Ok(()) }
    /// ```
    pub async fn revoke_session_token(&self, token: &SessionToken) -> Result<RevokeOutcome, Error> {
        let auth = Auth::session_token(token.token())?;
        let span = call_span("revoke_session_token", "", "");
        let mut headers = self.base_headers(false);
        // The token authenticates as its linked account; `Needs::Org` would demand the API key
        // and refuse every session token.
        auth.apply(&mut headers, Needs::LinkedAccount)?;
        let request = Request {
            method: Method::POST,
            url: self.url(&["/api/v2/public/session-token/revoke"]),
            headers,
            body: None,
            idempotent: true,
        };
        let scope = CallScope::new(self.shared.timeout, span);
        let result = self.send(&request, &scope).await;
        scope.finish(result.as_ref().err());
        let reply = result?;
        decode_json(&reply)
    }

    /// The base URL followed by the pieces of `path`, built in one allocation (this runs on
    /// every call).
    fn url(&self, path: &[&str]) -> String {
        let length = self.shared.base_url.len() + path.iter().map(|piece| piece.len()).sum::<usize>();
        let mut url = String::with_capacity(length);
        url.push_str(&self.shared.base_url);
        for piece in path {
            url.push_str(piece);
        }
        url
    }

    fn base_headers(&self, has_body: bool) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(6);
        headers.insert(header::USER_AGENT, self.shared.user_agent.clone());
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        if has_body {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        headers
    }

    /// A request for `path` with this handle's credentials, for endpoints whose credentials
    /// are fixed headers (everything but managed session tokens).
    fn prepare(
        &self,
        method: Method,
        path: &[&str],
        body: Option<Bytes>,
        idempotent: bool,
        needs: Needs,
    ) -> Result<Request, Error> {
        let mut headers = self.base_headers(body.is_some());
        self.auth.apply(&mut headers, needs)?;
        Ok(Request {
            method,
            url: self.url(path),
            headers,
            body,
            idempotent,
        })
    }

    async fn call(
        &self,
        method: Method,
        path: &[&str],
        body: Option<Bytes>,
        idempotent: bool,
        needs: Needs,
        span: tracing::Span,
    ) -> Result<Reply, Error> {
        let scope = CallScope::new(self.shared.timeout, span);
        let result = self.call_within(method, path, body, idempotent, needs, &scope).await;
        scope.finish(result.as_ref().err());
        result
    }

    async fn call_within(
        &self,
        method: Method,
        path: &[&str],
        body: Option<Bytes>,
        idempotent: bool,
        needs: Needs,
        scope: &CallScope,
    ) -> Result<Reply, Error> {
        let Some(account) = self.auth.managed_account(needs) else {
            let request = self.prepare(method, path, body, idempotent, needs)?;
            return self.send(&request, scope).await;
        };
        // Managed session tokens: send with the cached token; on a 401 the token was expired or
        // revoked behind our back, so mint a new one once and try again, then give up. Minting
        // shares the call's deadline.
        let slot = self.shared.sessions.slot(&account.id);
        let token = self.managed_token(&slot, &account.id, false, scope).await?;
        let mut headers = self.base_headers(body.is_some());
        headers.insert(header::AUTHORIZATION, token.header.clone());
        let mut request = Request {
            method,
            url: self.url(path),
            headers,
            body,
            idempotent,
        };
        match self.send(&request, scope).await {
            Err(error) if error.status() == Some(401) => {
                slot.invalidate(&token.header);
                let fresh = self.managed_token(&slot, &account.id, true, scope).await?;
                request.headers.insert(header::AUTHORIZATION, fresh.header);
                self.send(&request, scope).await
            }
            other => other,
        }
    }

    /// The account's cached token, minting one when there is none or it is about to expire.
    /// Only one caller per account mints; the others wait on the slot's lock and reuse its token.
    /// A failed mint is [`Error::SessionMint`]: the call itself was never sent.
    async fn managed_token(
        &self,
        slot: &Slot,
        account: &str,
        after_refusal: bool,
        scope: &CallScope,
    ) -> Result<CachedToken, Error> {
        if let Some(token) = slot.fresh() {
            return Ok(token);
        }
        let _minting = slot.refresh.lock().await;
        if let Some(token) = slot.fresh() {
            return Ok(token);
        }
        let mint_scope = scope.child(call_span("mint_session_token", "", ""));
        // After a 401, Refold may still consider its current token valid and hand it back:
        // force a new one.
        let minted = self
            .mint_within(account, after_refusal, &mint_scope)
            .await
            .and_then(CachedToken::new);
        mint_scope.finish(minted.as_ref().err());
        let token = minted.map_err(|source| Error::SessionMint {
            source: Box::new(source),
        })?;
        slot.store(token.clone());
        Ok(token)
    }

    /// Revokes the session token this handle's linked account uses in managed mode and forgets
    /// it; the next call mints a new one. `Ok(None)` when no token was cached.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), refold_core::Error> {
    /// let client = refold_core::Client::builder()
    ///     .api_key("tk_example")
    ///     .linked_account_id("ada@example.com")
    ///     .managed_session_tokens(true)
    ///     .build()?;
    /// client.execute_raw("hubspot", "get_contact", &serde_json::json!({ "email": "ada@example.com" })).await?;
    /// let revoked = client.revoke_managed_session_token().await?;
    /// assert!(revoked.is_some());
    /// # Ok(()) }
    /// ```
    pub async fn revoke_managed_session_token(&self) -> Result<Option<RevokeOutcome>, Error> {
        let account = self.auth.managed_account(Needs::LinkedAccount).ok_or_else(|| {
            Error::config(
                "this client does not manage session tokens for a linked account: \
                 build it with .api_key(..), .managed_session_tokens(true) and a linked account",
            )
        })?;
        let slot = self.shared.sessions.slot(&account.id);
        let _minting = slot.refresh.lock().await;
        match slot.take() {
            Some(cached) => self.revoke_session_token(&cached.token).await.map(Some),
            None => Ok(None),
        }
    }

    /// Sends a prepared request through the rate limiter and the retry loop, within the
    /// scope's deadline, counting attempts and noting the last status on the scope.
    async fn send(&self, request: &Request, scope: &CallScope) -> Result<Reply, Error> {
        let shared = &self.shared;
        let limiter_key = &self.auth.limiter_key();
        let detect_redirects = shared.custom_http_client;
        let outcome = retry::run(
            &shared.retry_policy,
            scope.deadline,
            request.idempotent,
            |_attempt| async move {
                if let Some(limiter) = &shared.limiter {
                    limiter
                        .acquire(limiter_key, scope.deadline, scope.started, request.idempotent)
                        .await?;
                }
                transport::send_once(&shared.http, request, shared.max_response_bytes, detect_redirects).await
            },
        )
        .instrument(scope.span.clone())
        .await;
        scope.record(&outcome);
        outcome.result
    }
}

/// Serializes action parameters, which must form a JSON object (a unit struct's `null` is
/// sent as `{}`: an action without parameters).
fn params_body<P: Serialize + ?Sized>(params: &P) -> Result<Bytes, Error> {
    let mut body = serde_json::to_vec(params)
        .map_err(|e| Error::invalid_request(format!("the action parameters could not be serialized: {e}")))?;
    match body.first() {
        Some(b'{') => {}
        Some(b'n') => body = b"{}".to_vec(),
        _ => {
            return Err(Error::invalid_request(
                "the action parameters must serialize to a JSON object (one key per parameter)",
            ));
        }
    }
    Ok(Bytes::from(body))
}

fn list_from<T: serde::de::DeserializeOwned>(reply: &Reply, key: &str) -> Result<Vec<T>, Error> {
    let list: BareOrWrapped<T> = decode_json(reply)?;
    list.into_vec(key).map_err(|source| {
        Error::Decode(Box::new(crate::error::DecodeError {
            status: reply.status,
            content_type: reply.content_type_text(),
            body_snippet: crate::envelope::snippet(&reply.body),
            request_id: reply.request_id.clone(),
            source,
        }))
    })
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

/// Configures a [`Client`]. Every option has a sensible default except the credentials:
/// set an API key (with a linked account, now or later through
/// [`Client::for_linked_account`]) or a session token, not both.
///
/// ```
/// use std::time::Duration;
/// use refold_core::Client;
///
/// let client = Client::builder()
///     .api_key("tk_example_key")
///     .linked_account_id("ada@example.com")
///     .base_url("https://refold.internal.example/backend")
///     .timeout(Duration::from_secs(20))
///     .connect_timeout(Duration::from_secs(3))
///     .build()?;
/// assert_eq!(client.base_url(), "https://refold.internal.example/backend");
/// # Ok::<(), refold_core::Error>(())
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    api_key: Option<SecretString>,
    linked_account_id: Option<String>,
    session_token: Option<SecretString>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    retry_policy: Option<RetryPolicy>,
    user_agent: Option<String>,
    http_client: Option<reqwest::Client>,
    allow_insecure_http: bool,
    max_response_bytes: Option<u64>,
    rate_limit: Option<RateLimit>,
    managed_session_tokens: bool,
}

impl ClientBuilder {
    /// A builder preset from the `REFOLD_*` environment variables; see
    /// [`ClientBuilder::from_lookup`] for the rules.
    pub fn from_env() -> Result<ClientBuilder, Error> {
        ClientBuilder::from_lookup(|name| std::env::var(name).ok())
    }

    /// A builder preset from variables found by `lookup` (for `REFOLD_API_KEY`,
    /// `REFOLD_LINKED_ACCOUNT_ID`, `REFOLD_SESSION_TOKEN`, `REFOLD_BASE_URL`). Empty values
    /// count as unset. Exactly one credential must be present: the API key (with or without a
    /// linked account) or the session token; anything else is an [`Error::Config`] naming the
    /// variables to set or unset.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use refold_core::ClientBuilder;
    ///
    /// let vars = HashMap::from([("REFOLD_API_KEY", "tk_example"), ("REFOLD_LINKED_ACCOUNT_ID", "ada@example.com")]);
    /// let client = ClientBuilder::from_lookup(|name| vars.get(name).map(|v| v.to_string()))?.build()?;
    /// assert_eq!(client.linked_account_id(), Some("ada@example.com"));
    ///
    /// let none = ClientBuilder::from_lookup(|_| None).unwrap_err();
    /// assert!(none.to_string().contains("REFOLD_API_KEY"));
    /// # Ok::<(), refold_core::Error>(())
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder, Error> {
        let get = |name: &str| lookup(name).filter(|value| !value.is_empty());
        let api_key = get(env::API_KEY);
        let linked_account_id = get(env::LINKED_ACCOUNT_ID);
        let session_token = get(env::SESSION_TOKEN);
        let mut builder = ClientBuilder::default();
        match (api_key, session_token) {
            (Some(_), Some(_)) => {
                return Err(Error::config(format!(
                    "both {} and {} are set; a request uses exactly one credential, so unset one of them",
                    env::API_KEY,
                    env::SESSION_TOKEN
                )));
            }
            (None, None) => {
                return Err(Error::config(format!(
                    "no credentials in the environment: set {} (and {}) or {}",
                    env::API_KEY,
                    env::LINKED_ACCOUNT_ID,
                    env::SESSION_TOKEN
                )));
            }
            (Some(key), None) => builder = builder.api_key(key),
            (None, Some(token)) => {
                if linked_account_id.is_some() {
                    return Err(Error::config(format!(
                        "{} is set with {}; a session token already names its linked account, so unset {}",
                        env::LINKED_ACCOUNT_ID,
                        env::SESSION_TOKEN,
                        env::LINKED_ACCOUNT_ID
                    )));
                }
                builder = builder.session_token(token);
            }
        }
        if let Some(id) = linked_account_id {
            builder = builder.linked_account_id(id);
        }
        if let Some(base_url) = get(env::BASE_URL) {
            builder = builder.base_url(base_url);
        }
        Ok(builder)
    }

    /// The org API key, sent as `x-api-key`. Held as a secret; never printed.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(key.into()));
        self
    }

    /// The linked account (your customer) to act for, sent as `linked_account_id` with the
    /// API key.
    pub fn linked_account_id(mut self, id: impl Into<String>) -> Self {
        self.linked_account_id = Some(id.into());
        self
    }

    /// A session token, sent as `Authorization: Bearer …`, instead of the API key.
    pub fn session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(SecretString::from(token.into()));
        self
    }

    /// The API origin, optionally with a path prefix (`https://host/backend`). Defaults to
    /// [`DEFAULT_BASE_URL`]. Must be `https`, except for loopback hosts (`127.0.0.0/8`,
    /// `localhost`, `[::1]`) or with [`ClientBuilder::allow_insecure_http`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The whole-call timeout, retries and their pauses included. Default 60 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The time allowed to open a connection. Default 10 s. Ignored with
    /// [`ClientBuilder::http_client`], whose own settings apply.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How failed calls are retried. Default [`RetryPolicy::default`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = Some(policy);
        self
    }

    /// The `User-Agent` header. Default `refold-rs/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Uses your own `reqwest::Client` (proxies, TLS roots, pool settings).
    ///
    /// Build it with `redirect(reqwest::redirect::Policy::none())`: a client that follows
    /// redirects could carry the `x-api-key` header to another origin (reqwest strips only
    /// `Authorization` and cookies when it follows one). The default client never follows
    /// redirects; with yours, a reply that arrives from a URL other than the one requested is
    /// refused as [`Error::Redirect`], but by then the request has been sent on.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Allows a plain `http` base URL on a non-loopback host. Credentials then travel
    /// unencrypted: only for trusted private networks.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The largest reply body accepted, in bytes. Default 32 MiB. A larger reply is
    /// [`Error::BodyTooLarge`] and is never buffered past the cap.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Limits the request rate per linked account on the client side: a call waits for its
    /// slot instead of drawing a 429 (retries take slots too). Off by default;
    /// [`RateLimit::default`] matches Refold's published 20 requests/s with a burst of 5.
    /// Buckets of idle accounts are dropped, so memory follows the active accounts.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// With an API key: act for linked accounts through session tokens the client mints and
    /// caches itself, one per account, reused until shortly before expiry and refreshed by a
    /// single request however many calls need it. A call refused with 401 (a token expired or
    /// revoked early) mints a fresh token once and is tried again. The API key itself is then
    /// only sent to mint tokens.
    ///
    /// ```
    /// let client = refold_core::Client::builder()
    ///     .api_key("tk_example")
    ///     .managed_session_tokens(true)
    ///     .build()?;
    /// let ada = client.for_linked_account("ada@example.com"); // mints on its first call
    /// # Ok::<(), refold_core::Error>(())
    /// ```
    pub fn managed_session_tokens(mut self, enabled: bool) -> Self {
        self.managed_session_tokens = enabled;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let linked_account = self.linked_account_id.as_deref().map(LinkedAccount::new);
        if let Some(account) = &linked_account {
            account.header()?;
        }
        let auth = match (self.api_key, self.session_token) {
            (Some(_), Some(_)) => {
                return Err(Error::config(
                    "both an API key and a session token are set; a request uses exactly one: \
                     drop .session_token(..) or .api_key(..) (or unset REFOLD_SESSION_TOKEN or REFOLD_API_KEY)",
                ));
            }
            (None, None) => {
                return Err(Error::config(
                    "no credentials: call .api_key(..) with .linked_account_id(..), or .session_token(..) \
                     (or set REFOLD_API_KEY and REFOLD_LINKED_ACCOUNT_ID, or REFOLD_SESSION_TOKEN)",
                ));
            }
            (Some(key), None) => Auth::api_key(&key, linked_account, self.managed_session_tokens)?,
            (None, Some(token)) => {
                if linked_account.is_some() {
                    return Err(Error::config(
                        "a session token already names its linked account: drop .linked_account_id(..) \
                         (or unset REFOLD_LINKED_ACCOUNT_ID)",
                    ));
                }
                if self.managed_session_tokens {
                    return Err(Error::config(
                        "managed session tokens are minted with the API key: use .api_key(..) instead of .session_token(..)",
                    ));
                }
                Auth::session_token(&token)?
            }
        };
        let base_url = checked_base_url(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            self.allow_insecure_http,
        )?;
        let user_agent = match self.user_agent {
            Some(agent) => user_agent_header(&agent)?,
            None => HeaderValue::from_static(concat!("refold-rs/", env!("CARGO_PKG_VERSION"))),
        };
        let custom_http_client = self.http_client.is_some();
        let http = match self.http_client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                .redirect(reqwest::redirect::Policy::none())
                .tcp_nodelay(true)
                .build()
                .map_err(|e| Error::config(format!("could not build the HTTP client: {e}")))?,
        };
        Ok(Client {
            shared: Arc::new(Shared {
                http,
                base_url,
                timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
                retry_policy: self.retry_policy.unwrap_or_default(),
                user_agent,
                max_response_bytes: self.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
                limiter: self.rate_limit.map(Limiter::new).transpose()?,
                sessions: SessionCache::default(),
                custom_http_client,
            }),
            auth: Arc::new(auth),
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |set: bool| if set { Some("[REDACTED]") } else { None };
        f.debug_struct("ClientBuilder")
            .field("api_key", &redact(self.api_key.is_some()))
            .field("linked_account_id", &self.linked_account_id)
            .field("session_token", &redact(self.session_token.is_some()))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry_policy", &self.retry_policy)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .finish_non_exhaustive()
    }
}

/// Validates a base URL and normalizes it to have no trailing slash, so joining it with an
/// endpoint path (which starts with `/`) never doubles or drops a slash.
fn checked_base_url(input: &str, allow_insecure_http: bool) -> Result<String, Error> {
    // Errors echo the URL without any user info it carries: that part may hold a password.
    let shown = without_userinfo(input);
    let raw = shown.as_str();
    let url = reqwest::Url::parse(input.trim()).map_err(|e| {
        Error::config(format!(
            "the base URL {raw:?} is not a valid URL ({e}); write it like {DEFAULT_BASE_URL}"
        ))
    })?;
    let host = url.host_str().ok_or_else(|| {
        Error::config(format!(
            "the base URL {raw:?} has no host; write it like {DEFAULT_BASE_URL}"
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(
            "the base URL must not carry a user name or password; use .api_key(..)",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "the base URL {raw:?} must not have a query or fragment"
        )));
    }
    match url.scheme() {
        "https" => {}
        "http" if allow_insecure_http || is_loopback(host) => {}
        "http" => {
            return Err(Error::config(format!(
                "the base URL {raw:?} uses plain http on a non-loopback host, which would send the API key unencrypted; \
                 use https, or .allow_insecure_http(true) on a trusted network"
            )));
        }
        other => {
            return Err(Error::config(format!(
                "the base URL {raw:?} has scheme {other:?}; use https"
            )));
        }
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// `input` with anything between `://` and the host's `@` replaced by `***`.
fn without_userinfo(input: &str) -> String {
    let Some(scheme_end) = input.find("://").map(|i| i + 3) else {
        return input.to_owned();
    };
    let authority_end = input[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(input.len(), |i| scheme_end + i);
    match input[scheme_end..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &input[..scheme_end], &input[scheme_end + at..]),
        None => input.to_owned(),
    }
}

/// A `User-Agent` may hold spaces, but nothing else outside visible ASCII.
fn user_agent_header(agent: &str) -> Result<HeaderValue, Error> {
    if agent.is_empty() || !agent.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(Error::config(
            "the user agent must be non-empty printable ASCII (no control characters or non-ASCII)",
        ));
    }
    HeaderValue::from_str(agent).map_err(|_| Error::config("the user agent is not a valid header value"))
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_errors_never_echo_a_password() {
        for url in [
            "ftp://user:hunter2@host",
            "http://user:hunter2@example.com/x",
            "https://:hunter2@/",
        ] {
            let error = checked_base_url(url, false).expect_err("must be refused");
            assert!(!error.to_string().contains("hunter2"), "{error}");
        }
        assert_eq!(without_userinfo("https://u:p@h/a@b"), "https://***@h/a@b");
        assert_eq!(without_userinfo("https://h/a@b"), "https://h/a@b");
    }
}
