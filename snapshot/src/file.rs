//! The one way a snapshot file's bytes are read: only a regular file (links followed), only up
//! to [`MAX_SNAPSHOT_BYTES`].
//!
//! A snapshot path is something a user (or a checked-out repository) controls, and it is read
//! by the compiler (through the attribute), the CLI and the emulator. A FIFO there would block
//! each of them forever in `open`, and a link to `/dev/zero` would make them read until memory
//! runs out; so the file's type is checked before it is opened, and the read stops one byte
//! past the cap.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;

use crate::SnapshotError;

/// The largest snapshot file read, in bytes (1 MiB). Real snapshots are a few KiB: an action
/// with hundreds of parameters stays far below it.
pub const MAX_SNAPSHOT_BYTES: u64 = 1 << 20;

/// The bytes of the snapshot file at `path`; `None` when there is no file.
pub(crate) fn read_bounded(path: &Path) -> Result<Option<Vec<u8>>, SnapshotError> {
    // `metadata` follows links and never blocks, unlike opening a FIFO.
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SnapshotError::Io {
                path: path.to_path_buf(),
                action: "could not read the snapshot",
                source,
            });
        }
    };
    check(path, &metadata)?;
    let unreadable = |source| SnapshotError::Io {
        path: path.to_path_buf(),
        action: "could not read the snapshot",
        source,
    };
    let file = File::open(path).map_err(unreadable)?;
    // Checked again on the open file: the path may have been swapped since the first look.
    check(path, &file.metadata().map_err(unreadable)?)?;
    let mut bytes = Vec::with_capacity(metadata.len().min(MAX_SNAPSHOT_BYTES) as usize);
    file.take(MAX_SNAPSHOT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_SNAPSHOT_BYTES {
        return Err(too_large(path));
    }
    Ok(Some(bytes))
}

fn check(path: &Path, metadata: &fs::Metadata) -> Result<(), SnapshotError> {
    if !metadata.is_file() {
        let what = if metadata.is_dir() {
            "a directory"
        } else {
            "not a regular file (a FIFO, a socket or a device)"
        };
        return Err(SnapshotError::NotAFile {
            path: path.to_path_buf(),
            reason: format!("it is {what}, so it was not read"),
        });
    }
    if metadata.len() > MAX_SNAPSHOT_BYTES {
        return Err(too_large(path));
    }
    Ok(())
}

fn too_large(path: &Path) -> SnapshotError {
    SnapshotError::NotAFile {
        path: path.to_path_buf(),
        reason: format!("it is larger than {MAX_SNAPSHOT_BYTES} bytes, so it was not read"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_none_and_a_directory_or_an_oversized_file_is_refused() {
        let root = std::env::temp_dir().join(format!("refold-snapshot-bounded-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("dir.json")).unwrap();
        assert!(read_bounded(&root.join("missing.json")).unwrap().is_none());
        let err = read_bounded(&root.join("dir.json")).unwrap_err();
        assert!(err.to_string().contains("dir.json"), "{err}");
        assert!(err.to_string().contains("a directory"), "{err}");
        let big = root.join("big.json");
        fs::write(&big, vec![b' '; MAX_SNAPSHOT_BYTES as usize + 1]).unwrap();
        let err = read_bounded(&big).unwrap_err();
        assert!(err.to_string().contains("larger than 1048576 bytes"), "{err}");
        fs::write(&big, b"{}").unwrap();
        assert_eq!(read_bounded(&big).unwrap().unwrap(), b"{}");
        fs::remove_dir_all(&root).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_refused_without_reading_it() {
        let err = read_bounded(Path::new("/dev/zero")).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }
}
