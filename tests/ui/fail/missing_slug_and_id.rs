use refold::refold_action;

#[refold_action]
pub struct CreateContact {
    pub email: String,
}

fn main() {}
