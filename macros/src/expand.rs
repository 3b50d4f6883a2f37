//! Code generation for a valid `#[refold_action]`.
//!
//! The output is the user's struct (with `#[derive(Serialize)]` added in front when serde has to
//! derive it), then one `const _: () = { … };` holding `impl Action`, the inherent `execute` and,
//! for a struct that serializes plainly, the macro's own `impl Serialize`. Everything it names
//! goes through `<root>::__private`, so the user's own `Result`, `Option`, `serde`, `core`… in
//! scope change nothing, and the user needs no serde dependency.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DataStruct, Fields, GenericParam, Generics, LitStr, parse_quote};

use crate::ast::{Input, Shape};
use crate::attr::Attr;

/// The values of the generated `impl Action`. A failed expansion fills them with placeholders.
pub(crate) struct Consts {
    pub(crate) slug: LitStr,
    pub(crate) id: LitStr,
}

/// Expands a valid attribute on a named-field or unit struct.
pub(crate) fn expand(attr: &Attr, input: &Input, consts: &Consts) -> TokenStream {
    let (item, serialize) = item_and_serialize(attr, input);
    let impls = impls(attr, input, consts, serialize);
    quote!(#item #impls)
}

/// The item, and how it gets its `Serialize` impl: written by the macro (returned second, for
/// the `const _` block) when the struct serializes plainly, else derived by serde (the derive is
/// added in front of the item).
///
/// `None` fields need nothing here: the client leaves top-level `None` values out when it writes
/// the body. Two kinds of `Option` field get an attribute so that this rule keeps the meaning
/// the user gave them:
///
/// - a field with its own `skip_serializing_if` sends whatever the predicate lets through, so a
///   `None` it keeps is written as a unit (JSON `null`, which the client does not leave out);
/// - a field with its own `serialize_with`/`with` gets `skip_serializing_if = "Option::is_none"`,
///   so its function is never handed a `None` (it would write something else than "absent").
pub(crate) fn item_and_serialize(attr: &Attr, input: &Input) -> (TokenStream, TokenStream) {
    let root = attr.root();
    if input.serializes_plainly() {
        return (input.item.to_token_stream(), plain_serialize(&root, input));
    }
    let mut item = input.item.clone();
    if let (Shape::Named(fields), Data::Struct(data)) = (&input.shape, &mut item.data) {
        if let Fields::Named(named) = &mut data.fields {
            let private_path =
                |name: &str| LitStr::new(&format!("{}::__private::{name}", path_text(&root)), Span::call_site());
            for (model, field) in fields.iter().zip(named.named.iter_mut()) {
                if !model.is_option {
                    continue;
                }
                if model.has_skip_predicate() && !model.has_own_serializer() {
                    let keep_null = private_path("keep_null");
                    field.attrs.push(parse_quote!(#[serde(serialize_with = #keep_null)]));
                } else if model.has_own_serializer() && !model.decides_skipping() {
                    let is_none = private_path("Option::is_none");
                    field.attrs.push(parse_quote!(#[serde(skip_serializing_if = #is_none)]));
                }
            }
        }
    }
    if input.user_serialize.is_some() {
        // The user derives `Serialize` themselves (with their own serde); adding ours would
        // implement the trait twice.
        return (item.into_token_stream(), TokenStream::new());
    }
    let serde_path = LitStr::new(&format!("{}::__private::serde", path_text(&root)), Span::call_site());
    let item = quote! {
        #[derive(#root::__private::serde::Serialize)]
        #[serde(crate = #serde_path)]
        #item
    };
    (item, TokenStream::new())
}

/// The `Serialize` impl serde's derive would write for a struct without attributes or generics:
/// each field under its own name (a raw identifier's `r#` dropped), in order. Each field's
/// serialization is spanned on its type, so a type that is not `Serialize` is reported there.
fn plain_serialize(root: &TokenStream, input: &Input) -> TokenStream {
    let private = quote!(#root::__private);
    let ident = &input.item.ident;
    let name = ident.unraw().to_string();
    let body = match &input.item.data {
        Data::Struct(DataStruct {
            fields: Fields::Named(named),
            ..
        }) => {
            let count = named.named.len();
            let fields = named.named.iter().map(|field| {
                let member = field.ident.as_ref().expect("named fields have names");
                let key = member.unraw().to_string();
                quote_spanned! {field.ty.span()=>
                    #private::serde::ser::SerializeStruct::serialize_field(&mut __state, #key, &self.#member)?;
                }
            });
            quote! {
                let mut __state = #private::serde::Serializer::serialize_struct(__serializer, #name, #count)?;
                #(#fields)*
                #private::serde::ser::SerializeStruct::end(__state)
            }
        }
        _ => quote!(#private::serde::Serializer::serialize_unit_struct(__serializer, #name)),
    };
    quote! {
        #[automatically_derived]
        impl #private::serde::Serialize for #ident {
            fn serialize<__S: #private::serde::Serializer>(
                &self,
                __serializer: __S,
            ) -> #private::Result<__S::Ok, __S::Error> {
                #body
            }
        }
    }
}

/// `impl Action` and the inherent `execute`, inside `const _: () = { … };`. `extra` is added to
/// the block (the fallback puts a stand-in `impl Serialize` there).
pub(crate) fn impls(attr: &Attr, input: &Input, consts: &Consts, extra: TokenStream) -> TokenStream {
    let root = attr.root();
    let private = quote!(#root::__private);
    let ident = &input.item.ident;
    let output = match &attr.output {
        Some(ty) => ty.to_token_stream(),
        None => quote!(#private::serde_json::Value),
    };
    let generics = bounded_generics(&input.item.generics, input, &private, &output);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let idempotent = attr.idempotent.as_ref().map(|flag| {
        let value = quote::quote_spanned!(flag.span()=> true);
        quote!(const IDEMPOTENT: #private::bool = #value;)
    });
    let Consts { slug, id } = consts;
    let doc = format!(
        "Runs the Refold action `{}` of the app `{}`, with this value as its parameters.\n\n\
         # Errors\n\n\
         Fails when the request cannot be sent or is refused, or when the app reports a \
         failure; see `refold::Error`.",
        id.value(),
        slug.value(),
    );
    // Every parameter of the struct, for the `use<…>` of `execute`'s return type: precise
    // capturing reads the same in every edition the user's crate may be written in.
    let captures = input.item.generics.params.iter().map(|param| match param {
        GenericParam::Lifetime(param) => param.lifetime.to_token_stream(),
        GenericParam::Type(param) => param.ident.to_token_stream(),
        GenericParam::Const(param) => param.ident.to_token_stream(),
    });
    let cfgs = input.cfgs();
    quote! {
        #(#cfgs)*
        #[allow(unused_qualifications)]
        const _: () = {
            #[automatically_derived]
            impl #impl_generics #private::Action for #ident #ty_generics #where_clause {
                const SLUG: &'static #private::str = #slug;
                const ACTION_ID: &'static #private::str = #id;
                #idempotent
                type Output = #output;
            }

            #[automatically_derived]
            impl #impl_generics #ident #ty_generics #where_clause {
                #[doc = #doc]
                #[inline]
                pub fn execute<'__refold>(
                    &'__refold self,
                    client: &'__refold #private::Client,
                ) -> impl #private::Future<
                    Output = #private::Result<#private::ActionResponse<#output>, #private::Error>,
                > + use<'__refold, #(#captures),*> {
                    #private::Client::execute(client, self)
                }
            }

            #extra
        };
    }
}

/// The item's generics, plus — when it has any — the bounds that make `impl Action` hold:
/// `Self: Serialize` (serde's derive bounds each type parameter) and `Output: DeserializeOwned`
/// (the output type may use the parameters).
fn bounded_generics(generics: &Generics, input: &Input, private: &TokenStream, output: &TokenStream) -> Generics {
    let mut generics = generics.clone();
    if generics.params.is_empty() {
        return generics;
    }
    let ident = &input.item.ident;
    let (_, ty_generics, _) = input.item.generics.split_for_impl();
    let predicates = &mut generics.make_where_clause().predicates;
    predicates.push(parse_quote!(#ident #ty_generics: #private::serde::Serialize));
    predicates.push(parse_quote!(#output: #private::serde::de::DeserializeOwned));
    generics
}

/// A path as text serde can parse back (`crate = "…"`, `skip_serializing_if = "…"`).
fn path_text(path: &TokenStream) -> String {
    path.to_string().replace(' ', "")
}
