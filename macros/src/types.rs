//! What JSON a field's type is written as, when its spelling says so plainly, for the check of a
//! field against its parameter's `type` in a schema snapshot.
//!
//! The macro sees only tokens, so the judgement is by name: the primitives, `String`, `str`,
//! `char`, the standard collections and the smart pointers around them, written bare or as a path
//! from `std`, `core` or `alloc`. Anything else — the user's types, type aliases, generic
//! parameters, `serde_json::Value` — is `Unknown` and passes every check.

use syn::{GenericArgument, Ident, PathArguments, Type};

/// The JSON a value of the type is serialized as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JsonKind {
    Boolean,
    Number,
    String,
    Array,
    Object,
    Null,
    Unknown,
}

impl JsonKind {
    /// How a message names it: "is sent as …".
    pub(crate) fn describe(self) -> &'static str {
        match self {
            JsonKind::Boolean => "a JSON boolean",
            JsonKind::Number => "a JSON number",
            JsonKind::String => "a JSON string",
            JsonKind::Array => "a JSON array",
            JsonKind::Object => "a JSON object",
            JsonKind::Null => "`null`",
            JsonKind::Unknown => "a value of its own shape",
        }
    }
}

const INTEGERS: [&str; 12] = [
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
];
const NON_ZERO: [&str; 13] = [
    "NonZero",
    "NonZeroI8",
    "NonZeroI16",
    "NonZeroI32",
    "NonZeroI64",
    "NonZeroI128",
    "NonZeroIsize",
    "NonZeroU8",
    "NonZeroU16",
    "NonZeroU32",
    "NonZeroU64",
    "NonZeroU128",
    "NonZeroUsize",
];
const SEQUENCES: [&str; 6] = ["Vec", "VecDeque", "LinkedList", "BinaryHeap", "HashSet", "BTreeSet"];
const MAPS: [&str; 2] = ["HashMap", "BTreeMap"];
/// Serialized as the value they hold.
const WRAPPERS: [&str; 5] = ["Option", "Box", "Rc", "Arc", "Cow"];

/// The JSON kind of `ty`. `generics` are the struct's type parameters, which are `Unknown` even
/// when one is named like a known type.
pub(crate) fn json_kind(ty: &Type, generics: &[&Ident]) -> JsonKind {
    match ty {
        Type::Group(group) => json_kind(&group.elem, generics),
        Type::Paren(paren) => json_kind(&paren.elem, generics),
        Type::Reference(reference) => json_kind(&reference.elem, generics),
        Type::Tuple(tuple) if tuple.elems.is_empty() => JsonKind::Null,
        Type::Tuple(_) | Type::Array(_) | Type::Slice(_) => JsonKind::Array,
        Type::Path(path) if path.qself.is_none() => {
            let segments = &path.path.segments;
            let last = segments.last().expect("a path has a segment");
            let name = last.ident.to_string();
            let bare = segments.len() == 1 && path.path.leading_colon.is_none();
            if bare && generics.iter().any(|generic| **generic == last.ident) {
                return JsonKind::Unknown;
            }
            let first = segments.first().expect("a path has a segment").ident.to_string();
            let standard = bare || matches!(first.as_str(), "std" | "core" | "alloc");
            if !standard {
                return match (first.as_str(), name.as_str(), segments.len()) {
                    ("serde_json", "Map", 2) => JsonKind::Object,
                    ("serde_json", "Number", 2) => JsonKind::Number,
                    _ => JsonKind::Unknown,
                };
            }
            match name.as_str() {
                "bool" => JsonKind::Boolean,
                "f32" | "f64" => JsonKind::Number,
                "str" | "char" | "String" => JsonKind::String,
                name if INTEGERS.contains(&name) || NON_ZERO.contains(&name) => JsonKind::Number,
                name if SEQUENCES.contains(&name) => JsonKind::Array,
                name if MAPS.contains(&name) => JsonKind::Object,
                name if WRAPPERS.contains(&name) => match last_type_argument(&last.arguments) {
                    Some(inner) => json_kind(inner, generics),
                    None => JsonKind::Unknown,
                },
                _ => JsonKind::Unknown,
            }
        }
        _ => JsonKind::Unknown,
    }
}

/// The last type among `<…>` arguments: the `T` of `Option<T>` or of `Cow<'a, T>`.
fn last_type_argument(arguments: &PathArguments) -> Option<&Type> {
    let PathArguments::AngleBracketed(arguments) = arguments else {
        return None;
    };
    arguments.args.iter().rev().find_map(|argument| match argument {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn kind(ty: Type) -> JsonKind {
        let t: Ident = parse_quote!(T);
        let string: Ident = parse_quote!(String);
        json_kind(&ty, &[&t, &string])
    }

    #[test]
    fn plain_spellings_are_judged() {
        assert_eq!(kind(parse_quote!(bool)), JsonKind::Boolean);
        assert_eq!(kind(parse_quote!(std::primitive::bool)), JsonKind::Boolean);
        for number in [
            parse_quote!(u32),
            parse_quote!(f64),
            parse_quote!(i128),
            parse_quote!(std::num::NonZeroU64),
            parse_quote!(core::num::NonZero<u8>),
            parse_quote!(serde_json::Number),
        ] {
            assert_eq!(kind(number), JsonKind::Number);
        }
        for string in [
            parse_quote!(&'a str),
            parse_quote!(::std::string::String),
            parse_quote!(char),
            parse_quote!(Box<str>),
            parse_quote!(std::borrow::Cow<'a, str>),
            parse_quote!(Option<Option<&'static str>>),
            parse_quote!(Arc<str>),
        ] {
            assert_eq!(kind(string), JsonKind::String);
        }
        for array in [
            parse_quote!(Vec<u8>),
            parse_quote!([u8; 4]),
            parse_quote!(&'a [String]),
            parse_quote!((u8, u8)),
            parse_quote!(std::collections::BTreeSet<T>),
        ] {
            assert_eq!(kind(array), JsonKind::Array);
        }
        assert_eq!(kind(parse_quote!(HashMap<String, u8>)), JsonKind::Object);
        assert_eq!(kind(parse_quote!(serde_json::Map<String, Value>)), JsonKind::Object);
        assert_eq!(kind(parse_quote!(())), JsonKind::Null);
    }

    #[test]
    fn what_the_macro_cannot_see_is_unknown() {
        for unknown in [
            parse_quote!(T),
            parse_quote!(String), // a generic parameter of that name
            parse_quote!(Email),  // a user type, or an alias of anything
            parse_quote!(serde_json::Value),
            parse_quote!(Value),
            parse_quote!(my::bool),
            parse_quote!(<T as Trait>::Output),
            parse_quote!(Option<T>),
            parse_quote!(Box<dyn Serialize>),
            parse_quote!(impl Serialize),
            parse_quote!(Option),
        ] {
            assert_eq!(kind(unknown), JsonKind::Unknown);
        }
    }
}
