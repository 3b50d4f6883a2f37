//! `refold bulk`'s input: rows of a CSV file (with a header) or a JSON Lines file, read one at a
//! time, each typed by the action's schema with `exec`'s typing ([`crate::input::parameters`])
//! and hashed so a resumed run can tell that a row changed.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use refold_snapshot::Snapshot;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::args::InputFormat;
use crate::error::CliError;
use crate::exit::Exit;

/// One row of the input.
pub struct Row {
    /// From 1; the CSV header is not a row.
    pub number: u64,
    /// SHA-256 of the row's content (hex).
    pub hash: String,
    /// The parameters and the linked account, or why the row cannot be sent (with its row and
    /// column).
    pub content: Result<RowContent, String>,
}

/// A row ready to send.
pub struct RowContent {
    pub params: Map<String, Value>,
    pub linked_account_id: Option<String>,
}

/// The rows of one input, read lazily.
pub struct Rows {
    source: Source,
    typing: Typing,
    shown: String,
    number: u64,
}

/// How a row's values become parameters.
struct Typing {
    schema: Option<Snapshot>,
    account_column: Option<String>,
}

enum Source {
    Csv {
        reader: csv::Reader<Box<dyn Read + Send>>,
        headers: Vec<String>,
    },
    Jsonl {
        lines: std::io::Lines<BufReader<Box<dyn Read + Send>>>,
        line: u64,
    },
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

/// Opens `path` (`-` for stdin).
///
/// # Errors
///
/// [`Exit::Io`] when the file cannot be opened.
pub fn open(path: &Path) -> Result<Box<dyn Read + Send>, CliError> {
    if path == Path::new("-") {
        return Ok(Box::new(std::io::stdin()));
    }
    File::open(path)
        .map(|file| Box::new(file) as Box<dyn Read + Send>)
        .map_err(|err| CliError::new(Exit::Io, format!("--input {}: could not open: {err}", path.display())))
}

/// How many rows `path` holds (a quick pass for the progress bar's total), or `None` for stdin.
pub fn count(path: &Path, format: InputFormat) -> Result<Option<u64>, CliError> {
    if path == Path::new("-") {
        return Ok(None);
    }
    let input = open(path)?;
    let counted = match format {
        InputFormat::Csv => {
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
            let mut record = csv::ByteRecord::new();
            let mut n = 0;
            while reader.read_byte_record(&mut record).unwrap_or(false) {
                n += 1;
            }
            n
        }
        InputFormat::Jsonl => BufReader::new(input)
            .split(b'\n')
            .map_while(Result::ok)
            .filter(|line| !line.trim_ascii().is_empty())
            .count() as u64,
    };
    Ok(Some(counted))
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
        shown: &Path,
        format: InputFormat,
        schema: Option<Snapshot>,
        account_column: Option<String>,
    ) -> Result<Rows, CliError> {
        let shown = if shown == Path::new("-") {
            "stdin".to_owned()
        } else {
            shown.display().to_string()
        };
        let source = match format {
            InputFormat::Csv => {
                let mut reader = csv::ReaderBuilder::new().from_reader(input);
                let headers: Vec<String> = reader
                    .headers()
                    .map_err(|err| {
                        CliError::new(Exit::Input, format!("{shown}: the header row cannot be read: {err}"))
                    })?
                    .iter()
                    .map(|h| h.trim().to_owned())
                    .collect();
                check_header(&shown, &headers, schema.as_ref(), account_column.as_deref())?;
                Source::Csv { reader, headers }
            }
            InputFormat::Jsonl => Source::Jsonl {
                lines: BufReader::new(input).lines(),
                line: 0,
            },
        };
        Ok(Rows {
            source,
            typing: Typing { schema, account_column },
            shown,
            number: 0,
        })
    }

    /// The next row, `Ok(None)` at the end.
    ///
    /// # Errors
    ///
    /// [`Exit::Io`] when the input cannot be read any further (a row that cannot be used is a
    /// [`Row`] whose content is the error, not an error here).
    pub fn next_row(&mut self) -> Result<Option<Row>, CliError> {
        match &mut self.source {
            Source::Csv { reader, headers } => {
                let mut record = csv::StringRecord::new();
                let read = reader.read_record(&mut record);
                self.number += 1;
                let number = self.number;
                match read {
                    Ok(false) => Ok(None),
                    Ok(true) => {
                        let hash = hash_fields(headers.iter().map(String::as_str).zip(record.iter()));
                        let line = record.position().map_or(0, csv::Position::line);
                        let content = self
                            .typing
                            .csv_content(headers, &record)
                            .map_err(|problem| format!("{}: row {number} (line {line}): {problem}", self.shown));
                        Ok(Some(Row { number, hash, content }))
                    }
                    Err(err) if err.is_io_error() => Err(CliError::new(
                        Exit::Io,
                        format!("{}: reading stopped at row {number}: {err}", self.shown),
                    )),
                    Err(err) => {
                        let line = err.position().map_or(0, csv::Position::line);
                        let hash = hash_fields([("malformed", line.to_string().as_str())].into_iter());
                        let problem = match err.kind() {
                            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
                                "a malformed CSV line: {len} fields where the header has {expected_len} (a missing or extra comma, or an unclosed quote)"
                            ),
                            _ => format!("a malformed CSV line: {err}"),
                        };
                        Ok(Some(Row {
                            number,
                            hash,
                            content: Err(format!(
                                "{}: row {number} (line {line}): {problem}; nothing was sent for it",
                                self.shown
                            )),
                        }))
                    }
                }
            }
            Source::Jsonl { lines, line } => loop {
                let Some(text) = lines.next() else { return Ok(None) };
                *line += 1;
                let text = text.map_err(|err| {
                    CliError::new(
                        Exit::Io,
                        format!("{}: reading stopped at line {line}: {err}", self.shown),
                    )
                })?;
                if text.trim().is_empty() {
                    continue;
                }
                self.number += 1;
                let (number, at) = (self.number, *line);
                let hash = hash_fields([("json", text.trim())].into_iter());
                let content = match serde_json::from_str::<Value>(&text) {
                    Ok(Value::Object(object)) => self.typing.json_content(object),
                    Ok(_) => Err("the line is JSON but not an object; write one object per line".to_owned()),
                    Err(err) => Err(format!("not valid JSON ({err})")),
                }
                .map_err(|problem| format!("{}: row {number} (line {at}): {problem}", self.shown));
                return Ok(Some(Row { number, hash, content }));
            },
        }
    }
}

impl Typing {
    fn csv_content(&self, headers: &[String], record: &csv::StringRecord) -> Result<RowContent, String> {
        let mut linked_account_id = None;
        let mut pairs = Vec::new();
        for (column, value) in headers.iter().zip(record.iter()) {
            if Some(column.as_str()) == self.account_column.as_deref() {
                if value.trim().is_empty() {
                    return Err(format!("column `{column}`: the linked account is empty"));
                }
                linked_account_id = Some(value.trim().to_owned());
            } else if !value.is_empty() {
                // An empty cell leaves the parameter out, as an absent value.
                pairs.push(format!("{column}={value}"));
            }
        }
        let params =
            crate::input::parameters(self.schema.as_ref(), Map::new(), &pairs).map_err(|err| err.to_string())?;
        Ok(RowContent {
            params,
            linked_account_id,
        })
    }

    fn json_content(&self, mut object: Map<String, Value>) -> Result<RowContent, String> {
        let linked_account_id = match &self.account_column {
            None => None,
            Some(key) => match object.remove(key) {
                Some(Value::String(id)) if !id.trim().is_empty() => Some(id.trim().to_owned()),
                _ => {
                    return Err(format!(
                        "key `{key}`: the linked account is missing or not a non-empty string"
                    ));
                }
            },
        };
        let params = crate::input::parameters(self.schema.as_ref(), object, &[]).map_err(|err| err.to_string())?;
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
    if let Some(column) = account_column {
        if !headers.iter().any(|h| h == column) {
            problems.push(format!(
                "--linked-account-column `{column}` is not a column (the header has: {})",
                headers.join(", ")
            ));
        }
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

/// SHA-256 over the (name, value) pairs, each part length-prefixed so no two rows collide by
/// moving a separator; the first 16 bytes, hex.
fn hash_fields<'a>(fields: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut hasher = Sha256::new();
    for (name, value) in fields {
        for part in [name, value] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
    }
    hasher.finalize()[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
