//! Code generation for a valid `#[refold_action]`.
//!
//! The output is the user's struct (with `#[derive(Serialize)]` added in front when serde has to
//! derive it), then one invocation of the runtime's `__refold_action!`, which writes
//! `const _: () = { … };` holding `impl Action`, the inherent `execute` and, for a struct that
//! serializes plainly, `impl Serialize`. The invocation carries only the facts; the code itself
//! is a `macro_rules!` in the facade (`src/action_macro.rs`), because rustc expands that natively
//! while every token a procedural macro emits crosses the proc-macro bridge. Everything the
//! output names goes through `<root>::__private` or `$crate`, so the user's own `Result`,
//! `Option`, `serde`, `core`… in scope change nothing, and the user needs no serde dependency.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::{Data, DataStruct, Fields, Generics, Ident, LitStr, parse_quote};

use crate::ast::{Input, Shape};
use crate::attr::Attr;

/// The values of the generated `impl Action`. A failed expansion fills them with placeholders.
pub(crate) struct Consts {
    pub(crate) slug: LitStr,
    pub(crate) id: LitStr,
}

/// Expands a valid attribute on a named-field or unit struct. `snapshot` is the absolute path of
/// the schema snapshot the struct was checked against, if it was: the expansion makes Cargo
/// rebuild the crate when that file, or `REFOLD_SCHEMA_DIR`, changes (see `__refold_action!`).
pub(crate) fn expand(attr: &Attr, input: &Input, consts: &Consts, snapshot: Option<&str>) -> TokenStream {
    let (item, serialize) = item_and_serialize(attr, input);
    let impls = impls(attr, input, consts, serialize, snapshot);
    quote!(#item #impls)
}

/// The item, and how it gets its `Serialize` impl, as the `serialize` argument of the runtime's
/// `__refold_action!`: written by that macro when the struct serializes plainly (the item is then
/// passed on exactly as written), else `derived` by serde (the derive is added in front of the
/// item) or by the user's own derive.
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
        return (input.tokens.clone(), plain_serialize(input));
    }
    let mut item = input.item.clone();
    let mut changed = false;
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
                    changed = true;
                } else if model.has_own_serializer() && !model.decides_skipping() {
                    let is_none = private_path("Option::is_none");
                    field.attrs.push(parse_quote!(#[serde(skip_serializing_if = #is_none)]));
                    changed = true;
                }
            }
        }
    }
    // Most items need no added attribute: pass their tokens on as written.
    let item = if changed {
        item.into_token_stream()
    } else {
        input.tokens.clone()
    };
    if input.user_serialize.is_some() {
        // The user derives `Serialize` themselves (with their own serde); adding ours would
        // implement the trait twice.
        return (item, quote!(derived));
    }
    let serde_path = LitStr::new(&format!("{}::__private::serde", path_text(&root)), Span::call_site());
    let item = quote! {
        #[derive(#root::__private::serde::Serialize)]
        #[serde(crate = #serde_path)]
        #item
    };
    (item, quote!(derived))
}

/// How the runtime's `__refold_action!` writes `impl Serialize` for a struct without attributes
/// or generics, as serde's derive would: each field under its own name (a raw identifier's `r#`
/// dropped), in order. Each field is read with the field's span, so a field whose type is not
/// `Serialize` is reported on that field.
fn plain_serialize(input: &Input) -> TokenStream {
    let name = input.item.ident.unraw().to_string();
    match &input.item.data {
        Data::Struct(DataStruct {
            fields: Fields::Named(named),
            ..
        }) => {
            let count = named.named.len();
            // The runtime macro binds `self` and the field writer to these names; each field's
            // statement uses them with the field's own span (whose hygiene is the caller's, as
            // the bindings' is), so errors about a field point at it.
            let this = Ident::new("__refold_this", Span::call_site());
            let writer = Ident::new("__refold_fields", Span::call_site());
            let fields = named.named.iter().filter_map(|field| {
                let member = field.ident.as_ref()?;
                let key = member.unraw().to_string();
                Some(quote_spanned!(member.span()=> #writer.field(#key, &#this.#member)?;))
            });
            quote!({ struct: #name, fields: #count, this: #this, writer: #writer; #(#fields)* })
        }
        _ => quote!({ unit: #name }),
    }
}

/// The invocation of the runtime's `__refold_action!` that writes `impl Action`, the inherent
/// `execute` and, as `serialize` says (see [`item_and_serialize`]), `impl Serialize`.
pub(crate) fn impls(
    attr: &Attr,
    input: &Input,
    consts: &Consts,
    serialize: TokenStream,
    snapshot: Option<&str>,
) -> TokenStream {
    let root = attr.root();
    let private = quote!(#root::__private);
    let ident = &input.item.ident;
    let output = match &attr.output {
        Some(ty) => ty.to_token_stream(),
        None => quote!(#private::serde_json::Value),
    };
    let generics = bounded_generics(&input.item.generics, input, &private, &output);
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let idempotent = match &attr.idempotent {
        Some(flag) => quote_spanned!(flag.span()=> true),
        None => quote!(false),
    };
    let Consts { slug, id } = consts;
    let doc = format!(
        "Runs the Refold action `{}` of the app `{}`, with this value as its parameters.\n\n\
         # Errors\n\n\
         Fails when the request cannot be sent or is refused, or when the app reports a \
         failure; see `refold::Error`.",
        id.value(),
        slug.value(),
    );
    let cfgs = input.cfgs();
    let snapshot = snapshot.map(|file| quote!(, snapshot: #file));
    quote! {
        #(#cfgs)*
        #private::__refold_action! {
            type: #ident,
            impl_generics: [#impl_generics],
            type_generics: [#ty_generics],
            where_clause: [#where_clause],
            slug: #slug,
            id: #id,
            idempotent: #idempotent,
            output: #output,
            doc: #doc,
            serialize: #serialize
            #snapshot
        }
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
