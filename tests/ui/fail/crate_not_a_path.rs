use refold::refold_action;

#[refold_action(crate = "my refold", slug = "hubspot", id = "get_contact")]
pub struct GetContact {
    pub email: String,
}

fn main() {}
