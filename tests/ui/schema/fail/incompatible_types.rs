// Field types that can never be their parameter's `type`, one error each, on the type.
use std::collections::HashMap;

use refold::refold_action;

#[refold_action(slug = "demo", id = "all_types")]
pub struct AllTypes {
    pub title: u64,                         // text: a number
    pub api_token: Option<bool>,            // password: a boolean
    pub count: Option<String>,              // number: a string
    pub ratio: Option<bool>,                // number: a boolean
    pub archived: Option<u8>,               // boolean: a number
    pub metadata: Option<Vec<u8>>,          // json: anything goes
    pub due: Option<bool>,                  // unknown type: not judged
}

#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {
    pub email: Vec<String>,                          // text: an array
    pub firstname: Option<HashMap<String, String>>, // text: an object
    pub lastname: (),                                // text: null
}

#[refold_action(slug = "hubspot", id = "search_contacts", idempotent)]
pub struct SearchContacts<'a> {
    pub query: Option<&'a [&'a str]>, // text: an array
    pub limit: Option<&'a str>,       // number: a string
}

fn main() {}
