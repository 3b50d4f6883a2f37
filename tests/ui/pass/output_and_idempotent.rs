//! `output = T` sets `Action::Output` (what `data` decodes into); `idempotent` sets
//! `Action::IDEMPOTENT`. Keys may come in any order, with a trailing comma.

use refold::{Action, ActionResponse, refold_action};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HubSpotContact {
    pub id: String,
    pub created_at: String,
}

#[refold_action(
    output = HubSpotContact,
    idempotent,
    id = "get_contact",
    slug = "hubspot",
)]
pub struct GetContact {
    pub email: String,
}

#[refold_action(slug = "hubspot", id = "search_contacts", output = std::vec::Vec<(u32, HubSpotContact)>)]
pub struct SearchContacts {
    pub query: String,
}

#[refold_action(slug = "hubspot", id = "create_contact", output = serde_json::Map<String, serde_json::Value>)]
pub struct CreateContact {
    pub email: String,
}

fn same_type<T>(_: Option<T>, _: Option<T>) {}

fn main() {
    assert!(GetContact::IDEMPOTENT);
    assert!(!CreateContact::IDEMPOTENT);
    same_type(None::<<GetContact as Action>::Output>, None::<HubSpotContact>);
    same_type(
        None::<<SearchContacts as Action>::Output>,
        None::<Vec<(u32, HubSpotContact)>>,
    );
    same_type(
        None::<<CreateContact as Action>::Output>,
        None::<serde_json::Map<String, serde_json::Value>>,
    );

    // `execute` returns the response typed by `output`.
    let client = refold::Client::builder()
        .base_url("http://127.0.0.1:9")
        .api_key("tk_test")
        .linked_account_id("ada@example.com")
        .build()
        .unwrap();
    let action = GetContact {
        email: "ada@example.com".into(),
    };
    let future = action.execute(&client);
    let _typed: Option<Result<ActionResponse<HubSpotContact>, refold::Error>> =
        if false { Some(block_on_never(future)) } else { None };
}

fn block_on_never<F: std::future::Future>(_: F) -> F::Output {
    unreachable!()
}
