//! The headline shape: a struct with named fields is an action whose parameters are its fields.

use refold::{Action, refold_action};

#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {
    pub email: String,
    pub firstname: Option<String>,
    pub lastname: Option<String>,
}

fn main() {
    assert_eq!(CreateContact::SLUG, "hubspot");
    assert_eq!(CreateContact::ACTION_ID, "create_contact");
    assert!(!CreateContact::IDEMPOTENT);

    // Without `output`, `data` is a `serde_json::Value`.
    let _: Option<<CreateContact as Action>::Output> = Option::<serde_json::Value>::None;

    let action = CreateContact {
        email: "ada@example.com".into(),
        firstname: Some("Ada".into()),
        lastname: None,
    };
    assert_eq!(
        serde_json::to_value(&action).unwrap(),
        // The struct's own `Serialize` writes `None` as `null`; the client leaves it out of the
        // request body (see `typed_actions.rs`).
        serde_json::json!({ "email": "ada@example.com", "firstname": "Ada", "lastname": null }),
    );
}
