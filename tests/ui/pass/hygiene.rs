//! The expansion names nothing through the user's scope: user items called `Result`, `Option`,
//! `Error`, `Client`, `Action`, `Value`, `serde`, `core`, `std`, `str` or `bool` change nothing, and the
//! user needs no serde of their own (`serde` here is a local module that shadows the crate).
#![allow(dead_code, non_camel_case_types)]

mod serde {}
mod core {}
mod serde_json {}

pub struct Result;
pub struct Option;
pub struct Error;
pub struct Client;
pub struct Action;
pub struct Value;
pub struct ActionResponse;
pub struct Future;
pub struct str;
pub struct bool;

pub mod nested {
    pub mod std {}

    #[refold::refold_action(slug = "hubspot", id = "create_contact")]
    pub struct CreateContact {
        pub email: ::std::string::String,
        pub firstname: ::std::option::Option<::std::string::String>,
    }

    #[refold::refold_action(slug = "hubspot", id = "list_owners", idempotent)]
    pub struct ListOwners;
}

#[refold::refold_action(slug = "hubspot", id = "get_contact", idempotent)]
pub struct GetContact<T> {
    pub email: T,
}

fn main() {
    use refold::Action as _;
    assert_eq!(nested::CreateContact::ACTION_ID, "create_contact");
    assert!(nested::ListOwners::IDEMPOTENT);
    assert_eq!(<GetContact<::std::string::String>>::SLUG, "hubspot");
}
