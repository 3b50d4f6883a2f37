// `#[serde(tag = "…")]` adds a key to the body, which must be a parameter too.
use refold::refold_action;

#[refold_action(slug = "hubspot", id = "get_contact", idempotent)]
#[serde(tag = "kind")]
pub struct GetContact {
    pub email: String,
}

fn main() {}
