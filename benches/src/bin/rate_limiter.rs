//! The per-call cost of the rate limiters: the same sequential call (`hubspot`/`get_contact`
//! through `execute_raw`) with no limiter, with the in-process limiter, and with the quota
//! shared through Redis, on loopback (`BENCHMARKS.md`, "Shared rate limit").
//!
//! ```text
//! cargo run --release -p refold-benches --bin rate_limiter
//! cargo run --release -p refold-benches --bin rate_limiter -- --quick
//! ```
//!
//! It starts its own `redis-server` (Debian's package) on a free loopback port, without
//! persistence, and the fixed-reply server in-process. The quota is far above the call rate,
//! so no call ever waits: what is measured is the acquisition itself (a reservation under a lock, or one
//! Lua script round trip to Redis). Rounds interleave the variants, so load drifts hit them
//! alike; figures are medians over rounds.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use refold::{Client, OnUnavailable, RateLimit};
use refold_benches::fixed_server::FixedServer;
use refold_benches::process::machine_description;
use refold_benches::stats::median;
use serde_json::json;

/// A quota no sequential caller reaches: acquisitions never wait.
fn unreachable_quota() -> RateLimit {
    RateLimit::new(1_000_000, 1_000_000)
}

fn main() {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let (rounds, calls) = if quick { (3, 100) } else { (21, 500) };
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("refold-bench-redis-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut redis = match Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .current_dir(&dir)
        .stdout(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(error) => {
            eprintln!("cannot start redis-server ({error}): install it with `apt-get install redis-server`");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let figures = runtime.block_on(measure(port, rounds, calls));
    let _ = redis.kill();
    let _ = redis.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let [none, local, shared] = figures;
    println!("Machine: {}", machine_description());
    println!("{rounds} rounds × {calls} sequential calls per variant, medians over rounds, loopback.\n");
    println!("| limiter | µs/call | overhead over no limiter, µs/call |");
    println!("|---|---:|---:|");
    println!("| none | {none:.1} | |");
    println!("| in-process (GCRA) | {local:.1} | {:.1} |", local - none);
    println!("| shared through Redis | {shared:.1} | {:.1} |", shared - none);
    println!(
        "\nRedis against in-process: {:.2}× per call; the Redis limiter adds {:.1} µs per call more than the in-process one.",
        shared / local,
        shared - local
    );
}

/// Median µs per call without a limiter, with the in-process one, and with Redis.
async fn measure(redis_port: u16, rounds: usize, calls: usize) -> [f64; 3] {
    let server = FixedServer::start().await.unwrap();
    let builder = || {
        Client::builder()
            .api_key("tk_bench")
            .linked_account_id("ada@example.com")
            .base_url(server.base_url())
    };
    let clients = [
        builder().build().unwrap(),
        builder().rate_limit(unreachable_quota()).build().unwrap(),
        builder()
            .rate_limit(unreachable_quota())
            .redis_rate_limit(format!("redis://127.0.0.1:{redis_port}"))
            // Measure Redis, never a silent fallback.
            .on_unavailable(OnUnavailable::FailClosed)
            .build()
            .unwrap(),
    ];
    // Wait for Redis, then warm every client (connections, the script cache).
    let started = Instant::now();
    while clients[2]
        .execute_raw("hubspot", "get_contact", &json!({}))
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "redis-server did not come up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for client in &clients {
        for _ in 0..200 {
            client.execute_raw("hubspot", "get_contact", &json!({})).await.unwrap();
        }
    }
    let mut samples: [Vec<f64>; 3] = Default::default();
    let params = json!({ "email": "ada@example.com" });
    for _ in 0..rounds {
        for (client, samples) in clients.iter().zip(samples.iter_mut()) {
            let started = Instant::now();
            for _ in 0..calls {
                client.execute_raw("hubspot", "get_contact", &params).await.unwrap();
            }
            samples.push(started.elapsed().as_secs_f64() * 1e6 / calls as f64);
        }
    }
    samples.map(|s| median(&s))
}
