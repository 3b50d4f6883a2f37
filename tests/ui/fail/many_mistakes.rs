// Three mistakes in one attribute: all three are reported by the same build.
use refold::refold_action;

#[refold_action(slug = "HubSpot", id = "create_contact", id = "get_contact", retries = 3)]
pub struct CreateContact {
    pub email: String,
}

fn main() {}
