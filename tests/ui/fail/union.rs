use refold::refold_action;

#[refold_action(slug = "hubspot", id = "create_contact")]
pub union CreateContact {
    pub id: u64,
    pub code: u32,
}

fn main() {}
