//! Client-side rate limiting: off by default; when on, one bucket per linked account, a call
//! waits for its slot instead of failing, retries take slots too, and a slot that would come
//! after the call's deadline fails at once without sending anything.
//!
//! Timing appears only as lower bounds ("it waited at least this long"), plus one generous
//! upper bound that separates "one bucket per account" from "one bucket for everyone".

use std::time::{Duration, Instant};

use crate::support::{CreateContact, SearchContacts, builder_for, execute_attempts, fast_policy, run_callers};
use refold::{ErrorKind, RateLimit, RetryPolicy};
use refold_emulator::{Emulator, Fault};

fn search() -> SearchContacts {
    SearchContacts { query: "ada".into() }
}

#[test]
fn default_rate_limit_is_refolds_published_20_per_second_burst_5() {
    let limit = RateLimit::default();
    assert_eq!((limit.per_second(), limit.burst()), (20, 5));
}

#[test]
fn zero_rate_or_burst_is_a_configuration_error() {
    for limit in [RateLimit::new(0, 5), RateLimit::new(20, 0)] {
        let error = refold::Client::builder()
            .api_key("tk_example")
            .rate_limit(limit)
            .build()
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config, "{error}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_over_the_limit_wait_for_a_slot_instead_of_failing() {
    let emulator = Emulator::builder()
        .rate_limit(refold_emulator::RateLimit::new(20, 5))
        .start()
        .await
        .unwrap();
    // Slower than the server's limit and without retries: any 429 would reach the caller.
    let client = builder_for(&emulator)
        .rate_limit(RateLimit::new(10, 2))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let started = Instant::now();
    let calls: Vec<_> = (0..22)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.execute(&CreateContact::new(format!("u{n}@example.com"))).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().expect("no call fails: each waited for its slot");
    }
    // Burst 2, then 20 more at 10/s.
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(execute_attempts(&emulator), 22, "no request was throttled");
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 22);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_client_limit_against_refolds_limit_lets_no_throttling_reach_the_caller() {
    let emulator = Emulator::builder()
        .rate_limit(refold_emulator::RateLimit::new(20, 5))
        .start()
        .await
        .unwrap();
    let client = builder_for(&emulator)
        .rate_limit(RateLimit::default())
        .retry_policy(RetryPolicy::default().with_max_attempts(5))
        .build()
        .unwrap();
    let calls: Vec<_> = (0..40)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.execute(&CreateContact::new(format!("u{n}@example.com"))).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().expect("no throttling error reaches the caller");
    }
    let throttled = execute_attempts(&emulator) - 40;
    println!("40 calls at 20/s burst 5: the emulator throttled {throttled} attempts");
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_linked_account_has_its_own_bucket() {
    let emulator = Emulator::start().await.unwrap();
    // Three calls each for three accounts fit three bursts of 3 at once; through one shared
    // bucket they would need 6 s at 1/s.
    let client = builder_for(&emulator).rate_limit(RateLimit::new(1, 3)).build().unwrap();
    let started = Instant::now();
    let calls: Vec<_> = (0..9)
        .map(|n| {
            let handle = client.for_linked_account(format!("account{}@example.com", n % 3));
            tokio::spawn(async move { handle.execute(&search()).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "accounts shared one bucket: {:?}",
        started.elapsed()
    );

    // A fourth call on one account waits for that account's refill, a second after its burst.
    client
        .for_linked_account("account0@example.com")
        .execute(&search())
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn retries_take_slots_too() {
    let emulator = Emulator::start().await.unwrap();
    emulator.inject_for("/execute", Fault::refold_error(503));
    emulator.inject_for("/execute", Fault::refold_error(503));
    let client = builder_for(&emulator).rate_limit(RateLimit::new(2, 1)).build().unwrap();
    let started = Instant::now();
    client.execute(&search()).await.expect("the third attempt succeeds");
    assert_eq!(execute_attempts(&emulator), 3);
    // Slots at 0 s, 0.5 s and 1 s: the backoff alone (milliseconds) would not explain the wait.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_slot_after_the_deadline_fails_at_once_and_sends_nothing() {
    let emulator = Emulator::start().await.unwrap();
    let client = builder_for(&emulator)
        .rate_limit(RateLimit::new(1, 1))
        .retry_policy(fast_policy())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    client.execute(&CreateContact::new("first@example.com")).await.unwrap();
    let error = client
        .execute(&CreateContact::new("second@example.com"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error}");
    assert!(!error.may_have_executed(), "nothing was sent: {error}");
    assert_eq!(execute_attempts(&emulator), 1);
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 1);
}

#[tokio::test]
async fn rate_limit_is_off_by_default() {
    let emulator = Emulator::start().await.unwrap();
    let client = builder_for(&emulator)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    // With no client limit, a burst far above Refold's 5 goes straight out.
    emulator.set_rate_limit(Some(refold_emulator::RateLimit::new(1, 5)));
    let mut throttled = 0;
    for _ in 0..10 {
        if let Err(error) = client.execute(&search()).await {
            assert_eq!(error.kind(), ErrorKind::Refold, "{error}");
            throttled += 1;
        }
    }
    assert!(throttled >= 4, "only {throttled} of 10 throttled");
}

/// 16 callers share 50 calls/s with a 2 s timeout: waiting in arrival order, none waits more
/// than about 16/50 s, so none may time out. (A limiter where every waiter re-checks the bucket
/// after sleeping lets newcomers overtake, and the unlucky ones run out of time.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_callers_sharing_fifty_per_second_never_time_out() {
    let emulator = Emulator::builder()
        .rate_limit(refold_emulator::RateLimit::new(50, 5))
        .start()
        .await
        .unwrap();
    let client = builder_for(&emulator)
        .rate_limit(RateLimit::new(50, 5))
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let window = Duration::from_secs(8);
    let load = run_callers(&client, 16, tokio::time::Instant::now(), window).await;
    println!("16 callers, 50/s, 2 s timeout, 8 s: {}", load.summary());
    assert_eq!(load.timeouts, 0, "{}", load.summary());
    assert!(load.other.is_empty(), "{}", load.summary());
    // Wide margin: the quota is 400 calls in the window.
    assert!(load.successes.len() >= 300, "{}", load.summary());
}
