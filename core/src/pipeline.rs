//! The request pipeline every endpoint goes through, in the order a call runs:
//!
//! 1. [`Client::call`] opens the call's scope (deadline, retry policy, span) and closes it when
//!    the call ends; [`Client::scoped`] is the one place that happens, for calls and for the
//!    token mints made on their behalf.
//! 2. For a handle managing session tokens, the account's token is found or minted, and a
//!    request refused with a 401 is sent once more with a new one.
//! 3. [`Client::build_request`] turns the endpoint's [`RequestSpec`] into the request: URL,
//!    headers, credentials, body.
//! 4. [`Client::send`] runs the retry loop; each attempt waits for the rate limiter, tells a
//!    hooked bulk item's hook that its first request is going out (`bulk.rs`), makes one HTTP
//!    exchange (`transport.rs`) and reads the reply's status (`envelope.rs`).

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{self, HeaderMap, HeaderValue};
use secrecy::SecretString;
use tracing::Instrument;

use crate::auth::{Needs, bearer_header};
use crate::call::{CallOptions, CallScope};
use crate::envelope::check_status;
use crate::retry;
use crate::session_cache::{CachedToken, Slot};
use crate::trace::call_span;
use crate::transport::{self, Reply, Request};
use crate::{Client, Error};

/// What an endpoint asks for: everything [`Client::build_request`] needs to build its request.
pub(crate) struct RequestSpec<'a> {
    pub(crate) method: Method,
    /// Pieces joined onto the base URL (a slug and an action id are checked before they get
    /// here).
    pub(crate) path: &'a [&'a str],
    pub(crate) body: Option<Bytes>,
    /// Whether repeating the request is harmless: it decides which failures are retried.
    pub(crate) idempotent: bool,
    pub(crate) credentials: Credentials<'a>,
    /// Whether this is the session-token mint, whose 500 means an unknown linked account.
    pub(crate) mints_session_token: bool,
}

/// Which credentials a request carries.
#[derive(Clone, Copy)]
pub(crate) enum Credentials<'a> {
    /// The handle's own, for an endpoint that needs them as said. For a handle managing session
    /// tokens, an endpoint acting for the linked account gets the account's managed token
    /// instead (the pipeline resolves it to [`Credentials::ManagedToken`]).
    Handle(Needs),
    /// A managed session token's `Authorization` header, from the session cache.
    ManagedToken(&'a HeaderValue),
    /// A session token given for this one request (revoking a token authenticates with it).
    Token(&'a SecretString),
}

/// The name and identifiers of a call's span (see `call_span`).
#[derive(Clone, Copy)]
pub(crate) struct SpanOf<'a> {
    pub(crate) endpoint: &'static str,
    pub(crate) slug: &'a str,
    pub(crate) action_id: &'a str,
}

impl<'a> SpanOf<'a> {
    pub(crate) const fn new(endpoint: &'static str, slug: &'a str, action_id: &'a str) -> Self {
        SpanOf {
            endpoint,
            slug,
            action_id,
        }
    }
}

/// Whose clock a scope runs on.
pub(crate) enum ScopeOf<'a> {
    /// A call of its own: the client's timeout and retry policy unless the call replaces them.
    Call(CallOptions),
    /// A request made on behalf of a running call (a token mint): the call's deadline and retry
    /// policy, and a span inside the call's.
    OnBehalfOf(&'a CallScope),
}

impl Client {
    /// Runs the request `spec` describes as one call, in its own scope.
    pub(crate) async fn call(
        &self,
        spec: RequestSpec<'_>,
        options: CallOptions,
        span: SpanOf<'_>,
    ) -> Result<Reply, Error> {
        self.scoped(ScopeOf::Call(options), span, async |scope| {
            self.request_within(spec, scope).await
        })
        .await
    }

    /// The one place a scope is opened and closed: `work` runs within the deadline and span
    /// of a new scope, which then records how the work ended.
    pub(crate) async fn scoped<T>(
        &self,
        of: ScopeOf<'_>,
        span: SpanOf<'_>,
        work: impl AsyncFnOnce(&CallScope) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let new_span = || call_span(span.endpoint, span.slug, span.action_id);
        let scope = match of {
            ScopeOf::Call(options) => CallScope::new(
                options.timeout.unwrap_or(self.shared.timeout),
                options.retry_policy.unwrap_or(self.shared.retry_policy),
                new_span(),
            ),
            // Created inside the call's span, so a trace shows the mint as part of the call.
            ScopeOf::OnBehalfOf(parent) => parent.child(parent.span.in_scope(new_span)),
        };
        let result = work(&scope).await;
        scope.finish(result.as_ref().err());
        result
    }

    /// Sends the request `spec` describes within `scope`, with a managed session token when
    /// this handle's credentials call for one.
    async fn request_within(&self, spec: RequestSpec<'_>, scope: &CallScope) -> Result<Reply, Error> {
        let managed = match spec.credentials {
            Credentials::Handle(needs) => self.auth.managed_account(needs),
            Credentials::ManagedToken(_) | Credentials::Token(_) => None,
        };
        match managed {
            // Built and sent here rather than through `send_built`: every call takes this
            // branch, and each nested future is one more copy of the call's state.
            None => {
                let request = self.build_request(&spec)?;
                self.send(&request, spec.mints_session_token, scope).await
            }
            // Boxed: the mints it may make would otherwise grow every call's future, managed
            // or not, and the future is moved as a whole.
            Some(account) => Box::pin(self.with_managed_token(spec, &account.id, scope)).await,
        }
    }

    /// Managed session tokens: sends with the account's cached token; on a 401 the token was
    /// expired or revoked behind our back, so mints a new one once and tries again, then gives
    /// up. Minting shares the call's deadline.
    async fn with_managed_token(
        &self,
        spec: RequestSpec<'_>,
        account: &Arc<str>,
        scope: &CallScope,
    ) -> Result<Reply, Error> {
        let slot = self.shared.sessions.slot(account);
        let token = self.managed_token(&slot, account, false, scope).await?;
        let with_token = |header| RequestSpec {
            method: spec.method.clone(),
            body: spec.body.clone(),
            credentials: Credentials::ManagedToken(header),
            ..spec
        };
        match self.send_built(&with_token(&token.header), scope).await {
            Err(error) if error.status() == Some(401) => {
                slot.invalidate(&token.header);
                let fresh = self.managed_token(&slot, account, true, scope).await?;
                self.send_built(&with_token(&fresh.header), scope).await
            }
            other => other,
        }
    }

    /// Builds the request `spec` describes and sends it within `scope`, with exactly the
    /// credentials it names. The token mint comes here directly: it authenticates with the API
    /// key, never with a managed token (which would have to be minted first).
    pub(crate) async fn send_built(&self, spec: &RequestSpec<'_>, scope: &CallScope) -> Result<Reply, Error> {
        let request = self.build_request(spec)?;
        self.send(&request, spec.mints_session_token, scope).await
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
        // After a 401, Refold may still consider its current token valid and hand it back:
        // force a new one.
        let minted = self
            .scoped(
                ScopeOf::OnBehalfOf(scope),
                SpanOf::new("mint_session_token", "", ""),
                async |mint_scope| {
                    self.mint_within(account, after_refusal, mint_scope)
                        .await
                        .and_then(CachedToken::new)
                },
            )
            .await;
        let token = minted.map_err(|source| Error::SessionMint {
            source: Box::new(source),
        })?;
        slot.store(token.clone());
        Ok(token)
    }

    /// The one place a request is built: the base URL and path, the user agent, `Accept`,
    /// `Content-Type` for a body, the credentials `spec` names, and the body. An execute request
    /// with the handle's fixed credentials borrows the handle's prebuilt headers.
    pub(crate) fn build_request(&self, spec: &RequestSpec<'_>) -> Result<Request<'_>, Error> {
        let has_body = spec.body.is_some();
        let headers = match (spec.credentials, self.action_headers.as_deref()) {
            (Credentials::Handle(Needs::LinkedAccount), Some(prebuilt)) if has_body => Cow::Borrowed(prebuilt),
            (Credentials::Handle(needs), _) => Cow::Owned(self.fixed_headers(has_body, needs)?),
            (Credentials::ManagedToken(authorization), _) => {
                let mut headers = self.base_headers(has_body);
                headers.insert(header::AUTHORIZATION, authorization.clone());
                Cow::Owned(headers)
            }
            (Credentials::Token(token), _) => {
                let mut headers = self.base_headers(has_body);
                headers.insert(header::AUTHORIZATION, bearer_header(token)?);
                Cow::Owned(headers)
            }
        };
        Ok(Request {
            method: spec.method.clone(),
            url: self.url(spec.path),
            headers,
            body: spec.body.clone(),
            idempotent: spec.idempotent,
        })
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

    /// The base headers plus this handle's credentials for an endpoint that `needs` them (also
    /// what the handle's prebuilt execute headers are made of).
    pub(crate) fn fixed_headers(&self, has_body: bool, needs: Needs) -> Result<HeaderMap, Error> {
        let mut headers = self.base_headers(has_body);
        self.auth.apply(&mut headers, needs)?;
        Ok(headers)
    }

    /// Sends a built request through the rate limiter and the retry loop, within the scope's
    /// deadline, counting attempts and noting the last status on the scope.
    async fn send(&self, request: &Request<'_>, mints_session_token: bool, scope: &CallScope) -> Result<Reply, Error> {
        let shared = &self.shared;
        let detect_redirects = shared.custom_http_client;
        let attempts = retry::run(
            &scope.retry_policy,
            scope.call_started,
            scope.deadline,
            request.idempotent,
            |_attempt| async move {
                self.acquire_rate_limit(scope, request.idempotent).await?;
                // After the slot (and any token mint, which comes here with
                // `mints_session_token`), right before the bytes go out.
                if let Some(notice) = self.send_notice.as_deref().filter(|_| !mints_session_token) {
                    notice.before_first_send().await?;
                }
                let reply =
                    transport::send_once(&shared.http, request, shared.max_response_bytes, detect_redirects).await?;
                check_status(reply, request.idempotent, mints_session_token)
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

    /// Waits for this attempt's slot from the client-side rate limiter, when one is set: every
    /// attempt, retries included, takes one.
    async fn acquire_rate_limit(&self, scope: &CallScope, idempotent: bool) -> Result<(), Error> {
        match &self.shared.limiter {
            Some(limiter) => {
                limiter
                    .acquire(&self.auth.limiter_key(), scope.deadline, scope.call_started, idempotent)
                    .await
            }
            None => Ok(()),
        }
    }
}
