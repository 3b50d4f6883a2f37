use refold::refold_action;

#[refold_action(slug = "hubspot", id = "get_contact", idempotent = true)]
pub struct GetContact {
    pub email: String,
}

#[refold_action(slug = "hubspot", id = "create_contact", idempotent = false)]
pub struct CreateContact {
    pub email: String,
}

fn main() {}
