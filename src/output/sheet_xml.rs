//! Worksheet rows as SpreadsheetML, written as rust_xlsxwriter 0.102 writes a sheet in
//! constant-memory mode (its `flush_data_row` and `write_*_cell`): the rows of a big sheet
//! can then be made apart from the workbook, in parallel, and read exactly as its own.

use std::fmt::Write;

/// Starts row `row` (0-based, as rust_xlsxwriter counts): `<row r="N">`, with no spans or
/// row options, as rust_xlsxwriter writes a row of a sheet that sets none.
pub fn start_row(out: &mut String, row: u32) {
    out.push_str(r#"<row r=""#);
    out.push_str(itoa::Buffer::new().format(u64::from(row) + 1));
    out.push_str(r#"">"#);
}

/// Starts row `row` with a height of `points`, as rust_xlsxwriter writes a row given one by
/// `set_row_height`: it keeps the height in whole pixels (4/3 of a point) and writes none
/// when that is its default of 20 pixels.
pub fn start_row_with_height(out: &mut String, row: u32, points: f64) {
    const DEFAULT_PIXELS: u32 = 20;
    let pixels = (points * 4.0 / 3.0).round() as u32;
    if pixels == DEFAULT_PIXELS {
        return start_row(out, row);
    }
    out.push_str(r#"<row r=""#);
    out.push_str(itoa::Buffer::new().format(u64::from(row) + 1));
    let _ = write!(
        out,
        r#"" ht="{}" customHeight="1">"#,
        f64::from(pixels) * 0.75
    );
}

pub fn end_row(out: &mut String) {
    out.push_str("</row>");
}

/// A number cell. A number that is not finite is written as rust_xlsxwriter writes it: as
/// the text NAN, INF or -INF (Excel has no such numbers).
pub fn number_cell(out: &mut String, row: u32, col: u32, n: f64) {
    styled_number_cell(out, row, col, n, NO_STYLE);
}

/// A cell's format, by its number in the workbook's styles (`s="…"`): rust_xlsxwriter
/// numbers the formats as a workbook first uses them, 0 being the default, which it does not
/// write.
pub type Style = u32;

pub const NO_STYLE: Style = 0;

/// A number cell in the format `style`.
pub fn styled_number_cell(out: &mut String, row: u32, col: u32, n: f64, style: Style) {
    if n.is_nan() {
        return styled_text_cell(out, row, col, "NAN", style);
    }
    if n.is_infinite() {
        return styled_text_cell(out, row, col, if n > 0.0 { "INF" } else { "-INF" }, style);
    }
    start_cell(out, row, col, style);
    // rust_xlsxwriter, built without its ryu or zmij features, formats with Display, which
    // writes a whole number below 2^53 as its digits (and -0 as such).
    out.push_str(r#""><v>"#);
    if n == n.trunc() && n.abs() < 1e15 && !(n == 0.0 && n.is_sign_negative()) {
        out.push_str(itoa::Buffer::new().format(n as i64));
    } else {
        let _ = write!(out, "{n}");
    }
    out.push_str("</v></c>");
}

/// A text cell, as an inline string; empty text writes no cell, as rust_xlsxwriter does.
/// Whitespace at either end is kept (`xml:space="preserve"`); `&<>` are escaped, and control
/// characters written as Excel's `_xHHHH_` escapes, a literal `_xHHHH_` in the text
/// escaped in turn (`_x005F_xHHHH_`).
pub fn text_cell(out: &mut String, row: u32, col: u32, text: &str) {
    styled_text_cell(out, row, col, text, NO_STYLE);
}

/// A text cell in the format `style`; empty text writes a blank cell in that format.
pub fn styled_text_cell(out: &mut String, row: u32, col: u32, text: &str, style: Style) {
    if text.is_empty() {
        return blank_cell(out, row, col, style);
    }
    start_cell(out, row, col, style);
    out.push_str(r#"" t="inlineStr"><is><t"#);
    let whitespace = ['\t', '\n', ' '];
    if text.starts_with(whitespace) || text.ends_with(whitespace) {
        out.push_str(r#" xml:space="preserve""#);
    }
    out.push('>');
    push_escaped(out, &escape_literal_escapes(text));
    out.push_str("</t></is></c>");
}

/// A cell with a format and no value (the cells a merged range covers); none without one.
pub fn blank_cell(out: &mut String, row: u32, col: u32, style: Style) {
    if style != NO_STYLE {
        start_cell(out, row, col, style);
        out.push_str(r#""/>"#);
    }
}

/// `<c r="A1"` and ` s="N"` for a format, the attribute's value left open.
fn start_cell(out: &mut String, row: u32, col: u32, style: Style) {
    out.push_str(r#"<c r=""#);
    push_ref(out, row, col);
    if style != NO_STYLE {
        out.push_str(r#"" s=""#);
        out.push_str(itoa::Buffer::new().format(style));
    }
}

/// A cell's reference, `A1` style (as [`crate::grid::column_name`], without allocating:
/// a province's sheet has twenty million cells).
fn push_ref(out: &mut String, row: u32, col: u32) {
    // Seven letters reach past any u32 column (26^7 > 2^32).
    let mut letters = [0u8; 7];
    let mut at = letters.len();
    let mut n = col as u64 + 1;
    while n > 0 {
        at -= 1;
        letters[at] = b'A' + ((n - 1) % 26) as u8;
        n = (n - 1) / 26;
    }
    // ASCII letters, each a char: no UTF-8 check of the seven (a province's sheet has twenty
    // million references).
    out.extend(letters[at..].iter().map(|&b| char::from(b)));
    out.push_str(itoa::Buffer::new().format(u64::from(row) + 1));
}

/// rust_xlsxwriter's `escape_xml_escapes`: a `_xHHHH_` already in the text gets its
/// underscore escaped (`_x005F`), so that a reader does not take it for a control character.
fn escape_literal_escapes(text: &str) -> std::borrow::Cow<'_, str> {
    const LEN: usize = "_xHHHH_".len();
    if !text.contains("_x") {
        return text.into();
    }
    let mut escaped = text.to_string();
    // From the right, so that an insertion does not move the matches still to come.
    for (at, _) in text.rmatch_indices("_x") {
        // Bytes, not a str slice: the four after `_x` may end inside a character (`_xls中`).
        let candidate = &text.as_bytes()[at..];
        let is_escape = candidate.len() >= LEN
            && candidate[LEN - 1] == b'_'
            && candidate[2..LEN - 1].iter().all(u8::is_ascii_hexdigit);
        if is_escape {
            escaped.insert_str(at, "_x005F");
        }
    }
    escaped.into()
}

/// rust_xlsxwriter's `escape_xml_data`: `&<>` as entities, the control characters but tab
/// and newline, and U+FFFE and U+FFFF, as `_xHHHH_`.
fn push_escaped(out: &mut String, text: &str) {
    // Most texts have nothing to escape: copied at once. (U+FFFE and U+FFFF are EF BF BE and
    // EF BF BF in UTF-8.)
    let bytes = text.as_bytes();
    let plain = !bytes
        .iter()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | 0x00..=0x1F))
        && !memchr::memmem::find_iter(bytes, b"\xEF\xBF")
            .any(|at| matches!(bytes.get(at + 2), Some(0xBE | 0xBF)));
    if plain {
        out.push_str(text);
        return;
    }
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' => out.push(ch),
            '\x00'..='\x1F' | '\u{FFFE}' | '\u{FFFF}' => {
                let _ = write!(out, "_x{:04X}_", u32::from(ch));
            }
            _ => out.push(ch),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(text: &str) -> String {
        let mut out = String::new();
        text_cell(&mut out, 2, 27, text);
        out
    }

    #[test]
    fn text_is_escaped_as_rust_xlsxwriter_escapes_it() {
        assert_eq!(
            cell("a&b<c>\"d\""),
            r#"<c r="AB3" t="inlineStr"><is><t>a&amp;b&lt;c&gt;"d"</t></is></c>"#
        );
        assert_eq!(
            cell(" 前\x01后\t"),
            r#"<c r="AB3" t="inlineStr"><is><t xml:space="preserve"> 前_x0001_后	</t></is></c>"#
        );
        assert_eq!(
            cell("_x0041_ and _x00G1_ and _x12"),
            r#"<c r="AB3" t="inlineStr"><is><t>_x005F_x0041_ and _x00G1_ and _x12</t></is></c>"#
        );
        // `_x` followed by a character of several bytes: no escape, and no panic.
        assert_eq!(
            cell("统计_xls中心.xlsx 表_x12月 _x1"),
            r#"<c r="AB3" t="inlineStr"><is><t>统计_xls中心.xlsx 表_x12月 _x1</t></is></c>"#
        );
        assert_eq!(cell(""), "");
        assert_eq!(
            cell("（一）\u{FFFE}\u{FFFF}\u{FFFD}"),
            "<c r=\"AB3\" t=\"inlineStr\"><is><t>（一）_xFFFE__xFFFF_\u{FFFD}</t></is></c>"
        );
    }

    #[test]
    fn numbers_are_written_as_rust_xlsxwriter_writes_them() {
        let mut out = String::new();
        start_row(&mut out, 0);
        number_cell(&mut out, 0, 0, 2024.0);
        number_cell(&mut out, 0, 1, 0.1 + 0.2);
        number_cell(&mut out, 0, 2, -1.5e-7);
        number_cell(&mut out, 0, 3, f64::NAN);
        end_row(&mut out);
        assert_eq!(
            out,
            concat!(
                r#"<row r="1"><c r="A1"><v>2024</v></c><c r="B1"><v>0.30000000000000004</v></c>"#,
                r#"<c r="C1"><v>-0.00000015</v></c>"#,
                r#"<c r="D1" t="inlineStr"><is><t>NAN</t></is></c></row>"#
            )
        );
        // Whole numbers written without core::fmt, as Display writes them.
        let whole = [
            0.0,
            -0.0,
            7.0,
            -3.0,
            65_535.0,
            4_294_967_296.0,
            999_999_999_999_999.0,
            1e15,
            -1e15,
            1e20,
            0.5,
        ];
        for n in whole {
            let mut out = String::new();
            number_cell(&mut out, 4_294_967_294, 16_383, n);
            assert_eq!(
                out,
                format!(r#"<c r="XFD4294967295"><v>{n}</v></c>"#),
                "{n}"
            );
        }
    }
}
