//! Finding the `#[refold_action(slug = "…", id = "…")]` structs of a package's sources.
//!
//! Files are parsed with syn, the parser the attribute itself uses, so a commented-out struct or
//! an attribute in a string is never mistaken for a use.

use std::fs;
use std::path::{Path, PathBuf};

use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::visit::Visit;
use syn::{Attribute, Ident, ItemStruct, LitStr, Token};

/// One struct annotated with `#[refold_action]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionUse {
    /// The app.
    pub slug: String,
    /// The action.
    pub action_id: String,
    /// The struct's name.
    pub struct_name: String,
    /// The file it is in.
    pub file: PathBuf,
    /// The 1-based line of the attribute.
    pub line: usize,
    /// The 1-based column of the attribute.
    pub column: usize,
}

/// What scanning found: the uses, and the problems that made it skip something.
#[derive(Debug, Default)]
pub struct Scan {
    /// Every checked use, in file order.
    pub uses: Vec<ActionUse>,
    /// One line per file or attribute that was skipped, with its position.
    pub warnings: Vec<String>,
}

impl Scan {
    /// Scans one file and adds what it finds. A file that is not valid Rust is skipped with a
    /// warning rather than failing the run: the compiler reports it anyway, and test fixtures
    /// that are meant not to compile live in many crates.
    pub fn file(&mut self, path: &Path, shown_as: &str) {
        let text = match fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) => {
                self.warnings
                    .push(format!("{shown_as}: skipped, could not read it: {err}"));
                return;
            }
        };
        self.text(&text, path, shown_as);
    }

    /// Scans the text of a file.
    pub fn text(&mut self, text: &str, path: &Path, shown_as: &str) {
        let file = match syn::parse_file(text) {
            Ok(file) => file,
            Err(err) => {
                let start = err.span().start();
                self.warnings.push(format!(
                    "{shown_as}:{}:{}: skipped, not valid Rust: {err}",
                    start.line,
                    start.column + 1
                ));
                return;
            }
        };
        let mut aliases = Aliases::default();
        aliases.visit_file(&file);
        let mut visitor = Visitor {
            scan: self,
            path,
            shown_as,
            aliases: &aliases.names,
        };
        visitor.visit_file(&file);
    }
}

struct Visitor<'a> {
    scan: &'a mut Scan,
    path: &'a Path,
    shown_as: &'a str,
    /// The names the file imports the attribute under (`use refold::refold_action as act;`).
    aliases: &'a [Ident],
}

/// The names a file gives `refold_action` with `use … as …`, anywhere in the file. The file is
/// taken as one scope: a name the file uses for two different attributes in two modules is
/// rare, and an attribute without `slug` and `id` is reported, not snapshotted.
#[derive(Default)]
struct Aliases {
    names: Vec<Ident>,
}

impl<'ast> Visit<'ast> for Aliases {
    fn visit_use_rename(&mut self, rename: &'ast syn::UseRename) {
        if rename.ident == "refold_action" {
            self.names.push(rename.rename.clone());
        }
    }
}

impl<'ast> Visit<'ast> for Visitor<'_> {
    fn visit_item_struct(&mut self, item: &'ast ItemStruct) {
        for attr in item.attrs.iter().filter(|attr| is_refold_action(attr, self.aliases)) {
            // The `#` of the attribute: where a person looks for it.
            let start = attr.pound_token.spans[0].start();
            let at = format!("{}:{}:{}", self.shown_as, start.line, start.column + 1);
            match attr.parse_args_with(parse_keys) {
                Ok(Keys { unchecked: true, .. }) => {}
                Ok(Keys {
                    slug: Some(slug),
                    id: Some(id),
                    ..
                }) => {
                    let valid = [&slug, &id].iter().all(|value| refold::is_valid_identifier(value));
                    if valid {
                        self.scan.uses.push(ActionUse {
                            slug,
                            action_id: id,
                            struct_name: item.ident.to_string(),
                            file: self.path.to_path_buf(),
                            line: start.line,
                            column: start.column + 1,
                        });
                    } else {
                        self.scan.warnings.push(format!(
                            "{at}: skipped `{}`: slug {slug:?} or id {id:?} is not a valid identifier",
                            item.ident
                        ));
                    }
                }
                Ok(_) => self.scan.warnings.push(format!(
                    "{at}: skipped `{}`: the attribute lacks `slug = \"…\"` or `id = \"…\"`",
                    item.ident
                )),
                Err(err) => self
                    .scan
                    .warnings
                    .push(format!("{at}: skipped `{}`: {err}", item.ident)),
            }
        }
        syn::visit::visit_item_struct(self, item);
    }
}

/// `#[refold_action(…)]`, `#[refold::refold_action(…)]` or any path ending in `refold_action`,
/// or in a name the file imported it under.
fn is_refold_action(attr: &Attribute, aliases: &[Ident]) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "refold_action" || aliases.contains(&segment.ident))
}

#[derive(Default)]
struct Keys {
    slug: Option<String>,
    id: Option<String>,
    unchecked: bool,
}

/// The attribute's keys: `slug` and `id` as string literals, the `unchecked` flag; every other
/// key (`output = Type`, `idempotent`, `crate = "…"`) is read past.
fn parse_keys(input: ParseStream) -> syn::Result<Keys> {
    let mut keys = Keys::default();
    while !input.is_empty() {
        let key = input.call(Ident::parse_any)?;
        if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "slug" => keys.slug = Some(input.parse::<LitStr>()?.value()),
                "id" => keys.id = Some(input.parse::<LitStr>()?.value()),
                "output" => {
                    input.parse::<syn::Type>()?;
                }
                _ => {
                    input.parse::<syn::Expr>()?;
                }
            }
        } else if key == "unchecked" {
            keys.unchecked = true;
        }
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Scan {
        let mut scan = Scan::default();
        scan.text(text, Path::new("src/lib.rs"), "src/lib.rs");
        scan
    }

    #[test]
    fn finds_structs_anywhere_and_ignores_comments_strings_and_unchecked_ones() {
        let found = scan(
            r##"
            use refold::refold_action;

            #[refold_action(slug = "hubspot", id = "create_contact", output = std::collections::HashMap<String, u8>)]
            pub struct CreateContact { pub email: String }

            mod nested {
                fn inner() {
                    #[refold::refold_action(id = "create_account", slug = "salesforce", idempotent)]
                    struct CreateAccount { name: String }
                }
            }

            // #[refold_action(slug = "hubspot", id = "commented_out")]
            const TEXT: &str = r#"#[refold_action(slug = "hubspot", id = "in_a_string")]"#;

            #[refold_action(slug = "hubspot", id = "delete_contact", unchecked)]
            struct DeleteContact { contact_id: String }
            "##,
        );
        assert!(found.warnings.is_empty(), "{:?}", found.warnings);
        let ids: Vec<_> = found
            .uses
            .iter()
            .map(|u| (u.slug.as_str(), u.action_id.as_str(), u.struct_name.as_str(), u.line))
            .collect();
        assert_eq!(
            ids,
            [
                ("hubspot", "create_contact", "CreateContact", 4),
                ("salesforce", "create_account", "CreateAccount", 9)
            ]
        );
        assert_eq!(found.uses[0].column, 13);
    }

    #[test]
    fn unusable_files_and_attributes_are_skipped_with_their_position() {
        let broken = scan("fn main( {");
        assert!(broken.uses.is_empty());
        assert!(broken.warnings[0].starts_with("src/lib.rs:1:"), "{:?}", broken.warnings);
        assert!(broken.warnings[0].contains("not valid Rust"), "{:?}", broken.warnings);

        let odd = scan(
            "#[refold_action(slug = \"hubspot\")]\nstruct A;\n#[refold_action(slug = \"Hub Spot\", id = \"x\")]\nstruct B;\n#[refold_action(slug = hubspot, id = \"x\")]\nstruct C;\n",
        );
        assert!(odd.uses.is_empty());
        assert_eq!(odd.warnings.len(), 3, "{:?}", odd.warnings);
        assert!(
            odd.warnings[0].starts_with("src/lib.rs:1:1: skipped `A`"),
            "{:?}",
            odd.warnings
        );
        assert!(odd.warnings[1].contains("not a valid identifier"), "{:?}", odd.warnings);
        assert!(
            odd.warnings[2].starts_with("src/lib.rs:5:1: skipped `C`"),
            "{:?}",
            odd.warnings
        );
    }

    #[test]
    fn finds_the_attribute_imported_under_another_name_or_written_as_a_path() {
        let found = scan(
            r#"
            use refold::refold_action as act;
            use refold::{Client, refold_action as refold_op};

            #[act(slug = "hubspot", id = "create_contact")]
            pub struct CreateContact { pub email: String }

            #[refold_op(slug = "hubspot", id = "get_contact", idempotent)]
            pub struct GetContact { pub email: String }

            #[refold::refold_action(slug = "hubspot", id = "create_deal")]
            pub struct CreateDeal { pub dealname: String }

            #[derive(Debug)]
            pub struct NotAnAction;
            "#,
        );
        assert!(found.warnings.is_empty(), "{:?}", found.warnings);
        let ids: Vec<&str> = found.uses.iter().map(|u| u.action_id.as_str()).collect();
        assert_eq!(ids, ["create_contact", "get_contact", "create_deal"]);
    }
}
