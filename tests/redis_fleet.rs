//! Four OS processes, one quota: the fleet-wide rate limit holds across replicas.
//!
//! The parent starts one emulator limiting the linked account to 50 requests/s with a burst of
//! 5, and re-executes this test binary four times as workers (`REFOLD_FLEET_WORKER` set), each
//! running 16 concurrent callers for a fixed window with the same quota in its client. With the
//! quota in Redis, no throttling error reaches a caller, at most 1 % of the attempts are
//! throttled, and the combined rate is at least 0.95 x the limit. With in-process limiters
//! (the same setup without Redis) each replica admits the full quota, and the overshoot shows
//! as throttled attempts. Both sets of figures are printed (`--nocapture` is not needed: this
//! test has no harness and prints directly).
//!
//! The same holds for two processes through `rediss://` (a TLS port whose certificate a
//! private CA signed, the CA given with `redis_root_certificate`), and for four processes
//! through a three-node Redis Cluster.
//!
//! Rates are measured over the whole window, never per request, with generous bounds.

#[path = "integration/support/redis_server.rs"]
mod redis_support;

use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis_support::{RedisCluster, RedisServer};
use refold::{Client, Error, RateLimit};
use refold_emulator::Emulator;
use serde_json::json;

const WORKER: &str = "REFOLD_FLEET_WORKER";
const PROCESSES: usize = 4;
const CONCURRENCY: usize = 16;
const PER_SECOND: u32 = 50;
const BURST: u32 = 5;
const WINDOW: Duration = Duration::from_secs(8);
const API_KEY: &str = "tk_fleet_key";
const ACCOUNT: &str = "fleet@example.com";

fn main() {
    if std::env::args().any(|arg| arg == "--list") {
        println!("redis_fleet: test");
        return;
    }
    if std::env::var_os(WORKER).is_some() {
        worker();
        return;
    }
    // Like libtest: a name filter that does not match this test skips it.
    let filters: Vec<String> = std::env::args().skip(1).filter(|arg| !arg.starts_with('-')).collect();
    if !filters.is_empty() && !filters.iter().any(|filter| "redis_fleet".contains(filter.as_str())) {
        return;
    }
    let Some(redis) = RedisServer::start("redis_fleet") else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();

    let shared = runtime.block_on(run(PROCESSES, &[("FLEET_REDIS_URL", redis.url())]));
    println!("shared through Redis: {}", shared.summary());
    assert_one_quota(&shared);
    drop(redis);

    let tls = RedisServer::start_tls("redis_fleet_tls").expect("redis-server was found above");
    let over_tls = runtime.block_on(run(
        2,
        &[
            ("FLEET_REDIS_URL", tls.tls_url()),
            ("FLEET_REDIS_CA", tls.ca_pem().to_owned()),
        ],
    ));
    println!("shared through rediss:// by 2 processes: {}", over_tls.summary());
    assert_one_quota(&over_tls);
    drop(tls);

    let cluster = RedisCluster::start("redis_fleet_cluster").expect("redis-server was found above");
    let on_cluster = runtime.block_on(run(PROCESSES, &[("FLEET_REDIS_CLUSTER", cluster.urls().join(","))]));
    println!("shared through a 3-node Redis Cluster: {}", on_cluster.summary());
    assert_one_quota(&on_cluster);
    drop(cluster);

    let local = runtime.block_on(run(PROCESSES, &[]));
    println!("in-process limiters:  {}", local.summary());
    // Each replica admits the whole quota on its own: Refold throttles a large share.
    assert!(
        local.throttled_share() >= 0.10,
        "in-process limiters should overshoot: {}",
        local.summary()
    );
    println!("redis_fleet: ok");
}

/// The fleet kept to one quota: no throttling reached a caller, at most 1 % of the attempts
/// were throttled, nothing else failed, and the quota was used.
fn assert_one_quota(figures: &Figures) {
    let limit = f64::from(PER_SECOND);
    assert_eq!(
        figures.throttling_errors,
        0,
        "throttling reached callers: {}",
        figures.summary()
    );
    assert_eq!(figures.other_errors, 0, "calls failed: {}", figures.summary());
    assert!(
        figures.throttled_share() <= 0.01,
        "more than 1 % of attempts throttled: {}",
        figures.summary()
    );
    assert!(
        figures.rate() >= 0.95 * limit,
        "the fleet ran under the quota: {}",
        figures.summary()
    );
}

/// What one run of the four workers produced, as the emulator and the callers saw it.
struct Figures {
    attempts: usize,
    executed: u64,
    in_window: u64,
    throttling_errors: u64,
    other_errors: u64,
}

impl Figures {
    fn throttled_share(&self) -> f64 {
        (self.attempts as f64 - self.executed as f64) / self.attempts.max(1) as f64
    }

    /// Successful calls per second over the window, all replicas together.
    fn rate(&self) -> f64 {
        self.in_window as f64 / WINDOW.as_secs_f64()
    }

    fn summary(&self) -> String {
        format!(
            "{} attempts, {} executed ({:.1}/s combined in the {}s window, limit {PER_SECOND}/s), \
             {:.2} % throttled by the emulator, {} throttling errors and {} other errors reached callers",
            self.attempts,
            self.executed,
            self.rate(),
            WINDOW.as_secs(),
            100.0 * self.throttled_share(),
            self.throttling_errors,
            self.other_errors,
        )
    }
}

/// Runs `processes` workers with `env` set (the Redis to share, if any).
async fn run(processes: usize, env: &[(&str, String)]) -> Figures {
    let emulator = Emulator::builder()
        .api_key(API_KEY)
        .linked_account_id(ACCOUNT)
        .rate_limit(refold_emulator::RateLimit::new(PER_SECOND, BURST))
        .start()
        .await
        .unwrap();
    // A common start, far enough ahead for every worker to be up.
    let start_ms = unix_ms() + 1500;
    let me = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..processes)
        .map(|n| {
            let mut command = Command::new(&me);
            command
                .env(WORKER, n.to_string())
                .env("FLEET_BASE_URL", emulator.base_url())
                .env("FLEET_START_MS", start_ms.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit());
            command.envs(env.iter().map(|(name, value)| (name, value)));
            command.spawn().expect("start a worker")
        })
        .collect();
    let mut figures = Figures {
        attempts: 0,
        executed: 0,
        in_window: 0,
        throttling_errors: 0,
        other_errors: 0,
    };
    for child in children {
        let output = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .unwrap()
            .unwrap();
        assert!(output.status.success(), "a worker failed");
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("a worker's report");
        figures.in_window += report["in_window"].as_u64().unwrap();
        figures.throttling_errors += report["throttling_errors"].as_u64().unwrap();
        figures.other_errors += report["other_errors"].as_u64().unwrap();
    }
    figures.attempts = emulator
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/execute"))
        .count();
    figures.executed = emulator.executed_count("hubspot", "create_contact");
    emulator.shutdown().await;
    figures
}

fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

/// One replica: 16 callers for the window, then a one-line JSON report on stdout.
fn worker() {
    let id: usize = std::env::var(WORKER).unwrap().parse().unwrap();
    let start_ms: u64 = std::env::var("FLEET_START_MS").unwrap().parse().unwrap();
    let mut builder = Client::builder()
        .api_key(API_KEY)
        .linked_account_id(ACCOUNT)
        .base_url(std::env::var("FLEET_BASE_URL").unwrap())
        .timeout(Duration::from_secs(20))
        .rate_limit(RateLimit::new(PER_SECOND, BURST));
    if let Ok(url) = std::env::var("FLEET_REDIS_URL") {
        builder = builder.redis_rate_limit(url);
    }
    if let Ok(ca) = std::env::var("FLEET_REDIS_CA") {
        builder = builder.redis_root_certificate(ca);
    }
    if let Ok(nodes) = std::env::var("FLEET_REDIS_CLUSTER") {
        builder = builder.redis_cluster_rate_limit(nodes.split(','));
    }
    let client = builder.build().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(async move {
        let end_ms = start_ms + WINDOW.as_millis() as u64;
        tokio::time::sleep(Duration::from_millis(start_ms.saturating_sub(unix_ms()))).await;
        let callers: Vec<_> = (0..CONCURRENCY)
            .map(|task| {
                let client = client.clone();
                tokio::spawn(async move {
                    let (mut in_window, mut throttling, mut other) = (0u64, 0u64, 0u64);
                    let mut n = 0;
                    while unix_ms() < end_ms {
                        n += 1;
                        let email = format!("w{id}-{task}-{n}@example.com");
                        match client
                            .execute_raw("hubspot", "create_contact", &json!({ "email": email }))
                            .await
                        {
                            Ok(_) if unix_ms() <= end_ms => in_window += 1,
                            Ok(_) => {}
                            Err(Error::Api(api)) if api.is_rate_limited() => throttling += 1,
                            Err(error) => {
                                eprintln!("worker {id}: {error}");
                                other += 1;
                            }
                        }
                    }
                    (in_window, throttling, other)
                })
            })
            .collect();
        let (mut in_window, mut throttling, mut other) = (0, 0, 0);
        for caller in callers {
            let (a, b, c) = caller.await.unwrap();
            in_window += a;
            throttling += b;
            other += c;
        }
        json!({ "in_window": in_window, "throttling_errors": throttling, "other_errors": other })
    });
    println!("{report}");
}
