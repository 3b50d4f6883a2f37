//! `refold bulk`'s journal format: JSON Lines, append-only.
//!
//! - The first line is a [`Header`]: what the journal is for (format version, app, action,
//!   linked account or its column, input, CLI version). A resume that differs is refused.
//! - Each run adds a [`RunLine`] (its process id), so a second process refused by the lock can
//!   say who holds it.
//! - Each row gets an [`Entry`] when its request is about to go on the wire (`sent`) and one
//!   when it finishes, with its outcome and, for a failure, the evidence.
//!
//! Reading ([`replay`]) keeps each row's last line. A last line without its newline was cut by a
//! crash or a full disk: it is reported as torn, for the file's owner ([`crate::journal_file`])
//! to cut off. Any other line that cannot be read makes the journal damaged, which is told
//! apart from a file that is not a journal at all.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::CliError;
use crate::exit::Exit;

/// The journal format this version writes and reads. Format 1 (before headers) is not read.
pub const FORMAT: u32 = 2;

/// How much of an app's reply a failed row's line keeps.
pub const MAX_REPLY_BYTES: usize = 4096;

/// The journal's first line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// The format version; its key marks the line as a journal header.
    pub refold_bulk_journal: u32,
    pub slug: String,
    pub action_id: String,
    pub linked_account: LinkedAccountOf,
    /// The input file's canonical path, or `stdin`.
    pub input: String,
    /// `csv` or `jsonl`.
    pub input_format: String,
    /// SHA-256 of a CSV input's column names, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_sha256: Option<String>,
    /// The `refold` version that started the journal (informative: not compared).
    pub cli_version: String,
}

/// Whose linked account the rows run for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkedAccountOf {
    /// One account for every row (`--linked-account-id` or `REFOLD_LINKED_ACCOUNT_ID`).
    Id(String),
    /// Each row's own, from this column (or JSON key).
    Column(String),
    /// The account a session token names (`REFOLD_SESSION_TOKEN`); the token is not recorded.
    SessionToken,
}

impl std::fmt::Display for LinkedAccountOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkedAccountOf::Id(id) => write!(f, "linked account {id:?}"),
            LinkedAccountOf::Column(column) => write!(f, "the linked account column {column:?}"),
            LinkedAccountOf::SessionToken => f.write_str("the session token's linked account"),
        }
    }
}

impl Header {
    /// What differs between this journal's header and the run asking to resume it, one line per
    /// difference; empty when the run may resume.
    pub fn differences(&self, run: &Header) -> Vec<String> {
        let mut differences = Vec::new();
        let mut compare = |what: &str, journal: &str, now: &str| {
            if journal != now {
                differences.push(format!("{what}: the journal's is {journal}, this run's is {now}"));
            }
        };
        compare("the app", &self.slug, &run.slug);
        compare("the action", &self.action_id, &run.action_id);
        compare(
            "the linked account",
            &self.linked_account.to_string(),
            &run.linked_account.to_string(),
        );
        compare("the input", &self.input, &run.input);
        compare("the input format", &self.input_format, &run.input_format);
        let columns = |hash: &Option<String>| hash.clone().unwrap_or_else(|| "none".to_owned());
        compare(
            "the CSV columns (SHA-256 of the header row)",
            &columns(&self.header_sha256),
            &columns(&run.header_sha256),
        );
        differences
    }
}

/// A line each run adds after the header: which process is running it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunLine {
    pub run: RunInfo,
}

/// One run of a journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    pub pid: u32,
    /// Seconds since the Unix epoch.
    pub started_at: u64,
    pub cli_version: String,
}

/// What happened to a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The request is about to go on the wire: written after the rate limiter's slot and any
    /// token mint. Alone (no later line for the row), the run stopped while it was in flight:
    /// its outcome is unknown, and it may have reached Refold.
    Sent,
    /// The action ran and succeeded.
    Succeeded,
    /// The row failed and certainly did not run, or the app refused it. `resend` says whether
    /// `--resume` sends it again on its own.
    Failed,
    /// The action may have run (a timeout or a lost reply after sending): not sent again unless
    /// `--resend-unknown`.
    Unknown,
}

/// One line of a row.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The row's number in the input, from 1 (the CSV header is not a row).
    pub row: u64,
    /// SHA-256 (first 16 bytes, hex) of everything that decides the row's request: app, action,
    /// linked account and typed parameters.
    pub hash: String,
    pub outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The created record's id (`data.id` of the reply), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    /// `app`, `refold`, `transport`, `config` or `output` (`refold::ErrorKind::as_str`), or `not_sent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<String>,
    /// The failure's reason, as the summary groups failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For a failed row: whether `--resume` sends it again without `--retry-failed` (it
    /// certainly did not run, and the reason may pass: throttled, not sent, no connection).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resend: bool,
    /// The app's HTTP status, for an app failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_status: Option<u16>,
    /// Refold's HTTP status, for a refusal by Refold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Refold's `error_code`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Refold's message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The app's reply (or a reply body Refold could not read), at most [`MAX_REPLY_BYTES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reply_truncated: bool,
    /// The error as the client says it.
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
            outcome: Some(outcome),
            may_have_executed: matches!(outcome, Outcome::Sent | Outcome::Unknown),
            ..Entry::default()
        }
    }

    /// Keeps `reply`, cut to [`MAX_REPLY_BYTES`] on a character boundary.
    pub fn keep_reply(&mut self, reply: &str) {
        let mut end = reply.len().min(MAX_REPLY_BYTES);
        while !reply.is_char_boundary(end) {
            end -= 1;
        }
        self.reply_truncated = end < reply.len();
        self.reply = Some(reply[..end].to_owned());
    }
}

/// What a journal says about a row: its hash and its last outcome. Kept small (16 bytes), as a
/// resume holds one per row of the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prior {
    /// The first 8 bytes of the row's hash: enough to tell a changed row (a chance of 2^-64 to
    /// miss one), half the memory of the whole.
    pub hash: u64,
    pub outcome: Outcome,
    /// For a failed row: sent again by `--resume` on its own.
    pub resend: bool,
    /// For a failed row: its reason, an index into [`Replay::reasons`].
    pub reason: u32,
}

/// Each row's last line, by row number: a vector, not a map, since rows are numbered densely
/// from 1 (a million rows take 16 MB, against three or four times that in a hash map).
#[derive(Debug, Default)]
pub struct Priors(Vec<Option<Prior>>);

impl Priors {
    /// Row `row`'s last line, if it has one.
    pub fn get(&self, row: u64) -> Option<&Prior> {
        let index = usize::try_from(row.checked_sub(1)?).ok()?;
        self.0.get(index)?.as_ref()
    }

    fn insert(&mut self, row: u64, prior: Prior) {
        let Some(index) = row.checked_sub(1).and_then(|index| usize::try_from(index).ok()) else {
            return;
        };
        if index >= self.0.len() {
            self.0.resize(index + 1, None);
        }
        self.0[index] = Some(prior);
    }
}

/// What a journal holds.
#[derive(Debug, Default)]
pub struct Replay {
    pub header: Option<Header>,
    pub last_run: Option<RunInfo>,
    pub rows: Priors,
    /// Rows the journal names past the end of the input (which got shorter): ignored.
    pub beyond_input: u64,
    /// The distinct reasons of failed rows.
    pub reasons: Vec<String>,
    /// Bytes up to the end of the last whole line.
    pub whole_len: u64,
    /// A last line without its newline: its number and the row it names, if that can be read.
    pub torn: Option<(u64, Option<u64>)>,
}

/// Reads a journal whose input has `input_rows` rows.
///
/// # Errors
///
/// [`Exit::Io`] when it cannot be read; [`Exit::Input`] when the file is not a journal (its
/// first line is not a header), or when it is a journal but a line other than the last cannot be
/// read (damaged).
pub fn replay(mut reader: impl BufRead, path: &Path, input_rows: u64) -> Result<Replay, CliError> {
    let mut replay = Replay::default();
    let mut reasons: HashMap<String, u32> = HashMap::new();
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(|err| io_error(path, "read", &err))?;
        if read == 0 {
            break;
        }
        number += 1;
        if line.last() != Some(&b'\n') {
            replay.torn = Some((number, torn_row(&line)));
            break;
        }
        replay.whole_len += read as u64;
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        if replay.header.is_none() {
            replay.header = Some(parse_header(text, path, number)?);
            continue;
        }
        if text.starts_with(br#"{"run":"#) {
            let run: RunLine = serde_json::from_slice(text).map_err(|err| damaged(path, number, &err))?;
            replay.last_run = Some(run.run);
            continue;
        }
        let entry: Entry = serde_json::from_slice(text).map_err(|err| damaged(path, number, &err))?;
        let (Some(outcome), Some(hash)) = (entry.outcome, parse_hash(&entry.hash)) else {
            return Err(damaged(path, number, &"a row line without an outcome or a valid hash"));
        };
        if entry.row == 0 || entry.row > input_rows {
            replay.beyond_input += 1;
            continue;
        }
        let reason = match &entry.reason {
            Some(reason) => {
                let next = reasons.len() as u32;
                *reasons.entry(reason.clone()).or_insert_with(|| {
                    replay.reasons.push(reason.clone());
                    next
                })
            }
            None => u32::MAX,
        };
        replay.rows.insert(
            entry.row,
            Prior {
                hash: short_hash(&hash),
                outcome,
                resend: entry.resend,
                reason,
            },
        );
    }
    Ok(replay)
}

fn parse_header(text: &[u8], path: &Path, number: u64) -> Result<Header, CliError> {
    if !text.starts_with(br#"{"refold_bulk_journal":"#) {
        let older = serde_json::from_slice::<serde_json::Value>(text).is_ok_and(|line| line.get("row").is_some());
        let why = if older {
            "its first line is a row, not a header: it was written by an older `refold bulk` (journal format 1); \
             finish that run with the version that started it, or start over with a new --journal"
        } else {
            "its first line is not a `refold bulk` journal header; is this the journal of a `refold bulk` run? \
             Pass --journal with another file"
        };
        return Err(CliError::new(
            Exit::Input,
            format!("--journal {}: not a refold bulk journal: {why}", path.display()),
        ));
    }
    let header: Header = serde_json::from_slice(text).map_err(|err| damaged(path, number, &err))?;
    if header.refold_bulk_journal != FORMAT {
        return Err(CliError::new(
            Exit::Input,
            format!(
                "--journal {}: journal format {} is not the {FORMAT} this version of refold reads; \
                 finish the run with the version that started it ({}), or start over with a new --journal",
                path.display(),
                header.refold_bulk_journal,
                header.cli_version
            ),
        ));
    }
    Ok(header)
}

/// The row a cut line names, when its start survived: `{"row":12,…`.
fn torn_row(fragment: &[u8]) -> Option<u64> {
    let rest = fragment.strip_prefix(br#"{"row":"#)?;
    let digits: Vec<u8> = rest.iter().copied().take_while(u8::is_ascii_digit).collect();
    // Only when the number is complete (followed by its comma), not cut in the middle.
    if rest.get(digits.len()) != Some(&b',') {
        return None;
    }
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

/// The part of a row's hash a [`Prior`] keeps.
pub fn short_hash(hash: &[u8; 16]) -> u64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash[..8]);
    u64::from_be_bytes(first)
}

/// A 32-digit hex hash as its bytes.
pub fn parse_hash(hex: &str) -> Option<[u8; 16]> {
    if hex.len() != 32 || !hex.is_ascii() {
        return None;
    }
    let mut bytes = [0u8; 16];
    for (index, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * index..2 * index + 2], 16).ok()?;
    }
    Some(bytes)
}

fn damaged(path: &Path, number: u64, err: &dyn std::fmt::Display) -> CliError {
    CliError::new(
        Exit::Input,
        format!(
            "--journal {}: the journal is damaged: line {number} cannot be read ({err}). It is a refold bulk \
             journal, but this line was changed or overwritten; restore it, or delete that line if you know \
             the row's outcome, then run again",
            path.display()
        ),
    )
}

/// An I/O failure on the journal.
pub fn io_error(path: &Path, what: &str, err: &std::io::Error) -> CliError {
    CliError::new(
        Exit::Io,
        format!("--journal {}: could not {what} the journal: {err}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            refold_bulk_journal: FORMAT,
            slug: "hubspot".into(),
            action_id: "create_contact".into(),
            linked_account: LinkedAccountOf::Id("acme".into()),
            input: "stdin".into(),
            input_format: "csv".into(),
            header_sha256: Some("ab".into()),
            cli_version: "0.1.0".into(),
        }
    }

    fn line(value: &impl Serialize) -> String {
        format!("{}\n", serde_json::to_string(value).unwrap())
    }

    const HASH: &str = "00112233445566778899aabbccddeeff";

    #[test]
    fn the_last_line_of_a_row_wins_and_a_torn_last_line_is_reported() {
        let mut text = line(&header());
        text += &line(&RunLine {
            run: RunInfo {
                pid: 7,
                started_at: 1,
                cli_version: "0.1.0".into(),
            },
        });
        text += &line(&Entry::new(1, HASH, Outcome::Sent));
        text += &line(&Entry::new(2, HASH, Outcome::Sent));
        text += &line(&Entry::new(1, HASH, Outcome::Succeeded));
        let whole = text.len() as u64;
        text += r#"{"row":2,"hash":"00"#;
        let replay = replay(text.as_bytes(), Path::new("j"), 10).unwrap();
        assert_eq!(replay.header, Some(header()));
        assert_eq!(replay.last_run.unwrap().pid, 7);
        assert_eq!(replay.rows.get(1).unwrap().outcome, Outcome::Succeeded);
        assert_eq!(replay.rows.get(2).unwrap().outcome, Outcome::Sent);
        assert_eq!(replay.rows.get(3), None);
        assert_eq!(replay.whole_len, whole);
        assert_eq!(replay.torn, Some((6, Some(2))));
    }

    #[test]
    fn a_damaged_journal_and_a_file_that_is_no_journal_get_different_messages() {
        let mut text = line(&header());
        text += "{\"row\":4}\n";
        text += &line(&Entry::new(1, HASH, Outcome::Sent));
        let err = replay(text.as_bytes(), Path::new("j"), 10).unwrap_err();
        assert_eq!(err.exit(), Exit::Input);
        assert!(err.to_string().contains("the journal is damaged: line 2"), "{err}");

        let err = replay(&b"email,name\nada@example.com,Ada\n"[..], Path::new("j"), 10).unwrap_err();
        assert!(err.to_string().contains("not a refold bulk journal"), "{err}");
        let older = line(&Entry::new(1, HASH, Outcome::Sent));
        let err = replay(older.as_bytes(), Path::new("j"), 10).unwrap_err();
        assert!(err.to_string().contains("journal format 1"), "{err}");
    }

    #[test]
    fn differences_name_what_changed() {
        let mut other = header();
        other.action_id = "create_deal".into();
        other.linked_account = LinkedAccountOf::Column("customer".into());
        let differences = header().differences(&other);
        assert_eq!(differences.len(), 2, "{differences:?}");
        assert!(differences[0].contains("the action: the journal's is create_contact, this run's is create_deal"));
        assert!(differences[1].contains("linked account \"acme\""));
        assert!(header().differences(&header()).is_empty());
    }

    #[test]
    fn a_reply_is_cut_on_a_character_boundary() {
        let mut entry = Entry::new(1, HASH, Outcome::Failed);
        let reply = "é".repeat(MAX_REPLY_BYTES);
        entry.keep_reply(&reply);
        let kept = entry.reply.unwrap();
        assert!(kept.len() <= MAX_REPLY_BYTES && kept.len() >= MAX_REPLY_BYTES - 1);
        assert!(entry.reply_truncated);
    }
}
