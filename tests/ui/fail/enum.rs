use refold::refold_action;

#[refold_action(slug = "hubspot", id = "create_contact")]
pub enum CreateContact {
    ByEmail { email: String },
}

fn main() {}
