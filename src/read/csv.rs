//! CSV grids: one sheet, each record's physical line kept for its locations.

use super::encoding::decode_text;
use super::limits::{MAX_CELLS, MAX_CSV_FIELDS, MAX_LONG_ROWS, MAX_TEXT_BYTES};
use crate::grid::{Cell, LongTable, LongTableBuilder, Sheet, Workbook};

/// A CSV with a header row, as the roster and last year's normalized.csv are: the reader,
/// and its column names trimmed, without a BOM, in lower case.
pub fn csv_with_header(text: &str) -> Result<(csv::Reader<&[u8]>, Vec<String>), String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    Ok((reader, header))
}

/// Comma, tab or semicolon: whichever the first 30 lines (at most 64 KB) use most.
fn sniff_delimiter(text: &str) -> u8 {
    let head = text.as_bytes();
    let head = &head[..head.len().min(64 << 10)];
    let head = match memchr::memchr_iter(b'\n', head).nth(29) {
        Some(end) => &head[..end],
        None => head,
    };
    [b',', b'\t', b';']
        .into_iter()
        .map(|d| (d, occurrences(head, d)))
        .max_by_key(|&(_, count)| count)
        .map_or(b',', |(d, _)| d)
}

/// How many times `byte` occurs in `bytes`.
fn occurrences(bytes: &[u8], byte: u8) -> usize {
    bytes.iter().filter(|&&b| b == byte).count()
}

/// The first line with more than [`MAX_CSV_FIELDS`] delimiters, 1-based. Lines are looked
/// at only where the whole text has that many: a report's CSV has a few hundred.
fn overlong_line(text: &str, delimiter: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    if occurrences(bytes, delimiter) < MAX_CSV_FIELDS {
        return None;
    }
    bytes
        .split(|&b| b == b'\n')
        .position(|line| occurrences(line, delimiter) >= MAX_CSV_FIELDS)
        .map(|i| i + 1)
}

/// Physical line numbers of record starts. The csv crate's own count is one short after a
/// CRLF terminator (it records the start before the `\n`), so count from byte offsets.
pub(crate) struct LineCounter<'t> {
    text: &'t [u8],
    pos: usize,
    line: u64,
}

impl<'t> LineCounter<'t> {
    pub(crate) fn new(text: &'t [u8]) -> Self {
        LineCounter {
            text,
            pos: 0,
            line: 1,
        }
    }

    /// The line of a record that starts at `position` (the csv crate's), as
    /// [`Self::line_at`] its byte.
    pub(crate) fn line_of(&mut self, position: Option<&csv::Position>) -> u64 {
        self.line_at(position.map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX)))
    }

    /// The line of the first character at or after `offset` that is not a line break.
    /// Offsets must not decrease between calls.
    pub(crate) fn line_at(&mut self, mut offset: usize) -> u64 {
        while offset < self.text.len() && matches!(self.text[offset], b'\r' | b'\n') {
            offset += 1;
        }
        let end = offset.min(self.text.len());
        self.line += occurrences(&self.text[self.pos..end], b'\n') as u64;
        self.pos = end;
        self.line
    }
}

/// A field as kept: at most [`MAX_TEXT_BYTES`], cut at a character's end.
fn clipped<'f>(field: &'f str, clipped_fields: &mut usize) -> &'f str {
    if field.len() <= MAX_TEXT_BYTES {
        return field;
    }
    *clipped_fields += 1;
    let mut end = MAX_TEXT_BYTES;
    while !field.is_char_boundary(end) {
        end -= 1;
    }
    &field[..end]
}

/// A CSV: the official tables as a grid, or the long form (`unit,year,field_id,value`) as a
/// [`LongTable`](crate::grid::LongTable). Records are taken one at a time, and what a
/// file may hold is bounded: [`MAX_CELLS`] cells of a grid, [`MAX_LONG_ROWS`] rows of the
/// long form, [`MAX_CSV_FIELDS`] fields a line, [`MAX_TEXT_BYTES`] a field.
pub(super) fn read(bytes: &[u8]) -> Result<Workbook, String> {
    let decoded = decode_text(bytes);
    let mut notes = Vec::new();
    if decoded.encoding != "UTF-8" {
        notes.push(format!("CSV 编码识别为 {}", decoded.encoding));
    }
    if decoded.lossy {
        notes.push(format!(
            "CSV 中有无法按 {} 解码的字节，已替换为 �；相关单元格可能读错，请核对原文件",
            decoded.encoding
        ));
    }
    let text: &str = &decoded.text;
    let delimiter = sniff_delimiter(text);
    if let Some(line) = overlong_line(text, delimiter) {
        return Err(format!(
            "CSV 第 {line} 行超过 {MAX_CSV_FIELDS} 列，不是年度报告的表格"
        ));
    }
    with_reader(text, delimiter, |reader| read_records(reader, text, notes))
}

/// The grid of `text`, read by `reader` (set at its start by [`with_reader`]); `notes` are
/// what decoding it found.
fn read_records(
    reader: &mut ReusedReader,
    text: &str,
    mut notes: Vec<String>,
) -> Result<Workbook, String> {
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut lines = Vec::new();
    let mut long: Option<LongTableBuilder> = None;
    let mut line_counter = LineCounter::new(text.as_bytes());
    let mut record = csv::ByteRecord::new();
    let (mut cells, mut clipped_fields) = (0usize, 0usize);
    let mut stopped = false;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = line_counter.line_of(record.position());
                let blank = fields(&record).all(|f| f.trim().is_empty());
                if let Some(long) = &mut long {
                    if blank {
                        continue;
                    }
                    if long.rows() == MAX_LONG_ROWS {
                        stopped = true;
                        break;
                    }
                    let [unit, year, field_id, value] = long_cols(&record, long);
                    long.push(
                        u32::try_from(line).unwrap_or(u32::MAX),
                        [unit, year, field_id, value].map(|f| clipped(f, &mut clipped_fields)),
                    );
                    continue;
                }
                if cells == 0 && !blank {
                    if let Some(cols) = LongTable::columns_of(fields(&record)) {
                        long = Some(LongTableBuilder::new(None, cols));
                        continue;
                    }
                }
                let row: Vec<Cell> = fields(&record)
                    .map(|f| match clipped(f, &mut clipped_fields) {
                        "" => Cell::Empty,
                        f => Cell::Text(f.into()),
                    })
                    .collect();
                cells += row.iter().filter(|c| !c.is_empty()).count();
                rows.push(row);
                lines.push(line);
                if cells > MAX_CELLS {
                    stopped = true;
                    break;
                }
            }
            Err(e) => return Err(format!("CSV 无法解析（{e}）")),
        }
    }
    if clipped_fields > 0 {
        notes.push(format!(
            "有 {clipped_fields} 个字段超过 {} KB，只读取了前 {} KB",
            MAX_TEXT_BYTES >> 10,
            MAX_TEXT_BYTES >> 10
        ));
    }
    if let Some(long) = long {
        if stopped {
            notes.push(format!("长表超过 {MAX_LONG_ROWS} 行，其后的行未读取"));
        }
        return Ok(Workbook {
            long_form: Some(long.finish()),
            notes,
            ..Workbook::default()
        });
    }
    if stopped {
        notes.push(format!(
            "单元格过多（超过 {MAX_CELLS} 个），第 {} 行之后未读取",
            lines.last().copied().unwrap_or(0)
        ));
    }
    if cells == 0 {
        return Err("CSV 文件没有内容".into());
    }
    Ok(Workbook {
        sheets: vec![Sheet {
            rows,
            csv_lines: Some(lines),
            ..Sheet::default()
        }],
        notes,
        ..Workbook::default()
    })
}

/// A CSV reader whose input can be replaced: see [`with_reader`].
type ReusedReader = csv::Reader<std::io::Cursor<Vec<u8>>>;

/// Runs `read` with a reader of `text` split at `delimiter`. The readers are kept on each
/// thread, a reader a delimiter, and set back to the start of each new text: building a
/// reader (its parsing tables) took as long as reading a report's CSV with it.
fn with_reader<T>(text: &str, delimiter: u8, read: impl FnOnce(&mut ReusedReader) -> T) -> T {
    /// A text longer than this is not kept past its reading.
    const KEPT_BYTES: usize = 1 << 20;
    thread_local! {
        static READERS: std::cell::RefCell<Vec<(u8, ReusedReader)>> = const {
            std::cell::RefCell::new(Vec::new())
        };
    }
    READERS.with_borrow_mut(|readers| {
        let at = match readers.iter().position(|(d, _)| *d == delimiter) {
            Some(at) => at,
            None => {
                let reader = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .delimiter(delimiter)
                    .from_reader(std::io::Cursor::new(Vec::new()));
                readers.push((delimiter, reader));
                readers.len() - 1
            }
        };
        let reader = &mut readers[at].1;
        let input = reader.get_mut().get_mut();
        input.clear();
        input.extend_from_slice(text.as_bytes());
        // Back to the first byte, line and record, the parser's state and buffer cleared.
        // Not `seek`: it does nothing where the reader already is at the position asked,
        // and a reader at the end of an empty text is at byte 0, its end of file still set.
        reader
            .seek_raw(std::io::SeekFrom::Start(0), csv::Position::new())
            .expect("a reader of memory seeks");
        let read = read(reader);
        let input = reader.get_mut().get_mut();
        if input.capacity() > KEPT_BYTES {
            *input = Vec::new();
        }
        read
    })
}

/// A long-form record's four fields; a missing one is empty.
fn long_cols<'r>(record: &'r csv::ByteRecord, long: &LongTableBuilder) -> [&'r str; 4] {
    long.cols()
        .map(|c| record.get(c as usize).map_or("", field))
}

/// A record's fields as text.
fn fields(record: &csv::ByteRecord) -> impl Iterator<Item = &str> + Clone {
    record.iter().map(field)
}

/// A field as text, unchecked. The reader is given a `&str` ([`with_reader`]) and cuts it
/// only at ASCII bytes (the delimiter, quotes, line ends), which are never part of another
/// character: each field is UTF-8 as the text is. csv's `StringRecord` checked every record
/// again, 1% of a run's time.
fn field(bytes: &[u8]) -> &str {
    debug_assert!(std::str::from_utf8(bytes).is_ok());
    // SAFETY: a piece of a `str` cut at ASCII bytes, as said above.
    unsafe { std::str::from_utf8_unchecked(bytes) }
}

#[cfg(test)]
mod tests {
    use super::read;

    /// What a CSV reads as: each sheet's rows and their lines, the long form, the notes; or
    /// why it cannot be read.
    fn read_as(bytes: &[u8]) -> String {
        let book = match read(bytes) {
            Ok(book) => book,
            Err(why) => return why,
        };
        let sheets: Vec<_> = book
            .sheets
            .iter()
            .map(|s| (s.rows.clone(), s.csv_lines.clone()))
            .collect();
        format!("{sheets:?} {:?} {:?}", book.long_form, book.notes)
    }

    /// A thread's readers are reused from text to text, whatever each one's delimiter, line
    /// ends, length or the state the last one was left in: each text reads as it would first.
    #[test]
    fn a_reused_reader_reads_each_text_as_new() {
        let long: String = (0..3000)
            .map(|i| format!("第{i}行,\"a\nb\",{i}\r\n"))
            .collect();
        let texts: [&[u8]; 9] = [
            b"\xe5\x8d\x95\xe4\xbd\x8d,\xe7\x94\xb2\xe9\x95\x87\r\n\r\n1,\"2\r\n3\",4\n",
            b"a\tb\tc\n1\t2\t3\n",
            long.as_bytes(),
            b"x;y;z\n\"unclosed;1\n",
            b"unit_id,year,field_id,value\nyisuhe,2024,active.regulation.issued,3\n",
            b"a,b\n\n\n1,2",
            // Empty (a BOM alone, as Excel saves an empty sheet): read as `;`-separated,
            // and the `;` reader must then read the next such text from its start.
            b"\xEF\xBB\xBF",
            b"x;y;z\n1;2;3\n",
            b"",
        ];
        let first: Vec<String> = texts
            .iter()
            .map(|t| std::thread::scope(|s| s.spawn(|| read_as(t)).join().unwrap()))
            .collect();
        for _ in 0..2 {
            for (t, expected) in texts.iter().zip(&first) {
                assert_eq!(&read_as(t), expected);
            }
        }
    }
}
