//! `refold webhooks list|register|delete|listen`: the org's webhooks, and a local receiver that
//! verifies and prints each delivery, for development against the emulator.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use clap::{Args, Subcommand};
use refold::webhooks::{Event, EventKind, Registration, Verifier, Webhook};
use refold::{Client, ClientBuilder, env};

use crate::error::CliError;
use crate::exit::Exit;
use crate::table::Table;

/// The footer of `refold webhooks --help`.
pub const EXAMPLES: &str = "Examples:
  refold webhooks register https://example.com/refold     # prints the new secret, once
  refold webhooks list --json
  refold webhooks delete 6650f1c2a1b2c3d4e5f60718
  REFOLD_WEBHOOK_SECRET=dev-secret refold webhooks listen --port 4011
  REFOLD_WEBHOOK_SECRET=dev-secret refold emulator --webhook http://127.0.0.1:4011/refold";

/// The variable `listen` reads the secret from when `--secret` is not given.
const SECRET_VARIABLE: &str = "REFOLD_WEBHOOK_SECRET";

/// `refold webhooks`.
#[derive(Debug, Args)]
#[command(
    about = "List, register and delete webhooks; receive and verify deliveries locally",
    after_help = EXAMPLES
)]
pub struct WebhooksArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: WebhooksCommand,
}

/// The subcommands of `refold webhooks`.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// List the org's webhooks (header values are never shown).
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        org: OrgArgs,
    },

    /// Register a webhook with a new secret, and print the secret (shown only now).
    #[command(after_help = "Examples:\n  refold webhooks register https://example.com/refold\n  \
                      refold webhooks register https://example.com/refold --event 'Connection Expired'")]
    Register {
        /// Where Refold delivers events (http:// or https://).
        url: String,
        /// An event to deliver, as Refold names it; repeat for several. Default: the three
        /// connection events.
        #[arg(long = "event", value_name = "EVENT", value_parser = parse_event)]
        events: Vec<EventKind>,
        /// A description for Refold's dashboard.
        #[arg(long)]
        description: Option<String>,
        /// Print JSON (the webhook and its secret) instead of lines.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        org: OrgArgs,
    },

    /// Delete a webhook by id.
    Delete {
        /// The webhook's id, as `refold webhooks list` shows it.
        id: String,
        #[command(flatten)]
        org: OrgArgs,
    },

    /// Receive deliveries on 127.0.0.1:PORT, verify each and print it, until Ctrl-C.
    #[command(
        long_about = "Receive webhook deliveries on 127.0.0.1:PORT (any path), verify each (the \
                      x-refold-webhook-secret header; with --check-signature also x-cobalt-signature, keyed with \
                      REFOLD_API_KEY) and print it on one line. A verified delivery is answered 200, a refused one \
                      401, 413 or 400 with the reason on stderr.",
        after_help = "Examples:\n  REFOLD_WEBHOOK_SECRET=dev-secret refold webhooks listen --port 4011\n  \
                      REFOLD_WEBHOOK_SECRET=dev-secret refold emulator --webhook http://127.0.0.1:4011/refold"
    )]
    Listen {
        /// The port to listen on, on 127.0.0.1.
        #[arg(short, long, default_value_t = 4011)]
        port: u16,
        /// The webhook's secret (default: the REFOLD_WEBHOOK_SECRET variable).
        #[arg(long, value_name = "SECRET")]
        secret: Option<String>,
        /// Also check x-cobalt-signature, keyed with REFOLD_API_KEY.
        #[arg(long)]
        check_signature: bool,
        /// Print each event's JSON payload on one line instead of a summary.
        #[arg(long)]
        json: bool,
    },
}

/// The connection flags of an org-level command: the API key alone authenticates it.
#[derive(Debug, Args)]
pub struct OrgArgs {
    /// The API origin (overrides REFOLD_BASE_URL), e.g. http://127.0.0.1:4010 for the emulator.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

fn parse_event(text: &str) -> Result<EventKind, String> {
    text.parse()
        .map_err(|error: refold::webhooks::UnknownEventKind| error.to_string())
}

pub async fn run(args: &WebhooksArgs, lookup: impl Fn(&str) -> Option<String>) -> Result<(), CliError> {
    match &args.command {
        WebhooksCommand::List { json, org } => list(&client(org, &lookup)?, *json).await,
        WebhooksCommand::Register {
            url,
            events,
            description,
            json,
            org,
        } => {
            let events = if events.is_empty() {
                EventKind::ALL[..3].to_vec()
            } else {
                events.clone()
            };
            let mut registration = Registration::new(url, events);
            if let Some(description) = description {
                registration = registration.description(description);
            }
            register(&client(org, &lookup)?, registration, *json).await
        }
        WebhooksCommand::Delete { id, org } => {
            let remaining = client(org, &lookup)?
                .webhooks()
                .delete(id)
                .await
                .map_err(|err| CliError::manage(format_args!("deleting webhook {id}"), &err, true))?;
            println!("Deleted webhook {id}; {} remain.", remaining.len());
            Ok(())
        }
        WebhooksCommand::Listen {
            port,
            secret,
            check_signature,
            json,
        } => {
            let secret = secret
                .clone()
                .or_else(|| lookup(SECRET_VARIABLE))
                .filter(|secret| !secret.is_empty())
                .ok_or_else(|| {
                    CliError::new(
                        Exit::Config,
                        format!("no webhook secret: pass --secret or set {SECRET_VARIABLE}"),
                    )
                })?;
            let mut verifier = Verifier::from_secret(&secret);
            if *check_signature {
                let key = lookup(env::API_KEY).filter(|key| !key.is_empty()).ok_or_else(|| {
                    CliError::new(
                        Exit::Config,
                        format!(
                            "--check-signature needs the API key that signs deliveries in {}",
                            env::API_KEY
                        ),
                    )
                })?;
                verifier = verifier.with_signature_key(key);
            }
            listen(*port, verifier, *json).await
        }
    }
}

/// A client with the API key alone: webhooks belong to the org, not to a linked account.
fn client(org: &OrgArgs, lookup: impl Fn(&str) -> Option<String>) -> Result<Client, CliError> {
    let builder = ClientBuilder::from_lookup(|name| match name {
        env::BASE_URL => org.base_url.clone().or_else(|| lookup(name)),
        // Whatever account the environment names, these calls act for none.
        env::LINKED_ACCOUNT_ID => None,
        _ => lookup(name),
    })
    .map_err(|err| CliError::new(Exit::Config, err.to_string()))?;
    builder
        .build()
        .map_err(|err| CliError::new(Exit::Config, err.to_string()))
}

async fn list(client: &Client, json: bool) -> Result<(), CliError> {
    let webhooks = client
        .webhooks()
        .list()
        .await
        .map_err(|err| CliError::manage("listing webhooks", &err, false))?;
    if json {
        return super::print_json(&webhooks.iter().map(summary).collect::<Vec<_>>());
    }
    let mut table = Table::new(vec!["ID", "URL", "EVENTS", "ENABLED", "HEADERS"]);
    for webhook in &webhooks {
        table.row(vec![
            webhook.id.clone(),
            webhook.url.clone(),
            webhook.events.join(", "),
            webhook.is_enabled.map_or_else(String::new, |on| on.to_string()),
            webhook.headers.names().collect::<Vec<_>>().join(", "),
        ]);
    }
    print!("{}", table.render());
    Ok(())
}

/// A webhook for `--json`: header names, never their values.
fn summary(webhook: &Webhook) -> serde_json::Value {
    serde_json::json!({
        "id": webhook.id,
        "url": webhook.url,
        "events": webhook.events,
        "is_enabled": webhook.is_enabled,
        "header_names": webhook.headers.names().collect::<Vec<_>>(),
        "description": webhook.description,
        "created_at": webhook.created_at,
    })
}

async fn register(client: &Client, registration: Registration, json: bool) -> Result<(), CliError> {
    let registered = client
        .webhooks()
        .register(registration)
        .await
        .map_err(|err| CliError::manage("registering the webhook", &err, true))?;
    let secret = registered.secret.expose();
    if json {
        let mut value = summary(&registered.webhook);
        value["secret"] = serde_json::Value::from(secret);
        return super::print_json(&value);
    }
    println!(
        "Registered webhook {} for {}",
        registered.webhook.id, registered.webhook.url
    );
    println!("Its secret, shown only now; give it to your receiver ({SECRET_VARIABLE}):");
    println!("{secret}");
    Ok(())
}

/// Serves the receiver until Ctrl-C.
async fn listen(port: u16, verifier: Verifier, json: bool) -> Result<(), CliError> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|err| CliError::new(Exit::Io, format!("cannot listen on {addr}: {err}")))?;
    let addr = listener
        .local_addr()
        .map_err(|err| CliError::new(Exit::Io, format!("cannot read the listening address: {err}")))?;
    let state = Arc::new((verifier, json));
    let app = Router::new().fallback(receive).with_state(state);
    println!("Listening for Refold webhooks on http://{addr}/ (Ctrl-C to stop)");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|err| CliError::new(Exit::Io, format!("the receiver stopped: {err}")))
}

/// One delivery: verified and printed, or refused with the reason on stderr.
async fn receive(State(state): State<Arc<(Verifier, bool)>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let (verifier, json) = &*state;
    match verifier.verify(&headers, &body) {
        Ok(event) => {
            if *json {
                println!("{}", String::from_utf8_lossy(&body));
            } else {
                println!("{}", describe(&event));
            }
            StatusCode::OK
        }
        Err(error) => {
            eprintln!("refused a delivery: {error}");
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::BAD_REQUEST)
        }
    }
}

/// One readable line for an event.
fn describe(event: &Event) -> String {
    match event {
        Event::ConnectionCreated(e) | Event::ConnectionDeleted(e) | Event::ConnectionExpired(e) => format!(
            "{}  {}  account={}  app={}  environment={}",
            e.created_at.as_deref().unwrap_or("-"),
            event.name(),
            e.linked_account_id,
            e.slug,
            e.environment.as_deref().unwrap_or("-"),
        ),
        Event::WorkflowCompleted(e) | Event::WorkflowErrored(e) => format!(
            "{}  {}  account={}  workflow={}  status={}",
            e.created_at.as_deref().unwrap_or("-"),
            event.name(),
            e.linked_account_id,
            e.workflow_name.as_deref().or(e.workflow_id.as_deref()).unwrap_or("-"),
            e.status.as_deref().unwrap_or("-"),
        ),
        other => format!(
            "-  {}  account={}  (an event this version does not know)",
            if other.name().is_empty() {
                "(unnamed)"
            } else {
                other.name()
            },
            other.linked_account_id().unwrap_or("-"),
        ),
    }
}
