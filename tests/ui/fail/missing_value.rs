use refold::refold_action;

#[refold_action(slug, id = "create_contact")]
pub struct CreateContact {
    pub email: String,
}

#[refold_action(slug = "hubspot", id =)]
pub struct GetContact {
    pub email: String,
}

fn main() {}
