//! A unit struct is an action without parameters.

use refold::{Action, refold_action};

/// Lists the HubSpot owners of the linked account.
#[refold_action(slug = "hubspot", id = "list_owners", idempotent)]
#[derive(Debug, Clone, Copy, Default)]
pub struct ListOwners;

fn main() {
    assert_eq!(ListOwners::SLUG, "hubspot");
    assert_eq!(ListOwners::ACTION_ID, "list_owners");
    assert!(ListOwners::IDEMPOTENT);
    // A unit struct serializes to `null`; the client sends it as `{}`.
    assert_eq!(serde_json::to_value(ListOwners).unwrap(), serde_json::Value::Null);
}
