//! Checks a struct against its action's schema snapshot: every field sent is a parameter, every
//! required parameter has a field that is always sent, and each field's type can be the
//! parameter's type.

use std::collections::HashSet;

use quote::ToTokens;
use refold_snapshot::{ParamType, Parameter, Snapshot};
use syn::{GenericArgument, PathArguments, Type};

use crate::ast::{Input, is_option};
use crate::ctxt::Ctxt;
use crate::rename::RenameRule;
use crate::suggest::{closest, quoted_list};
use crate::types::{JsonKind, json_kind};
use crate::wire::{self, NameFrom, Role, WireField};

/// Records in `cx` every way `input` does not fit `snapshot`.
pub(crate) fn check(cx: &Ctxt, input: &Input, snapshot: &Snapshot) {
    // What serde sends is out of the macro's sight (see `wire::read`): nothing to compare.
    let Some(wire) = wire::read(input) else {
        return;
    };
    let action = format!("{}/{}", snapshot.slug, snapshot.action_id);
    let sent: Vec<&WireField> = wire
        .fields
        .iter()
        .filter(|field| field.role == Role::Parameter)
        .collect();
    let tag = wire.tag.as_ref().map(|lit| lit.value());
    let covered: HashSet<&str> = sent
        .iter()
        .map(|field| field.name.as_str())
        .chain(tag.as_deref())
        .filter(|name| snapshot.parameter(name).is_some())
        .collect();

    // Required parameters already named by an error about a mistyped field, so the one mistake
    // does not also show as "missing".
    let mut suggested = HashSet::new();
    for field in &sent {
        match snapshot.parameter(&field.name) {
            Some(parameter) => check_type(cx, input, field, parameter, &action),
            None => {
                let uncovered = snapshot
                    .parameters
                    .iter()
                    .map(|parameter| parameter.name.as_str())
                    .filter(|name| !covered.contains(name));
                let guess = closest(&field.name, uncovered);
                suggested.extend(guess);
                unknown_field(cx, field, guess, snapshot, &action);
            }
        }
    }
    if let (Some(lit), Some(name)) = (&wire.tag, &tag) {
        if snapshot.parameter(name).is_none() {
            cx.error_spanned_by(
                lit,
                format!(
                    "`#[serde(tag = \"{name}\")]` sends `{name}`, which is not a parameter of \
                     `{action}`; {}",
                    parameter_list(snapshot)
                ),
            );
        }
    }

    // A flattened value, or a field whose serde attributes depend on the configuration, may
    // send any parameter: no parameter can be called missing.
    let open = wire
        .fields
        .iter()
        .any(|field| matches!(field.role, Role::Flattened | Role::Conditional));
    if open {
        return;
    }
    for parameter in snapshot.parameters.iter().filter(|parameter| parameter.required) {
        if covered.contains(parameter.name.as_str()) || suggested.contains(parameter.name.as_str()) {
            continue;
        }
        let skipped = wire
            .fields
            .iter()
            .find(|field| field.role == Role::Skipped && field.name == parameter.name)
            .map(|field| {
                format!(
                    " (the field `{}` is `#[serde(skip)]`, so it is never sent)",
                    field.ident
                )
            })
            .unwrap_or_default();
        let label = match &parameter.label {
            Some(label) => format!(" ({label:?})"),
            None => String::new(),
        };
        cx.error_spanned_by(
            &input.item.ident,
            format!(
                "missing the required parameter `{name}`{label} of `{action}`{skipped}: add a field \
                 `{field}: {ty}`{other}",
                name = parameter.name,
                field = field_for(&parameter.name, wire.rename_all),
                ty = example_type(&parameter.param_type),
                other = if parameter.param_type == ParamType::Number {
                    " (or another number type)"
                } else {
                    ""
                },
            ),
        );
    }
}

fn unknown_field(cx: &Ctxt, field: &WireField, guess: Option<&str>, snapshot: &Snapshot, action: &str) {
    let name = &field.name;
    let written = match &field.name_from {
        NameFrom::Ident => format!("`{name}`"),
        NameFrom::Rename(_) => format!("`{name}` (from `rename`)"),
        NameFrom::RenameAll(rule) => format!(
            "`{name}` (the field `{}` under `rename_all = {:?}`)",
            field.ident,
            rule.value()
        ),
    };
    let hint = match (guess, &field.name_from) {
        (None, _) => String::new(),
        (Some(guess), NameFrom::Ident) => {
            format!("did you mean `{guess}`? (rename the field, or add `#[serde(rename = \"{guess}\")]` to it); ")
        }
        (Some(guess), NameFrom::Rename(_)) => format!("did you mean `{guess}`? (write `rename = \"{guess}\"`); "),
        (Some(guess), NameFrom::RenameAll(_)) => {
            format!("did you mean `{guess}`? (add `#[serde(rename = \"{guess}\")]` to the field); ")
        }
    };
    cx.syn_error(syn::Error::new(
        field.name_from.span(field.ident),
        format!(
            "{written} is not a parameter of `{action}`: {hint}{}",
            parameter_list(snapshot)
        ),
    ));
}

/// Checks that the field may leave out neither a required parameter nor carry a type that can
/// never be the parameter's.
fn check_type(cx: &Ctxt, input: &Input, field: &WireField, parameter: &Parameter, action: &str) {
    let name = &parameter.name;
    if parameter.required && is_option(field.ty) {
        let inner = option_inner(field.ty).map_or_else(|| "T".to_owned(), type_text);
        cx.error_spanned_by(
            field.ty,
            format!(
                "`{name}` is a required parameter of `{action}`, but an `Option` field leaves it \
                 out of the request when it is `None`: declare the field as `{inner}`"
            ),
        );
    }
    if field.own_serializer {
        return;
    }
    let expected = match parameter.param_type {
        ParamType::Text | ParamType::Password => JsonKind::String,
        ParamType::Number => JsonKind::Number,
        ParamType::Boolean => JsonKind::Boolean,
        // `json` takes any value; a type this version does not know is not judged.
        _ => return,
    };
    let generics: Vec<&syn::Ident> = input.item.generics.type_params().map(|param| &param.ident).collect();
    let found = json_kind(field.ty, &generics);
    if found == expected || found == JsonKind::Unknown {
        return;
    }
    cx.error_spanned_by(
        field.ty,
        format!(
            "`{name}` is a `{}` parameter of `{action}`, but `{}` is sent as {}: use {}",
            parameter.param_type,
            type_text(field.ty),
            found.describe(),
            match parameter.param_type {
                ParamType::Number => "a number type such as `i64`, `u32` or `f64`",
                ParamType::Boolean => "`bool`",
                _ => "`String` (or `&str`)",
            },
        ),
    );
}

/// The field to declare for the parameter `name`, under the struct's `rename_all` rule: `pub
/// email`, `pub r#type`, or with a `rename` when no snake_case name gives `name`
/// (`#[serde(rename = "e-mail")] pub e_mail`).
fn field_for(name: &str, rule: Option<RenameRule>) -> String {
    let snake = snake_case(name);
    let sent = rule.map_or_else(|| snake.clone(), |rule| rule.apply_to_field(&snake));
    let ident = if is_keyword(&snake) {
        format!("r#{snake}")
    } else {
        snake.clone()
    };
    if sent == name && syn::parse_str::<syn::Ident>(&ident).is_ok() {
        format!("pub {ident}")
    } else {
        format!("#[serde(rename = \"{name}\")] pub {ident}")
    }
}

/// `NumberOfEmployees` → `number_of_employees`, `e-mail` → `e_mail`, `1st` → `_1st`.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous: Option<char> = None;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit()) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_alphanumeric() || c == '_' {
            out.push(c);
        } else {
            out.push('_');
        }
        previous = Some(c);
    }
    if !out.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// Keywords a field can only be written as with `r#`.
fn is_keyword(name: &str) -> bool {
    syn::parse_str::<syn::Ident>(name).is_err() && syn::parse_str::<syn::Ident>(&format!("r#{name}")).is_ok()
}

/// A Rust type that sends a value of `param_type`, for messages.
fn example_type(param_type: &ParamType) -> &'static str {
    match param_type {
        ParamType::Text | ParamType::Password => "String",
        ParamType::Number => "i64",
        ParamType::Boolean => "bool",
        _ => "serde_json::Value",
    }
}

/// A type as a person writes it: `Vec<u8>`, not `Vec < u8 >`.
fn type_text(ty: &Type) -> String {
    let text = ty.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut previous = ' ';
    while let Some(c) = chars.next() {
        let next = chars.peek().copied().unwrap_or(' ');
        let glue = c == ' '
            && (matches!(previous, '<' | '&' | ':' | '(' | '[' | '\'')
                || matches!(next, '<' | '>' | ',' | ':' | ')' | ']' | ';'));
        if !glue {
            out.push(c);
        }
        previous = c;
    }
    out
}

fn parameter_list(snapshot: &Snapshot) -> String {
    if snapshot.parameters.is_empty() {
        return "it takes no parameters".to_owned();
    }
    let names = quoted_list(snapshot.parameters.iter().map(|parameter| parameter.name.as_str()));
    match snapshot.parameters.len() {
        1 => format!("its only parameter is {names}"),
        _ => format!("its parameters are {names}"),
    }
}

/// The `T` of a type spelled `Option<T>`.
fn option_inner(ty: &Type) -> Option<&Type> {
    let ty = match ty {
        Type::Group(group) => &group.elem,
        Type::Paren(paren) => &paren.elem,
        ty => ty,
    };
    let Type::Path(path) = ty else { return None };
    let PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggested_fields_send_the_parameter() {
        let pascal = RenameRule::from_name("PascalCase");
        assert_eq!(field_for("email", None), "pub email");
        assert_eq!(field_for("type", None), "pub r#type");
        assert_eq!(field_for("Name", pascal), "pub name");
        assert_eq!(field_for("NumberOfEmployees", pascal), "pub number_of_employees");
        assert_eq!(
            field_for("additional_fields", pascal),
            "#[serde(rename = \"additional_fields\")] pub additional_fields"
        );
        assert_eq!(
            field_for("LastName", None),
            "#[serde(rename = \"LastName\")] pub last_name"
        );
        assert_eq!(field_for("e-mail", None), "#[serde(rename = \"e-mail\")] pub e_mail");
        assert_eq!(field_for("1st", None), "#[serde(rename = \"1st\")] pub _1st");
    }
}
