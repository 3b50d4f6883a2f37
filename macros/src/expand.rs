//! Code generation for a valid `#[refold_action]`.
//!
//! The output is the user's struct with `#[derive(Serialize)]` added in front, then one
//! `const _: () = { … };` holding `impl Action` and the inherent `execute`. Everything it names
//! goes through `<root>::__private`, so the user's own `Result`, `Option`, `serde`, `core`… in
//! scope change nothing, and the user needs no serde dependency.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::{Data, Fields, GenericParam, Generics, LitStr, parse_quote};

use crate::ast::{Input, Shape};
use crate::attr::Attr;

/// The values of the generated `impl Action`. A failed expansion fills them with placeholders.
pub(crate) struct Consts {
    pub(crate) slug: LitStr,
    pub(crate) id: LitStr,
}

/// Expands a valid attribute on a named-field or unit struct.
pub(crate) fn expand(attr: &Attr, input: &Input, consts: &Consts) -> TokenStream {
    let item = item_with_serialize(attr, input);
    let impls = impls(attr, input, consts, TokenStream::new());
    quote!(#item #impls)
}

/// The item with `#[derive(Serialize)]` and `#[serde(crate = "…")]` in front of the user's own
/// attributes, and "leave `None` out" added to its `Option` fields.
pub(crate) fn item_with_serialize(attr: &Attr, input: &Input) -> TokenStream {
    let root = attr.root();
    let mut item = input.item.clone();
    if let (Shape::Named(fields), Data::Struct(data)) = (&input.shape, &mut item.data) {
        if let Fields::Named(named) = &mut data.fields {
            let is_none = LitStr::new(
                &format!("{}::__private::Option::is_none", path_text(&root)),
                Span::call_site(),
            );
            for (model, field) in fields.iter().zip(named.named.iter_mut()) {
                if model.is_option && !model.decides_skipping {
                    field.attrs.push(parse_quote!(#[serde(skip_serializing_if = #is_none)]));
                }
            }
        }
    }
    if input.user_serialize.is_some() {
        // The user derives `Serialize` themselves (with their own serde); adding ours would
        // implement the trait twice.
        return item.into_token_stream();
    }
    let serde_path = LitStr::new(&format!("{}::__private::serde", path_text(&root)), Span::call_site());
    quote! {
        #[derive(#root::__private::serde::Serialize)]
        #[serde(crate = #serde_path)]
        #item
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
