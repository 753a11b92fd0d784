//! Word `.docx`: each `w:tbl` becomes a [`Sheet`] of its cells, the body paragraphs the
//! narrative. Merged cells read as calamine reads a workbook's: the text in the top-left
//! cell of the region (a `w:gridSpan` run of columns, a `w:vMerge` run of rows), the rest
//! empty. A table that a page break split into two `w:tbl` (the second following the first
//! with only empty paragraphs between, with as many grid columns) is read as one.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::grid::{Cell, Location, Paragraph, Places, Sheet, Workbook, MAX_COLS, MAX_ROWS};

// The largest inflated size of one part read (64 MB): a report's document.xml is well
// under 1 MB; a part that inflates past it is a zip bomb or not a report.
use super::limits::{MAX_CELLS, MAX_PART_BYTES, MAX_TEXT_BYTES};
use super::text;

/// A cell's text as kept: at most [`MAX_TEXT_BYTES`], cut at a character's end.
pub(super) fn kept(text: &str) -> String {
    let mut end = text.len().min(MAX_TEXT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}
/// Tables nested deeper than this are read as text of the cell that holds them.
const MAX_DEPTH: usize = 8;
/// Columns one `w:gridSpan` may cover.
const MAX_SPAN: u32 = 64;

/// Whether a zip holds a Word document (`word/document.xml`) rather than a workbook.
pub(super) fn is_docx(bytes: &[u8]) -> bool {
    zip::ZipArchive::new(Cursor::new(bytes))
        .is_ok_and(|zip| zip.index_for_name("word/document.xml").is_some())
}

/// One part of a zip, inflated no further than [`MAX_PART_BYTES`].
pub(super) fn read_part(bytes: &[u8], name: &str) -> Result<Vec<u8>, String> {
    read_part_within(bytes, name, MAX_PART_BYTES)
}

fn read_part_within(bytes: &[u8], name: &str, max: u64) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("文件已损坏，无法作为 zip 打开（{e}）"))?;
    let part = zip
        .by_name(name)
        .map_err(|_| format!("文件中缺少 {name}，不是有效的 Word 文档"))?;
    let limit_mb = max.div_ceil(1 << 20);
    if part.size() > max {
        return Err(format!("{name} 解压后超过 {limit_mb} MB，不像年度报告"));
    }
    let mut out = Vec::new();
    part.take(max + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("文件已损坏，{name} 无法解压（{e}）"))?;
    if out.len() as u64 > max {
        return Err(format!("{name} 解压后超过 {limit_mb} MB，不像年度报告"));
    }
    Ok(out)
}

/// Reads a `.docx` from its bytes.
pub(super) fn read(bytes: &[u8]) -> Result<Workbook, String> {
    let xml = read_part(bytes, "word/document.xml")?;
    let xml = String::from_utf8_lossy(&xml);
    let parsed = parse(&xml)?;
    let mut sheets = sheets_of(parsed.tables);
    let mut notes = Vec::new();
    let mut narrative = parsed.paragraphs;
    if sheets.is_empty() {
        // Tables typed as lines (label, a tab, numbers): read as a text page is.
        let mut tokens = Vec::new();
        for (p, raw) in narrative.iter().zip(&parsed.tabbed) {
            let Location::Paragraph { n } = p.at else {
                continue;
            };
            for cell in raw.split('\t') {
                text::cell_tokens(cell, u64::from(n), &p.at, &mut tokens);
            }
        }
        let mut rebuilt = text::Rebuilt::default();
        text::rebuild(&tokens, &mut rebuilt, &mut notes);
        if let Some(first) = rebuilt.first_line {
            notes.push("Word 文档中没有表格，按段落中用制表符分隔的文字读取".into());
            // The table's lines are not narrative.
            let last = rebuilt.last_line;
            narrative.retain(|p| {
                !matches!(p.at, Location::Paragraph { n } if (first..=last).contains(&u64::from(n)))
            });
            sheets.push(rebuilt.into_sheet("正文"));
        } else {
            notes.push("Word 文档中没有表格".into());
        }
    }
    sheets.extend(heading_sheet(&narrative));
    Ok(Workbook {
        sheets,
        narrative,
        notes,
        ..Workbook::default()
    })
}

/// Paragraphs read as a heading (the title, a 填报单位 line) rather than prose.
const HEADING_MAX_CHARS: usize = 60;
/// How many of a document's first paragraphs are looked at for its headings (a web page's
/// menus come before its title).
const HEADINGS: usize = 100;
/// Words of a title or of a line that names the unit or the year.
const HEADING_WORDS: &[&str] = &[
    "年度报告",
    "年报",
    "政府信息公开工作",
    "填报单位",
    "单位名称",
    "报送单位",
    "编制单位",
    "填报机关",
    "年度",
    "年份",
];

/// The document's short paragraphs among its first that read as a title or name the unit
/// or the year (报告, 填报单位, 年度), as a one-column sheet after the tables, so that the
/// unit and the year are claimed from them as from a workbook's title rows. Each keeps its
/// paragraph's place (`第1段`).
pub(super) fn heading_sheet(paragraphs: &[Paragraph]) -> Option<Sheet> {
    let mut cells = Vec::new();
    let mut places = BTreeMap::new();
    for (r, p) in paragraphs
        .iter()
        .take(HEADINGS)
        .filter(|p| {
            let folded = crate::text::fold(&p.text);
            folded.chars().count() <= HEADING_MAX_CHARS
                && HEADING_WORDS.iter().any(|w| folded.contains(w))
        })
        .enumerate()
    {
        cells.push((r as u32, 0, Cell::Text(p.text.as_str().into())));
        places.insert((r as u32, 0), p.at.clone());
    }
    if cells.is_empty() {
        return None;
    }
    let (mut sheet, _) = Sheet::from_cells("正文标题", false, cells);
    sheet.places = Places::Each(places);
    Some(sheet)
}

/// One `w:tc` as read: its grid column, how many it spans, and its text.
#[derive(Debug)]
struct RawCell {
    col: u32,
    span: u32,
    /// A `w:vMerge` that continues the region above (its text is ignored).
    continues: bool,
    text: String,
}

/// One `w:tbl`, in document order (its number is its index plus one).
#[derive(Debug, Default)]
struct RawTable {
    rows: Vec<Vec<RawCell>>,
    grid_cols: usize,
    /// Paragraphs with text seen between the end of the previous table and this one.
    text_before: bool,
    /// The table whose cell holds this one.
    parent: Option<usize>,
}

struct Parsed {
    tables: Vec<RawTable>,
    paragraphs: Vec<Paragraph>,
    /// Each paragraph's text with its tabs, for tables typed as tab-separated lines.
    tabbed: Vec<String>,
}

/// A table being read: its index in `tables`, the row's next grid column, the open cell.
struct Open {
    index: usize,
    next_col: u32,
    cell: Option<RawCell>,
}

fn val_of(e: &BytesStart) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == "val")
        .map(|a| a.value.into_owned())
}

fn parse(xml: &str) -> Result<Parsed, String> {
    let mut reader = Reader::from_str(xml);
    let mut tables: Vec<RawTable> = Vec::new();
    let mut open: Vec<Open> = Vec::new();
    let mut paragraphs = Vec::new();
    let mut tabbed = Vec::new();
    let mut paragraph = String::new();
    let mut text_since_table = false;
    // Tables started past MAX_DEPTH: read as their parent cell's text.
    let mut too_deep = 0usize;
    // Inside mc:Fallback (a copy of the mc:Choice content) or w:delText: not read.
    let mut skipping = 0usize;
    let mut in_text = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("Word 文档内容已损坏（{e}）"))?;
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                let name = e.local_name();
                match name.as_ref() {
                    "Fallback" => skipping += 1,
                    _ if skipping > 0 => {}
                    "tbl" if open.len() >= MAX_DEPTH || too_deep > 0 => too_deep += 1,
                    "tbl" => {
                        tables.push(RawTable {
                            text_before: text_since_table,
                            parent: open.last().map(|t| t.index),
                            ..RawTable::default()
                        });
                        text_since_table = false;
                        open.push(Open {
                            index: tables.len() - 1,
                            next_col: 0,
                            cell: None,
                        });
                    }
                    "tr" if too_deep == 0 => {
                        if let Some(t) = open.last_mut() {
                            tables[t.index].rows.push(Vec::new());
                            t.next_col = 0;
                        }
                    }
                    "tc" if too_deep == 0 => {
                        if let Some(t) = open.last_mut() {
                            t.cell = Some(RawCell {
                                col: t.next_col,
                                span: 1,
                                continues: false,
                                text: String::new(),
                            });
                        }
                    }
                    "vMerge" if too_deep == 0 => set_vmerge(&mut open, &e),
                    "t" => in_text = true,
                    _ => {}
                }
            }
            Event::Empty(e) => {
                if skipping > 0 {
                    continue;
                }
                match e.local_name().as_ref() {
                    "gridCol" if too_deep == 0 => {
                        if let Some(t) = open.last() {
                            tables[t.index].grid_cols += 1;
                        }
                    }
                    "gridBefore" if too_deep == 0 => {
                        if let Some(t) = open.last_mut() {
                            let n = val_of(&e).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
                            t.next_col = t.next_col.saturating_add(n.min(MAX_SPAN));
                        }
                    }
                    "gridSpan" if too_deep == 0 => {
                        if let Some(cell) = open.last_mut().and_then(|t| t.cell.as_mut()) {
                            let n = val_of(&e).and_then(|v| v.parse::<u32>().ok()).unwrap_or(1);
                            cell.span = n.clamp(1, MAX_SPAN);
                        }
                    }
                    "vMerge" if too_deep == 0 => set_vmerge(&mut open, &e),
                    "br" | "cr" => push_text(&mut open, &mut paragraph, "\n"),
                    "tab" => push_text(&mut open, &mut paragraph, "\t"),
                    _ => {}
                }
            }
            Event::End(e) => {
                let name = e.local_name();
                match name.as_ref() {
                    "Fallback" => skipping = skipping.saturating_sub(1),
                    _ if skipping > 0 => {}
                    "t" => in_text = false,
                    "tbl" if too_deep > 0 => too_deep -= 1,
                    "tbl" => {
                        open.pop();
                        text_since_table = false;
                    }
                    "tc" if too_deep == 0 => {
                        if let Some(t) = open.last_mut() {
                            if let Some(mut cell) = t.cell.take() {
                                t.next_col = cell.col.saturating_add(cell.span);
                                let text = cell.text.trim().to_string();
                                cell.text = text;
                                if let Some(row) = tables[t.index].rows.last_mut() {
                                    row.push(cell);
                                }
                            }
                        }
                    }
                    "p" => {
                        if open.is_empty() {
                            let raw = paragraph.trim().to_string();
                            paragraph.clear();
                            if !raw.is_empty() {
                                let n = paragraphs.len() as u32 + 1;
                                paragraphs.push(Paragraph {
                                    text: raw.replace('\t', " "),
                                    at: Location::Paragraph { n },
                                });
                                tabbed.push(raw);
                            }
                        } else {
                            push_text(&mut open, &mut paragraph, "\n");
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(e) if in_text && skipping == 0 => {
                text_since_table |= !e.xml10_content().trim().is_empty();
                push_text(&mut open, &mut paragraph, &e.xml10_content());
            }
            Event::GeneralRef(e) if in_text && skipping == 0 => {
                let resolved = match e.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => quick_xml::escape::resolve_predefined_entity(&e.xml10_content())
                        .unwrap_or_default()
                        .to_string(),
                };
                push_text(&mut open, &mut paragraph, &resolved);
            }
            Event::CData(e) if in_text && skipping == 0 => {
                push_text(&mut open, &mut paragraph, &e.xml10_content());
            }
            _ => {}
        }
    }
    Ok(Parsed {
        tables,
        paragraphs,
        tabbed,
    })
}

/// `w:vMerge w:val="restart"` opens a region; a bare `w:vMerge` (or `continue`) goes on.
fn set_vmerge(open: &mut [Open], e: &BytesStart) {
    if let Some(cell) = open.last_mut().and_then(|t| t.cell.as_mut()) {
        cell.continues = val_of(e).is_none_or(|v| v == "continue");
    }
}

/// Text goes to the innermost open cell, else to the body paragraph. A table too deep to
/// read as a table gives its text to the cell that holds it.
fn push_text(open: &mut [Open], paragraph: &mut String, text: &str) {
    match open.last_mut() {
        Some(t) => {
            if let Some(cell) = t.cell.as_mut() {
                cell.text.push_str(text);
            }
        }
        None => paragraph.push_str(text),
    }
}

/// The tables as sheets: a table continued in the next `w:tbl` (split by a page break) is
/// one sheet; each cell's place is the table, row and column a clerk sees in Word.
fn sheets_of(tables: Vec<RawTable>) -> Vec<Sheet> {
    let mut sheets = Vec::new();
    let mut i = 0;
    let mut room = MAX_CELLS;
    while i < tables.len() {
        // The run of w:tbl that form one table.
        let mut end = i + 1;
        while end < tables.len()
            && tables[end].parent == tables[i].parent
            && !tables[end].text_before
            && tables[end].grid_cols == tables[i].grid_cols
            && tables[end].grid_cols > 0
        {
            end += 1;
        }
        sheets.push(sheet_of(&tables, i..end, &mut room));
        i = end;
    }
    sheets
}

/// One sheet of the tables in `run`, keeping no more than `room` cells (and counting them).
fn sheet_of(tables: &[RawTable], run: std::ops::Range<usize>, room: &mut usize) -> Sheet {
    let mut cells = Vec::new();
    let mut places = BTreeMap::new();
    let mut row = 0u32;
    for t in run.clone() {
        for (r, raw_row) in tables[t].rows.iter().enumerate() {
            if row >= MAX_ROWS {
                break;
            }
            for cell in raw_row {
                if cell.col >= MAX_COLS {
                    continue;
                }
                places.insert(
                    (row, cell.col),
                    Location::Table {
                        table: t as u32 + 1,
                        row: r as u32 + 1,
                        col: cell.col + 1,
                    },
                );
                if !cell.continues && !cell.text.is_empty() && *room > 0 {
                    *room -= 1;
                    cells.push((row, cell.col, Cell::Text(kept(&cell.text).into())));
                }
            }
            row += 1;
        }
    }
    let first = run.start as u32 + 1;
    let name = format!("第{first}个表格");
    let (mut sheet, _) = Sheet::from_cells(&name, false, cells);
    sheet.places = if run.len() == 1 {
        Places::Table(first)
    } else {
        Places::Each(places)
    };
    sheet
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(name: &str, bytes: &[u8]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn a_part_that_inflates_past_the_limit_is_refused_in_chinese() {
        let zip = zip_of("word/document.xml", &vec![b' '; 300_000]);
        assert!(zip.len() < 10_000);
        let err = read_part_within(&zip, "word/document.xml", 100_000).unwrap_err();
        assert!(err.contains("解压后超过 1 MB"), "{err}");
        assert_eq!(
            read_part_within(&zip, "word/document.xml", 300_000)
                .unwrap()
                .len(),
            300_000
        );
        assert!(read(&zip_of("word/other.xml", b"x"))
            .unwrap_err()
            .contains("缺少"));
    }

    #[test]
    fn headings_are_the_title_and_unit_lines_even_after_a_menu() {
        let long = "正文很长，".repeat(20);
        let texts = ["首页", "政务公开", "信息公开年报"]
            .into_iter()
            .chain(std::iter::repeat_n("栏目", 20))
            .chain([
                "河口镇2024年政府信息公开工作年度报告",
                "填报单位：河口镇",
                long.as_str(),
            ])
            .map(String::from);
        let paragraphs: Vec<Paragraph> = texts
            .enumerate()
            .map(|(i, text)| Paragraph {
                text,
                at: Location::Paragraph { n: i as u32 + 1 },
            })
            .collect();
        let sheet = heading_sheet(&paragraphs).unwrap();
        let kept: Vec<(String, String)> = sheet
            .cells()
            .map(|(r, c, cell)| {
                (
                    cell.text().unwrap().to_string(),
                    sheet.location(r, c).to_string(),
                )
            })
            .collect();
        assert_eq!(
            kept,
            [
                ("信息公开年报".to_string(), "第3段".to_string()),
                (
                    "河口镇2024年政府信息公开工作年度报告".into(),
                    "第24段".into()
                ),
                ("填报单位：河口镇".into(), "第25段".into()),
            ]
        );
    }

    #[test]
    fn tables_nested_too_deep_are_read_as_text_and_bad_xml_is_an_error() {
        let cell = "<w:tbl><w:tblGrid><w:gridCol/></w:tblGrid><w:tr><w:tc><w:p><w:r><w:t>规章</w:t></w:r></w:p>";
        let parsed = parse(&cell.repeat(50)).unwrap();
        assert_eq!(parsed.tables.len(), MAX_DEPTH);
        let deepest = &parsed.tables[MAX_DEPTH - 1].rows[0];
        assert!(deepest.is_empty(), "the open cell is never closed");
        let xml = "<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val=\"99999\"/></w:tcPr>\
                   <w:p><w:r><w:t>a</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>b</w:t></w:r></w:p></w:tc>\
                   </w:tr></w:tbl>";
        let parsed = parse(xml).unwrap();
        let row = &parsed.tables[0].rows[0];
        assert_eq!((row[0].span, row[1].col), (MAX_SPAN, MAX_SPAN));
        assert!(parse("<w:p><w:t>a</w:x>").is_err());
    }
}
