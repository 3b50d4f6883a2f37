//! Checks an execute body against the action's parameter schema, the way Refold does before it
//! calls the app.

use serde_json::{Map, Value};

use crate::catalogue::Parameter;

/// How execute bodies are checked against the action's schema.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Strictness {
    /// Keys the schema does not list are accepted and ignored, as Refold does.
    #[default]
    Lenient,
    /// A key the schema does not list is a validation error naming it.
    Strict,
}

/// Returns the message of the first problem found: in strict mode a key the schema does not
/// list, then a required parameter that is absent (or `null`), or a value whose JSON type does
/// not fit the parameter's `type`.
///
/// An unknown `type` accepts any value.
pub(crate) fn validate(
    params: &Map<String, Value>,
    schema: &[Parameter],
    strictness: Strictness,
) -> Result<(), String> {
    if strictness == Strictness::Strict {
        if let Some(unknown) = params.keys().find(|key| !schema.iter().any(|p| &p.name == *key)) {
            let known: Vec<&str> = schema.iter().map(|p| p.name.as_str()).collect();
            return Err(if known.is_empty() {
                format!("Unknown parameter '{unknown}': this action takes no parameters")
            } else {
                format!(
                    "Unknown parameter '{unknown}': this action's parameters are {}",
                    known.join(", ")
                )
            });
        }
    }
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
        "text" | "password" => value.is_string(),
        "number" => value.is_number() || value.as_str().is_some_and(|s| s.trim().parse::<f64>().is_ok()),
        "boolean" => value.is_boolean(),
        _ => true, // `json` and unknown types are opaque
    };
    (!fits).then_some(match kind {
        "text" | "password" => "a string",
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
        validate(v.as_object().unwrap(), &schema(), Strictness::Lenient)
    }

    fn check_strict(v: Value) -> Result<(), String> {
        validate(v.as_object().unwrap(), &schema(), Strictness::Strict)
    }

    #[test]
    fn strict_mode_names_an_unknown_key_and_lists_the_known_ones() {
        assert_eq!(
            check_strict(json!({"email": "a", "e_mail": "b"})),
            Err("Unknown parameter 'e_mail': this action's parameters are email, limit, flag, extra, odd".into())
        );
        assert_eq!(check_strict(json!({"email": "a", "limit": 3})), Ok(()));
        assert_eq!(
            check(json!({"email": "a", "e_mail": "b"})),
            Ok(()),
            "lenient ignores it"
        );
        assert_eq!(
            validate(json!({"x": 1}).as_object().unwrap(), &[], Strictness::Strict),
            Err("Unknown parameter 'x': this action takes no parameters".into())
        );
    }

    #[test]
    fn a_password_is_a_string() {
        let schema: Vec<Parameter> =
            serde_json::from_value(json!([{"name": "secret", "required": true, "type": "password"}])).unwrap();
        let run = |v: Value| validate(v.as_object().unwrap(), &schema, Strictness::Strict);
        assert_eq!(run(json!({"secret": "hunter2"})), Ok(()));
        assert_eq!(
            run(json!({"secret": 5})),
            Err("Parameter 'secret' must be a string".into())
        );
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
