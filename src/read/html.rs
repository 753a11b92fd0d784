//! Web pages (`.html`, `.htm`, and HTML saved as `.xls` by a CMS or by "另存为网页"): each
//! `<table>` becomes a [`Sheet`], laid out by `rowspan`/`colspan` as a browser lays it out,
//! the text outside tables the narrative.
//!
//! The parser is our own, about as lenient as a browser on what CMS editors write: unclosed
//! `<td>`/`<tr>`/`<p>`, upper-case tags, unquoted attributes, `<br>` in cells, `&nbsp;`,
//! stray `<` in text. It builds no DOM: tables need only the open tables, their current row
//! and cell. A merged cell's text is at its top-left position, the rest empty (as calamine
//! reads a workbook's merges); a blank `<td>` stays a blank cell, so a row's numbers never
//! shift left.

use crate::grid::{Cell, Location, Paragraph, Places, Sheet, Workbook, MAX_COLS, MAX_ROWS};

use super::docx::kept;
use super::encoding::decode_text;
use super::limits::MAX_CELLS;

/// Tables nested deeper than this are read as text of the cell that holds them.
const MAX_DEPTH: usize = 8;
/// Columns one `colspan` may cover.
const MAX_COLSPAN: u32 = 64;

/// Whether bytes look like a web page rather than CSV or plain text.
pub(super) fn looks_like_html(bytes: &[u8]) -> bool {
    // The tags are ASCII: the head's bytes lowercased are searched as they are, with no
    // text made of them (a workbook's 4 KB of zip bytes are no text).
    let head = bytes[..bytes.len().min(4096)].to_ascii_lowercase();
    [
        "<html",
        "<!doctype html",
        "<table",
        "<body",
        "<head>",
        "<meta ",
    ]
    .iter()
    .any(|tag| memchr::memmem::find(&head, tag.as_bytes()).is_some())
}

/// Reads a web page from its bytes.
pub(super) fn read(bytes: &[u8]) -> Result<Workbook, String> {
    let (text, note) = decode(bytes);
    let parsed = parse(&text);
    let mut book = Workbook {
        sheets: parsed.sheets,
        narrative: parsed.paragraphs,
        notes: note.into_iter().collect(),
        ..Workbook::default()
    };
    if book.sheets.is_empty() {
        book.notes.push("网页中没有表格".into());
    }
    book.sheets
        .extend(super::docx::heading_sheet(&book.narrative));
    Ok(book)
}

/// The charset the page declares (`<meta charset>` or `http-equiv` content), if any.
fn declared_charset(bytes: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = head[from..].find("charset") {
        let rest = head[from + i + "charset".len()..].trim_start();
        from += i + "charset".len();
        let Some(rest) = rest.strip_prefix('=') else {
            continue;
        };
        let label: String = rest
            .trim_start()
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
            .collect();
        if let Some(encoding) = encoding_rs::Encoding::for_label(label.as_bytes()) {
            return Some(encoding);
        }
    }
    None
}

/// The page's text: in its declared charset when the bytes fit it, else guessed as
/// [`decode_text`] guesses (UTF-8, GBK). A note says which when it is not UTF-8.
fn decode(bytes: &[u8]) -> (String, Option<String>) {
    if let Some(encoding) = declared_charset(bytes) {
        // GBK and GB2312 pages are read as GB18030, their superset.
        let encoding = if encoding == encoding_rs::GBK {
            encoding_rs::GB18030
        } else {
            encoding
        };
        let (text, _, errors) = encoding.decode(bytes);
        if !errors {
            let note = (encoding != encoding_rs::UTF_8)
                .then(|| format!("网页按其声明的编码 {} 读取", encoding.name()));
            return (text.into_owned(), note);
        }
    }
    let decoded = decode_text(bytes);
    let note = match (decoded.encoding, decoded.lossy) {
        (_, true) => Some(format!(
            "网页编码无法确定，按 {} 读取，部分字符无法识别",
            decoded.encoding
        )),
        ("UTF-8", false) => None,
        (name, false) => Some(format!("网页未声明编码，按 {name} 读取")),
    };
    (decoded.text.into_owned(), note)
}

/// Decodes one `&…;` reference at the start of `s`: the text and the bytes it took.
fn entity(s: &str) -> Option<(String, usize)> {
    let end = s.as_bytes().iter().take(12).position(|&b| b == b';')?;
    let name = &s[1..end];
    let text = if let Some(digits) = name.strip_prefix('#') {
        super::numeric_reference(digits)?.to_string()
    } else {
        let c = match name {
            "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "mdash" => '—',
            "ndash" => '–',
            "hellip" => '…',
            "ldquo" => '“',
            "rdquo" => '”',
            "lsquo" => '‘',
            "rsquo" => '’',
            "middot" => '·',
            "times" => '×',
            "yen" => '¥',
            "copy" => '©',
            _ => return None,
        };
        c.to_string()
    };
    Some((text, end + 1))
}

/// Text with its references decoded and runs of white space made one space.
fn push_text(out: &mut String, raw: &str) {
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        if c == '&' {
            if let Some((text, len)) = entity(rest) {
                out.push_str(&text);
                rest = &rest[len..];
                continue;
            }
        }
        if c.is_whitespace() && c != '\u{3000}' {
            if !out.ends_with([' ', '\n']) && !out.is_empty() {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
}

/// Where `needle` (ASCII) first occurs in `hay`, ignoring ASCII case.
fn find_ignoring_case(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// A tag as read: lower-case name, whether it closes, its attributes' text.
struct Tag<'a> {
    name: String,
    end: bool,
    attrs: &'a str,
}

impl Tag<'_> {
    /// A whole-number attribute (`rowspan="2"`, `colspan=3`).
    fn number(&self, attr: &str) -> Option<u32> {
        let lower = self.attrs.to_ascii_lowercase();
        let mut from = 0;
        while let Some(i) = lower[from..].find(attr) {
            let at = from + i;
            from = at + attr.len();
            let before_ok = at == 0 || !lower.as_bytes()[at - 1].is_ascii_alphanumeric();
            let rest = lower[from..].trim_start();
            if let (true, Some(value)) = (before_ok, rest.strip_prefix('=')) {
                let digits: String = value
                    .trim_start()
                    .trim_start_matches(['"', '\''])
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .take(9)
                    .collect();
                return digits.parse().ok();
            }
        }
        None
    }
}

/// The tag at the start of `s` (which starts with `<`) and its length, or `None` when the
/// `<` is text.
fn tag_at(s: &str) -> Option<(Tag<'_>, usize)> {
    let body = &s[1..];
    let (end, body) = match body.strip_prefix('/') {
        Some(b) => (true, b),
        None => (false, body),
    };
    if !body.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let name_len = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == ':' || c == '-'))
        .unwrap_or(body.len());
    // The tag ends at the first `>` outside quotes.
    let mut quote = None;
    let mut close = None;
    for (i, c) in body[name_len..].char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => {
                close = Some(name_len + i);
                break;
            }
            _ => {}
        }
    }
    let close = close?;
    let taken = 1 + usize::from(end) + close + 1;
    Some((
        Tag {
            name: body[..name_len].to_ascii_lowercase(),
            end,
            attrs: &body[name_len..close],
        },
        taken,
    ))
}

/// One `<table>` being laid out.
#[derive(Default)]
struct TableB {
    number: u32,
    cells: Vec<(u32, u32, Cell)>,
    /// Rows started; the current row is `rows - 1`.
    rows: u32,
    next_col: u32,
    /// Cells of earlier rows that reach down: (first column, width, first row past them).
    spans: Vec<(u32, u32, u32)>,
    /// The open cell: row, column, text.
    cell: Option<(u32, u32, String)>,
    /// Cells this table may still keep: what the page's other tables left of [`MAX_CELLS`].
    room: usize,
    /// The text of cells long enough to be prose: a page laid out in a table keeps its
    /// narrative in cells.
    prose: Vec<Paragraph>,
}

/// A cell with this many characters is prose, not a label (the longest label has about 40).
const PROSE_CHARS: usize = 80;

impl TableB {
    fn close_cell(&mut self) {
        if let Some((r, c, text)) = self.cell.take() {
            let text = text.trim();
            if !text.is_empty() && r < MAX_ROWS && c < MAX_COLS && self.cells.len() < self.room {
                self.cells.push((r, c, Cell::Text(kept(text).into())));
            }
            if text.chars().count() >= PROSE_CHARS {
                let at = Location::Table {
                    table: self.number,
                    row: r.saturating_add(1),
                    col: c.saturating_add(1),
                };
                self.prose
                    .extend(
                        text.lines()
                            .map(str::trim)
                            .filter(|l| !l.is_empty())
                            .map(|line| Paragraph {
                                text: line.to_string(),
                                at: at.clone(),
                            }),
                    );
            }
        }
    }

    fn start_row(&mut self) {
        self.close_cell();
        self.rows = self.rows.saturating_add(1);
        self.next_col = 0;
        let row = self.rows - 1;
        self.spans.retain(|s| s.2 > row);
    }

    fn start_cell(&mut self, tag: &Tag) {
        self.close_cell();
        if self.rows == 0 {
            self.start_row();
        }
        let row = self.rows - 1;
        let mut col = self.next_col;
        while let Some(s) = self.spans.iter().find(|s| col >= s.0 && col < s.0 + s.1) {
            col = s.0 + s.1;
        }
        let colspan = tag.number("colspan").unwrap_or(1).clamp(1, MAX_COLSPAN);
        let rowspan = tag.number("rowspan").unwrap_or(1).clamp(1, MAX_ROWS);
        if rowspan > 1 && col < MAX_COLS {
            self.spans.push((col, colspan, row.saturating_add(rowspan)));
        }
        self.next_col = col.saturating_add(colspan);
        self.cell = Some((row, col, String::new()));
    }

    fn take_sheet(&mut self) -> Sheet {
        self.close_cell();
        let name = format!("第{}个表格", self.number);
        let (mut sheet, _) = Sheet::from_cells(&name, false, std::mem::take(&mut self.cells));
        sheet.places = Places::Table(self.number);
        sheet
    }
}

struct Parsed {
    sheets: Vec<Sheet>,
    paragraphs: Vec<Paragraph>,
}

/// Tags after which text starts a new line (a new paragraph outside tables).
fn breaks_line(name: &str) -> bool {
    matches!(
        name,
        "br" | "p"
            | "div"
            | "li"
            | "ul"
            | "ol"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "tr"
            | "table"
            | "section"
            | "article"
            | "title"
            | "blockquote"
            | "pre"
            | "hr"
            | "dt"
            | "dd"
    )
}

fn parse(html: &str) -> Parsed {
    let mut sheets = Vec::new();
    let mut tables: Vec<TableB> = Vec::new();
    let mut paragraphs: Vec<Paragraph> = Vec::new();
    let mut paragraph = String::new();
    let mut table_count = 0u32;
    let mut room = MAX_CELLS;
    let mut too_deep = 0usize;
    let mut i = 0;
    // Paragraphs outside tables, counted for their place (第n段).
    let mut body = 0u32;
    let mut finish_paragraph = |paragraph: &mut String, paragraphs: &mut Vec<Paragraph>| {
        let text = paragraph.trim().to_string();
        paragraph.clear();
        if !text.is_empty() {
            body += 1;
            let n = body;
            paragraphs.push(Paragraph {
                text,
                at: Location::Paragraph { n },
            });
        }
    };
    while i < html.len() {
        let rest = &html[i..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            i += 4 + comment.find("-->").map_or(comment.len(), |e| e + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            i += rest.find('>').map_or(rest.len(), |e| e + 1);
            continue;
        }
        // '<' is one byte that no UTF-8 sequence contains: a char boundary.
        let text_end = rest.as_bytes()[1..]
            .iter()
            .position(|&b| b == b'<')
            .map_or(rest.len(), |e| e + 1);
        let tag = rest.starts_with('<').then(|| tag_at(rest)).flatten();
        let Some((tag, len)) = tag else {
            let text = &rest[..text_end];
            match tables.last_mut() {
                Some(t) => {
                    if let Some((_, _, cell)) = t.cell.as_mut() {
                        push_text(cell, text);
                    }
                }
                None => push_text(&mut paragraph, text),
            }
            i += text_end;
            continue;
        };
        i += len;
        let name = tag.name.as_str();
        // Script, style and the like: skip to their end tag.
        if !tag.end
            && matches!(
                name,
                "script" | "style" | "noscript" | "template" | "textarea"
            )
        {
            let close = format!("</{name}");
            i += find_ignoring_case(&html[i..], &close).map_or(html.len() - i, |e| e + close.len());
            if let Some(gt) = html[i..].find('>') {
                i += gt + 1;
            }
            continue;
        }
        match (name, tag.end) {
            ("table", false) if tables.len() >= MAX_DEPTH || too_deep > 0 => too_deep += 1,
            ("table", false) => {
                if tables.is_empty() {
                    finish_paragraph(&mut paragraph, &mut paragraphs);
                }
                table_count += 1;
                tables.push(TableB {
                    number: table_count,
                    room,
                    ..TableB::default()
                });
            }
            ("table", true) if too_deep > 0 => too_deep -= 1,
            ("table", true) => {
                if let Some(mut t) = tables.pop() {
                    room = room.saturating_sub(t.cells.len());
                    sheets.push((t.number, t.take_sheet()));
                    paragraphs.append(&mut t.prose);
                }
            }
            ("tr", false) if too_deep == 0 => {
                if let Some(t) = tables.last_mut() {
                    t.start_row();
                }
            }
            ("td" | "th", false) if too_deep == 0 => {
                if let Some(t) = tables.last_mut() {
                    t.start_cell(&tag);
                }
            }
            ("td" | "th" | "tr", true) if too_deep == 0 => {
                if let Some(t) = tables.last_mut() {
                    t.close_cell();
                }
            }
            _ if breaks_line(name) => match tables.last_mut() {
                Some(t) => {
                    if let Some((_, _, cell)) = t.cell.as_mut() {
                        if !cell.trim().is_empty() && !cell.ends_with('\n') {
                            cell.push('\n');
                        }
                    }
                }
                None => finish_paragraph(&mut paragraph, &mut paragraphs),
            },
            _ => {}
        }
    }
    // Tables left open at the end of the page.
    while let Some(mut t) = tables.pop() {
        sheets.push((t.number, t.take_sheet()));
        paragraphs.append(&mut t.prose);
    }
    finish_paragraph(&mut paragraph, &mut paragraphs);
    // A nested table ends before the table that holds it: back to document order.
    sheets.sort_by_key(|(n, _)| *n);
    Parsed {
        sheets: sheets.into_iter().map(|(_, s)| s).collect(),
        paragraphs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sheet: &Sheet) -> Vec<(u32, u32, String)> {
        sheet
            .cells()
            .map(|(r, c, cell)| (r, c, cell.text().unwrap_or_default().to_string()))
            .collect()
    }

    #[test]
    fn spans_nesting_and_unclosed_cells_lay_out_as_a_browser_does() {
        let page =
            "<p>前言<table><tr><td rowspan=2>三、本年度办理结果<td>（一）予以公开<td>1<td><td>3\
                    <tr><td>（二）部分<br>公开<td colspan=2>&nbsp;<td>4</tr>\
                    <tr><td><table><tr><td>内表</td></tr></table><td>5</table>后记";
        let parsed = parse(page);
        assert_eq!(parsed.sheets.len(), 2);
        let outer = &parsed.sheets[0];
        assert_eq!(
            texts(outer),
            [
                (0, 0, "三、本年度办理结果".to_string()),
                (0, 1, "（一）予以公开".into()),
                (0, 2, "1".into()),
                (0, 4, "3".into()),
                (1, 1, "（二）部分\n公开".into()),
                (1, 4, "4".into()),
                (2, 1, "5".into()),
            ]
        );
        assert_eq!(outer.location(1, 4).to_string(), "第1个表格第2行第5列");
        assert_eq!(texts(&parsed.sheets[1]), [(0, 0, "内表".to_string())]);
        assert_eq!(
            parsed.sheets[1].location(0, 0).to_string(),
            "第2个表格第1行第1列"
        );
        let narrative: Vec<&str> = parsed.paragraphs.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(narrative, ["前言", "后记"]);
    }

    #[test]
    fn a_page_laid_out_in_a_table_keeps_its_prose_as_narrative() {
        let prose = "2024年，我镇收到政府信息公开申请2件，全年因政府信息公开工作被申请行政复议0件、提起行政诉讼0件，".repeat(2);
        let page = format!(
            "<table><tr><td>菜单</td></tr><tr><td><p>{prose}</p><p>第二段</p>\
             <table><tr><td>规章</td><td>0</td></tr></table></td></tr></table><p>页脚</p>"
        );
        let parsed = parse(&page);
        let narrative: Vec<(String, String)> = parsed
            .paragraphs
            .iter()
            .map(|p| (p.text.clone(), p.at.to_string()))
            .collect();
        assert_eq!(
            narrative,
            [
                (prose.clone(), "第1个表格第2行第1列".to_string()),
                ("第二段".into(), "第1个表格第2行第1列".into()),
                ("页脚".into(), "第1段".into()),
            ]
        );
        assert_eq!(
            parsed.sheets[1].location(0, 1).to_string(),
            "第2个表格第1行第2列"
        );
    }

    #[test]
    fn hostile_pages_end_without_panic_and_within_bounds() {
        let deep = "<table><tr><td>".repeat(50) + "规章";
        let parsed = parse(&deep);
        assert_eq!(parsed.sheets.len(), MAX_DEPTH);
        let wide = "<table><tr>".to_string() + &"<td colspan=99999 rowspan=99999>1".repeat(20);
        let parsed = parse(&wide);
        assert!(parsed.sheets[0].end_col() <= MAX_COLS);
        for junk in [
            "<",
            "<td",
            "&#xFFFFFFFF;",
            "<a href='>",
            "<script>",
            "<!--",
            "&",
            "<>",
        ] {
            parse(junk);
        }
        assert_eq!(
            declared_charset(b"<meta charset=\"gb2312\">").map(|e| e.name()),
            Some("GBK")
        );
    }
}
