//! A struct that already derives `Serialize` (say, a domain type that is also stored or logged)
//! keeps its own derive: the macro sees it and does not add a second one. Its `None` fields are
//! still left out of the request body (the client drops them when it writes the body).
//! `Deserialize` and other serde derives work beside it.

use refold::{Action, refold_action};
use serde::{Deserialize, Serialize};

#[refold_action(slug = "hubspot", id = "create_contact")]
#[derive(Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub struct CreateContact {
    pub email: String,
    pub first_name: Option<String>,
}

#[refold_action(slug = "hubspot", id = "get_contact", idempotent)]
#[derive(::serde::Serialize)]
pub struct GetContact {
    pub email: String,
}

// Without the user's derive, `Deserialize` alone still works next to the macro's `Serialize`.
#[refold_action(slug = "hubspot", id = "get_contact_by_id", idempotent)]
#[derive(Debug, Deserialize, PartialEq)]
pub struct GetContactById {
    pub contact_id: String,
    pub properties: Option<Vec<String>>,
}

fn main() {
    let action = CreateContact {
        email: "ada@example.com".into(),
        first_name: None,
    };
    let body = serde_json::to_value(&action).unwrap();
    assert_eq!(body, serde_json::json!({ "email": "ada@example.com", "first_name": null }));
    let back: CreateContact = serde_json::from_value(body).unwrap();
    assert_eq!(back, action);

    assert!(GetContact::IDEMPOTENT);
    let by_id: GetContactById = serde_json::from_str(r#"{"contact_id":"9001"}"#).unwrap();
    assert_eq!(
        by_id,
        GetContactById {
            contact_id: "9001".into(),
            properties: None
        }
    );
}
