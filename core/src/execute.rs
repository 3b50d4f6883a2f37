//! [`Execute`] and [`ExecuteRaw`]: the futures of an action's call, with the settings that can
//! be changed for that one call, and how such a call starts: the execute request it sends
//! through the pipeline.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use refold_snapshot::is_valid_identifier;
use reqwest::Method;

use crate::auth::Needs;
use crate::body::action_body;
use crate::call::{Call, CallOptions};
use crate::ident::validate_action;
use crate::pipeline::{Credentials, RequestSpec, SpanOf};
use crate::transport::Reply;
use crate::{Action, ActionResponse, Client, Error, RetryPolicy};

/// The per-call settings of a call future, one definition for [`Execute`] and [`ExecuteRaw`]
/// (both keep their not-yet-started call in a `stage` field).
macro_rules! call_settings {
    () => {
        /// Sets the whole-call timeout (retries and their pauses included) for this call only,
        /// instead of the client's [`timeout`](crate::ClientBuilder::timeout).
        ///
        /// # Panics
        ///
        /// If the future was already polled: the call has started with the settings it had.
        pub fn timeout(mut self, timeout: Duration) -> Self {
            self.stage.options("timeout").timeout = Some(timeout);
            self
        }

        /// Sets how this call is retried, instead of the client's
        /// [`retry_policy`](crate::ClientBuilder::retry_policy). The safety rule for writes
        /// holds whatever the policy says.
        ///
        /// # Panics
        ///
        /// If the future was already polled: the call has started with the settings it had.
        pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
            self.stage.options("retry_policy").retry_policy = Some(policy);
            self
        }
    };
}

/// The future of one typed action's call, returned by [`Client::execute`] and by the `execute`
/// method `#[refold_action]` generates. Await it (it does nothing until polled); its output is
/// the action's [`ActionResponse`] or an [`Error`].
///
/// It is a named type rather than an `impl Future`, so it can be stored in a struct or named in
/// a signature, and so that each annotated struct's `execute` costs little to compile. It is
/// `Send` when the action is `Sync`, and never borrows more than the action and the client.
/// Dropping it before it completes cancels the call (a request already sent may still run).
///
/// [`Execute::timeout`] and [`Execute::retry_policy`] change the client's settings for this one
/// call, like the AWS SDK's `customize()`.
///
/// # Errors
///
/// Its output is an [`Error`] when the call fails: see [`Client::execute`].
///
/// # Panics
///
/// Like an `async fn`'s future, it panics if polled again after it returned its output.
///
/// ```no_run
/// # extern crate refold_core as refold;
/// use std::time::Duration;
/// use refold::{Action, ActionResponse, Client, Error, Execute, RetryPolicy};
/// # #[derive(serde::Serialize)] struct GetContact { email: String }
/// # impl Action for GetContact { const SLUG: &'static str = "hubspot"; const ACTION_ID: &'static str = "get_contact"; type Output = serde_json::Value; }
///
/// fn lookup<'a>(client: &'a Client, action: &'a GetContact) -> Execute<'a, GetContact> {
///     client.execute(action)
/// }
///
/// # async fn run(client: Client) -> Result<(), Error> {
/// let action = GetContact { email: "ada@example.com".into() };
/// let reply: ActionResponse<serde_json::Value> = lookup(&client, &action).await?;
///
/// // One slow call: a longer deadline and no retries, the client's settings stay as they are.
/// let slow = client
///     .execute(&action)
///     .timeout(Duration::from_secs(120))
///     .retry_policy(RetryPolicy::none())
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Execute<'a, A: Action> {
    stage: Stage<'a, (&'a Client, &'a A)>,
}

impl<'a, A: Action> Execute<'a, A> {
    pub(crate) fn new(client: &'a Client, action: &'a A) -> Self {
        Execute {
            stage: Stage::new((client, action)),
        }
    }

    call_settings!();
}

impl<A: Action> Future for Execute<'_, A> {
    type Output = Result<ActionResponse<A::Output>, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // `Execute` is `Unpin`: it holds references and a boxed future, never the action itself.
        self.stage
            .poll_reply(cx, |(client, action), options| client.start_execute(action, options))
            .map(|reply| reply.and_then(crate::envelope::decode_action))
    }
}

impl<A: Action> fmt::Debug for Execute<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Execute")
            .field("slug", &A::SLUG)
            .field("action_id", &A::ACTION_ID)
            .field("state", &self.stage.name())
            .field("options", &self.stage.options_ref())
            .finish()
    }
}

/// The future of an action chosen at run time, returned by [`Client::execute_raw`] and
/// [`Client::execute_raw_idempotent`]. Await it (it sends nothing until polled); its output is
/// the reply with `data` as a `serde_json::Value`, or an [`Error`].
///
/// The parameters are serialized when the future is created, so it borrows only the client,
/// the slug and the action id. [`ExecuteRaw::timeout`] and [`ExecuteRaw::retry_policy`] change
/// the client's settings for this one call.
///
/// # Errors
///
/// Its output is an [`Error`] when the call fails: see [`Client::execute_raw`].
///
/// # Panics
///
/// Like an `async fn`'s future, it panics if polled again after it returned its output.
///
/// ```no_run
/// # extern crate refold_core as refold;
/// use std::time::Duration;
///
/// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
/// let reply = client
///     .execute_raw_idempotent("hubspot", "search_contacts", &serde_json::json!({ "query": "ada" }))
///     .timeout(Duration::from_secs(5))
///     .await?;
/// println!("{}", reply.data);
/// # Ok(()) }
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ExecuteRaw<'a> {
    stage: Stage<'a, RawCall<'a>>,
}

/// What an [`ExecuteRaw`] starts its call with.
pub(crate) struct RawCall<'a> {
    pub(crate) client: &'a Client,
    pub(crate) slug: &'a str,
    pub(crate) action_id: &'a str,
    /// The body, or why the identifiers or parameters were refused (reported by the first poll).
    pub(crate) body: Result<Bytes, Error>,
    pub(crate) idempotent: bool,
}

impl<'a> ExecuteRaw<'a> {
    pub(crate) fn new(call: RawCall<'a>) -> Self {
        ExecuteRaw {
            stage: Stage::new(call),
        }
    }

    call_settings!();
}

impl Future for ExecuteRaw<'_> {
    type Output = Result<ActionResponse<serde_json::Value>, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.stage
            .poll_reply(cx, |call, options| {
                let body = call.body?;
                Ok(call
                    .client
                    .start_raw(call.slug, call.action_id, body, call.idempotent, options))
            })
            .map(|reply| reply.and_then(crate::envelope::decode_action))
    }
}

impl fmt::Debug for ExecuteRaw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("ExecuteRaw");
        if let Stage::Start(call, _) = &self.stage {
            debug.field("slug", &call.slug).field("action_id", &call.action_id);
        }
        debug
            .field("state", &self.stage.name())
            .field("options", &self.stage.options_ref())
            .finish()
    }
}

impl Client {
    /// The synchronous start of [`Client::execute`]: checks the identifiers, writes the body and
    /// starts the request pipeline, which does not depend on the action's type.
    fn start_execute<A: Action>(&self, action: &A, options: CallOptions) -> Result<Call<'_>, Error> {
        // An action's slug and id are constants, so the rule is checked once, at compile time;
        // only an invalid pair (a hand-written impl) takes the run-time path that explains it.
        let identifiers_valid = const { is_valid_identifier(A::SLUG) && is_valid_identifier(A::ACTION_ID) };
        if !identifiers_valid {
            validate_action(A::SLUG, A::ACTION_ID)?;
        }
        let body = action_body(action)?;
        let path: &'static [&'static str] = const { &execute_path(A::SLUG, A::ACTION_ID) };
        Ok(Box::pin(self.call(
            action_request(path, body, A::IDEMPOTENT),
            options,
            SpanOf::new("execute", A::SLUG, A::ACTION_ID),
        )))
    }

    /// The start of [`Client::execute_raw`]'s future, once the identifiers and the body are
    /// checked.
    fn start_raw<'a>(
        &'a self,
        slug: &'a str,
        action_id: &'a str,
        body: Bytes,
        idempotent: bool,
        options: CallOptions,
    ) -> Call<'a> {
        Box::pin(async move {
            let path = execute_path(slug, action_id);
            let span = SpanOf::new("execute", slug, action_id);
            self.call(action_request(&path, body, idempotent), options, span).await
        })
    }
}

/// An action's execute request: a POST of its parameters, acting for the linked account.
pub(crate) fn action_request<'a>(path: &'a [&'a str], body: Bytes, idempotent: bool) -> RequestSpec<'a> {
    RequestSpec {
        method: Method::POST,
        path,
        body: Some(body),
        idempotent,
        credentials: Credentials::Handle(Needs::LinkedAccount),
        mints_session_token: false,
    }
}

/// The pieces of an action's execute path, joined onto the base URL by the pipeline.
pub(crate) const fn execute_path<'a>(slug: &'a str, action_id: &'a str) -> [&'a str; 5] {
    ["/api/v2/integration-schema/", slug, "/actions/", action_id, "/execute"]
}

/// Where a call future is: not started (with what starts it and its settings), running, done.
enum Stage<'a, S> {
    /// Not polled yet: the request is built on the first poll.
    Start(S, CallOptions),
    /// The request pipeline is running.
    Calling(Call<'a>),
    /// The output was returned.
    Done,
}

impl<'a, S> Stage<'a, S> {
    fn new(start: S) -> Self {
        Stage::Start(start, CallOptions::default())
    }

    /// The settings, to change before the call starts.
    fn options(&mut self, setting: &str) -> &mut CallOptions {
        match self {
            Stage::Start(_, options) => options,
            _ => {
                panic!("`{setting}` was set on a refold call future after it was first polled; set it before awaiting")
            }
        }
    }

    fn options_ref(&self) -> Option<&CallOptions> {
        match self {
            Stage::Start(_, options) => Some(options),
            _ => None,
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Stage::Start(..) => "not started",
            Stage::Calling(_) => "calling",
            Stage::Done => "done",
        }
    }

    /// Starts the call on the first poll, then drives it to its reply.
    fn poll_reply(
        &mut self,
        cx: &mut Context<'_>,
        start: impl FnOnce(S, CallOptions) -> Result<Call<'a>, Error>,
    ) -> Poll<Result<Reply, Error>> {
        if let Stage::Start(..) = self {
            let Stage::Start(what, options) = std::mem::replace(self, Stage::Done) else {
                unreachable!("matched just above")
            };
            match start(what, options) {
                Ok(call) => *self = Stage::Calling(call),
                Err(error) => return Poll::Ready(Err(error)),
            }
        }
        match self {
            Stage::Calling(call) => {
                let reply = ready!(call.as_mut().poll(cx));
                *self = Stage::Done;
                Poll::Ready(reply)
            }
            _ => panic!("a refold call future was polled after it completed"),
        }
    }
}
