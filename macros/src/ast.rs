//! The annotated item as the macro sees it: its shape, its fields, and the facts about the user's
//! own attributes that change what is generated.

use proc_macro2::{TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::{Attribute, Data, DeriveInput, Fields, GenericArgument, Path, PathArguments, Token, Type};

/// The annotated item.
pub(crate) struct Input<'a> {
    pub(crate) item: &'a DeriveInput,
    /// The item's tokens exactly as written, passed on unchanged when nothing is added to it.
    pub(crate) tokens: &'a TokenStream,
    pub(crate) shape: Shape<'a>,
    /// The user's own `#[derive(…, Serialize, …)]` on the item, when there is one.
    pub(crate) user_serialize: Option<&'a Attribute>,
}

/// What kind of item was annotated. Only `Named` and `Unit` are actions; the rest are kept so
/// `valid.rs` can say what to write instead.
pub(crate) enum Shape<'a> {
    Named(Vec<Field<'a>>),
    Unit,
    /// A tuple struct; holds the parenthesized field list.
    Tuple(&'a syn::FieldsUnnamed),
    /// An enum; holds the `enum` keyword.
    Enum(&'a Token![enum]),
    /// A union; holds the `union` keyword.
    Union(&'a Token![union]),
}

/// What the macro needs to know about one named field.
pub(crate) struct Field<'a> {
    /// The field as written.
    pub(crate) syn: &'a syn::Field,
    /// The field's type is written `Option<…>` (see [`is_option`]).
    pub(crate) is_option: bool,
    /// The keys of the field's `#[serde(…)]` attributes (`rename`, `skip_serializing_if`, …).
    serde_keys: Vec<String>,
    /// The field carries no attribute but doc comments, so serde would serialize it plainly.
    pub(crate) plain: bool,
}

impl<'a> Input<'a> {
    pub(crate) fn from_syn(item: &'a DeriveInput, tokens: &'a TokenStream) -> Self {
        let shape = match &item.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(fields) => Shape::Named(fields.named.iter().map(Field::from_syn).collect()),
                Fields::Unit => Shape::Unit,
                Fields::Unnamed(fields) => Shape::Tuple(fields),
            },
            Data::Enum(data) => Shape::Enum(&data.enum_token),
            Data::Union(data) => Shape::Union(&data.union_token),
        };
        Input {
            item,
            tokens,
            shape,
            user_serialize: user_serialize(&item.attrs),
        }
    }

    /// The item's `#[cfg(…)]` attributes, repeated on the generated impls so they disappear
    /// together with the item.
    pub(crate) fn cfgs(&self) -> impl Iterator<Item = &'a Attribute> {
        self.item.attrs.iter().filter(|attr| attr.path().is_ident("cfg"))
    }
}

impl<'a> Field<'a> {
    fn from_syn(field: &'a syn::Field) -> Self {
        Field {
            syn: field,
            is_option: is_option(&field.ty),
            serde_keys: field
                .attrs
                .iter()
                .filter(|attr| attr.path().is_ident("serde"))
                .flat_map(serde_keys)
                .collect(),
            plain: field.attrs.iter().all(|attr| attr.path().is_ident("doc")),
        }
    }

    fn has_serde_key(&self, keys: &[&str]) -> bool {
        self.serde_keys.iter().any(|key| keys.contains(&key.as_str()))
    }

    /// `skip`, `skip_serializing` or `skip_serializing_if`: the field decides itself when it is
    /// left out.
    pub(crate) fn decides_skipping(&self) -> bool {
        self.has_serde_key(&["skip", "skip_serializing", "skip_serializing_if"])
    }

    /// `skip_serializing_if`: a predicate decides, and whatever it lets through is sent.
    pub(crate) fn has_skip_predicate(&self) -> bool {
        self.has_serde_key(&["skip_serializing_if"])
    }

    /// `with` or `serialize_with`: the user's function writes the value.
    pub(crate) fn has_own_serializer(&self) -> bool {
        self.has_serde_key(&["with", "serialize_with"])
    }
}

impl Input<'_> {
    /// Whether the macro may write the item's `Serialize` impl itself instead of deriving it:
    /// a non-generic struct with named fields (or none) and no attribute that could change how
    /// serde serializes it (`#[serde(…)]`, `#[cfg_attr(…)]`, `#[repr(packed)]`, a `#[cfg]` on a
    /// field…). Serde's derive would produce the same plain impl for it, only at a higher
    /// compile cost.
    pub(crate) fn serializes_plainly(&self) -> bool {
        const NEUTRAL_ATTRIBUTES: [&str; 10] = [
            "doc",
            "derive",
            "allow",
            "warn",
            "deny",
            "expect",
            "forbid",
            "must_use",
            "non_exhaustive",
            "cfg",
        ];
        let neutral = |attr: &Attribute| NEUTRAL_ATTRIBUTES.iter().any(|name| attr.path().is_ident(name));
        let fields_plain = match &self.shape {
            Shape::Named(fields) => fields.iter().all(|field| field.plain),
            Shape::Unit => true,
            Shape::Tuple(_) | Shape::Enum(_) | Shape::Union(_) => false,
        };
        self.user_serialize.is_none()
            && self.item.generics.params.is_empty()
            && self.item.attrs.iter().all(neutral)
            && fields_plain
    }
}

/// Whether `ty` is spelled as an `Option`: `Option<T>`, `std::option::Option<T>` or
/// `core::option::Option<T>` (with or without a leading `::`). The check is by name, as it must
/// be in a macro: a type alias of `Option` is not recognised, and a user type named `Option`
/// would be.
pub(crate) fn is_option(ty: &Type) -> bool {
    let ty = peel(ty);
    let Type::Path(path) = ty else {
        return false;
    };
    if path.qself.is_some() {
        return false;
    }
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    let spelled_as_option = match segments.as_slice() {
        [one] => one == "Option",
        [krate, module, name] => (krate == "std" || krate == "core") && module == "option" && name == "Option",
        _ => false,
    };
    let last = path.path.segments.last().expect("a path has a segment");
    let has_one_type_argument = matches!(
        &last.arguments,
        PathArguments::AngleBracketed(args)
            if args.args.len() == 1 && matches!(args.args[0], GenericArgument::Type(_))
    );
    spelled_as_option && has_one_type_argument
}

/// Looks through the invisible groups and parentheses a type may be wrapped in.
fn peel(mut ty: &Type) -> &Type {
    loop {
        match ty {
            Type::Group(group) => ty = &group.elem,
            Type::Paren(paren) => ty = &paren.elem,
            _ => return ty,
        }
    }
}

/// The keys a `#[serde(…)]` attribute sets: `rename`, `skip_serializing_if`, `with`, …
fn serde_keys(attr: &Attribute) -> Vec<String> {
    let syn::Meta::List(list) = &attr.meta else {
        return Vec::new();
    };
    top_level_idents(list.tokens.clone())
        .map(|ident| ident.to_string())
        .collect()
}

/// The identifiers that start each comma-separated item of an attribute's list.
fn top_level_idents(tokens: TokenStream) -> impl Iterator<Item = proc_macro2::Ident> {
    let mut at_start = true;
    tokens.into_iter().filter_map(move |token| {
        let found = match (&token, at_start) {
            (TokenTree::Ident(ident), true) => Some(ident.clone()),
            _ => None,
        };
        at_start = matches!(&token, TokenTree::Punct(punct) if punct.as_char() == ',');
        found
    })
}

/// The `#[derive(…)]` attribute that lists the user's own `Serialize`, if any. Matched by the
/// last segment: `Serialize`, `serde::Serialize`, `::serde::Serialize`.
fn user_serialize(attrs: &[Attribute]) -> Option<&Attribute> {
    attrs.iter().filter(|attr| attr.path().is_ident("derive")).find(|attr| {
        attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
            .is_ok_and(|paths| {
                paths
                    .iter()
                    .any(|path| path.segments.last().is_some_and(|segment| segment.ident == "Serialize"))
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;
    use syn::parse_quote;

    #[test]
    fn option_is_recognised_by_spelling() {
        let options: [Type; 6] = [
            parse_quote!(Option<String>),
            parse_quote!(std::option::Option<u8>),
            parse_quote!(::std::option::Option<u8>),
            parse_quote!(core::option::Option<Vec<u8>>),
            parse_quote!(::core::option::Option<&'a str>),
            parse_quote!((Option<u8>)),
        ];
        for ty in &options {
            assert!(is_option(ty), "{}", quote::quote!(#ty));
        }
        let others: [Type; 6] = [
            parse_quote!(String),
            parse_quote!(Vec<Option<u8>>),
            parse_quote!(my::Option<u8>),
            parse_quote!(Option),
            parse_quote!(<T as Trait>::Option<u8>),
            parse_quote!(OptionalThing<u8>),
        ];
        for ty in &others {
            assert!(!is_option(ty), "{}", quote::quote!(#ty));
        }
    }

    #[test]
    fn serde_skip_attributes_are_detected() {
        let field = |attr: Attribute| {
            let field: &'static syn::Field = Box::leak(Box::new(parse_quote!(#attr pub name: Option<String>)));
            Field::from_syn(field)
        };
        let deciding: [Attribute; 4] = [
            parse_quote!(#[serde(skip)]),
            parse_quote!(#[serde(skip_serializing)]),
            parse_quote!(#[serde(rename = "a", skip_serializing_if = "is_empty")]),
            parse_quote!(#[serde(with = "x", skip_serializing_if = "Option::is_none")]),
        ];
        for attr in deciding {
            assert!(field(attr).decides_skipping());
        }
        let not_deciding: [Attribute; 3] = [
            parse_quote!(#[serde(rename = "skip")]),
            parse_quote!(#[serde(default)]),
            parse_quote!(#[serde(rename(serialize = "skip_serializing_if"))]),
        ];
        for attr in not_deciding {
            let field = field(attr);
            assert!(!field.decides_skipping());
            assert!(!field.plain);
        }
        assert!(field(parse_quote!(#[serde(serialize_with = "upper")])).has_own_serializer());
        assert!(field(parse_quote!(#[doc = "An email."])).plain);
    }

    #[test]
    fn only_attribute_free_structs_serialize_plainly() {
        let plain: [DeriveInput; 3] = [
            parse_quote!(
                #[derive(Debug)]
                #[doc = "A."]
                pub struct A {
                    #[doc = "x"]
                    x: u8,
                    y: Option<u8>,
                }
            ),
            parse_quote!(
                pub struct A;
            ),
            parse_quote!(
                #[allow(dead_code)]
                #[cfg(test)]
                pub struct A {}
            ),
        ];
        for item in &plain {
            assert!(Input::from_syn(item, &item.to_token_stream()).serializes_plainly());
        }
        let derived: [DeriveInput; 7] = [
            parse_quote!(
                #[serde(rename_all = "camelCase")]
                pub struct A {
                    x: u8,
                }
            ),
            parse_quote!(
                pub struct A {
                    #[serde(rename = "b")]
                    x: u8,
                }
            ),
            parse_quote!(
                pub struct A {
                    #[cfg(test)]
                    x: u8,
                }
            ),
            parse_quote!(
                #[cfg_attr(test, serde(deny_unknown_fields))]
                pub struct A {
                    x: u8,
                }
            ),
            parse_quote!(
                #[repr(packed)]
                pub struct A {
                    x: u8,
                }
            ),
            parse_quote!(
                pub struct A<T> {
                    x: T,
                }
            ),
            parse_quote!(
                #[derive(serde::Serialize)]
                pub struct A {
                    x: u8,
                }
            ),
        ];
        for item in &derived {
            assert!(!Input::from_syn(item, &item.to_token_stream()).serializes_plainly());
        }
    }
}
