//! Many callers looping on one client for a fixed window, as a busy service drives it: the load
//! of the rate limiters' behavioural tests. Each caller starts its next call as soon as the last
//! one ends, whatever it ended in (a refused call is tried again at once, the harshest case for
//! a limiter).

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use refold::{Client, Error};
use tokio::time::Instant;

use super::SearchContacts;

/// What the callers' calls ended in, and when each success came.
#[derive(Debug, Default)]
pub struct Load {
    /// When each call that succeeded finished, after the start of the window.
    pub successes: Vec<Duration>,
    /// Calls that ended in [`Error::Timeout`] after they were admitted (or waiting).
    pub timeouts: u64,
    /// Calls the rate limiter refused at once: their slot lay past their deadline.
    pub refused: u64,
    /// Calls that ended in a throttling reply from the emulator.
    pub throttled: u64,
    /// Calls that failed because the shared limiter's Redis was unavailable (fail closed).
    pub unavailable: u64,
    /// Every other failure, as text.
    pub other: Vec<String>,
}

impl Load {
    /// Successes that finished in `[from, to)` after the start.
    pub fn successes_between(&self, from: Duration, to: Duration) -> usize {
        self.successes.iter().filter(|at| **at >= from && **at < to).count()
    }

    pub fn summary(&self) -> String {
        format!(
            "{} successes, {} refused at once, {} timeouts, {} throttled, {} unavailable, {} other{}",
            self.successes.len(),
            self.refused,
            self.timeouts,
            self.throttled,
            self.unavailable,
            self.other.len(),
            self.other.first().map(|e| format!(" (first: {e})")).unwrap_or_default(),
        )
    }
}

/// Runs `callers` loops of `search_contacts` on `client` from `start` until `start + window`.
pub async fn run_callers(client: &Client, callers: usize, start: Instant, window: Duration) -> Load {
    let load = Arc::new(Mutex::new(Load::default()));
    let end = start + window;
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let (client, load) = (client.clone(), load.clone());
            tokio::spawn(async move {
                tokio::time::sleep_until(start).await;
                while Instant::now() < end {
                    let outcome = client.execute(&SearchContacts { query: "ada".into() }).await;
                    let at = start.elapsed();
                    let mut load = load.lock().unwrap();
                    match outcome {
                        Ok(_) if at <= window => load.successes.push(at),
                        Ok(_) => {}
                        Err(Error::Timeout(timeout)) if timeout.rate_limit_wait().is_some() => load.refused += 1,
                        Err(Error::Timeout(_)) => load.timeouts += 1,
                        Err(Error::Api(api)) if api.is_rate_limited() => load.throttled += 1,
                        Err(Error::RateLimiterUnavailable { .. }) => load.unavailable += 1,
                        Err(error) => load.other.push(error.to_string()),
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a caller panicked");
    }
    let mut load = std::mem::take(&mut *load.lock().unwrap());
    load.successes.sort();
    load
}
