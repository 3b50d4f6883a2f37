//! Types that fit their parameter's `type`, and types the macro cannot judge (user types,
//! aliases, generic parameters, `serde_json::Value`, a field written by `serialize_with`), pass.

use std::borrow::Cow;
use std::collections::HashMap;

use refold::refold_action;
use serde_json::Value;

#[refold_action(slug = "demo", id = "all_types")]
pub struct Fits<'a> {
    pub title: Cow<'a, str>,
    pub api_token: Option<String>, // `password` is a string
    pub count: Option<u64>,
    pub ratio: Option<f32>,
    pub archived: Option<bool>,
    pub metadata: Option<HashMap<String, Value>>, // `json` takes anything
    pub due: Option<(u16, u8, u8)>,               // a type this version does not know: not judged
}

pub type Count = String; // an alias the macro cannot see through

#[derive(serde::Serialize)]
pub struct Flag(bool);

#[refold_action(slug = "demo", id = "all_types")]
pub struct CannotJudge<T> {
    pub title: T,
    pub count: Option<Count>,
    pub archived: Flag,
    #[serde(serialize_with = "as_number")]
    pub ratio: String,
    pub metadata: Value,
}

fn as_number<S: serde::Serializer>(value: &str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(value.parse().unwrap_or_default())
}

fn main() {
    let _ = Fits {
        title: "t".into(),
        api_token: None,
        count: Some(1),
        ratio: None,
        archived: Some(true),
        metadata: None,
        due: None,
    };
    let _ = CannotJudge { title: 5, count: None, archived: Flag(true), ratio: "0.5".into(), metadata: Value::Null };
}
