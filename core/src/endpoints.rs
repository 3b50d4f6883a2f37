//! The endpoints of the Refold API, as methods of [`Client`]: executing actions (typed and
//! raw; their futures and the execute request are in `execute.rs`), reading the integration
//! schema, minting and revoking session tokens. Each describes its request as a [`RequestSpec`]
//! and hands it to the pipeline (`pipeline.rs`).

use bytes::Bytes;
use reqwest::Method;
use serde::Serialize;

use crate::auth::Needs;
use crate::body::raw_body;
use crate::call::{CallOptions, CallScope};
use crate::envelope::{decode_error, decode_json};
use crate::execute::{Execute, ExecuteRaw, RawCall, action_request, execute_path};
use crate::ident::{validate_action, validate_identifier};
use crate::pipeline::{Credentials, RequestSpec, ScopeOf, SpanOf};
use crate::schema::BareOrWrapped;
use crate::session::{MintReply, RevokeOutcome, SessionToken};
use crate::transport::Reply;
use crate::{Action, ActionParameter, ActionSummary, Client, Error, RequestPreview};

impl Client {
    /// Executes a typed action; what `#[refold_action]`'s `execute` calls.
    ///
    /// Retries follow the client's [`RetryPolicy`](crate::RetryPolicy) and the action's
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
    /// code and sent nowhere: for dry runs. See [`RequestPreview`] for what it shows. With managed
    /// session tokens nothing is minted: the token's header is named, not filled in.
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
        let path = execute_path(slug, action_id);
        let mut spec = action_request(&path, raw_body(params)?, false);
        let unminted = crate::preview::unminted_token();
        if self.auth.managed_account(Needs::LinkedAccount).is_some() {
            spec.credentials = Credentials::ManagedToken(&unminted);
        }
        Ok(RequestPreview::of(&self.build_request(&spec)?))
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
        let span = SpanOf::new("list_actions", slug, "");
        let reply = self.call(schema_request(&path), CallOptions::default(), span).await?;
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
        let span = SpanOf::new("action_parameters", slug, action_id);
        let reply = self.call(schema_request(&path), CallOptions::default(), span).await?;
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
        let span = SpanOf::new("mint_session_token", "", "");
        self.scoped(ScopeOf::Call(CallOptions::default()), span, async |scope| {
            self.mint_within(linked_account_id, force_refresh, scope).await
        })
        .await
    }

    /// The mint request and the decoding of its reply, within a scope: the mint's own, or that
    /// of the call it mints a managed token for.
    pub(crate) async fn mint_within(
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
        let spec = RequestSpec {
            method: Method::POST,
            path: &[path],
            body: Some(body),
            // Minting twice is harmless (Refold reuses a valid token), so it is idempotent.
            idempotent: true,
            credentials: Credentials::Handle(Needs::Org),
            mints_session_token: true,
        };
        let reply = self.send_built(&spec, scope).await?;
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
        let spec = RequestSpec {
            method: Method::POST,
            path: &["/api/v2/public/session-token/revoke"],
            body: None,
            idempotent: true,
            // The token authenticates itself, whatever this handle's own credentials are.
            credentials: Credentials::Token(&token.token),
            mints_session_token: false,
        };
        let span = SpanOf::new("revoke_session_token", "", "");
        let reply = self.call(spec, CallOptions::default(), span).await?;
        decode_json(&reply)
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
}

impl Client {
    /// A call of the endpoints of customers and their connections (`linked_accounts.rs`,
    /// `apps.rs`, `connect.rs`), decoded as `T`. GETs are idempotent, every other method is a
    /// write that is never resent once it may have run. A 404 means the linked account or app
    /// the call names does not exist ([`Error::is_not_found`]).
    pub(crate) async fn call_json<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &[&str],
        body: Option<Bytes>,
        needs: Needs,
        endpoint: &'static str,
    ) -> Result<T, Error> {
        let spec = RequestSpec {
            idempotent: method == Method::GET,
            method,
            path,
            body,
            credentials: Credentials::Handle(needs),
            mints_session_token: false,
        };
        let reply = self
            .call(spec, CallOptions::default(), SpanOf::new(endpoint, "", ""))
            .await
            .map_err(Error::naming_missing_resource)?;
        decode_json(&reply)
    }
}

/// A JSON request body; `what` names it in the error when it cannot be written.
pub(crate) fn json_body<T: Serialize + ?Sized>(what: &str, value: &T) -> Result<Bytes, Error> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|e| Error::invalid_request(format!("could not encode {what}: {e}")))
}

/// A read of the integration schema (an app's actions, an action's parameters).
fn schema_request<'a>(path: &'a [&'a str]) -> RequestSpec<'a> {
    RequestSpec {
        method: Method::GET,
        path,
        body: None,
        idempotent: true,
        credentials: Credentials::Handle(Needs::LinkedAccount),
        mints_session_token: false,
    }
}

fn list_from<T: serde::de::DeserializeOwned>(reply: &Reply, key: &str) -> Result<Vec<T>, Error> {
    let list: BareOrWrapped<T> = decode_json(reply)?;
    list.into_vec(key)
        .map_err(|source| decode_error(reply, source, Some(key.to_owned()), None))
}
