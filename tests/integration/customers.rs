//! Customers and their connections, against the emulator over loopback HTTP: linked accounts
//! (list across pages, create, upsert, get, delete, remove an integration), the apps one
//! account sees with their connection status, Connect and OAuth URLs and the page they lead to,
//! key-based credentials, auth structures, the session's own account, and what an action does
//! when its app is not connected or its connection expired. Also that a create is never resent
//! after a dropped connection while a read is, and that an unknown account is `is_not_found()`.

use futures_util::{StreamExt, TryStreamExt};
use refold::reqwest::{self, StatusCode, redirect};
use refold::{Client, ConnectOptions, Error, NewLinkedAccount};
use refold_emulator::{Emulator, Fault};
use serde_json::json;

use crate::support::{Canned, Stub, builder_for, client_for, token_client};

const ACCOUNTS_PATH: &str = "/api/v2/public/linked-account";

/// A plain HTTP client that shows redirects instead of following them, as a test of the page
/// needs to see where the form sends the customer.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

fn requests_to(emulator: &Emulator, method: &str, path: &str) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|r| r.method == method && r.path == path)
        .count()
}

/// Creates a linked account through the API: it starts with nothing connected.
async fn create_account(client: &Client, id: &str) {
    client
        .linked_accounts()
        .create(NewLinkedAccount::new(id))
        .await
        .unwrap();
}

/// Submits the Connect page's form for `slug`, as a browser does.
async fn submit_connect_form(page_url: &str, slug: &str) -> reqwest::Response {
    let action = page_url.split('?').next().unwrap();
    browser()
        .post(action)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("slug={slug}"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_account_is_created_read_listed_and_deleted_with_an_email_for_an_id() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    let accounts = client.linked_accounts();
    let id = "ops+eu@acme.example";

    let created = accounts
        .create(NewLinkedAccount::new(id).name("Acme Corp").udf("plan", "enterprise"))
        .await
        .unwrap();
    assert_eq!(created.account_id, id);
    assert_eq!(created.name.as_deref(), Some("Acme Corp"));
    assert_eq!(created.environment.as_deref(), Some("test"));
    assert_eq!(created.udf[0].key_name, "plan");
    assert_eq!(created.udf[0].key_value, "enterprise");

    let read = accounts.get(id).await.unwrap();
    assert_eq!(read.account_id, id);
    assert!(
        read.integrations.is_empty(),
        "created through the API, nothing is connected"
    );

    let all: Vec<_> = accounts.list().try_collect().await.unwrap();
    let ids: Vec<_> = all.iter().map(|a| a.account_id.as_str()).collect();
    assert_eq!(ids, [emulator.linked_account_id(), id]);

    accounts.delete(id).await.unwrap();
    assert!(accounts.get(id).await.unwrap_err().is_not_found());
    let seen = emulator.requests();
    assert!(
        seen.iter()
            .any(|r| r.path == "/api/v2/public/linked-account/ops%2Beu%40acme.example"),
        "the id travels percent-encoded: {seen:#?}"
    );
}

#[tokio::test]
async fn creating_an_existing_account_is_a_conflict_and_upsert_updates_it() {
    let emulator = Emulator::start().await.unwrap();
    let accounts_client = client_for(&emulator);
    let accounts = accounts_client.linked_accounts();
    accounts.create(NewLinkedAccount::new("acme-42")).await.unwrap();
    let again = accounts.create(NewLinkedAccount::new("acme-42")).await.unwrap_err();
    assert_eq!(again.status(), Some(409));
    assert!(!again.is_not_found());

    let upserted = accounts
        .upsert(NewLinkedAccount::new("acme-42").name("Acme Inc"))
        .await
        .unwrap();
    assert_eq!(upserted.name.as_deref(), Some("Acme Inc"));
    let fresh = accounts.upsert(NewLinkedAccount::new("globex")).await.unwrap();
    assert_eq!(fresh.account_id, "globex");
    assert_eq!(accounts.get("globex").await.unwrap().account_id, "globex");
}

#[tokio::test]
async fn the_list_pages_lazily_across_three_pages_following_has_next_page() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    let accounts = client.linked_accounts();
    for n in 0..7 {
        accounts
            .create(NewLinkedAccount::new(format!("customer-{n}")))
            .await
            .unwrap();
    }
    emulator.clear_requests();

    // 8 accounts (the default one included), 3 per page: pages 1, 2 and 3.
    let all: Vec<_> = accounts.list_with_page_size(3).try_collect().await.unwrap();
    assert_eq!(all.len(), 8);
    assert_eq!(all[1].account_id, "customer-0");
    assert_eq!(all[7].account_id, "customer-6");
    let queries: Vec<_> = emulator
        .requests()
        .into_iter()
        .map(|r| r.query.unwrap_or_default())
        .collect();
    assert_eq!(queries, ["page=1&limit=3", "page=2&limit=3", "page=3&limit=3"]);

    // Reading only the first items fetches only the first page.
    emulator.clear_requests();
    let first_two: Vec<_> = accounts.list_with_page_size(3).take(2).collect().await;
    assert_eq!(first_two.len(), 2);
    assert_eq!(requests_to(&emulator, "GET", ACCOUNTS_PATH), 1);

    let page = accounts.page(3, 3).await.unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.total_docs, Some(8));
    assert_eq!(page.total_pages, Some(3));
    assert!(!page.has_next_page);
    assert_eq!(page.next_page(), None);
    assert!(matches!(accounts.page(0, 3).await, Err(Error::InvalidRequest { .. })));
}

#[tokio::test]
async fn a_failed_page_ends_the_stream_with_its_error() {
    let emulator = Emulator::start().await.unwrap();
    let client = Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .build()
        .unwrap();
    emulator.inject_for(ACCOUNTS_PATH, Fault::refold_error(400));
    let items: Vec<_> = client.linked_accounts().list().collect().await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].as_ref().unwrap_err().status(), Some(400));
}

#[tokio::test]
async fn an_unknown_account_is_not_found_everywhere_refold_answers_404() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    let accounts = client.linked_accounts();
    let ghost = client.for_linked_account("ghost");
    let failures = [
        accounts.get("ghost").await.unwrap_err(),
        accounts.delete("ghost").await.unwrap_err(),
        accounts.remove_integration("ghost", "hubspot").await.unwrap_err(),
        ghost.apps().list().await.unwrap_err(),
        ghost.apps().get("hubspot").await.unwrap_err(),
        ghost.oauth_url("hubspot").await.unwrap_err(),
        ghost
            .save_key_credentials("hubspot", &json!({ "api_key": "k" }))
            .await
            .unwrap_err(),
        client.apps().get("zendesk").await.unwrap_err(),
        client.auth_structure("zendesk").await.unwrap_err(),
    ];
    for error in failures {
        assert!(error.is_not_found(), "{error}");
        assert_eq!(error.status(), Some(404));
        assert!(error.to_string().contains("no such linked account or app"), "{error}");
    }
    // A Refold 404 for an unknown action keeps its old meaning.
    let action = client
        .execute_raw("hubspot", "no_such_action", &json!({}))
        .await
        .unwrap_err();
    assert!(!action.is_not_found());
}

#[tokio::test]
async fn a_create_is_not_resent_after_the_connection_drops() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    emulator.inject_for(ACCOUNTS_PATH, Fault::DropAfterExecute);
    let error = client
        .linked_accounts()
        .create(NewLinkedAccount::new("acme-42"))
        .await
        .unwrap_err();
    assert!(error.may_have_executed(), "{error}");
    assert_eq!(requests_to(&emulator, "POST", ACCOUNTS_PATH), 1, "never resent");
    // It did run: the account exists.
    client.linked_accounts().get("acme-42").await.unwrap();
}

#[tokio::test]
async fn a_delete_is_not_resent_but_a_read_is_after_the_connection_drops() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    create_account(&client, "acme-42").await;
    let path = "/api/v2/public/linked-account/acme-42";

    emulator.inject_for(path, Fault::DropAfterExecute);
    let read = client.linked_accounts().get("acme-42").await.unwrap();
    assert_eq!(read.account_id, "acme-42");
    assert_eq!(
        requests_to(&emulator, "GET", path),
        2,
        "a GET is idempotent: retried once"
    );

    emulator.inject_for(path, Fault::DropAfterExecute);
    let error = client.linked_accounts().delete("acme-42").await.unwrap_err();
    assert!(error.may_have_executed());
    assert_eq!(requests_to(&emulator, "DELETE", path), 1);
}

#[tokio::test]
async fn apps_show_connection_status_through_connect_expire_and_disconnect() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    create_account(&client, "acme-42").await;
    let acme = client.for_linked_account("acme-42");

    let apps = acme.apps().list().await.unwrap();
    let slugs: Vec<_> = apps.iter().map(|a| a.slug.as_str()).collect();
    assert_eq!(slugs, ["hubspot", "salesforce"]);
    assert!(
        apps.iter()
            .all(|a| !a.connected && !a.reauth_required && a.connections.is_empty())
    );
    assert_eq!(apps[0].name, "HubSpot");

    // An action of an app the account has not connected fails as an auth failure of the app.
    let refused = acme
        .execute_raw("hubspot", "search_contacts", &json!({ "query": "ada" }))
        .await
        .unwrap_err();
    assert_eq!(refused.app_status(), Some(401), "{refused}");
    assert_eq!(emulator.executed_count("hubspot", "search_contacts"), 0);

    assert!(emulator.connect_app("acme-42", "hubspot"));
    let hubspot = acme.apps().get("hubspot").await.unwrap();
    assert!(hubspot.connected && !hubspot.reauth_required);
    assert_eq!(hubspot.connections.len(), 1);
    let connection = &hubspot.connections[0];
    assert_eq!(connection.identifier.as_deref(), Some("acme-42"));
    assert_eq!(connection.auth_type.as_deref(), Some("oauth2"));
    assert_eq!(connection.status.as_deref(), Some("active"));
    assert!(connection.connected_at.is_some());
    acme.execute_raw("hubspot", "search_contacts", &json!({ "query": "ada" }))
        .await
        .unwrap();

    assert!(emulator.expire_connection("acme-42", "hubspot"));
    let hubspot = acme.apps().get("hubspot").await.unwrap();
    assert!(hubspot.connected && hubspot.reauth_required);
    assert_eq!(hubspot.connections[0].status.as_deref(), Some("expired"));
    let expired = acme
        .execute_raw("hubspot", "search_contacts", &json!({ "query": "ada" }))
        .await
        .unwrap_err();
    assert_eq!(expired.app_status(), Some(401));
    assert!(acme.linked_accounts().get("acme-42").await.unwrap().integrations[0].reauth_required);

    assert!(emulator.disconnect_app("acme-42", "hubspot"));
    assert!(!acme.apps().get("hubspot").await.unwrap().connected);
    assert!(!emulator.disconnect_app("acme-42", "hubspot"));
}

#[tokio::test]
async fn the_default_and_first_seen_accounts_have_every_app_connected() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    assert!(client.apps().list().await.unwrap().iter().all(|a| a.connected));

    let newcomer = client.for_linked_account("first-seen@example.com");
    assert!(
        newcomer
            .linked_accounts()
            .get("first-seen@example.com")
            .await
            .unwrap_err()
            .is_not_found()
    );
    newcomer
        .execute_raw("hubspot", "search_contacts", &json!({ "query": "x" }))
        .await
        .unwrap();
    let seen = newcomer.linked_accounts().get("first-seen@example.com").await.unwrap();
    assert_eq!(seen.integrations.len(), 2);
    assert!(newcomer.apps().list().await.unwrap().iter().all(|a| a.connected));
}

#[tokio::test]
async fn removing_an_integration_disconnects_it_once() {
    let emulator = Emulator::start().await.unwrap();
    emulator.add_linked_account("acme-42");
    let client = client_for(&emulator);
    let accounts = client.linked_accounts();

    let wrong_type = accounts
        .remove_integration_auth_type("acme-42", "hubspot", "keybased")
        .await
        .unwrap_err();
    assert!(wrong_type.is_not_found());
    let after = accounts.remove_integration("acme-42", "hubspot").await.unwrap();
    let left: Vec<_> = after.integrations.iter().map(|i| i.slug.as_str()).collect();
    assert_eq!(left, ["salesforce"]);
    assert!(
        accounts
            .remove_integration("acme-42", "hubspot")
            .await
            .unwrap_err()
            .is_not_found()
    );
    accounts
        .remove_integration_auth_type("acme-42", "salesforce", "oauth2")
        .await
        .unwrap();
    let request = emulator.requests().into_iter().rfind(|r| r.method == "DELETE").unwrap();
    assert_eq!(
        request.query.as_deref(),
        Some("linked_account_id=acme-42&auth_type=oauth2")
    );
    assert!(
        client
            .for_linked_account("acme-42")
            .apps()
            .list()
            .await
            .unwrap()
            .iter()
            .all(|a| !a.connected)
    );
}

#[tokio::test]
async fn a_connect_url_mints_a_token_once_and_its_page_connects_the_app_and_redirects() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    create_account(&client, "acme-42").await;
    emulator.clear_requests();

    let options = ConnectOptions::default()
        .redirect_url("https://app.example.com/connected")
        .button_color("#0a7")
        .config_id("default config");
    let url = client.connect_url("acme-42", options).await.unwrap();
    assert!(
        url.as_str().starts_with(&format!("{}/connect/", emulator.base_url())),
        "{url}"
    );
    assert!(url.as_str().ends_with("?config_id=default%20config"), "{url}");
    let requests = emulator.requests();
    assert_eq!(requests.len(), 2, "one mint, then the Connect URL: {requests:#?}");
    assert_eq!(requests[0].path, "/api/v2/public/session-token");
    let create = &requests[1];
    assert_eq!(
        create.query.as_deref(),
        Some("linked_account_id=acme-42&config_id=default%20config")
    );
    assert!(create.header("authorization").unwrap().starts_with("Bearer "));
    assert_eq!(
        create.header("x-api-key"),
        None,
        "the Connect URL is asked for with the session token"
    );
    let body: serde_json::Value = serde_json::from_slice(&create.body).unwrap();
    assert_eq!(
        body,
        json!({ "redirect_url": "https://app.example.com/connected", "button_color": "#0a7" })
    );

    // A second URL reuses the token.
    client.connect_url("acme-42", ConnectOptions::default()).await.unwrap();
    assert_eq!(requests_to(&emulator, "POST", "/api/v2/public/session-token"), 1);

    let page = browser().get(url.as_str()).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">") && !html.contains("<script"));
    assert!(html.contains("Connect HubSpot") && html.contains("Connect Salesforce"));
    assert!(html.contains("Not connected"));

    let submitted = submit_connect_form(url.as_str(), "hubspot").await;
    assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
    assert_eq!(submitted.headers()["location"], "https://app.example.com/connected");
    let acme = client.for_linked_account("acme-42");
    assert!(acme.apps().get("hubspot").await.unwrap().connected);
    assert!(!acme.apps().get("salesforce").await.unwrap().connected);
    acme.execute_raw("hubspot", "search_contacts", &json!({ "query": "ada" }))
        .await
        .unwrap();

    let again = browser().get(url.as_str()).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("Reconnect HubSpot"), "{again}");
}

#[tokio::test]
async fn a_page_without_redirect_url_returns_to_itself_and_unknown_pages_are_404() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    create_account(&client, "acme-42").await;
    let url = client.connect_url("acme-42", ConnectOptions::default()).await.unwrap();
    let submitted = submit_connect_form(url.as_str(), "salesforce").await;
    assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
    let location = submitted.headers()["location"].to_str().unwrap().to_owned();
    assert!(url.as_str().ends_with(&location), "{location}");
    let bad_slug = submit_connect_form(url.as_str(), "zendesk").await;
    assert_eq!(bad_slug.status(), StatusCode::BAD_REQUEST);
    let unknown = browser()
        .get(format!("{}/connect/cs_unknown", emulator.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_connect_url_for_an_unknown_account_fails_to_mint_and_a_token_client_uses_its_own() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    let error = client
        .connect_url("ghost", ConnectOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::SessionMint { .. }), "{error}");

    let token = client.mint_session_token(emulator.linked_account_id()).await.unwrap();
    let session = token_client(&emulator, token.expose_token());
    emulator.clear_requests();
    let url = session
        .connect_url(
            emulator.linked_account_id(),
            ConnectOptions::default().property("theme", "dark"),
        )
        .await
        .unwrap();
    assert_eq!(emulator.requests().len(), 1, "no mint for a session-token client");
    assert!(url.to_string().contains("/connect/"));

    let me = session.active_linked_account().await.unwrap();
    assert_eq!(me.account_id, emulator.linked_account_id());
    let api_key_view = client.active_linked_account().await.unwrap();
    assert_eq!(api_key_view.account_id, emulator.linked_account_id());
}

#[tokio::test]
async fn an_oauth_url_offers_only_its_app() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    create_account(&client, "acme-42").await;
    let acme = client.for_linked_account("acme-42");
    let url = acme.oauth_url("salesforce").await.unwrap();
    let html = browser().get(url.as_str()).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("Connect Salesforce") && !html.contains("HubSpot"),
        "{html}"
    );
    assert_eq!(
        submit_connect_form(url.as_str(), "hubspot").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        submit_connect_form(url.as_str(), "salesforce").await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(acme.apps().get("salesforce").await.unwrap().connected);
}

#[tokio::test]
async fn key_credentials_connect_the_app_and_the_auth_structure_names_them() {
    let emulator = Emulator::start().await.unwrap();
    let client = client_for(&emulator);
    create_account(&client, "acme-42").await;

    let structure = client.auth_structure("hubspot").await.unwrap();
    let keybased = &structure.auth_types["keybased"];
    assert!(keybased["api_key"].required);
    assert_eq!(keybased["api_key"].field_type, "string");
    assert!(!keybased["domain"].required);
    assert!(structure.auth_types.contains_key("oauth2"));
    let asked = emulator.requests().pop().unwrap();
    assert_eq!(
        asked.header("x-api-key"),
        None,
        "the auth structure is asked for without credentials"
    );

    let acme = client.for_linked_account("acme-42");
    let missing = acme
        .save_key_credentials("hubspot", &json!({ "domain": "acme" }))
        .await
        .unwrap_err();
    assert_eq!(missing.status(), Some(400));
    let wrong_type = acme
        .save_key_credentials_as("hubspot", "oauth2", &json!({ "api_key": "k" }))
        .await
        .unwrap_err();
    assert_eq!(wrong_type.status(), Some(400));
    let saved = acme
        .save_key_credentials("hubspot", &json!({ "api_key": "pat-secret" }))
        .await
        .unwrap();
    assert_eq!(saved["success"], true);
    let hubspot = acme.apps().get("hubspot").await.unwrap();
    assert!(hubspot.connected);
    assert_eq!(hubspot.connections[0].auth_type.as_deref(), Some("keybased"));
}

#[tokio::test]
async fn session_token_clients_cannot_use_the_org_key_endpoints() {
    let emulator = Emulator::start().await.unwrap();
    let token = client_for(&emulator)
        .mint_session_token(emulator.linked_account_id())
        .await
        .unwrap();
    let session = token_client(&emulator, token.expose_token());
    emulator.clear_requests();
    let error = session.apps().list().await.unwrap_err();
    assert!(matches!(error, Error::Config { .. }), "{error}");
    assert!(matches!(
        session.linked_accounts().get("x").await,
        Err(Error::Config { .. })
    ));
    assert!(emulator.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn models_are_decoded_tolerantly() {
    let stub = Stub::start(Canned::json(
        200,
        r#"{"account_id":"acme-42","someNewField":{"x":1},"integrations":[{"type":"hubspot","extra":true}]}"#,
    ))
    .await;
    let account = stub.client().linked_accounts().get("acme-42").await.unwrap();
    assert_eq!(account.account_id, "acme-42");
    assert_eq!(account.name, None);
    assert_eq!(account.integrations[0].slug, "hubspot");
    assert!(!account.integrations[0].reauth_required);

    let stub = Stub::start(Canned::json(
        200,
        r#"{"slug":"hubspot","connected":true,"connected_accounts":[{"identifier":12345,"status":"active","defaultCredentials":{}}],"webhook_url":"https://x"}"#,
    ))
    .await;
    let app = stub.client().apps().get("hubspot").await.unwrap();
    assert!(app.connected && !app.reauth_required);
    assert_eq!(app.connections[0].identifier.as_deref(), Some("12345"));
    assert_eq!(app.auth_type, None);

    let stub = Stub::start(Canned::json(
        200,
        r#"{"docs":[{"account_id":"a"}],"hasNextPage":false}"#,
    ))
    .await;
    let page = stub.client().linked_accounts().page(1, 10).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.total_docs, None);
}

#[tokio::test]
async fn a_page_that_keeps_claiming_more_does_not_loop() {
    // Every page says page 1 with a next page: the stream stops instead of asking forever.
    let stub = Stub::start(Canned::json(
        200,
        r#"{"docs":[{"account_id":"a"}],"page":1,"hasNextPage":true,"nextPage":1}"#,
    ))
    .await;
    let all: Vec<_> = stub.client().linked_accounts().list().try_collect().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(stub.requests().len(), 1);
}

#[tokio::test]
async fn credentials_never_show_in_debug_output() {
    let emulator = Emulator::start().await.unwrap();
    let client = builder_for(&emulator).build().unwrap();
    let account = NewLinkedAccount::new("acme-42").your_app_credentials([("api_key", "sk_live_hidden")]);
    assert!(!format!("{account:?}").contains("sk_live_hidden"));
    client.linked_accounts().create(account).await.unwrap();
    let sent = emulator.requests().pop().unwrap();
    let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body["your_app"]["auth_credentials"]["api_key"], "sk_live_hidden");
}
