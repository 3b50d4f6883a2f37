//! Bulk runs: [`Client::execute_all`] sends many actions with bounded concurrency and yields
//! each input's index with its result, as a [`Stream`]. [`Client::execute_all_with_hook`] also
//! awaits a caller's hook once per item, right before the item's request goes on the wire: the
//! pipeline finds the hook on the handle the item's call runs on (`SendNotice`).
//!
//! The engine is `futures-util`'s `buffered` / `buffer_unordered` over the input stream rather
//! than hand-written polling: those combinators already pull the input only when a slot is free
//! (so memory is bounded by the concurrency, never by the input's length), drop their in-flight
//! futures when the stream is dropped, and are what a user's own loop would be built on, so the
//! bulk path costs nothing over the loop it replaces (see BENCHMARKS.md, "Bulk runs").

use std::fmt;
use std::future::{Future, ready};
use std::num::NonZeroUsize;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_core::Stream;
use futures_util::StreamExt;
use futures_util::future::Either;
use futures_util::stream;

use crate::send_notice::{BeforeSend, SendNotice};
use crate::{Action, ActionResponse, Client, Error};

/// The concurrency [`BulkOptions::default`] uses.
pub const DEFAULT_BULK_CONCURRENCY: NonZeroUsize = NonZeroUsize::new(8).expect("8 is not zero");

/// What a bulk run does after an item fails.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::{BulkOptions, OnError};
///
/// let options = BulkOptions::default().on_error(OnError::Stop);
/// assert_eq!(options.error_policy(), OnError::Stop);
/// assert_eq!(BulkOptions::default().error_policy(), OnError::Continue);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OnError {
    /// Send every item and report each failure in its place (the default).
    #[default]
    Continue,
    /// After the first failure, send no new item: the items already in flight finish and are
    /// yielded (their outcome matters for writes), then the stream ends.
    Stop,
}

/// How [`Client::execute_all`] runs: how many calls at once, whether results come back in
/// input order, and what happens after a failure.
///
/// ```
/// # extern crate refold_core as refold;
/// use std::num::NonZeroUsize;
/// use refold::{BulkOptions, OnError};
///
/// let options = BulkOptions::default()
///     .concurrency(NonZeroUsize::new(32).unwrap())
///     .ordered(true)
///     .on_error(OnError::Stop);
/// assert_eq!(options.concurrency_limit().get(), 32);
/// assert!(options.is_ordered());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BulkOptions {
    concurrency: NonZeroUsize,
    ordered: bool,
    on_error: OnError,
}

impl Default for BulkOptions {
    /// [`DEFAULT_BULK_CONCURRENCY`] calls at once, results as they complete, carry on after
    /// failures.
    fn default() -> Self {
        BulkOptions {
            concurrency: DEFAULT_BULK_CONCURRENCY,
            ordered: false,
            on_error: OnError::Continue,
        }
    }
}

impl BulkOptions {
    /// At most `concurrency` calls in flight at once (a call waiting for its rate-limit slot
    /// counts as in flight).
    pub fn concurrency(mut self, concurrency: NonZeroUsize) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// With `true`, results come back in input order (a slow item holds back the ones after
    /// it, up to the concurrency); with `false` (the default), as they complete.
    pub fn ordered(mut self, ordered: bool) -> Self {
        self.ordered = ordered;
        self
    }

    /// What to do after an item fails (default [`OnError::Continue`]).
    pub fn on_error(mut self, policy: OnError) -> Self {
        self.on_error = policy;
        self
    }

    /// The concurrency set.
    pub fn concurrency_limit(&self) -> NonZeroUsize {
        self.concurrency
    }

    /// Whether results come back in input order.
    pub fn is_ordered(&self) -> bool {
        self.ordered
    }

    /// The policy after a failure.
    pub fn error_policy(&self) -> OnError {
        self.on_error
    }
}

/// The future of one item's call, owning everything it needs (the item and a client handle).
pub type BulkCall<T> = Pin<Box<dyn Future<Output = Result<ActionResponse<T>, Error>> + Send + 'static>>;

/// One item of a bulk run: a typed [`Action`], a [`RawAction`], or either of them wrapped in
/// [`ForLinkedAccount`].
///
/// Every `A: Action + Send + Sync + 'static` is an item; its call is [`Client::execute`].
pub trait BulkItem: Send + 'static {
    /// The type of the reply's `data`.
    type Output: Send + 'static;

    /// Starts this item's call through `client` (nothing is sent until the future is polled).
    fn into_call(self, client: &Client) -> BulkCall<Self::Output>;
}

impl<A> BulkItem for A
where
    A: Action + Send + Sync + 'static,
    A::Output: Send + 'static,
{
    type Output = A::Output;

    fn into_call(self, client: &Client) -> BulkCall<A::Output> {
        let client = client.clone();
        Box::pin(async move { client.execute(&self).await })
    }
}

/// An action chosen at run time: slug, action id and JSON parameters, sent like
/// [`Client::execute_raw`] (a write, retried only when it certainly did not run) or, with
/// [`RawAction::idempotent`], like [`Client::execute_raw_idempotent`].
///
/// The parameters are a `serde_json::Value`, which (without serde_json's
/// `arbitrary_precision` feature) holds an integer beyond `u64`/`i64` as an `f64`. For numbers
/// that must keep every digit, give your own [`BulkItem`] whose call passes a
/// `serde_json::value::RawValue` (or any `Serialize` type holding one) to
/// [`Client::execute_raw`]: raw JSON text is sent byte for byte. `refold bulk` does this.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::RawAction;
///
/// let create = RawAction::new("hubspot", "create_contact", serde_json::json!({ "email": "ada@example.com" }));
/// let search = RawAction::new("hubspot", "search_contacts", serde_json::json!({ "query": "ada" })).idempotent(true);
/// assert_eq!(create.slug(), "hubspot");
/// # drop(search);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RawAction {
    slug: String,
    action_id: String,
    params: serde_json::Value,
    idempotent: bool,
}

impl RawAction {
    /// `slug`'s `action_id` with `params` (a JSON object), sent as a write.
    pub fn new(slug: impl Into<String>, action_id: impl Into<String>, params: serde_json::Value) -> Self {
        RawAction {
            slug: slug.into(),
            action_id: action_id.into(),
            params,
            idempotent: false,
        }
    }

    /// Marks the action as safe to repeat (a read), so it is also retried after failures that
    /// leave the outcome unknown.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// The application slug.
    pub fn slug(&self) -> &str {
        &self.slug
    }

    /// The action id.
    pub fn action_id(&self) -> &str {
        &self.action_id
    }

    /// The parameters.
    pub fn params(&self) -> &serde_json::Value {
        &self.params
    }
}

impl BulkItem for RawAction {
    type Output = serde_json::Value;

    fn into_call(self, client: &Client) -> BulkCall<serde_json::Value> {
        let client = client.clone();
        Box::pin(async move {
            let call = if self.idempotent {
                client.execute_raw_idempotent(&self.slug, &self.action_id, &self.params)
            } else {
                client.execute_raw(&self.slug, &self.action_id, &self.params)
            };
            call.await
        })
    }
}

/// An item run for a given linked account, through
/// [`client.for_linked_account(id)`](Client::for_linked_account): one bulk run can write for
/// many customers, each paced by its own account's rate limit.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::{ForLinkedAccount, RawAction};
///
/// let item = ForLinkedAccount::new(
///     "ops@acme.example",
///     RawAction::new("hubspot", "create_contact", serde_json::json!({ "email": "ada@example.com" })),
/// );
/// assert_eq!(item.linked_account_id(), "ops@acme.example");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ForLinkedAccount<T> {
    linked_account_id: String,
    item: T,
}

impl<T> ForLinkedAccount<T> {
    /// `item`, run for `linked_account_id`.
    pub fn new(linked_account_id: impl Into<String>, item: T) -> Self {
        ForLinkedAccount {
            linked_account_id: linked_account_id.into(),
            item,
        }
    }

    /// The linked account the item runs for.
    pub fn linked_account_id(&self) -> &str {
        &self.linked_account_id
    }
}

impl<T: BulkItem> BulkItem for ForLinkedAccount<T> {
    type Output = T::Output;

    fn into_call(self, client: &Client) -> BulkCall<T::Output> {
        self.item.into_call(&client.for_linked_account(&self.linked_account_id))
    }
}

/// One result of a bulk run: the item's index in the input (from 0) and its call's result.
pub type BulkResult<T> = (usize, Result<ActionResponse<T>, Error>);

impl Client {
    /// Runs every item of `items` (any iterator of typed actions, [`RawAction`]s or
    /// [`ForLinkedAccount`] items) with at most `options`' concurrency, and yields each item's
    /// index with its result as a [`Stream`].
    ///
    /// - The input is pulled one item at a time, as a slot frees up: memory stays bounded by the
    ///   concurrency, however long the input is.
    /// - Every call goes through the client's pipeline, so the client's rate limit (one bucket
    ///   per linked account) paces the run, and retries follow each action's safety rule.
    /// - Dropping the stream stops sending: calls in flight are cancelled, no new item starts.
    /// - With [`OnError::Stop`], no new item starts after the first failure; the ones in flight
    ///   still complete and are yielded.
    ///
    /// The stream owns a handle of the client, so it can be moved into a spawned task. For an
    /// input that is itself a stream, use [`Client::execute_all_stream`]; to be told the moment
    /// each item's request goes on the wire (to journal it), [`Client::execute_all_with_hook`].
    ///
    /// # Errors
    ///
    /// Each item's result is an [`Error`] when its call fails, exactly as [`Client::execute`]'s
    /// or [`Client::execute_raw`]'s would; a failure never ends the stream unless
    /// [`OnError::Stop`] is set.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// use std::num::NonZeroUsize;
    /// use futures_util::StreamExt;
    /// use refold::{BulkOptions, Client, ForLinkedAccount, RawAction};
    ///
    /// # async fn run(client: Client) {
    /// let rows = vec![("ops@acme.example", "ada@example.com"), ("ops@globex.example", "grace@example.com")];
    /// let items = rows.into_iter().map(|(account, email)| {
    ///     ForLinkedAccount::new(account, RawAction::new("hubspot", "create_contact", serde_json::json!({ "email": email })))
    /// });
    /// let options = BulkOptions::default().concurrency(NonZeroUsize::new(16).unwrap());
    /// let mut results = client.execute_all(items, options);
    /// while let Some((index, result)) = results.next().await {
    ///     match result {
    ///         Ok(reply) => println!("row {index}: created {}", reply.data["id"]),
    ///         Err(error) => eprintln!("row {index}: {error}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn execute_all<I>(
        &self,
        items: I,
        options: BulkOptions,
    ) -> impl Stream<Item = BulkResult<<I::Item as BulkItem>::Output>> + Send + 'static + use<I>
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: BulkItem,
    {
        self.execute_all_stream(stream::iter(items), options)
    }

    /// [`Client::execute_all`] over an input that is a [`Stream`] (rows read from a file or a
    /// channel as they arrive). The input is polled only when a slot is free.
    ///
    /// # Errors
    ///
    /// As [`Client::execute_all`]: each item's result carries its own [`Error`].
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// use futures_util::StreamExt;
    /// use refold::{BulkOptions, Client, RawAction};
    ///
    /// # async fn run(client: Client) {
    /// let input = futures_util::stream::iter(0..1000)
    ///     .map(|n| RawAction::new("hubspot", "create_contact", serde_json::json!({ "email": format!("u{n}@example.com") })));
    /// let failed = client
    ///     .execute_all_stream(input, BulkOptions::default())
    ///     .filter(|(_, result)| std::future::ready(result.is_err()))
    ///     .count()
    ///     .await;
    /// println!("{failed} failed");
    /// # }
    /// ```
    pub fn execute_all_stream<S>(
        &self,
        items: S,
        options: BulkOptions,
    ) -> impl Stream<Item = BulkResult<<S::Item as BulkItem>::Output>> + Send + 'static + use<S>
    where
        S: Stream + Send + 'static,
        S::Item: BulkItem,
    {
        self.run_all(items, options, None)
    }

    /// [`Client::execute_all`], telling `before_send` the moment each item's request is about
    /// to go on the wire: the pipeline awaits `before_send(index)` once per item, after the
    /// item's rate-limit slot and any session-token mint, right before the first attempt's
    /// request is written to the connection. An item that never gets that far (cancelled,
    /// throttled away, its mint failed, the run stopped) never has its hook called.
    ///
    /// This is what a journal needs to say "sent" and mean it: write the line in the hook, and
    /// after a crash only items whose hook ran may have reached Refold. Retries of the same item
    /// do not call it again.
    ///
    /// When the hook returns an error, the item is not sent: its result is
    /// [`Error::InvalidRequest`] carrying the hook's message, and it is not retried.
    ///
    /// The hook runs inside the item's call, so it should be quick (a local write, a channel
    /// send); it delays only its own item.
    ///
    /// # Errors
    ///
    /// As [`Client::execute_all`], and [`Error::InvalidRequest`] for an item whose hook failed.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// use std::sync::{Arc, Mutex};
    /// use futures_util::StreamExt;
    /// use refold::{BulkOptions, Client, RawAction};
    ///
    /// # async fn run(client: Client) {
    /// let emails = ["ada@example.com", "grace@example.com"];
    /// let items = emails.map(|email| RawAction::new("hubspot", "create_contact", serde_json::json!({ "email": email })));
    /// let sent = Arc::new(Mutex::new(Vec::new()));
    /// let log = Arc::clone(&sent);
    /// let before_send = move |index: usize| {
    ///     log.lock().unwrap().push(index); // e.g. append "sent" to a journal, flushed
    ///     std::future::ready(Ok::<(), std::io::Error>(()))
    /// };
    /// let mut results = client.execute_all_with_hook(items, BulkOptions::default(), before_send);
    /// while let Some((index, result)) = results.next().await {
    ///     println!("{index}: {}", if result.is_ok() { "created" } else { "failed" });
    /// }
    /// println!("{} requests went out", sent.lock().unwrap().len());
    /// # }
    /// ```
    pub fn execute_all_with_hook<I, H, F, E>(
        &self,
        items: I,
        options: BulkOptions,
        before_send: H,
    ) -> impl Stream<Item = BulkResult<<I::Item as BulkItem>::Output>> + Send + 'static + use<I, H, F, E>
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: BulkItem,
        H: Fn(usize) -> F + Send + Sync + 'static,
        F: Future<Output = Result<(), E>> + Send + 'static,
        E: fmt::Display + 'static,
    {
        self.execute_all_stream_with_hook(stream::iter(items), options, before_send)
    }

    /// [`Client::execute_all_with_hook`] over an input that is a [`Stream`].
    ///
    /// # Errors
    ///
    /// As [`Client::execute_all_with_hook`].
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// use futures_util::StreamExt;
    /// use refold::{BulkOptions, Client, RawAction};
    ///
    /// # async fn run(client: Client) {
    /// let input = futures_util::stream::iter(0..3)
    ///     .map(|n| RawAction::new("hubspot", "create_contact", serde_json::json!({ "email": format!("u{n}@example.com") })));
    /// let before_send = |index: usize| async move {
    ///     eprintln!("item {index} is going out");
    ///     Ok::<(), String>(())
    /// };
    /// let results: Vec<_> = client
    ///     .execute_all_stream_with_hook(input, BulkOptions::default(), before_send)
    ///     .collect()
    ///     .await;
    /// # drop(results);
    /// # }
    /// ```
    pub fn execute_all_stream_with_hook<S, H, F, E>(
        &self,
        items: S,
        options: BulkOptions,
        before_send: H,
    ) -> impl Stream<Item = BulkResult<<S::Item as BulkItem>::Output>> + Send + 'static + use<S, H, F, E>
    where
        S: Stream + Send + 'static,
        S::Item: BulkItem,
        H: Fn(usize) -> F + Send + Sync + 'static,
        F: Future<Output = Result<(), E>> + Send + 'static,
        E: fmt::Display + 'static,
    {
        let hook: Arc<BeforeSend> = Arc::new(move |index| {
            let told = before_send(index);
            Box::pin(async move { told.await.map_err(|err| err.to_string()) })
        });
        self.run_all(items, options, Some(hook))
    }

    /// The engine of every `execute_all*`: each item's call on a handle that carries the item's
    /// [`SendNotice`] when there is a hook.
    fn run_all<S>(
        &self,
        items: S,
        options: BulkOptions,
        hook: Option<Arc<BeforeSend>>,
    ) -> impl Stream<Item = BulkResult<<S::Item as BulkItem>::Output>> + Send + 'static + use<S>
    where
        S: Stream + Send + 'static,
        S::Item: BulkItem,
    {
        let client = self.clone();
        // Set by the first failure under `OnError::Stop`, inside the item's own future, so the
        // very next pull of the input already sees it (before the result is even yielded).
        let stopped = Arc::new(AtomicBool::new(false));
        let stop_on_error = options.on_error == OnError::Stop;
        let gate = Arc::clone(&stopped);
        let calls = items
            .enumerate()
            .take_while(move |_| ready(!gate.load(Ordering::Acquire)))
            .map(move |(index, item)| {
                let call = match &hook {
                    None => item.into_call(&client),
                    Some(hook) => {
                        let mut handle = client.clone();
                        handle.send_notice = Some(Arc::new(SendNotice {
                            hook: Arc::clone(hook),
                            index,
                            told: AtomicBool::new(false),
                        }));
                        item.into_call(&handle)
                    }
                };
                let stopped = Arc::clone(&stopped);
                async move {
                    let result = call.await;
                    if stop_on_error && result.is_err() {
                        stopped.store(true, Ordering::Release);
                    }
                    (index, result)
                }
            });
        let concurrency = options.concurrency.get();
        if options.ordered {
            Either::Left(calls.buffered(concurrency))
        } else {
            Either::Right(calls.buffer_unordered(concurrency))
        }
    }
}
