//! The parts of the user's `#[serde(…)]` attributes that decide what goes on the wire, read the
//! way serde reads them, for the checks against a schema snapshot.
//!
//! Read at the token level and never failing: a malformed attribute is serde's to report, so it
//! only makes the item "opaque" here (nothing about its wire shape is assumed).

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Attribute, Ident, LitStr};

/// One comma-separated item of a `#[serde(…)]` list: `key`, `key = "value"` or `key(…)`.
pub(crate) struct Item {
    pub(crate) key: Ident,
    pub(crate) value: Option<Value>,
}

pub(crate) enum Value {
    /// `key = "…"`.
    Str(LitStr),
    /// `key = …` with something else than a string literal.
    Other,
    /// `key(…)`: the tokens inside the parentheses.
    List(TokenStream),
}

/// Every item of every `#[serde(…)]` attribute in `attrs`, or `None` when one of them is not a
/// list of such items (serde reports it).
pub(crate) fn items(attrs: &[Attribute]) -> Option<Vec<Item>> {
    let mut items = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        let syn::Meta::List(list) = &attr.meta else {
            return None;
        };
        items.extend(parse_list(list.tokens.clone())?);
    }
    Some(items)
}

/// Whether `attrs` has a `#[cfg_attr(…)]` that could add serde attributes, whose effect the macro
/// cannot know (it depends on the configuration being compiled).
pub(crate) fn has_conditional_serde(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("cfg_attr"))
        .any(|attr| mentions(attr.meta.to_token_stream(), "serde"))
}

fn mentions(tokens: TokenStream, name: &str) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == name,
        TokenTree::Group(group) => mentions(group.stream(), name),
        _ => false,
    })
}

/// The serialize-side string of `key = "…"` or `key(serialize = "…")`, as `rename` and
/// `rename_all` take it: `Some(None)` when the item only sets the deserialize side, `None` when
/// its value is not a string at all.
pub(crate) fn serialize_str(value: Option<&Value>) -> Option<Option<LitStr>> {
    match value? {
        Value::Str(lit) => Some(Some(lit.clone())),
        Value::Other => None,
        Value::List(tokens) => {
            let nested = parse_list(tokens.clone())?;
            let mut serialize = None;
            for item in nested {
                match (item.key.to_string().as_str(), item.value) {
                    ("serialize", Some(Value::Str(lit))) => serialize = Some(lit),
                    ("deserialize", Some(Value::Str(_))) => {}
                    _ => return None,
                }
            }
            Some(serialize)
        }
    }
}

/// Splits `a, b = "x", c(…)` into items; `None` if an item has another shape.
fn parse_list(tokens: TokenStream) -> Option<Vec<Item>> {
    let mut items = Vec::new();
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        let TokenTree::Ident(key) = token else {
            return None;
        };
        let value = match tokens.next() {
            None => None,
            Some(TokenTree::Punct(punct)) if punct.as_char() == ',' => {
                items.push(Item { key, value: None });
                continue;
            }
            Some(TokenTree::Punct(punct)) if punct.as_char() == '=' => {
                let mut value = TokenStream::new();
                while let Some(token) = tokens.next_if(|token| !is_comma(token)) {
                    value.extend([token]);
                }
                Some(match syn::parse2::<LitStr>(value) {
                    Ok(lit) => Value::Str(lit),
                    Err(_) => Value::Other,
                })
            }
            Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis => {
                Some(Value::List(group.stream()))
            }
            Some(_) => return None,
        };
        items.push(Item { key, value });
        match tokens.next() {
            None => break,
            Some(token) if is_comma(&token) => {}
            Some(_) => return None,
        }
    }
    Some(items)
}

fn is_comma(token: &TokenTree) -> bool {
    matches!(token, TokenTree::Punct(punct) if punct.as_char() == ',')
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn keys(attr: Attribute) -> Option<Vec<String>> {
        items(&[attr]).map(|items| items.iter().map(|item| item.key.to_string()).collect())
    }

    #[test]
    fn items_and_values() {
        assert_eq!(
            keys(parse_quote!(#[serde(rename = "a", skip, with = "m", bound(serialize = "T: X"))])),
            Some(vec!["rename".into(), "skip".into(), "with".into(), "bound".into()])
        );
        assert_eq!(keys(parse_quote!(#[serde])), None);
        assert_eq!(keys(parse_quote!(#[serde("x")])), None);
        assert_eq!(keys(parse_quote!(#[serde(a b)])), None);

        let attr: Attribute = parse_quote!(#[serde(rename(deserialize = "d", serialize = "s"))]);
        let parsed = items(&[attr]).unwrap();
        assert_eq!(serialize_str(parsed[0].value.as_ref()).unwrap().unwrap().value(), "s");
        let attr: Attribute = parse_quote!(#[serde(rename(deserialize = "d"))]);
        let parsed = items(&[attr]).unwrap();
        assert!(serialize_str(parsed[0].value.as_ref()).unwrap().is_none());
        let attr: Attribute = parse_quote!(#[serde(rename = 3)]);
        let parsed = items(&[attr]).unwrap();
        assert!(serialize_str(parsed[0].value.as_ref()).is_none());
    }

    #[test]
    fn conditional_serde_attributes_are_seen() {
        let attrs: [Attribute; 2] = [
            parse_quote!(#[cfg_attr(test, serde(rename = "x"))]),
            parse_quote!(#[doc = "d"]),
        ];
        assert!(has_conditional_serde(&attrs));
        let attrs: [Attribute; 1] = [parse_quote!(#[cfg_attr(test, derive(Debug))])];
        assert!(!has_conditional_serde(&attrs));
    }
}
