//! Checks an execute body against the action's parameter schema, the way Refold does before it
//! calls the app.

use serde_json::{Map, Value};

use crate::catalogue::Parameter;

/// Returns the message of the first problem found: a required parameter that is absent (or
/// `null`), or a value whose JSON type does not fit the parameter's `type`.
///
/// Unknown extra keys are accepted and ignored; an unknown `type` accepts any value.
pub(crate) fn validate(params: &Map<String, Value>, schema: &[Parameter]) -> Result<(), String> {
    for p in schema {
        match params.get(&p.name) {
            None | Some(Value::Null) => {
                if p.required {
                    return Err(format!("Required parameter '{}' is missing", p.name));
                }
            }
            Some(value) => {
                if let Some(expected) = type_mismatch(&p.kind, value) {
                    return Err(format!("Parameter '{}' must be {expected}", p.name));
                }
            }
        }
    }
    Ok(())
}

/// `Some(description of the expected type)` when `value` does not fit `kind`.
fn type_mismatch(kind: &str, value: &Value) -> Option<&'static str> {
    let fits = match kind {
        "text" => value.is_string(),
        "number" => value.is_number() || value.as_str().is_some_and(|s| s.trim().parse::<f64>().is_ok()),
        "boolean" => value.is_boolean(),
        _ => true, // `json` and unknown types are opaque
    };
    (!fits).then_some(match kind {
        "text" => "a string",
        "number" => "a number",
        _ => "a boolean",
    })
}

/// Reads a `number` parameter that may have been sent as a numeric string.
pub(crate) fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Vec<Parameter> {
        serde_json::from_value(json!([
            {"name": "email", "label": "E", "required": true, "type": "text"},
            {"name": "limit", "label": "L", "required": false, "type": "number"},
            {"name": "flag", "label": "F", "required": false, "type": "boolean"},
            {"name": "extra", "label": "X", "required": false, "type": "json"},
            {"name": "odd", "label": "O", "required": false, "type": "file"}
        ]))
        .unwrap()
    }

    fn check(v: Value) -> Result<(), String> {
        validate(v.as_object().unwrap(), &schema())
    }

    #[test]
    fn missing_or_null_required_parameter_is_named() {
        assert_eq!(check(json!({})), Err("Required parameter 'email' is missing".into()));
        assert_eq!(
            check(json!({"email": null})),
            Err("Required parameter 'email' is missing".into())
        );
    }

    #[test]
    fn wrong_types_are_named() {
        assert_eq!(
            check(json!({"email": 5})),
            Err("Parameter 'email' must be a string".into())
        );
        assert_eq!(
            check(json!({"email": "a", "limit": "ten"})),
            Err("Parameter 'limit' must be a number".into())
        );
        assert_eq!(
            check(json!({"email": "a", "flag": "yes"})),
            Err("Parameter 'flag' must be a boolean".into())
        );
    }

    #[test]
    fn numeric_strings_json_unknown_types_and_extra_keys_are_accepted() {
        assert_eq!(
            check(json!({"email": "a", "limit": "10", "flag": true, "extra": [1, {"a": 2}], "odd": 3, "zzz": 1})),
            Ok(())
        );
    }
}
