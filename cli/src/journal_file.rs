//! The journal file of a run: locked for the run's whole life, repaired when its last line was
//! torn, and written one whole line at a time.
//!
//! **One process at a time.** A lock file beside the journal (`<journal>.lock`) is locked with
//! std's `File::try_lock`: `flock(2)` on Linux and macOS, an advisory lock that every
//! `refold bulk` takes, released by the system when the process ends however it ends (a SIGKILL
//! included), so a crash never leaves a stale lock. The holder writes its pid into the lock file
//! the moment it has the lock, so a second process, refused at once, can name it (the journal's
//! own run lines would name the previous run while the holder is still checking its input). The
//! lock file is left in place after the run: removing it could let two processes lock two
//! different files of the same name. On Windows the lock is `LockFileEx`, which is mandatory:
//! the second process is refused just the same, but cannot read the pid out of the locked file.
//! Network file systems may not honour `flock`; keep journals on a local disk.
//!
//! **No half lines.** Each line goes out in one `write_all` to a file opened for appending. When
//! a write fails (a full disk, a quota), whatever part of the line reached the file is cut off
//! again, so the journal always ends at a whole line; a line cut by a crash is cut off (with a
//! warning) when the journal is next opened.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::CliError;
use crate::exit::Exit;
use crate::journal::{self, Replay, RunInfo, RunLine, io_error};

/// The open, locked journal.
pub struct JournalFile {
    path: PathBuf,
    file: File,
    /// Holds the lock for as long as the journal is open.
    _lock: File,
    /// The file's length up to its last whole line.
    whole_len: u64,
}

impl JournalFile {
    /// Locks the journal at `path` (through its lock file, which then holds this process's
    /// pid) and opens it, creating both.
    ///
    /// # Errors
    ///
    /// [`Exit::JournalBusy`] when another process holds the lock; [`Exit::Io`] when a file
    /// cannot be opened, locked or written.
    pub fn open_locked(path: &Path) -> Result<JournalFile, CliError> {
        let lock_path = lock_path(path);
        let mut lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|err| io_error(path, "create the lock file of", &err))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(busy(path, &lock_path)),
            Err(TryLockError::Error(err)) => return Err(io_error(path, "lock", &err)),
        }
        let mut holder = serde_json::to_vec(&run_info()).expect("run info is plain JSON");
        holder.push(b'\n');
        lock.set_len(0)
            .and_then(|()| lock.write_all(&holder))
            .map_err(|err| io_error(path, "write the lock file of", &err))?;
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|err| io_error(path, "open", &err))?;
        Ok(JournalFile {
            path: path.to_owned(),
            file,
            _lock: lock,
            whole_len: 0,
        })
    }

    /// Reads the journal of an input of `input_rows` rows, cutting off a torn last line with a
    /// warning on stderr; appending then continues after the last whole line.
    ///
    /// # Errors
    ///
    /// [`Exit::Io`] when the file cannot be read or repaired; the errors of [`journal::replay`].
    pub fn replay(&mut self, input_rows: u64) -> Result<Replay, CliError> {
        let path = self.path.as_path();
        self.file
            .seek(SeekFrom::Start(0))
            .map_err(|err| io_error(path, "read", &err))?;
        let replay = journal::replay(BufReader::new(&self.file), path, input_rows)?;
        if let Some((line, row)) = replay.torn {
            self.file
                .set_len(replay.whole_len)
                .map_err(|err| io_error(path, "repair", &err))?;
            let row_note = match row.and_then(|row| replay.rows.get(row).map(|prior| (row, prior.outcome))) {
                Some((row, journal::Outcome::Sent)) => {
                    format!("; it finished row {row}, which was sent, so row {row}'s outcome is unknown")
                }
                _ => String::new(),
            };
            eprintln!(
                "warning: --journal {}: line {line} was cut off mid-write (a crash or a full disk) and was dropped{row_note}",
                path.display()
            );
        }
        if replay.beyond_input > 0 {
            eprintln!(
                "warning: --journal {}: {} line(s) name rows past the end of the input, which got shorter; they are ignored",
                path.display(),
                replay.beyond_input
            );
        }
        self.whole_len = replay.whole_len;
        Ok(replay)
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `value` as one line.
    ///
    /// # Errors
    ///
    /// [`Exit::Io`] when the line cannot be written; the file is then cut back to its last
    /// whole line.
    pub fn append(&mut self, value: &impl serde::Serialize) -> Result<(), CliError> {
        let mut line = serde_json::to_vec(value).expect("journal lines are plain JSON");
        line.push(b'\n');
        match self.file.write_all(&line) {
            Ok(()) => {
                self.whole_len += line.len() as u64;
                Ok(())
            }
            Err(err) => {
                let repaired = match self.file.set_len(self.whole_len) {
                    Ok(()) => "the journal still ends at its last whole line".to_owned(),
                    Err(cut) => format!("cutting the partial line off failed too ({cut}); the next run drops it"),
                };
                Err(CliError::new(
                    Exit::Io,
                    format!(
                        "--journal {}: could not write the journal: {err}; {repaired}",
                        self.path.display()
                    ),
                ))
            }
        }
    }

    /// Appends this run's line: its pid, for a process the lock refuses.
    ///
    /// # Errors
    ///
    /// As [`JournalFile::append`].
    pub fn append_run(&mut self) -> Result<(), CliError> {
        self.append(&RunLine { run: run_info() })
    }
}

/// This process, for the lock file and the journal's run line.
fn run_info() -> RunInfo {
    let started_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    RunInfo {
        pid: std::process::id(),
        started_at,
        cli_version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}

/// `<journal>.lock`.
fn lock_path(journal: &Path) -> PathBuf {
    let mut path = journal.as_os_str().to_owned();
    path.push(".lock");
    PathBuf::from(path)
}

/// The refusal of a second process, naming the first one when its lock file can be read.
fn busy(path: &Path, lock_path: &Path) -> CliError {
    let holder = holder(lock_path).map_or_else(
        || "another `refold bulk` process".to_owned(),
        |run| format!("another `refold bulk` process (pid {})", run.pid),
    );
    CliError::new(
        Exit::JournalBusy,
        format!(
            "--journal {}: {holder} is running on this journal, and two runs at once would send rows twice; \
             nothing was sent. Wait for it to finish (then --resume), or give this run another --journal",
            path.display()
        ),
    )
}

/// The lock holder, from its lock file. The holder writes it right after taking the lock, so a
/// file that is still empty or mid-write (a holder descheduled between the two on a loaded
/// machine) is read again for a short while before the refusal goes without a pid.
fn holder(lock_path: &Path) -> Option<RunInfo> {
    const ATTEMPTS: u32 = 50;
    for attempt in 1..=ATTEMPTS {
        let text = std::fs::read_to_string(lock_path).ok()?;
        if let Ok(run) = serde_json::from_str::<RunInfo>(text.trim()) {
            return Some(run);
        }
        if attempt < ATTEMPTS {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::{Entry, Header, LinkedAccountOf, Outcome};

    fn header() -> Header {
        Header {
            refold_bulk_journal: journal::FORMAT,
            slug: "hubspot".into(),
            action_id: "create_contact".into(),
            linked_account: LinkedAccountOf::SessionToken,
            input: "stdin".into(),
            input_format: "csv".into(),
            header_sha256: None,
            cli_version: "0".into(),
        }
    }

    #[test]
    fn a_second_open_is_refused_while_the_first_holds_the_lock() {
        let dir = std::env::temp_dir().join(format!("refold-journal-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("run.journal.jsonl");
        let _ = std::fs::remove_file(&path);
        let mut first = JournalFile::open_locked(&path).unwrap();
        first.append(&header()).unwrap();
        // A second open file description: flock treats it as another holder, as another
        // process would be.
        let err = JournalFile::open_locked(&path).err().expect("refused");
        assert_eq!(err.exit(), Exit::JournalBusy);
        assert!(
            err.to_string().contains(&format!("(pid {})", std::process::id())),
            "{err}"
        );
        drop(first);
        assert!(JournalFile::open_locked(&path).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_torn_last_line_is_cut_off_and_appending_resumes_on_a_whole_line() {
        let dir = std::env::temp_dir().join(format!("refold-journal-torn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("run.journal.jsonl");
        let header = format!("{}\n", serde_json::to_string(&header()).unwrap());
        let hash = "00112233445566778899aabbccddeeff";
        let sent = format!("{{\"row\":1,\"hash\":\"{hash}\",\"outcome\":\"sent\",\"may_have_executed\":true}}\n");
        std::fs::write(&path, format!("{header}{sent}{{\"row\":1,\"hash\":\"00")).unwrap();
        let mut journal = JournalFile::open_locked(&path).unwrap();
        let replay = journal.replay(10).unwrap();
        assert_eq!(replay.torn, Some((3, Some(1))));
        assert_eq!(replay.rows.get(1).unwrap().outcome, Outcome::Sent);
        journal.append(&Entry::new(1, hash, Outcome::Succeeded)).unwrap();
        drop(journal);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(&format!("{header}{sent}{{\"row\":1,")), "{text}");
        assert!(
            text.ends_with("\"outcome\":\"succeeded\",\"may_have_executed\":false}\n"),
            "{text}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
