use refold::refold_action;

// 129 characters: one more than Refold allows.
#[refold_action(
    slug = "hubspot",
    id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
)]
pub struct TooLong;

fn main() {}
