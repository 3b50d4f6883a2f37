//! `execute` borrows the action and the client and returns a future that is `Send` when the
//! action is `Sync`, so it can be spawned or awaited inside a web handler.

use refold::{ActionResponse, Client, Error, refold_action};

#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {
    pub email: String,
}

#[refold_action(slug = "hubspot", id = "search_contacts", idempotent)]
pub struct Search<'a, T> {
    pub query: &'a str,
    pub extra: T,
}

#[refold_action(slug = "hubspot", id = "list_owners", idempotent)]
pub struct ListOwners;

fn assert_send<F: std::future::Future + Send>(future: F) -> F {
    future
}

async fn handler(client: &Client) -> Result<String, Error> {
    let created: ActionResponse<serde_json::Value> = assert_send(
        CreateContact {
            email: "ada@example.com".into(),
        }
        .execute(client),
    )
    .await?;
    let query = String::from("ada");
    let _found = assert_send(
        Search {
            query: &query,
            extra: 5_u8,
        }
        .execute(client),
    )
    .await?;
    let _owners = ListOwners.execute(client).await?;
    Ok(created.data["id"].to_string())
}

fn main() {
    let _ = handler;
}
