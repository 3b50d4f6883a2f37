// A snapshot written by a newer refold, in a format this version cannot read.
use refold::refold_action;

#[refold_action(slug = "broken", id = "newer")]
pub struct Newer {
    pub email: String,
}

fn main() {}
