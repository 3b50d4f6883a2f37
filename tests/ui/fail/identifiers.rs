// Identifiers at the edges of the rule, all invalid: one error each. `tests/ui.rs` reads the
// `id = "…"` values of this file and checks that `refold_core::is_valid_identifier` rejects every
// one of them too.
use refold::refold_action;

#[refold_action(slug = "hubspot", id = "")]
pub struct Invalid0;

#[refold_action(slug = "hubspot", id = "A")]
pub struct Invalid1;

#[refold_action(slug = "hubspot", id = "Create_contact")]
pub struct Invalid2;

#[refold_action(slug = "hubspot", id = "a b")]
pub struct Invalid3;

#[refold_action(slug = "hubspot", id = "a.b")]
pub struct Invalid4;

#[refold_action(slug = "hubspot", id = "a/b")]
pub struct Invalid5;

#[refold_action(slug = "hubspot", id = "../x")]
pub struct Invalid6;

#[refold_action(slug = "hubspot", id = "%2e")]
pub struct Invalid7;

#[refold_action(slug = "hubspot", id = "a?b")]
pub struct Invalid8;

#[refold_action(slug = "hubspot", id = "a#b")]
pub struct Invalid9;

#[refold_action(slug = "hubspot", id = "é")]
pub struct Invalid10;

#[refold_action(slug = "hubspot", id = "ａ")]
pub struct Invalid11;

#[refold_action(slug = "hubspot", id = "a\n")]
pub struct Invalid12;

#[refold_action(slug = "hubspot", id = "a\t")]
pub struct Invalid13;

#[refold_action(slug = "hubspot", id = "\0")]
pub struct Invalid14;

#[refold_action(slug = "hubspot", id = "\u{301}")]
pub struct Invalid15;

#[refold_action(
    slug = "hubspot",
    id = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
)]
pub struct Invalid16;

#[refold_action(slug = "hubspot", id = " a")]
pub struct Invalid17;

#[refold_action(slug = "hubspot", id = "a:b")]
pub struct Invalid18;

#[refold_action(slug = "hubspot", id = "a+b")]
pub struct Invalid19;

fn main() {}
