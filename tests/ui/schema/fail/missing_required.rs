// A required parameter without a field: the error is on the struct's name and names the
// parameter and its label. A `#[serde(skip)]` field is not sent, so it does not count.
use refold::refold_action;

#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {
    pub firstname: Option<String>,
}

#[refold_action(slug = "hubspot", id = "get_contact", idempotent)]
pub struct GetContact;

#[refold_action(slug = "hubspot", id = "get_contact", idempotent)]
pub struct Skipped {
    #[serde(skip)]
    pub email: String,
}

// The field suggested sends the parameter's name under the struct's `rename_all`, or carries a
// `rename` when no snake_case name would.
#[refold_action(slug = "salesforce", id = "create_account")]
#[serde(rename_all = "PascalCase")]
pub struct CreateAccount {
    pub phone: Option<String>,
}

#[refold_action(slug = "salesforce", id = "create_account")]
pub struct CreateAccountRenamed {
    #[serde(rename = "Phone")]
    pub phone: Option<String>,
}

fn main() {}
