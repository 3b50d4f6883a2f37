//! Checks the parsed attribute and item against the rules of a Refold action.

use syn::LitStr;

use crate::ast::{Input, Shape};
use crate::attr::Attr;
use crate::conform;
use crate::ctxt::Ctxt;
use crate::schema::{self, Found, Location};

// The rule is refold-snapshot's (snapshot file names follow it too); the facade's `tests/ui.rs`
// proves the macro and the runtime (`refold_core::is_valid_identifier`) agree on it.
pub(crate) use refold_snapshot::{IDENTIFIER_MAX_LEN, is_identifier_byte, is_valid_identifier};

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

/// Checks the struct against its action's schema snapshot, when there is a snapshot directory and
/// the struct is not marked `unchecked`; returns the snapshot it was checked against. Skipped when
/// the slug, id or shape is already wrong: those errors come first, and a snapshot lookup with a
/// bad name would only add noise.
pub(crate) fn check_schema(cx: &Ctxt, attr: &Attr, input: &Input, location: &Location) -> Option<Found> {
    if attr.unchecked.is_some() || !matches!(input.shape, Shape::Named(_) | Shape::Unit) {
        return None;
    }
    let (slug, id) = (attr.slug.as_ref()?, attr.id.as_ref()?);
    if !is_valid_identifier(&slug.value()) || !is_valid_identifier(&id.value()) {
        return None;
    }
    let found = schema::lookup(cx, location, slug, id)?;
    conform::check(cx, input, &found.snapshot);
    Some(found)
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
        let bad = value
            .chars()
            .find(|c| !c.is_ascii() || !is_identifier_byte(*c as u8))
            .expect("an invalid identifier of valid length has an invalid character");
        let shown = match bad {
            ' ' => "a space".to_owned(),
            c if c.is_ascii() => format!("`{}`", c.escape_debug()),
            c => format!("`{}` (not ASCII)", c.escape_debug()),
        };
        let instead = match suggestion(&value) {
            Some(fixed) => format!("write `{key} = \"{fixed}\"`"),
            None => "remove it, or replace it with `_` or `-`".to_owned(),
        };
        format!(
            "`{key}` may contain only lowercase ASCII letters, digits, `_` and `-`, \
             but has {shown}; {instead}"
        )
    };
    cx.error_spanned_by(lit, message);
}

/// The valid identifier the user most likely meant, when the fix is unambiguous: uppercase letters
/// lowercased, surrounding whitespace trimmed, and spaces or dots between words turned into `_`.
/// Anything else (a `/`, a leading `.`, a non-ASCII letter) gets no suggestion: guessing there
/// could name a different action.
fn suggestion(value: &str) -> Option<String> {
    let trimmed = value.trim();
    let chars: Vec<char> = trimmed.chars().collect();
    let mut fixed = String::with_capacity(trimmed.len());
    for (i, c) in chars.iter().enumerate() {
        let between_words =
            i > 0 && chars.get(i + 1).is_some_and(char::is_ascii_alphanumeric) && chars[i - 1].is_ascii_alphanumeric();
        match c {
            'A'..='Z' => fixed.push(c.to_ascii_lowercase()),
            ' ' | '.' if between_words => fixed.push('_'),
            c if c.is_ascii() && is_identifier_byte(*c as u8) => fixed.push(*c),
            _ => return None,
        }
    }
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
        assert_eq!(suggestion(" hubspot\n").as_deref(), Some("hubspot"));
        for unclear in ["ü", "../x", "a/b", "%2e", "a?b", "a..b", ".a", "a b c?"] {
            assert_eq!(suggestion(unclear), None, "{unclear:?}");
        }
    }
}
