//! Plain-text tables for people: a header, a rule, aligned columns.

use std::fmt::Write as _;

/// A table being filled in row by row.
pub struct Table {
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these column headers.
    pub fn new(headers: Vec<&'static str>) -> Self {
        Table {
            headers,
            rows: Vec::new(),
        }
    }

    /// Adds a row; its cells are made printable (see [`printable`]).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.iter().map(|cell| printable(cell)).collect());
    }

    /// The table as text, each line ending in a newline. The last column is not padded, so no
    /// line carries trailing spaces.
    pub fn render(&self) -> String {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        let mut line = |cells: &mut dyn Iterator<Item = &str>| {
            let mut text = String::new();
            for (index, cell) in cells.enumerate() {
                if index + 1 == columns {
                    text.push_str(cell);
                } else {
                    let _ = write!(text, "{cell:<width$}  ", width = widths[index]);
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(&mut self.headers.iter().copied());
        let rules: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
        line(&mut rules.iter().map(String::as_str));
        for row in &self.rows {
            line(&mut row.iter().map(String::as_str));
        }
        out
    }
}

/// `text` with control characters (line breaks, escape sequences) replaced by spaces, so text
/// from the API keeps the table's shape and cannot drive the terminal.
pub fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_aligned_without_trailing_spaces() {
        let mut table = Table::new(vec!["NAME", "TYPE", "LABEL"]);
        table.row(vec!["email".into(), "text".into(), "Enter Email".into()]);
        table.row(vec!["associations".into(), "json".into(), String::new()]);
        assert_eq!(
            table.render(),
            "NAME          TYPE  LABEL\n\
             ------------  ----  -----------\n\
             email         text  Enter Email\n\
             associations  json\n"
        );
    }

    #[test]
    fn control_characters_cannot_break_a_row() {
        let mut table = Table::new(vec!["A", "B"]);
        table.row(vec!["x\ny".into(), "\u{1b}[31mred".into()]);
        let text = table.render();
        assert_eq!(text.lines().count(), 3, "{text:?}");
        assert!(!text.contains('\u{1b}'));
    }
}
