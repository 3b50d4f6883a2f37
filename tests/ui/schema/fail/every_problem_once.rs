// Every problem of a struct is reported in the same build, each once; the struct, its
// `impl Action` and `execute` are still generated, so the code using them adds no error.
use refold::{Action, Client, refold_action};

#[refold_action(slug = "hubspot", id = "create_contact")]
#[derive(Clone)]
pub struct CreateContact {
    pub e_mail: String,             // mistyped required parameter: one error, not also "missing"
    pub first_name: Option<String>, // not a parameter
    pub phone: Option<bool>,        // text: a boolean
}

async fn uses_it(client: &Client) -> Result<(), refold::Error> {
    let action = CreateContact { e_mail: "ada@example.com".into(), first_name: None, phone: None };
    let reply = action.clone().execute(client).await?;
    let _: &str = CreateContact::SLUG;
    let _ = reply.data;
    Ok(())
}

fn main() {
    let _ = uses_it;
}
