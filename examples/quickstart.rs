//! Creates a HubSpot contact and reads it back.
//!
//! With `REFOLD_API_KEY` (and `REFOLD_LINKED_ACCOUNT_ID`) set, this talks to Refold; otherwise it
//! starts the local emulator in-process, so it runs anywhere:
//!
//! ```text
//! cargo run --example quickstart
//! REFOLD_API_KEY=tk… REFOLD_LINKED_ACCOUNT_ID=you@example.com cargo run --example quickstart
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use refold::{Client, refold_action};
use refold_emulator::Emulator;

/// HubSpot's `create_contact`: `email` is required; `None` fields are left out of the request.
#[refold_action(slug = "hubspot", id = "create_contact")]
struct CreateContact {
    email: String,
    firstname: Option<String>,
    lastname: Option<String>,
}

/// HubSpot's `get_contact`: a read, so it is safe to retry.
#[refold_action(slug = "hubspot", id = "get_contact", idempotent)]
struct GetContact {
    email: String,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // Display, not Debug: refold's errors are one actionable line.
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the emulator alive for the whole program when we use it.
    let (client, _emulator, email) = if std::env::var_os(refold::env::API_KEY).is_some() {
        // A unique address, so running this again does not hit HubSpot's duplicate check (409).
        let stamp = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis();
        let email = format!("ada.quickstart+{stamp}@example.com");
        println!("Using Refold from the REFOLD_* environment variables");
        (Client::from_env()?, None, email)
    } else {
        let emulator = Emulator::start().await?;
        println!(
            "REFOLD_API_KEY is not set: using the local emulator at {}",
            emulator.base_url()
        );
        let client = Client::builder()
            .api_key(emulator.api_key())
            .linked_account_id(emulator.linked_account_id())
            .base_url(emulator.base_url())
            .build()?;
        (client, Some(emulator), "ada@example.com".to_owned())
    };

    let created = CreateContact {
        email: email.clone(),
        firstname: Some("Ada".into()),
        lastname: Some("Lovelace".into()),
    }
    .execute(&client)
    .await?;
    println!(
        "\nCreated contact {} (app status {}):",
        created.data["id"].as_str().unwrap_or("?"),
        created.http_status.map_or("unknown".into(), |s| s.to_string())
    );
    println!("{}", serde_json::to_string_pretty(&created.data)?);

    let fetched = GetContact { email }.execute(&client).await?;
    println!("\nRead it back with get_contact:");
    println!("{}", serde_json::to_string_pretty(&fetched.data)?);
    Ok(())
}
