//! What an app offers: its actions and each action's parameters.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

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
    /// The value's type.
    #[serde(rename = "type", default)]
    pub param_type: ParamType,
}

/// The type of an action parameter. Types this SDK does not know are kept, not rejected.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::ParamType;
///
/// assert_eq!(ParamType::from("json"), ParamType::Json);
/// assert_eq!(ParamType::from("password"), ParamType::Password);
/// assert_eq!(ParamType::from("date").as_str(), "date");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ParamType {
    /// A string.
    #[default]
    Text,
    /// Any JSON value (objects, arrays).
    Json,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A secret string (Refold uses it for credentials an action needs); sent as a string.
    Password,
    /// A type this SDK does not know, kept verbatim.
    Other(String),
}

impl ParamType {
    /// The type as Refold spells it.
    pub fn as_str(&self) -> &str {
        match self {
            ParamType::Text => "text",
            ParamType::Json => "json",
            ParamType::Number => "number",
            ParamType::Boolean => "boolean",
            ParamType::Password => "password",
            ParamType::Other(other) => other,
        }
    }
}

impl From<&str> for ParamType {
    fn from(value: &str) -> Self {
        match value {
            "text" => ParamType::Text,
            "json" => ParamType::Json,
            "number" => ParamType::Number,
            "boolean" => ParamType::Boolean,
            "password" => ParamType::Password,
            other => ParamType::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ParamType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ParamType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(ParamType::from(text.as_ref()))
    }
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
    fn every_type_round_trips_through_its_spelling_and_json() {
        for (text, kind) in [
            ("text", ParamType::Text),
            ("json", ParamType::Json),
            ("number", ParamType::Number),
            ("boolean", ParamType::Boolean),
            ("password", ParamType::Password),
            ("date", ParamType::Other("date".into())),
        ] {
            assert_eq!(ParamType::from(text), kind);
            assert_eq!(kind.as_str(), text);
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<ParamType>(&json).unwrap(), kind);
        }
    }

    #[test]
    fn a_password_parameter_is_read_as_such() {
        let param: ActionParameter =
            serde_json::from_str(r#"{"name":"api_secret","label":"Secret","required":true,"type":"password"}"#)
                .unwrap();
        assert_eq!(param.param_type, ParamType::Password);
    }
}
