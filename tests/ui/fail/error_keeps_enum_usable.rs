// An enum is one error, on the `enum` keyword; the enum itself and an `execute` are still
// generated, so the code that builds and executes it reports nothing more.
use refold::{Client, refold_action};

#[refold_action(slug = "hubspot", id = "search_contacts", idempotent)]
#[derive(Debug)]
pub enum Search {
    ByEmail { email: String },
    ByName(String),
}

async fn uses_it(client: &Client) -> Result<(), refold::Error> {
    let reply = Search::ByEmail {
        email: "ada@example.com".into(),
    }
    .execute(client)
    .await?;
    println!("{:?} {}", Search::ByName("Ada".into()), reply.data["total"]);
    Ok(())
}

fn main() {
    let _ = uses_it;
}
