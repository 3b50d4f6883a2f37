use refold::refold_action;

#[refold_action(slug = "hubspot", id = "get_contact", idempotant)]
pub struct GetContact {
    pub email: String,
}

#[refold_action(slug = "hubspot", id = "get_contact", timeout = 30)]
pub struct GetContactAgain {
    pub email: String,
}

fn main() {}
