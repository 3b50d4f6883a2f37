// Not a macro diagnostic: rustc's own error, pinned to show it points at the `output` type.
use refold::refold_action;

pub struct Contact {
    pub id: String,
}

#[refold_action(slug = "hubspot", id = "get_contact", output = Contact)]
pub struct GetContact {
    pub email: String,
}

fn main() {}
