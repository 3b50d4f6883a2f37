//! The in-process limiter: one GCRA bucket per linked account, kept in this process.
//!
//! A caller takes its slot under a lock, then sleeps until the slot starts. Slots are handed out
//! in the order callers arrive and a reserved slot is never taken back, so nobody is overtaken
//! and nobody waits longer than the callers ahead of it need: 16 callers sharing 50/s each wait
//! at most about 16/50 s. (A limiter that lets every caller re-check the bucket after sleeping,
//! as governor does, lets late arrivals win races against callers that have waited longest.)

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::RateLimit;
use super::gcra::{self, Decision, Gcra};
use crate::Error;

/// How many acquisitions pass between sweeps of idle keys.
const SWEEP_EVERY: u32 = 1024;

/// The per-account buckets of one process.
pub(crate) struct LocalLimiter {
    gcra: Gcra,
    /// Each account's TAT, in microseconds after `epoch`.
    buckets: Mutex<HashMap<Arc<str>, u64>>,
    epoch: Instant,
    since_sweep: AtomicU32,
}

impl LocalLimiter {
    /// # Errors
    ///
    /// [`Error::Config`] for a zero rate or burst.
    pub(crate) fn new(limit: RateLimit) -> Result<Self, Error> {
        if limit.per_second() == 0 || limit.burst() == 0 {
            return Err(Error::config(format!(
                "the rate limit {}/s with burst {} is invalid: both must be at least 1",
                limit.per_second(),
                limit.burst()
            )));
        }
        Ok(LocalLimiter {
            gcra: Gcra::new(limit, limit.burst()),
            buckets: Mutex::new(HashMap::new()),
            epoch: Instant::now(),
            since_sweep: AtomicU32::new(0),
        })
    }

    /// Waits for a slot for `key`. When the slot would come too late to finish before
    /// `deadline` (see [`gcra::latest_start`]), fails at once with a timeout that says nothing
    /// was sent, rather than sleeping for nothing; the refused call takes no slot.
    pub(crate) async fn acquire(
        &self,
        key: &Arc<str>,
        deadline: Instant,
        started: Instant,
        idempotent: bool,
    ) -> Result<(), Error> {
        let arrived = Instant::now();
        let now = self.micros(arrived);
        let latest_start = self.micros(gcra::latest_start(arrived, deadline));
        let decision = {
            let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
            if self.since_sweep.fetch_add(1, Ordering::Relaxed) + 1 >= SWEEP_EVERY {
                self.since_sweep.store(0, Ordering::Relaxed);
                // A bucket whose TAT has passed is full, which is what a missing entry means.
                buckets.retain(|_, tat| *tat > now);
                buckets.shrink_to_fit();
            }
            let decision = self.gcra.reserve(buckets.get(key).copied(), now, latest_start);
            if let Decision::Granted { tat, .. } = decision {
                match buckets.get_mut(key) {
                    Some(stored) => *stored = tat,
                    None => {
                        buckets.insert(key.clone(), tat);
                    }
                }
            }
            decision
        };
        match decision {
            Decision::Granted { start, .. } => {
                if start > now {
                    tokio::time::sleep_until(self.epoch + Duration::from_micros(start)).await;
                }
                Ok(())
            }
            Decision::Refused { next_start } => Err(Error::rate_limit_timeout(
                started.elapsed(),
                Duration::from_micros(next_start - now),
                idempotent,
            )),
        }
    }

    fn micros(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_micros()).unwrap_or(u64::MAX)
    }

    #[cfg(test)]
    fn tracked_keys(&self) -> usize {
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_rate_is_a_config_error() {
        let error = LocalLimiter::new(RateLimit::new(0, 5))
            .err()
            .expect("zero rate must be refused");
        assert!(error.to_string().contains("at least 1"));
    }

    #[tokio::test]
    async fn idle_keys_are_evicted() {
        let limiter = LocalLimiter::new(RateLimit::new(1000, 10)).expect("valid limit");
        let far = Instant::now() + Duration::from_secs(5);
        for n in 0..SWEEP_EVERY - 1 {
            let key: Arc<str> = Arc::from(format!("account-{n}"));
            limiter.acquire(&key, far, Instant::now(), false).await.expect("slot");
        }
        assert_eq!(limiter.tracked_keys(), (SWEEP_EVERY - 1) as usize);
        // Long enough for every bucket to refill (burst 10 at 1000/s).
        tokio::time::sleep(Duration::from_millis(50)).await;
        limiter
            .acquire(&Arc::from("fresh"), far, Instant::now(), false)
            .await
            .expect("slot");
        assert!(
            limiter.tracked_keys() <= 1,
            "idle keys must be swept, {} left",
            limiter.tracked_keys()
        );
    }

    #[tokio::test]
    async fn a_slot_past_the_deadline_fails_fast_without_sending() {
        let limiter = LocalLimiter::new(RateLimit::new(1, 1)).expect("valid limit");
        let key: Arc<str> = Arc::from("a");
        let deadline = Instant::now() + Duration::from_millis(100);
        limiter
            .acquire(&key, deadline, Instant::now(), false)
            .await
            .expect("first slot is free");
        let error = limiter
            .acquire(&key, deadline, Instant::now(), false)
            .await
            .expect_err("second slot is 1 s away");
        assert!(!error.may_have_executed());
    }

    #[tokio::test]
    async fn callers_are_admitted_in_arrival_order() {
        // One thread: each caller reserves its slot before the next one arrives.
        let limiter = Arc::new(LocalLimiter::new(RateLimit::new(50, 1)).expect("valid limit"));
        let key: Arc<str> = Arc::from("a");
        let order = Arc::new(Mutex::new(Vec::new()));
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut tasks = Vec::new();
        for n in 0..8 {
            let (limiter, key, order) = (limiter.clone(), key.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                limiter
                    .acquire(&key, deadline, Instant::now(), false)
                    .await
                    .expect("slot");
                order.lock().unwrap().push(n);
            }));
            // Arrivals 1 ms apart, less than the 20 ms between slots.
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), (0..8).collect::<Vec<_>>());
    }
}
