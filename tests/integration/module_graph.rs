//! refold-core's modules form no import circle: no module names another that names it back,
//! directly or through others.
//!
//! A circle means neither module can be read, changed or moved without the other, which is how a
//! rule ends up restated in two places. This test reads `core/src` with syn, draws an edge from a
//! module to every module it names, and fails with each circle it finds.
//!
//! What counts as naming a module: any path that starts with `crate::` or `super::` (in a `use`,
//! in code, in a macro's arguments such as `tracing::debug!(target: crate::…)`), resolved through
//! the re-exports of `lib.rs` (`crate::Error` names `error`). Not counted: code under
//! `#[cfg(test)]`, which no release build contains, and rustdoc links. A submodule in a directory
//! of its own (`rate_limit/redis_limiter.rs`) counts as part of its parent: only the parent can
//! name it, and it may use its parent's private items, so the two are one unit. Methods are not
//! names: calling `client.mint_within(..)` does not name the module holding that `impl` block.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;
use syn::{Item, UseTree};

fn core_src() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("core/src")
}

fn parse(path: &Path) -> syn::File {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    syn::parse_file(&text).unwrap_or_else(|e| panic!("cannot parse {}: {e}", path.display()))
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Meta>()
                .is_ok_and(|meta| meta.path().is_ident("test"))
    })
}

/// The crate root: its top-level modules, and the module each re-exported name comes from.
struct Root {
    modules: BTreeSet<String>,
    exports: BTreeMap<String, String>,
}

impl Root {
    fn read(lib: &syn::File) -> Root {
        let mut modules = BTreeSet::new();
        let mut exports = BTreeMap::new();
        for item in &lib.items {
            match item {
                Item::Mod(module) if !is_cfg_test(&module.attrs) => {
                    modules.insert(module.ident.to_string());
                }
                Item::Use(use_item) => {
                    for path in use_paths(&use_item.tree) {
                        if let [module, .., name] = path.as_slice() {
                            exports.insert(name.clone(), module.clone());
                        }
                    }
                }
                _ => {}
            }
        }
        Root { modules, exports }
    }

    /// The top-level module a path from the crate root names, if it names one.
    fn module_of(&self, from_root: &[String]) -> Option<String> {
        let first = from_root.first()?;
        if self.modules.contains(first) {
            return Some(first.clone());
        }
        if let Some(module) = self.exports.get(first) {
            return Some(module.clone());
        }
        // A name the crate root neither declares nor re-exports from a module of its own: an
        // external crate it re-exports (`crate::reqwest`), or a glob's `*`.
        None
    }
}

/// Every full path a `use` tree imports, as segments (`self` and renames kept as the path).
fn use_paths(tree: &UseTree) -> Vec<Vec<String>> {
    fn walk(tree: &UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        match tree {
            UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                walk(&path.tree, prefix, out);
                prefix.pop();
            }
            UseTree::Name(name) => out.push([prefix.as_slice(), &[name.ident.to_string()]].concat()),
            UseTree::Rename(rename) => out.push([prefix.as_slice(), &[rename.ident.to_string()]].concat()),
            UseTree::Glob(_) => out.push([prefix.as_slice(), &["*".to_owned()]].concat()),
            UseTree::Group(group) => group.items.iter().for_each(|tree| walk(tree, prefix, out)),
        }
    }
    let mut out = Vec::new();
    walk(tree, &mut Vec::new(), &mut out);
    out
}

/// The paths one file names, starting at `crate` or `super`.
#[derive(Default)]
struct Names {
    paths: Vec<Vec<String>>,
}

impl Names {
    fn keep(&mut self, segments: Vec<String>) {
        if matches!(segments.first().map(String::as_str), Some("crate" | "super")) {
            self.paths.push(segments);
        }
    }

    /// `crate :: a :: b` and `super :: a` sequences inside a macro's tokens, which syn leaves
    /// unparsed.
    fn scan_tokens(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut index = 0;
        while index < tokens.len() {
            match &tokens[index] {
                TokenTree::Group(group) => self.scan_tokens(group.stream()),
                TokenTree::Ident(ident) if ident == "crate" || ident == "super" => {
                    let mut segments = vec![ident.to_string()];
                    let mut next = index + 1;
                    while let (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)), Some(TokenTree::Ident(name))) =
                        (tokens.get(next), tokens.get(next + 1), tokens.get(next + 2))
                    {
                        if a.as_char() != ':' || b.as_char() != ':' {
                            break;
                        }
                        segments.push(name.to_string());
                        next += 3;
                    }
                    self.keep(segments);
                    index = next;
                    continue;
                }
                _ => {}
            }
            index += 1;
        }
    }
}

impl<'ast> Visit<'ast> for Names {
    fn visit_item(&mut self, item: &'ast Item) {
        let attrs = match item {
            Item::Mod(module) => &module.attrs,
            Item::Fn(function) => &function.attrs,
            Item::Impl(implementation) => &implementation.attrs,
            Item::Use(use_item) => &use_item.attrs,
            Item::Const(constant) => &constant.attrs,
            Item::Struct(structure) => &structure.attrs,
            _ => return syn::visit::visit_item(self, item),
        };
        if !is_cfg_test(attrs) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_impl_item_fn(&mut self, function: &'ast syn::ImplItemFn) {
        if !is_cfg_test(&function.attrs) {
            syn::visit::visit_impl_item_fn(self, function);
        }
    }

    fn visit_item_use(&mut self, use_item: &'ast syn::ItemUse) {
        for path in use_paths(&use_item.tree) {
            self.keep(path);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.keep(path.segments.iter().map(|segment| segment.ident.to_string()).collect());
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.scan_tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}

/// The files of a top-level module: its own, and those of the submodules it declares in a
/// directory named after it (recursively).
fn module_files(dir: &Path, name: &str) -> Vec<(PathBuf, usize)> {
    fn walk(dir: &Path, name: &str, depth: usize, out: &mut Vec<(PathBuf, usize)>) {
        // `name.rs`, or `name/mod.rs`; either way its submodules are in `name/`.
        let flat = dir.join(format!("{name}.rs"));
        let file = if flat.exists() {
            flat
        } else {
            dir.join(name).join("mod.rs")
        };
        let parsed = parse(&file);
        out.push((file, depth));
        for item in &parsed.items {
            if let Item::Mod(module) = item {
                if module.content.is_none() && !is_cfg_test(&module.attrs) {
                    walk(&dir.join(name), &module.ident.to_string(), depth + 1, out);
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, name, 0, &mut out);
    out
}

/// Module → the modules it names, each with one path that names it (for the failure message).
fn graph() -> BTreeMap<String, BTreeMap<String, String>> {
    let dir = core_src();
    let root = Root::read(&parse(&dir.join("lib.rs")));
    let mut edges: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for module in &root.modules {
        let targets = edges.entry(module.clone()).or_default();
        for (file, depth) in module_files(&dir, module) {
            let mut names = Names::default();
            names.visit_file(&parse(&file));
            for path in names.paths {
                // `super` climbs one module per use; past the top-level module it is the root.
                let supers = path.iter().take_while(|segment| *segment == "super").count();
                let from_root = match path[0].as_str() {
                    "crate" => &path[1..],
                    _ if supers > depth => &path[depth + 1..],
                    // Within the top-level module: not a dependency on another.
                    _ => continue,
                };
                if let Some(target) = root.module_of(from_root) {
                    if &target != module {
                        let shown_file = file.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(&file);
                        let shown = format!("`{}` in {}", path.join("::"), shown_file.display());
                        targets.entry(target).or_insert(shown);
                    }
                }
            }
        }
    }
    edges
}

/// Every circle, each as the modules along it, found by a depth-first walk from each module
/// (one circle per back edge, so a knot of several circles shows each of them).
fn circles(edges: &BTreeMap<String, BTreeMap<String, String>>) -> BTreeSet<Vec<String>> {
    fn walk(
        module: &str,
        edges: &BTreeMap<String, BTreeMap<String, String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        found: &mut BTreeSet<Vec<String>>,
    ) {
        if let Some(at) = stack.iter().position(|m| m == module) {
            let mut circle = stack[at..].to_vec();
            // The same circle entered at another module is the same circle.
            let smallest = circle.iter().enumerate().min_by_key(|(_, m)| *m).map_or(0, |(i, _)| i);
            circle.rotate_left(smallest);
            found.insert(circle);
            return;
        }
        if done.contains(module) {
            return;
        }
        stack.push(module.to_owned());
        for next in edges.get(module).into_iter().flat_map(BTreeMap::keys) {
            walk(next, edges, stack, done, found);
        }
        stack.pop();
        done.insert(module.to_owned());
    }
    let mut found = BTreeSet::new();
    for module in edges.keys() {
        walk(module, edges, &mut Vec::new(), &mut BTreeSet::new(), &mut found);
    }
    found
}

#[test]
fn no_module_of_refold_core_imports_one_that_imports_it_back() {
    let edges = graph();
    let found = circles(&edges);
    let explain = |circle: &Vec<String>| {
        let mut lines = vec![format!("  {} → {}", circle.join(" → "), circle[0])];
        for (from, to) in circle.iter().zip(circle.iter().cycle().skip(1)) {
            lines.push(format!("    {from} → {to}: {}", edges[from][to]));
        }
        lines.join("\n")
    };
    assert!(
        found.is_empty(),
        "import circles in refold-core:\n{}",
        found.iter().map(explain).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_module_graph_sees_the_imports_it_must() {
    // A reading that silently found no edge would find no circle either.
    let edges = graph();
    for (from, to) in [
        ("pipeline", "transport"),
        ("endpoints", "pipeline"),
        ("builder", "client"),
        // Through a re-export of lib.rs: `use crate::Error`.
        ("transport", "error"),
    ] {
        assert!(
            edges.get(from).is_some_and(|targets| targets.contains_key(to)),
            "{from} → {to} was not seen; edges: {edges:#?}"
        );
    }
}

#[test]
fn a_circle_through_three_modules_is_reported_once() {
    let edge = |to: &str| (to.to_owned(), String::new());
    let edges = BTreeMap::from([
        ("a".to_owned(), BTreeMap::from([edge("b")])),
        ("b".to_owned(), BTreeMap::from([edge("c")])),
        ("c".to_owned(), BTreeMap::from([edge("a"), edge("d")])),
        ("d".to_owned(), BTreeMap::new()),
    ]);
    let found = circles(&edges);
    assert_eq!(
        found,
        BTreeSet::from([vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]])
    );
}
