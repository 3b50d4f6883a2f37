// A `#[derive(Serialize)]` written above `#[refold_action]` is expanded after it, so the macro
// cannot see it and adds its own: two impls of `Serialize`.
use refold::refold_action;
use serde::Serialize;

#[derive(Serialize)]
#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {
    pub email: String,
}

fn main() {}
