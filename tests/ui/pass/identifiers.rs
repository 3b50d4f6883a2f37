//! Identifiers at the edges of the rule, all valid. `tests/ui.rs` reads the `id = "…"` values of
//! this file and checks that `refold_core::is_valid_identifier` accepts every one of them too.

use refold::refold_action;

#[refold_action(slug = "hubspot", id = "a")]
pub struct Valid0;

#[refold_action(slug = "hubspot", id = "0")]
pub struct Valid1;

#[refold_action(slug = "hubspot", id = "_")]
pub struct Valid2;

#[refold_action(slug = "hubspot", id = "-")]
pub struct Valid3;

#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct Valid4;

#[refold_action(slug = "hubspot", id = "google-drive")]
pub struct Valid5;

#[refold_action(slug = "hubspot", id = "v2_list-all")]
pub struct Valid6;

#[refold_action(
    slug = "hubspot",
    id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
)]
pub struct Valid7;

#[refold_action(slug = "hubspot", id = "0123456789")]
pub struct Valid8;

#[refold_action(slug = "hubspot", id = "abcdefghijklmnopqrstuvwxyz")]
pub struct Valid9;

fn main() {}
