// The snapshot directory's path is not UTF-8: Cargo could not be told to watch the snapshot.
use refold::refold_action;

#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {
    pub email: String,
}

fn main() {}
