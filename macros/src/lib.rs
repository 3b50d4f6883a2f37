//! The `#[refold_action]` attribute of the Refold SDK. Use it through the `refold` crate, which
//! re-exports it as `refold::refold_action` and provides the runtime it expands to.

mod ast;
mod attr;
mod ctxt;
mod expand;
mod fallback;
mod valid;

use proc_macro::TokenStream;

/// DOCS
#[proc_macro_attribute]
pub fn refold_action(args: TokenStream, item: TokenStream) -> TokenStream {
    refold_action_impl(args.into(), item.into()).into()
}

/// Parse → validate → expand, with every error found on the way reported together.
fn refold_action_impl(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> proc_macro2::TokenStream {
    let cx = ctxt::Ctxt::new();
    let attr = attr::parse(&cx, args);
    let derive_input = match syn::parse2::<syn::DeriveInput>(item.clone()) {
        Ok(derive_input) => derive_input,
        Err(_) => {
            cx.error_spanned_by(
                &item,
                "`#[refold_action]` goes on a struct with named fields, whose fields are the \
                 action's parameters, or on a unit struct for an action without parameters",
            );
            let errors = cx.check().expect_err("an error was just recorded");
            let errors = errors.into_compile_error();
            return quote::quote!(#errors #item);
        }
    };
    let input = ast::Input::from_syn(&derive_input);
    valid::check(&cx, &attr, &input);
    match cx.check() {
        Ok(()) => {
            let consts = expand::Consts {
                slug: attr.slug.clone().expect("checked by valid.rs"),
                id: attr.id.clone().expect("checked by valid.rs"),
            };
            expand::expand(&attr, &input, &consts)
        }
        Err(errors) => fallback::expand(&attr, &input, errors),
    }
}
