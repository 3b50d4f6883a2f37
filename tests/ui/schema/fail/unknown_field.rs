// A field that is not a parameter of the action: the nearest parameter is suggested when there
// is a plausible one, and the parameters are listed.
use refold::refold_action;

#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {
    pub email: String,
    pub first_name: Option<String>,
    pub salary: Option<u32>,
}

fn main() {}
