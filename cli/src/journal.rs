//! `refold bulk`'s journal: an append-only JSON Lines file, one line when a row is sent and one
//! when it finishes, each written and flushed at once, so a run killed at any point leaves a
//! journal that says which rows ran, which did not, and which may have.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CliError;
use crate::exit::Exit;

/// What happened to a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The request is about to be sent. Alone (no later line for the row), the run stopped
    /// while it was in flight: its outcome is unknown.
    Sent,
    /// The action ran and succeeded.
    Succeeded,
    /// The row failed and certainly did not run (or the app refused it): resending is safe.
    Failed,
    /// The action may have run (a timeout or a lost reply after sending): not sent again unless
    /// `--resend-unknown`.
    Unknown,
    /// The row could not be used (malformed, missing or mistyped value): nothing was sent.
    Invalid,
}

/// One line of the journal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The row's number in the input, from 1 (the CSV header is not a row).
    pub row: u64,
    /// The row's hash (SHA-256 of its content, hex), to refuse a resume over a changed input.
    pub hash: String,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The created record's id (`data.id` of the reply), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    /// The error's kind (`app`, `refold`, `transport`, `config`, or `input` for a bad row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub may_have_executed: bool,
}

impl Entry {
    /// A line with only the row, its hash and the outcome.
    pub fn new(row: u64, hash: &str, outcome: Outcome) -> Entry {
        Entry {
            row,
            hash: hash.to_owned(),
            outcome,
            request_id: None,
            record_id: None,
            error_kind: None,
            error: None,
            may_have_executed: matches!(outcome, Outcome::Sent | Outcome::Unknown),
        }
    }
}

/// The journal being written.
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Opens `path` for appending, creating it.
    ///
    /// # Errors
    ///
    /// [`Exit::Io`] when the file cannot be opened.
    pub fn append_to(path: &Path) -> Result<Journal, CliError> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|err| io_error(path, "open", &err))?;
        Ok(Journal {
            path: path.to_owned(),
            file,
        })
    }

    /// Appends one line and flushes it (one `write` of the whole line, so a kill leaves whole
    /// lines, at worst a last partial one that [`read`] ignores).
    ///
    /// # Errors
    ///
    /// [`Exit::Io`] when the line cannot be written.
    pub fn write(&mut self, entry: &Entry) -> Result<(), CliError> {
        let mut line = serde_json::to_vec(entry).expect("a journal entry is plain JSON");
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|()| self.file.flush())
            .map_err(|err| io_error(&self.path, "write", &err))
    }
}

/// What a journal says about a row: its hash and its last outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Prior {
    pub hash: String,
    pub outcome: Outcome,
}

/// Reads a journal: each row's last line. A missing file is an empty journal; an unreadable
/// last line (cut by a kill) is ignored.
///
/// # Errors
///
/// [`Exit::Io`] when the file cannot be read, [`Exit::Input`] for a line that is not a journal
/// entry other than the last.
pub fn read(path: &Path) -> Result<HashMap<u64, Prior>, CliError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(err) => return Err(io_error(path, "read", &err)),
    };
    let mut rows = HashMap::new();
    let mut bad_line: Option<(usize, String)> = None;
    for (number, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|err| io_error(path, "read", &err))?;
        if let Some((at, err)) = bad_line.take() {
            return Err(CliError::new(
                Exit::Input,
                format!(
                    "{}:{}: not a journal line ({err}); is this the journal of a `refold bulk` run?",
                    path.display(),
                    at + 1
                ),
            ));
        }
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(&line) {
            Ok(entry) => {
                rows.insert(
                    entry.row,
                    Prior {
                        hash: entry.hash,
                        outcome: entry.outcome,
                    },
                );
            }
            Err(err) => bad_line = Some((number, err.to_string())),
        }
    }
    Ok(rows)
}

/// Whether `path` exists and holds anything.
pub fn has_entries(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|meta| meta.len() > 0)
}

fn io_error(path: &Path, what: &str, err: &std::io::Error) -> CliError {
    CliError::new(
        Exit::Io,
        format!("--journal {}: could not {what} the journal: {err}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_line_of_a_row_wins_and_a_cut_last_line_is_ignored() {
        let dir = std::env::temp_dir().join(format!("refold-journal-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("run.journal.jsonl");
        let _ = std::fs::remove_file(&path);
        let mut journal = Journal::append_to(&path).unwrap();
        journal.write(&Entry::new(1, "aa", Outcome::Sent)).unwrap();
        journal.write(&Entry::new(2, "bb", Outcome::Sent)).unwrap();
        journal.write(&Entry::new(1, "aa", Outcome::Succeeded)).unwrap();
        drop(journal);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(br#"{"row":3,"hash":"#).unwrap();
        let rows = read(&path).unwrap();
        assert_eq!(rows[&1].outcome, Outcome::Succeeded);
        assert_eq!(rows[&2].outcome, Outcome::Sent);
        assert!(!rows.contains_key(&3));
        // A bad line in the middle is an error, not silently skipped.
        file.write_all(b"\n{\"row\":4}\n").unwrap();
        let err = read(&path).unwrap_err();
        assert_eq!(err.exit(), Exit::Input);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
