// The app has snapshots, but not of this action: the error is on `id` and says what to run.
use refold::refold_action;

#[refold_action(slug = "hubspot", id = "create_deal")]
pub struct CreateDeal {
    pub dealname: String,
}

#[refold_action(slug = "hubspot", id = "create_contct")]
pub struct Typo {
    pub email: String,
}

fn main() {}
