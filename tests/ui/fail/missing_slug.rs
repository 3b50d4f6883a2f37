use refold::refold_action;

#[refold_action(id = "create_contact")]
pub struct CreateContact {
    pub email: String,
}

fn main() {}
