//! A struct that fits HubSpot's `create_contact` snapshot compiles, and sends what it says.

use refold::{Action, refold_action};
use serde_json::{Value, json};

#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {
    pub email: String,
    pub firstname: Option<String>,
    pub lastname: Option<&'static str>,
    pub hubspot_owner_id: Option<String>,
    pub associations: Option<Vec<Value>>,
    pub additional_fields: Option<Value>,
}

/// Only the required parameter.
#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct Minimal {
    pub email: String,
}

/// A read that may be retried, with a number parameter.
#[refold_action(slug = "hubspot", id = "search_contacts", idempotent)]
pub struct SearchContacts {
    pub query: Option<String>,
    pub limit: Option<u32>,
}

fn main() {
    let action = CreateContact {
        email: "ada@example.com".into(),
        firstname: Some("Ada".into()),
        lastname: None,
        hubspot_owner_id: None,
        associations: Some(vec![json!({"to": 1})]),
        additional_fields: None,
    };
    let body = serde_json::to_value(&action).unwrap();
    assert_eq!(body["email"], "ada@example.com");
    assert_eq!(CreateContact::ACTION_ID, "create_contact");
    let _ = Minimal { email: String::new() };
    assert!(SearchContacts::IDEMPOTENT);
    let _ = SearchContacts { query: None, limit: Some(10) };
}
