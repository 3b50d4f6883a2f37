//! Receives Refold's webhooks in an axum server: registers a webhook, verifies each delivery
//! with `refold::webhooks::axum::Verified`, and reacts to the typed event.
//!
//! It runs against the local emulator, which plays both Refold and the customer: after the
//! webhook is registered, a new customer connects HubSpot (in production they would do so on
//! the hosted Connect page), and the emulator delivers "Connection Created" to this server.
//!
//! ```text
//! cargo run --example webhooks --features axum
//! ```
//!
//! In production, serve the same router on a public HTTPS URL, register that URL once (or with
//! `refold webhooks register URL`), and give the printed secret to the server, say in
//! `REFOLD_WEBHOOK_SECRET`.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use refold::webhooks::axum::Verified;
use refold::webhooks::{Event, EventKind, Registration, Verifier};
use refold::{Client, NewLinkedAccount};
use refold_emulator::Emulator;
use tokio::sync::mpsc;

#[derive(Clone)]
struct AppState {
    verifier: Verifier,
    events: mpsc::UnboundedSender<Event>,
}

impl axum::extract::FromRef<AppState> for Verifier {
    fn from_ref(state: &AppState) -> Verifier {
        state.verifier.clone()
    }
}

/// The handler runs only for verified deliveries: `Verified` answers 401 (wrong or missing
/// secret, bad signature), 413 or 400 (not JSON) by itself. Answer 2xx quickly and do slow work
/// elsewhere: Refold retries anything else, so a receiver may see an event more than once.
async fn receive(State(state): State<AppState>, Verified(event): Verified) -> StatusCode {
    match &event {
        Event::ConnectionCreated(e) => println!("{} connected {}", e.linked_account_id, e.slug),
        Event::ConnectionExpired(e) => println!("ask {} to reconnect {}", e.linked_account_id, e.slug),
        Event::ConnectionDeleted(e) => println!("{} disconnected {}", e.linked_account_id, e.slug),
        other => println!("{} (not handled here)", other.name()),
    }
    let _ = state.events.send(event);
    StatusCode::NO_CONTENT
}

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

    // The receiver's address first: registering needs its URL.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/refold", listener.local_addr()?);
    let registered = client
        .webhooks()
        .register(Registration::new(
            &url,
            [EventKind::ConnectionCreated, EventKind::ConnectionExpired],
        ))
        .await?;
    println!("Registered webhook {} for {url}", registered.webhook.id);

    // The secret is returned once, at registration; the signature is checked too (the emulator
    // signs as Refold's preview docs describe).
    let verifier = Verifier::new(registered.secret).with_signature_key(emulator.api_key());
    let (events, mut received) = mpsc::unbounded_channel();
    let app = Router::new()
        .route("/refold", post(receive))
        .with_state(AppState { verifier, events });
    tokio::spawn(async move { axum::serve(listener, app).await });

    // A new customer, created with nothing connected, connects HubSpot: on Refold they would
    // do it on the hosted Connect page (`client.connect_url`); the emulator's test handle stands
    // in for them.
    client
        .linked_accounts()
        .create(NewLinkedAccount::new("acme-42"))
        .await?;
    emulator.connect_app("acme-42", "hubspot");

    let event = tokio::time::timeout(Duration::from_secs(10), received.recv())
        .await
        .map_err(|_| "no webhook arrived within 10 seconds")?
        .ok_or("the receiver stopped")?;
    match event {
        Event::ConnectionCreated(e) if e.linked_account_id == "acme-42" && e.slug == "hubspot" => {
            println!("Received and verified: Connection Created for acme-42");
            Ok(())
        }
        other => Err(format!("unexpected event: {other:?}").into()),
    }
}
