//! Checks the parsed attribute and item against the rules of a Refold action.

use syn::LitStr;

use crate::ast::{Input, Shape};
use crate::attr::Attr;
use crate::ctxt::Ctxt;

/// The longest slug or action id Refold accepts.
///
/// Must equal `refold_core::IDENTIFIER_MAX_LEN`; the facade's `tests/ui.rs` proves the macro and
/// the runtime accept and reject the same identifiers.
const IDENTIFIER_MAX_LEN: usize = 128;

/// The rule for slugs and action ids: 1 to 128 characters, each a lowercase ASCII letter, a digit,
/// `_` or `-`. The same rule as `refold_core::is_valid_identifier`, which checks at run time.
pub(crate) fn is_valid_identifier(value: &str) -> bool {
    !value.is_empty() && value.len() <= IDENTIFIER_MAX_LEN && value.bytes().all(is_identifier_byte)
}

fn is_identifier_byte(byte: u8) -> bool {
    matches!(byte, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-')
}

/// Checks everything the attribute and the item must satisfy, recording each problem in `cx`.
pub(crate) fn check(cx: &Ctxt, attr: &Attr, input: &Input) {
    check_required(cx, attr);
    if let Some(slug) = &attr.slug {
        check_identifier(cx, "slug", slug, "the app's slug", "hubspot");
    }
    if let Some(id) = &attr.id {
        check_identifier(cx, "id", id, "the action's id", "create_contact");
    }
    check_shape(cx, input);
}

fn check_required(cx: &Ctxt, attr: &Attr) {
    let message = match (attr.given.contains(&"slug"), attr.given.contains(&"id")) {
        (true, true) => return,
        (false, false) => "missing `slug` and `id`: name the app and the action, \
             for example `#[refold_action(slug = \"hubspot\", id = \"create_contact\")]`"
            .to_owned(),
        (false, true) => "missing `slug`: name the app the action belongs to, \
             for example `slug = \"hubspot\"`"
            .to_owned(),
        (true, false) => "missing `id`: name the action, for example `id = \"create_contact\"`".to_owned(),
    };
    if attr.tokens.is_empty() {
        cx.syn_error(syn::Error::new(proc_macro2::Span::call_site(), message));
    } else {
        cx.error_spanned_by(&attr.tokens, message);
    }
}

fn check_identifier(cx: &Ctxt, key: &str, lit: &LitStr, what: &str, example: &str) {
    let value = lit.value();
    if is_valid_identifier(&value) {
        return;
    }
    let message = if value.is_empty() {
        format!("`{key}` is empty; write {what}, for example `{key} = \"{example}\"`")
    } else if value.len() > IDENTIFIER_MAX_LEN && value.bytes().all(is_identifier_byte) {
        format!(
            "`{key}` is {} characters long; Refold allows at most {IDENTIFIER_MAX_LEN}",
            value.chars().count()
        )
    } else {
        let bad: String = value
            .chars()
            .filter(|c| !c.is_ascii() || !is_identifier_byte(*c as u8))
            .take(1)
            .collect();
        let bad = match bad.as_str() {
            " " => "a space".to_owned(),
            other => format!("`{}`", other.escape_default()),
        };
        let instead = match suggestion(&value) {
            Some(fixed) => format!("; write `{key} = \"{fixed}\"`"),
            None => String::new(),
        };
        format!(
            "`{key}` may contain only lowercase ASCII letters, digits, `_` and `-`, \
             but has {bad}{instead}"
        )
    };
    cx.error_spanned_by(lit, message);
}

/// A valid identifier close to `value`: lowercased, with spaces and dots turned into `_`.
fn suggestion(value: &str) -> Option<String> {
    let fixed: String = value
        .trim()
        .chars()
        .filter_map(|c| match c {
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            ' ' | '.' | '/' => Some('_'),
            c if c.is_ascii() && is_identifier_byte(c as u8) => Some(c),
            _ => None,
        })
        .collect();
    is_valid_identifier(&fixed).then_some(fixed)
}

fn check_shape(cx: &Ctxt, input: &Input) {
    let name = &input.item.ident;
    match input.shape {
        Shape::Named(_) | Shape::Unit => {}
        Shape::Tuple(fields) => cx.error_spanned_by(
            fields,
            format!(
                "`#[refold_action]` needs named fields, which become the action's parameters; \
                 write `struct {name} {{ email: String }}`, or `struct {name};` for an action \
                 without parameters"
            ),
        ),
        Shape::Enum(token) => cx.error_spanned_by(
            token,
            format!(
                "`#[refold_action]` goes on a struct, not an enum; write one struct per action, \
                 for example `struct {name} {{ email: String }}`"
            ),
        ),
        Shape::Union(token) => cx.error_spanned_by(
            token,
            format!(
                "`#[refold_action]` goes on a struct, not a union; write \
                 `struct {name} {{ email: String }}`"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_rule() {
        for valid in ["a", "hubspot", "create_contact", "google-drive", "v2", "0", "_", "-"] {
            assert!(is_valid_identifier(valid), "{valid}");
        }
        assert!(is_valid_identifier(&"a".repeat(128)));
        for invalid in ["", "HubSpot", "create contact", "a.b", "a/b", "é", "a\n", "ａ"] {
            assert!(!is_valid_identifier(invalid), "{invalid:?}");
        }
        assert!(!is_valid_identifier(&"a".repeat(129)));
    }

    #[test]
    fn suggestions_are_valid_identifiers() {
        assert_eq!(suggestion("HubSpot").as_deref(), Some("hubspot"));
        assert_eq!(suggestion("Create Contact").as_deref(), Some("create_contact"));
        assert_eq!(suggestion("google.drive").as_deref(), Some("google_drive"));
        assert_eq!(suggestion("ü"), None);
    }
}
