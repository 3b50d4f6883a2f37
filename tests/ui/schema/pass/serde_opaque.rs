//! When serde sends another type in the struct's place (`into`, `transparent`), the macro
//! cannot see the body and does not guess.

use refold::refold_action;
use serde_json::Value;

#[derive(Clone, serde::Serialize)]
pub struct Body {
    pub email: String,
}

#[refold_action(slug = "hubspot", id = "create_contact")]
#[derive(Clone)]
#[serde(into = "Body")]
pub struct ViaInto {
    pub address: String,
}

impl From<ViaInto> for Body {
    fn from(value: ViaInto) -> Self {
        Body { email: value.address }
    }
}

#[refold_action(slug = "hubspot", id = "create_contact")]
#[serde(transparent)]
pub struct Transparent {
    pub body: Value,
}

fn main() {
    let body = serde_json::to_value(ViaInto { address: "ada@example.com".into() }).unwrap();
    assert_eq!(body["email"], "ada@example.com");
    let _ = Transparent { body: Value::Null };
}
