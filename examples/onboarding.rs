//! Onboarding a new customer: create its linked account, send it a Connect URL, check that the
//! app is connected, run an action, and ask the customer to reconnect when the connection
//! expires.
//!
//! Runs against the local emulator with no setup; the emulator plays the customer clicking
//! "Connect" on the hosted page:
//!
//! ```text
//! cargo run --example onboarding
//! ```

use refold::reqwest::{self, redirect};
use refold::{Client, ConnectOptions, ConnectUrl, NewLinkedAccount};
use refold_emulator::Emulator;
use serde_json::json;

const CUSTOMER: &str = "ops@acme.example";
const APP: &str = "hubspot";

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start().await?;
    let client = Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .build()?;

    // 1. The customer signs up: create its linked account. It starts with no app connected.
    let account = client
        .linked_accounts()
        .create(NewLinkedAccount::new(CUSTOMER).name("Acme Corp"))
        .await?;
    println!("1. created linked account {}", account.account_id);

    // 2. A hosted Connect URL for the customer (the SDK mints its session token).
    let options = ConnectOptions::default().redirect_url("https://app.example.com/integrations/done");
    let url = client.connect_url(CUSTOMER, options).await?;
    println!("2. send the customer to {url}");

    // 3. The customer opens the page and clicks "Connect HubSpot".
    customer_clicks_connect(&url, APP).await?;
    println!("3. the customer connected {APP}");

    // 4. Check the connection before running actions.
    let acme = client.for_linked_account(CUSTOMER);
    let hubspot = acme.apps().get(APP).await?;
    println!(
        "4. {}: connected {}, reauth required {}",
        hubspot.name, hubspot.connected, hubspot.reauth_required
    );
    assert!(hubspot.connected && !hubspot.reauth_required);

    // 5. Run an action for the customer.
    let contact = json!({ "email": "ada@acme.example", "firstname": "Ada" });
    let created = acme.execute_raw(APP, "create_contact", &contact).await?;
    println!("5. created contact {}", created.data["id"]);

    // 6. Later, the customer's HubSpot token expires: the app says so, and actions fail.
    emulator.expire_connection(CUSTOMER, APP);
    let hubspot = acme.apps().get(APP).await?;
    println!("6. reauth required: {}", hubspot.reauth_required);
    assert!(hubspot.reauth_required);
    let search = json!({ "query": "ada" });
    match acme.execute_raw_idempotent(APP, "search_contacts", &search).await {
        Err(error) if error.app_status() == Some(401) => println!("   the action failed: {error}"),
        other => return Err(format!("expected the expired connection to fail, got {other:?}").into()),
    }

    // 7. Send a new Connect URL; once the customer reconnects, actions run again.
    let url = client.connect_url(CUSTOMER, ConnectOptions::default()).await?;
    customer_clicks_connect(&url, APP).await?;
    let hubspot = acme.apps().get(APP).await?;
    assert!(hubspot.connected && !hubspot.reauth_required);
    let found = acme.execute_raw_idempotent(APP, "search_contacts", &search).await?;
    println!(
        "7. reconnected; search found {} contact(s)",
        found.data["results"].as_array().map_or(0, Vec::len)
    );
    Ok(())
}

/// What the customer's browser does on the Connect page: submit the app's form. The page
/// answers with a redirect (to `redirect_url`, or back to itself).
async fn customer_clicks_connect(url: &ConnectUrl, slug: &str) -> Result<(), Box<dyn std::error::Error>> {
    let browser = reqwest::Client::builder().redirect(redirect::Policy::none()).build()?;
    let page = browser
        .get(url.as_str())
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    assert!(page.contains("<form"), "the Connect page has a form per app");
    let action = url.as_str().split('?').next().unwrap_or(url.as_str());
    let reply = browser
        .post(action)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("slug={slug}"))
        .send()
        .await?;
    if !reply.status().is_redirection() {
        return Err(format!("the Connect page answered {}", reply.status()).into());
    }
    Ok(())
}
