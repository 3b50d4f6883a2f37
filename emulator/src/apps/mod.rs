//! What each app's actions do to the store, and the app-native replies they produce.
//!
//! The catalogue says which actions exist and what they accept; these modules say what they do.
//! An action that is in the catalogue but has no behaviour here (one added from a snapshot, or a
//! built-in one nobody has modelled) succeeds with [`echo`].

mod hubspot;
mod salesforce;

use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::catalogue::ActionSchema;
use crate::envelope::ActionOutcome;
use crate::store::AppData;

/// Runs a validated action of `slug` against that app's data.
pub(crate) fn run(
    slug: &str,
    action: &ActionSchema,
    params: &Map<String, Value>,
    data: &mut AppData,
    now: SystemTime,
) -> ActionOutcome {
    let call = Call {
        action,
        params,
        data,
        now,
    };
    match slug {
        "hubspot" => hubspot::run(call),
        "salesforce" => salesforce::run(call),
        _ => echo(params),
    }
}

/// The generic success of an action with no behaviour of its own: a 200 whose data echoes the
/// parameters it ran with, so a test can see what reached the app.
pub(crate) fn echo(params: &Map<String, Value>) -> ActionOutcome {
    ActionOutcome::success(200, Value::Object(params.clone()))
}

/// One action invocation, as the app modules see it.
pub(crate) struct Call<'a> {
    pub(crate) action: &'a ActionSchema,
    pub(crate) params: &'a Map<String, Value>,
    pub(crate) data: &'a mut AppData,
    pub(crate) now: SystemTime,
}

impl Call<'_> {
    /// A string parameter (numbers are rendered as strings, as apps store ids).
    pub(crate) fn text(&self, name: &str) -> Option<String> {
        match self.params.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// The record fields the caller gave: every schema parameter except `control` ones, then the
    /// entries of an `additional_fields` object. Keys not in the schema are ignored.
    pub(crate) fn fields(&self, control: &[&str]) -> Map<String, Value> {
        let mut out = Map::new();
        for p in &self.action.parameters {
            if control.contains(&p.name.as_str()) || p.name == "additional_fields" {
                continue;
            }
            match self.params.get(&p.name) {
                None | Some(Value::Null) => {}
                Some(v) => {
                    out.insert(p.name.clone(), v.clone());
                }
            }
        }
        if let Some(Value::Object(extra)) = self.params.get("additional_fields") {
            for (k, v) in extra {
                out.insert(k.clone(), v.clone());
            }
        }
        out
    }
}
