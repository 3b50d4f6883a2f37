//! Redis's clock, as seen from this process: how to turn a local deadline into a time on
//! Redis's clock, so the script can refuse a slot the caller cannot use and a command that runs
//! after its caller gave up.
//!
//! Every reply of the script carries Redis's `TIME`. A reply that reaches us at local time `r`
//! was computed no later than `r`, so `redis_now - r` is a lower bound of the offset between
//! the two clocks (late by at most the reply's trip back). Deadlines sent with that offset are
//! never later, on Redis's clock, than the caller's real deadline: the script may refuse a slot
//! a little early, never grant one too late.
//!
//! The clock assumption, then, is only that Redis's clock and this process's monotonic clock run
//! at the same rate over the seconds between two replies; the replicas' wall clocks and Redis's
//! need not agree. A step of Redis's clock (a manual change; NTP slews rather than steps small
//! errors) misjudges at most the exchanges in flight, and the next reply learns the new offset.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// No reply seen yet.
const UNKNOWN: i64 = i64::MIN;

pub(crate) struct RedisClock {
    epoch: Instant,
    /// Redis's `TIME` in microseconds minus local microseconds after `epoch`, from the latest
    /// reply; [`UNKNOWN`] before the first.
    offset_us: AtomicI64,
}

impl Default for RedisClock {
    fn default() -> Self {
        RedisClock {
            epoch: Instant::now(),
            offset_us: AtomicI64::new(UNKNOWN),
        }
    }
}

impl RedisClock {
    /// `at` on Redis's clock, in microseconds since the Unix epoch (0 while unknown: the
    /// script then skips that check).
    pub(crate) fn to_redis(&self, at: Instant) -> i64 {
        match self.offset_us.load(Ordering::Relaxed) {
            UNKNOWN => 0,
            offset => offset.saturating_add(self.local_us(at)),
        }
    }

    /// Learns the offset from a reply computed at `redis_now_us` and received at `received`.
    pub(crate) fn observe(&self, redis_now_us: i64, received: Instant) {
        self.offset_us
            .store(redis_now_us.saturating_sub(self.local_us(received)), Ordering::Relaxed);
    }

    fn local_us(&self, at: Instant) -> i64 {
        i64::try_from(at.saturating_duration_since(self.epoch).as_micros()).unwrap_or(i64::MAX)
    }
}

/// A wait Redis computed, as a local instant: counted from when the reply arrived, so never
/// earlier than Redis meant.
pub(crate) fn local_start(received: Instant, wait_us: i64) -> Instant {
    received + Duration::from_micros(u64::try_from(wait_us).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_map_through_the_latest_offset() {
        let clock = RedisClock::default();
        let now = clock.epoch + Duration::from_secs(1);
        assert_eq!(clock.to_redis(now), 0, "unknown before the first reply");
        clock.observe(1_700_000_000_000_000, now);
        assert_eq!(clock.to_redis(now + Duration::from_millis(250)), 1_700_000_000_250_000);
    }
}
