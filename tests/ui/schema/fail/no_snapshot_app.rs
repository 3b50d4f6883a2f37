// No snapshot of the app at all: the error is on `slug` and says what to run.
use refold::refold_action;

#[refold_action(slug = "zendesk", id = "create_ticket")]
pub struct CreateTicket {
    pub subject: String,
}

#[refold_action(slug = "hubspt", id = "create_contact")]
pub struct Typo {
    pub email: String,
}

fn main() {}
