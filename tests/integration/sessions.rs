//! Managed session tokens: a client built with an API key and `managed_session_tokens(true)`
//! mints one token per linked account on first use, sends calls with it instead of the key,
//! reuses it until shortly before it expires, refreshes it with a single request however many
//! calls wait for it, re-mints once after a 401 for a token it manages, and can revoke it.

use std::collections::HashSet;
use std::time::Duration;

use crate::support::{CreateContact, SearchContacts, execute_attempts, fast_policy};
use refold::{Client, ErrorKind};
use refold_emulator::{Emulator, Fault, FaultBody, RecordedRequest};
use serde_json::json;

const MINT_PATH: &str = "/api/v2/public/session-token";
const REVOKE_PATH: &str = "/api/v2/public/session-token/revoke";

fn managed_client(emulator: &Emulator, linked_account_id: &str) -> Client {
    Client::builder()
        .api_key(emulator.api_key())
        .linked_account_id(linked_account_id)
        .managed_session_tokens(true)
        .base_url(emulator.base_url())
        .retry_policy(fast_policy())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn mints(emulator: &Emulator) -> Vec<RecordedRequest> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r.path == MINT_PATH)
        .collect()
}

fn executes(emulator: &Emulator) -> Vec<RecordedRequest> {
    emulator
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/execute"))
        .collect()
}

/// The distinct `Authorization` values of the execute requests.
fn bearers(emulator: &Emulator) -> HashSet<String> {
    executes(emulator)
        .iter()
        .map(|r| {
            r.header("authorization")
                .expect("a managed call carries a bearer token")
                .to_owned()
        })
        .collect()
}

fn search() -> SearchContacts {
    SearchContacts { query: "ada".into() }
}

#[tokio::test]
async fn managed_client_mints_on_first_use_and_reuses_the_token() {
    let emulator = Emulator::start().await.unwrap();
    let client = managed_client(&emulator, emulator.linked_account_id());
    assert!(mints(&emulator).is_empty(), "nothing is minted before the first call");

    for n in 0..5 {
        client
            .execute(&CreateContact::new(format!("user{n}@example.com")))
            .await
            .unwrap();
    }
    let minted = mints(&emulator);
    assert_eq!(minted.len(), 1, "one mint for five calls");
    assert_eq!(minted[0].header("x-api-key"), Some(emulator.api_key()));
    assert_eq!(
        minted[0].body_json().unwrap()["linked_account_id"],
        emulator.linked_account_id()
    );

    let calls = executes(&emulator);
    assert_eq!(calls.len(), 5);
    for call in &calls {
        let bearer = call.header("authorization").unwrap();
        assert!(
            bearer.starts_with("Bearer ") && bearer.len() > "Bearer ".len(),
            "{bearer}"
        );
        assert!(!bearer.contains(emulator.api_key()));
        assert_eq!(call.header("x-api-key"), None, "the key is only sent to mint");
        assert_eq!(call.header("linked_account_id"), None, "the token names the account");
    }
    assert_eq!(bearers(&emulator).len(), 1, "every call reuses the same token");
    // The calls ran for the right account.
    assert!(
        emulator
            .executions()
            .iter()
            .all(|e| e.linked_account_id == emulator.linked_account_id())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_concurrent_first_calls_share_one_mint() {
    let emulator = Emulator::start().await.unwrap();
    let client = managed_client(&emulator, emulator.linked_account_id());
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.execute(&search()).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().expect("every call succeeds");
    }
    assert_eq!(mints(&emulator).len(), 1, "single-flight refresh");
    assert_eq!(execute_attempts(&emulator), 100);
    assert_eq!(bearers(&emulator).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_linked_account_gets_its_own_token() {
    let emulator = Emulator::start().await.unwrap();
    let accounts = ["a@example.com", "b@example.com", "c@example.com"];
    for account in accounts {
        emulator.add_linked_account(account);
    }
    let client = managed_client(&emulator, accounts[0]);
    let calls: Vec<_> = (0..60)
        .map(|n| {
            let handle = client.for_linked_account(accounts[n % accounts.len()]);
            tokio::spawn(async move { handle.execute(&search()).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().expect("every call succeeds");
    }
    let minted: HashSet<String> = mints(&emulator)
        .iter()
        .map(|r| r.body_json().unwrap()["linked_account_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(mints(&emulator).len(), 3, "one mint per account");
    assert_eq!(minted, accounts.iter().map(|a| a.to_string()).collect());
    assert_eq!(bearers(&emulator).len(), 3);
    for account in accounts {
        let ran = emulator
            .executions()
            .iter()
            .filter(|e| e.linked_account_id == account)
            .count();
        assert_eq!(ran, 20, "calls for {account} ran as {account}");
    }
}

#[tokio::test]
async fn expired_token_is_reminted_once_and_the_write_runs_exactly_once() {
    let emulator = Emulator::start().await.unwrap();
    let client = managed_client(&emulator, emulator.linked_account_id());
    client.execute(&CreateContact::new("first@example.com")).await.unwrap();
    let first_token = bearers(&emulator);

    emulator.expire_session_tokens();
    let reply = client.execute(&CreateContact::new("second@example.com")).await.unwrap();
    assert_eq!(reply.data["properties"]["email"], "second@example.com");

    let minted = mints(&emulator);
    assert_eq!(minted.len(), 2, "one re-mint after the 401");
    assert_eq!(
        minted[1].query.as_deref(),
        Some("force_refresh=true"),
        "the re-mint asks for a new token"
    );
    assert_eq!(executes(&emulator).len(), 3, "first call, refused call, repeated call");
    let second: Vec<_> = emulator
        .executions()
        .into_iter()
        .filter(|e| e.params["email"] == "second@example.com")
        .collect();
    assert_eq!(second.len(), 1, "the refused attempt did not run; the repeat ran once");
    assert_eq!(bearers(&emulator).len(), 2);
    assert!(bearers(&emulator).is_superset(&first_token));
}

#[tokio::test]
async fn a_fresh_token_refused_again_fails_clearly_after_one_remint() {
    let emulator = Emulator::start().await.unwrap();
    let client = managed_client(&emulator, emulator.linked_account_id());
    let refused = || Fault::Status {
        status: 401,
        body: FaultBody::Json(json!({
            "status_code": 401,
            "http_error_type": "UNAUTHORIZED",
            "error_code": "SERVER_ERROR",
            "message": "Invalid session token",
            "request_id": null,
        })),
        retry_after: None,
    };
    for _ in 0..5 {
        emulator.inject_for("/execute", refused());
    }
    let error = client
        .execute(&CreateContact::new("ada@example.com"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Refold);
    assert_eq!(error.status(), Some(401));
    assert!(!error.may_have_executed());
    assert!(!error.is_retryable());
    assert!(error.to_string().contains("401"), "{error}");
    assert_eq!(mints(&emulator).len(), 2, "the first mint and exactly one re-mint");
    assert_eq!(executes(&emulator).len(), 2, "tried with each token once, then gave up");
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 0);
}

#[tokio::test]
async fn token_is_refreshed_before_it_expires_without_a_401() {
    let emulator = Emulator::builder()
        .session_token_ttl(Duration::from_secs(2))
        .start()
        .await
        .unwrap();
    let client = managed_client(&emulator, emulator.linked_account_id());
    client.execute(&search()).await.unwrap();
    client.execute(&search()).await.unwrap();
    assert_eq!(mints(&emulator).len(), 1, "reused while fresh");

    // Past the token's life: the client must notice from the expiry it was given, not from a 401.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    client.execute(&search()).await.unwrap();
    assert_eq!(mints(&emulator).len(), 2);
    assert_eq!(executes(&emulator).len(), 3, "no call was refused");
    assert_eq!(bearers(&emulator).len(), 2);
}

#[tokio::test]
async fn revoke_revokes_the_managed_token_and_the_next_call_mints_again() {
    let emulator = Emulator::start().await.unwrap();
    let client = managed_client(&emulator, emulator.linked_account_id());
    assert!(
        client.revoke_managed_session_token().await.unwrap().is_none(),
        "nothing to revoke before the first call"
    );

    client.execute(&search()).await.unwrap();
    let token = bearers(&emulator).into_iter().next().unwrap();
    let outcome = client
        .revoke_managed_session_token()
        .await
        .unwrap()
        .expect("a token was cached");
    assert!(outcome.success);
    let revokes: Vec<_> = emulator
        .requests()
        .into_iter()
        .filter(|r| r.path == REVOKE_PATH)
        .collect();
    assert_eq!(revokes.len(), 1);
    assert_eq!(revokes[0].header("authorization"), Some(token.as_str()));

    client.execute(&search()).await.unwrap();
    assert_eq!(mints(&emulator).len(), 2, "a new token after the revoke");
    assert_eq!(
        executes(&emulator).len(),
        2,
        "the next call did not use the revoked token"
    );
    assert_ne!(executes(&emulator)[1].header("authorization"), Some(token.as_str()));
}

#[tokio::test]
async fn managed_mode_needs_an_api_key_and_revoke_needs_managed_mode() {
    let error = Client::builder()
        .session_token("st_given")
        .managed_session_tokens(true)
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);

    let plain = Client::builder()
        .api_key("tk_plain")
        .linked_account_id("ada@example.com")
        .build()
        .unwrap();
    let error = plain.revoke_managed_session_token().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
}

#[tokio::test]
async fn mint_failure_is_reported_and_nothing_is_executed() {
    let emulator = Emulator::start().await.unwrap();
    // An account the emulator cannot mint for: Refold answers 500.
    let client = managed_client(&emulator, "stranger@example.com");
    let error = client
        .execute(&CreateContact::new("ada@example.com"))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(500), "{error}");
    assert_eq!(executes(&emulator).len(), 0);
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 0);
}

#[tokio::test]
async fn a_failed_mint_says_the_call_was_never_sent() {
    let emulator = Emulator::start().await.unwrap();
    let client = Client::builder()
        .api_key(emulator.api_key())
        .linked_account_id(emulator.linked_account_id())
        .managed_session_tokens(true)
        .base_url(emulator.base_url())
        .retry_policy(refold::RetryPolicy::none())
        .build()
        .unwrap();
    emulator.inject_for(MINT_PATH, Fault::refold_error(503));

    let error = client
        .execute(&CreateContact::new("never-sent@example.com".to_owned()))
        .await
        .unwrap_err();

    assert!(matches!(error, refold::Error::SessionMint { .. }), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::Refold, "the kind is the mint's own");
    assert_eq!(error.status(), Some(503));
    assert!(
        !error.may_have_executed(),
        "a 503 from the mint cannot have run the write"
    );
    assert!(error.is_retryable(), "nothing was sent, so trying again is safe");
    assert!(error.to_string().contains("the call was not sent"), "{error}");
    assert!(executes(&emulator).is_empty());
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 0);
}

/// A timeout after a re-mint reports how long the call ran, from its start: the refused
/// request and the mint are part of it.
#[tokio::test]
async fn a_timeout_after_a_remint_reports_the_whole_calls_time() {
    let emulator = Emulator::start().await.unwrap();
    let client = managed_client(&emulator, emulator.linked_account_id());
    client.execute(&CreateContact::new("first@example.com")).await.unwrap();
    emulator.expire_session_tokens();
    // The request with the expired token is answered 401 after 600 ms; the one sent with the
    // fresh token does not finish before the call's deadline.
    emulator.inject_for("/execute", Fault::Delay(Duration::from_millis(600)));
    emulator.inject_for("/execute", Fault::Delay(Duration::from_secs(10)));

    let timeout = Duration::from_millis(1500);
    let error = client
        .execute(&CreateContact::new("second@example.com"))
        .timeout(timeout)
        .await
        .unwrap_err();
    let refold::Error::Timeout(timed_out) = &error else {
        panic!("expected a timeout, got {error:?}");
    };
    assert_eq!(
        mints(&emulator).len(),
        2,
        "the first mint and the re-mint after the 401"
    );
    assert!(
        timed_out.elapsed() >= timeout,
        "the call ran for its whole timeout of {timeout:?}, but the error says {:?}",
        timed_out.elapsed()
    );
    assert!(timed_out.may_have_sent());
}
