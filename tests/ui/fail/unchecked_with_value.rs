use refold::refold_action;

#[refold_action(slug = "hubspot", id = "create_contact", unchecked = true)]
pub struct CreateContact {
    pub email: String,
}

#[refold_action(slug = "hubspot", id = "get_contact", unchecked = false)]
pub struct GetContact {
    pub email: String,
}

fn main() {}
