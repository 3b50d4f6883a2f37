//! Per-linked-account rate limits.

use refold_emulator::{Emulator, RateLimit};
use serde_json::json;

use crate::Harness;

#[tokio::test]
async fn over_the_limit_is_429_with_retry_after_per_linked_account() {
    let h = Harness::with(
        Emulator::builder()
            .rate_limit(RateLimit {
                per_second: 1,
                burst: 2,
            })
            .start()
            .await
            .unwrap(),
    );
    for _ in 0..2 {
        assert_eq!(h.execute("hubspot", "search_contacts", json!({})).await.status, 200);
    }
    let limited = h.execute("hubspot", "search_contacts", json!({})).await;
    let body = limited.assert_error(429, "RATE_LIMIT_EXCEEDED", "Rate limit");
    assert_eq!(body["http_error_type"], "TOO_MANY_REQUESTS");
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry_after));
    assert_eq!(h.emulator.executed_count("hubspot", "search_contacts"), 2);

    let other = h
        .execute_as("someone-else@example.com", "hubspot", "search_contacts", json!({}))
        .await;
    assert_eq!(other.status, 200, "limits are per linked account");

    h.emulator.set_rate_limit(None);
    assert_eq!(h.execute("hubspot", "search_contacts", json!({})).await.status, 200);
}

#[tokio::test]
async fn rate_limit_can_be_turned_on_at_run_time() {
    let h = Harness::new().await;
    for _ in 0..20 {
        assert_eq!(h.execute("hubspot", "search_contacts", json!({})).await.status, 200);
    }
    h.emulator.set_rate_limit(Some(RateLimit::new(1, 1)));
    assert_eq!(h.execute("hubspot", "search_contacts", json!({})).await.status, 200);
    assert_eq!(h.execute("hubspot", "search_contacts", json!({})).await.status, 429);
}
