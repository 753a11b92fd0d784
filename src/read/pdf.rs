//! PDF with a text layer (feature `pdf`, with lopdf): the text runs of each page with their
//! positions, grouped into lines by height and into cells by the gaps between them, then
//! read as a text page is ([`super::text::rebuild`]): a row's label and its numbers share a
//! line, a label may wrap over lines, the vertical 三、本年度办理结果 and page footers
//! (`- 4 -`) are passed over. Each value keeps its page and line (`第4页第12行`).
//!
//! A PDF without a text layer (a scan) cannot be read: nianbao does no OCR.

use std::collections::BTreeMap;

use lopdf::content::Content;
use lopdf::{Document, Encoding, LoadOptions, Object};

use crate::grid::{Location, Paragraph, Workbook};

use super::text::{cell_tokens, is_page_footer, rebuild, Rebuilt};

/// Largest size one stream of the PDF may inflate to.
const MAX_STREAM_BYTES: usize = 64 << 20;
/// Pages read; a report has five or six.
const MAX_PAGES: u32 = 300;
/// Operators read in the whole document (a report's pages have a few thousand each).
const MAX_OPERATIONS: usize = 5_000_000;

const ASK_FOR: &str = "请提供 Word 或 Excel 版本";

/// One string shown on a page: where it starts, its height and its text.
#[derive(Debug, Clone)]
struct Run {
    x: f32,
    y: f32,
    /// Font size as drawn (text and page scaling applied).
    size: f32,
    /// Estimated width as drawn.
    width: f32,
    text: String,
}

type Matrix = [f32; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `m` then `n`: the matrix product m × n of PDF's row-vector convention.
fn mul(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

fn translate(tx: f32, ty: f32) -> Matrix {
    [1.0, 0.0, 0.0, 1.0, tx, ty]
}

fn numbers(operands: &[Object]) -> Vec<f32> {
    operands
        .iter()
        .map(|o| o.as_float().unwrap_or(0.0))
        .collect()
}

/// A glyph's advance in units of the font size: CJK characters are square, others about half.
fn advance(c: char) -> f32 {
    if c.is_ascii() {
        0.5
    } else {
        1.0
    }
}

/// The text runs of one page.
/// The text runs of one page, reading no more than `budget` operators (and counting them).
fn page_runs(
    doc: &Document,
    page: lopdf::ObjectId,
    budget: &mut usize,
) -> Result<Vec<Run>, String> {
    let fonts = doc.get_page_fonts(page).unwrap_or_default();
    let encodings: BTreeMap<Vec<u8>, Encoding> = fonts
        .into_iter()
        .filter_map(|(name, font)| {
            font.get_font_encoding_with_limit(doc, MAX_STREAM_BYTES)
                .ok()
                .map(|e| (name, e))
        })
        .collect();
    let data = doc
        .get_page_content_with_limit(page, MAX_STREAM_BYTES)
        .map_err(|e| format!("PDF 页面内容无法解压（{e}），{ASK_FOR}"))?;
    let content =
        Content::decode(&data).map_err(|e| format!("PDF 页面内容已损坏（{e}），{ASK_FOR}"))?;

    let mut runs = Vec::new();
    let mut ctm = IDENTITY;
    let mut stack: Vec<Matrix> = Vec::new();
    let (mut tm, mut tlm) = (IDENTITY, IDENTITY);
    let mut font: Option<&Encoding> = None;
    let (mut size, mut leading, mut scale) = (0f32, 0f32, 1f32);
    let take = content.operations.len().min(*budget);
    *budget -= take;
    for op in content.operations.iter().take(take) {
        let n = numbers(&op.operands);
        let arg = |i: usize| n.get(i).copied().unwrap_or(0.0);
        let mut show: Vec<&Object> = Vec::new();
        match op.operator.as_str() {
            "q" if stack.len() < 64 => stack.push(ctm),
            "Q" => ctm = stack.pop().unwrap_or(IDENTITY),
            "cm" if n.len() == 6 => ctm = mul(&[n[0], n[1], n[2], n[3], n[4], n[5]], &ctm),
            "BT" => (tm, tlm) = (IDENTITY, IDENTITY),
            "Tf" => {
                font = op
                    .operands
                    .first()
                    .and_then(|o| o.as_name().ok())
                    .and_then(|name| encodings.get(name));
                size = arg(1);
            }
            "Tz" => scale = arg(0) / 100.0,
            "TL" => leading = arg(0),
            "Td" | "TD" => {
                if op.operator == "TD" {
                    leading = -arg(1);
                }
                tlm = mul(&translate(arg(0), arg(1)), &tlm);
                tm = tlm;
            }
            "Tm" if n.len() == 6 => {
                tlm = [n[0], n[1], n[2], n[3], n[4], n[5]];
                tm = tlm;
            }
            "T*" => {
                tlm = mul(&translate(0.0, -leading), &tlm);
                tm = tlm;
            }
            "Tj" => show.extend(op.operands.first()),
            "'" | "\"" => {
                tlm = mul(&translate(0.0, -leading), &tlm);
                tm = tlm;
                show.extend(op.operands.last());
            }
            "TJ" => {
                if let Some(Object::Array(items)) = op.operands.first() {
                    show.extend(items.iter());
                }
            }
            _ => {}
        }
        for item in show {
            match item {
                Object::String(bytes, _) => {
                    let Some(encoding) = font else { continue };
                    let text = Document::decode_text(encoding, bytes).unwrap_or_default();
                    let m = mul(&tm, &ctm);
                    let drawn = size * (m[2] * m[2] + m[3] * m[3]).sqrt();
                    let em: f32 = text.chars().map(advance).sum();
                    let width = em * size * scale;
                    let x_scale = (m[0] * m[0] + m[1] * m[1]).sqrt();
                    if !text.trim().is_empty() {
                        runs.push(Run {
                            x: m[4],
                            y: m[5],
                            size: drawn.abs().max(1.0),
                            width: width * x_scale,
                            text,
                        });
                    }
                    tm = mul(&translate(width, 0.0), &tm);
                }
                Object::Integer(_) | Object::Real(_) => {
                    let k = item.as_float().unwrap_or(0.0);
                    tm = mul(&translate(-k / 1000.0 * size * scale, 0.0), &tm);
                }
                _ => {}
            }
        }
    }
    Ok(runs)
}

/// One line of a page: its cells, left to right.
struct Line {
    cells: Vec<String>,
}

/// Runs grouped into lines (top to bottom) and cells (a gap wider than half a character
/// starts a new cell).
fn lines_of(mut runs: Vec<Run>) -> Vec<Line> {
    runs.sort_by(|a, b| b.y.total_cmp(&a.y).then(a.x.total_cmp(&b.x)));
    let mut groups: Vec<Vec<Run>> = Vec::new();
    for run in runs {
        match groups.last_mut() {
            Some(g) if (g[0].y - run.y).abs() <= 0.4 * g[0].size.max(run.size) => g.push(run),
            _ => groups.push(vec![run]),
        }
    }
    groups
        .into_iter()
        .map(|mut g| {
            g.sort_by(|a, b| a.x.total_cmp(&b.x));
            let mut cells: Vec<String> = Vec::new();
            let mut end = f32::NEG_INFINITY;
            for run in g {
                let gap = run.x - end;
                match cells.last_mut() {
                    Some(cell) if gap < 0.6 * run.size => cell.push_str(&run.text),
                    _ => cells.push(run.text.clone()),
                }
                end = end.max(run.x + run.width);
            }
            Line { cells }
        })
        .collect()
}

/// Reads a PDF from its bytes.
pub(super) fn read(bytes: &[u8]) -> Result<Workbook, String> {
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_STREAM_BYTES),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(bytes, options).map_err(|e| {
        if matches!(e, lopdf::Error::Decryption(_)) || e.to_string().contains("ncrypt") {
            format!("PDF 已加密，无法读取：{ASK_FOR}")
        } else {
            format!("PDF 文件已损坏，无法打开（{e}）：{ASK_FOR}")
        }
    })?;
    let mut tokens = Vec::new();
    let mut lines_text: Vec<(u64, Location, String)> = Vec::new();
    let mut seq = 0u64;
    let mut notes = Vec::new();
    let pages = doc.get_pages();
    if pages.len() > MAX_PAGES as usize {
        notes.push(format!(
            "PDF 共 {} 页，只读取了前 {MAX_PAGES} 页",
            pages.len()
        ));
    }
    let mut budget = MAX_OPERATIONS;
    for (&page, &id) in pages.iter().take(MAX_PAGES as usize) {
        for (l, line) in lines_of(page_runs(&doc, id, &mut budget)?)
            .into_iter()
            .enumerate()
        {
            seq += 1;
            let at = Location::Page {
                page,
                line: l as u32 + 1,
            };
            let joined = line.cells.join(" ");
            if is_page_footer(&joined) {
                continue;
            }
            for cell in &line.cells {
                cell_tokens(cell, seq, &at, &mut tokens);
            }
            lines_text.push((seq, at, joined));
        }
    }
    if lines_text.iter().all(|(_, _, t)| t.trim().is_empty()) {
        return Err(format!(
            "PDF 中没有文字（可能是扫描件），无法读取数字：{ASK_FOR}"
        ));
    }
    let mut rebuilt = Rebuilt::default();
    rebuild(&tokens, &mut rebuilt, &mut notes);
    let narrative = narrative_of(&lines_text, &rebuilt);
    let sheets = if rebuilt.first_line.is_none() {
        notes.push(format!("PDF 中找不到年报的表格，{ASK_FOR}"));
        Vec::new()
    } else {
        vec![rebuilt.into_sheet("PDF")]
    };
    Ok(Workbook {
        sheets,
        narrative,
        notes,
        ..Workbook::default()
    })
}

/// The lines outside the tables, joined into paragraphs: a paragraph ends at a line that
/// ends a sentence (。：) or at a short line (a heading).
fn narrative_of(lines: &[(u64, Location, String)], rebuilt: &Rebuilt) -> Vec<Paragraph> {
    let first = rebuilt.first_line.unwrap_or(u64::MAX);
    let mut paragraphs = Vec::new();
    let mut current: Option<Paragraph> = None;
    for (seq, at, text) in lines {
        if *seq >= first && *seq <= rebuilt.last_line {
            paragraphs.extend(current.take());
            continue;
        }
        let text: String = text.split_whitespace().collect::<Vec<_>>().join("");
        if text.is_empty() {
            continue;
        }
        let paragraph = current.get_or_insert_with(|| Paragraph {
            text: String::new(),
            at: at.clone(),
        });
        paragraph.text.push_str(&text);
        if text.ends_with(['。', '：', ':']) || text.chars().count() < 20 {
            paragraphs.extend(current.take());
        }
    }
    paragraphs.extend(current);
    paragraphs
}
