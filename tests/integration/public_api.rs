//! The public API, pinned in `tests/public-api.txt`, on stable Rust.
//!
//! This test reads the sources of the facade (`src/`) and of the runtime (`core/src/`) with syn
//! and lists every public item the facade's explicit re-exports make reachable: types and their
//! generics, attributes that change what users may write (`#[non_exhaustive]`, derives), public
//! fields, enum variants with their fields, inherent methods and constants, trait impls with
//! their associated types, trait items, free functions, constants and macros. The sorted list
//! must equal the checked-in file, so an accidental addition or removal fails here and shows
//! as a diff in review.
//!
//! After a deliberate change, re-bless the file and review its diff like code:
//!
//! ```text
//! REFOLD_BLESS_PUBLIC_API=1 cargo test --test integration public_api::
//! ```
//!
//! The same walk checks two rules of the surface: the facade re-exports every item the runtime
//! exports (nothing is left behind by its explicit list), and every public function that can fail
//! (its output is a `Result` or a call future) documents its failures under `# Errors`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::{
    Attribute, Fields, ImplItem, Item, ItemEnum, ItemImpl, ItemStruct, ItemTrait, Meta, Signature, TraitItem, Type,
    UseTree, Visibility,
};

const PINNED: &str = "tests/public-api.txt";
const BLESS: &str = "REFOLD_BLESS_PUBLIC_API";

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn parse(path: &Path) -> syn::File {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    syn::parse_file(&text).unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()))
}

/// Tokens as text, with the spaces `to_string` puts between every token removed where Rust
/// code has none, so the pinned lines read like signatures.
fn text(tokens: &impl ToTokens) -> String {
    let mut out = tokens.to_token_stream().to_string();
    for (from, to) in [
        (" ,", ","),
        (" ;", ";"),
        (" :: ", "::"),
        (":: ", "::"),
        (" ::", "::"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        ("& ", "&"),
        ("( ", "("),
        (" (", "("),
        (" )", ")"),
        ("[ ", "["),
        (" ]", "]"),
        ("# [", "#["),
        (" : ", ": "),
        ("? Sized", "?Sized"),
        (",)", ")"),
        (" ?", "?"),
        ("+?Sized", "+ ?Sized"),
    ] {
        while out.contains(from) {
            out = out.replace(from, to);
        }
    }
    out
}

fn is_public(vis: &Visibility) -> bool {
    matches!(vis, Visibility::Public(_))
}

fn has_attr(attrs: &[Attribute], name: &str) -> bool {
    attrs.iter().any(|attr| attr.path().is_ident(name))
}

fn is_doc_hidden(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("doc") && matches!(&attr.meta, Meta::List(list) if list.tokens.to_string() == "hidden")
    })
}

/// The rustdoc text of an item.
fn docs(attrs: &[Attribute]) -> String {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            Meta::NameValue(value) => Some(text(&value.value)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The attributes that change what a user of the item may write. A `#[cfg(..)]` (a cargo
/// feature) is shown rather than evaluated, so the list is the same whatever features the test
/// is built with.
fn markers(attrs: &[Attribute]) -> String {
    let mut out = String::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("cfg")) {
        out.push_str(&text(attr));
        out.push(' ');
    }
    if has_attr(attrs, "non_exhaustive") {
        out.push_str("#[non_exhaustive] ");
    }
    if is_doc_hidden(attrs) {
        out.push_str("#[doc(hidden)] ");
    }
    out
}

/// The traits an item derives, as written.
fn derives(attrs: &[Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("derive")) {
        attr.parse_nested_meta(|meta| {
            out.push(text(&meta.path));
            Ok(())
        })
        .expect("a derive list");
    }
    out
}

fn fields(fields: &Fields) -> String {
    match fields {
        Fields::Unit => String::new(),
        Fields::Named(named) => {
            let list: Vec<String> = named
                .named
                .iter()
                .map(|f| format!("{}: {}", f.ident.as_ref().unwrap(), text(&f.ty)))
                .collect();
            format!(" {{ {} }}", list.join(", "))
        }
        Fields::Unnamed(unnamed) => {
            let list: Vec<String> = unnamed.unnamed.iter().map(|f| text(&f.ty)).collect();
            format!("({})", list.join(", "))
        }
    }
}

/// Whether a function's caller has to handle a failure: it returns a `Result`, or a future
/// whose output is one.
fn is_fallible(sig: &Signature) -> bool {
    let output = text(&sig.output);
    output.contains("Result") || output.contains("Execute")
}

/// Everything the walk found.
#[derive(Default)]
struct Surface {
    lines: BTreeSet<String>,
    missing_errors_section: Vec<String>,
}

impl Surface {
    fn add(&mut self, line: String) {
        self.lines.insert(line);
    }

    fn function(&mut self, path: &str, attrs: &[Attribute], sig: &Signature) {
        if is_fallible(sig) && !docs(attrs).contains("# Errors") {
            self.missing_errors_section.push(path.to_owned());
        }
        self.add(format!("{}pub {} // {path}", markers(attrs), text(sig)));
    }

    fn structure(&mut self, path: &str, item: &ItemStruct) {
        self.add(format!(
            "{}pub struct {path}{}",
            markers(&item.attrs),
            text(&item.generics)
        ));
        let mut private = false;
        for (index, field) in item.fields.iter().enumerate() {
            if !is_public(&field.vis) {
                private = true;
                continue;
            }
            let name = field.ident.as_ref().map_or(index.to_string(), ToString::to_string);
            self.add(format!("pub {path}::{name}: {}", text(&field.ty)));
        }
        if private {
            self.add(format!("{path} has private fields"));
        }
        for derived in derives(&item.attrs) {
            self.add(format!("#[derive({derived})] {path}"));
        }
    }

    fn enumeration(&mut self, path: &str, item: &ItemEnum) {
        self.add(format!(
            "{}pub enum {path}{}",
            markers(&item.attrs),
            text(&item.generics)
        ));
        for variant in &item.variants {
            self.add(format!(
                "{}{path}::{}{}",
                markers(&variant.attrs),
                variant.ident,
                fields(&variant.fields)
            ));
        }
        for derived in derives(&item.attrs) {
            self.add(format!("#[derive({derived})] {path}"));
        }
    }

    fn trait_def(&mut self, path: &str, item: &ItemTrait) {
        let supertraits = if item.supertraits.is_empty() {
            String::new()
        } else {
            format!(": {}", text(&item.supertraits))
        };
        self.add(format!(
            "{}pub trait {path}{}{supertraits}",
            markers(&item.attrs),
            text(&item.generics)
        ));
        for trait_item in &item.items {
            match trait_item {
                TraitItem::Const(c) => {
                    let default = if c.default.is_some() { " (has a default)" } else { "" };
                    self.add(format!("const {path}::{}: {}{default}", c.ident, text(&c.ty)));
                }
                TraitItem::Type(t) => {
                    let bounds = if t.bounds.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", text(&t.bounds))
                    };
                    self.add(format!("type {path}::{}{bounds}", t.ident));
                }
                TraitItem::Fn(f) => {
                    let default = if f.default.is_some() { " (has a default)" } else { "" };
                    self.add(format!("{} // {path}::{}{default}", text(&f.sig), f.sig.ident));
                }
                other => self.add(format!("{path} item {}", text(other))),
            }
        }
    }

    /// The methods, constants or trait of one `impl` block of the exported type `path`; a
    /// local `macro_rules!` invoked in the block (`macros`, by name) is expanded first.
    fn implementation(&mut self, path: &str, item: &ItemImpl, macros: &BTreeMap<String, TokenStream>) {
        let self_type = text(&item.self_ty);
        let Some((trait_path, _)) = &item.trait_ else {
            for impl_item in expand_local_macros(&item.items, macros) {
                match &impl_item {
                    ImplItem::Fn(f) if is_public(&f.vis) => {
                        self.function(&format!("{path}::{}", f.sig.ident), &f.attrs, &f.sig);
                    }
                    ImplItem::Const(c) if is_public(&c.vis) => {
                        self.add(format!("pub const {path}::{}: {}", c.ident, text(&c.ty)));
                    }
                    _ => {}
                }
            }
            return;
        };
        let associated: Vec<String> = item
            .items
            .iter()
            .filter_map(|impl_item| match impl_item {
                ImplItem::Type(t) => Some(format!("type {} = {}", t.ident, text(&t.ty))),
                _ => None,
            })
            .collect();
        let associated = if associated.is_empty() {
            String::new()
        } else {
            format!(" {{ {} }}", associated.join("; "))
        };
        self.add(format!(
            "impl{} {} for {self_type}{associated} // {path}",
            text(&item.generics),
            text(trait_path)
        ));
    }
}

/// `items` with each invocation of a local, argument-less `macro_rules!` replaced by what it
/// writes, so methods a macro defines are listed like the others.
fn expand_local_macros(items: &[ImplItem], macros: &BTreeMap<String, TokenStream>) -> Vec<ImplItem> {
    let mut out = Vec::new();
    for item in items {
        let ImplItem::Macro(invocation) = item else {
            out.push(item.clone());
            continue;
        };
        let name = text(&invocation.mac.path);
        let body = macros
            .get(&name)
            .unwrap_or_else(|| panic!("`{name}!` in an impl block is not a local macro this test can expand"));
        let block: ItemImpl = syn::parse2(quote::quote!(impl Expanded { #body }))
            .unwrap_or_else(|e| panic!("`{name}!` does not expand to impl items: {e}"));
        out.extend(block.items);
    }
    out
}

/// The expansion of each argument-less `macro_rules!` (`() => { … }`) defined in `items`.
fn local_macros(items: &[Item]) -> BTreeMap<String, TokenStream> {
    let mut macros = BTreeMap::new();
    for item in items {
        let Item::Macro(definition) = item else { continue };
        let Some(name) = &definition.ident else { continue };
        let mut tokens = definition.mac.tokens.clone().into_iter();
        // `() => { body }`: the empty matcher, `=` `>`, then the body's group.
        if let (Some(TokenTree::Group(matcher)), Some(_), Some(_), Some(TokenTree::Group(body))) =
            (tokens.next(), tokens.next(), tokens.next(), tokens.next())
        {
            if matcher.stream().is_empty() {
                macros.insert(name.to_string(), body.stream());
            }
        }
    }
    macros
}

/// The public items of the runtime crate, by name, and the `impl` blocks of its files.
struct Runtime {
    /// Exported name → the module file that defines it, or `None` for a re-exported crate.
    exports: BTreeMap<String, Option<String>>,
    /// Exported name → the outside crate's path it is re-exported from (`HeaderMap` → `http`).
    foreign: BTreeMap<String, String>,
    /// Public modules (`refold::webhooks`): their attributes and contents, read the same way.
    modules: BTreeMap<String, (Vec<Attribute>, Runtime)>,
    items: BTreeMap<String, Vec<Item>>,
    impls: Vec<ItemImpl>,
    macros: BTreeMap<String, TokenStream>,
}

/// The file of module `name` declared in `dir`: `name.rs`, or `name/mod.rs`.
fn module_file(dir: &Path, name: &str) -> PathBuf {
    let flat = dir.join(format!("{name}.rs"));
    if flat.exists() {
        flat
    } else {
        dir.join(name).join("mod.rs")
    }
}

/// The crate whose items refold-core re-exports as its own (the identifier rule and the parameter
/// types, written once for the attribute, the snapshot files and the runtime).
const SNAPSHOT_CRATE: &str = "refold_snapshot";

/// Name → module of the public re-exports in a crate root.
fn root_exports(lib: &syn::File) -> BTreeMap<String, String> {
    let mut exports = BTreeMap::new();
    for item in &lib.items {
        if let Item::Use(use_item) = item {
            if is_public(&use_item.vis) {
                for (from, name) in use_names(&use_item.tree) {
                    exports.insert(name, from);
                }
            }
        }
    }
    exports
}

impl Runtime {
    /// refold-core's exports, read from `dir` (its `src`); those it takes from refold-snapshot
    /// are read from `snapshot_dir`, under module names `refold_snapshot::<module>`.
    fn read(dir: &Path, snapshot_dir: &Path) -> Runtime {
        let lib = parse(&dir.join("lib.rs"));
        let snapshot_exports = root_exports(&parse(&snapshot_dir.join("lib.rs")));
        let mut exports = BTreeMap::new();
        let mut files = Vec::new();
        let mut modules = BTreeMap::new();
        for item in &lib.items {
            if let Item::Mod(module) = item {
                let name = module.ident.to_string();
                if is_public(&module.vis) {
                    modules.insert(
                        name.clone(),
                        (module.attrs.clone(), Runtime::read_module(&dir.join(&name))),
                    );
                } else {
                    files.push((name.clone(), module_file(dir, &name)));
                }
            }
        }
        for (name, from) in root_exports(&lib) {
            let module = match from.as_str() {
                "" => None,
                SNAPSHOT_CRATE => {
                    let module = snapshot_exports.get(&name).unwrap_or_else(|| {
                        panic!("refold-core re-exports `{name}`, which refold-snapshot does not export")
                    });
                    let qualified = format!("{SNAPSHOT_CRATE}::{module}");
                    if !files.iter().any(|(known, _)| *known == qualified) {
                        files.push((qualified.clone(), snapshot_dir.join(format!("{module}.rs"))));
                    }
                    Some(qualified)
                }
                _ => Some(from),
            };
            exports.insert(name, module);
        }
        let (items, mut impls, macros) = read_files(files);
        // A public module may add methods to a root type (`Client::webhooks`).
        for (_, module) in modules.values() {
            let defined: BTreeSet<String> = module.items.values().flatten().filter_map(item_name).collect();
            impls.extend(
                module
                    .impls
                    .iter()
                    .filter(|i| type_name(&i.self_ty).is_some_and(|name| !defined.contains(&name)))
                    .cloned(),
            );
        }
        Runtime {
            exports,
            foreign: BTreeMap::new(),
            modules,
            items,
            impls,
            macros,
        }
    }

    /// A public module in `dir` (its `mod.rs`): its files, its public submodules, and the names
    /// its `pub use` lists export, from its own files or from outside crates.
    fn read_module(dir: &Path) -> Runtime {
        let root = parse(&dir.join("mod.rs"));
        let mut files = Vec::new();
        let mut modules = BTreeMap::new();
        for item in &root.items {
            if let Item::Mod(module) = item {
                let name = module.ident.to_string();
                let file = module_file(dir, &name);
                if is_public(&module.vis) {
                    // A public module of one file: its public types are its exports.
                    let (items, impls, macros) = read_files(vec![(name.clone(), file)]);
                    let exports = items[&name]
                        .iter()
                        .filter(|item| match item {
                            Item::Struct(i) => is_public(&i.vis),
                            Item::Enum(i) => is_public(&i.vis),
                            _ => false,
                        })
                        .filter_map(item_name)
                        .map(|exported| (exported, Some(name.clone())))
                        .collect();
                    let contents = Runtime {
                        exports,
                        foreign: BTreeMap::new(),
                        modules: BTreeMap::new(),
                        items,
                        impls,
                        macros,
                    };
                    modules.insert(name, (module.attrs.clone(), contents));
                    continue;
                }
                files.push((name, file));
            }
        }
        let names: BTreeSet<String> = files.iter().map(|(name, _)| name.clone()).collect();
        let (mut exports, mut foreign) = (BTreeMap::new(), BTreeMap::new());
        // Items the module's own file defines (its constants), listed under the name `mod`.
        for item in &root.items {
            if let Item::Const(constant) = item {
                if is_public(&constant.vis) {
                    exports.insert(constant.ident.to_string(), Some("mod".to_owned()));
                }
            }
        }
        files.push(("mod".to_owned(), dir.join("mod.rs")));
        for (name, from) in root_exports(&root) {
            if names.contains(&from) {
                exports.insert(name, Some(from));
            } else {
                foreign.insert(name, from);
            }
        }
        let (items, impls, macros) = read_files(files);
        Runtime {
            exports,
            foreign,
            modules,
            items,
            impls,
            macros,
        }
    }
}

/// The items (by module), `impl` blocks and local macros of `files`.
#[allow(clippy::type_complexity)]
fn read_files(
    files: Vec<(String, PathBuf)>,
) -> (
    BTreeMap<String, Vec<Item>>,
    Vec<ItemImpl>,
    BTreeMap<String, TokenStream>,
) {
    let mut items: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    let mut impls = Vec::new();
    let mut macros = BTreeMap::new();
    for (module, path) in files {
        let file = parse(&path);
        macros.extend(local_macros(&file.items));
        for item in file.items {
            if let Item::Impl(implementation) = item {
                impls.push(implementation);
            } else {
                items.entry(module.clone()).or_default().push(item);
            }
        }
    }
    (items, impls, macros)
}

impl Runtime {
    /// The item `name` defined in `module`.
    fn find(&self, module: &str, name: &str) -> &Item {
        self.items
            .get(module)
            .and_then(|items| items.iter().find(|item| item_name(item).as_deref() == Some(name)))
            .unwrap_or_else(|| panic!("`{name}` is exported from `{module}` but not defined there"))
    }
}

fn item_name(item: &Item) -> Option<String> {
    let ident = match item {
        Item::Struct(i) => &i.ident,
        Item::Enum(i) => &i.ident,
        Item::Trait(i) => &i.ident,
        Item::Type(i) => &i.ident,
        Item::Const(i) => &i.ident,
        Item::Fn(i) => &i.sig.ident,
        Item::Mod(i) => &i.ident,
        _ => return None,
    };
    Some(ident.to_string())
}

/// `(path before the name, name)` for each name a `use` tree brings in, `self` and renames
/// left out (the sources use neither in a public `use`).
fn use_names(tree: &UseTree) -> Vec<(String, String)> {
    fn walk(tree: &UseTree, prefix: &str, out: &mut Vec<(String, String)>) {
        match tree {
            UseTree::Path(path) => {
                let prefix = if prefix.is_empty() {
                    path.ident.to_string()
                } else {
                    format!("{prefix}::{}", path.ident)
                };
                walk(&path.tree, &prefix, out);
            }
            UseTree::Name(name) => out.push((prefix.to_owned(), name.ident.to_string())),
            UseTree::Group(group) => group.items.iter().for_each(|tree| walk(tree, prefix, out)),
            other => panic!("a public `use` of an unexpected shape: {}", text(other)),
        }
    }
    let mut out = Vec::new();
    walk(tree, "", &mut out);
    out
}

/// The last identifier of a type's path: `Execute` for `Execute<'a, A>`.
fn type_name(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// One exported item of the runtime, listed as `<prefix>::<name>` (`refold::Client`).
fn describe(surface: &mut Surface, runtime: &Runtime, module: &str, name: &str, prefix: &str) {
    let path = format!("{prefix}::{name}");
    match runtime.find(module, name) {
        Item::Struct(item) => surface.structure(&path, item),
        Item::Enum(item) => surface.enumeration(&path, item),
        Item::Trait(item) => surface.trait_def(&path, item),
        Item::Type(item) => surface.add(format!("{}pub type {path} = {}", markers(&item.attrs), text(&item.ty))),
        Item::Const(item) => surface.add(format!("pub const {path}: {}", text(&item.ty))),
        Item::Fn(item) => surface.function(&path, &item.attrs, &item.sig),
        Item::Mod(item) => {
            surface.add(format!("pub mod {path}"));
            for inner in item.content.iter().flat_map(|(_, items)| items) {
                match inner {
                    Item::Const(c) if is_public(&c.vis) => {
                        surface.add(format!("pub const {path}::{}: {}", c.ident, text(&c.ty)));
                    }
                    other if item_name(other).is_some() => {
                        panic!("`{path}` holds an item this test does not list: {}", text(other))
                    }
                    _ => {}
                }
            }
        }
        other => panic!("`{path}` is an item this test does not list: {}", text(other)),
    }
    if matches!(runtime.find(module, name), Item::Struct(_) | Item::Enum(_)) {
        for implementation in &runtime.impls {
            if type_name(&implementation.self_ty).as_deref() == Some(name) {
                surface.implementation(&path, implementation, &runtime.macros);
            }
        }
    }
}

/// A public module of the runtime and everything it exports, listed under `path`.
fn describe_module(surface: &mut Surface, attrs: &[Attribute], module: &Runtime, path: &str) {
    surface.add(format!("{}pub mod {path}", markers(attrs)));
    for (name, from) in &module.exports {
        match from {
            Some(file) => describe(surface, module, file, name, path),
            None => surface.add(format!("pub use {path}::{name} (the `{name}` crate)")),
        }
    }
    for (name, from) in &module.foreign {
        surface.add(format!("pub use {path}::{name} = {from}::{name}"));
    }
    for (name, (attrs, inner)) in &module.modules {
        describe_module(surface, attrs, inner, &format!("{path}::{name}"));
    }
}

/// `__private`: hidden, but generated code depends on every name in it.
fn describe_private(surface: &mut Surface, file: &syn::File) {
    for item in &file.items {
        match item {
            Item::Use(use_item) if is_public(&use_item.vis) => {
                for (from, name) in use_names(&use_item.tree) {
                    surface.add(format!("pub use refold::__private::{name} = {from}::{name}"));
                }
            }
            Item::Struct(item) if is_public(&item.vis) => {
                surface.structure(&format!("refold::__private::{}", item.ident), item)
            }
            Item::Fn(item) if is_public(&item.vis) => surface.function(
                &format!("refold::__private::{}", item.sig.ident),
                &item.attrs,
                &item.sig,
            ),
            Item::Impl(implementation) => {
                if let Some(name) = type_name(&implementation.self_ty) {
                    surface.implementation(&format!("refold::__private::{name}"), implementation, &BTreeMap::new());
                }
            }
            _ => {}
        }
    }
}

fn surface() -> (Surface, BTreeSet<String>, BTreeSet<String>) {
    let root = manifest_dir();
    let facade = parse(&root.join("src/lib.rs"));
    let runtime = Runtime::read(&root.join("core/src"), &root.join("snapshot/src"));
    let mut surface = Surface::default();
    let mut from_runtime = BTreeSet::new();

    for item in &facade.items {
        match item {
            Item::Use(use_item) if is_public(&use_item.vis) => {
                for (from, name) in use_names(&use_item.tree) {
                    match from.as_str() {
                        "refold_core" => {
                            from_runtime.insert(name.clone());
                            if let Some((attrs, module)) = runtime.modules.get(&name) {
                                describe_module(&mut surface, attrs, module, &format!("refold::{name}"));
                                continue;
                            }
                            match runtime.exports.get(&name) {
                                Some(Some(module)) => describe(&mut surface, &runtime, module, &name, "refold"),
                                Some(None) => surface.add(format!("pub use refold::{name} (the `{name}` crate)")),
                                None => panic!("the facade re-exports `{name}`, which refold-core does not export"),
                            }
                        }
                        "refold_macros" => surface.add(format!("pub macro refold::{name} (attribute)")),
                        other => panic!("the facade re-exports `{name}` from `{other}`: list it in this test"),
                    }
                }
            }
            Item::Mod(module) if is_public(&module.vis) => {
                assert_eq!(module.ident, "__private", "a public module this test does not list");
                describe_private(&mut surface, &parse(&root.join("src/private.rs")));
            }
            Item::Mod(module) => {
                // A private module reaches the surface only through `#[macro_export]`.
                for inner in parse(&root.join(format!("src/{}.rs", module.ident))).items {
                    if let Item::Macro(mac) = inner {
                        if has_attr(&mac.attrs, "macro_export") {
                            let name = mac.ident.as_ref().expect("a named macro_rules");
                            surface.add(format!("{}macro_rules! refold::{name}", markers(&mac.attrs)));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let exported: BTreeSet<String> = runtime.exports.keys().chain(runtime.modules.keys()).cloned().collect();
    (surface, exported, from_runtime)
}

#[test]
fn the_public_api_matches_the_pinned_list() {
    let (surface, _, _) = surface();
    let listed: String = surface.lines.iter().map(|line| format!("{line}\n")).collect();
    let pinned_path = manifest_dir().join(PINNED);
    if std::env::var_os(BLESS).is_some() {
        fs::write(&pinned_path, &listed).expect("write the pinned list");
        return;
    }
    let pinned = fs::read_to_string(&pinned_path).unwrap_or_default();
    let pinned: BTreeSet<&str> = pinned.lines().collect();
    let current: BTreeSet<&str> = listed.lines().collect();
    let added: Vec<&&str> = current.difference(&pinned).collect();
    let removed: Vec<&&str> = pinned.difference(&current).collect();
    assert!(
        added.is_empty() && removed.is_empty(),
        "the public API changed.\n\nadded:\n{}\n\nremoved:\n{}\n\nIf the change is deliberate, run \
         `{BLESS}=1 cargo test --test integration public_api::` and review the diff of {PINNED}.",
        added.iter().map(|l| format!("  + {l}")).collect::<Vec<_>>().join("\n"),
        removed
            .iter()
            .map(|l| format!("  - {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
}

#[test]
fn the_facade_re_exports_everything_the_runtime_exports() {
    let (_, exported, from_runtime) = surface();
    let left_behind: Vec<&String> = exported.difference(&from_runtime).collect();
    assert!(
        left_behind.is_empty(),
        "refold-core exports {left_behind:?}, which the facade's list in src/lib.rs leaves out: \
         add them there, or stop exporting them from core/src/lib.rs"
    );
}

#[test]
fn every_fallible_public_function_documents_its_errors() {
    let (surface, _, _) = surface();
    assert!(
        surface.missing_errors_section.is_empty(),
        "public functions that can fail without a `# Errors` section in their rustdoc: {:#?}",
        surface.missing_errors_section
    );
}

#[test]
fn the_pinned_list_is_not_empty_and_names_the_core_items() {
    // A walk that silently found nothing would pin an empty file; this keeps the test honest.
    let (surface, _, _) = surface();
    for expected in [
        "pub struct refold::Client",
        "#[non_exhaustive] pub enum refold::Error",
        "pub use refold::reqwest (the `reqwest` crate)",
        "pub macro refold::refold_action (attribute)",
    ] {
        assert!(surface.lines.contains(expected), "{expected:?} is not listed");
    }
    assert!(surface.lines.len() > 150, "only {} lines", surface.lines.len());
}
