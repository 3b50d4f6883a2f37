//! The attribute's arguments: `slug = "…", id = "…", output = Type, idempotent, unchecked,
//! crate = "…"`.
//!
//! This pass only reads the syntax. Whether a slug is well formed, or a required key is missing,
//! is decided in `valid.rs`.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Ident, LitStr, Path, Token, Type};

use crate::ctxt::Ctxt;
use crate::suggest::{edit_distance, quoted_list};

/// The keys the attribute knows, in the order the docs list them.
const KEYS: &[&str] = &["slug", "id", "output", "idempotent", "unchecked", "crate"];

/// What the user wrote inside `#[refold_action(…)]`, each value with its own span.
pub(crate) struct Attr {
    /// What was written between the parentheses: where an error about the attribute as a whole
    /// (a missing key) points. Empty for a bare `#[refold_action]`, which points at the call site.
    pub(crate) tokens: TokenStream,
    pub(crate) slug: Option<LitStr>,
    pub(crate) id: Option<LitStr>,
    pub(crate) output: Option<Type>,
    /// The `idempotent` token, when the flag is present.
    pub(crate) idempotent: Option<Ident>,
    /// The `unchecked` token, when the flag is present: the struct is not checked against its
    /// schema snapshot.
    pub(crate) unchecked: Option<Ident>,
    /// The path given by `crate = "…"`.
    pub(crate) krate: Option<Path>,
    /// Every known key that was written, even with a bad value, so a bad value is one error and
    /// not also a "missing key" or a "duplicate key" error.
    pub(crate) given: Vec<&'static str>,
}

impl Attr {
    /// The path generated code starts from: `::refold` unless `crate = "…"` says otherwise.
    pub(crate) fn root(&self) -> TokenStream {
        match &self.krate {
            Some(path) => path.to_token_stream(),
            None => quote!(::refold),
        }
    }
}

/// Reads the arguments, recording every mistake in `cx` and carrying on after each one.
pub(crate) fn parse(cx: &Ctxt, args: TokenStream) -> Attr {
    let mut attr = Attr {
        tokens: args.clone(),
        slug: None,
        id: None,
        output: None,
        idempotent: None,
        unchecked: None,
        krate: None,
        given: Vec::new(),
    };
    let parser = |input: ParseStream| {
        parse_list(cx, &mut attr, input);
        Ok(())
    };
    if let Err(error) = parser.parse2(args) {
        cx.syn_error(error);
    }
    attr
}

fn parse_list(cx: &Ctxt, attr: &mut Attr, input: ParseStream) {
    while !input.is_empty() {
        if let Err(error) = parse_key_value(attr, input) {
            cx.syn_error(error);
            skip_to_comma(input);
        }
        if input.is_empty() {
            break;
        }
        if input.parse::<Token![,]>().is_err() {
            let rest = take_to_comma(input);
            cx.error_spanned_by(
                rest,
                "expected `,` before the next key; write the keys as `slug = \"…\", id = \"…\"`",
            );
            let _ = input.parse::<Token![,]>();
        }
    }
}

fn parse_key_value(attr: &mut Attr, input: ParseStream) -> syn::Result<()> {
    if !input.peek(Ident::peek_any) {
        let rest = take_to_comma(input);
        let message = if syn::parse2::<LitStr>(rest.clone()).is_ok() {
            "expected a key before the value; write `slug = \"…\"` or `id = \"…\"`".to_owned()
        } else {
            format!("expected a key; the keys are {}", key_list())
        };
        return Err(syn::Error::new_spanned(rest, message));
    }
    let key = input.call(Ident::parse_any)?;
    let name = key.to_string();
    if let Some(known) = KEYS.iter().find(|known| **known == name) {
        if attr.given.contains(known) {
            // Skip the repeated value so it gives no error of its own.
            take_to_comma(input);
            return Err(syn::Error::new_spanned(
                &key,
                format!("duplicate key `{key}`: it is already set in this attribute; keep only one"),
            ));
        }
        attr.given.push(known);
    }
    match name.as_str() {
        "slug" | "id" => {
            let example = if name == "slug" { "hubspot" } else { "create_contact" };
            let value = string_value(input, &key, example)?;
            if name == "slug" {
                attr.slug = Some(value);
            } else {
                attr.id = Some(value);
            }
        }
        "output" => {
            let output = type_value(input, &key)?;
            attr.output = Some(output);
        }
        "crate" => {
            let lit = string_value(input, &key, "::my_refold")?;
            let path = lit.parse::<Path>().map_err(|_| {
                syn::Error::new_spanned(
                    &lit,
                    "`crate` takes the path of the `refold` crate as a string, \
                     for example `crate = \"::my_refold\"`",
                )
            })?;
            attr.krate = Some(path);
        }
        "idempotent" => attr.idempotent = Some(flag(input, key, "actions are not idempotent unless marked")?),
        "unchecked" => attr.unchecked = Some(flag(input, key, "structs are checked unless marked")?),
        _ => {
            // Consume a value the unknown key may have, so it does not cause a second error.
            if input.peek(Token![=]) {
                take_to_comma(input);
            }
            let message = match closest_key(&name) {
                Some(known) => format!(
                    "unknown key `{name}`: did you mean `{known}`? (the keys are {})",
                    key_list()
                ),
                None => format!("unknown key `{name}`: the keys are {}", key_list()),
            };
            return Err(syn::Error::new_spanned(&key, message));
        }
    }
    Ok(())
}

/// Checks that the flag `key` has no value after it. `default` says what leaving it out means.
fn flag(input: ParseStream, key: Ident, default: &str) -> syn::Result<Ident> {
    if input.peek(Token![=]) {
        let value = take_to_comma(input);
        let message = if value.to_string().ends_with("false") {
            format!("`{key}` is a flag and takes no value; leave it out instead of writing `= false` ({default})")
        } else {
            format!("`{key}` is a flag and takes no value; write `{key}` alone")
        };
        return Err(syn::Error::new_spanned(value, message));
    }
    if !at_end_of_value(input) {
        let value = take_to_comma(input);
        return Err(syn::Error::new_spanned(
            value,
            format!("`{key}` is a flag and takes no value; write `{key}` alone"),
        ));
    }
    Ok(key)
}

/// Parses `= "…"` after `key`.
fn string_value(input: ParseStream, key: &Ident, example: &str) -> syn::Result<LitStr> {
    let eq = expect_eq(input, key, &format!("\"{example}\""))?;
    let value = take_to_comma(input);
    if value.is_empty() {
        return Err(syn::Error::new_spanned(
            eq,
            format!("`{key} =` needs a value; write `{key} = \"{example}\"`"),
        ));
    }
    if let Ok(lit) = syn::parse2::<LitStr>(value.clone()) {
        if lit.suffix().is_empty() {
            return Ok(lit);
        }
    }
    // Show the user's own value quoted when it is a single word, number or character.
    let quoted = match single_token(&value) {
        Some(TokenTree::Ident(ident)) => format!("\"{ident}\""),
        Some(TokenTree::Literal(literal)) => {
            let text = literal.to_string();
            let text = text.trim_matches('\'');
            format!("\"{text}\"")
        }
        _ => format!("\"{example}\""),
    };
    Err(syn::Error::new_spanned(
        value,
        format!("`{key}` takes a string literal; write `{key} = {quoted}`"),
    ))
}

/// Parses `= Type` after `key`.
fn type_value(input: ParseStream, key: &Ident) -> syn::Result<Type> {
    let eq = expect_eq(input, key, "MyOutput")?;
    if at_end_of_value(input) {
        return Err(syn::Error::new_spanned(
            eq,
            format!("`{key} =` needs a type; write `{key} = MyOutput`"),
        ));
    }
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        let message = match lit.parse::<Type>() {
            Ok(ty) => format!(
                "`output` takes a type, not a string; write `output = {}`",
                ty.to_token_stream()
            ),
            Err(_) => "`output` takes a type, not a string; write `output = MyOutput`".to_owned(),
        };
        return Err(syn::Error::new_spanned(lit, message));
    }
    let fork = input.fork();
    if let Ok(ty) = fork.parse::<Type>() {
        if at_end_of_value(&fork) {
            syn::parse::discouraged::Speculative::advance_to(input, &fork);
            if let Type::Infer(_) = ty {
                return Err(syn::Error::new_spanned(
                    ty,
                    "`output` must name the type of `data`; write `output = MyOutput`, or \
                     leave `output` out to get `serde_json::Value`",
                ));
            }
            return Ok(ty);
        }
    }
    let value = take_to_comma(input);
    Err(syn::Error::new_spanned(
        value,
        "`output` takes a type, the type `data` is decoded into; for example \
         `output = MyOutput` or `output = Vec<MyOutput>`",
    ))
}

/// Parses the `=` after a key that needs a value.
fn expect_eq(input: ParseStream, key: &Ident, example: &str) -> syn::Result<Token![=]> {
    if input.peek(Token![=]) {
        return input.parse();
    }
    if at_end_of_value(input) {
        return Err(syn::Error::new_spanned(
            key,
            format!("`{key}` needs a value; write `{key} = {example}`"),
        ));
    }
    let rest = take_to_comma(input);
    Err(syn::Error::new_spanned(
        rest,
        format!("expected `=` after `{key}`; write `{key} = {example}`"),
    ))
}

fn at_end_of_value(input: ParseStream) -> bool {
    input.is_empty() || input.peek(Token![,])
}

fn single_token(tokens: &TokenStream) -> Option<TokenTree> {
    let mut iter = tokens.clone().into_iter();
    match (iter.next(), iter.next()) {
        (Some(TokenTree::Group(group)), None) if group.delimiter() == Delimiter::None => single_token(&group.stream()),
        (Some(token), None) => Some(token),
        _ => None,
    }
}

/// Takes every token up to the next top-level `,` (which is left in place).
fn take_to_comma(input: ParseStream) -> TokenStream {
    input
        .step(|cursor| {
            let mut rest = *cursor;
            let mut taken = TokenStream::new();
            while let Some((token, next)) = rest.token_tree() {
                if let TokenTree::Punct(punct) = &token {
                    if punct.as_char() == ',' {
                        break;
                    }
                }
                taken.extend([token]);
                rest = next;
            }
            Ok((taken, rest))
        })
        .unwrap_or_default()
}

fn skip_to_comma(input: ParseStream) {
    take_to_comma(input);
}

fn key_list() -> String {
    quoted_list(KEYS.iter().copied())
}

/// The known key closest to `name`, if it is a plausible typo of it.
fn closest_key(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    if let Some(known) = KEYS.iter().find(|known| **known == lower) {
        return Some(known);
    }
    // Common names for the same thing in other APIs.
    let alias = match lower.as_str() {
        "app" | "application" | "integration" => Some("slug"),
        "action" | "action_id" | "actionid" | "name" => Some("id"),
        "output_type" | "returns" | "response" | "data" => Some("output"),
        "retry" | "retryable" | "read_only" | "readonly" => Some("idempotent"),
        "no_check" | "nocheck" | "skip_check" | "unverified" | "unsafe" | "lenient" => Some("unchecked"),
        "krate" | "crate_path" | "refold" => Some("crate"),
        _ => None,
    };
    if alias.is_some() {
        return alias;
    }
    KEYS.iter()
        .map(|known| (edit_distance(&lower, known), *known))
        .filter(|(distance, known)| *distance <= known.len().div_ceil(3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_suggest_the_nearest_key() {
        assert_eq!(closest_key("sulg"), Some("slug"));
        assert_eq!(closest_key("slugs"), Some("slug"));
        assert_eq!(closest_key("ID"), Some("id"));
        assert_eq!(closest_key("action_id"), Some("id"));
        assert_eq!(closest_key("idempotant"), Some("idempotent"));
        assert_eq!(closest_key("ouptut"), Some("output"));
        assert_eq!(closest_key("timeout"), None);
        assert_eq!(closest_key("uncheked"), Some("unchecked"));
        assert_eq!(closest_key("skip_check"), Some("unchecked"));
    }

    #[test]
    fn key_list_reads_as_a_sentence() {
        assert_eq!(
            key_list(),
            "`slug`, `id`, `output`, `idempotent`, `unchecked` and `crate`"
        );
    }
}
