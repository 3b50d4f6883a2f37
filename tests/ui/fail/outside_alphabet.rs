use refold::refold_action;

#[refold_action(slug = "HubSpot", id = "create_contact")]
pub struct CreateContact {
    pub email: String,
}

#[refold_action(slug = "hubspot", id = "get contact")]
pub struct GetContact {
    pub email: String,
}

fn main() {}
