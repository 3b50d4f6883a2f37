//! Where snapshots live: finding the directory, and reading and writing its files.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::file::read_bounded;
use crate::is_valid_identifier;
use crate::{Snapshot, SnapshotError};

/// The variable that names the snapshot directory explicitly, overriding the search.
pub const SCHEMA_DIR_ENV: &str = "REFOLD_SCHEMA_DIR";

/// The directory name searched for upwards from a crate's manifest directory.
pub const SCHEMA_DIR_NAME: &str = ".refold";

/// The snapshot directory a crate uses: `REFOLD_SCHEMA_DIR` when it is set and not empty (a
/// relative value is taken relative to `manifest_dir`), else the nearest `.refold/` directory at
/// or above `manifest_dir`. `None` when there is neither, which means "no schema checking".
///
/// ```
/// use refold_snapshot::find_schema_dir;
///
/// // The variable is read here; with it unset, the search starts at the given directory.
/// let dir = find_schema_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")));
/// # let _ = dir;
/// ```
pub fn find_schema_dir(manifest_dir: &Path) -> Option<PathBuf> {
    let explicit = std::env::var_os(SCHEMA_DIR_ENV);
    match explicit.as_deref().filter(|value| !value.is_empty()) {
        Some(value) => Some(manifest_dir.join(value)),
        None => find_schema_dir_from(manifest_dir),
    }
}

/// The nearest `.refold/` directory at or above `start`, ignoring `REFOLD_SCHEMA_DIR`.
///
/// ```
/// use refold_snapshot::find_schema_dir_from;
///
/// let root = std::env::temp_dir().join(format!("refold-doc-{}", std::process::id()));
/// std::fs::create_dir_all(root.join(".refold"))?;
/// std::fs::create_dir_all(root.join("crates/app/src"))?;
/// assert_eq!(find_schema_dir_from(&root.join("crates/app/src")), Some(root.join(".refold")));
/// # std::fs::remove_dir_all(&root)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn find_schema_dir_from(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(SCHEMA_DIR_NAME))
        .find(|candidate| candidate.is_dir())
}

/// What [`SnapshotDir::write`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteOutcome {
    /// There was no file; it was written.
    Created,
    /// The file held other bytes; it was replaced.
    Updated,
    /// The file already held exactly these bytes; it was not touched.
    Unchanged,
}

/// A snapshot directory: `<root>/<slug>/<action_id>.json`.
///
/// ```
/// use refold_snapshot::{ParamType, Parameter, Snapshot, SnapshotDir, WriteOutcome};
///
/// let root = std::env::temp_dir().join(format!("refold-doc-dir-{}", std::process::id()));
/// let dir = SnapshotDir::new(&root);
/// let snapshot = Snapshot::new("hubspot", "create_contact")
///     .with_parameters(vec![Parameter::new("email", ParamType::Text).with_required(true)]);
/// assert_eq!(dir.write(&snapshot)?, WriteOutcome::Created);
/// assert_eq!(dir.write(&snapshot)?, WriteOutcome::Unchanged);
/// assert_eq!(dir.read("hubspot", "create_contact")?, Some(snapshot));
/// assert_eq!(dir.list()?, vec![("hubspot".to_string(), "create_contact".to_string())]);
/// # std::fs::remove_dir_all(&root).unwrap();
/// # Ok::<(), refold_snapshot::SnapshotError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotDir {
    root: PathBuf,
}

impl SnapshotDir {
    /// The directory at `root` (it need not exist yet).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        SnapshotDir { root: root.into() }
    }

    /// The directory's root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file that holds (or would hold) this action's snapshot.
    ///
    /// # Errors
    ///
    /// [`SnapshotError::InvalidName`] when the slug or action id is not a valid identifier (which
    /// also keeps every path inside the directory).
    pub fn path_of(&self, slug: &str, action_id: &str) -> Result<PathBuf, SnapshotError> {
        for (what, value) in [("slug", slug), ("action_id", action_id)] {
            if !is_valid_identifier(value) {
                return Err(SnapshotError::InvalidName {
                    what,
                    value: value.to_owned(),
                });
            }
        }
        Ok(self.root.join(slug).join(format!("{action_id}.json")))
    }

    /// Reads one action's snapshot; `None` when it has no file.
    ///
    /// # Errors
    ///
    /// [`SnapshotError::Io`] when the file exists but cannot be read,
    /// [`SnapshotError::NotAFile`] when it is not a regular file (after following links) or is
    /// larger than [`MAX_SNAPSHOT_BYTES`](crate::MAX_SNAPSHOT_BYTES), and the errors of
    /// [`Snapshot::from_slice`] (with the path) when it is not a valid snapshot of this action.
    pub fn read(&self, slug: &str, action_id: &str) -> Result<Option<Snapshot>, SnapshotError> {
        let path = self.path_of(slug, action_id)?;
        match read_bounded(&path)? {
            Some(bytes) => read_snapshot(&path, &bytes, slug, action_id).map(Some),
            None => Ok(None),
        }
    }

    /// The bytes of one action's snapshot file as they are (for a byte-level comparison), read
    /// with the same checks as [`SnapshotDir::read`]; `None` when it has no file.
    ///
    /// # Errors
    ///
    /// [`SnapshotError::InvalidName`] for an invalid slug or action id, [`SnapshotError::Io`]
    /// when the file exists but cannot be read, and [`SnapshotError::NotAFile`] when it is not a
    /// regular file or is larger than [`MAX_SNAPSHOT_BYTES`](crate::MAX_SNAPSHOT_BYTES).
    ///
    /// ```
    /// use refold_snapshot::{Snapshot, SnapshotDir};
    ///
    /// let root = std::env::temp_dir().join(format!("refold-doc-bytes-{}", std::process::id()));
    /// let dir = SnapshotDir::new(&root);
    /// assert_eq!(dir.read_bytes("hubspot", "get_contact")?, None);
    /// dir.write(&Snapshot::new("hubspot", "get_contact"))?;
    /// assert_eq!(dir.read_bytes("hubspot", "get_contact")?, Some(Snapshot::new("hubspot", "get_contact").to_bytes()));
    /// # std::fs::remove_dir_all(&root).unwrap();
    /// # Ok::<(), refold_snapshot::SnapshotError>(())
    /// ```
    pub fn read_bytes(&self, slug: &str, action_id: &str) -> Result<Option<Vec<u8>>, SnapshotError> {
        read_bounded(&self.path_of(slug, action_id)?)
    }

    /// Writes a snapshot to its file, atomically (a temporary file renamed into place), unless the
    /// file already holds exactly these bytes.
    ///
    /// # Errors
    ///
    /// [`SnapshotError::InvalidName`] for an invalid slug or action id,
    /// [`SnapshotError::NotAFile`] when something other than a snapshot file is in its place, and
    /// [`SnapshotError::Io`] when the directory or file cannot be written.
    pub fn write(&self, snapshot: &Snapshot) -> Result<WriteOutcome, SnapshotError> {
        let path = self.path_of(&snapshot.slug, &snapshot.action_id)?;
        let bytes = snapshot.to_bytes();
        let outcome = match read_bounded(&path)? {
            Some(existing) if existing == bytes => return Ok(WriteOutcome::Unchanged),
            Some(_) => WriteOutcome::Updated,
            None => WriteOutcome::Created,
        };
        let parent = path.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&parent).map_err(|source| SnapshotError::Io {
            path: parent.clone(),
            action: "could not create the snapshot directory",
            source,
        })?;
        let temporary = parent.join(format!(".{}.json.tmp-{}", snapshot.action_id, std::process::id()));
        let written = fs::write(&temporary, &bytes).and_then(|()| fs::rename(&temporary, &path));
        if let Err(source) = written {
            let _ = fs::remove_file(&temporary);
            return Err(SnapshotError::Io {
                path,
                action: "could not write the snapshot",
                source,
            });
        }
        Ok(outcome)
    }

    /// Removes one action's snapshot, and its app's directory when that becomes empty. Returns
    /// whether there was a file.
    ///
    /// # Errors
    ///
    /// [`SnapshotError::InvalidName`] for an invalid slug or action id, and [`SnapshotError::Io`]
    /// when the file exists but cannot be removed.
    pub fn remove(&self, slug: &str, action_id: &str) -> Result<bool, SnapshotError> {
        let path = self.path_of(slug, action_id)?;
        match fs::remove_file(&path) {
            Ok(()) => {
                // Only succeeds when the app's directory is empty, which is the point.
                let _ = fs::remove_dir(self.root.join(slug));
                Ok(true)
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(SnapshotError::Io {
                path,
                action: "could not remove the snapshot",
                source,
            }),
        }
    }

    /// Every `(slug, action_id)` with a snapshot file, sorted. Files and directories whose names
    /// are not `<identifier>/<identifier>.json` are not snapshots and are skipped (a README, a
    /// hidden temporary file).
    ///
    /// # Errors
    ///
    /// [`SnapshotError::Io`] when a directory cannot be listed. A root that does not exist is an
    /// empty list.
    pub fn list(&self) -> Result<Vec<(String, String)>, SnapshotError> {
        let mut found = Vec::new();
        for (slug, app_dir) in entries(&self.root)? {
            if !app_dir.is_dir() || !is_valid_identifier(&slug) {
                continue;
            }
            for (file_name, file) in entries(&app_dir)? {
                let action_id = Path::new(&file_name)
                    .extension()
                    .filter(|extension| *extension == OsStr::new("json"))
                    .and_then(|_| file_name.strip_suffix(".json"));
                if let Some(action_id) = action_id.filter(|id| is_valid_identifier(id) && file.is_file()) {
                    found.push((slug.clone(), action_id.to_owned()));
                }
            }
        }
        found.sort();
        Ok(found)
    }

    /// Reads every snapshot in the directory, sorted by slug and action id.
    ///
    /// # Errors
    ///
    /// The first error of [`SnapshotDir::list`] or [`SnapshotDir::read`]: one bad file fails the
    /// whole load, so a corrupt snapshot is never silently left out.
    pub fn load_all(&self) -> Result<Vec<Snapshot>, SnapshotError> {
        let mut snapshots = Vec::new();
        for (slug, action_id) in self.list()? {
            if let Some(snapshot) = self.read(&slug, &action_id)? {
                snapshots.push(snapshot);
            }
        }
        Ok(snapshots)
    }
}

/// Parses a snapshot file's bytes and checks that its contents match its place in the directory.
fn read_snapshot(path: &Path, bytes: &[u8], slug: &str, action_id: &str) -> Result<Snapshot, SnapshotError> {
    let snapshot = Snapshot::from_slice(bytes).map_err(|err| err.at_path(path.to_path_buf()))?;
    if snapshot.slug != slug || snapshot.action_id != action_id {
        return Err(SnapshotError::Corrupt {
            path: Some(path.to_path_buf()),
            message: format!(
                "the file is for {}/{} but lies where {slug}/{action_id} belongs",
                snapshot.slug, snapshot.action_id
            ),
        });
    }
    Ok(snapshot)
}

/// The entries of a directory as (UTF-8 name, path); a missing directory has none.
fn entries(dir: &Path) -> Result<Vec<(String, PathBuf)>, SnapshotError> {
    let listing = match fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(SnapshotError::Io {
                path: dir.to_path_buf(),
                action: "could not list the directory",
                source,
            });
        }
    };
    let mut entries = Vec::new();
    for entry in listing {
        let entry = entry.map_err(|source| SnapshotError::Io {
            path: dir.to_path_buf(),
            action: "could not list the directory",
            source,
        })?;
        if let Ok(name) = entry.file_name().into_string() {
            entries.push((name, entry.path()));
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ParamType, Parameter};

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let path = std::env::temp_dir().join(format!("refold-snapshot-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&path);
            TempDir(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn write_reports_created_updated_unchanged_and_remove_cleans_up() {
        let temp = TempDir::new("write");
        let dir = SnapshotDir::new(&temp.0);
        let mut snapshot = Snapshot::new("hubspot", "create_contact");
        assert_eq!(dir.write(&snapshot).unwrap(), WriteOutcome::Created);
        assert_eq!(dir.write(&snapshot).unwrap(), WriteOutcome::Unchanged);
        snapshot.parameters.push(Parameter::new("email", ParamType::Text));
        assert_eq!(dir.write(&snapshot).unwrap(), WriteOutcome::Updated);
        assert_eq!(dir.read("hubspot", "create_contact").unwrap(), Some(snapshot));
        assert!(dir.remove("hubspot", "create_contact").unwrap());
        assert!(!dir.remove("hubspot", "create_contact").unwrap());
        assert!(!temp.0.join("hubspot").exists(), "the empty app directory is removed");
    }

    #[test]
    fn a_misplaced_or_corrupt_file_is_an_error_naming_it() {
        let temp = TempDir::new("misplaced");
        let dir = SnapshotDir::new(&temp.0);
        fs::create_dir_all(temp.0.join("hubspot")).unwrap();
        let wrong = Snapshot::new("salesforce", "create_account").to_bytes();
        fs::write(temp.0.join("hubspot/create_contact.json"), wrong).unwrap();
        let err = dir.read("hubspot", "create_contact").unwrap_err();
        assert!(err.to_string().contains("create_contact.json"), "{err}");
        assert!(err.to_string().contains("salesforce/create_account"), "{err}");

        fs::write(temp.0.join("hubspot/get_contact.json"), b"{\"format_version\": 1,").unwrap();
        let err = dir.load_all().unwrap_err();
        assert!(
            err.path()
                .is_some_and(|path| path.ends_with("hubspot/create_contact.json")),
            "{err}"
        );
    }

    #[test]
    fn list_skips_what_is_not_a_snapshot() {
        let temp = TempDir::new("list");
        let dir = SnapshotDir::new(&temp.0);
        dir.write(&Snapshot::new("salesforce", "create_account")).unwrap();
        dir.write(&Snapshot::new("hubspot", "get_contact")).unwrap();
        fs::write(temp.0.join("README.md"), b"committed snapshots").unwrap();
        fs::write(temp.0.join("hubspot/notes.txt"), b"x").unwrap();
        fs::write(temp.0.join("hubspot/.create_contact.json.tmp-1"), b"x").unwrap();
        let listed = dir.list().unwrap();
        assert_eq!(
            listed,
            vec![
                ("hubspot".into(), "get_contact".into()),
                ("salesforce".into(), "create_account".into())
            ]
        );
        assert_eq!(SnapshotDir::new(temp.0.join("missing")).list().unwrap(), vec![]);
    }

    #[test]
    fn invalid_names_never_become_paths() {
        let dir = SnapshotDir::new("snapshots");
        assert!(matches!(
            dir.path_of("../x", "y"),
            Err(SnapshotError::InvalidName { what: "slug", .. })
        ));
        assert!(matches!(
            dir.path_of("x", "a/b"),
            Err(SnapshotError::InvalidName { what: "action_id", .. })
        ));
    }
}
