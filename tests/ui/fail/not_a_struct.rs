use refold::refold_action;

#[refold_action(slug = "hubspot", id = "create_contact")]
pub fn create_contact(email: String) -> String {
    email
}

fn main() {}
