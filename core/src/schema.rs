//! What an app offers: its actions and each action's parameters.

use refold_snapshot::ParamType;
use serde::{Deserialize, Serialize};

/// One action of an app, as listed by [`Client::list_actions`](crate::Client::list_actions).
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::ActionSummary;
///
/// let summary: ActionSummary = serde_json::from_str(
///     r#"{"name":"Create Contact","action_id":"create_contact","description":"Creates a contact"}"#,
/// )?;
/// assert_eq!(summary.action_id, "create_contact");
/// assert_eq!(summary.tag, None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActionSummary {
    /// Human-readable name.
    #[serde(default)]
    pub name: String,
    /// The id to pass to `execute_raw` or `#[refold_action(id = …)]`.
    #[serde(default)]
    pub action_id: String,
    /// What the action does.
    #[serde(default)]
    pub description: String,
    /// A grouping tag, when the app has one.
    #[serde(default)]
    pub tag: Option<String>,
}

/// One input parameter of an action, as described by
/// [`Client::action_parameters`](crate::Client::action_parameters).
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::{ActionParameter, ParamType};
///
/// let param: ActionParameter = serde_json::from_str(
///     r#"{"name":"email","label":"Enter Email","required":true,"type":"text"}"#,
/// )?;
/// assert!(param.required);
/// assert_eq!(param.param_type, ParamType::Text);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActionParameter {
    /// The key to use in the action's body.
    #[serde(default)]
    pub name: String,
    /// The label shown to people.
    #[serde(default)]
    pub label: Option<String>,
    /// Whether the action fails without it.
    #[serde(default)]
    pub required: bool,
    /// The value's type ([`ParamType::Text`] when the reply gives none): the one type the
    /// snapshot files, the attribute and the command line read.
    #[serde(rename = "type", default)]
    pub param_type: ParamType,
}

/// A list that Refold returns either bare (`[…]`) or wrapped in an object under one key
/// (`{"actions": […]}`, `{"parameters": […]}`); the docs show both.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum BareOrWrapped<T> {
    Bare(Vec<T>),
    Wrapped(std::collections::HashMap<String, serde_json::Value>),
}

impl<T: serde::de::DeserializeOwned> BareOrWrapped<T> {
    /// The list, taken from `key` when wrapped (or from the only array-valued field).
    pub(crate) fn into_vec(self, key: &str) -> Result<Vec<T>, serde_json::Error> {
        match self {
            BareOrWrapped::Bare(items) => Ok(items),
            BareOrWrapped::Wrapped(mut object) => {
                let list = match object.remove(key) {
                    Some(list) => list,
                    None => {
                        let mut arrays = object.into_values().filter(serde_json::Value::is_array);
                        match (arrays.next(), arrays.next()) {
                            (Some(only), None) => only,
                            _ => {
                                return Err(serde::de::Error::custom(format!(
                                    "expected an array or an object with an array under \"{key}\""
                                )));
                            }
                        }
                    }
                };
                serde_json::from_value(list)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_parameter_is_read_as_such() {
        let param: ActionParameter =
            serde_json::from_str(r#"{"name":"api_secret","label":"Secret","required":true,"type":"password"}"#)
                .unwrap();
        assert_eq!(param.param_type, ParamType::Password);
    }
}
