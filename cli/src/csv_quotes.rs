//! Finds a quote left open at the end of a CSV file.
//!
//! The csv crate accepts a file that ends inside a quoted field without an error: the field
//! simply runs to the end of the file. When the field count of that last record happens to
//! match the header, every line after the stray quote silently becomes one cell of one row.
//! [`QuoteTracker`] sits between the file and the csv reader and follows the quoting the same
//! way the reader does (RFC 4180 with `""` as an escaped quote, which is the csv crate's
//! default), so that at the end it can say whether a quote is still open, and where it opened.
//!
//! Knowing where records end, it also bounds them: the csv reader holds a whole record in
//! memory, so a hostile file with no line end (or one quote that never closes) would otherwise
//! be read into memory whole. A record longer than [`crate::rows::MAX_ROW_BYTES`] stops the
//! read with an error naming its first line.

use std::io::{self, Read};

/// Where the scanner is within the CSV grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At the start of a field: a quote here opens a quoted field.
    FieldStart,
    /// Inside an unquoted field: quotes are literal.
    Unquoted,
    /// Inside a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: a second quote is an escaped quote, anything
    /// else closes the field.
    QuoteInQuoted,
}

/// A reader that passes bytes through unchanged while following the CSV quoting.
pub struct QuoteTracker<R> {
    inner: R,
    state: State,
    /// The current line, from 1.
    line: u64,
    /// The line where the quoted field being read opened.
    opened_on: u64,
    /// Bytes of a leading UTF-8 byte order mark still to skip (the csv reader strips it too).
    bom_left: usize,
    started: bool,
    /// Bytes of the record being read, and the line it started on.
    record_bytes: u64,
    record_line: u64,
    max_record_bytes: u64,
}

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

impl<R> QuoteTracker<R> {
    pub fn new(inner: R, max_record_bytes: u64) -> Self {
        QuoteTracker {
            inner,
            state: State::FieldStart,
            line: 1,
            opened_on: 0,
            bom_left: BOM.len(),
            started: false,
            record_bytes: 0,
            record_line: 1,
            max_record_bytes,
        }
    }

    /// After the whole input was read: the line on which a quote opened that was never closed.
    pub fn unclosed_quote_line(&self) -> Option<u64> {
        (self.state == State::Quoted).then_some(self.opened_on)
    }

    fn scan(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            if !self.started {
                if self.bom_left > 0 && byte == BOM[BOM.len() - self.bom_left] {
                    self.bom_left -= 1;
                    if self.bom_left == 0 {
                        self.started = true;
                    }
                    continue;
                }
                // Not (or no longer) a byte order mark: its bytes so far were data, which
                // cannot have opened a quote.
                if self.bom_left < BOM.len() {
                    self.state = State::Unquoted;
                }
                self.started = true;
            }
            if byte == b'\n' {
                self.line += 1;
            }
            self.record_bytes += 1;
            self.state = match (self.state, byte) {
                (State::FieldStart, b'"') => {
                    self.opened_on = self.line;
                    State::Quoted
                }
                (State::FieldStart | State::Unquoted | State::QuoteInQuoted, b'\n' | b'\r') => {
                    self.record_bytes = 0;
                    self.record_line = self.line;
                    State::FieldStart
                }
                (State::FieldStart | State::Unquoted | State::QuoteInQuoted, b',') => State::FieldStart,
                (State::FieldStart | State::Unquoted, _) => State::Unquoted,
                (State::Quoted, b'"') => State::QuoteInQuoted,
                (State::Quoted, _) => State::Quoted,
                (State::QuoteInQuoted, b'"') => State::Quoted,
                (State::QuoteInQuoted, _) => State::Unquoted,
            };
        }
    }
}

impl<R: Read> Read for QuoteTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.scan(&buf[..read]);
        if self.record_bytes > self.max_record_bytes {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the row starting on line {} is longer than {} bytes (a missing line end or a quote never closed?)",
                    self.record_line, self.max_record_bytes
                ),
            ));
        }
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unclosed(text: &[u8]) -> Option<u64> {
        let mut tracker = QuoteTracker::new(text, u64::MAX);
        // One byte at a time, so state carries across reads as it must across buffer refills.
        let mut byte = [0u8; 1];
        while tracker.read(&mut byte).unwrap() > 0 {}
        tracker.unclosed_quote_line()
    }

    #[test]
    fn a_quote_left_open_is_found_with_its_line() {
        assert_eq!(unclosed(b"a,b,c\n1,2,3\n\"4,5,6\n7,8,9\n"), Some(3));
        assert_eq!(unclosed(b"a,b\n1,\"x\"\"y\n"), Some(2));
        assert_eq!(unclosed("\u{feff}\"a\",b\n\"1".as_bytes()), Some(2));
    }

    #[test]
    fn closed_escaped_and_literal_quotes_are_not_reported() {
        for text in [
            &b"a,b\n\"x, \"\"quoted\"\"\",2\n"[..],
            b"a,b\r\n\"multi\r\nline\",2\r\n",
            b"a,b\nsay \"hi\",2\n",
            b"a,b\n\"closed\"tail,2\n",
            "\u{feff}\"email\",name\n\"a@b.c\",x\n".as_bytes(),
            b"",
        ] {
            assert_eq!(unclosed(text), None, "{}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn a_record_past_the_bound_is_an_error_naming_its_line() {
        let mut tracker = QuoteTracker::new(&b"a\n1\n\"22222222222\n3\n"[..], 8);
        let err = std::io::copy(&mut tracker, &mut std::io::sink()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(
            err.to_string()
                .contains("the row starting on line 3 is longer than 8 bytes"),
            "{err}"
        );
        let mut fits = QuoteTracker::new(&b"a\n1234567\n1234567\n"[..], 8);
        std::io::copy(&mut fits, &mut std::io::sink()).unwrap();
    }

    /// Differential check against the csv crate: whenever the tracker reports an open quote,
    /// the csv reader's last field runs to the end of the input, and the other way round.
    #[test]
    fn agrees_with_the_csv_reader_on_where_the_last_field_ends() {
        let cases: [&[u8]; 6] = [
            b"a,b\n1,\"2\n3,4\n",
            b"a,b\n1,\"2\"\n3,4\n",
            b"a,b\n1,x\"2\n3,4\n",
            b"a,b\n1,\"2\"\"\n3,4\n",
            b"a,b\n1,\"2\"\"\"\n3,4\n",
            b"a,b\n\"1\n",
        ];
        for case in cases {
            let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(case);
            let mut last = csv::ByteRecord::new();
            let mut record = csv::ByteRecord::new();
            while reader.read_byte_record(&mut record).unwrap() {
                last = record.clone();
            }
            // Every case ends with a newline, which only a quoted field left open can contain.
            let runs_to_end = last.iter().next_back().unwrap_or_default().ends_with(b"\n");
            assert_eq!(
                unclosed(case).is_some(),
                runs_to_end,
                "{}",
                String::from_utf8_lossy(case)
            );
        }
    }
}
