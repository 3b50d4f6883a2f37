// One mistake in the attribute gives exactly one error: the struct, its `impl Action` and its
// `execute` are still generated, so the code that uses them reports nothing more.
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

#[refold_action(slug = "hubspot", id = "search_contacts")]
pub enum Search {
    ByEmail { email: String },
}

async fn uses_it(client: &Client) -> Result<String, refold::Error> {
    let action = CreateContact { email: "ada@example.com".into(), firstname: None };
    let copy = action.clone();
    let reply = copy.execute(client).await?;
    let _ = Search::ByEmail { email: reply.data.id.clone() }.execute(client).await?;
    let _: &str = CreateContact::SLUG;
    Ok(reply.data.id)
}

fn main() {
    let _ = uses_it;
}
