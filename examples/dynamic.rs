//! Actions chosen at run time: list an app's actions, describe one action's parameters, then
//! execute it with `execute_raw` and JSON parameters from the command line.
//!
//! ```text
//! cargo run --example dynamic                                  # hubspot create_contact, sample input
//! cargo run --example dynamic -- salesforce                    # another app
//! cargo run --example dynamic -- hubspot search_contacts '{"query":"ada"}'
//! ```
//!
//! With `REFOLD_API_KEY` set it uses Refold through the `REFOLD_*` variables (and really runs the
//! action); otherwise it starts the local emulator in-process.

use refold::{ActionParameter, ActionSummary, Client};
use refold_emulator::Emulator;
use serde_json::{Value, json};

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
    let mut args = std::env::args().skip(1);
    let slug = args.next().unwrap_or_else(|| "hubspot".to_owned());
    let chosen = args.next();
    let params: Value = match args.next() {
        Some(text) => serde_json::from_str(&text).map_err(|e| format!("the parameters are not JSON: {e}"))?,
        None => json!({ "email": "ada@example.com", "firstname": "Ada" }),
    };

    let (client, _emulator) = if std::env::var_os(refold::env::API_KEY).is_some() {
        (Client::from_env()?, None)
    } else {
        let emulator = Emulator::start().await?;
        println!(
            "REFOLD_API_KEY is not set: using the local emulator at {}\n",
            emulator.base_url()
        );
        let client = Client::builder()
            .api_key(emulator.api_key())
            .linked_account_id(emulator.linked_account_id())
            .base_url(emulator.base_url())
            .build()?;
        (client, Some(emulator))
    };

    // The slug and action id come from the user: the client checks them (`[a-z0-9_-]{1,128}`)
    // and never splices them raw into the URL, so `../admin` is an error, not a request.
    let actions = client.list_actions(&slug).await?;
    print_actions(&slug, &actions);

    let Some(action_id) = chosen.or_else(|| actions.first().map(|a| a.action_id.clone())) else {
        println!("{slug} has no actions");
        return Ok(());
    };
    let parameters = client.action_parameters(&slug, &action_id).await?;
    print_parameters(&action_id, &parameters);

    println!("\nExecuting {slug}/{action_id} with {params}");
    // Treated as a write: retried only when it certainly did not run. Reads can use
    // `execute_raw_idempotent` to be retried after timeouts and 5xx replies too.
    match client.execute_raw(&slug, &action_id, &params).await {
        Ok(reply) => {
            let status = reply.http_status.map_or("unknown".to_owned(), |s| s.to_string());
            println!("Succeeded (app status {status}):");
            println!("{}", serde_json::to_string_pretty(&reply.data)?);
        }
        Err(error) => return Err(error.into()),
    }
    Ok(())
}

fn print_actions(slug: &str, actions: &[ActionSummary]) {
    println!("Actions of {slug}:");
    println!("  {:<24} {:<12} DESCRIPTION", "ACTION ID", "TAG");
    for action in actions {
        println!(
            "  {:<24} {:<12} {}",
            action.action_id,
            action.tag.as_deref().unwrap_or("-"),
            action.description
        );
    }
}

fn print_parameters(action_id: &str, parameters: &[ActionParameter]) {
    println!("\nParameters of {action_id}:");
    println!("  {:<20} {:<8} {:<9} LABEL", "NAME", "TYPE", "REQUIRED");
    for p in parameters {
        println!(
            "  {:<20} {:<8} {:<9} {}",
            p.name,
            p.param_type.as_str(),
            if p.required { "yes" } else { "no" },
            p.label.as_deref().unwrap_or("")
        );
    }
}
