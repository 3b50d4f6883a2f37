//! Load: 20,000 executes, 64 at a time, against an emulator enforcing Refold's kind of limit
//! per linked account, with the client's limiter set to the same figures. No throttling error
//! may reach the caller: the limiter paces the calls, and the few requests the server still
//! throttles (the two buckets' clocks are not in step) are retried after `Retry-After`.
//!
//! The calls are spread over four linked accounts (limits are per account), so the run takes
//! about ten seconds at 500/s per account instead of forty. It needs a release build to reach
//! that rate, so it is ignored by default:
//!
//! ```text
//! cargo test --release -p refold-sdk --test load -- --ignored --nocapture
//! ```

// The integration suites' helpers; this binary uses a few of them.
#[path = "integration/support/mod.rs"]
#[allow(dead_code, unused_imports)]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use refold::{Action, RateLimit, RetryPolicy};
use refold_emulator::Emulator;
use serde::Serialize;
use support::{builder_for, execute_attempts};

const CALLS: usize = 20_000;
const CONCURRENCY: usize = 64;
const ACCOUNTS: usize = 4;
const PER_SECOND: u32 = 500;
const BURST: u32 = 50;

/// HubSpot `create_company`: a write without a uniqueness check, so the emulator's cost per
/// call stays flat over 20,000 records.
#[derive(Serialize)]
struct CreateCompany {
    name: String,
}

impl Action for CreateCompany {
    const SLUG: &'static str = "hubspot";
    const ACTION_ID: &'static str = "create_company";
    type Output = serde_json::Value;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "about 10 s in release, over a minute in debug: cargo test --release -p refold-sdk --test load -- --ignored"]
async fn twenty_thousand_calls_under_a_matching_client_limit_see_no_throttling_error() {
    let emulator = Emulator::builder()
        .rate_limit(refold_emulator::RateLimit::new(PER_SECOND, BURST))
        .start()
        .await
        .unwrap();
    let client = builder_for(&emulator)
        .rate_limit(RateLimit::new(PER_SECOND, BURST))
        .retry_policy(RetryPolicy::default().with_max_attempts(5))
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let accounts: Vec<_> = (0..ACCOUNTS)
        .map(|n| client.for_linked_account(format!("load{n}@example.com")))
        .collect();

    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (accounts, next) = (accounts.clone(), next.clone());
            tokio::spawn(async move {
                let mut errors = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= CALLS {
                        return errors;
                    }
                    let company = CreateCompany {
                        name: format!("Company {n}"),
                    };
                    if let Err(error) = accounts[n % ACCOUNTS].execute(&company).await {
                        errors.push(error);
                    }
                }
            })
        })
        .collect();
    let mut errors = Vec::new();
    for worker in workers {
        errors.extend(worker.await.unwrap());
    }
    let took = started.elapsed();

    let attempts = execute_attempts(&emulator);
    let executed = emulator.executed_count("hubspot", "create_company");
    let throttled = attempts - executed as usize;
    println!(
        "load: {CALLS} calls, concurrency {CONCURRENCY}, {ACCOUNTS} accounts at {PER_SECOND}/s burst {BURST} each: \
         {took:.1?}, {:.0} calls/s (limit {}/s)",
        CALLS as f64 / took.as_secs_f64(),
        PER_SECOND as usize * ACCOUNTS
    );
    println!(
        "load: {attempts} attempts, {throttled} throttled by the emulator and retried, {} errors",
        errors.len()
    );

    let first: Vec<String> = errors.iter().take(5).map(ToString::to_string).collect();
    assert!(errors.is_empty(), "{} calls failed, first: {first:?}", errors.len());
    assert_eq!(executed, CALLS as u64, "every call ran exactly once");
}
