use refold::refold_action;

#[refold_action(slug = hubspot, id = "create_contact")]
pub struct CreateContact {
    pub email: String,
}

#[refold_action(slug = "hubspot", id = 42)]
pub struct NumericId {
    pub email: String,
}

fn main() {}
