//! `refold bulk`'s input: rows of a CSV file (with a header) or a JSON Lines file, read one at a
//! time, each typed by the action's schema with `exec`'s typing ([`crate::input::parameters`])
//! into exact JSON values ([`crate::json_text`]).
//!
//! The input is read twice: once in full by the pre-pass (`crate::prepass`), which refuses a
//! bad input before anything is sent, and once by the run itself. Stdin cannot be read twice,
//! so it is first spooled to an unnamed temporary file ([`Input::open`]): disk, not memory, so
//! a run over millions of rows from a pipe still fits in a few MiB.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use refold_snapshot::Snapshot;
use sha2::{Digest, Sha256};

use crate::csv_quotes::QuoteTracker;
use crate::error::CliError;
use crate::exit::Exit;
use crate::input::Origin;
use crate::json_text::{self, Params};

/// The longest row read, in bytes (16 MiB): far above any real row (a 1 MB field is fine), and
/// a bound on the memory a hostile input can take.
pub const MAX_ROW_BYTES: u64 = 16 << 20;

/// One row of the input.
pub struct Row {
    /// From 1; the CSV header is not a row.
    pub number: u64,
    /// The parameters and the linked account, or why the row cannot be sent (with its row,
    /// line and column).
    pub content: Result<RowContent, String>,
}

/// A row ready to send.
#[derive(Clone, Debug)]
pub struct RowContent {
    pub params: Params,
    pub linked_account_id: Option<String>,
}

/// The input of a run, readable from its start as often as needed.
pub enum Input {
    File(PathBuf),
    /// Stdin, copied to a temporary file that is already unlinked where the system allows it
    /// (Unix), else removed when the run ends.
    Spooled {
        file: File,
        path: PathBuf,
    },
}

impl Input {
    /// The file at `path`, or stdin for `-`; stdin and anything else that cannot be read twice
    /// (a pipe) is read to its end and spooled now.
    ///
    /// # Errors
    ///
    /// [`Exit::Io`] when the file cannot be opened or stdin cannot be spooled.
    pub fn open(path: &Path) -> Result<Input, CliError> {
        let shown = path.display();
        let mut source: Box<dyn Read> = if path == Path::new("-") {
            Box::new(std::io::stdin().lock())
        } else {
            let file = File::open(path)
                .map_err(|err| CliError::new(Exit::Io, format!("--input {shown}: could not open: {err}")))?;
            // A regular file can be read again; a pipe (`<(…)`, a FIFO) cannot, so it is
            // spooled like stdin.
            if file.metadata().is_ok_and(|meta| meta.is_file()) {
                return Ok(Input::File(path.to_owned()));
            }
            Box::new(file)
        };
        let spool_error = |err: std::io::Error| {
            CliError::new(
                Exit::Io,
                format!("--input {shown}: could not spool the input to a temporary file: {err}"),
            )
        };
        let spool = std::env::temp_dir().join(format!(".refold-bulk-stdin-{}", std::process::id()));
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&spool)
            .map_err(spool_error)?;
        // On Unix the open file outlives its name, so even a SIGKILL leaves nothing behind.
        let _ = std::fs::remove_file(&spool);
        std::io::copy(&mut source, &mut file).map_err(spool_error)?;
        Ok(Input::Spooled { file, path: spool })
    }

    /// The input from its first byte.
    ///
    /// # Errors
    ///
    /// [`Exit::Io`] when it cannot be opened again.
    pub fn reader(&self) -> Result<Box<dyn Read + Send>, CliError> {
        match self {
            Input::File(path) => File::open(path)
                .map(|file| Box::new(file) as Box<dyn Read + Send>)
                .map_err(|err| CliError::new(Exit::Io, format!("--input {}: could not open: {err}", path.display()))),
            Input::Spooled { file, .. } => {
                let mut file = file
                    .try_clone()
                    .map_err(|err| CliError::new(Exit::Io, format!("could not read the spooled input: {err}")))?;
                file.seek(SeekFrom::Start(0))
                    .map_err(|err| CliError::new(Exit::Io, format!("could not read the spooled input: {err}")))?;
                Ok(Box::new(file))
            }
        }
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        if let Input::Spooled { path, .. } = self {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The format of `path`: `format` if given, else by extension.
///
/// # Errors
///
/// [`Exit::Usage`] when neither says.
pub fn format_of(path: &Path, format: Option<InputFormat>) -> Result<InputFormat, CliError> {
    if let Some(format) = format {
        return Ok(format);
    }
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => Ok(InputFormat::Csv),
        Some("jsonl" | "ndjson") => Ok(InputFormat::Jsonl),
        _ => Err(CliError::new(
            Exit::Usage,
            format!(
                "--input {}: cannot tell the format from the name; pass --format csv or --format jsonl",
                path.display()
            ),
        )),
    }
}

/// The format of `bulk`'s input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// How a row's values become parameters.
#[derive(Clone)]
pub struct Typing {
    pub schema: Option<Snapshot>,
    pub account_column: Option<String>,
}

/// The rows of one input, read lazily.
pub struct Rows {
    source: Source,
    typing: Typing,
    shown: String,
    number: u64,
    header_hash: Option<String>,
}

enum Source {
    Csv {
        reader: csv::Reader<QuoteTracker<Box<dyn Read + Send>>>,
        headers: Vec<String>,
        record: csv::ByteRecord,
    },
    Jsonl {
        reader: BufReader<Box<dyn Read + Send>>,
        line: u64,
        buffer: Vec<u8>,
    },
}

impl Rows {
    /// The rows of `input`, checking a CSV header against `schema` first: every column must be
    /// a parameter (or the linked account column) and every required parameter a column.
    ///
    /// # Errors
    ///
    /// [`Exit::Input`] for an unreadable header, an unknown column, a missing required column or
    /// a missing linked account column, naming them; nothing is sent.
    pub fn new(
        input: Box<dyn Read + Send>,
        shown: &str,
        format: InputFormat,
        typing: Typing,
    ) -> Result<Rows, CliError> {
        let mut header_hash = None;
        let source = match format {
            InputFormat::Csv => {
                let mut reader = csv::ReaderBuilder::new().from_reader(QuoteTracker::new(input, MAX_ROW_BYTES));
                let headers: Vec<String> = reader
                    .byte_headers()
                    .map_err(|err| {
                        CliError::new(Exit::Input, format!("{shown}: the header row cannot be read: {err}"))
                    })?
                    .iter()
                    .enumerate()
                    .map(|(index, header)| {
                        std::str::from_utf8(header).map(|h| h.trim().to_owned()).map_err(|_| {
                            CliError::new(
                                Exit::Input,
                                format!("{shown}: the header row: column {} is not valid UTF-8", index + 1),
                            )
                        })
                    })
                    .collect::<Result<_, _>>()?;
                // The csv reader reads no header from an empty file; without this, every
                // required parameter would be reported as a missing column.
                if headers.is_empty() {
                    return Err(CliError::new(
                        Exit::Input,
                        format!(
                            "{shown}: the file is empty; write a header row naming the parameters, then one row \
                             per call; nothing was sent"
                        ),
                    ));
                }
                check_header(
                    shown,
                    &headers,
                    typing.schema.as_ref(),
                    typing.account_column.as_deref(),
                )?;
                header_hash = Some(hash_hex(headers.iter().map(String::as_str)));
                Source::Csv {
                    reader,
                    headers,
                    record: csv::ByteRecord::new(),
                }
            }
            InputFormat::Jsonl => Source::Jsonl {
                reader: BufReader::new(input),
                line: 0,
                buffer: Vec::new(),
            },
        };
        Ok(Rows {
            source,
            typing,
            shown: shown.to_owned(),
            number: 0,
            header_hash,
        })
    }

    /// How many rows were read so far.
    pub fn rows_read(&self) -> u64 {
        self.number
    }

    /// SHA-256 of a CSV input's column names (hex), which the journal's header records.
    pub fn header_hash(&self) -> Option<&str> {
        self.header_hash.as_deref()
    }

    /// After the last row: the line on which a CSV quote opened that was never closed (the csv
    /// reader then takes the rest of the file as one value, without an error).
    pub fn unclosed_quote_line(&self) -> Option<u64> {
        match &self.source {
            Source::Csv { reader, .. } => reader.get_ref().unclosed_quote_line(),
            Source::Jsonl { .. } => None,
        }
    }

    /// The next row, `Ok(None)` at the end.
    ///
    /// # Errors
    ///
    /// [`Exit::Io`] when the input cannot be read any further (a row that cannot be used is a
    /// [`Row`] whose content is the error, not an error here).
    pub fn next_row(&mut self) -> Result<Option<Row>, CliError> {
        let shown = &self.shown;
        match &mut self.source {
            Source::Csv {
                reader,
                headers,
                record,
            } => {
                let read = reader.read_byte_record(record);
                let number = self.number + 1;
                let content = match read {
                    Ok(false) => return Ok(None),
                    Ok(true) => {
                        let line = record.position().map_or(0, csv::Position::line);
                        self.typing
                            .csv_content(headers, record)
                            .map_err(|problem| format!("{shown}: row {number} (line {line}): {problem}"))
                    }
                    Err(err) if matches!(err.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::InvalidData) =>
                    {
                        return Err(CliError::new(Exit::Input, format!("{shown}: {err}; nothing was sent")));
                    }
                    Err(err) if err.is_io_error() => {
                        return Err(CliError::new(
                            Exit::Io,
                            format!("{shown}: reading stopped at row {number}: {err}"),
                        ));
                    }
                    Err(err) => {
                        let line = err.position().map_or(0, csv::Position::line);
                        let problem = match err.kind() {
                            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
                                "a malformed CSV line: {len} fields where the header has {expected_len} (a missing or extra comma, or an unclosed quote)"
                            ),
                            _ => format!("a malformed CSV line: {err}"),
                        };
                        Err(format!("{shown}: row {number} (line {line}): {problem}"))
                    }
                };
                self.number = number;
                Ok(Some(Row { number, content }))
            }
            Source::Jsonl { reader, line, buffer } => loop {
                buffer.clear();
                let read = std::io::Read::take(&mut *reader, MAX_ROW_BYTES + 1)
                    .read_until(b'\n', buffer)
                    .map_err(|err| {
                        CliError::new(
                            Exit::Io,
                            format!("{shown}: reading stopped at line {}: {err}", *line + 1),
                        )
                    })?;
                if read == 0 {
                    return Ok(None);
                }
                if read as u64 > MAX_ROW_BYTES {
                    return Err(CliError::new(
                        Exit::Input,
                        format!(
                            "{shown}: line {} is longer than {MAX_ROW_BYTES} bytes; nothing was sent",
                            *line + 1
                        ),
                    ));
                }
                *line += 1;
                if buffer.trim_ascii().is_empty() {
                    continue;
                }
                self.number += 1;
                let (number, at) = (self.number, *line);
                let content = match std::str::from_utf8(buffer) {
                    Ok(text) => json_text::object(text).and_then(|object| self.typing.json_content(object)),
                    Err(err) => Err(format!(
                        "not valid UTF-8 (byte {} of the line); save the file as UTF-8",
                        err.valid_up_to() + 1
                    )),
                }
                .map_err(|problem| format!("{shown}: row {number} (line {at}): {problem}"));
                return Ok(Some(Row { number, content }));
            },
        }
    }
}

impl Typing {
    fn csv_content(&self, headers: &[String], record: &csv::ByteRecord) -> Result<RowContent, String> {
        let mut linked_account_id = None;
        let mut pairs = Vec::new();
        for (index, (column, value)) in headers.iter().zip(record.iter()).enumerate() {
            let value = std::str::from_utf8(value).map_err(|err| {
                format!(
                    "column {} `{column}`: not valid UTF-8 (byte {} of the value); save the file as UTF-8",
                    index + 1,
                    err.valid_up_to() + 1
                )
            })?;
            if Some(column.as_str()) == self.account_column.as_deref() {
                if value.trim().is_empty() {
                    return Err(format!("column {} `{column}`: the linked account is empty", index + 1));
                }
                linked_account_id = Some(value.trim().to_owned());
            } else if !value.is_empty() {
                // An empty cell leaves the parameter out, as an absent value.
                pairs.push((column.as_str(), value));
            }
        }
        let params = crate::input::parameters(self.schema.as_ref(), Params::new(), &pairs, Origin::CsvRow)
            .map_err(|err| err.message().to_owned())?;
        Ok(RowContent {
            params,
            linked_account_id,
        })
    }

    fn json_content(&self, mut object: Params) -> Result<RowContent, String> {
        let linked_account_id = match &self.account_column {
            None => None,
            Some(key) => {
                let id = object
                    .remove(key)
                    .and_then(|value| serde_json::from_str::<String>(value.get()).ok())
                    .filter(|id| !id.trim().is_empty());
                match id {
                    Some(id) => Some(id.trim().to_owned()),
                    None => {
                        return Err(format!(
                            "key `{key}`: the linked account is missing or not a non-empty string"
                        ));
                    }
                }
            }
        };
        let params = crate::input::parameters(self.schema.as_ref(), object, &[], Origin::JsonRow)
            .map_err(|err| err.message().to_owned())?;
        Ok(RowContent {
            params,
            linked_account_id,
        })
    }
}

/// Every column must be a parameter or the account column; every required parameter a column.
fn check_header(
    shown: &str,
    headers: &[String],
    schema: Option<&Snapshot>,
    account_column: Option<&str>,
) -> Result<(), CliError> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (index, header) in headers.iter().enumerate() {
        if !seen.insert(header.as_str()) {
            problems.push(format!("column {} `{header}` appears twice", index + 1));
        }
    }
    if let Some(column) = account_column
        && !headers.iter().any(|h| h == column)
    {
        problems.push(format!(
            "--linked-account-column `{column}` is not a column (the header has: {})",
            headers.join(", ")
        ));
    }
    if let Some(schema) = schema {
        for (index, header) in headers.iter().enumerate() {
            if Some(header.as_str()) != account_column && schema.parameter(header).is_none() {
                problems.push(format!(
                    "column {} `{header}` is not a parameter of `{}/{}`",
                    index + 1,
                    schema.slug,
                    schema.action_id
                ));
            }
        }
        for parameter in schema.parameters.iter().filter(|p| p.required) {
            if !headers.contains(&parameter.name) {
                problems.push(format!("the required column `{}` is missing", parameter.name));
            }
        }
        if !problems.is_empty() {
            problems.push(format!("valid parameters: {}", crate::input::list(schema)));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(CliError::new(
        Exit::Input,
        format!(
            "{shown}: the header row was refused, nothing was sent:\n  - {}",
            problems.join("\n  - ")
        ),
    ))
}

/// SHA-256 over `parts`, each length-prefixed so no two lists collide by moving a separator;
/// the first 16 bytes.
pub fn hash<'a>(parts: impl IntoIterator<Item = &'a str>) -> [u8; 16] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    let mut first = [0u8; 16];
    first.copy_from_slice(&hasher.finalize()[..16]);
    first
}

/// [`hash`] as hex.
pub fn hash_hex<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    hex(&hash(parts))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
