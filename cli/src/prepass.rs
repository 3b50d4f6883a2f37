//! `refold bulk`'s pre-pass: the whole input is read and typed before the first request, so a
//! bad input sends nothing, and a good one gives the run its row count and first row.
//!
//! It keeps only counts, the first row and the first [`MAX_LISTED`] problems, so its memory does
//! not grow with the input.

use crate::error::CliError;
use crate::exit::Exit;
use crate::rows::InputFormat;
use crate::rows::{Input, RowContent, Rows, Typing};

/// How many bad rows the refusal lists; the rest are counted.
pub const MAX_LISTED: usize = 20;

/// What the pre-pass learnt of a valid input.
pub struct Checked {
    /// Rows in the input.
    pub rows: u64,
    /// The first row, for `--dry-run`'s preview.
    pub first: Option<RowContent>,
    /// SHA-256 of a CSV input's column names.
    pub header_hash: Option<String>,
}

/// Reads and types every row of `input`.
///
/// # Errors
///
/// [`Exit::Input`] listing every bad row up to [`MAX_LISTED`] (a malformed line, a quote never
/// closed, invalid JSON or UTF-8, a value that does not type), with the count of the rest;
/// [`Exit::Input`] for a refused CSV header, [`Exit::Io`] when the input cannot be read.
pub fn check(input: &Input, shown: &str, format: InputFormat, typing: Typing) -> Result<Checked, CliError> {
    let mut rows = Rows::new(input.reader()?, shown, format, typing)?;
    let mut count = 0;
    let mut first = None;
    let mut problems = Vec::new();
    let mut bad = 0u64;
    while let Some(row) = rows.next_row()? {
        count += 1;
        match row.content {
            Ok(content) => {
                if first.is_none() {
                    first = Some(content);
                }
            }
            Err(problem) => {
                bad += 1;
                if problems.len() < MAX_LISTED {
                    problems.push(problem);
                }
            }
        }
    }
    if let Some(line) = rows.unclosed_quote_line() {
        bad += 1;
        problems.insert(
            0,
            format!(
                "{shown}: line {line}: a quote opens a value here and is never closed, so the CSV reader would take \
                 every line after it as part of that one value; close the quote (write \"\" for a quote inside a quoted value)"
            ),
        );
    }
    if bad == 0 {
        return Ok(Checked {
            rows: count,
            first,
            header_hash: rows.header_hash().map(str::to_owned),
        });
    }
    let mut message = format!(
        "{shown}: the input was refused, nothing was sent: {bad} problem{} in {count} rows",
        if bad == 1 { "" } else { "s" }
    );
    for problem in &problems {
        message.push_str("\n  - ");
        message.push_str(&problem.replace('\n', "\n    "));
    }
    let unlisted = bad.saturating_sub(problems.len() as u64);
    if unlisted > 0 {
        message.push_str(&format!("\n  … and {unlisted} more"));
    }
    message.push_str("\n  fix these rows and run the command again");
    Err(CliError::new(Exit::Input, message))
}
