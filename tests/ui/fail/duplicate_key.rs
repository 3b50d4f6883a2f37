use refold::refold_action;

#[refold_action(slug = "hubspot", id = "create_contact", slug = "salesforce")]
pub struct CreateContact {
    pub email: String,
}

fn main() {}
