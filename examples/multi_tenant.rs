//! One client serving several customers: `for_linked_account` gives a handle per linked account
//! over the same connection pool, and each customer only ever sees its own records.
//!
//! Runs against the local emulator (the customers below are made up):
//!
//! ```text
//! cargo run --example multi_tenant
//! ```

use refold::{Client, refold_action};
use refold_emulator::Emulator;

#[refold_action(slug = "hubspot", id = "create_contact")]
struct CreateContact {
    email: String,
    company: Option<String>,
}

#[refold_action(slug = "hubspot", id = "search_contacts", idempotent)]
struct SearchContacts {
    query: String,
}

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
    let emulator = Emulator::start().await?;
    // One client for the whole backend, built once with the org's API key.
    let client = Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .build()?;

    let customers = [("ops@acme.example", "Acme"), ("it@globex.example", "Globex")];
    for (customer, company) in customers {
        // A cheap handle acting for this customer; same pool, same settings.
        let tenant = client.for_linked_account(customer);
        for person in ["ada", "grace"] {
            let email = format!("{person}@{}.example", company.to_lowercase());
            CreateContact {
                email,
                company: Some(company.into()),
            }
            .execute(&tenant)
            .await?;
        }
    }

    println!("{:<20} {:<28} company", "linked account", "contact");
    for (customer, _) in customers {
        let tenant = client.for_linked_account(customer);
        let page = SearchContacts { query: String::new() }.execute(&tenant).await?;
        for contact in page.data["results"].as_array().into_iter().flatten() {
            let properties = &contact["properties"];
            println!(
                "{:<20} {:<28} {}",
                customer,
                properties["email"].as_str().unwrap_or("?"),
                properties["company"].as_str().unwrap_or("?"),
            );
        }
    }

    // Isolation: Globex cannot read Acme's contact.
    let globex = client.for_linked_account("it@globex.example");
    let lookup = GetContact {
        email: "ada@acme.example".into(),
    };
    match lookup.execute(&globex).await {
        Err(err) if err.is_not_found() => {
            println!("\nit@globex.example looking up ada@acme.example: not found (isolated, as expected)")
        }
        Ok(reply) => return Err(format!("tenant isolation broken: Globex read {}", reply.data).into()),
        Err(other) => return Err(other.into()),
    }
    Ok(())
}
