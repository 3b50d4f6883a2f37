//! What the macro emits next to its errors: the item, a stand-in `impl Action` and `execute`, so
//! the user's other code keeps compiling and one mistake shows as exactly one error.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::LitStr;

use crate::ast::{Input, Shape};
use crate::attr::Attr;
use crate::expand::{self, Consts};

/// The errors, then the item and stand-in impls. The constants are placeholders: the build
/// fails anyway, so they are never used.
pub(crate) fn expand(attr: &Attr, input: &Input, errors: syn::Error) -> TokenStream {
    let errors = errors.into_compile_error();
    let consts = Consts {
        slug: valid_or_empty(attr.slug.as_ref()),
        id: valid_or_empty(attr.id.as_ref()),
    };
    let (item, serialize) = match input.shape {
        // serde cannot derive `Serialize` for a union: implement it by hand.
        Shape::Union(_) if input.user_serialize.is_none() => (input.item.to_token_stream(), quote!({ union })),
        // Every other shape is something serde can serialize, and deriving it keeps the user's
        // `#[serde(…)]` attributes meaningful.
        _ => expand::item_and_serialize(attr, input),
    };
    // A failed build is rebuilt anyway: no snapshot to track.
    let impls = expand::impls(attr, input, &consts, serialize, None);
    quote!(#errors #item #impls)
}

/// Keeps the user's literal when it is a valid identifier (so its span shows in the impl), and
/// uses `""` otherwise.
fn valid_or_empty(lit: Option<&LitStr>) -> LitStr {
    match lit {
        Some(lit) if crate::valid::is_valid_identifier(&lit.value()) => lit.clone(),
        _ => LitStr::new("", Span::call_site()),
    }
}
