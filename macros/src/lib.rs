//! The `#[refold_action]` attribute of the Refold SDK. Use it through the `refold` crate, which
//! re-exports it as `refold::refold_action` and provides the runtime it expands to.

mod ast;
mod attr;
mod conform;
mod ctxt;
mod expand;
mod fallback;
mod rename;
mod schema;
mod serde_attrs;
mod suggest;
mod types;
mod valid;
mod wire;

use proc_macro::TokenStream;

/// Turns a struct into a typed Refold action: its fields are the action's parameters, and it gets
/// an `execute` method.
///
/// ```no_run
/// use refold::{Client, refold_action};
///
/// /// Creates a contact in the customer's HubSpot.
/// #[refold_action(slug = "hubspot", id = "create_contact")]
/// pub struct CreateContact {
///     pub email: String,
///     pub firstname: Option<String>,
///     pub lastname: Option<String>,
/// }
///
/// # async fn run() -> Result<(), refold::Error> {
/// let client = Client::from_env()?;
/// let reply = CreateContact {
///     email: "ada@example.com".into(),
///     firstname: Some("Ada".into()),
///     lastname: None, // left out of the request body
/// }
/// .execute(&client)
/// .await?;
/// println!("created contact {}", reply.data["id"]);
/// # Ok(())
/// # }
/// ```
///
/// # Grammar
///
/// ```text
/// #[refold_action(
///     slug = "hubspot",          // required: the app
///     id = "create_contact",     // required: the action
///     output = HubSpotContact,   // optional: the type `data` decodes into; default serde_json::Value
///     idempotent,                // optional flag: the action is safe to retry
///     unchecked,                 // optional flag: don't check against the schema snapshot
///     crate = "::my_refold",     // optional: the path of this crate when it is renamed
/// )]
/// ```
///
/// Keys may come in any order, each at most once, with or without a trailing comma.
///
/// - **`slug = "…"`** and **`id = "…"`** (both required) name the app and the action, as in
///   `POST /api/v2/integration-schema/{slug}/actions/{id}/execute`. Each is a string literal of 1
///   to 128 characters, each a lowercase ASCII letter, a digit, `_` or `-`: the rule
///   `is_valid_identifier` applies at run time, checked here at compile time. They become
///   `Action::SLUG` and `Action::ACTION_ID`.
/// - **`output = Type`** is the type of `ActionResponse::data`, any type that implements
///   `serde::de::DeserializeOwned`. It may use the struct's generic parameters. Without it, `data`
///   is a `serde_json::Value`. It becomes `Action::Output`.
/// - **`idempotent`** marks an action whose repetition does no harm — reads such as `get_*`,
///   `search_*` and `list_*`. It sets `Action::IDEMPOTENT`, which lets the client retry the call
///   after a failure that leaves the outcome unknown (a timeout, a dropped connection, a 5xx).
///   Leave it out for writes: a create whose reply was lost must not run twice.
/// - **`unchecked`** skips the check of the struct against its action's schema snapshot (see
///   [Schema checking](#schema-checking)), for an action without a snapshot yet or a schema known
///   to be wrong. It changes nothing else.
/// - **`crate = "path"`** is needed only when the `refold-sdk` dependency is renamed (`my_refold =
///   { package = "refold-sdk", … }` in Cargo.toml, where the plain `refold-sdk = "0.1"` is imported
///   as `refold`) or re-exported by another crate: the generated code then names the runtime
///   through `path` instead of `::refold`.
///
/// # What it generates
///
/// The struct stays as written — visibility, generics, doc comments, `#[cfg]`, other derives and
/// attributes — with, in front of them:
///
/// - `#[derive(Serialize)]` from the serde that `refold` re-exports, so you need no serde
///   dependency of your own. Your `#[serde(…)]` attributes (`rename`, `rename_all`, `flatten`,
///   `skip`, `with`, `default`, …) apply as usual and shape the request body. A struct that has no
///   attributes serde could read (no `#[serde]`, `#[cfg_attr]` or `#[repr]`, no attributes on its
///   fields but doc comments) and no generic parameters gets the same `impl Serialize` written by
///   the macro instead, which is cheaper to compile.
///
/// `None` is left out of the request body rather than sent as `null` (which many apps read as
/// "clear this value"): the client drops every top-level field whose value is `None` when it
/// writes the body, whichever way its type is spelled (`Option<T>`, a path to it, an alias), and
/// flattened fields too. The struct's own `Serialize` is not changed for that, so
/// `serde_json::to_string(&action)` still shows `null`s. Two ways to send `null` on purpose:
///
/// - `Some(None)` on an `Option<Option<T>>` field;
/// - a `skip_serializing_if` of the field's own: it decides, and a `None` it lets through is sent
///   as `null` (the macro adds `serialize_with` to that field, unless it has one already).
///
/// A field with its own `serialize_with` or `with` gets `skip_serializing_if = "Option::is_none"`,
/// so that its function is never handed a `None`.
///
/// Beside the struct, inside a `const _: () = { … };` block (written by a `macro_rules!` of the
/// `refold` crate that the attribute invokes with the struct's name, generics, slug, id and
/// fields, which rustc expands faster than code sent token by token from a procedural macro):
///
/// - `impl Action for YourStruct` with `SLUG`, `ACTION_ID`, `IDEMPOTENT` and `Output`;
/// - for a struct without serde attributes or generics, its `impl Serialize`;
/// - an inherent method that starts the call, `Client::execute(client, self)`:
///
///   ```text
///   pub fn execute<'a>(&'a self, client: &'a Client) -> Execute<'a, Self>
///   ```
///
///   Call it as `action.execute(&client).await`. `refold::Execute` is a future that borrows the
///   action and the client and is `Send` whenever the struct is `Sync`. (A named future rather
///   than an `async fn`, so each annotated struct costs little to compile; the request pipeline
///   behind it is compiled once for every action.)
///
/// For a generic struct, both impls carry the struct's generics and where clause, plus the bounds
/// that make them hold (`Self: Serialize`, `Output: DeserializeOwned`), so a `Search<'a, T>` is an
/// action whenever its `T` can be serialized.
///
/// If the struct already derives `Serialize` itself (`#[derive(Serialize)]` or
/// `#[derive(serde::Serialize)]` written below `#[refold_action]`), that derive is kept and the
/// macro adds none, so existing domain types can become actions unchanged; `None` fields are still
/// left out. Put `#[refold_action]` above the `#[derive(…)]`, as in every example here: a derive
/// written above it is invisible to the macro, and the two `Serialize` impls then conflict
/// (error E0119, pointing at both).
///
/// That E0119 comes without a hint from this macro because none can be given: rustc expands a
/// derive written above an attribute macro first and hands the macro the struct with the derive
/// already removed, so nothing in the macro's input shows it. The conflict is found only later,
/// by the trait checker, whose message a macro cannot change. `tests/ui/fail/derive_serialize_above.rs`
/// pins that error; the fix is to move the derive below `#[refold_action]` or to drop it.
///
/// # Shapes
///
/// A struct with named fields is an action whose parameters are its fields; a unit struct is an
/// action without parameters (it sends `{}`). Lifetimes, type and const parameters and where
/// clauses are supported:
///
/// ```no_run
/// use refold::{Client, refold_action};
/// use serde::Deserialize;
///
/// #[derive(Debug, Deserialize)]
/// pub struct Page<T> {
///     pub results: Vec<T>,
/// }
///
/// #[derive(Debug, Deserialize)]
/// pub struct Contact {
///     pub id: String,
/// }
///
/// /// Searches contacts. Borrows its query instead of owning it.
/// #[refold_action(slug = "hubspot", id = "search_contacts", idempotent, output = Page<Contact>)]
/// pub struct SearchContacts<'a> {
///     pub query: &'a str,
///     pub limit: Option<u32>,
/// }
///
/// /// Lists every contact: an action without parameters.
/// #[refold_action(slug = "hubspot", id = "search_contacts", idempotent, output = Page<Contact>)]
/// pub struct AllContacts;
///
/// # async fn run(client: &Client) -> Result<(), refold::Error> {
/// let page = SearchContacts { query: "ada", limit: Some(10) }.execute(client).await?;
/// for contact in page.data.results {
///     println!("{}", contact.id);
/// }
/// let everyone = AllContacts.execute(client).await?;
/// println!("{} contacts", everyone.data.results.len());
/// # Ok(())
/// # }
/// ```
///
/// # Serde attributes, a typed output, a read that may be retried
///
/// ```no_run
/// use refold::{Client, refold_action};
/// use serde::Deserialize;
///
/// #[derive(Debug, Deserialize)]
/// #[serde(rename_all = "camelCase")]
/// pub struct HubSpotContact {
///     pub id: String,
///     pub created_at: String,
/// }
///
/// #[refold_action(slug = "hubspot", id = "get_contact", output = HubSpotContact, idempotent)]
/// #[derive(Debug, Clone)]
/// pub struct GetContact {
///     #[serde(rename = "email")]
///     pub address: String,
///     #[serde(skip)]
///     pub cache_key: u64, // never sent
/// }
///
/// # async fn run(client: &Client) -> Result<(), refold::Error> {
/// let reply = GetContact { address: "ada@example.com".into(), cache_key: 7 }
///     .execute(client)
///     .await?;
/// let contact: HubSpotContact = reply.data;
/// println!("{} since {}", contact.id, contact.created_at);
/// # Ok(())
/// # }
/// ```
///
/// # A renamed dependency
///
/// ```
/// # extern crate refold as my_refold;
/// // Cargo.toml: my_refold = { package = "refold-sdk", version = "0.1" }
/// use my_refold::refold_action;
///
/// #[refold_action(crate = "my_refold", slug = "hubspot", id = "get_contact", idempotent)]
/// pub struct GetContact {
///     pub email: String,
/// }
///
/// use my_refold::Action;
/// assert_eq!(GetContact::ACTION_ID, "get_contact");
/// ```
///
/// # Schema checking
///
/// When the crate has schema snapshots (`refold prepare` writes one file per action,
/// `.refold/<slug>/<action_id>.json`, to be committed), the attribute checks the struct against
/// its action's snapshot while it compiles. It reads the one file; the build never uses the
/// network.
///
/// - **Where.** The directory named by `REFOLD_SCHEMA_DIR` (relative to the crate's directory),
///   else the nearest `.refold/` at or above the crate's directory (`CARGO_MANIFEST_DIR`), so one
///   `.refold/` at a workspace's root serves all its crates. With neither, nothing is checked. A
///   `REFOLD_SCHEMA_DIR` that is not a directory is an error.
/// - **A snapshot for every action.** With a snapshot directory, an action without a snapshot
///   is an error on `id` (on `slug` when the app has none) that says to run `refold prepare`, or
///   to mark the struct `unchecked`.
/// - **Every field sent is a parameter**, under the name serde sends it by: after
///   `#[serde(rename = "…")]` (or `rename(serialize = "…")`) and the struct's `rename_all` (with
///   serde's rules), `r#` dropped. A `#[serde(tag = "…")]` key must be a parameter too. The error
///   points at the field, or at its `rename` literal, suggests the nearest parameter and lists
///   them all.
/// - **Every required parameter has a field that is always sent.** A missing one is an error on
///   the struct's name, with the parameter's name and label; one declared `Option<_>` (left out
///   when `None`) is an error on the field's type.
/// - **A field's type can be its parameter's type**: `text` and `password` take strings
///   (`String`, `&str`, `char`, `Cow<str>`, …), `number` the integer and float types, `boolean` a
///   `bool`; `json`, and types the snapshot format does not know, take anything. Types are judged
///   by their spelling, through `Option`, references, `Box`, `Rc`, `Arc` and `Cow`; anything the
///   macro cannot see into passes: your own types, aliases, generic parameters,
///   `serde_json::Value`, and fields with `with`, `serialize_with` or serde_with's `serde_as`.
/// - **serde decides what is sent.** `#[serde(skip)]` and `skip_serializing` fields are never
///   sent, so never checked. A `#[serde(flatten)]` field is not a parameter itself and may carry
///   any parameter, so a struct with one gets no "missing required parameter" error (its other
///   fields are checked as usual); so does a field with a `#[cfg_attr(…, serde(…))]`, whose name
///   depends on the configuration (it is not checked itself). With `#[serde(transparent)]`,
///   `into` or `remote`, or a `#[cfg_attr(…, serde(…))]` on the struct, another shape is sent and
///   only the snapshot's presence is checked.
/// - **A snapshot that cannot be used** — not valid JSON, a missing or unknown field, contents of
///   another action, or a newer format than this version reads — is an error naming the file.
///
/// ```text
/// error: `first_name` is not a parameter of `hubspot/create_contact`: did you mean `firstname`? (rename the field, or add `#[serde(rename = "firstname")]` to it); its parameters are `firstname`, `lastname`, `email`, `phone`, `company`, `website`, `jobtitle`, `hubspot_owner_id`, `associations` and `additional_fields`
///  --> src/main.rs:8:9
///   |
/// 8 |     pub first_name: Option<String>,
///   |         ^^^^^^^^^^
/// ```
///
/// A checked struct's expansion includes the snapshot file (`include_bytes!`) and reads
/// `REFOLD_SCHEMA_DIR` (`option_env!`) in a constant, so Cargo rebuilds the crate when either
/// changes. Cargo does not notice a snapshot directory appearing where there was none: after the
/// first `refold prepare`, run `cargo clean -p <crate>` once.
///
/// # Errors
///
/// Every mistake is a compile error that points at the offending token and says what to write
/// instead, and all of them are reported in the same build: a missing `slug` or `id`, an unknown
/// key (with the list of known ones), a duplicate key, a value that is not a string literal, an
/// empty or badly formed slug or id, an `output` that is not a type, `idempotent = …` or
/// `unchecked = …` with a value, an enum, union or tuple struct in place of a struct, and each
/// way the struct does not fit its schema snapshot (see [Schema checking](#schema-checking)):
///
/// ```compile_fail
/// use refold::refold_action;
///
/// #[refold_action(slug = "HubSpot", id = "create_contact")] // `slug` may contain only lowercase …
/// pub struct CreateContact {
///     pub email: String,
/// }
/// ```
///
/// Beside the errors the struct, a stand-in `impl Action` and `execute` are still generated, so
/// the code that uses the struct does not add errors of its own: one mistake, one error.
///
#[proc_macro_attribute]
pub fn refold_action(args: TokenStream, item: TokenStream) -> TokenStream {
    refold_action_impl(args.into(), item.into(), &schema::Location::from_env()).into()
}

/// Parse → validate (against the snapshot found at `location` too) → expand, with every error
/// found on the way reported together.
fn refold_action_impl(
    args: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
    location: &schema::Location,
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
    let input = ast::Input::from_syn(&derive_input, &item);
    valid::check(&cx, &attr, &input);
    let snapshot = valid::check_schema(&cx, &attr, &input, location);
    match cx.check() {
        Ok(()) => {
            let consts = expand::Consts {
                slug: attr.slug.clone().expect("checked by valid.rs"),
                id: attr.id.clone().expect("checked by valid.rs"),
            };
            expand::expand(
                &attr,
                &input,
                &consts,
                snapshot.as_ref().map(|found| found.file.as_str()),
            )
        }
        Err(errors) => fallback::expand(&attr, &input, errors),
    }
}

#[cfg(test)]
mod tests {
    use proc_macro2::{TokenStream, TokenTree};
    use quote::quote;

    use super::refold_action_impl;
    use crate::schema::Location;

    /// The expansion with no snapshot directory.
    fn unchecked_impl(args: TokenStream, item: TokenStream) -> TokenStream {
        refold_action_impl(
            args,
            item,
            &Location {
                dir: None,
                explicit: false,
            },
        )
    }

    /// Every identifier in `tokens`, groups included.
    fn idents(tokens: TokenStream) -> Vec<String> {
        tokens
            .into_iter()
            .flat_map(|token| match token {
                TokenTree::Ident(ident) => vec![ident.to_string()],
                TokenTree::Group(group) => idents(group.stream()),
                _ => Vec::new(),
            })
            .collect()
    }

    fn expand(args: TokenStream, item: TokenStream) -> String {
        unchecked_impl(args, item).to_string()
    }

    #[test]
    fn generated_code_names_the_runtime_only_through_the_root() {
        let item = quote!(
            pub struct CreateContact<T> {
                pub email: T,
                pub firstname: Option<String>,
            }
        );
        let expanded = expand(quote!(slug = "hubspot", id = "create_contact"), item.clone());
        for needle in [
            "# [derive (:: refold :: __private :: serde :: Serialize)]",
            "# [serde (crate = \"::refold::__private::serde\")]",
            ":: refold :: __private :: __refold_action ! { type : CreateContact ,",
            "impl_generics : [< T >]",
            "where_clause : [where CreateContact < T > : :: refold :: __private :: serde :: Serialize",
            "serialize : derived",
        ] {
            assert!(expanded.contains(needle), "{needle} not in {expanded}");
        }

        let renamed = unchecked_impl(
            quote!(crate = "my_refold", slug = "hubspot", id = "create_contact"),
            item.clone(),
        );
        let names = idents(renamed);
        assert!(!names.iter().any(|name| name == "refold"), "{names:?}");
        assert!(names.iter().any(|name| name == "my_refold"));
        // Nothing reached through the user's scope: no `std`, `core` or bare `serde` path roots
        // other than those the user wrote (`Option` in the field type).
        for root in ["std", "core", "alloc"] {
            assert!(!names.iter().any(|name| name == root), "{root} in {names:?}");
        }
    }

    #[test]
    fn a_plain_struct_is_passed_on_as_written_and_serialized_by_the_runtime_macro() {
        let item = quote!(
            /// A contact.
            pub struct CreateContact {
                pub email: String,
                pub r#type: Option<String>,
            }
        );
        let expanded = expand(quote!(slug = "hubspot", id = "create_contact"), item.clone());
        assert!(!expanded.contains("# [derive"), "{expanded}");
        for needle in [
            "pub struct CreateContact { pub email : String , pub r#type : Option < String > , }",
            "serialize : { struct : \"CreateContact\" , fields : 2usize , this : __refold_this , \
             writer : __refold_fields ; __refold_fields . field (\"email\" , & __refold_this . email) ? ; \
             __refold_fields . field (\"type\" , & __refold_this . r#type) ? ; }",
        ] {
            assert!(expanded.contains(needle), "{needle} not in {expanded}");
        }
        let names = idents(unchecked_impl(quote!(slug = "hubspot", id = "create_contact"), item));
        for root in ["std", "core", "alloc"] {
            assert!(!names.iter().any(|name| name == root), "{root} in {names:?}");
        }
    }

    #[test]
    fn a_user_serialize_derive_is_not_doubled() {
        let expanded = expand(
            quote!(slug = "hubspot", id = "get_contact"),
            quote!(
                #[derive(Debug, serde::Serialize)]
                pub struct GetContact {
                    pub email: String,
                }
            ),
        );
        assert!(!expanded.contains("__private :: serde :: Serialize ,"), "{expanded}");
        assert!(!expanded.contains("derive (:: refold"), "{expanded}");
        assert_eq!(expanded.matches("Serialize").count(), 1, "{expanded}");
    }

    #[test]
    fn invalid_input_still_expands_to_the_struct_and_its_impls() {
        let expanded = expand(
            quote!(slug = "HubSpot", id = "create_contact"),
            quote!(
                pub struct CreateContact {
                    pub email: String,
                }
            ),
        );
        assert!(expanded.starts_with(":: core :: compile_error !"), "{expanded}");
        assert!(expanded.contains("pub struct CreateContact"));
        assert!(expanded.contains(":: refold :: __private :: __refold_action !"));
        assert!(expanded.contains("slug : \"\" , id : \"create_contact\""));
    }

    /// A snapshot directory with `hubspot/get_contact`, removed on drop.
    struct SchemaDir(std::path::PathBuf);

    impl SchemaDir {
        fn new(name: &str) -> Self {
            let root = std::env::temp_dir().join(format!("refold-macros-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            let snapshot = refold_snapshot::Snapshot::new("hubspot", "get_contact").with_parameters(vec![
                refold_snapshot::Parameter::new("email", refold_snapshot::ParamType::Text).with_required(true),
            ]);
            refold_snapshot::SnapshotDir::new(&root)
                .write(&snapshot)
                .expect("the snapshot is written");
            SchemaDir(root)
        }

        fn location(&self) -> Location {
            Location {
                dir: Some(self.0.clone()),
                explicit: false,
            }
        }
    }

    impl Drop for SchemaDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn a_checked_struct_hands_its_snapshot_to_the_runtime_macro_to_track() {
        let dir = SchemaDir::new("track");
        let item = quote!(
            pub struct GetContact {
                pub email: String,
            }
        );
        let args = quote!(slug = "hubspot", id = "get_contact");
        let expanded = refold_action_impl(args.clone(), item.clone(), &dir.location());
        let file = dir.0.join("hubspot").join("get_contact.json");
        let text = expanded.to_string();
        let snapshot = format!(", snapshot : {:?} }}", file.to_str().unwrap());
        assert!(text.ends_with(&snapshot), "{snapshot} not at the end of {text}");
        assert!(!text.contains("compile_error"), "{text}");
        let names = idents(expanded);
        for root in ["std", "core", "alloc"] {
            assert!(!names.iter().any(|name| name == root), "{root} in {names:?}");
        }

        // Without checking, no snapshot is handed on, and the rest of the expansion is the same.
        let unchecked = refold_action_impl(
            quote!(slug = "hubspot", id = "get_contact", unchecked),
            item.clone(),
            &dir.location(),
        )
        .to_string();
        assert!(!unchecked.contains("snapshot :"), "{unchecked}");
        assert_eq!(unchecked_impl(args, item).to_string(), unchecked);
        assert_eq!(
            text.replace(&format!(" , snapshot : {:?}", file.to_str().unwrap()), ""),
            unchecked
        );
    }

    #[test]
    fn a_struct_that_does_not_fit_its_snapshot_gets_the_fallback_expansion() {
        let dir = SchemaDir::new("fallback");
        let expanded = refold_action_impl(
            quote!(slug = "hubspot", id = "get_contact"),
            quote!(
                pub struct GetContact {
                    pub mail: String,
                }
            ),
            &dir.location(),
        )
        .to_string();
        assert!(expanded.starts_with(":: core :: compile_error !"), "{expanded}");
        assert!(expanded.contains("did you mean `email`?"), "{expanded}");
        assert!(
            expanded.contains("slug : \"hubspot\" , id : \"get_contact\""),
            "{expanded}"
        );
    }
}
