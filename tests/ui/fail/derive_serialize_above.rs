// A derive above `#[refold_action]` is expanded first and removed from the macro's input, so the macro
// adds its own `Serialize`: E0119, which no macro can annotate (see the attribute's rustdoc).
use refold::refold_action;
use serde::Serialize;

#[derive(Serialize)]
#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {
    pub email: String,
}

fn main() {}
