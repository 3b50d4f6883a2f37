use refold::refold_action;

#[refold_action(slug = "hubspot")]
pub struct CreateContact {
    pub email: String,
}

fn main() {}
