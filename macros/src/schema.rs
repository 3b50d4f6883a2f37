//! Finding and reading the schema snapshot of the action a struct names, at compile time.
//!
//! The directory is `REFOLD_SCHEMA_DIR` when set, else the nearest `.refold/` at or above the
//! crate's `CARGO_MANIFEST_DIR` (the rule of `refold_snapshot::find_schema_dir`). No directory
//! means no check. Nothing is cached between structs: rust-analyzer keeps the macro loaded for a
//! whole session, and a cache would hide snapshots that `refold prepare` rewrote meanwhile.

use std::path::{Path, PathBuf};

use refold_snapshot::{SCHEMA_DIR_ENV, Snapshot, SnapshotDir, SnapshotError, find_schema_dir};
use syn::LitStr;

use crate::ctxt::Ctxt;
use crate::suggest::closest;

/// A snapshot, and the file it was read from.
pub(crate) struct Found {
    pub(crate) snapshot: Snapshot,
    /// The file's absolute path, for `include_bytes!`, so that Cargo rebuilds the crate when the
    /// file changes.
    pub(crate) file: String,
}

/// Where the snapshots are, as the environment of this compilation says.
pub(crate) struct Location {
    /// The directory; `None` when there is none (nothing is checked).
    pub(crate) dir: Option<PathBuf>,
    /// The directory was named by `REFOLD_SCHEMA_DIR`, so it must exist.
    pub(crate) explicit: bool,
}

impl Location {
    /// `REFOLD_SCHEMA_DIR`, else the nearest `.refold/` above `CARGO_MANIFEST_DIR` (which Cargo
    /// sets for rustc, and so for the macro).
    pub(crate) fn from_env() -> Self {
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::current_dir().ok());
        Location {
            dir: manifest_dir.as_deref().and_then(find_schema_dir),
            explicit: std::env::var_os(SCHEMA_DIR_ENV).is_some_and(|value| !value.is_empty()),
        }
    }
}

/// The snapshot of `slug/id`: `None` when there is no snapshot directory (nothing to check), or
/// when a problem was recorded in `cx` (no snapshot in the directory, an unreadable one, …).
pub(crate) fn lookup(cx: &Ctxt, location: &Location, slug: &LitStr, id: &LitStr) -> Option<Found> {
    let dir = location.dir.as_ref()?;
    let (slug_value, id_value) = (slug.value(), id.value());
    let Some(dir_text) = dir.to_str() else {
        cx.error_spanned_by(
            slug,
            format!(
                "the schema snapshot directory `{}` has a path that is not valid UTF-8, so Cargo \
                 cannot be told to watch its files; move it, or point {SCHEMA_DIR_ENV} at a \
                 UTF-8 path",
                dir.display()
            ),
        );
        return None;
    };
    if location.explicit && !dir.is_dir() {
        cx.error_spanned_by(
            slug,
            format!(
                "{SCHEMA_DIR_ENV} is `{dir_text}`, which is not a directory: point it at the \
                 directory `refold prepare` writes the schema snapshots to, or unset it to use \
                 the nearest `.refold/`"
            ),
        );
        return None;
    }
    let snapshots = SnapshotDir::new(dir);
    match snapshots.read(&slug_value, &id_value) {
        Ok(Some(snapshot)) => {
            let file = snapshots.path_of(&slug_value, &id_value).ok()?;
            let file = file.to_str()?.to_owned();
            Some(Found { snapshot, file })
        }
        Ok(None) => {
            missing(cx, &snapshots, dir_text, slug, id);
            None
        }
        Err(error) => {
            unreadable(cx, id, &error);
            None
        }
    }
}

/// The snapshot directory exists but holds no snapshot of this action.
fn missing(cx: &Ctxt, snapshots: &SnapshotDir, dir: &str, slug: &LitStr, id: &LitStr) {
    let (slug_value, id_value) = (slug.value(), id.value());
    let listed = snapshots.list().unwrap_or_default();
    let fix = format!(
        "run `refold prepare` to fetch the schemas of this crate's actions, or add `unchecked` \
         to this attribute to compile `{slug_value}/{id_value}` without checking"
    );
    let in_app: Vec<&str> = listed
        .iter()
        .filter(|(app, _)| *app == slug_value)
        .map(|(_, action)| action.as_str())
        .collect();
    if in_app.is_empty() {
        let mut apps: Vec<&str> = listed.iter().map(|(app, _)| app.as_str()).collect();
        apps.dedup();
        let guess = closest(&slug_value, apps.iter().copied())
            .map(|app| format!(" (did you mean `{app}`? it has snapshots)"))
            .unwrap_or_default();
        cx.error_spanned_by(
            slug,
            format!("no schema snapshot of the app `{slug_value}` in `{dir}`{guess}: {fix}"),
        );
    } else {
        let guess = closest(&id_value, in_app.iter().copied())
            .map(|action| format!(" (did you mean `{action}`? it has one)"))
            .unwrap_or_default();
        let file = Path::new(dir).join(&slug_value).join(format!("{id_value}.json"));
        cx.error_spanned_by(
            id,
            format!(
                "no schema snapshot of `{slug_value}/{id_value}`: `{}` does not exist{guess}; {fix}",
                file.display()
            ),
        );
    }
}

/// The snapshot file exists but cannot be used. The error names the file.
fn unreadable(cx: &Ctxt, id: &LitStr, error: &SnapshotError) {
    cx.error_spanned_by(
        id,
        format!("cannot check this struct against its schema snapshot: {error}"),
    );
}
