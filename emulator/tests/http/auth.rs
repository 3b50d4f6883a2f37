//! Both authentication modes and the session-token endpoints.

use std::time::Duration;

use refold_emulator::Emulator;
use reqwest::Method;
use serde_json::json;

use crate::{Harness, execute_path, send};

#[tokio::test]
async fn missing_or_wrong_api_key_is_401_invalid_credentials() {
    let h = Harness::new().await;
    let path = h.url(&execute_path("hubspot", "search_contacts"));
    let none = send(
        h.http
            .post(&path)
            .header("linked_account_id", "ada@example.com")
            .json(&json!({})),
    )
    .await;
    let body = none.assert_error(401, "SERVER_ERROR", "Invalid Credentials");
    assert_eq!(body["http_error_type"], "UNAUTHORIZED");
    let wrong = send(
        h.http
            .post(&path)
            .header("x-api-key", "tk_wrong")
            .header("linked_account_id", "ada@example.com")
            .json(&json!({})),
    )
    .await;
    wrong.assert_error(401, "SERVER_ERROR", "Invalid Credentials");
    assert_eq!(h.emulator.executed_count("hubspot", "search_contacts"), 0);
}

#[tokio::test]
async fn api_key_without_linked_account_is_400_naming_the_header() {
    let h = Harness::new().await;
    let reply = send(
        h.http
            .post(h.url(&execute_path("hubspot", "search_contacts")))
            .header("x-api-key", h.emulator.api_key())
            .json(&json!({})),
    )
    .await;
    reply.assert_error(400, "VALIDATION_ERROR", "linked_account_id");
}

#[tokio::test]
async fn both_modes_at_once_is_400() {
    let h = Harness::new().await;
    let token = h.mint(h.emulator.linked_account_id(), "").await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = send(
        h.execute_request("hubspot", "search_contacts", &json!({}))
            .bearer_auth(&token),
    )
    .await;
    reply.assert_error(400, "VALIDATION_ERROR", "not both");
}

#[tokio::test]
async fn session_token_authenticates_as_its_linked_account() {
    let h = Harness::new().await;
    h.emulator.add_linked_account("grace+test@example.com");
    let minted = h.mint("grace+test@example.com", "").await;
    assert_eq!(minted.status, 200);
    let minted = minted.json();
    let token = minted["token"].as_str().unwrap();
    assert_eq!(minted["expires_in"], 24 * 3600);
    assert!(minted["refresh_token"].is_string());
    assert!(minted["refresh_expires_in"].as_u64().unwrap() > 0);

    let reply = send(
        h.http
            .post(h.url(&execute_path("hubspot", "create_contact")))
            .bearer_auth(token)
            .json(&json!({ "email": "grace@example.com" })),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["http_status"], 201);
    let runs = h.emulator.executions();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].linked_account_id, "grace+test@example.com");
    assert_eq!(runs[0].params, json!({ "email": "grace@example.com" }));

    let list = send(
        h.http
            .get(h.url("/api/v2/integration-schema/hubspot/actions"))
            .bearer_auth(token),
    )
    .await;
    assert_eq!(list.status, 200);
}

#[tokio::test]
async fn unknown_token_is_401_invalid_session_token() {
    let h = Harness::new().await;
    let reply = send(
        h.http
            .post(h.url(&execute_path("hubspot", "search_contacts")))
            .bearer_auth("st_forged")
            .json(&json!({})),
    )
    .await;
    reply.assert_error(401, "SERVER_ERROR", "Invalid session token");
}

#[tokio::test]
async fn minting_reuses_a_valid_token_unless_forced() {
    let h = Harness::new().await;
    let account = h.emulator.linked_account_id().to_owned();
    let first = h.mint(&account, "").await.json()["token"].clone();
    assert_eq!(h.mint(&account, "?force_refresh=false").await.json()["token"], first);
    let forced = h.mint(&account, "?force_refresh=true").await.json()["token"].clone();
    assert_ne!(forced, first);
    h.mint(&account, "?force_refresh=maybe")
        .await
        .assert_error(400, "VALIDATION_ERROR", "force_refresh");
    let recorded = h.emulator.requests();
    assert_eq!(recorded[2].query.as_deref(), Some("force_refresh=true"));
    assert_eq!(
        recorded[2].body_json().unwrap(),
        json!({ "linked_account_id": account })
    );
}

#[tokio::test]
async fn minting_for_an_unknown_account_is_500_with_error_type() {
    let h = Harness::new().await;
    let reply = h.mint("stranger@example.com", "").await;
    let body = reply.assert_error(500, "SERVER_ERROR", "stranger@example.com");
    assert_eq!(body["error_type"], "INTERNAL_SERVER_ERROR");
    assert!(body.get("http_error_type").is_none());

    // An account that has executed something is known.
    h.execute_as("stranger@example.com", "hubspot", "search_contacts", json!({}))
        .await;
    assert_eq!(h.mint("stranger@example.com", "").await.status, 200);
}

#[tokio::test]
async fn minting_requires_the_api_key_and_a_linked_account_id() {
    let h = Harness::new().await;
    let token = h.mint(h.emulator.linked_account_id(), "").await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let with_bearer = send(
        h.http
            .post(h.url("/api/v2/public/session-token"))
            .bearer_auth(&token)
            .json(&json!({ "linked_account_id": "ada@example.com" })),
    )
    .await;
    with_bearer.assert_error(401, "SERVER_ERROR", "Invalid Credentials");
    let no_account = send(
        h.http
            .post(h.url("/api/v2/public/session-token"))
            .header("x-api-key", h.emulator.api_key())
            .json(&json!({})),
    )
    .await;
    no_account.assert_error(400, "VALIDATION_ERROR", "linked_account_id");
}

#[tokio::test]
async fn revoked_token_is_rejected() {
    let h = Harness::new().await;
    let token = h.mint(h.emulator.linked_account_id(), "").await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoke = send(
        h.http
            .post(h.url("/api/v2/public/session-token/revoke"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(revoke.status, 200);
    assert_eq!(revoke.json(), json!({ "success": true, "revoked_count": 1 }));
    let again = send(
        h.http
            .post(h.url("/api/v2/public/session-token/revoke"))
            .bearer_auth(&token),
    )
    .await;
    again.assert_error(401, "SERVER_ERROR", "Invalid session token");
    let keyed = send(h.keyed(Method::POST, "/api/v2/public/session-token/revoke")).await;
    keyed.assert_error(401, "SERVER_ERROR", "Invalid Credentials");
}

#[tokio::test]
async fn expired_tokens_are_401_invalid_session_token() {
    let h = Harness::new().await;
    let token = h.mint(h.emulator.linked_account_id(), "").await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let search = || {
        h.http
            .post(h.url(&execute_path("hubspot", "search_contacts")))
            .bearer_auth(&token)
            .json(&json!({}))
    };
    assert_eq!(send(search()).await.status, 200);
    h.emulator.expire_session_tokens();
    send(search())
        .await
        .assert_error(401, "SERVER_ERROR", "Invalid session token");
    // A fresh mint gives a new, working token.
    let fresh = h.mint(h.emulator.linked_account_id(), "").await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(fresh, token);
}

#[tokio::test]
async fn tokens_expire_after_the_configured_ttl() {
    let h = Harness::with(
        Emulator::builder()
            .session_token_ttl(Duration::from_millis(300))
            .start()
            .await
            .unwrap(),
    );
    let token = h.mint(h.emulator.linked_account_id(), "").await.json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = || {
        h.http
            .get(h.url("/api/v2/integration-schema/hubspot/actions"))
            .bearer_auth(&token)
    };
    assert_eq!(send(list()).await.status, 200);
    tokio::time::sleep(Duration::from_millis(400)).await;
    send(list())
        .await
        .assert_error(401, "SERVER_ERROR", "Invalid session token");
}
