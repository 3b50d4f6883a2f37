//! The Cargo project `prepare` works on: its packages, their sources and their `.refold/`.
//!
//! Packages come from `cargo metadata`, so the answer is Cargo's own (workspace members,
//! excluded directories, virtual manifests) rather than a guess from reading `Cargo.toml`.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::error::CliError;
use crate::exit::Exit;

/// One package of the workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// Its name in `Cargo.toml`.
    pub name: String,
    /// The directory holding its `Cargo.toml`.
    pub root: PathBuf,
}

/// A workspace, and which of its packages the command was started in.
#[derive(Debug)]
pub struct Project {
    /// The workspace's root directory.
    pub workspace_root: PathBuf,
    /// Every member package.
    pub packages: Vec<Package>,
    /// The index in `packages` of the package whose directory holds the starting directory
    /// (the innermost one), if any.
    pub current: Option<usize>,
}

#[derive(Deserialize)]
struct Metadata {
    workspace_root: PathBuf,
    packages: Vec<MetadataPackage>,
}

#[derive(Deserialize)]
struct MetadataPackage {
    name: String,
    manifest_path: PathBuf,
}

impl Project {
    /// The project that `start` lies in.
    ///
    /// # Errors
    ///
    /// [`Exit::Input`] when `start` is not inside a Cargo workspace or cargo cannot be run.
    pub fn locate(start: &Path) -> Result<Project, CliError> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
        let output = Command::new(&cargo)
            .args(["metadata", "--no-deps", "--format-version", "1"])
            .current_dir(start)
            .output()
            .map_err(|err| {
                CliError::new(
                    Exit::Input,
                    format!(
                        "could not run `{} metadata` to find the package's sources: {err}",
                        cargo.to_string_lossy()
                    ),
                )
            })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(CliError::new(
                Exit::Input,
                format!(
                    "{} is not inside a Cargo package (cargo metadata: {}); run `refold prepare` in your crate's directory \
                     or pass --manifest-dir",
                    start.display(),
                    stderr.trim()
                ),
            ));
        }
        let metadata: Metadata = serde_json::from_slice(&output.stdout)
            .map_err(|err| CliError::new(Exit::Input, format!("could not read cargo metadata's output: {err}")))?;
        let packages: Vec<Package> = metadata
            .packages
            .into_iter()
            .map(|package| Package {
                name: package.name,
                root: package
                    .manifest_path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
            })
            .collect();
        let start = fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
        let current = packages
            .iter()
            .enumerate()
            .filter(|(_, package)| start.starts_with(&package.root))
            .max_by_key(|(_, package)| package.root.components().count())
            .map(|(index, _)| index);
        Ok(Project {
            workspace_root: metadata.workspace_root,
            packages,
            current,
        })
    }

    /// The `.refold/` directory `package` reads: `REFOLD_SCHEMA_DIR` or the nearest one at or
    /// above it (what the attribute finds), else `default_root/.refold`, where it is to be created.
    pub fn schema_dir(package: &Package, default_root: &Path) -> PathBuf {
        refold_snapshot::find_schema_dir(&package.root)
            .unwrap_or_else(|| default_root.join(refold_snapshot::SCHEMA_DIR_NAME))
    }

    /// The `.rs` files of `package`, sorted: every one under its directory, except in `target/`,
    /// hidden directories, and the directories of other packages nested inside it.
    ///
    /// # Errors
    ///
    /// [`Exit::Io`] when a directory cannot be listed.
    pub fn sources(&self, package: &Package) -> Result<Vec<PathBuf>, CliError> {
        let mut files = Vec::new();
        let mut pending = vec![package.root.clone()];
        while let Some(dir) = pending.pop() {
            let listing = fs::read_dir(&dir).map_err(|err| {
                CliError::new(
                    Exit::Io,
                    format!("{}: could not list the directory: {err}", dir.display()),
                )
            })?;
            for entry in listing {
                let entry = entry.map_err(|err| {
                    CliError::new(
                        Exit::Io,
                        format!("{}: could not list the directory: {err}", dir.display()),
                    )
                })?;
                let path = entry.path();
                let name = entry.file_name();
                let name = name.to_string_lossy();
                let Ok(kind) = entry.file_type() else { continue };
                if kind.is_dir() {
                    let other_package = self.packages.iter().any(|p| p.root == path);
                    if !(name == "target" || name.starts_with('.') || other_package) {
                        pending.push(path);
                    }
                } else if kind.is_file() && name.ends_with(".rs") {
                    files.push(path);
                }
            }
        }
        files.sort();
        Ok(files)
    }
}

/// `path` relative to `base` (`../.refold/…` from a member of a workspace), for shorter
/// messages; as it is when the two share no root.
pub fn shown(path: &Path, base: &Path) -> String {
    let path_parts: Vec<_> = path.components().collect();
    let base_parts: Vec<_> = base.components().collect();
    let common = path_parts.iter().zip(&base_parts).take_while(|(a, b)| a == b).count();
    if common == 0 || !path.is_absolute() {
        return path.display().to_string();
    }
    let mut relative = PathBuf::new();
    for _ in common..base_parts.len() {
        relative.push("..");
    }
    for part in &path_parts[common..] {
        relative.push(part);
    }
    relative.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_shown_relative_to_the_current_directory() {
        let shown_from = |path: &str, base: &str| shown(Path::new(path), Path::new(base));
        assert_eq!(shown_from("/w/app/src/lib.rs", "/w/app"), "src/lib.rs");
        assert_eq!(
            shown_from("/w/.refold/hubspot/x.json", "/w/app"),
            "../.refold/hubspot/x.json"
        );
        assert_eq!(shown_from("/w/jobs/src/lib.rs", "/w/app/src"), "../../jobs/src/lib.rs");
    }
}
