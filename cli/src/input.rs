//! An action's parameters from the command line: `name=value` pairs and a JSON object, typed and
//! checked against the action's schema before anything is sent.

use std::collections::BTreeSet;

use refold_snapshot::{ParamType, Parameter, Snapshot};
use serde_json::value::RawValue;

use crate::json_text::{self, JsonKind, Params};

use crate::error::CliError;
use crate::exit::Exit;

/// Where the values come from, so that advice is given in the user's terms: `name=value` on
/// the command line, a cell of a CSV column, a key of a JSON object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `exec`'s `name=value` pairs (and its `--json` object, which the pairs override).
    CommandLine,
    /// A row of a CSV file: one cell per column.
    CsvRow,
    /// A line of a JSON Lines file: one object.
    JsonRow,
}

/// Splits `exec`'s `name=value` arguments at their first `=`.
///
/// # Errors
///
/// [`Exit::Usage`] when an argument has no `=` or an empty name, or a name is given twice.
pub fn split_pairs(args: &[String]) -> Result<Vec<(&str, &str)>, CliError> {
    let mut seen = BTreeSet::new();
    let mut pairs = Vec::new();
    for arg in args {
        let (name, value) = match arg.split_once('=') {
            Some((name, value)) if !name.is_empty() => (name, value),
            _ => {
                return Err(CliError::new(
                    Exit::Usage,
                    format!("`{arg}` is not a parameter: write name=value, e.g. email=ada@example.com"),
                ));
            }
        };
        if !seen.insert(name) {
            return Err(CliError::new(
                Exit::Usage,
                format!("the parameter `{name}` is given twice; give each parameter once"),
            ));
        }
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// The body's parameters: `base`'s (the `--json` object, a JSON row), then the (name, value)
/// pairs over them (command-line pairs, CSV cells), typed by `schema`. Without a schema, pair
/// values are strings and nothing is checked. Values are exact JSON text
/// ([`crate::json_text`]): a number keeps its digits. Pair names are distinct (the caller
/// checked).
///
/// # Errors
///
/// [`Exit::Refused`] listing every parameter the schema does not have, every required one that
/// is missing and every value of the wrong type, with the schema's parameters; the advice says
/// what to write where the values came from (`origin`).
pub fn parameters(
    schema: Option<&Snapshot>,
    base: Params,
    split: &[(&str, &str)],
    origin: Origin,
) -> Result<Params, CliError> {
    let seen: BTreeSet<&str> = split.iter().map(|(name, _)| *name).collect();
    let Some(schema) = schema else {
        let mut params = base;
        for (name, value) in split {
            params.insert((*name).to_owned(), json_text::string(value));
        }
        return Ok(params);
    };

    let mut problems = Vec::new();
    // Parameters given with a value of the wrong type: not "missing" as well.
    let mut mistyped = BTreeSet::new();
    let mut params = Params::new();
    // A pair overrides the object's value, so that value is not judged.
    for (name, value) in base.into_iter().filter(|(name, _)| !seen.contains(name.as_str())) {
        match schema.parameter(&name) {
            None => problems.push(unknown(schema, &name)),
            Some(parameter) => match check_json(parameter, &value) {
                Ok(()) => {
                    params.insert(name, value);
                }
                Err(problem) => {
                    problems.push(problem);
                    mistyped.insert(name);
                }
            },
        }
    }
    for &(name, value) in split {
        match schema.parameter(name) {
            None => problems.push(unknown(schema, name)),
            Some(parameter) => match typed(parameter, value, origin) {
                Ok(value) => {
                    params.insert(name.to_owned(), value);
                }
                Err(problem) => {
                    problems.push(problem);
                    mistyped.insert(name.to_owned());
                }
            },
        }
    }
    for parameter in schema.parameters.iter().filter(|p| p.required) {
        let given = params
            .get(&parameter.name)
            .is_some_and(|value| JsonKind::of(value) != JsonKind::Null);
        if !given && !mistyped.contains(&parameter.name) {
            let label = match &parameter.label {
                Some(label) => format!(" ({label:?})"),
                None => String::new(),
            };
            let name = &parameter.name;
            let example = example(&parameter.param_type);
            problems.push(match origin {
                Origin::CommandLine => {
                    format!("the required parameter `{name}`{label} is missing: add {name}={example}")
                }
                Origin::CsvRow => {
                    format!("the required parameter `{name}`{label} is empty: fill its cell in the column `{name}`")
                }
                Origin::JsonRow => {
                    format!("the required parameter `{name}`{label} is missing: add the key \"{name}\" to the object")
                }
            });
        }
    }
    if problems.is_empty() {
        return Ok(params);
    }
    let mut message = format!(
        "the parameters of `{}/{}` were refused, nothing was sent:",
        schema.slug, schema.action_id
    );
    for problem in &problems {
        message.push_str("\n  - ");
        message.push_str(problem);
    }
    message.push_str(&format!("\n  valid parameters: {}", list(schema)));
    Err(CliError::new(Exit::Refused, message))
}

/// A pair's value as the JSON its parameter's type takes.
fn typed(parameter: &Parameter, value: &str, origin: Origin) -> Result<Box<RawValue>, String> {
    let name = &parameter.name;
    // What to write instead: as a `name=value` argument, or as the content of a cell.
    let write = |example: &str| match origin {
        Origin::CommandLine => format!("{name}={example}"),
        Origin::CsvRow | Origin::JsonRow => example.to_owned(),
    };
    let place = match origin {
        Origin::CommandLine => String::new(),
        Origin::CsvRow => format!(" in the column `{name}`"),
        Origin::JsonRow => format!(" for the key \"{name}\""),
    };
    match &parameter.param_type {
        // Kept as the text given, so no digit is lost to a float.
        ParamType::Number => json_text::number(value).ok_or_else(|| {
            format!(
                "`{name}` is a number parameter, and {value:?} is not a JSON number: write e.g. {} or {}{place}",
                write("10"),
                write("2.5")
            )
        }),
        ParamType::Boolean => match value {
            "true" => Ok(json_text::boolean(true)),
            "false" => Ok(json_text::boolean(false)),
            _ => Err(format!(
                "`{name}` is a boolean parameter, and {value:?} is neither: write {} or {}{place}",
                write("true"),
                write("false")
            )),
        },
        ParamType::Json => json_text::parse(value).map_err(|err| match origin {
            Origin::CommandLine => format!(
                "`{name}` is a json parameter, and {value:?} is not JSON ({err}): quote a string as {name}='\"text\"'"
            ),
            Origin::CsvRow | Origin::JsonRow => format!(
                "`{name}` is a json parameter, and {value:?} is not JSON ({err}): write JSON text{place}, a string in \
                 double quotes"
            ),
        }),
        _ => Ok(json_text::string(value)),
    }
}

/// Checks a `--json` value against its parameter's type; `null` is accepted for any type (it
/// counts as missing for a required parameter).
fn check_json(parameter: &Parameter, value: &RawValue) -> Result<(), String> {
    let kind = JsonKind::of(value);
    let fits = match &parameter.param_type {
        _ if kind == JsonKind::Null => true,
        ParamType::Text | ParamType::Password => kind == JsonKind::String,
        ParamType::Number => kind == JsonKind::Number,
        ParamType::Boolean => kind == JsonKind::Bool,
        _ => true,
    };
    if fits {
        Ok(())
    } else {
        Err(format!(
            "`{}` is a {} parameter, but the JSON gives {value}: give {}",
            parameter.name,
            parameter.param_type,
            match parameter.param_type {
                ParamType::Number => "a number",
                ParamType::Boolean => "true or false",
                _ => "a string",
            }
        ))
    }
}

fn unknown(schema: &Snapshot, name: &str) -> String {
    let guess = refold_snapshot::closest(name, schema.parameters.iter().map(|p| p.name.as_str()))
        .map(|candidate| format!(" (did you mean `{candidate}`?)"))
        .unwrap_or_default();
    format!(
        "`{name}` is not a parameter of `{}/{}`{guess}",
        schema.slug, schema.action_id
    )
}

/// The schema's parameters, for messages: `email (text, required), limit (number)`.
pub fn list(schema: &Snapshot) -> String {
    if schema.parameters.is_empty() {
        return "none (the action takes no parameters)".to_owned();
    }
    let items: Vec<String> = schema
        .parameters
        .iter()
        .map(|p| {
            let required = if p.required { ", required" } else { "" };
            format!("{} ({}{required})", p.name, p.param_type)
        })
        .collect();
    items.join(", ")
}

fn example(param_type: &ParamType) -> &'static str {
    match param_type {
        ParamType::Number => "10",
        ParamType::Boolean => "true",
        ParamType::Json => "'{…}'",
        _ => "…",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(text: &str) -> Params {
        json_text::object(text).unwrap()
    }

    fn schema() -> Snapshot {
        Snapshot::new("hubspot", "create_deal").with_parameters(vec![
            Parameter::new("dealname", ParamType::Text)
                .with_required(true)
                .with_label("Deal Name"),
            Parameter::new("amount", ParamType::Number),
            Parameter::new("closed", ParamType::Boolean),
            Parameter::new("associations", ParamType::Json),
            Parameter::new("closedate", ParamType::Other("date".into())),
        ])
    }

    fn pairs(args: &[&str]) -> Vec<String> {
        args.iter().map(|arg| arg.to_string()).collect()
    }

    /// `exec`'s path: the arguments split, then typed.
    fn from_command_line(schema: Option<&Snapshot>, base: Params, args: &[&str]) -> Result<Params, CliError> {
        let args = pairs(args);
        parameters(schema, base, &split_pairs(&args)?, Origin::CommandLine)
    }

    #[test]
    fn values_take_their_parameter_type() {
        let params = from_command_line(
            Some(&schema()),
            Params::new(),
            &[
                "dealname=Renewal=2",
                "amount=12345678901234567890",
                "closed=false",
                "associations=[{\"id\": 1}]",
                "closedate=2026-01-01",
            ],
        )
        .unwrap();
        assert_eq!(
            json_text::to_text(&params),
            r#"{"amount":12345678901234567890,"associations":[{"id":1}],"closed":false,"closedate":"2026-01-01","dealname":"Renewal=2"}"#
        );
    }

    #[test]
    fn pairs_override_the_json_object() {
        let base = object(r#"{ "dealname": "From file", "amount": 5 }"#);
        let params = from_command_line(Some(&schema()), base, &["dealname=From pair"]).unwrap();
        assert_eq!(params["dealname"].get(), r#""From pair""#);
        assert_eq!(params["amount"].get(), "5");
    }

    #[test]
    fn every_problem_is_listed_with_the_valid_parameters() {
        let base = object(r#"{ "closed": "yes" }"#);
        let err = from_command_line(Some(&schema()), base, &["dealnme=x", "amount=ten", "associations={"]).unwrap_err();
        assert_eq!(err.exit(), Exit::Refused);
        let text = err.to_string();
        for expected in [
            "the parameters of `hubspot/create_deal` were refused, nothing was sent:",
            "`dealnme` is not a parameter of `hubspot/create_deal` (did you mean `dealname`?)",
            "`amount` is a number parameter, and \"ten\" is not a JSON number",
            "`associations` is a json parameter, and \"{\" is not JSON",
            "`closed` is a boolean parameter, but the JSON gives \"yes\": give true or false",
            "the required parameter `dealname` (\"Deal Name\") is missing: add dealname=…",
            "valid parameters: dealname (text, required), amount (number), closed (boolean), associations (json), closedate (date)",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
    }

    #[test]
    fn malformed_and_repeated_pairs_are_usage_errors() {
        assert_eq!(
            from_command_line(None, Params::new(), &["email"]).unwrap_err().exit(),
            Exit::Usage
        );
        assert_eq!(
            from_command_line(None, Params::new(), &["=x"]).unwrap_err().exit(),
            Exit::Usage
        );
        let twice = from_command_line(None, Params::new(), &["a=1", "a=2"]).unwrap_err();
        assert_eq!(twice.exit(), Exit::Usage);
        assert!(twice.to_string().contains("`a` is given twice"), "{twice}");
    }

    #[test]
    fn without_a_schema_values_are_strings() {
        let params = from_command_line(None, Params::new(), &["limit=5", "anything=true"]).unwrap();
        assert_eq!(json_text::to_text(&params), r#"{"anything":"true","limit":"5"}"#);
    }

    #[test]
    fn csv_cells_get_column_advice_not_command_line_advice() {
        let err = parameters(
            Some(&schema()),
            Params::new(),
            &[("amount", "ten"), ("closed", "yes")],
            Origin::CsvRow,
        )
        .unwrap_err();
        let text = err.to_string();
        for expected in [
            "\"ten\" is not a JSON number: write e.g. 10 or 2.5 in the column `amount`",
            "\"yes\" is neither: write true or false in the column `closed`",
            "the required parameter `dealname` (\"Deal Name\") is empty: fill its cell in the column `dealname`",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
        }
        assert!(!text.contains("amount=") && !text.contains("add dealname="), "{text}");
    }

    #[test]
    fn a_name_with_an_equals_sign_stays_whole() {
        let params = parameters(None, Params::new(), &[("a=b", "c=d")], Origin::CsvRow).unwrap();
        assert_eq!(json_text::to_text(&params), r#"{"a=b":"c=d"}"#);
    }
}
