//! Measures how many execute requests per second the emulator serves on this machine.
//!
//! `cargo run --release -p refold-emulator --example throughput [-- CONCURRENCY SECONDS]`
//!
//! The load generator runs in the same process, so the figure is a floor: the client competes
//! with the server for the same cores.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use refold_emulator::Emulator;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let concurrency: usize = args.next().map_or(Ok(64), |a| a.parse())?;
    let seconds: u64 = args.next().map_or(Ok(3), |a| a.parse())?;

    let emulator = Emulator::builder().record_requests(false).start().await?;
    let url = format!(
        "{}/api/v2/integration-schema/hubspot/actions/get_contact/execute",
        emulator.base_url()
    );
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (http, url, done) = (http.clone(), url.clone(), done.clone());
            let (key, account) = (emulator.api_key().to_owned(), emulator.linked_account_id().to_owned());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let reply = http
                        .post(&url)
                        .header("x-api-key", &key)
                        .header("linked_account_id", &account)
                        .header("content-type", "application/json")
                        .body(r#"{"email":"ada@example.com"}"#)
                        .send()
                        .await
                        .and_then(|r| r.error_for_status());
                    if let Ok(r) = reply {
                        let _ = r.bytes().await;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.await?;
    }
    let n = done.load(Ordering::Relaxed);
    let rate = n as f64 / started.elapsed().as_secs_f64();
    println!("{n} requests, {rate:.0} requests/s at concurrency {concurrency}");
    Ok(())
}
