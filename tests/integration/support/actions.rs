//! The actions the suites call, as hand-written `Action` impls (the macro has its own suite,
//! `typed_actions`).

use refold::Action;
use serde::Serialize;

/// HubSpot `search_contacts`: a read, safe to repeat.
#[derive(Serialize)]
pub struct SearchContacts {
    pub query: String,
}

impl Action for SearchContacts {
    const SLUG: &'static str = "hubspot";
    const ACTION_ID: &'static str = "search_contacts";
    const IDEMPOTENT: bool = true;
    type Output = serde_json::Value;
}

/// HubSpot `get_contact`: a read, safe to repeat.
#[derive(Serialize)]
pub struct GetContact {
    pub email: String,
}

impl Action for GetContact {
    const SLUG: &'static str = "hubspot";
    const ACTION_ID: &'static str = "get_contact";
    const IDEMPOTENT: bool = true;
    type Output = serde_json::Value;
}

/// HubSpot `create_contact`: a write that creates, not safe to repeat.
#[derive(Serialize)]
pub struct CreateContact {
    pub email: String,
}

impl Action for CreateContact {
    const SLUG: &'static str = "hubspot";
    const ACTION_ID: &'static str = "create_contact";
    type Output = serde_json::Value;
}

impl CreateContact {
    pub fn new(email: impl Into<String>) -> Self {
        CreateContact { email: email.into() }
    }
}
