// REFOLD_SCHEMA_DIR names a directory that does not exist.
use refold::refold_action;

#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {
    pub email: String,
}

fn main() {}
