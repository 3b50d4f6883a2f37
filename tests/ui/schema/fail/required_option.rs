// A required parameter declared `Option<_>`: `None` would leave it out of the request.
use refold::refold_action;

#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {
    pub email: Option<String>,
}

#[refold_action(slug = "salesforce", id = "create_account")]
#[serde(rename_all = "PascalCase")]
pub struct CreateAccount {
    pub name: std::option::Option<&'static str>,
}

fn main() {}
