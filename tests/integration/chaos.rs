//! Chaos: 2,000 `create_contact` writes with distinct emails, 32 at a time, while the emulator
//! injects a seeded random fault into 10% of requests (dropped connections before and after
//! the action ran, 5xx with JSON, HTML and empty bodies, 429 and rate-limit 403, 401 and an
//! auth 403, short delays and delays past the client's timeout).
//!
//! Whatever the interleaving, the retry rules must hold: a write that succeeded ran exactly once,
//! a write whose error says it did not run (`may_have_executed() == false`) ran zero times, and
//! no write ever ran twice.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::{CreateContact, builder_for, execute_attempts};
use refold::{Error, RetryPolicy};
use refold_emulator::{Emulator, Fault, FaultBody};
use serde_json::json;

const CALLS: usize = 2_000;
const CONCURRENCY: usize = 32;
const FAULT_RATE: f64 = 0.10;
const SEED: u64 = 0x5eed_c4a0_5000;
const TIMEOUT: Duration = Duration::from_secs(2);
const LONG_DELAY: Duration = Duration::from_secs(3);

fn faults() -> Vec<Fault> {
    vec![
        Fault::DropBeforeBody,
        Fault::DropAfterExecute,
        Fault::refold_error(500),
        Fault::html(502, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
        Fault::refold_error(503),
        Fault::empty(504),
        Fault::too_many_requests(1),
        Fault::RateLimit403,
        // Refusals that certainly did not run the write, so the "did not run" check is exercised.
        Fault::Status {
            status: 401,
            body: FaultBody::Json(
                json!({ "status_code": 401, "error_code": "SERVER_ERROR", "message": "Invalid Credentials" }),
            ),
            retry_after: None,
        },
        Fault::Status {
            status: 403,
            body: FaultBody::Json(json!({ "status_code": 403, "error_code": "FORBIDDEN", "message": "Access denied" })),
            retry_after: None,
        },
        Fault::Delay(Duration::from_millis(20)),
        Fault::Delay(LONG_DELAY),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_under_random_faults_never_run_twice_and_errors_say_whether_they_ran() {
    let emulator = Emulator::start().await.unwrap();
    emulator.set_random_faults(FAULT_RATE, SEED, faults());
    let client = builder_for(&emulator)
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(4)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(5))
                .with_max_retry_after(Duration::from_millis(5)),
        )
        .timeout(TIMEOUT)
        .build()
        .unwrap();

    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (client, next) = (client.clone(), next.clone());
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= CALLS {
                        return outcomes;
                    }
                    let email = format!("chaos{n}@example.com");
                    let result = client.execute(&CreateContact::new(email.clone())).await;
                    outcomes.push((email, result.map(|_| ())));
                }
            })
        })
        .collect();
    let mut outcomes: Vec<(String, Result<(), Error>)> = Vec::with_capacity(CALLS);
    for worker in workers {
        outcomes.extend(worker.await.unwrap());
    }
    let calls_took = started.elapsed();
    // Requests delayed past the client's timeout may still run on the emulator: let them finish.
    tokio::time::sleep(LONG_DELAY + Duration::from_millis(500)).await;
    emulator.set_random_faults(0.0, 0, Vec::new());

    let mut runs: HashMap<String, usize> = HashMap::new();
    for execution in emulator.executions() {
        let email = execution.params["email"].as_str().unwrap().to_owned();
        *runs.entry(email).or_default() += 1;
    }
    let mut ok = 0;
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let (mut may_have_executed, mut did_execute_after_error) = (0, 0);
    for (email, result) in &outcomes {
        let ran = runs.get(email).copied().unwrap_or(0);
        assert!(ran <= 1, "{email} ran {ran} times");
        match result {
            Ok(()) => {
                ok += 1;
                assert_eq!(ran, 1, "{email} succeeded but ran {ran} times");
            }
            Err(error) => {
                *by_kind.entry(format!("{:?}", error.kind())).or_default() += 1;
                if error.may_have_executed() {
                    may_have_executed += 1;
                    did_execute_after_error += ran;
                } else {
                    assert_eq!(ran, 0, "{email} ran although its error says it did not: {error}");
                }
            }
        }
    }
    assert_eq!(outcomes.len(), CALLS);
    assert_eq!(runs.values().sum::<usize>(), emulator.executions().len());
    assert!(runs.keys().all(|email| outcomes.iter().any(|(e, _)| e == email)));

    let requests = execute_attempts(&emulator);
    println!(
        "chaos: {CALLS} writes, concurrency {CONCURRENCY}, fault rate {FAULT_RATE}, seed {SEED:#x}, calls took {calls_took:?}"
    );
    println!("chaos: ok {ok}, errors {} by kind {by_kind:?}", CALLS - ok);
    println!(
        "chaos: errors with may_have_executed {may_have_executed} (of which actually ran {did_execute_after_error}), \
         errors with may_have_executed == false {} (ran 0)",
        CALLS - ok - may_have_executed
    );
    println!(
        "chaos: the emulator saw {requests} execute attempts ({} retries) and ran {} writes",
        requests - CALLS,
        emulator.executions().len()
    );
    // The faults are rare enough that most writes succeed, and throttled ones were retried.
    assert!(ok >= CALLS * 8 / 10, "only {ok} of {CALLS} succeeded");
    assert!(requests > CALLS, "no retries happened");
    assert!(
        CALLS - ok > may_have_executed,
        "no error said the write did not run: that check was never exercised"
    );
}
