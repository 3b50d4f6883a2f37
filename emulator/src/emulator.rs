//! The public handle: starting, configuring, inspecting and stopping an emulator.

use std::borrow::Cow;
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::accounts::{Accounts, ConnectionChange, OAUTH2};
use crate::auth::Sessions;
use crate::catalogue::Catalogue;
use crate::connect_page::ConnectSessions;
use crate::delivery::{Deliveries, WebhookDelivery};
use crate::faults::{Fault, FaultPlan};
use crate::rate_limit::{RateLimit, RateLimiter};
use crate::recording::{Execution, RecordedRequest, Recorder};
use crate::state::Shared;
use crate::store::Store;
use crate::validation::Strictness;
use crate::webhooks::WebhookStore;

/// The API key a default emulator accepts (a test key: it starts with `tk`).
pub const DEFAULT_API_KEY: &str = "tk_emulator_test_key";
/// The linked account a default emulator knows for minting session tokens.
pub const DEFAULT_LINKED_ACCOUNT_ID: &str = "ada@example.com";
/// How long minted session tokens last by default, as on Refold: 24 hours.
pub const DEFAULT_SESSION_TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long a webhook delivery waits before trying again, by default (then twice that).
pub const DEFAULT_WEBHOOK_RETRY_DELAY: Duration = Duration::from_secs(1);

/// A running emulator, serving Refold's API on `127.0.0.1`.
///
/// Dropping it stops the server: the listening socket and every open connection are closed as
/// soon as the runtime next runs (at once on a multi-threaded runtime). [`Emulator::shutdown`]
/// instead waits up to 5 seconds for requests in flight to finish.
///
/// It must be started inside a Tokio runtime, which then runs it.
///
/// ```
/// use refold_emulator::Emulator;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let emulator = Emulator::start().await?;
/// assert!(emulator.base_url().starts_with("http://127.0.0.1:"));
/// assert!(emulator.api_key().starts_with("tk"));
/// emulator.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url())
            .field("linked_account_id", &self.shared.linked_account_id)
            .finish_non_exhaustive()
    }
}

/// Configures an [`Emulator`] before it starts.
///
/// ```
/// use std::time::Duration;
/// use refold_emulator::{Emulator, RateLimit};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let emulator = Emulator::builder()
///     .api_key("tk_my_key")
///     .linked_account_id("grace@example.com")
///     .rate_limit(RateLimit { per_second: 20, burst: 5 })
///     .session_token_ttl(Duration::from_secs(60))
///     .start()
///     .await?;
/// assert_eq!(emulator.api_key(), "tk_my_key");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until .start() is awaited"]
pub struct EmulatorBuilder {
    port: u16,
    api_key: String,
    linked_account_id: String,
    rate_limit: Option<RateLimit>,
    session_token_ttl: Duration,
    record_requests: bool,
    schema_dir: Option<PathBuf>,
    strict_parameters: bool,
    log_requests: bool,
    webhook_retry_delay: Duration,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        EmulatorBuilder {
            port: 0,
            api_key: DEFAULT_API_KEY.to_owned(),
            linked_account_id: DEFAULT_LINKED_ACCOUNT_ID.to_owned(),
            rate_limit: None,
            session_token_ttl: DEFAULT_SESSION_TOKEN_TTL,
            record_requests: true,
            schema_dir: None,
            strict_parameters: false,
            log_requests: false,
            webhook_retry_delay: DEFAULT_WEBHOOK_RETRY_DELAY,
        }
    }
}

impl EmulatorBuilder {
    /// The port to listen on, on `127.0.0.1`; 0 (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The API key requests must send in `x-api-key`. Default [`DEFAULT_API_KEY`].
    pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
        self.api_key = api_key.into();
        self
    }

    /// The default linked account. Default [`DEFAULT_LINKED_ACCOUNT_ID`].
    pub fn linked_account_id(mut self, linked_account_id: impl Into<String>) -> Self {
        self.linked_account_id = linked_account_id.into();
        self
    }

    /// Limits each linked account's requests to the action endpoints. Off by default.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// How long minted session tokens stay valid. Default 24 hours.
    pub fn session_token_ttl(mut self, ttl: Duration) -> Self {
        self.session_token_ttl = ttl;
        self
    }

    /// Whether to keep every request for [`Emulator::requests`] and every action run for
    /// [`Emulator::executions`]. On by default; turn it off for long benchmarks, whose logs would
    /// otherwise grow without bound ([`Emulator::executed_count`] keeps counting either way).
    pub fn record_requests(mut self, record: bool) -> Self {
        self.record_requests = record;
        self
    }

    /// Adds the actions of a `.refold/` snapshot directory (as `refold prepare` writes it) to the
    /// catalogue: the list and parameters endpoints serve them, and execute requests are
    /// validated against them. A snapshot of a built-in action replaces its schema, and keeps its
    /// behaviour; an action with no behaviour of its own answers a 200 whose data echoes the
    /// parameters it was given.
    ///
    /// ```
    /// use refold_emulator::Emulator;
    /// use refold_snapshot::{ParamType, Parameter, Snapshot, SnapshotDir};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = std::env::temp_dir().join(format!("refold-emulator-doc-{}", std::process::id()));
    /// SnapshotDir::new(&dir).write(
    ///     &Snapshot::new("acme", "ping").with_parameters(vec![Parameter::new("message", ParamType::Text)]),
    /// )?;
    /// let emulator = Emulator::builder().schema_dir(&dir).start().await?;
    /// let reply: serde_json::Value = reqwest::Client::new()
    ///     .post(format!("{}/api/v2/integration-schema/acme/actions/ping/execute", emulator.base_url()))
    ///     .header("x-api-key", emulator.api_key())
    ///     .header("linked_account_id", emulator.linked_account_id())
    ///     .json(&serde_json::json!({ "message": "hello" }))
    ///     .send()
    ///     .await?
    ///     .json()
    ///     .await?;
    /// assert_eq!(reply["data"]["message"], "hello");
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn schema_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.schema_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Refuses an execute request that sends a parameter the action's schema does not list,
    /// with a 400 `VALIDATION_ERROR` that names it and lists the parameters.
    ///
    /// Off by default, because Refold itself accepts such a parameter (with a 201) and drops
    /// it silently, and the emulator answers as Refold does unless told otherwise. Turn it on in
    /// tests to catch a misspelt parameter (`first_name` for HubSpot's `firstname`) that would
    /// otherwise be lost without a word.
    pub fn strict_parameters(mut self, strict: bool) -> Self {
        self.strict_parameters = strict;
        self
    }

    /// Writes one line to stderr for each request: method, path (without the query), status,
    /// request id and time taken. Never a header or a body, so never a credential. Off by default,
    /// so test output stays quiet; the `refold-emulator` and `refold emulator` programs turn it on.
    pub fn log_requests(mut self, log: bool) -> Self {
        self.log_requests = log;
        self
    }

    /// How long a webhook delivery waits before its second attempt; the wait doubles before
    /// the third. Default [`DEFAULT_WEBHOOK_RETRY_DELAY`]; tests shorten it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let emulator = refold_emulator::Emulator::builder()
    ///     .webhook_retry_delay(std::time::Duration::from_millis(20))
    ///     .start()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn webhook_retry_delay(mut self, delay: Duration) -> Self {
        self.webhook_retry_delay = delay;
        self
    }

    /// Binds `127.0.0.1:port` and starts serving on the current Tokio runtime.
    ///
    /// # Errors
    /// When the port cannot be bound (in use, or not permitted), and, with a
    /// [`EmulatorBuilder::schema_dir`], when the directory does not exist or holds a snapshot that
    /// cannot be read (the error names the file).
    ///
    /// # Panics
    /// When called outside a Tokio runtime.
    pub async fn start(self) -> std::io::Result<Emulator> {
        let catalogue = match &self.schema_dir {
            None => Cow::Borrowed(Catalogue::builtin()),
            Some(dir) => Cow::Owned(Catalogue::builtin().with_snapshots(load_snapshots(dir)?)),
        };
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port)).await?;
        let addr = listener.local_addr()?;
        let sessions = Sessions::new(self.session_token_ttl);
        let rate_limiter = RateLimiter::default();
        rate_limiter.set(self.rate_limit);
        let deliveries = Deliveries::new(
            tokio::runtime::Handle::current(),
            &self.api_key,
            self.webhook_retry_delay,
        );
        let shared = Arc::new(Shared {
            webhooks: WebhookStore::default(),
            deliveries,
            api_key: self.api_key,
            linked_account_id: self.linked_account_id,
            catalogue,
            strictness: if self.strict_parameters {
                Strictness::Strict
            } else {
                Strictness::Lenient
            },
            log_requests: self.log_requests,
            store: Store::default(),
            sessions,
            faults: FaultPlan::default(),
            recorder: Recorder::new(self.record_requests),
            rate_limiter,
            accounts: Accounts::default(),
            connect: ConnectSessions::default(),
        });
        shared.accounts.seed(&shared.linked_account_id, &shared.catalogue);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let task = tokio::spawn(crate::server::serve(listener, shared.clone(), shutdown_rx));
        Ok(Emulator {
            addr,
            shared,
            shutdown,
            task: Some(task),
        })
    }
}

/// Every snapshot in `dir`; a directory that does not exist is an error, since it was asked for.
fn load_snapshots(dir: &Path) -> io::Result<Vec<refold_snapshot::Snapshot>> {
    if !dir.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "the schema directory {} does not exist; run `refold prepare` to create it",
                dir.display()
            ),
        ));
    }
    refold_snapshot::SnapshotDir::new(dir)
        .load_all()
        .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err.to_string()))
}

impl Emulator {
    /// Starts an emulator with the defaults on `127.0.0.1` and a free port.
    ///
    /// # Errors
    /// When no port can be bound.
    ///
    /// # Panics
    /// When called outside a Tokio runtime.
    pub async fn start() -> std::io::Result<Emulator> {
        EmulatorBuilder::default().start().await
    }

    /// A builder to change the port, key, linked account, rate limit or token lifetime.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash: the base URL to give a client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the emulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API key it accepts in `x-api-key`.
    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    /// Its default linked account, for which session tokens can always be minted.
    pub fn linked_account_id(&self) -> &str {
        &self.shared.linked_account_id
    }

    /// The `REFOLD_*` variables a client reads to use this emulator (`Client::from_env`, the
    /// `refold` command), as `(name, value)`: base URL, API key, linked account.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let emulator = refold_emulator::Emulator::start().await?;
    /// for (name, value) in emulator.env_vars() {
    ///     println!("export {name}={value}");
    /// }
    /// assert_eq!(emulator.env_vars()[0], ("REFOLD_BASE_URL", emulator.base_url()));
    /// # Ok(())
    /// # }
    /// ```
    pub fn env_vars(&self) -> [(&'static str, String); 3] {
        [
            ("REFOLD_BASE_URL", self.base_url()),
            ("REFOLD_API_KEY", self.shared.api_key.clone()),
            ("REFOLD_LINKED_ACCOUNT_ID", self.shared.linked_account_id.clone()),
        ]
    }

    /// Adds a linked account with every catalogue app connected, as the default account has
    /// (nothing changes if it exists). Minting a session token for an unknown account fails
    /// with a 500, as on Refold.
    ///
    /// As a convenience of the emulator, an account first seen on an action call is added the
    /// same way; accounts created through `POST /api/v2/public/linked-account` start with
    /// nothing connected.
    pub fn add_linked_account(&self, linked_account_id: &str) {
        self.shared.accounts.seed(linked_account_id, &self.shared.catalogue);
    }

    /// Connects `slug` for the account as a successful OAuth flow would (reconnecting an
    /// expired connection). Returns false, changing nothing, when the account does not exist or
    /// the catalogue has no such app.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let emulator = refold_emulator::Emulator::start().await?;
    /// emulator.add_linked_account("acme-42");
    /// assert!(emulator.expire_connection("acme-42", "hubspot"));
    /// assert!(emulator.connect_app("acme-42", "hubspot"));
    /// assert!(emulator.disconnect_app("acme-42", "hubspot"));
    /// assert!(!emulator.disconnect_app("acme-42", "hubspot"));
    /// # Ok(()) }
    /// ```
    pub fn connect_app(&self, linked_account_id: &str, slug: &str) -> bool {
        if self.shared.catalogue.app(slug).is_none() {
            return false;
        }
        let change = ConnectionChange::Created {
            auth_type: OAUTH2.to_owned(),
        };
        self.shared.connection_changed(linked_account_id, slug, change)
    }

    /// Marks the account's connection to `slug` expired: the app reports `reauth_required`, and
    /// its actions fail as with an expired provider token (a 200 with `node_status: "Failed"`
    /// and `http_status: 401`) until it is connected again. Returns false when the account has
    /// no such connection.
    pub fn expire_connection(&self, linked_account_id: &str, slug: &str) -> bool {
        self.shared
            .connection_changed(linked_account_id, slug, ConnectionChange::Expired)
    }

    /// Removes the account's connection to `slug`, as `DELETE /linked-account/integration/{slug}`
    /// does. Returns false when the account has no such connection.
    pub fn disconnect_app(&self, linked_account_id: &str, slug: &str) -> bool {
        self.shared
            .connection_changed(linked_account_id, slug, ConnectionChange::Deleted)
    }

    /// Every request received so far, in arrival order, faulted ones included.
    ///
    /// Empty when the builder turned recording off.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorder.requests()
    }

    /// Forgets the requests received so far (executions and the store are kept).
    pub fn clear_requests(&self) {
        self.shared.recorder.clear_requests();
    }

    /// How many times `slug`'s `action_id` ran, for any linked account.
    ///
    /// An action runs when a request passed authentication, rate limiting and validation and
    /// reached the app, whatever the app answered (a 409 conflict counts). A request answered by a
    /// fault other than [`Fault::Delay`] or [`Fault::DropAfterExecute`] did not run.
    pub fn executed_count(&self, slug: &str, action_id: &str) -> u64 {
        self.shared.recorder.executed_count(slug, action_id)
    }

    /// Every action run so far, in order.
    ///
    /// Empty when the builder turned recording off.
    pub fn executions(&self) -> Vec<Execution> {
        self.shared.recorder.executions()
    }

    /// Queues a fault for the next request, whatever its endpoint. Faults queue up first in,
    /// first out; each is used by exactly one request.
    ///
    /// ```
    /// # use refold_emulator::{Emulator, Fault};
    /// # async fn demo(emulator: &Emulator) {
    /// emulator.inject(Fault::refold_error(503)); // the next request gets a 503
    /// emulator.inject(Fault::DropAfterExecute);  // the one after runs, then loses its reply
    /// # }
    /// ```
    pub fn inject(&self, fault: Fault) {
        self.shared.faults.push(fault);
    }

    /// Queues a fault for the next request whose path contains `path_contains` (say
    /// `"/execute"` or `"session-token"`). Such faults take precedence over [`Emulator::inject`]'s.
    pub fn inject_for(&self, path_contains: &str, fault: Fault) {
        self.shared.faults.push_for(path_contains, fault);
    }

    /// Makes each request fail with probability `rate`, with a fault picked from `faults`.
    ///
    /// Both the coin and the pick come from one generator seeded with `seed`, which advances on
    /// every request while random faults are on, so the n-th request after this call always gets
    /// the same fate for the same seed. Queued faults take precedence over a random one.
    /// A `rate` of 0 (or an empty `faults`) turns random faults off.
    pub fn set_random_faults(&self, rate: f64, seed: u64, faults: Vec<Fault>) {
        self.shared.faults.set_random(rate, seed, faults);
    }

    /// Sets (or with `None` removes) the per-linked-account rate limit, forgetting past traffic.
    ///
    /// Over the limit, the action endpoints reply 429 with `Retry-After` (whole seconds, at least 1)
    /// and Refold's error envelope, and the action does not run.
    pub fn set_rate_limit(&self, limit: Option<RateLimit>) {
        self.shared.rate_limiter.set(limit);
    }

    /// Invalidates every session token minted so far: using one then gets a 401
    /// `"Invalid session token"`, as an expired token does.
    pub fn expire_session_tokens(&self) {
        self.shared.sessions.expire_all();
    }

    /// Registers a webhook receiving every connection event at `url`, with `secret` in its
    /// `x-refold-webhook-secret` header (as the SDK's registration does), and returns its id.
    /// What `refold emulator --webhook URL` does at start.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let emulator = refold_emulator::Emulator::start().await?;
    /// let id = emulator.register_webhook("http://127.0.0.1:9/refold", "s3cret");
    /// assert_eq!(id.len(), 24);
    /// # Ok(())
    /// # }
    /// ```
    pub fn register_webhook(&self, url: &str, secret: &str) -> String {
        self.shared.webhooks.register_connection_events(url, secret)
    }

    /// Every webhook delivery attempt so far, in the order they were made: each event is tried
    /// up to [`WEBHOOK_MAX_ATTEMPTS`](crate::WEBHOOK_MAX_ATTEMPTS) times in all while the
    /// receiver's answer is not a 2xx. Each webhook gets its events one at a time, in the order
    /// they happened.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let emulator = refold_emulator::Emulator::start().await?;
    /// // Nothing listens on port 9: each attempt fails to connect and is recorded.
    /// emulator.register_webhook("http://127.0.0.1:9/refold", "s3cret");
    /// emulator.disconnect_app(emulator.linked_account_id(), "hubspot");
    /// # tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    /// let first = &emulator.webhook_deliveries()[0];
    /// assert_eq!((first.attempt, first.status, first.event.as_str()), (1, None, "Connection Deleted"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.shared.deliveries.log()
    }

    /// Stops accepting connections, lets requests in flight finish (for up to 5 seconds), then
    /// returns with the port released.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            // Aborting the accept loop drops the listener and, with its JoinSet, every connection.
            task.abort();
        }
    }
}
