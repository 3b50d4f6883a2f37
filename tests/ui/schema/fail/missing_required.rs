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

fn main() {}
