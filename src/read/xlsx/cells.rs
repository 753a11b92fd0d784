//! A worksheet's cells from its XML, with the shared strings and the styles that say which
//! numbers are dates: read here, straight from the unpacked parts, not through calamine.
//!
//! calamine read every sheet through a buffered zip stream and a copying XML reader, and
//! built a whole style table (fonts, fills, borders) for the one thing used here, whether a
//! cell's number shows a date: it was two fifths of a run's CPU time on a county of xlsx.
//! The values are read as calamine reads them (its `cells_reader.rs` and `read_string`,
//! version 0.38), and a test reads workbooks both ways and compares every cell; where
//! calamine gave up on the whole sheet for one odd cell (a type it does not know, a shared
//! string that is not there), the cell is read as its text or left blank, and a note says so.

use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::Reader;

use crate::grid::Cell;

/// The shared-string table: every string end to end, and where each ends.
#[derive(Default)]
pub(super) struct SharedStrings {
    text: String,
    ends: Vec<usize>,
}

impl SharedStrings {
    /// The table in `xml` (`sharedStrings.xml`). Each `<si>` is one string: its text, or
    /// its runs' text together, without the phonetic guide (`<rPh>`).
    pub(super) fn parse(xml: &[u8]) -> Result<SharedStrings, String> {
        let mut strings = SharedStrings::default();
        let mut reader = reader_of(xml);
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) if e.local_name().as_ref() == "si" => {
                    read_string(&mut reader, &e, &mut strings.text)?;
                    strings.ends.push(strings.text.len());
                }
                Ok(Event::Eof) => return Ok(strings),
                Err(e) => return Err(xml_error(e)),
                _ => {}
            }
        }
    }

    fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.text[start..end])
    }
}

/// For each cell format (`<cellXfs>` of `styles.xml`, in order), whether it shows a number
/// as a date or a time.
pub(super) fn date_styles(xml: &[u8]) -> Vec<bool> {
    let mut custom: foldhash::HashMap<String, bool> = Default::default();
    let mut styles = Vec::new();
    let mut in_cell_formats = false;
    let mut reader = reader_of(xml);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => match e.local_name().as_ref() {
                "numFmt" => {
                    if let (Some(id), Some(code)) = (
                        raw_attribute(&e, "numFmtId"),
                        raw_attribute(&e, "formatCode"),
                    ) {
                        let code = quick_xml::escape::unescape(&code)
                            .map(|c| shows_a_date(&c))
                            .unwrap_or(false);
                        custom.insert(id.into_owned(), code);
                    }
                }
                "cellXfs" => in_cell_formats = true,
                "xf" if in_cell_formats => {
                    let id = raw_attribute(&e, "numFmtId");
                    styles.push(id.is_some_and(|id| {
                        custom
                            .get(&*id)
                            .copied()
                            .unwrap_or_else(|| is_builtin_date(&id))
                    }));
                }
                _ => {}
            },
            Ok(Event::End(e)) if e.local_name().as_ref() == "cellXfs" => in_cell_formats = false,
            Ok(Event::Eof) | Err(_) => return styles,
            _ => {}
        }
    }
}

/// The built-in formats that show dates and times: 14–22 and 45–47, and the East Asian
/// ones, 27–36 and 50–58 (年月日 in a Chinese Excel).
fn is_builtin_date(id: &str) -> bool {
    id.parse::<u32>()
        .ok()
        .is_some_and(|id| matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58))
}

/// Whether a custom format code shows a date or a time: its first section has a date or
/// time letter (d m y h s, or a/p after an `a`) outside quotes, brackets and escapes, or an
/// elapsed time such as `[h]`. `0.00`, `#,##0"元"` and `[Red]0` do not; `yyyy"年"m"月"`,
/// `h:mm` and `[h]:mm` do.
pub(super) fn shows_a_date(code: &str) -> bool {
    let mut chars = code.chars();
    let mut in_quotes = false;
    let mut after_a = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            in_quotes = c != '"';
            continue;
        }
        match c {
            // The next character is a literal (`\`), a width (`_`) or a fill (`*`).
            '\\' | '_' | '*' => {
                chars.next();
            }
            '"' => in_quotes = true,
            ';' => return false,
            '[' => {
                let inside: String = chars.by_ref().take_while(|&c| c != ']').collect();
                let inside = inside.to_ascii_lowercase();
                if !inside.is_empty() && inside.chars().all(|c| matches!(c, 'h' | 'm' | 's')) {
                    return true;
                }
            }
            'a' | 'A' if !after_a => after_a = true,
            'p' | 'P' | 'm' | 'M' | '/' if after_a => return true,
            'd' | 'D' | 'm' | 'M' | 'y' | 'Y' | 'h' | 'H' | 's' | 'S' if !after_a => return true,
            _ => {}
        }
    }
    false
}

/// What a sheet's cells need from the workbook's other parts.
pub(super) struct Context<'w> {
    pub strings: &'w SharedStrings,
    pub date_styles: &'w [bool],
}

/// A sheet's cells that have a value, and its formulas, by 0-based row and column.
#[derive(Default)]
pub(super) struct SheetCells {
    pub values: Vec<(u32, u32, Cell)>,
    /// A formula as written (a shared formula from the cell that holds its text only: the
    /// cells that share it keep the value the file cached for them).
    pub formulas: Vec<(u32, u32, String)>,
    /// Stopped at `max_values`: the sheet has more.
    pub full: bool,
    /// Cells whose shared string is not in the table, read as blank.
    pub missing_strings: usize,
}

/// Why a sheet cannot be read: a cell's address (`r`) that is past the sheet's end or is
/// not an address, or XML that is broken or ends early.
pub(super) enum SheetError {
    OutOfBounds(String),
    NotAnAddress(String),
    Xml(String),
}

/// The sheet's cells, in the order of its XML, at most `max_values` with a value.
pub(super) fn read_sheet(
    xml: &[u8],
    context: &Context,
    max_values: usize,
) -> Result<SheetCells, SheetError> {
    let mut sheet = SheetCells::default();
    let mut reader = reader_of(xml);
    let xml_error = |e| SheetError::Xml(xml_error(e));
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(e) if e.local_name().as_ref() == "sheetData" => break,
            Event::Eof => return Err(SheetError::Xml(NO_SHEET_DATA.into())),
            _ => {}
        }
    }
    // A row or cell without an address follows the one before it.
    let (mut row, mut col) = (0u32, 0u32);
    let mut text = String::new();
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(e) if e.local_name().as_ref() == "row" => {
                if let Some(r) = raw_attribute(&e, "r") {
                    row = row_address(r.as_bytes())?;
                }
            }
            Event::End(e) if e.local_name().as_ref() == "row" => {
                row = row.saturating_add(1);
                col = 0;
            }
            Event::Start(e) if e.local_name().as_ref() == "c" => {
                let (mut address, mut style, mut kind) = (None, None, None);
                for a in e.attributes().with_checks(false).flatten() {
                    match a.key.as_ref() {
                        "r" => address = Some(a.value),
                        "s" => style = Some(a.value),
                        "t" => kind = Some(a.value),
                        _ => {}
                    }
                }
                if let Some(address) = address {
                    (row, col) = cell_address(address.as_bytes())?;
                }
                let is_date = style.is_some_and(|s| {
                    let index = s.parse().ok();
                    // An index past the table reads as a plain number, as calamine has it.
                    context
                        .date_styles
                        .get(index.unwrap_or(0))
                        .copied()
                        .unwrap_or(false)
                });
                let kind = kind.as_deref().unwrap_or("n");
                let mut value = Cell::Empty;
                loop {
                    match reader.read_event().map_err(xml_error)? {
                        Event::Start(child) => match child.local_name().as_ref() {
                            "f" => {
                                let shared =
                                    raw_attribute(&child, "t").as_deref() == Some("shared");
                                text.clear();
                                read_text(&mut reader, &child, &mut text)
                                    .map_err(SheetError::Xml)?;
                                // A shared formula's other cells have `si` and no `ref`.
                                let holds_text = !shared || raw_attribute(&child, "ref").is_some();
                                if holds_text && !text.is_empty() {
                                    sheet.formulas.push((row, col, text.clone()));
                                }
                            }
                            // An inline string's value is in `<is>`.
                            "v" if kind != "inlineStr" && kind != "is" => {
                                text.clear();
                                read_text(&mut reader, &child, &mut text)
                                    .map_err(SheetError::Xml)?;
                                value = match value_of(kind, &text, is_date, context.strings) {
                                    Some(value) => value,
                                    None => {
                                        sheet.missing_strings += 1;
                                        Cell::Empty
                                    }
                                };
                            }
                            "is" => {
                                text.clear();
                                read_string(&mut reader, &child, &mut text)
                                    .map_err(SheetError::Xml)?;
                                value = Cell::Text(text.clone());
                            }
                            _ => {
                                reader.read_to_end(child.name()).map_err(xml_error)?;
                            }
                        },
                        Event::End(end) if end.local_name().as_ref() == "c" => break,
                        Event::Eof => return Err(SheetError::Xml(ENDS_EARLY.into())),
                        _ => {}
                    }
                }
                col = col.saturating_add(1);
                if value != Cell::Empty {
                    if sheet.values.len() == max_values {
                        sheet.full = true;
                        return Ok(sheet);
                    }
                    sheet.values.push((row, col - 1, value));
                }
            }
            Event::End(e) if e.local_name().as_ref() == "sheetData" => return Ok(sheet),
            Event::Eof => return Err(SheetError::Xml(ENDS_EARLY.into())),
            _ => {}
        }
    }
}

const NO_SHEET_DATA: &str = "没有单元格数据部分";
const ENDS_EARLY: &str = "内容不完整，在中途结束";

/// A `<v>`'s value for a cell of type `kind` (`t`); `None` for a shared string that is not
/// in the table.
fn value_of(kind: &str, v: &str, is_date: bool, strings: &SharedStrings) -> Option<Cell> {
    Some(match kind {
        "s" if v.is_empty() => Cell::Empty,
        "s" => Cell::Text(strings.get(v.trim().parse().ok()?)?.to_string()),
        "b" => match v.trim() {
            "" => Cell::Empty,
            "0" => Cell::Text("FALSE".into()),
            "1" => Cell::Text("TRUE".into()),
            t if t.eq_ignore_ascii_case("false") => Cell::Text("FALSE".into()),
            t if t.eq_ignore_ascii_case("true") => Cell::Text("TRUE".into()),
            t => Cell::Text(t.into()),
        },
        "n" if v.is_empty() => Cell::Empty,
        "n" => match v.parse::<f64>() {
            // What a date shows depends on the reader's locale: it is read as a date, which
            // is not a count.
            Ok(n) if is_date => Cell::Text(format!("日期{n}")),
            Ok(n) => Cell::Number(n),
            Err(_) => Cell::Text(v.into()),
        },
        // A formula's text result (`str`), an error (`e`: `#DIV/0!`), an ISO date (`d`),
        // or a type no writer uses: as written.
        "str" => Cell::Text(unescape_excel(v).into_owned()),
        _ => Cell::Text(v.into()),
    })
}

/// The 0-based row of a row's address (`r="12"`; letters before the digits are passed
/// over, as calamine does).
fn row_address(r: &[u8]) -> Result<u32, SheetError> {
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    row_number(&r[letters..]).map_err(|e| match e {
        SheetError::OutOfBounds(_) => SheetError::OutOfBounds(String::from_utf8_lossy(r).into()),
        _ => SheetError::NotAnAddress(String::from_utf8_lossy(r).into()),
    })
}

/// The 0-based row of the digits of an address.
fn row_number(r: &[u8]) -> Result<u32, SheetError> {
    let text = || String::from_utf8_lossy(r).into_owned();
    if r.is_empty() || !r.iter().all(u8::is_ascii_digit) {
        return Err(SheetError::NotAnAddress(text()));
    }
    if r.len() > 7 {
        return Err(SheetError::OutOfBounds(text()));
    }
    let row = r.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    match row {
        0 => Err(SheetError::NotAnAddress(text())),
        1..=MAX_ROW => Ok(row - 1),
        _ => Err(SheetError::OutOfBounds(text())),
    }
}

/// The 0-based row and column of a cell's address (`B3` is row 2, column 1).
fn cell_address(r: &[u8]) -> Result<(u32, u32), SheetError> {
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let text = || String::from_utf8_lossy(r).into_owned();
    if letters == 0 {
        return Err(SheetError::NotAnAddress(text()));
    }
    if letters > 3 {
        return Err(SheetError::OutOfBounds(text()));
    }
    let col = r[..letters].iter().fold(0u32, |c, b| {
        c * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
    });
    if col > MAX_COLUMN {
        return Err(SheetError::OutOfBounds(text()));
    }
    let row = row_number(&r[letters..]).map_err(|e| match e {
        SheetError::OutOfBounds(_) => SheetError::OutOfBounds(text()),
        _ => SheetError::NotAnAddress(text()),
    })?;
    Ok((row, col - 1))
}

/// A sheet's last row and column (1,048,576 and XFD).
const MAX_ROW: u32 = 1_048_576;
const MAX_COLUMN: u32 = 16_384;

/// The reader for a part: empty elements as a start and an end, so that `<v/>` and
/// `<row r="3"/>` read as the longer forms do.
fn reader_of(xml: &[u8]) -> Reader<&[u8]> {
    let mut reader = Reader::from_reader(xml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.check_comments = false;
    config.expand_empty_elements = true;
    config.trim_text(false);
    reader
}

/// The parser's words are in English and mean nothing to a clerk; where it stopped does.
fn xml_error(e: quick_xml::Error) -> String {
    let _ = e;
    "XML 格式错误".into()
}

/// The value of the attribute named exactly `name`, as written.
fn raw_attribute<'e>(e: &'e BytesStart, name: &str) -> Option<std::borrow::Cow<'e, str>> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| a.value)
}

/// The text inside `start` up to its end, its character references resolved and line ends
/// made `\n`, appended to `text`.
fn read_text(
    reader: &mut Reader<&[u8]>,
    start: &BytesStart,
    text: &mut String,
) -> Result<(), String> {
    let end = start.name().as_ref().to_string();
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => push_reference(&r, text),
            Event::End(e) if e.name().as_ref() == end => return Ok(()),
            Event::Eof => return Err(ENDS_EARLY.into()),
            _ => {}
        }
    }
}

/// `&amp;`, `&#20013;` and the like; a name XML does not define is kept as written.
fn push_reference(r: &BytesRef, text: &mut String) {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        text.push(c);
        return;
    }
    let name: &str = r.as_ref();
    match quick_xml::escape::resolve_predefined_entity(name) {
        Some(s) => text.push_str(s),
        None => {
            text.push('&');
            text.push_str(name);
            text.push(';');
        }
    }
}

/// A rich or plain string (`<si>` of the shared strings, `<is>` of a cell) up to the end of
/// `start`, appended to `text`: the text of its `<t>`s, not those of a phonetic guide
/// (`<rPh>`). A `<t>` loses its spaces at both ends unless it says `xml:space="preserve"`;
/// Excel's escapes (`_x000D_`) are resolved.
fn read_string(
    reader: &mut Reader<&[u8]>,
    start: &BytesStart,
    text: &mut String,
) -> Result<(), String> {
    let end = start.name().as_ref().to_string();
    let mut phonetic = false;
    let mut run = String::new();
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(e) if e.local_name().as_ref() == "rPh" => phonetic = true,
            Event::End(e) if e.local_name().as_ref() == "rPh" => phonetic = false,
            Event::Start(e) if e.local_name().as_ref() == "t" && !phonetic => {
                let preserve = raw_attribute(&e, "xml:space").as_deref() == Some("preserve");
                run.clear();
                read_text(reader, &e, &mut run)?;
                let run = if preserve {
                    &run[..]
                } else {
                    run.trim_matches([' ', '\t', '\r', '\n'])
                };
                text.push_str(&unescape_excel(run));
            }
            Event::End(e) if e.name().as_ref() == end => return Ok(()),
            Event::Eof => return Err(ENDS_EARLY.into()),
            _ => {}
        }
    }
}

/// Excel's own escape for characters XML cannot hold, `_xHHHH_` (UTF-16, a pair for
/// characters past U+FFFF; a lone half is U+FFFD).
pub(super) fn unescape_excel(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    // The UTF-16 unit of an escape that starts at `at`.
    let unit_at = |at: usize| -> Option<u16> {
        let escape = bytes.get(at..at + 7)?;
        let hex = &escape[2..6];
        (escape.starts_with(b"_x") && escape[6] == b'_' && hex.iter().all(u8::is_ascii_hexdigit))
            .then(|| {
                hex.iter().fold(0u16, |n, &d| {
                    n << 4 | (d as char).to_digit(16).unwrap_or(0) as u16
                })
            })
    };
    let mut out = String::new();
    let mut copied = 0;
    for at in memchr::memmem::find_iter(bytes, b"_x") {
        if at < copied {
            continue;
        }
        let Some(unit) = unit_at(at) else { continue };
        out.push_str(&text[copied..at]);
        copied = at + 7;
        let c = match unit {
            0xD800..=0xDBFF => match unit_at(copied) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    copied += 7;
                    char::from_u32(
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00),
                    )
                }
                _ => None,
            },
            unit => char::from_u32(u32::from(unit)),
        };
        out.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
    }
    if copied == 0 {
        return text.into();
    }
    out.push_str(&text[copied..]);
    out.into()
}
