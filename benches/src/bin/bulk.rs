//! Bulk runs (`BENCHMARKS.md`, "Bulk runs"):
//!
//! 1. `Client::execute_all` against the emulator with a per-account limit (4 accounts at 500/s,
//!    burst 5) and the client's limiter set to the same: throughput as a share of the combined
//!    limit, and throttling errors that reached the caller;
//! 2. the same through `refold bulk` (the release binary, a child process), from a CSV with a
//!    linked-account column;
//! 3. without a limit, against the fixed-reply server: `execute_all` at concurrency 64 against a
//!    hand-written `buffer_unordered` loop over `Client::execute`, interleaved rounds, medians;
//! 4. peak RSS of `refold bulk` over a 1,000,000-row CSV (`getrusage` of the waited children),
//!    and how long its pre-pass alone takes (`--dry-run` over the same file).
//!
//! ```text
//! cargo build --release -p refold-cli && cargo run --release -p refold-benches --bin bulk
//! cargo run --release -p refold-benches --bin bulk -- --quick
//! ```

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use refold::{BulkOptions, Client, ForLinkedAccount, RateLimit, RawAction, RetryClass};
use refold_benches::GetContact;
use refold_benches::fixed_server::FixedServer;
use refold_benches::process::{children_max_rss_kib, machine_description};
use refold_benches::stats::median;
use refold_emulator::Emulator;

const ACCOUNTS: [&str; 4] = [
    "a@acme.example",
    "b@globex.example",
    "c@initech.example",
    "d@umbrella.example",
];
const PER_ACCOUNT: u32 = 500;
const CONCURRENCY: usize = 64;

fn main() {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let (seconds, rounds, calls, big_rows) = if quick {
        (2, 3, 2_000, 50_000)
    } else {
        (10, 11, 20_000, 1_000_000)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let cli = refold_binary();
    let work = std::env::temp_dir().join(format!("refold-bench-bulk-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();

    println!("Machine: {}\n", machine_description());
    let combined = f64::from(PER_ACCOUNT) * ACCOUNTS.len() as f64;

    let (rate, throttled, errors) = runtime.block_on(limited_execute_all(seconds));
    println!(
        "execute_all, 4 accounts at {PER_ACCOUNT}/s: {rate:.0} calls/s = {:.3}× the combined {combined:.0}/s; \
         {throttled} throttling errors reached the caller, {errors} errors in all",
        rate / combined
    );

    match &cli {
        Some(cli) => {
            let (rate, summary) = runtime.block_on(limited_cli(cli, &work, seconds));
            println!(
                "refold bulk, 4 accounts at {PER_ACCOUNT}/s: {rate:.0} rows/s = {:.3}× the combined {combined:.0}/s \
                 (wall time of the process, start-up included); {summary}",
                rate / combined
            );
        }
        None => println!("refold bulk: skipped, build it first: cargo build --release -p refold-cli"),
    }

    let (bulk, loop_rate) = runtime.block_on(unlimited(rounds, calls));
    println!(
        "no limit, concurrency {CONCURRENCY}, {rounds} rounds × {calls} calls, medians: execute_all {bulk:.0} calls/s, \
         hand-written buffer_unordered loop {loop_rate:.0} calls/s: ratio {:.3}",
        bulk / loop_rate
    );

    if let Some(cli) = &cli {
        let (peak_kib, elapsed, checked_in, status) = runtime.block_on(peak_rss(cli, &work, big_rows));
        println!(
            "refold bulk over {big_rows} rows (fixed-reply server, no limit): peak RSS {:.1} MiB, {:.0} rows/s \
             (the pre-pass alone, --dry-run: {:.2} s), {status}",
            peak_kib as f64 / 1024.0,
            big_rows as f64 / elapsed.as_secs_f64(),
            checked_in.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// `refold` next to this binary (both in `target/release`).
fn refold_binary() -> Option<PathBuf> {
    let path = std::env::current_exe().ok()?.with_file_name("refold");
    path.exists().then_some(path)
}

async fn limited_emulator() -> Emulator {
    Emulator::builder()
        .record_requests(false)
        .rate_limit(refold_emulator::RateLimit::new(PER_ACCOUNT, 5))
        .start()
        .await
        .unwrap()
}

/// Calls per second over the whole run, throttling errors and all errors that reached us.
async fn limited_execute_all(seconds: u32) -> (f64, usize, usize) {
    let emulator = limited_emulator().await;
    let client = Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .rate_limit(RateLimit::new(PER_ACCOUNT, 5))
        .build()
        .unwrap();
    let total = (PER_ACCOUNT * seconds) as usize * ACCOUNTS.len();
    let items = (0..total).map(|n| {
        ForLinkedAccount::new(
            ACCOUNTS[n % ACCOUNTS.len()],
            RawAction::new(
                "hubspot",
                "search_contacts",
                serde_json::json!({ "query": format!("q{n}") }),
            )
            .idempotent(true),
        )
    });
    let options = BulkOptions::default().concurrency(NonZeroUsize::new(CONCURRENCY).unwrap());
    let started = Instant::now();
    let (mut throttled, mut errors) = (0, 0);
    let mut results = client.execute_all(items, options);
    while let Some((_, result)) = results.next().await {
        if let Err(err) = result {
            errors += 1;
            throttled += usize::from(err.retry_class() == RetryClass::Throttled);
        }
    }
    let rate = total as f64 / started.elapsed().as_secs_f64();
    emulator.shutdown().await;
    (rate, throttled, errors)
}

/// Rows per second of `refold bulk` (wall time of the process) and its summary line.
async fn limited_cli(cli: &Path, work: &Path, seconds: u32) -> (f64, String) {
    let emulator = limited_emulator().await;
    let total = (PER_ACCOUNT * seconds) as usize * ACCOUNTS.len();
    let input = work.join("limited.csv");
    let mut text = String::from("query,account\n");
    for n in 0..total {
        text.push_str(&format!("q{n},{}\n", ACCOUNTS[n % ACCOUNTS.len()]));
    }
    std::fs::write(&input, text).unwrap();
    let journal = work.join("limited.journal.jsonl");
    let started = Instant::now();
    let output = cli_command(cli, &emulator.base_url(), emulator.api_key())
        .args(["--input"])
        .arg(&input)
        .arg("--journal")
        .arg(&journal)
        .args([
            "--linked-account-column",
            "account",
            "--rate-limit",
            &PER_ACCOUNT.to_string(),
        ])
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let summary = String::from_utf8_lossy(&output.stderr)
        .lines()
        .find(|line| line.starts_with("hubspot/search_contacts:"))
        .unwrap_or("no summary")
        .to_owned();
    let throttled = std::fs::read_to_string(&journal)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|entry| entry["error"].as_str().is_some_and(|error| error.contains("429")))
        .count();
    emulator.shutdown().await;
    (
        total as f64 / elapsed.as_secs_f64(),
        format!(
            "{summary}; {throttled} journal lines mention a 429; exit {}",
            output.status
        ),
    )
}

/// `refold bulk hubspot search_contacts` against `base_url`, as a read, without a schema.
fn cli_command(cli: &Path, base_url: &str, api_key: &str) -> Command {
    let mut command = Command::new(cli);
    command
        .env("REFOLD_BASE_URL", base_url)
        .env("REFOLD_API_KEY", api_key)
        .env("REFOLD_LINKED_ACCOUNT_ID", ACCOUNTS[0])
        .env_remove("REFOLD_SESSION_TOKEN")
        .args(["bulk", "hubspot", "search_contacts", "--idempotent", "--no-schema"])
        .args(["--concurrency", &CONCURRENCY.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    command
}

/// Medians over interleaved rounds: `execute_all`, then the hand-written loop.
async fn unlimited(rounds: usize, calls: usize) -> (f64, f64) {
    let server = FixedServer::start().await.unwrap();
    let client = Client::builder()
        .api_key("tk_bench")
        .linked_account_id(ACCOUNTS[0])
        .base_url(server.base_url())
        .allow_insecure_http(true)
        .build()
        .unwrap();
    let options = BulkOptions::default().concurrency(NonZeroUsize::new(CONCURRENCY).unwrap());
    // Warm the pool.
    let _ = client
        .execute_all((0..CONCURRENCY).map(|_| GetContact::ada()), options)
        .count()
        .await;
    let (mut bulk, mut handwritten) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which goes first, so neither always runs on a warmer (or busier) machine.
        for variant in [round % 2, (round + 1) % 2] {
            let started = Instant::now();
            let ok = if variant == 0 {
                client
                    .execute_all((0..calls).map(|_| GetContact::ada()), options)
                    .filter(|(_, r)| std::future::ready(r.is_ok()))
                    .count()
                    .await
            } else {
                let client = &client;
                futures_util::stream::iter((0..calls).map(|_| GetContact::ada()))
                    .map(|action| async move { client.execute(&action).await })
                    .buffer_unordered(CONCURRENCY)
                    .filter(|r| std::future::ready(r.is_ok()))
                    .count()
                    .await
            };
            assert_eq!(ok, calls);
            let rate = calls as f64 / started.elapsed().as_secs_f64();
            if variant == 0 {
                bulk.push(rate)
            } else {
                handwritten.push(rate)
            }
        }
    }
    (median(&bulk), median(&handwritten))
}

/// Peak RSS (KiB) of `refold bulk` over `rows` rows (the `--dry-run` and the run, whichever is
/// higher), the run's time, the `--dry-run`'s time and the run's exit status.
async fn peak_rss(cli: &Path, work: &Path, rows: usize) -> (u64, Duration, Duration, String) {
    let server = FixedServer::start().await.unwrap();
    let input = work.join("million.csv");
    {
        use std::io::Write;
        let mut file = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
        writeln!(file, "query").unwrap();
        for n in 0..rows {
            writeln!(file, "q{n}").unwrap();
        }
    }
    let journal = work.join("million.journal.jsonl");
    let base_url = server.base_url();
    let cli = cli.to_owned();
    let checked_in = {
        let (cli, base_url, input) = (cli.clone(), base_url.clone(), input.clone());
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let status = cli_command(&cli, &base_url, "tk_bench")
                .arg("--input")
                .arg(&input)
                .arg("--dry-run")
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "the dry run failed: {status}");
            started.elapsed()
        })
        .await
        .unwrap()
    };
    let started = Instant::now();
    // The server runs on this runtime; the child is waited for on a blocking thread.
    let status = tokio::task::spawn_blocking(move || {
        cli_command(&cli, &base_url, "tk_bench")
            .arg("--input")
            .arg(&input)
            .arg("--journal")
            .arg(&journal)
            .args(["--rate-limit", "1000000"])
            .stderr(Stdio::null())
            .status()
            .unwrap()
    })
    .await
    .unwrap();
    (
        children_max_rss_kib(),
        started.elapsed(),
        checked_in,
        status.to_string(),
    )
}
