//! A struct that borrows its parameters.

use refold::{Action, refold_action};

#[refold_action(slug = "hubspot", id = "search_contacts", idempotent)]
pub struct Search<'a> {
    pub query: &'a str,
    pub properties: &'a [&'a str],
    pub after: Option<&'a str>,
}

fn main() {
    let query = String::from("ada");
    let search = Search {
        query: &query,
        properties: &["email"],
        after: None,
    };
    assert_eq!(<Search<'_> as Action>::ACTION_ID, "search_contacts");
    assert_eq!(
        serde_json::to_value(&search).unwrap(),
        serde_json::json!({ "query": "ada", "properties": ["email"], "after": null }),
    );
}
