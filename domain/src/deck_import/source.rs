//! Reading deck files into a grid of cells: CSV text (encoding, delimiter) and XLSX sheets.

use super::ImportError;
use super::values::Cell;

/// A file read into rows of cells, each with its 1-based source line.
pub(crate) trait Sheet {
    /// Number of rows.
    fn row_count(&self) -> usize;
    /// 1-based line (CSV) or row (spreadsheet) of row `i`.
    fn line(&self, i: usize) -> u64;
    /// Number of cells in row `i`, trailing blank cells excluded.
    fn width(&self, i: usize) -> usize;
    /// Number of fields row `i` was written with, blank ones included (a CSV line's delimiters
    /// plus one; a spreadsheet row's cells).
    fn fields(&self, i: usize) -> usize;
    /// Cell `c` of row `i` ([`Cell::Empty`] past the end).
    fn cell(&self, i: usize, c: usize) -> Cell<'_>;
}

/// Decodes deck bytes: UTF-8 with or without BOM, UTF-16 with BOM, otherwise the legacy encoding
/// chardetng guesses (Latin-1 / windows-1252 for most European decks). Returns text and encoding name.
pub(crate) fn decode(bytes: &[u8]) -> (String, &'static str) {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return (text.into_owned(), encoding.name());
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.to_string(), "UTF-8");
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let encoding = detector.guess(None, chardetng::Utf8Detection::Deny);
    let (text, _, _) = encoding.decode(bytes);
    (text.into_owned(), encoding.name())
}

/// Picks the delimiter among `,` `;` tab `|` that splits the first lines most consistently
/// (counting only outside double quotes).
pub(crate) fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    let mut best = (b',', 0usize, 0usize);
    for delimiter in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|line| {
                let mut quoted = false;
                line.bytes()
                    .filter(|&b| {
                        if b == b'"' {
                            quoted = !quoted;
                        }
                        !quoted && b == delimiter
                    })
                    .count()
            })
            .collect();
        let Some(&first) = counts.iter().find(|&&c| c > 0) else {
            continue;
        };
        let consistent = counts.iter().filter(|&&c| c == first).count();
        if (consistent, first) > (best.1, best.2) {
            best = (delimiter, consistent, first);
        }
    }
    best.0
}

/// CSV rows held in one text buffer: every (trimmed) field's end offset, and per row its first
/// field, field count and source line (no allocation per row).
pub(crate) struct CsvSheet {
    text: String,
    ends: Vec<usize>,
    rows: Vec<CsvRow>,
}

struct CsvRow {
    first: usize,
    len: usize,
    line: u64,
}

impl CsvSheet {
    /// Parses decoded text with `delimiter`; fields are trimmed of Unicode whitespace (so `", "`
    /// separated decks work), quotes honoured, rows of any length kept.
    pub(crate) fn parse(text: &str, delimiter: u8) -> Result<Self, ImportError> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut sheet = CsvSheet {
            text: String::with_capacity(text.len()),
            ends: Vec::new(),
            rows: Vec::new(),
        };
        let mut record = csv::ByteRecord::new();
        loop {
            let more = reader
                .read_byte_record(&mut record)
                .map_err(|e| ImportError::Unreadable(e.to_string()))?;
            if !more {
                break;
            }
            let mark = (sheet.text.len(), sheet.ends.len());
            let mut blank = true;
            for field in record.iter() {
                let field = std::str::from_utf8(field)
                    .map_err(|e| ImportError::Unreadable(e.to_string()))?
                    .trim();
                blank &= field.is_empty();
                sheet.text.push_str(field);
                sheet.ends.push(sheet.text.len());
            }
            if blank {
                sheet.text.truncate(mark.0);
                sheet.ends.truncate(mark.1);
                continue;
            }
            sheet.rows.push(CsvRow {
                first: mark.1,
                len: record.len(),
                line: record.position().map_or(0, |p| p.line()),
            });
        }
        Ok(sheet)
    }

    fn field(&self, i: usize, c: usize) -> Option<&str> {
        let row = &self.rows[i];
        if c >= row.len {
            return None;
        }
        let end = self.ends[row.first + c];
        let start = match row.first + c {
            0 => 0,
            k => self.ends[k - 1],
        };
        Some(&self.text[start..end])
    }
}

impl Sheet for CsvSheet {
    fn row_count(&self) -> usize {
        self.rows.len()
    }

    fn line(&self, i: usize) -> u64 {
        self.rows[i].line
    }

    fn fields(&self, i: usize) -> usize {
        self.rows[i].len
    }

    fn width(&self, i: usize) -> usize {
        let row = &self.rows[i];
        let ends = &self.ends[row.first..row.first + row.len];
        let before = match row.first {
            0 => 0,
            k => self.ends[k - 1],
        };
        // Trailing empty fields end where the previous field ends.
        let mut width = row.len;
        while width > 0 {
            let start = if width == 1 { before } else { ends[width - 2] };
            if ends[width - 1] != start {
                break;
            }
            width -= 1;
        }
        width
    }

    fn cell(&self, i: usize, c: usize) -> Cell<'_> {
        match self.field(i, c) {
            Some("") | None => Cell::Empty,
            Some(text) => Cell::Text(text),
        }
    }
}

#[cfg(feature = "xlsx")]
pub(crate) use xlsx::XlsxSheet;

#[cfg(feature = "xlsx")]
mod xlsx {
    use super::{Cell, ImportError, Sheet};
    use calamine::{Data, Reader};

    /// The first worksheet of an XLSX/XLS/ODS workbook (calamine), blank rows dropped.
    pub(crate) struct XlsxSheet {
        rows: Vec<(u64, Vec<Data>)>,
    }

    impl XlsxSheet {
        /// Reads the first worksheet of `bytes`.
        pub(crate) fn parse(bytes: &[u8]) -> Result<Self, ImportError> {
            let cursor = std::io::Cursor::new(bytes.to_vec());
            let mut workbook = calamine::open_workbook_auto_from_rs(cursor)
                .map_err(|e| ImportError::Unreadable(e.to_string()))?;
            let range = workbook
                .worksheet_range_at(0)
                .ok_or(ImportError::Empty)?
                .map_err(|e| ImportError::Unreadable(e.to_string()))?;
            let first_row = range.start().map_or(0, |(r, _)| u64::from(r));
            let first_col = range.start().map_or(0, |(_, c)| c as usize);
            let rows = range
                .rows()
                .enumerate()
                .filter(|(_, cells)| cells.iter().any(|c| !matches!(c, Data::Empty)))
                .map(|(i, cells)| {
                    let mut row = vec![Data::Empty; first_col];
                    row.extend_from_slice(cells);
                    (first_row + i as u64 + 1, row)
                })
                .collect();
            Ok(XlsxSheet { rows })
        }
    }

    impl Sheet for XlsxSheet {
        fn row_count(&self) -> usize {
            self.rows.len()
        }

        fn line(&self, i: usize) -> u64 {
            self.rows[i].0
        }

        fn fields(&self, i: usize) -> usize {
            self.rows[i].1.len()
        }

        fn width(&self, i: usize) -> usize {
            let row = &self.rows[i].1;
            row.len()
                - row
                    .iter()
                    .rev()
                    .take_while(|c| match c {
                        Data::Empty => true,
                        Data::String(s) => s.trim().is_empty(),
                        _ => false,
                    })
                    .count()
        }

        fn cell(&self, i: usize, c: usize) -> Cell<'_> {
            match self.rows[i].1.get(c) {
                None | Some(Data::Empty) | Some(Data::Error(_)) => Cell::Empty,
                Some(Data::String(s)) | Some(Data::DateTimeIso(s)) | Some(Data::DurationIso(s)) => {
                    Cell::Text(s)
                }
                Some(Data::Float(f)) => Cell::Number(*f),
                Some(Data::Int(n)) => Cell::Number(*n as f64),
                Some(Data::Bool(b)) => Cell::Text(if *b { "true" } else { "false" }),
                Some(Data::DateTime(dt)) => Cell::Serial(dt.as_f64()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters_and_encodings() {
        assert_eq!(sniff_delimiter("a;b;c\n1;2,5;3\n"), b';');
        assert_eq!(sniff_delimiter("\"a,b\"|c\n1|2\n"), b'|');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff_delimiter("1, US, 0.70\n34, Spain, 1.5\n"), b',');
        let (text, enc) = decode(b"\xef\xbb\xbfprefix");
        assert_eq!((text.as_str(), enc), ("prefix", "UTF-8"));
        let (text, _) = decode(b"33;C\xf4te d'Ivoire;0.1\n");
        assert!(text.contains("Côte"));
    }
}
