//! A worksheet's cells from its XML, with the shared strings and the styles that say which
//! numbers are dates: read here, straight from the unpacked parts ([`super::scan`]), not
//! through calamine.
//!
//! calamine read every sheet through a buffered zip stream and a copying XML reader, and
//! built a whole style table (fonts, fills, borders) for the one thing used here, whether a
//! cell's number shows a date: with the package repacked for it, 38% of a run's CPU time on
//! a county half of xlsx. The values are read as calamine reads them (its `cells_reader.rs`
//! and `read_string`, version 0.38), and a test reads workbooks both ways and compares every
//! cell. Where they part, on XML no writer makes: where calamine gave up on the whole sheet
//! for one odd cell (a type it does not know, a shared string that is not there), the cell
//! is read as its text or left blank, and a note says so; a cell without an address follows
//! the cell before it, whose address also gives the row.

use std::borrow::Cow;

use super::scan::{self, BadXml, Kind, Scan, Tag};
use crate::grid::{Cell, EXCEL_COLUMNS, EXCEL_ROWS};
use crate::read::limits::MAX_TEXT_BYTES;
use crate::text::PackedStrings;

/// The shared-string table.
#[derive(Default)]
pub(super) struct SharedStrings(PackedStrings);

impl SharedStrings {
    /// The table in `xml` (`sharedStrings.xml`). Each `<si>` is one string: its text, or
    /// its runs' text together, without the phonetic guide (`<rPh>`).
    pub(super) fn parse(xml: &[u8]) -> Result<SharedStrings, BadXml> {
        let mut strings = PackedStrings::default();
        let mut scan = Scan::new(xml);
        while let Some(tag) = scan.next_tag()? {
            if tag.starts(b"si") {
                if tag.kind == Kind::Start {
                    strings.push_with(|text| read_string(&mut scan, b"si", text))?;
                } else {
                    strings.push("");
                }
            }
        }
        Ok(SharedStrings(strings))
    }

    fn get(&self, i: usize) -> Option<&str> {
        self.0.get(i)
    }
}

/// For each cell format (`<cellXfs>` of `styles.xml`, in order), whether it shows a number
/// as a date or a time.
pub(super) fn date_styles(xml: &[u8]) -> Result<Vec<bool>, BadXml> {
    let mut custom: foldhash::HashMap<&[u8], bool> = Default::default();
    let mut styles = Vec::new();
    let mut in_cell_formats = false;
    let mut scan = Scan::new(xml);
    while let Some(tag) = scan.next_tag()? {
        if tag.name == b"cellXfs" {
            in_cell_formats = tag.kind == Kind::Start;
        } else if tag.starts(b"numFmt") {
            if let (Some(id), Some(code)) =
                (tag.attribute(b"numFmtId"), tag.attribute(b"formatCode"))
            {
                let mut decoded = String::new();
                scan::push_text(code, &mut decoded);
                custom.insert(id, shows_a_date(&decoded));
            }
        } else if tag.starts(b"xf") && in_cell_formats {
            let id = tag.attribute(b"numFmtId");
            styles.push(id.is_some_and(|id| {
                custom
                    .get(id)
                    .copied()
                    .unwrap_or_else(|| is_builtin_date(id))
            }));
        }
    }
    Ok(styles)
}

/// The built-in formats that show dates and times: 14–22 and 45–47, and the East Asian
/// ones, 27–36 and 50–58 (年月日 in a Chinese Excel).
fn is_builtin_date(id: &[u8]) -> bool {
    std::str::from_utf8(id)
        .ok()
        .and_then(|id| id.parse::<u32>().ok())
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
    /// Cells whose value is not what their type says, read as their text.
    pub odd_values: usize,
    /// The rows and columns the sheet hides, 0-based and sorted: `hidden` on `<row>` and
    /// `<col>`, or a column dragged shut, or a row of no height.
    pub hidden_rows: Vec<u32>,
    pub hidden_cols: Vec<u32>,
    /// The hidden columns as bits, one a column, while the sheet is read: a `<col>` may
    /// hide all 16,384, and a hostile sheet repeats it.
    col_bits: Vec<u64>,
}

impl SheetCells {
    fn hide_cols(&mut self, cols: std::ops::Range<u32>) {
        if self.col_bits.is_empty() {
            self.col_bits = vec![0; EXCEL_COLUMNS as usize / 64];
        }
        // A word at a time: the bits of `cols` in word `w`.
        let (start, end) = (cols.start as usize, cols.end as usize);
        if start >= end {
            return;
        }
        for w in start / 64..end.div_ceil(64) {
            let low = start.max(w * 64) - w * 64;
            let high = end.min(w * 64 + 64) - w * 64;
            self.col_bits[w] |= (u64::MAX >> (64 - (high - low))) << low;
        }
    }

    fn finished(mut self) -> SheetCells {
        self.hidden_rows.sort_unstable();
        self.hidden_rows.dedup();
        for (w, &bits) in self.col_bits.iter().enumerate() {
            let mut bits = bits;
            while bits != 0 {
                self.hidden_cols.push(w as u32 * 64 + bits.trailing_zeros());
                bits &= bits - 1;
            }
        }
        self
    }
}

/// Columns as narrow as this (in characters), and rows as low (in points), are hidden to
/// the eye: WPS and Excel users hide a column by dragging it shut as often as by the menu.
const HIDDEN_SIZE: f64 = 0.5;

/// Whether a `<row>` or a `<col>` hides its line: `hidden`, or a custom size (`size_flag`
/// of `size`) too small to see.
fn hides(tag: &Tag, size_flag: &[u8], size: &[u8]) -> bool {
    let is_true = |v: &[u8]| matches!(v, b"1" | b"true");
    let (mut hidden, mut custom, mut small) = (false, false, false);
    for (name, value) in tag.attributes() {
        if name == b"hidden" {
            hidden = is_true(value);
        } else if name == size_flag {
            custom = is_true(value);
        } else if name == size {
            small = number::<f64>(value).is_some_and(|s| s <= HIDDEN_SIZE);
        }
    }
    hidden || (custom && small)
}

fn number<T: std::str::FromStr>(bytes: &[u8]) -> Option<T> {
    std::str::from_utf8(bytes).ok()?.trim().parse().ok()
}

/// Why a sheet cannot be read: a cell's address (`r`) that is past the sheet's end or is
/// not an address, or XML that ends early or has no `<sheetData>`.
pub(super) enum SheetError {
    OutOfBounds(String),
    NotAnAddress(String),
    Xml(&'static str),
}

impl From<BadXml> for SheetError {
    fn from(bad: BadXml) -> SheetError {
        SheetError::Xml(match bad {
            BadXml::EndsEarly => ENDS_EARLY,
            BadXml::UnknownDeclaration => UNKNOWN_DECLARATION,
        })
    }
}

/// The sheet's cells, in the order of its XML: at most `max_values` cells with a value and
/// formulas together.
pub(super) fn read_sheet(
    xml: &[u8],
    context: &Context,
    max_values: usize,
) -> Result<SheetCells, SheetError> {
    let mut sheet = SheetCells::default();
    let mut scan = Scan::new(xml);
    loop {
        match scan.next_tag()? {
            Some(tag) if tag.starts(b"sheetData") && tag.kind == Kind::Empty => {
                return Ok(sheet.finished())
            }
            Some(tag) if tag.starts(b"sheetData") => break,
            Some(tag) if tag.starts(b"col") && hides(&tag, b"customWidth", b"width") => {
                let min = tag.attribute(b"min").and_then(number::<u32>);
                let max = tag.attribute(b"max").and_then(number::<u32>);
                // A range past the sheet's 16,384 columns is cut there.
                if let (Some(min @ 1..), Some(max)) = (min, max) {
                    sheet.hide_cols(min - 1..max.min(EXCEL_COLUMNS));
                }
            }
            Some(_) => {}
            None => return Err(SheetError::Xml(NO_SHEET_DATA)),
        }
    }
    // A row or cell without an address follows the one before it.
    let (mut row, mut col) = (0u32, 0u32);
    let mut text = String::new();
    loop {
        let tag = scan.next_tag()?.ok_or(BadXml::EndsEarly)?;
        if tag.starts(b"row") {
            if let Some(r) = tag.attribute(b"r") {
                row = row_address(r)?;
            }
            if hides(&tag, b"customHeight", b"ht") {
                sheet.hidden_rows.push(row);
            }
        }
        if tag.ends(b"row") {
            row = row.saturating_add(1);
            col = 0;
        }
        if tag.ends(b"sheetData") {
            return Ok(sheet.finished());
        }
        if !tag.starts(b"c") {
            continue;
        }
        let (mut address, mut style, mut kind) = (None, None, &b"n"[..]);
        for (name, value) in tag.attributes() {
            match name {
                b"r" => address = Some(value),
                b"s" => style = Some(value),
                b"t" => kind = value,
                _ => {}
            }
        }
        if let Some(address) = address {
            (row, col) = cell_address(address)?;
        }
        let is_date = style.is_some_and(|s| {
            let index = std::str::from_utf8(s).ok().and_then(|s| s.parse().ok());
            // An index past the table reads as a plain number, as calamine has it.
            context
                .date_styles
                .get(index.unwrap_or(0))
                .copied()
                .unwrap_or(false)
        });
        let mut value = Cell::Empty;
        let formulas_before = sheet.formulas.len();
        if tag.kind == Kind::Start {
            let cell = CellBeingRead {
                row,
                col,
                kind,
                is_date,
            };
            value = read_cell(&mut scan, &cell, context, &mut sheet, &mut text)?;
        }
        col = col.saturating_add(1);
        // Formulas count too: a sheet of a million formulas without values is as large.
        let used = sheet.values.len() + sheet.formulas.len() + usize::from(value != Cell::Empty);
        if used > max_values {
            // This cell does not fit: its formula is left out with it.
            sheet.formulas.truncate(formulas_before);
            sheet.full = true;
            return Ok(sheet.finished());
        }
        if value != Cell::Empty {
            sheet.values.push((row, col - 1, value));
        }
    }
}

/// A cell being read: where it is, its type (`t`), whether its style shows a date.
struct CellBeingRead<'x> {
    row: u32,
    col: u32,
    kind: &'x [u8],
    is_date: bool,
}

/// The value of the cell whose start tag was just read, up to its end: from its `<v>` or
/// its `<is>`. Its formula goes to `sheet`. (`text` is room to read into.)
fn read_cell(
    scan: &mut Scan,
    cell: &CellBeingRead,
    context: &Context,
    sheet: &mut SheetCells,
    text: &mut String,
) -> Result<Cell, BadXml> {
    let mut value = Cell::Empty;
    loop {
        let child = scan.next_tag()?.ok_or(BadXml::EndsEarly)?;
        if child.kind == Kind::End {
            if child.name == b"c" {
                return Ok(value);
            }
            continue;
        }
        let empty = child.kind == Kind::Empty;
        text.clear();
        match child.name {
            b"f" => {
                if !empty {
                    scan.text_until_end(b"f", text)?;
                }
                // A shared formula's other cells have `si` and no `ref`.
                let shared = child.attribute(b"t") == Some(b"shared");
                if (!shared || child.attribute(b"ref").is_some()) && !text.is_empty() {
                    sheet.formulas.push((cell.row, cell.col, text.clone()));
                }
            }
            // An inline string's value is in `<is>`.
            b"v" if cell.kind != b"inlineStr" && cell.kind != b"is" => {
                if !empty {
                    scan.text_until_end(b"v", text)?;
                }
                value = match value_of(cell.kind, text, cell.is_date, context.strings) {
                    Value::Read(value) => value,
                    Value::Odd(value) => {
                        sheet.odd_values += 1;
                        value
                    }
                    Value::MissingString => {
                        sheet.missing_strings += 1;
                        Cell::Empty
                    }
                };
            }
            b"is" => {
                if !empty {
                    read_string(scan, b"is", text)?;
                }
                value = Cell::Text(text.as_str().into());
            }
            _ => scan.skip_element(&child)?,
        }
    }
}

const NO_SHEET_DATA: &str = "没有单元格数据部分";
const ENDS_EARLY: &str = "内容不完整，在中途结束";
const UNKNOWN_DECLARATION: &str = "含有无法识别的 XML 标记“<!”";

/// A `<v>` read for its cell's type.
pub(super) enum Value {
    /// As its type says.
    Read(Cell),
    /// Not what its type says (a boolean `2`, a number `12件`, a type no writer uses): its
    /// text, as written.
    Odd(Cell),
    /// A shared string that is not in the table.
    MissingString,
}

/// A `<v>`'s value for a cell of type `kind` (`t`).
pub(super) fn value_of(kind: &[u8], v: &str, is_date: bool, strings: &SharedStrings) -> Value {
    if v.is_empty() && kind != b"str" {
        return Value::Read(Cell::Empty);
    }
    let as_written = || Value::Odd(Cell::Text(v.into()));
    match kind {
        b"s" => match v.trim().parse().ok().and_then(|i| strings.get(i)) {
            Some(text) => Value::Read(Cell::Text(clipped(text).into())),
            None => Value::MissingString,
        },
        b"b" => match v.trim() {
            t if t == "0" || t.eq_ignore_ascii_case("false") => {
                Value::Read(Cell::Text("FALSE".into()))
            }
            t if t == "1" || t.eq_ignore_ascii_case("true") => {
                Value::Read(Cell::Text("TRUE".into()))
            }
            _ => as_written(),
        },
        b"n" => match v.parse::<f64>() {
            // What a date shows depends on the reader's locale: it is read as a date, which
            // is not a count.
            Ok(n) if is_date => Value::Read(Cell::Text(format!("日期{n}").into())),
            Ok(n) => Value::Read(Cell::Number(n)),
            Err(_) => as_written(),
        },
        // A formula's text result, with Excel's escapes.
        b"str" => Value::Read(Cell::Text(unescape_excel(v).as_ref().into())),
        // An error (`#DIV/0!`), an ISO date: as written.
        b"e" | b"d" => Value::Read(Cell::Text(v.into())),
        _ => as_written(),
    }
}

/// A shared string as a cell takes it: one used by a million cells is copied a million
/// times, so a text past the cells' limit is cut here, a character past it (the grid cuts
/// it to the limit, and says so).
fn clipped(text: &str) -> &str {
    if text.len() <= MAX_TEXT_BYTES {
        return text;
    }
    let end = (MAX_TEXT_BYTES + 1..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    &text[..end]
}

/// The 0-based row of a row's address (`r="12"`; letters before the digits are passed
/// over, as calamine does).
fn row_address(r: &[u8]) -> Result<u32, SheetError> {
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    row_of(&r[letters..], r)
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
    if col > EXCEL_COLUMNS {
        return Err(SheetError::OutOfBounds(text()));
    }
    Ok((row_of(&r[letters..], r)?, col - 1))
}

/// The 0-based row of the digits of `address`.
fn row_of(digits: &[u8], address: &[u8]) -> Result<u32, SheetError> {
    let text = || String::from_utf8_lossy(address).into_owned();
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(SheetError::NotAnAddress(text()));
    }
    // Eight digits or more are past the last row, and could overflow.
    if digits.len() > 7 {
        return Err(SheetError::OutOfBounds(text()));
    }
    match digits
        .iter()
        .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
    {
        0 => Err(SheetError::NotAnAddress(text())),
        row @ 1..=EXCEL_ROWS => Ok(row - 1),
        _ => Err(SheetError::OutOfBounds(text())),
    }
}

/// A rich or plain string (`<si>` of the shared strings, `<is>` of a cell) up to the end tag
/// named `end`, appended to `text`: the text of its `<t>`s, not those of a phonetic guide
/// (`<rPh>`). A `<t>` loses its spaces at both ends unless it says `xml:space="preserve"`;
/// Excel's escapes (`_x000D_`) are resolved.
fn read_string(scan: &mut Scan, end: &[u8], text: &mut String) -> Result<(), BadXml> {
    let mut phonetic = false;
    loop {
        let tag = scan.next_tag()?.ok_or(BadXml::EndsEarly)?;
        if tag.name == b"rPh" {
            phonetic = tag.kind == Kind::Start;
        } else if tag.kind == Kind::Start && tag.name == b"t" && !phonetic {
            // The run is read onto the end of `text`, and trimmed and unescaped there.
            let start = text.len();
            scan.text_until_end(b"t", text)?;
            if tag.attribute(b"xml:space") != Some(b"preserve") {
                const SPACES: [char; 4] = [' ', '\t', '\r', '\n'];
                let kept = text[start..].trim_end_matches(SPACES).len();
                text.truncate(start + kept);
                let leading = kept - text[start..].trim_start_matches(SPACES).len();
                text.replace_range(start..start + leading, "");
            }
            if let Cow::Owned(unescaped) = unescape_excel(&text[start..]) {
                text.truncate(start);
                text.push_str(&unescaped);
            }
        } else if tag.kind == Kind::End && tag.name == end {
            return Ok(());
        }
    }
}

/// Excel's own escape for characters XML cannot hold, `_xHHHH_` (UTF-16, a pair for
/// characters past U+FFFF; a lone half is U+FFFD).
pub(super) fn unescape_excel(text: &str) -> Cow<'_, str> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(result: Result<impl Sized, SheetError>) -> &'static str {
        match result {
            Ok(_) => "ok",
            Err(SheetError::OutOfBounds(_)) => "out",
            Err(SheetError::NotAnAddress(_)) => "bad",
            Err(SheetError::Xml(_)) => "xml",
        }
    }

    #[test]
    fn addresses() {
        assert!(matches!(cell_address(b"B3"), Ok((2, 1))));
        assert!(matches!(
            cell_address(b"xfd1048576"),
            Ok((1_048_575, 16_383))
        ));
        for (address, expected) in [
            (&b"XFE1"[..], "out"),
            (b"ABCD1", "out"),
            (b"ABCD", "out"),
            (b"A1048577", "out"),
            (b"A12345678", "out"),
            (b"A0", "bad"),
            (b"12", "bad"),
            (b"A", "bad"),
            (b"A1x", "bad"),
        ] {
            assert_eq!(kind(cell_address(address)), expected, "{address:?}");
        }
        assert!(matches!(row_address(b"12"), Ok(11)));
        // A row's letters are passed over, however many.
        assert!(matches!(row_address(b"ABCD5"), Ok(4)));
        assert_eq!(kind(row_address(b"0")), "bad");
        assert_eq!(kind(row_address(b"99999999")), "out");
    }
}
