// A snapshot that is not valid, or lies where another action's belongs: the error names the file.
use refold::refold_action;

#[refold_action(slug = "broken", id = "corrupt")]
pub struct Corrupt {
    pub email: String,
}

#[refold_action(slug = "broken", id = "misplaced")]
pub struct Misplaced {
    pub email: String,
}

fn main() {}
