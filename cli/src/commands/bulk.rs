//! `refold bulk <slug> <action_id> --input FILE`: one action per row, through
//! `Client::execute_all_with_hook`, with a validating pre-pass, progress, a locked journal,
//! `--resume` and a clean Ctrl-C.

use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use refold::{ActionResponse, BulkCall, BulkItem, BulkOptions, Client, Error, RateLimit};
use serde_json::value::RawValue;

use clap::Args;

use crate::error::CliError;
use crate::exit::Exit;
use crate::failure::Reached;
use crate::journal::{self, Entry, Header, LinkedAccountOf, Outcome, Priors};
use crate::journal_file::JournalFile;
use crate::prepass;
use crate::rows::{self, Input, InputFormat, RowContent, Rows, Typing};
use crate::shared_args::{ConnectionArgs, SchemaArgs};

const BULK_ABOUT: &str = "\
Run an action once per row of a CSV file (with a header row) or a JSON Lines file (one object
per line), several at a time, paced by the rate limit of each linked account.

Each column (or key) is a parameter, typed by the action's schema as `exec` types name=value;
an empty CSV cell leaves the parameter out. Values are sent exactly as written: a number keeps
all its digits, in a number parameter and inside JSON alike.

Before the first request the whole input is read and typed (stdin is first spooled to an
unlinked temporary file). A bad input sends nothing: every malformed line (a wrong field count,
a quote never closed, invalid JSON or UTF-8), missing required value or value of the wrong type
is listed with its row, line and column, up to 20, and the command exits 6. --dry-run does only
this check and prints the row count and the first request, credentials redacted.

The journal (JSON Lines, flushed line by line) starts with a header naming the app, the action,
the linked account (or its column) and the input; it gets a line when a row's request goes on
the wire (after the rate limiter and any token mint) and one when the row finishes, with its
outcome, request id, created record id and, for a failure, the app's status, Refold's error
code and message and the app's reply (up to 4 KiB). The journal is locked for the whole run
(through <journal>.lock, which names the holder's pid): a second run on it is refused at once
(exit 16). The default journal is the input's path with
.journal.jsonl added; for stdin, --journal is required. A write error (a full disk) stops the
run with no half line left; a line cut by a crash is dropped, with a warning, on resume.

With --resume (same app, action, linked account and input, or it is refused, exit 17):
  - rows that succeeded are skipped;
  - rows that certainly did not execute and failed for a reason that may pass (never sent,
    throttled, no connection, an app 429) are sent again;
  - rows the app or Refold refused for good (an app 4xx such as 409 or 400, a validation
    error, an auth failure) are not sent again unless --retry-failed is given;
  - rows whose outcome is unknown (in flight when the command was killed, or the reply was
    lost) are listed for you to check, and sent again only with --resend-unknown;
  - a row that changed since the journal was written is refused.
The summary groups failures by reason, with counts and the first row numbers.

Ctrl-C stops sending, waits for the requests in flight, completes the journal and prints the
summary; a second Ctrl-C exits at once.";

const BULK_EXAMPLES: &str = "\
Examples:
  refold bulk hubspot create_contact --input contacts.csv
  refold bulk hubspot create_contact --input contacts.csv --linked-account-column customer --concurrency 32
  refold bulk hubspot create_contact --input contacts.csv --dry-run
  refold bulk hubspot create_contact --input contacts.csv --resume
  refold bulk hubspot create_contact --input contacts.csv --resume --retry-failed
  cat rows.jsonl | refold bulk hubspot create_contact --input - --format jsonl --journal run.journal";

/// The footer of `refold bulk --help`: examples, then the exit codes (14 to 17 are bulk's own).
static BULK_AFTER_HELP: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("{BULK_EXAMPLES}\n\n{}", crate::exit::help_table()));

/// The values of `--format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

impl From<FormatArg> for InputFormat {
    fn from(format: FormatArg) -> Self {
        match format {
            FormatArg::Csv => InputFormat::Csv,
            FormatArg::Jsonl => InputFormat::Jsonl,
        }
    }
}

/// `refold bulk`.
#[derive(Debug, Args)]
#[command(
    about = "Run an action once per row of a CSV or JSON Lines file, with a journal to resume from",
    long_about = BULK_ABOUT,
    after_help = BULK_AFTER_HELP.as_str(),
)]
pub struct BulkArgs {
    /// The app, e.g. hubspot.
    pub slug: String,

    /// The action, e.g. create_contact.
    pub action_id: String,

    /// The rows: a .csv or .jsonl file, or - for stdin.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,

    /// The input's format; by default from the file's extension (.csv, .jsonl or .ndjson).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,

    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: u32,

    /// The column (or key) naming each row's linked account; it is not sent as a parameter.
    #[arg(long, value_name = "COL")]
    pub linked_account_column: Option<String>,

    /// Requests per second per linked account (the client waits for a slot instead of being
    /// throttled); Refold's published limit by default.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: u32,

    /// The journal file; by default the input's path with .journal.jsonl added. Required for
    /// stdin, so two piped runs never share one.
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,

    /// Continue a run from its journal: skip rows that succeeded or were refused for good,
    /// resend rows that certainly did not run, list rows of unknown outcome.
    #[arg(long)]
    pub resume: bool,

    /// With --resume, send rows whose outcome is unknown again (they may run twice).
    #[arg(long, requires = "resume")]
    pub resend_unknown: bool,

    /// With --resume, also send again rows the app or Refold refused for good (e.g. a 409 or a
    /// 400), after you fixed the cause.
    #[arg(long, requires = "resume")]
    pub retry_failed: bool,

    /// Read and type the whole input, print the row count and the first request (credentials
    /// redacted); send nothing and write no journal.
    #[arg(long, conflicts_with_all = ["resume", "journal"])]
    pub dry_run: bool,

    /// The action is safe to repeat (a read): also retry it when its outcome is unknown.
    #[arg(long)]
    pub idempotent: bool,

    #[command(flatten)]
    pub schema: SchemaArgs,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// How often a non-terminal gets a progress line.
const PLAIN_PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// How many row numbers the summary shows per reason.
const ROWS_SHOWN: usize = 5;

pub async fn run(args: &BulkArgs, env: impl Fn(&str) -> Option<String>) -> Result<(), CliError> {
    let (slug, action_id) = (args.slug.as_str(), args.action_id.as_str());
    crate::names::check(slug, [action_id])?;
    let format = rows::format_of(&args.input, args.format.map(InputFormat::from))?;
    let stdin = args.input == Path::new("-");
    let shown = if stdin {
        "stdin".to_owned()
    } else {
        args.input.display().to_string()
    };
    // Locked before anything slow, so a second process is refused at once.
    let opened = if args.dry_run {
        None
    } else {
        Some(JournalFile::open_locked(&journal_path(args)?)?)
    };
    let client = crate::connect::client_with(&args.connection, env, |builder| {
        // The burst stays at Refold's 5: a bigger one would be refused by Refold's own limit.
        builder.rate_limit(RateLimit::new(args.rate_limit, 5))
    })?;
    let schema = crate::fetch::schema(&client, slug, action_id, &args.schema).await?;
    let typing = Typing {
        schema,
        account_column: args.linked_account_column.clone(),
    };
    let input = Input::open(&args.input)?;
    let checked = prepass::check(&input, &shown, format, typing.clone())?;
    let Some(mut journal) = opened else {
        return dry_run(&client, args, &checked);
    };
    // Read after the pre-pass, which gives the input's row count: the journal's rows are held
    // in a vector of that length.
    let replay = journal.replay(checked.rows)?;

    let header = journal_header(args, &client, format, &checked)?;
    admit(&mut journal, replay.header.as_ref(), &header, args.resume)?;
    journal.append_run()?;

    let journal_path = journal.path().to_owned();
    let run = Arc::new(Run {
        rows: Mutex::new(Rows::new(input.reader()?, &shown, format, typing)?),
        expected_rows: checked.rows,
        journal: Mutex::new(journal),
        prior: replay.rows,
        prior_reasons: replay.reasons,
        policy: ResendPolicy {
            unknown: args.resend_unknown,
            failed: args.retry_failed,
        },
        default_account: match &header.linked_account {
            LinkedAccountOf::Id(id) => id.clone(),
            _ => String::new(),
        },
        in_flight: Mutex::new(HashMap::new()),
        stop: AtomicBool::new(false),
        fatal: Mutex::new(None),
        tally: Tally::default(),
        report: Mutex::new(Report::default()),
        progress: progress_bar(checked.rows),
        slug: Arc::from(slug),
        action_id: Arc::from(action_id),
        idempotent: args.idempotent,
    });

    let interrupted = Arc::new(AtomicBool::new(false));
    tokio::spawn(stop_on_ctrl_c(Arc::clone(&run), Arc::clone(&interrupted)));
    let plain =
        (!std::io::stderr().is_terminal()).then(|| tokio::spawn(plain_progress(Arc::clone(&run), checked.rows)));

    let concurrency = NonZeroUsize::new(args.concurrency as usize).expect("clap keeps it at 1 or more");
    let items = std::iter::from_fn({
        let run = Arc::clone(&run);
        move || run.next_item()
    });
    let before_send = {
        let run = Arc::clone(&run);
        move |index: usize| std::future::ready(run.journal_sent(index))
    };
    let mut results = client.execute_all_with_hook(items, BulkOptions::default().concurrency(concurrency), before_send);
    // Every result is journaled, even after a fatal error: the calls in flight finish.
    while let Some((index, result)) = results.next().await {
        run.finish(index, result);
    }
    if let Some(task) = plain {
        task.abort();
    }
    run.progress.finish_and_clear();
    let fatal = lock(&run.fatal).take();
    let summarized = summary(&run, &journal_path, interrupted.load(Ordering::SeqCst));
    match fatal {
        Some(err) => Err(err.note("the run stopped; fix the cause, then run again with --resume")),
        None => summarized,
    }
}

/// The header this run's journal has, or must have to be resumed.
fn journal_header(
    args: &BulkArgs,
    client: &Client,
    format: InputFormat,
    checked: &prepass::Checked,
) -> Result<Header, CliError> {
    Ok(Header {
        refold_bulk_journal: journal::FORMAT,
        slug: args.slug.clone(),
        action_id: args.action_id.clone(),
        linked_account: match (&args.linked_account_column, client.linked_account_id()) {
            (Some(column), _) => LinkedAccountOf::Column(column.clone()),
            (None, Some(id)) => LinkedAccountOf::Id(id.to_owned()),
            (None, None) => LinkedAccountOf::SessionToken,
        },
        input: input_identity(&args.input)?,
        input_format: match format {
            InputFormat::Csv => "csv",
            InputFormat::Jsonl => "jsonl",
        }
        .to_owned(),
        header_sha256: checked.header_hash.clone(),
        cli_version: env!("CARGO_PKG_VERSION").to_owned(),
    })
}

/// Lets the run use the journal: writes the header of a new one; for an existing one, requires
/// `--resume` and the same header.
fn admit(journal: &mut JournalFile, existing: Option<&Header>, header: &Header, resume: bool) -> Result<(), CliError> {
    match existing {
        None => journal.append(header),
        Some(_) if !resume => Err(CliError::new(
            Exit::Usage,
            format!(
                "the journal {} already holds a run: pass --resume to continue it, or --journal with a new file",
                journal.path().display()
            ),
        )),
        Some(existing) => {
            let differences = existing.differences(header);
            if !differences.is_empty() {
                return Err(CliError::new(
                    Exit::JournalMismatch,
                    format!(
                        "--journal {}: this journal is of another run, so --resume was refused and nothing was sent:\n  - {}\n  \
                         resume with the same app, action, linked account and input, or give this run its own --journal",
                        journal.path().display(),
                        differences.join("\n  - ")
                    ),
                ));
            }
            Ok(())
        }
    }
}

/// The journal's path: `--journal`, else next to the input; stdin needs `--journal`.
fn journal_path(args: &BulkArgs) -> Result<PathBuf, CliError> {
    match &args.journal {
        Some(path) => Ok(path.clone()),
        None if args.input == Path::new("-") => Err(CliError::new(
            Exit::Usage,
            "--input - needs --journal FILE: rows from stdin have no file to keep their journal beside, \
             and a shared default would mix the runs of different inputs",
        )),
        None => {
            let mut path = args.input.clone().into_os_string();
            path.push(".journal.jsonl");
            Ok(PathBuf::from(path))
        }
    }
}

/// The input as the journal's header names it: the file's canonical path, or `stdin`.
fn input_identity(input: &Path) -> Result<String, CliError> {
    if input == Path::new("-") {
        return Ok("stdin".to_owned());
    }
    std::fs::canonicalize(input)
        .map(|path| path.display().to_string())
        .map_err(|err| CliError::new(Exit::Io, format!("--input {}: {err}", input.display())))
}

/// `--dry-run`: the pre-pass passed; show what the first request would be.
fn dry_run(client: &Client, args: &BulkArgs, checked: &prepass::Checked) -> Result<(), CliError> {
    let (slug, action_id) = (args.slug.as_str(), args.action_id.as_str());
    println!("{} rows, all valid", checked.rows);
    if let Some(first) = &checked.first {
        let client = match &first.linked_account_id {
            Some(account) => client.for_linked_account(account),
            None => client.clone(),
        };
        let preview = client
            .preview_execute_raw(slug, action_id, &first.params)
            .map_err(|err| CliError::client(format_args!("preparing the request of `{slug}/{action_id}`"), &err))?;
        println!("the first row's request:\n{preview}");
    }
    eprintln!("dry run: nothing was sent, no journal was written");
    Ok(())
}

/// Which earlier outcomes `--resume` sends again.
struct ResendPolicy {
    unknown: bool,
    failed: bool,
}

/// What one run shares between the input's iterator, the hook, the result loop and the
/// signal handler.
struct Run {
    rows: Mutex<Rows>,
    /// The rows the pre-pass read: the run must read as many.
    expected_rows: u64,
    journal: Mutex<JournalFile>,
    prior: Priors,
    prior_reasons: Vec<String>,
    policy: ResendPolicy,
    /// The linked account every row runs for, when there is one for all (part of the hash).
    default_account: String,
    /// Each item in flight, by `execute_all`'s index.
    in_flight: Mutex<HashMap<usize, InFlight>>,
    stop: AtomicBool,
    /// A failure that ends the run (the input or the journal cannot be read or written).
    fatal: Mutex<Option<CliError>>,
    tally: Tally,
    report: Mutex<Report>,
    progress: ProgressBar,
    slug: Arc<str>,
    action_id: Arc<str>,
    idempotent: bool,
}

struct InFlight {
    row: u64,
    hash: String,
    /// How far it got: `Sent` once its `sent` line is written.
    reached: Reached,
}

#[derive(Default)]
struct Tally {
    sent: AtomicU64,
    succeeded: AtomicU64,
    failed: AtomicU64,
    unknown: AtomicU64,
    changed: AtomicU64,
    skipped: AtomicU64,
    /// Items handed to `execute_all`, a counter that matches its indices.
    started: AtomicU64,
}

/// The rows the summary lists.
#[derive(Default)]
struct Report {
    unknown_rows: Vec<u64>,
    /// This run's failures, by reason: how many, and the first rows.
    failed: BTreeMap<String, (u64, Vec<u64>)>,
    /// Earlier failures not sent again, by reason.
    not_resent: BTreeMap<String, (u64, Vec<u64>)>,
}

fn note_row(groups: &mut BTreeMap<String, (u64, Vec<u64>)>, reason: &str, row: u64) {
    let (count, rows) = groups.entry(reason.to_owned()).or_default();
    *count += 1;
    // The lowest row numbers, whatever order the rows finished in.
    if rows.len() < ROWS_SHOWN || rows.last().is_some_and(|last| row < *last) {
        let at = rows.partition_point(|shown| *shown < row);
        rows.insert(at, row);
        rows.truncate(ROWS_SHOWN);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// One row's call: its exact JSON body, for the run's linked account or the row's own.
struct RowCall {
    slug: Arc<str>,
    action_id: Arc<str>,
    body: Box<RawValue>,
    linked_account_id: Option<String>,
    idempotent: bool,
}

impl BulkItem for RowCall {
    type Output = serde_json::Value;

    fn into_call(self, client: &Client) -> BulkCall<serde_json::Value> {
        let client = match &self.linked_account_id {
            Some(account) => client.for_linked_account(account),
            None => client.clone(),
        };
        Box::pin(async move {
            let call = if self.idempotent {
                client.execute_raw_idempotent(&self.slug, &self.action_id, &self.body)
            } else {
                client.execute_raw(&self.slug, &self.action_id, &self.body)
            };
            call.await
        })
    }
}

impl Run {
    /// The next row to send; rows not to send (succeeded before, unknown, refused for good,
    /// changed) are accounted for on the way. `None` at the end of the input, after Ctrl-C, or
    /// when the input or the journal fails.
    fn next_item(&self) -> Option<RowCall> {
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return None;
            }
            let mut rows = lock(&self.rows);
            let row = match rows.next_row() {
                Ok(Some(row)) => row,
                Ok(None) if rows.rows_read() == self.expected_rows => return None,
                Ok(None) => {
                    let read = rows.rows_read();
                    drop(rows);
                    return self.fail(CliError::new(
                        Exit::Input,
                        format!(
                            "the input changed while the run was reading it: the check read {} rows, the run {read}",
                            self.expected_rows
                        ),
                    ));
                }
                Err(err) => {
                    drop(rows);
                    return self.fail(err);
                }
            };
            drop(rows);
            let content = match row.content {
                Ok(content) => content,
                // The pre-pass read this row fine: the file changed under the run.
                Err(problem) => {
                    return self.fail(CliError::new(
                        Exit::Input,
                        format!("the input changed while the run was reading it: {problem}"),
                    ));
                }
            };
            if let Some(call) = self.send_or_account(row.number, content) {
                return Some(call);
            }
            self.progress.inc(1);
        }
    }

    fn fail(&self, err: CliError) -> Option<RowCall> {
        lock(&self.fatal).get_or_insert(err);
        self.stop.store(true, Ordering::SeqCst);
        None
    }

    /// The hash of everything that decides a row's request: app, action, linked account and
    /// typed parameters.
    fn hash_of(&self, content: &RowContent, params: &str) -> [u8; 16] {
        let account = content.linked_account_id.as_deref().unwrap_or(&self.default_account);
        rows::hash([&*self.slug, &*self.action_id, account, params])
    }

    fn send_or_account(&self, number: u64, content: RowContent) -> Option<RowCall> {
        let params = crate::json_text::to_text(&content.params);
        let hash = self.hash_of(&content, &params);
        if let Some(prior) = self.prior.get(number) {
            if prior.hash != journal::short_hash(&hash) {
                self.tally.changed.fetch_add(1, Ordering::Relaxed);
                self.say(format_args!(
                    "row {number}: changed since the journal was written (hash {:016x}… there, {}… now); it was not sent. \
                     Restore the row, or run the changed rows with a new --journal",
                    prior.hash,
                    rows::hex(&hash[..8])
                ));
                return None;
            }
            match prior.outcome {
                Outcome::Succeeded => {
                    self.tally.skipped.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
                Outcome::Sent | Outcome::Unknown if !self.policy.unknown => {
                    self.tally.unknown.fetch_add(1, Ordering::Relaxed);
                    lock(&self.report).unknown_rows.push(number);
                    return None;
                }
                Outcome::Failed if !prior.resend && !self.policy.failed => {
                    let reason = self
                        .prior_reasons
                        .get(prior.reason as usize)
                        .map_or("failed", String::as_str);
                    note_row(&mut lock(&self.report).not_resent, reason, number);
                    return None;
                }
                _ => {}
            }
        }
        let body = RawValue::from_string(params).expect("parameters serialize to valid JSON");
        let index = self.tally.started.fetch_add(1, Ordering::SeqCst) as usize;
        lock(&self.in_flight).insert(
            index,
            InFlight {
                row: number,
                hash: rows::hex(&hash),
                reached: Reached::NotSent,
            },
        );
        Some(RowCall {
            slug: Arc::clone(&self.slug),
            action_id: Arc::clone(&self.action_id),
            body,
            linked_account_id: content.linked_account_id,
            idempotent: self.idempotent,
        })
    }

    /// The hook: item `index`'s request is about to go on the wire. Its `sent` line is written
    /// first; if it cannot be, the request is not sent and the run stops.
    fn journal_sent(&self, index: usize) -> Result<(), String> {
        let mut in_flight = lock(&self.in_flight);
        let Some(item) = in_flight.get_mut(&index) else {
            return Err("the row is not in flight".to_owned());
        };
        match lock(&self.journal).append(&Entry::new(item.row, &item.hash, Outcome::Sent)) {
            Ok(()) => {
                item.reached = Reached::Sent;
                self.tally.sent.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(err) => {
                item.reached = Reached::HookRefused;
                let reason = err.to_string();
                drop(in_flight);
                self.fail(err);
                Err(reason)
            }
        }
    }

    /// Journals a finished row. A journal write that fails stops the run (the failure is kept
    /// for the end); the results still in flight are journaled where possible.
    fn finish(&self, index: usize, result: Result<ActionResponse<serde_json::Value>, Error>) {
        let Some(item) = lock(&self.in_flight).remove(&index) else {
            return;
        };
        let entry = match result {
            Ok(reply) => {
                self.tally.succeeded.fetch_add(1, Ordering::Relaxed);
                let mut entry = Entry::new(item.row, &item.hash, Outcome::Succeeded);
                entry.request_id = reply.request_id;
                entry.record_id = match &reply.data["id"] {
                    serde_json::Value::String(id) => Some(id.clone()),
                    serde_json::Value::Number(id) => Some(id.to_string()),
                    _ => None,
                };
                entry
            }
            Err(err) => {
                let entry = crate::failure::entry(item.row, &item.hash, &err, item.reached);
                if entry.outcome == Some(Outcome::Unknown) {
                    self.tally.unknown.fetch_add(1, Ordering::Relaxed);
                    lock(&self.report).unknown_rows.push(item.row);
                } else {
                    self.tally.failed.fetch_add(1, Ordering::Relaxed);
                    let reason = entry.reason.as_deref().unwrap_or("failed");
                    note_row(&mut lock(&self.report).failed, reason, item.row);
                }
                entry
            }
        };
        if let Err(err) = lock(&self.journal).append(&entry) {
            self.fail(err);
        }
        self.progress.inc(1);
        self.progress.set_message(self.counts());
    }

    fn counts(&self) -> String {
        let t = &self.tally;
        format!(
            "ok {}  failed {}  unknown {}",
            t.succeeded.load(Ordering::Relaxed),
            t.failed.load(Ordering::Relaxed),
            t.unknown.load(Ordering::Relaxed),
        )
    }

    /// A line on stderr that does not tear the progress bar.
    fn say(&self, line: std::fmt::Arguments<'_>) {
        self.progress.suspend(|| eprintln!("{line}"));
    }
}

fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    if std::io::stderr().is_terminal() {
        let template = "{bar:30} {pos}/{len} rows  {per_sec}  ETA {eta}  {msg}";
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar
}

/// Progress for a log file or a pipe: a plain line now and then.
async fn plain_progress(run: Arc<Run>, total: u64) {
    let started = Instant::now();
    let mut ticks = tokio::time::interval(PLAIN_PROGRESS_EVERY);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let done = run.progress.position();
        let rate = done as f64 / started.elapsed().as_secs_f64();
        eprintln!("progress: {done}/{total} rows, {rate:.0} rows/s, {}", run.counts());
    }
}

/// First Ctrl-C: send nothing new, let the requests in flight finish. Second: exit at once.
async fn stop_on_ctrl_c(run: Arc<Run>, interrupted: Arc<AtomicBool>) {
    if tokio::signal::ctrl_c().await.is_err() {
        return;
    }
    interrupted.store(true, Ordering::SeqCst);
    run.stop.store(true, Ordering::SeqCst);
    let in_flight = lock(&run.in_flight).len();
    run.say(format_args!(
        "stopping: sending nothing new, waiting for {in_flight} request(s) in flight; Ctrl-C again to exit at once"
    ));
    if tokio::signal::ctrl_c().await.is_ok() {
        eprintln!("exiting at once: rows in flight stay journaled as sent (outcome unknown)");
        std::process::exit(i32::from(Exit::Interrupted.code()));
    }
}

/// `rows 3, 8, 12 and 4 more`.
fn row_list(count: u64, rows: &[u64]) -> String {
    let listed: Vec<String> = rows.iter().map(u64::to_string).collect();
    let more = count.saturating_sub(rows.len() as u64);
    let word = if count == 1 { "row" } else { "rows" };
    if more > 0 {
        format!("{word} {} and {more} more", listed.join(", "))
    } else {
        format!("{word} {}", listed.join(", "))
    }
}

fn summary(run: &Run, journal_path: &Path, interrupted: bool) -> Result<(), CliError> {
    let t = &run.tally;
    let load = |n: &AtomicU64| n.load(Ordering::Relaxed);
    let (succeeded, failed, unknown, changed, skipped) = (
        load(&t.succeeded),
        load(&t.failed),
        load(&t.unknown),
        load(&t.changed),
        load(&t.skipped),
    );
    let mut report = lock(&run.report);
    let not_resent: u64 = report.not_resent.values().map(|(count, _)| count).sum();
    eprintln!(
        "{}/{}: {} rows sent; {succeeded} succeeded, {failed} failed, {unknown} outcome unknown, \
         {changed} changed since the journal, {skipped} skipped (succeeded before), {not_resent} not resent (refused before)",
        run.slug,
        run.action_id,
        load(&t.sent)
    );
    if !report.failed.is_empty() {
        eprintln!("failed, by reason (the journal keeps each row's evidence):");
        for (reason, (count, rows)) in &report.failed {
            eprintln!("  {reason}: {count} ({})", row_list(*count, rows));
        }
    }
    if !report.not_resent.is_empty() {
        eprintln!("refused before and not sent again (fix the cause, then --resume --retry-failed):");
        for (reason, (count, rows)) in &report.not_resent {
            eprintln!("  {reason}: {count} ({})", row_list(*count, rows));
        }
    }
    if !report.unknown_rows.is_empty() {
        report.unknown_rows.sort_unstable();
        let list: Vec<String> = report.unknown_rows.iter().map(u64::to_string).collect();
        eprintln!(
            "outcome unknown (the action may have run; check these rows before sending them again with \
             --resume --resend-unknown): rows {}",
            list.join(", ")
        );
    }
    eprintln!("journal: {}", journal_path.display());
    if interrupted {
        return Err(CliError::new(
            Exit::Interrupted,
            "interrupted: the rows in flight finished and are journaled; run again with --resume to continue",
        ));
    }
    if failed + unknown + changed + not_resent > 0 {
        return Err(CliError::new(
            Exit::BulkIncomplete,
            "some rows did not succeed: see the summary above and the journal",
        ));
    }
    Ok(())
}
