use refold::refold_action;

#[refold_action(slug = "hubspot", id = "get_contact", output = 42)]
pub struct GetContact {
    pub email: String,
}

#[refold_action(slug = "hubspot", id = "get_contact", output = "Contact")]
pub struct GetContactQuoted {
    pub email: String,
}

pub struct Contact;

fn main() {}
