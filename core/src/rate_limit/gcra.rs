//! The one reservation rule both limiters apply: GCRA (generic cell rate algorithm) with a
//! latest acceptable start.
//!
//! A bucket is a single number, its theoretical arrival time (TAT): the instant at which the
//! bucket would be full again. A reservation takes the next free slot, `interval` after the TAT,
//! brought forward by the burst's `tolerance` and never before now, and moves the TAT on by one
//! interval. A caller names the latest start it can accept; a slot that would come later is not
//! taken, so a refused caller costs the bucket nothing and the bucket never runs ahead of the
//! callers that are really waiting.
//!
//! Taking slots in order under one lock (in-process) or in one script (Redis) makes admission
//! first come, first served: a caller's slot is fixed when it arrives, and no later caller can
//! take it. `gcra.lua` is this same function in Lua; `tests/integration/rate_limit.rs` runs the
//! two limiters side by side.

use tokio::time::Instant;

use super::RateLimit;

/// The latest start a call whose `deadline` is that far from `now` accepts: three quarters of
/// the time left, keeping the last quarter for the request itself. A slot right at the deadline
/// would be admitted only to time out in flight, spending the slot and the caller's time
/// (under overload every admitted call would sit at that edge).
pub(crate) fn latest_start(now: Instant, deadline: Instant) -> Instant {
    now + deadline.saturating_duration_since(now).mul_f64(0.75)
}

/// The numbers of one quota, in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Gcra {
    /// The time between two slots at the sustained rate, rounded up so the rate never exceeds
    /// the quota.
    pub(crate) interval_us: u64,
    /// How far the TAT may run ahead of now: `interval × burst`, the calls allowed at once.
    pub(crate) tolerance_us: u64,
}

/// What a reservation decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// The slot starting at `start` is taken; the bucket's TAT is now `tat`.
    Granted { start: u64, tat: u64 },
    /// The next free slot starts at `next_start`, after the caller's latest start; nothing was
    /// taken.
    Refused { next_start: u64 },
}

impl Gcra {
    /// The quota `limit` with `burst` calls allowed at once (the limit's own burst in-process;
    /// the Redis limiter keeps one in reserve).
    pub(crate) fn new(limit: RateLimit, burst: u32) -> Gcra {
        let interval_us = 1_000_000u64.div_ceil(u64::from(limit.per_second().max(1)));
        Gcra {
            interval_us,
            tolerance_us: interval_us * u64::from(burst.max(1)),
        }
    }

    /// Reserves the next slot of a bucket whose TAT is `tat` (`None`: full) at `now`, if it
    /// starts no later than `latest_start`.
    pub(crate) fn reserve(&self, tat: Option<u64>, now: u64, latest_start: u64) -> Decision {
        let tat = tat.map_or(now, |tat| tat.max(now));
        let next_tat = tat + self.interval_us;
        let start = next_tat.saturating_sub(self.tolerance_us).max(now);
        if start > latest_start {
            Decision::Refused { next_start: start }
        } else {
            Decision::Granted { start, tat: next_tat }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn granted(decision: Decision) -> (u64, u64) {
        match decision {
            Decision::Granted { start, tat } => (start, tat),
            Decision::Refused { next_start } => panic!("refused, next slot at {next_start}"),
        }
    }

    #[test]
    fn a_full_bucket_admits_the_burst_at_once_then_one_per_interval() {
        let gcra = Gcra::new(RateLimit::new(10, 3), 3);
        let mut tat = None;
        let mut starts = Vec::new();
        for _ in 0..5 {
            let (start, next) = granted(gcra.reserve(tat, 1_000, u64::MAX));
            starts.push(start - 1_000);
            tat = Some(next);
        }
        assert_eq!(starts, [0, 0, 0, 100_000, 200_000]);
    }

    #[test]
    fn a_refused_caller_takes_nothing() {
        let gcra = Gcra::new(RateLimit::new(10, 1), 1);
        let (_, tat) = granted(gcra.reserve(None, 0, 0));
        assert_eq!(
            gcra.reserve(Some(tat), 0, 99_999),
            Decision::Refused { next_start: 100_000 }
        );
        // The refusal left the bucket as it was: the same slot is still the next one.
        assert_eq!(granted(gcra.reserve(Some(tat), 0, 100_000)), (100_000, 200_000));
    }

    #[test]
    fn a_caller_whose_latest_start_has_passed_is_refused_even_by_an_idle_bucket() {
        let gcra = Gcra::new(RateLimit::new(10, 5), 5);
        assert_eq!(
            gcra.reserve(None, 5_000, 4_999),
            Decision::Refused { next_start: 5_000 }
        );
    }

    #[test]
    fn an_idle_bucket_forgets_its_past() {
        let gcra = Gcra::new(RateLimit::new(10, 2), 2);
        assert_eq!(
            granted(gcra.reserve(Some(10), 1_000_000, u64::MAX)),
            (1_000_000, 1_100_000)
        );
    }

    #[test]
    fn the_interval_rounds_up_so_the_rate_never_exceeds_the_quota() {
        assert_eq!(Gcra::new(RateLimit::new(3, 1), 1).interval_us, 333_334);
    }
}
