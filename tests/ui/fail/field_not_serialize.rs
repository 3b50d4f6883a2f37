//! A field whose type cannot be serialized is reported on that field's type, as serde's derive
//! would report it.

use refold::refold_action;

pub struct Opaque;

#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {
    pub email: String,
    pub owner: Opaque,
}

fn main() {}
