use refold::refold_action;

#[refold_action(slug = "hubspot", id = "get_contact")]
pub struct GetContact(pub String);

fn main() {}
