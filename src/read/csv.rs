//! CSV grids: one sheet, each record's physical line kept for its locations.

use super::encoding::decode_text;
use crate::grid::{Cell, Sheet, Workbook};

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

/// Comma, tab or semicolon: whichever the first lines use most.
fn sniff_delimiter(text: &str) -> u8 {
    let head: String = text.lines().take(30).collect::<Vec<_>>().join("\n");
    [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|d| head.bytes().filter(|b| b == d).count())
        .unwrap_or(b',')
}

/// Physical line numbers of record starts. The csv crate's own count is one short after a
/// CRLF terminator (it records the start before the `\n`), so count from byte offsets.
struct LineCounter<'t> {
    text: &'t [u8],
    pos: usize,
    line: u64,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            pos: 0,
            line: 1,
        }
    }

    /// The line of the first character at or after `offset` that is not a line break.
    /// Offsets must not decrease between calls.
    fn line_at(&mut self, mut offset: usize) -> u64 {
        while offset < self.text.len() && matches!(self.text[offset], b'\r' | b'\n') {
            offset += 1;
        }
        let end = offset.min(self.text.len());
        self.line += self.text[self.pos..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        self.pos = end;
        self.line
    }
}

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
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(&decoded.text))
        .from_reader(decoded.text.as_bytes());
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    let mut line_counter = LineCounter::new(&decoded.text);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let offset = record.position().map_or(0, |p| p.byte() as usize);
                lines.push(line_counter.line_at(offset));
                rows.push(
                    record
                        .iter()
                        .map(|f| {
                            if f.is_empty() {
                                Cell::Empty
                            } else {
                                Cell::Text(f.to_string())
                            }
                        })
                        .collect(),
                );
            }
            Err(e) => return Err(format!("CSV 无法解析（{e}）")),
        }
    }
    if rows
        .iter()
        .all(|r: &Vec<Cell>| r.iter().all(Cell::is_empty))
    {
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
