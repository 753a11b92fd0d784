//! Stage 2: bytes of one file → a [`Workbook`] of cells. The format is decided by the
//! content (a `.xls` that is really an xlsx, or HTML saved as `.xls`, is common), not only
//! by the file name.

use std::io::Cursor;

use calamine::{Data, Reader, SheetType, SheetVisible, Xls, Xlsx};
use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE};

use crate::formula::{evaluate_workbook, FormulaCell};
use crate::grid::{Cell, Sheet, Workbook};

/// The formats nianbao reads; any other file is reported, not silently ignored.
pub const READABLE: &[&str] = &["xlsx", "xlsm", "xls", "csv"];

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Reads one submission. `ext` is the lower-case file extension; the error is a reason in
/// Chinese, for the manifest and the anomaly list.
pub fn read(bytes: &[u8], ext: &str) -> Result<Workbook, String> {
    if !READABLE.contains(&ext) {
        return Err(format!(
            "不支持的文件格式 .{ext}，请提交 .xlsx、.xls 或 .csv"
        ));
    }
    if bytes.is_empty() {
        return Err("文件为空（0 字节）".into());
    }
    if bytes.starts_with(ZIP_MAGIC) {
        let mut book = read_xlsx(bytes)?;
        if ext != "xlsx" && ext != "xlsm" {
            book.notes
                .push(format!("扩展名为 .{ext}，内容实为 xlsx，已按 xlsx 读取"));
        }
        return Ok(book);
    }
    if bytes.starts_with(OLE_MAGIC) {
        let mut book = read_xls(bytes)?;
        if ext != "xls" {
            book.notes
                .push(format!("扩展名为 .{ext}，内容实为 xls，已按 xls 读取"));
        }
        return Ok(book);
    }
    match ext {
        "csv" => read_csv(bytes),
        "xlsx" | "xlsm" => Err(format!(
            "不是有效的 .{ext} 文件（不是 zip 格式，{}）",
            describe_content(bytes)
        )),
        "xls" => Err(format!(
            "不是有效的 .xls 文件（{}），请用 Excel 或 WPS 打开后另存为 .xlsx",
            describe_content(bytes)
        )),
        _ => unreachable!("extensions outside READABLE were refused above"),
    }
}

fn describe_content(bytes: &[u8]) -> &'static str {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_lowercase();
    if head.contains("<html") || head.contains("<table") || head.contains("<!doctype") {
        "内容是网页 HTML"
    } else if head.contains("<?xml") {
        "内容是 XML"
    } else {
        "无法识别的内容"
    }
}

/// The worksheets of a workbook in the order to read them: visible first, so that a hidden
/// leftover copy of the template is the last to be considered.
fn worksheets<'a, R: Reader<Cursor<&'a [u8]>>>(book: &R) -> Vec<(String, bool)> {
    let mut sheets: Vec<(String, bool)> = book
        .sheets_metadata()
        .iter()
        .filter(|m| m.typ == SheetType::WorkSheet)
        .map(|m| (m.name.clone(), m.visible != SheetVisible::Visible))
        .collect();
    sheets.sort_by_key(|(_, hidden)| *hidden);
    sheets
}

/// An xlsx, one cell at a time: a stray cell at XFD1048576 costs one short row, not a
/// dense range of seventeen billion cells; values and formulas come in one pass.
fn read_xlsx(bytes: &[u8]) -> Result<Workbook, String> {
    let mut book = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| format!("xlsx 文件已损坏或不完整，无法打开（{e}）"))?;
    let mut workbook = Workbook::default();
    let mut formulas = Vec::new();
    for (name, hidden) in worksheets(&book) {
        let mut cells = Vec::new();
        let read = book.worksheet_cells_reader(&name).and_then(|mut reader| {
            while let Some(cell) = reader.next_cell_with_formula()? {
                let (row, col) = cell.pos;
                if let Some(text) = cell.formula.filter(|f| !f.is_empty()) {
                    formulas.push(FormulaCell {
                        sheet: workbook.sheets.len(),
                        row,
                        col,
                        text,
                    });
                }
                let value = cell_from_data(&Data::from(cell.value));
                if value != Cell::Empty {
                    cells.push((row, col, value));
                }
            }
            Ok(())
        });
        if let Err(e) = read {
            formulas.retain(|f| f.sheet != workbook.sheets.len());
            workbook
                .notes
                .push(format!("工作表“{name}”无法读取（{e}），已跳过"));
            continue;
        }
        push_sheet(&mut workbook, &name, hidden, cells);
    }
    finish(workbook, formulas)
}

/// An xls: calamine's dense range is bounded by the format (65,536 rows by 256 columns).
fn read_xls(bytes: &[u8]) -> Result<Workbook, String> {
    let mut book = Xls::new(Cursor::new(bytes))
        .map_err(|e| format!("xls 文件已损坏或不完整，无法打开（{e}）"))?;
    let mut workbook = Workbook::default();
    let mut formulas = Vec::new();
    for (name, hidden) in worksheets(&book) {
        let range = match book.worksheet_range(&name) {
            Ok(range) => range,
            Err(e) => {
                workbook
                    .notes
                    .push(format!("工作表“{name}”无法读取（{e}），已跳过"));
                continue;
            }
        };
        let cells = range
            .used_cells()
            .map(|(r, c, d)| (r as u32, c as u32, cell_from_data(d)))
            .filter(|(_, _, cell)| *cell != Cell::Empty);
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let cells: Vec<(u32, u32, Cell)> = cells.map(|(r, c, d)| (r0 + r, c0 + c, d)).collect();
        // Formulas are read separately: their cached values may be missing or wrong.
        if let Ok(f) = book.worksheet_formula(&name) {
            let (fr, fc) = f.start().unwrap_or((0, 0));
            for (r, c, text) in f.used_cells().filter(|(_, _, t)| !t.is_empty()) {
                formulas.push(FormulaCell {
                    sheet: workbook.sheets.len(),
                    row: fr + r as u32,
                    col: fc + c as u32,
                    text: text.clone(),
                });
            }
        }
        push_sheet(&mut workbook, &name, hidden, cells);
    }
    finish(workbook, formulas)
}

fn push_sheet(workbook: &mut Workbook, name: &str, hidden: bool, cells: Vec<(u32, u32, Cell)>) {
    let (sheet, left_out) = Sheet::from_cells(name, hidden, cells);
    if left_out > 0 {
        workbook.notes.push(format!(
            "工作表“{name}”有 {left_out} 个单元格在所读区域（自第一个单元格起 {} 行 {} 列）之外，未读取",
            crate::grid::MAX_ROWS,
            crate::grid::MAX_COLS
        ));
    }
    workbook.sheets.push(sheet);
}

fn finish(mut workbook: Workbook, mut formulas: Vec<FormulaCell>) -> Result<Workbook, String> {
    // A formula outside the area read would grow the grid when its value is set.
    formulas.retain(|f| {
        let (r0, c0) = workbook.sheets[f.sheet].origin;
        let (rows, cols) = (crate::grid::MAX_ROWS, crate::grid::MAX_COLS);
        (r0.saturating_sub(rows)..r0 + rows).contains(&f.row)
            && (c0.saturating_sub(cols)..c0 + cols).contains(&f.col)
    });
    let notes = evaluate_workbook(&mut workbook.sheets, formulas);
    workbook.notes.extend(notes);
    if workbook.sheets.is_empty() {
        return Err("工作簿中没有可读取的工作表".into());
    }
    Ok(workbook)
}

fn cell_from_data(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::String(s) => Cell::Text(s.clone()),
        Data::Bool(b) => Cell::Text(if *b { "TRUE" } else { "FALSE" }.into()),
        Data::DateTime(d) => Cell::Text(format!("日期{d}")),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(e.to_string()),
    }
}

/// Words that a decoding of a submission should show if it is the right one.
const EXPECTED_WORDS: &[&str] = &[
    "政府信息公开",
    "自然人",
    "本年新收",
    "商业企业",
    "行政复议",
    "行政诉讼",
    "结果维持",
    "规章",
    "行政许可",
    "填报单位",
    "总计",
    "field_id",
];

fn label_score(text: &str) -> usize {
    EXPECTED_WORDS.iter().filter(|w| text.contains(*w)).count()
}

/// The text of a CSV file and the name of the encoding it was read in.
pub struct DecodedText {
    pub text: String,
    pub encoding: &'static str,
    /// Set when some bytes fitted no candidate encoding and were replaced.
    pub lossy: bool,
}

/// Decodes CSV bytes: UTF-8 (with or without BOM), UTF-16 with BOM, or GBK/GB18030 as
/// Excel saves it on Chinese Windows. Short GBK text can also be valid UTF-8, so when both
/// decodings are clean the one in which the format's own labels appear wins.
pub fn decode_text(bytes: &[u8]) -> DecodedText {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        let name = if encoding == UTF_16LE || encoding == UTF_16BE {
            "UTF-16"
        } else {
            "UTF-8"
        };
        return DecodedText {
            text: text.into_owned(),
            encoding: name,
            lossy: had_errors,
        };
    }
    let utf8 = std::str::from_utf8(bytes).ok();
    // Valid UTF-8 in which the labels read is settled without trying GB18030.
    if let Some(u) = utf8.filter(|u| label_score(u) > 0) {
        return DecodedText {
            text: u.to_string(),
            encoding: "UTF-8",
            lossy: false,
        };
    }
    let (gbk, gbk_errors) = GB18030.decode_without_bom_handling(bytes);
    match utf8 {
        Some(u) if gbk_errors || label_score(u) >= label_score(&gbk) => DecodedText {
            text: u.to_string(),
            encoding: "UTF-8",
            lossy: false,
        },
        Some(_) => DecodedText {
            text: gbk.into_owned(),
            encoding: "GB18030",
            lossy: false,
        },
        None if !gbk_errors => DecodedText {
            text: gbk.into_owned(),
            encoding: "GB18030",
            lossy: false,
        },
        None => {
            let lossy_utf8 = String::from_utf8_lossy(bytes);
            if label_score(&lossy_utf8) > label_score(&gbk) {
                DecodedText {
                    text: lossy_utf8.into_owned(),
                    encoding: "UTF-8",
                    lossy: true,
                }
            } else {
                DecodedText {
                    text: gbk.into_owned(),
                    encoding: "GB18030",
                    lossy: true,
                }
            }
        }
    }
}

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

fn read_csv(bytes: &[u8]) -> Result<Workbook, String> {
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_that_is_also_valid_utf8_is_decided_by_labels() {
        let text = "填报单位,易俗河镇\n自然人,1";
        let (gbk, _, _) = GB18030.encode(text);
        let decoded = decode_text(&gbk);
        assert_eq!(decoded.text, text);
        assert_eq!(decoded.encoding, "GB18030");
        let decoded = decode_text(text.as_bytes());
        assert_eq!(decoded.encoding, "UTF-8");
        assert_eq!(decoded.text, text);
    }

    #[test]
    fn bom_decides_utf8_and_utf16() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice("自然人".as_bytes());
        assert_eq!(decode_text(&bytes).text, "自然人");
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "自然人".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let decoded = decode_text(&utf16);
        assert_eq!(
            (decoded.text.as_str(), decoded.encoding),
            ("自然人", "UTF-16")
        );
    }

    #[test]
    fn undecodable_bytes_are_flagged_not_hidden() {
        let decoded = decode_text(&[0xFF, 0xFF, 0x41, 0x80]);
        assert!(decoded.lossy);
    }

    #[test]
    fn content_decides_the_format() {
        assert!(read(b"", "xlsx").unwrap_err().contains("为空"));
        assert!(read(b"<html><table>", "xls").unwrap_err().contains("HTML"));
        assert!(read(b"PK\x03\x04garbage", "xlsx")
            .unwrap_err()
            .contains("损坏"));
        assert!(read(b"hello", "docx").unwrap_err().contains("不支持"));
        assert!(read(b"PK\x03\x04zip", "docx")
            .unwrap_err()
            .contains("不支持"));
        let book = read("a\tb\n1\t2\n".as_bytes(), "csv").unwrap();
        assert_eq!(book.sheets[0].get(1, 1), &Cell::Text("2".into()));
        assert_eq!(book.sheets[0].location(1, 1).to_string(), "2:2");
        let crlf = read("a,b\r\n\"x\r\ny\",1\r\n\r\ne,f\r\n".as_bytes(), "csv").unwrap();
        let lines: Vec<String> = (0..3)
            .map(|r| crlf.sheets[0].location(r, 0).to_string())
            .collect();
        assert_eq!(lines, ["1:1", "2:1", "5:1"]);
    }
}
