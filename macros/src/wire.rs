//! The request body a struct is serialized into, as far as its tokens and serde's attributes
//! tell: which fields are sent, under which names, and which the macro cannot see into.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{Ident, LitStr, Type};

use crate::ast::{Input, Shape};
use crate::rename::RenameRule;
use crate::serde_attrs::{self, Value};

/// The struct's body.
pub(crate) struct Wire<'a> {
    pub(crate) fields: Vec<WireField<'a>>,
    /// `#[serde(tag = "…")]`: serde adds this key, holding the struct's name.
    pub(crate) tag: Option<LitStr>,
    /// The struct's `rename_all` rule.
    pub(crate) rename_all: Option<RenameRule>,
}

/// One field, as serde sends it.
pub(crate) struct WireField<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    /// The key it is sent under.
    pub(crate) name: String,
    /// Where that name was written.
    pub(crate) name_from: NameFrom,
    pub(crate) role: Role,
    /// `with`, `serialize_with` or serde_with's `serde_as`: the user's function decides what
    /// JSON the value becomes, so its type says nothing.
    pub(crate) own_serializer: bool,
}

/// Where a field's wire name comes from.
pub(crate) enum NameFrom {
    /// The field's own name.
    Ident,
    /// `#[serde(rename = "…")]`, the literal.
    Rename(LitStr),
    /// The field's name under the struct's `rename_all` rule, written as this literal.
    RenameAll(LitStr),
}

impl NameFrom {
    /// The span an error about the name points at: the literal that set it, else the field.
    pub(crate) fn span(&self, ident: &Ident) -> Span {
        match self {
            NameFrom::Ident | NameFrom::RenameAll(_) => ident.span(),
            NameFrom::Rename(lit) => lit.span(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Sent under its name.
    Parameter,
    /// `skip` or `skip_serializing`: never sent.
    Skipped,
    /// `flatten`: its own fields are sent in its place, which the macro cannot see.
    Flattened,
    /// A `#[cfg_attr(…, serde(…))]` may change it: its name and role depend on the
    /// configuration.
    Conditional,
}

/// What serde will send for `input`; `None` when the macro cannot tell: `#[serde(transparent)]`,
/// `#[serde(into = "…")]` or `remote` (another type is sent), a `#[cfg_attr]` that may add serde
/// attributes to the struct, an unknown `rename_all` rule or an attribute serde will reject.
pub(crate) fn read<'a>(input: &'a Input) -> Option<Wire<'a>> {
    let attrs = &input.item.attrs;
    if serde_attrs::has_conditional_serde(attrs) {
        return None;
    }
    let mut rename_all = None;
    let mut tag = None;
    for item in serde_attrs::items(attrs)? {
        match item.key.to_string().as_str() {
            "transparent" | "into" | "remote" => return None,
            "rename_all" => {
                if let Some(lit) = serde_attrs::serialize_str(item.value.as_ref())? {
                    rename_all = Some((RenameRule::from_name(&lit.value())?, lit));
                }
            }
            "tag" => match item.value {
                Some(Value::Str(lit)) => tag = Some(lit),
                _ => return None,
            },
            _ => {}
        }
    }
    let fields = match &input.shape {
        Shape::Named(fields) => fields,
        Shape::Unit => {
            return Some(Wire {
                fields: Vec::new(),
                tag,
                rename_all: rename_all.map(|(rule, _)| rule),
            });
        }
        Shape::Tuple(_) | Shape::Enum(_) | Shape::Union(_) => return None,
    };
    let mut wire = Vec::with_capacity(fields.len());
    for field in fields {
        let syn = field.syn;
        let ident = syn.ident.as_ref()?;
        let own_name = ident.unraw().to_string();
        let (mut name, mut name_from) = match &rename_all {
            Some((rule, lit)) => (rule.apply_to_field(&own_name), NameFrom::RenameAll(lit.clone())),
            None => (own_name, NameFrom::Ident),
        };
        let mut role = Role::Parameter;
        let mut own_serializer = syn.attrs.iter().any(|attr| attr.path().is_ident("serde_as"));
        if serde_attrs::has_conditional_serde(&syn.attrs) {
            role = Role::Conditional;
        }
        for item in serde_attrs::items(&syn.attrs)? {
            match item.key.to_string().as_str() {
                "rename" => {
                    if let Some(lit) = serde_attrs::serialize_str(item.value.as_ref())? {
                        name = lit.value();
                        name_from = NameFrom::Rename(lit);
                    }
                }
                "skip" | "skip_serializing" if role != Role::Conditional => role = Role::Skipped,
                "flatten" if role == Role::Parameter => role = Role::Flattened,
                "with" | "serialize_with" => own_serializer = true,
                _ => {}
            }
        }
        wire.push(WireField {
            ident,
            ty: &syn.ty,
            name,
            name_from,
            role,
            own_serializer,
        });
    }
    Some(Wire {
        fields: wire,
        tag,
        rename_all: rename_all.map(|(rule, _)| rule),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;
    use syn::{DeriveInput, parse_quote};

    fn names(item: DeriveInput) -> Option<Vec<(String, Role, bool)>> {
        let item: &'static DeriveInput = Box::leak(Box::new(item));
        let tokens = Box::leak(Box::new(item.to_token_stream()));
        let input: &'static Input = Box::leak(Box::new(Input::from_syn(item, tokens)));
        read(input).map(|wire| {
            wire.fields
                .into_iter()
                .map(|field| (field.name, field.role, field.own_serializer))
                .collect()
        })
    }

    #[test]
    fn names_follow_serde() {
        let item = parse_quote!(
            #[serde(rename_all = "camelCase", deny_unknown_fields)]
            struct A {
                first_name: String,
                #[serde(rename = "jobtitle")]
                job_title: String,
                #[serde(rename(deserialize = "ignored"))]
                last_name: String,
                #[serde(skip)]
                note: String,
                #[serde(skip_serializing_if = "Option::is_none", with = "m")]
                r#type: Option<String>,
                #[serde(flatten)]
                rest: Extra,
                #[cfg_attr(test, serde(rename = "x"))]
                maybe: u8,
            }
        );
        let names = names(item).unwrap();
        assert_eq!(
            names,
            vec![
                ("firstName".into(), Role::Parameter, false),
                ("jobtitle".into(), Role::Parameter, false),
                ("lastName".into(), Role::Parameter, false),
                ("note".into(), Role::Skipped, false),
                ("type".into(), Role::Parameter, true),
                ("rest".into(), Role::Flattened, false),
                ("maybe".into(), Role::Conditional, false),
            ]
        );
    }

    #[test]
    fn what_serde_sends_otherwise_is_not_guessed() {
        let opaque: [DeriveInput; 5] = [
            parse_quote!(
                #[serde(transparent)]
                struct A {
                    a: String,
                }
            ),
            parse_quote!(
                #[serde(into = "B")]
                struct A {
                    a: String,
                }
            ),
            parse_quote!(
                #[serde(rename_all = "Camel")]
                struct A {
                    a: String,
                }
            ),
            parse_quote!(
                #[cfg_attr(test, serde(rename_all = "camelCase"))]
                struct A {
                    a: String,
                }
            ),
            parse_quote!(
                struct A {
                    #[serde(rename = 5)]
                    a: String,
                }
            ),
        ];
        for item in opaque {
            assert!(names(item).is_none());
        }
    }
}
