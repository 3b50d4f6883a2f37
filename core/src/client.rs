//! The [`Client`] handle, its endpoints and the call pipeline; configuration is in `builder.rs`.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{self, HeaderMap, HeaderValue};
use serde::Serialize;
use tracing::Instrument;

use crate::auth::{Auth, LinkedAccount, Needs};
use crate::body::{action_body, raw_body};
use crate::builder::ClientBuilder;
use crate::call::{CallScope, call_span};
use crate::envelope::decode_json;
use crate::execute::{Call, CallOptions, Execute, ExecuteRaw, RawCall};
use crate::ident::{is_valid_identifier, validate_action, validate_identifier};
use crate::rate_limit::Limiter;
use crate::retry::{self, RetryPolicy};
use crate::schema::BareOrWrapped;
use crate::session::{MintReply, RevokeOutcome, SessionToken};
use crate::session_cache::{CachedToken, SessionCache, Slot};
use crate::transport::{self, Reply, Request};
use crate::{Action, ActionParameter, ActionSummary, Error, RequestPreview};

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
    action_headers: Option<Arc<HeaderMap>>,
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
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Builds a client from `REFOLD_API_KEY`, `REFOLD_LINKED_ACCOUNT_ID`,
    /// `REFOLD_SESSION_TOKEN` and `REFOLD_BASE_URL` (see [`ClientBuilder::from_env`]).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the variables hold no credential or contradictory ones, or a
    /// value [`ClientBuilder::build`] refuses.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// let client = refold::Client::from_env()?;
    /// # Ok::<(), refold::Error>(())
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
        Client::from_parts(Arc::clone(&self.shared), auth)
    }

    /// A handle with these settings and credentials.
    pub(crate) fn from_parts(shared: Arc<Shared>, auth: Auth) -> Client {
        let mut client = Client {
            shared,
            auth: Arc::new(auth),
            action_headers: None,
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

    /// Executes a typed action; what `#[refold_action]`'s `execute` calls.
    ///
    /// Retries follow the client's [`RetryPolicy`] and the action's
    /// [`IDEMPOTENT`](Action::IDEMPOTENT) flag. A reply whose `node_status` is not `Success`
    /// is [`Error::ActionFailed`]. Top-level fields of the action that are `None` are left out
    /// of the body (see [`Action`]); [`Client::execute_raw`] sends its parameters exactly as they
    /// serialize.
    ///
    /// Returns an [`Execute`] future: nothing happens until it is awaited. The body is written on
    /// its first poll, so a parameter that cannot be serialized is its output's
    /// [`Error::InvalidRequest`], and nothing is sent. [`Execute::timeout`] and
    /// [`Execute::retry_policy`] change the client's settings for this call only.
    ///
    /// # Errors
    ///
    /// The future's output is an [`Error`]: [`Error::InvalidRequest`] before sending (an
    /// invalid hand-written slug or id, parameters that do not serialize to an object),
    /// [`Error::Api`] when Refold refuses the call, [`Error::ActionFailed`] when the app does,
    /// [`Error::Decode`] when `data` does not fit the output type, and the transport errors
    /// ([`Error::Connect`], [`Error::Transport`], [`Error::Timeout`]) once retries are spent.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # use refold::{Action, Client};
    /// # #[derive(serde::Serialize)] struct GetContact { email: String }
    /// # impl Action for GetContact { const SLUG: &'static str = "hubspot"; const ACTION_ID: &'static str = "get_contact"; type Output = serde_json::Value; }
    /// # async fn run(client: Client) -> Result<(), refold::Error> {
    /// let reply = client.execute(&GetContact { email: "ada@example.com".into() }).await?;
    /// println!("{}", reply.data);
    /// # Ok(()) }
    /// ```
    pub fn execute<'a, A: Action>(&'a self, action: &'a A) -> Execute<'a, A> {
        Execute::new(self, action)
    }

    /// The synchronous start of [`Client::execute`]: checks the identifiers, writes the body and
    /// starts the request pipeline, which does not depend on the action's type.
    pub(crate) fn start_execute<A: Action>(&self, action: &A, options: CallOptions) -> Result<Call<'_>, Error> {
        // An action's slug and id are constants, so the rule is checked once, at compile time;
        // only an invalid pair (a hand-written impl) takes the run-time path that explains it.
        let identifiers_valid = const { is_valid_identifier(A::SLUG) && is_valid_identifier(A::ACTION_ID) };
        if !identifiers_valid {
            validate_action(A::SLUG, A::ACTION_ID)?;
        }
        let body = action_body(action)?;
        let path: &'static [&'static str] = const { &execute_path(A::SLUG, A::ACTION_ID) };
        let span = call_span("execute", A::SLUG, A::ACTION_ID);
        Ok(Box::pin(self.call(
            Method::POST,
            path,
            Some(body),
            A::IDEMPOTENT,
            Needs::LinkedAccount,
            self.scope(options, span),
        )))
    }

    /// The start of [`Client::execute_raw`]'s future, once the identifiers and the body are
    /// checked.
    pub(crate) fn start_raw<'a>(
        &'a self,
        slug: &'a str,
        action_id: &'a str,
        body: Bytes,
        idempotent: bool,
        options: CallOptions,
    ) -> Call<'a> {
        Box::pin(async move {
            let path = execute_path(slug, action_id);
            let scope = self.scope(options, call_span("execute", slug, action_id));
            self.call(Method::POST, &path, Some(body), idempotent, Needs::LinkedAccount, scope)
                .await
        })
    }

    /// Executes an action chosen at run time, with any serializable parameters (a
    /// `serde_json::Value` object, a map, a struct). The slug and action id are checked
    /// (`[a-z0-9_-]{1,128}`) and never spliced raw into the URL.
    ///
    /// The call is treated as a write (not idempotent): it is retried only when it certainly
    /// did not run. Use [`Client::execute_raw_idempotent`] for reads.
    ///
    /// The parameters are serialized at once; the returned [`ExecuteRaw`] sends nothing until
    /// it is awaited, and takes per-call [`ExecuteRaw::timeout`] and
    /// [`ExecuteRaw::retry_policy`].
    ///
    /// # Errors
    ///
    /// The future's output is [`Error::InvalidRequest`] for an invalid slug or action id or
    /// parameters that do not serialize to a JSON object (nothing is sent), and otherwise the
    /// errors of [`Client::execute`].
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let reply = client
    ///     .execute_raw("hubspot", "create_contact", &serde_json::json!({ "email": "ada@example.com" }))
    ///     .await?;
    /// println!("created {}", reply.data["id"]);
    /// # Ok(()) }
    /// ```
    pub fn execute_raw<'a, P: Serialize + ?Sized>(
        &'a self,
        slug: &'a str,
        action_id: &'a str,
        params: &P,
    ) -> ExecuteRaw<'a> {
        self.raw(slug, action_id, params, false)
    }

    /// Like [`Client::execute_raw`], for an action that is safe to repeat (a read): it is also
    /// retried after timeouts, dropped connections and 5xx replies.
    ///
    /// # Errors
    ///
    /// As [`Client::execute_raw`].
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let page = client
    ///     .execute_raw_idempotent("hubspot", "search_contacts", &serde_json::json!({ "query": "ada" }))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn execute_raw_idempotent<'a, P: Serialize + ?Sized>(
        &'a self,
        slug: &'a str,
        action_id: &'a str,
        params: &P,
    ) -> ExecuteRaw<'a> {
        self.raw(slug, action_id, params, true)
    }

    /// The request [`Client::execute_raw`] would send for these arguments, built by the same
    /// code and sent nowhere: for dry runs. See [`RequestPreview`] for what it shows.
    ///
    /// # Errors
    ///
    /// The errors [`Client::execute_raw`] would return before sending: [`Error::InvalidRequest`]
    /// for a bad slug, action id or linked account id, or parameters that are not a JSON
    /// object; [`Error::Config`] when the credentials cannot make this call.
    pub fn preview_execute_raw<P: Serialize + ?Sized>(
        &self,
        slug: &str,
        action_id: &str,
        params: &P,
    ) -> Result<RequestPreview, Error> {
        validate_action(slug, action_id)?;
        let body = raw_body(params)?;
        let path = execute_path(slug, action_id);
        let mut headers = Vec::new();
        let request = match self.auth.managed_account(Needs::LinkedAccount) {
            None => self.prepare(Method::POST, &path, Some(body), false, Needs::LinkedAccount)?,
            Some(_) => {
                let request = Request {
                    method: Method::POST,
                    url: self.url(&path),
                    headers: Cow::Owned(self.base_headers(true)),
                    body: Some(body),
                    idempotent: false,
                    mints_session_token: false,
                };
                headers.push((
                    header::AUTHORIZATION.as_str().to_owned(),
                    "<redacted: a session token minted when the call is made>".to_owned(),
                ));
                request
            }
        };
        let mut shown: Vec<(String, String)> = request
            .headers
            .iter()
            .map(|(name, value)| {
                let text = if value.is_sensitive() || *name == header::AUTHORIZATION {
                    crate::preview::REDACTED.to_owned()
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                (name.as_str().to_owned(), text)
            })
            .collect();
        shown.append(&mut headers);
        let body = request.body.unwrap_or_default();
        if let Some(host) = request.url.split("://").nth(1).and_then(|rest| rest.split('/').next()) {
            shown.push((header::HOST.as_str().to_owned(), host.to_owned()));
        }
        shown.push((header::CONTENT_LENGTH.as_str().to_owned(), body.len().to_string()));
        Ok(RequestPreview {
            method: "POST",
            url: request.url,
            headers: shown,
            body,
        })
    }

    fn raw<'a, P: Serialize + ?Sized>(
        &'a self,
        slug: &'a str,
        action_id: &'a str,
        params: &P,
        idempotent: bool,
    ) -> ExecuteRaw<'a> {
        ExecuteRaw::new(RawCall {
            client: self,
            slug,
            action_id,
            body: validate_action(slug, action_id).and_then(|()| raw_body(params)),
            idempotent,
        })
    }

    /// Lists the actions of an app.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for an invalid slug, [`Error::Api`] when Refold refuses (a 404
    /// for an app it does not know), [`Error::Decode`] for a list it cannot read, and the
    /// transport errors.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// for action in client.list_actions("hubspot").await? {
    ///     println!("{}: {}", action.action_id, action.description);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list_actions(&self, slug: &str) -> Result<Vec<ActionSummary>, Error> {
        validate_identifier("slug", slug)?;
        let path = ["/api/v2/integration-schema/", slug, "/actions"];
        let scope = self.scope(CallOptions::default(), call_span("list_actions", slug, ""));
        let reply = self
            .call(Method::GET, &path, None, true, Needs::LinkedAccount, scope)
            .await?;
        list_from(&reply, "actions")
    }

    /// Describes the parameters of one action (its input schema).
    ///
    /// # Errors
    ///
    /// As [`Client::list_actions`]; a 404 also for an action the app does not have.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// for param in client.action_parameters("hubspot", "create_contact").await? {
    ///     println!("{} ({}){}", param.name, param.param_type, if param.required { " required" } else { "" });
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn action_parameters(&self, slug: &str, action_id: &str) -> Result<Vec<ActionParameter>, Error> {
        validate_action(slug, action_id)?;
        let path = ["/api/v2/integration-schema/", slug, "/actions/", action_id];
        let scope = self.scope(CallOptions::default(), call_span("action_parameters", slug, action_id));
        let reply = self
            .call(Method::GET, &path, None, true, Needs::LinkedAccount, scope)
            .await?;
        list_from(&reply, "parameters")
    }

    /// Mints a session token for a linked account (API-key mode only). Refold reuses a valid
    /// token it already issued; see [`Client::mint_session_token_forced`] for a fresh one.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the client has no API key (a session-token client cannot mint),
    /// [`Error::InvalidRequest`] for an empty id, [`Error::Api`] when Refold refuses: a 500 for
    /// a linked account it does not know, which is not retried and whose hint says to create
    /// or link the account. Also [`Error::Decode`] and the transport errors.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let token = client.mint_session_token("ada@example.com").await?;
    /// # Ok(()) }
    /// ```
    pub async fn mint_session_token(&self, linked_account_id: &str) -> Result<SessionToken, Error> {
        self.mint(linked_account_id, false).await
    }

    /// Mints a new session token even when a valid one exists (`force_refresh=true`).
    ///
    /// # Errors
    ///
    /// As [`Client::mint_session_token`].
    pub async fn mint_session_token_forced(&self, linked_account_id: &str) -> Result<SessionToken, Error> {
        self.mint(linked_account_id, true).await
    }

    async fn mint(&self, linked_account_id: &str, force_refresh: bool) -> Result<SessionToken, Error> {
        let scope = self.scope(CallOptions::default(), call_span("mint_session_token", "", ""));
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
        let mut request = self.prepare(Method::POST, &[path], Some(body), true, Needs::Org)?;
        request.mints_session_token = true;
        let reply = self.send(&request, scope).await?;
        let minted: MintReply = decode_json(&reply)?;
        Ok(minted.into_token(linked_account_id))
    }

    /// Revokes a session token (and its refresh token). Authenticates with the token itself.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for a token HTTP headers cannot carry, [`Error::Api`] when
    /// Refold refuses it (a 401 for a token it does not know), [`Error::Decode`] and the
    /// transport errors.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let token = client.mint_session_token("ada@example.com").await?;
    /// let outcome = client.revoke_session_token(&token).await?;
    /// assert!(outcome.success);
    /// # Ok(()) }
    /// ```
    pub async fn revoke_session_token(&self, token: &SessionToken) -> Result<RevokeOutcome, Error> {
        let auth = Auth::session_token(&token.token)?;
        let span = call_span("revoke_session_token", "", "");
        let mut headers = self.base_headers(false);
        // The token authenticates as its linked account; `Needs::Org` would demand the API key
        // and refuse every session token.
        auth.apply(&mut headers, Needs::LinkedAccount)?;
        let request = Request {
            method: Method::POST,
            url: self.url(&["/api/v2/public/session-token/revoke"]),
            headers: Cow::Owned(headers),
            body: None,
            idempotent: true,
            mints_session_token: false,
        };
        let scope = self.scope(CallOptions::default(), span);
        let result = self.send(&request, &scope).await;
        scope.finish(result.as_ref().err());
        let reply = result?;
        decode_json(&reply)
    }

    /// The clock, retry policy and span of one call: the client's settings unless the call's
    /// own `options` replace them.
    fn scope(&self, options: CallOptions, span: tracing::Span) -> CallScope {
        CallScope::new(
            options.timeout.unwrap_or(self.shared.timeout),
            options.retry_policy.unwrap_or(self.shared.retry_policy),
            span,
        )
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

    /// The user agent, `Accept` and (for a request with a body) `Content-Type`.
    fn base_headers(&self, has_body: bool) -> HeaderMap {
        let mut headers = HeaderMap::with_capacity(6);
        headers.insert(header::USER_AGENT, self.shared.user_agent.clone());
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        if has_body {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        headers
    }

    /// The base headers plus this handle's credentials for an endpoint that `needs` them.
    fn fixed_headers(&self, has_body: bool, needs: Needs) -> Result<HeaderMap, Error> {
        let mut headers = self.base_headers(has_body);
        self.auth.apply(&mut headers, needs)?;
        Ok(headers)
    }

    /// A request for `path` with this handle's credentials, for endpoints whose credentials
    /// are fixed headers (everything but managed session tokens). An execute request borrows
    /// the handle's prebuilt headers.
    fn prepare(
        &self,
        method: Method,
        path: &[&str],
        body: Option<Bytes>,
        idempotent: bool,
        needs: Needs,
    ) -> Result<Request<'_>, Error> {
        let headers = match (&self.action_headers, body.is_some(), needs) {
            (Some(prebuilt), true, Needs::LinkedAccount) => Cow::Borrowed(&**prebuilt),
            _ => Cow::Owned(self.fixed_headers(body.is_some(), needs)?),
        };
        Ok(Request {
            method,
            url: self.url(path),
            headers,
            body,
            idempotent,
            mints_session_token: false,
        })
    }

    async fn call(
        &self,
        method: Method,
        path: &[&str],
        body: Option<Bytes>,
        idempotent: bool,
        needs: Needs,
        scope: CallScope,
    ) -> Result<Reply, Error> {
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
            headers: Cow::Owned(headers),
            body,
            idempotent,
            mints_session_token: false,
        };
        match self.send(&request, scope).await {
            Err(error) if error.status() == Some(401) => {
                slot.invalidate(&token.header);
                let fresh = self.managed_token(&slot, &account.id, true, scope).await?;
                request.headers.to_mut().insert(header::AUTHORIZATION, fresh.header);
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
        // Created inside the call's span, so a trace shows the mint as part of the call.
        let mint_scope = scope.child(scope.span.in_scope(|| call_span("mint_session_token", "", "")));
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
    /// # Errors
    ///
    /// [`Error::Config`] when this handle does not manage session tokens, and the errors of
    /// [`Client::revoke_session_token`].
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run() -> Result<(), refold::Error> {
    /// let client = refold::Client::builder()
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
    async fn send(&self, request: &Request<'_>, scope: &CallScope) -> Result<Reply, Error> {
        let shared = &self.shared;
        let auth = &self.auth;
        let detect_redirects = shared.custom_http_client;
        let attempts = retry::run(
            &scope.retry_policy,
            scope.deadline,
            request.idempotent,
            |_attempt| async move {
                if let Some(limiter) = &shared.limiter {
                    limiter
                        .acquire(&auth.limiter_key(), scope.deadline, scope.started, request.idempotent)
                        .await?;
                }
                transport::send_once(&shared.http, request, shared.max_response_bytes, detect_redirects).await
            },
        );
        // Entering and leaving a span nobody listens to on every poll is wasted work.
        let outcome = if scope.span.is_disabled() {
            attempts.await
        } else {
            attempts.instrument(scope.span.clone()).await
        };
        scope.record(&outcome);
        outcome.result
    }
}

/// The pieces of an action's execute path, joined onto the base URL by `Client::url`.
const fn execute_path<'a>(slug: &'a str, action_id: &'a str) -> [&'a str; 5] {
    ["/api/v2/integration-schema/", slug, "/actions/", action_id, "/execute"]
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
