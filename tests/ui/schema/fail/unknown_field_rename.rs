// The wire name comes from `rename`: the error points at the literal.
use refold::refold_action;

#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {
    pub email: String,
    #[serde(rename = "job_title")]
    pub title: Option<String>,
    #[serde(rename(serialize = "Phone"))]
    pub phone: Option<String>,
}

fn main() {}
