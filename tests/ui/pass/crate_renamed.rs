//! `crate = "…"` points the generated code at the facade under another name, as when the
//! dependency is renamed in Cargo.toml (`my_refold = { package = "refold-sdk", … }`).

extern crate refold as my_refold;

// A facade re-exported at some module path of the user's crate.
mod sdk {
    pub use ::refold as inner;
}

use my_refold::{Action, refold_action};

#[refold_action(crate = "my_refold", slug = "hubspot", id = "create_contact")]
pub struct Relative {
    pub email: String,
    pub firstname: Option<String>,
}

#[refold_action(crate = "::my_refold", slug = "hubspot", id = "get_contact", idempotent)]
pub struct Absolute {
    pub email: String,
}

#[refold_action(crate = "crate::sdk::inner", slug = "hubspot", id = "list_owners")]
pub struct ThroughAModule;

fn main() {
    assert_eq!(Relative::ACTION_ID, "create_contact");
    assert!(Absolute::IDEMPOTENT);
    assert_eq!(ThroughAModule::SLUG, "hubspot");
    let body = my_refold::__private::serde_json::to_value(Relative {
        email: "ada@example.com".into(),
        firstname: None,
    })
    .unwrap();
    assert_eq!(
        body,
        my_refold::__private::serde_json::json!({ "email": "ada@example.com", "firstname": null })
    );
}
