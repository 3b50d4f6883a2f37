// The wire name comes from the struct's `rename_all`: the error says so.
use refold::refold_action;

#[refold_action(slug = "hubspot", id = "create_contact")]
#[serde(rename_all = "camelCase")]
pub struct CreateContact {
    pub email: String,
    pub job_title: Option<String>,
}

fn main() {}
