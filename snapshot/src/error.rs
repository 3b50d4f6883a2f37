//! What can go wrong reading or writing snapshots.

use std::path::PathBuf;

/// A snapshot that could not be read or written.
///
/// Each message names the file (when there is one) and what to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    /// The file is not a valid snapshot: bad JSON, a missing or unknown field, an invalid slug or
    /// action id, or contents that disagree with the file's place in the directory.
    #[error(
        "{}corrupt refold schema snapshot: {message}; run `refold prepare` to fetch it again",
        at(path)
    )]
    Corrupt {
        /// The file, when the snapshot came from one.
        path: Option<PathBuf>,
        /// What is wrong.
        message: String,
    },

    /// The file was written by a newer `refold`, in a format this version cannot read.
    #[error(
        "{}refold schema snapshot format {found} is newer than the {supported} this version reads; upgrade refold (the crates and the CLI) or re-run `refold prepare` with this version",
        at(path)
    )]
    NewerFormat {
        /// The file, when the snapshot came from one.
        path: Option<PathBuf>,
        /// The version the file declares.
        found: u32,
        /// The newest version this crate reads.
        supported: u32,
    },

    /// A slug or action id that is not a valid identifier was asked for, so it has no file.
    #[error("{what} {value:?} is not 1 to 128 lowercase ASCII letters, digits, '_' or '-'")]
    InvalidName {
        /// `slug` or `action_id`.
        what: &'static str,
        /// The value given.
        value: String,
    },

    /// The path is not a snapshot file that can be read safely: not a regular file after
    /// following links (a directory, a FIFO, a device), or larger than
    /// [`MAX_SNAPSHOT_BYTES`](crate::MAX_SNAPSHOT_BYTES). Refused before reading, so a FIFO
    /// cannot block and a device cannot be read without end.
    #[error("{}: {reason}; a refold schema snapshot is a regular JSON file of at most 1 MiB", path.display())]
    NotAFile {
        /// The file.
        path: PathBuf,
        /// What it is instead, or how large.
        reason: String,
    },

    /// Reading or writing the file failed.
    #[error("{}: {action}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done ("could not read", …).
        action: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

impl SnapshotError {
    /// Adds the file's path to an error that came from its bytes.
    pub(crate) fn at_path(self, file: PathBuf) -> Self {
        match self {
            SnapshotError::Corrupt { path: None, message } => SnapshotError::Corrupt {
                path: Some(file),
                message,
            },
            SnapshotError::NewerFormat {
                path: None,
                found,
                supported,
            } => SnapshotError::NewerFormat {
                path: Some(file),
                found,
                supported,
            },
            other => other,
        }
    }

    /// The file the error is about, when there is one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            SnapshotError::Corrupt { path, .. } | SnapshotError::NewerFormat { path, .. } => path.as_deref(),
            SnapshotError::Io { path, .. } | SnapshotError::NotAFile { path, .. } => Some(path),
            SnapshotError::InvalidName { .. } => None,
        }
    }
}

fn at(path: &Option<PathBuf>) -> String {
    match path {
        Some(path) => format!("{}: ", path.display()),
        None => String::new(),
    }
}
