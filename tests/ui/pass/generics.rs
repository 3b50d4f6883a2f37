//! Type parameters, lifetimes, const generics and where clauses all carry through, and `output`
//! may use the parameters.

use refold::{Action, refold_action};
use serde::Deserialize;

#[refold_action(slug = "hubspot", id = "search_contacts", idempotent, output = Page<R>)]
pub struct Search<'a, F, R, const LIMIT: usize>
where
    F: AsRef<str>,
{
    pub query: &'a str,
    pub filters: Vec<F>,
    #[serde(skip)]
    pub _record: std::marker::PhantomData<R>,
}

#[derive(Debug, Deserialize)]
pub struct Page<R> {
    pub results: Vec<R>,
}

#[derive(Debug, Deserialize)]
pub struct Contact {
    pub id: String,
}

// `F` is serialized, so it must be `Serialize` for the action to be usable; the generated impls
// carry that bound instead of demanding it on the struct.
#[refold_action(slug = "hubspot", id = "get_contact", idempotent)]
pub struct ByKey<K> {
    pub key: K,
}

fn takes_action<A: Action>(_: &A) {}

fn main() {
    let search: Search<'_, String, Contact, 10> = Search {
        query: "ada",
        filters: vec!["lifecyclestage:lead".to_owned()],
        _record: std::marker::PhantomData,
    };
    takes_action(&search);
    let _: Option<<Search<'_, String, Contact, 10> as Action>::Output> = Option::<Page<Contact>>::None;
    assert_eq!(
        serde_json::to_value(&search).unwrap(),
        serde_json::json!({ "query": "ada", "filters": ["lifecyclestage:lead"] }),
    );

    let by_key = ByKey { key: 42_u64 };
    takes_action(&by_key);
    assert_eq!(serde_json::to_value(&by_key).unwrap(), serde_json::json!({ "key": 42 }));
}
