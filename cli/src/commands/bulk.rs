//! `refold bulk <slug> <action_id> --input FILE`: one action per row, through
//! `Client::execute_all`, with progress, a journal, `--resume` and a clean Ctrl-C.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use refold::{ActionResponse, BulkCall, BulkItem, BulkOptions, Client, Error, ForLinkedAccount, RateLimit, RawAction};

use crate::args::BulkArgs;
use crate::error::CliError;
use crate::exit::Exit;
use crate::journal::{self, Entry, Journal, Outcome, Prior};
use crate::rows::{self, Row, Rows};

/// How often a non-terminal gets a progress line.
const PLAIN_PROGRESS_EVERY: Duration = Duration::from_secs(2);

pub async fn run(args: &BulkArgs, env: impl Fn(&str) -> Option<String>) -> Result<(), CliError> {
    let (slug, action_id) = (args.slug.as_str(), args.action_id.as_str());
    for (what, value) in [("slug", slug), ("action id", action_id)] {
        refold::validate_identifier(what, value).map_err(|err| CliError::new(Exit::Usage, err.to_string()))?;
    }
    let format = rows::format_of(&args.input, args.format)?;
    let journal_path = journal_path(args);
    let prior = if args.resume {
        journal::read(&journal_path)?
    } else if journal::has_entries(&journal_path) {
        return Err(CliError::new(
            Exit::Usage,
            format!(
                "the journal {} already holds a run: pass --resume to continue it, or --journal with a new file",
                journal_path.display()
            ),
        ));
    } else {
        HashMap::new()
    };
    let client = crate::connect::builder(&args.connection, env)?
        // The burst stays at Refold's 5: a bigger one would be refused by Refold's own limit.
        .rate_limit(RateLimit::new(args.rate_limit, 5))
        .build()
        .map_err(|err| CliError::new(Exit::Config, err.to_string()))?;
    let schema = super::exec::schema(&client, slug, action_id, &args.schema).await?;
    let total = rows::count(&args.input, format)?;
    let rows = Rows::new(
        rows::open(&args.input)?,
        &args.input,
        format,
        schema,
        args.linked_account_column.clone(),
    )?;
    let run = Arc::new(Run {
        rows: Mutex::new(rows),
        journal: Mutex::new(Journal::append_to(&journal_path)?),
        prior,
        resend_unknown: args.resend_unknown,
        in_flight: Mutex::new(HashMap::new()),
        stop: AtomicBool::new(false),
        fatal: Mutex::new(None),
        tally: Tally::default(),
        unknown_rows: Mutex::new(Vec::new()),
        progress: progress_bar(total),
        slug: slug.to_owned(),
        action_id: action_id.to_owned(),
        idempotent: args.idempotent,
    });

    let interrupted = Arc::new(AtomicBool::new(false));
    tokio::spawn(stop_on_ctrl_c(Arc::clone(&run), Arc::clone(&interrupted)));
    let plain = (!std::io::stderr().is_terminal()).then(|| tokio::spawn(plain_progress(Arc::clone(&run), total)));

    let concurrency = NonZeroUsize::new(args.concurrency as usize).expect("clap keeps it at 1 or more");
    let items = std::iter::from_fn({
        let run = Arc::clone(&run);
        move || run.next_item()
    });
    let mut results = client.execute_all(items, BulkOptions::default().concurrency(concurrency));
    while let Some((index, result)) = results.next().await {
        run.finish(index, result)?;
    }
    if let Some(task) = plain {
        task.abort();
    }
    run.progress.finish_and_clear();
    if let Some(err) = lock(&run.fatal).take() {
        return Err(err);
    }
    summary(&run, &journal_path, interrupted.load(Ordering::SeqCst))
}

/// The journal's default path: next to the input.
fn journal_path(args: &BulkArgs) -> PathBuf {
    match &args.journal {
        Some(path) => path.clone(),
        None if args.input == Path::new("-") => PathBuf::from("bulk.journal.jsonl"),
        None => {
            let mut path = args.input.clone().into_os_string();
            path.push(".journal.jsonl");
            PathBuf::from(path)
        }
    }
}

/// What one run shares between the input's iterator, the result loop and the signal handler.
struct Run {
    rows: Mutex<Rows>,
    journal: Mutex<Journal>,
    prior: HashMap<u64, Prior>,
    resend_unknown: bool,
    /// Row number and hash of each item in flight, by `execute_all`'s index.
    in_flight: Mutex<HashMap<usize, (u64, String)>>,
    stop: AtomicBool,
    /// A failure that ends the run (the input or the journal cannot be read or written).
    fatal: Mutex<Option<CliError>>,
    tally: Tally,
    unknown_rows: Mutex<Vec<u64>>,
    progress: ProgressBar,
    slug: String,
    action_id: String,
    idempotent: bool,
}

#[derive(Default)]
struct Tally {
    sent: AtomicU64,
    succeeded: AtomicU64,
    failed: AtomicU64,
    unknown: AtomicU64,
    invalid: AtomicU64,
    changed: AtomicU64,
    skipped: AtomicU64,
    /// Items handed to `execute_all`, a counter that matches its indices.
    started: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// One row's call: for the client's linked account or for the row's own.
enum RowCall {
    Default(RawAction),
    ForAccount(ForLinkedAccount<RawAction>),
}

impl BulkItem for RowCall {
    type Output = serde_json::Value;

    fn into_call(self, client: &Client) -> BulkCall<serde_json::Value> {
        match self {
            RowCall::Default(action) => action.into_call(client),
            RowCall::ForAccount(action) => action.into_call(client),
        }
    }
}

impl Run {
    /// The next row to send, after journaling it as sent; rows not to send (bad, succeeded
    /// before, unknown, changed) are accounted for on the way. `None` at the end of the input,
    /// after Ctrl-C, or when the input or the journal fails.
    fn next_item(&self) -> Option<RowCall> {
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return None;
            }
            let row = match lock(&self.rows).next_row() {
                Ok(Some(row)) => row,
                Ok(None) => return None,
                Err(err) => return self.fail(err),
            };
            match self.send_or_account(row) {
                Ok(Some(call)) => return Some(call),
                Ok(None) => self.progress.inc(1),
                Err(err) => return self.fail(err),
            }
        }
    }

    fn fail(&self, err: CliError) -> Option<RowCall> {
        lock(&self.fatal).get_or_insert(err);
        self.stop.store(true, Ordering::SeqCst);
        None
    }

    fn send_or_account(&self, row: Row) -> Result<Option<RowCall>, CliError> {
        if let Some(prior) = self.prior.get(&row.number) {
            let was_invalid = prior.outcome == Outcome::Invalid;
            if !was_invalid && prior.hash != row.hash {
                self.tally.changed.fetch_add(1, Ordering::Relaxed);
                self.say(format_args!(
                    "row {}: changed since the journal was written (hash {} there, {} now); it was not sent. \
                     Restore the row, or run the changed rows with a new --journal",
                    row.number, prior.hash, row.hash
                ));
                return Ok(None);
            }
            match prior.outcome {
                Outcome::Succeeded => {
                    self.tally.skipped.fetch_add(1, Ordering::Relaxed);
                    return Ok(None);
                }
                Outcome::Sent | Outcome::Unknown if !self.resend_unknown => {
                    self.tally.unknown.fetch_add(1, Ordering::Relaxed);
                    lock(&self.unknown_rows).push(row.number);
                    return Ok(None);
                }
                _ => {}
            }
        }
        let content = match row.content {
            Ok(content) => content,
            Err(problem) => {
                self.tally.invalid.fetch_add(1, Ordering::Relaxed);
                self.say(format_args!("{problem}"));
                let mut entry = Entry::new(row.number, &row.hash, Outcome::Invalid);
                entry.error_kind = Some("input".to_owned());
                entry.error = Some(problem);
                lock(&self.journal).write(&entry)?;
                return Ok(None);
            }
        };
        // Journaled before it is sent: a kill from here on leaves the row "sent", which a
        // resume treats as possibly executed.
        lock(&self.journal).write(&Entry::new(row.number, &row.hash, Outcome::Sent))?;
        let index = self.tally.started.fetch_add(1, Ordering::SeqCst) as usize;
        lock(&self.in_flight).insert(index, (row.number, row.hash));
        self.tally.sent.fetch_add(1, Ordering::Relaxed);
        let action = RawAction::new(&self.slug, &self.action_id, serde_json::Value::Object(content.params))
            .idempotent(self.idempotent);
        Ok(Some(match content.linked_account_id {
            Some(account) => RowCall::ForAccount(ForLinkedAccount::new(account, action)),
            None => RowCall::Default(action),
        }))
    }

    /// Journals a finished row.
    fn finish(&self, index: usize, result: Result<ActionResponse<serde_json::Value>, Error>) -> Result<(), CliError> {
        let (row, hash) = lock(&self.in_flight)
            .remove(&index)
            .expect("every result's index was recorded when its row was handed over");
        let entry = match result {
            Ok(reply) => {
                self.tally.succeeded.fetch_add(1, Ordering::Relaxed);
                let mut entry = Entry::new(row, &hash, Outcome::Succeeded);
                entry.request_id = reply.request_id;
                entry.record_id = match &reply.data["id"] {
                    serde_json::Value::String(id) => Some(id.clone()),
                    serde_json::Value::Number(id) => Some(id.to_string()),
                    _ => None,
                };
                entry
            }
            Err(err) => {
                let outcome = if err.may_have_executed() {
                    self.tally.unknown.fetch_add(1, Ordering::Relaxed);
                    lock(&self.unknown_rows).push(row);
                    Outcome::Unknown
                } else {
                    self.tally.failed.fetch_add(1, Ordering::Relaxed);
                    Outcome::Failed
                };
                let mut entry = Entry::new(row, &hash, outcome);
                entry.request_id = err.request_id().map(str::to_owned);
                entry.error_kind = Some(format!("{:?}", err.kind()).to_ascii_lowercase());
                entry.error = Some(err.to_string());
                entry.may_have_executed = err.may_have_executed();
                entry
            }
        };
        lock(&self.journal).write(&entry)?;
        self.progress.inc(1);
        self.progress.set_message(self.counts());
        Ok(())
    }

    fn counts(&self) -> String {
        let t = &self.tally;
        format!(
            "ok {}  failed {}  unknown {}  invalid {}",
            t.succeeded.load(Ordering::Relaxed),
            t.failed.load(Ordering::Relaxed),
            t.unknown.load(Ordering::Relaxed),
            t.invalid.load(Ordering::Relaxed)
        )
    }

    /// A line on stderr that does not tear the progress bar.
    fn say(&self, line: std::fmt::Arguments<'_>) {
        self.progress.suspend(|| eprintln!("{line}"));
    }
}

fn progress_bar(total: Option<u64>) -> ProgressBar {
    let bar = match total {
        Some(total) => ProgressBar::new(total),
        None => ProgressBar::no_length(),
    };
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
async fn plain_progress(run: Arc<Run>, total: Option<u64>) {
    let started = Instant::now();
    let mut ticks = tokio::time::interval(PLAIN_PROGRESS_EVERY);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let done = run.progress.position();
        let rate = done as f64 / started.elapsed().as_secs_f64();
        let total = total.map_or_else(|| "?".to_owned(), |t| t.to_string());
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

fn summary(run: &Run, journal_path: &Path, interrupted: bool) -> Result<(), CliError> {
    let t = &run.tally;
    let load = |n: &AtomicU64| n.load(Ordering::Relaxed);
    let (succeeded, failed, unknown, invalid, changed, skipped) = (
        load(&t.succeeded),
        load(&t.failed),
        load(&t.unknown),
        load(&t.invalid),
        load(&t.changed),
        load(&t.skipped),
    );
    eprintln!(
        "{}/{}: {} rows sent; {succeeded} succeeded, {failed} failed, {unknown} outcome unknown, {invalid} invalid, \
         {changed} changed since the journal, {skipped} skipped (succeeded before)",
        run.slug,
        run.action_id,
        load(&t.sent)
    );
    let mut unknown_rows = lock(&run.unknown_rows).clone();
    if !unknown_rows.is_empty() {
        unknown_rows.sort_unstable();
        let list: Vec<String> = unknown_rows.iter().map(u64::to_string).collect();
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
    if failed + unknown + invalid + changed > 0 {
        return Err(CliError::new(
            Exit::BulkIncomplete,
            "some rows did not succeed: see the summary above and the journal",
        ));
    }
    Ok(())
}
