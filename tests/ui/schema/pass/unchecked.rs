//! `unchecked` opts one struct out of the check: an action without a snapshot, or a struct the
//! check would refuse.

use refold::{Action, refold_action};

#[refold_action(slug = "hubspot", id = "create_deal", unchecked)]
pub struct CreateDeal {
    pub dealname: String,
}

#[refold_action(unchecked, slug = "hubspot", id = "create_contact")]
pub struct Legacy {
    pub first_name: String,
}

fn main() {
    assert_eq!(CreateDeal::ACTION_ID, "create_deal");
    let _ = Legacy { first_name: String::new() };
}
