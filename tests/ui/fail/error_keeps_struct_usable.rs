// One mistake in the attribute gives exactly one error: the struct (with its derives), its
// `impl Action` (with the `output` type) and its `execute` are still generated, so the code that
// uses them reports nothing more.
use refold::{Action, Client, refold_action};

#[derive(Debug, serde::Deserialize)]
pub struct Contact {
    pub id: String,
}

#[refold_action(slug = "hubspot", id = "create_contact", output = Contact, retry)]
#[derive(Debug, Clone)]
pub struct CreateContact {
    pub email: String,
    pub firstname: Option<String>,
}

async fn uses_it(client: &Client) -> Result<String, refold::Error> {
    let action = CreateContact {
        email: "ada@example.com".into(),
        firstname: None,
    };
    let reply = action.clone().execute(client).await?;
    let _: &str = CreateContact::SLUG;
    let _: bool = CreateContact::IDEMPOTENT;
    Ok(reply.data.id)
}

fn main() {
    let _ = uses_it;
}
