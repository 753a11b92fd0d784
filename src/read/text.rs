//! A report as text (`.txt`): a published page flattened by a browser, a crawler or a
//! mirror site. The cells come one per line (with blank lines between rows or between
//! cells, a tab before each, a ` |` after each or a lone `|` line after each), or a row per
//! line (`规章 | 0 | 0 | 0 |`, Markdown tables, or cells apart by runs of spaces as a PDF
//! copied as text gives them), in simplified or traditional characters.
//!
//! Where the rows were lost, the format's own labels rebuild them: a row label of the
//! schema followed by as many value cells as its row has (table 二: 3 or 1, table 三: 7,
//! table 四: 15 after its headers) is that row. The rows are laid out again as the
//! template lays them out, each cell keeping the line it was read from (`第12行`), and the
//! locator finds them there as in any workbook. A row whose numbers are fewer than its
//! columns (blank cells lost in the flattening) is not guessed at: it is left out, and
//! the locator reports it missing.

use std::collections::BTreeMap;

use crate::grid::{Cell, Location, Paragraph, Places, Sheet, Workbook};
use crate::schema::{
    ACTIVE_ITEMS, APPLY_COLUMNS, APPLY_ROWS, LITIGATION_COLUMNS, LITIGATION_GROUPS,
};
use crate::text::{core, fold, parse_value, ParsedValue};

use super::docx::kept;
use super::encoding::decode_text;
use super::limits::MAX_CELLS;

/// Lines of text read; a report has a few hundred.
const MAX_LINES: usize = 200_000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    /// Text that is not a number: a label, a heading, a sentence.
    Label,
    /// A number, or a placeholder for none (—, -, /, 无).
    Value,
    /// A cell left empty (a lone tab, an empty field between `|`).
    Blank,
}

/// One cell of text, where it was read.
#[derive(Debug)]
pub(super) struct Token {
    pub(super) text: String,
    core: String,
    pub(super) kind: Kind,
    /// The line in reading order over the whole document (for a PDF, across its pages).
    pub(super) line: u64,
    pub(super) at: Location,
}

impl Token {
    pub(super) fn new(text: &str, line: u64, at: Location) -> Token {
        let text = kept(text.trim().trim_start_matches('#').trim());
        let text = text.as_str();
        let kind = if text.is_empty() {
            Kind::Blank
        } else if matches!(parse_value(text), ParsedValue::NotNumber(_)) {
            Kind::Label
        } else {
            Kind::Value
        };
        Token {
            text: text.to_string(),
            core: core(text),
            kind,
            line,
            at,
        }
    }

    fn on_line(text: &str, line: u64) -> Token {
        Token::new(text, line, Location::Line { line })
    }

    fn is_value(&self) -> bool {
        matches!(self.kind, Kind::Value | Kind::Blank)
    }
}

/// A page number printed in the footer (`- 4 -`, `—4—`), which may fall inside a table.
pub(super) fn is_page_footer(text: &str) -> bool {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let inner = t.trim_matches(['-', '—', '–', '－']);
    inner.len() < t.len()
        && t.starts_with(['-', '—', '–', '－'])
        && t.ends_with(['-', '—', '–', '－'])
        && !inner.is_empty()
        && inner.chars().all(|c| c.is_ascii_digit())
}

/// A cell's text as tokens: numbers apart, the words between them joined (a PDF spaces out
/// 总 计 and breaks 重 新出具 where a table cell was narrow; a row copied from a PDF is
/// `规章   0   0   0`).
pub(super) fn cell_tokens(cell: &str, seq: u64, at: &Location, out: &mut Vec<Token>) {
    let mut words = String::new();
    for part in cell.split_whitespace() {
        let token = Token::new(part, seq, at.clone());
        if token.kind == Kind::Label {
            words.push_str(part);
        } else {
            if !words.is_empty() {
                out.push(Token::new(&words, seq, at.clone()));
                words.clear();
            }
            out.push(token);
        }
    }
    if !words.is_empty() {
        out.push(Token::new(&words, seq, at.clone()));
    }
}

/// A Markdown rule line: `|---|:--:|`.
fn is_rule(line: &str) -> bool {
    line.contains('-')
        && line
            .chars()
            .all(|c| matches!(c, '|' | '-' | ':' | ' ' | '+'))
}

/// The cells of the text, in reading order.
fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    // Cells since the last `|` that ended one: a `|` with none before it ends a blank cell.
    let mut since_bar = 0usize;
    // A Markdown table opens each row with `|`; elsewhere a row that starts with `|` starts
    // with an empty cell.
    let markdown = text.lines().take(MAX_LINES).any(|l| is_rule(l.trim()));
    let mut previous_empty = false;
    for (i, raw) in text.lines().take(MAX_LINES).enumerate() {
        if tokens.len() >= MAX_CELLS {
            break;
        }
        let line = i as u64 + 1;
        let trimmed = raw.trim_matches(|c: char| c.is_whitespace() && c != '\t');
        let was_empty = std::mem::replace(&mut previous_empty, trimmed.trim().is_empty());
        if trimmed.trim().is_empty() {
            // A lone tab is a blank cell (a browser's copy of an empty <td>).
            if trimmed.contains('\t') {
                tokens.push(Token::on_line("", line));
            }
            continue;
        }
        let content = trimmed.trim();
        if is_page_footer(content) {
            continue;
        }
        if content == "|" {
            if since_bar == 0 {
                // The empty cell is the empty line before the bar, if there is one.
                let previous_empty = was_empty && i > 0;
                tokens.push(Token::on_line(
                    "",
                    if previous_empty { line - 1 } else { line },
                ));
            }
            since_bar = 0;
            continue;
        }
        if content.contains('|') {
            if is_rule(content) {
                continue;
            }
            let mut fields: Vec<&str> = content.split('|').collect();
            if markdown && fields.first().is_some_and(|f| f.trim().is_empty()) {
                fields.remove(0);
            }
            let ends_with_bar = content.ends_with('|');
            if ends_with_bar {
                fields.pop();
            }
            for f in &fields {
                tokens.push(Token::on_line(f, line));
            }
            since_bar = if ends_with_bar { 0 } else { fields.len() };
            continue;
        }
        if content.contains('\t') {
            let fields: Vec<&str> = content.split('\t').collect();
            for f in &fields {
                tokens.push(Token::on_line(f, line));
            }
            since_bar += fields.len();
        } else {
            // A row laid out with spaces (a PDF copied as text): a run of two spaces or
            // more parts cells; within a cell, numbers apart and words joined.
            let before = tokens.len();
            for cell in content.split("  ").filter(|c| !c.trim().is_empty()) {
                cell_tokens(cell, line, &Location::Line { line }, &mut tokens);
            }
            since_bar += tokens.len() - before;
        }
    }
    tokens
}

/// Reads a text file from its bytes.
pub(super) fn read(bytes: &[u8]) -> Result<Workbook, String> {
    let decoded = decode_text(bytes);
    let mut notes = Vec::new();
    if decoded.encoding != "UTF-8" || decoded.lossy {
        notes.push(format!(
            "文本按 {} 编码读取{}",
            decoded.encoding,
            if decoded.lossy {
                "，部分字符无法识别"
            } else {
                ""
            }
        ));
    }
    let tokens = tokenize(&decoded.text);
    let mut rebuilt = Rebuilt::default();
    rebuild(&tokens, &mut rebuilt, &mut notes);
    let narrative = narrative_of(&decoded.text, &rebuilt);
    let sheets = if rebuilt.cells.is_empty() {
        notes.push("文本中找不到年报的表格".into());
        Vec::new()
    } else {
        vec![rebuilt.into_sheet("正文")]
    };
    Ok(Workbook {
        sheets,
        narrative,
        notes,
        ..Workbook::default()
    })
}

/// The rows found, laid out as the template lays them out.
#[derive(Default)]
pub(super) struct Rebuilt {
    cells: Vec<(u32, u32, Cell)>,
    places: BTreeMap<(u32, u32), Location>,
    next_row: u32,
    /// Lines of the first and last cell taken into a table.
    pub(super) first_line: Option<u64>,
    pub(super) last_line: u64,
}

impl Rebuilt {
    fn put(&mut self, row: u32, col: u32, text: &str, at: &Location) {
        if !text.is_empty() {
            self.cells.push((row, col, Cell::Text(text.into())));
        }
        self.places.insert((row, col), at.clone());
    }

    fn take(&mut self, row: u32, col: u32, token: &Token) {
        self.put(row, col, &token.text, &token.at);
        self.first_line = Some(self.first_line.map_or(token.line, |l| l.min(token.line)));
        self.last_line = self.last_line.max(token.line);
    }

    fn row(&mut self) -> u32 {
        self.next_row += 1;
        self.next_row - 1
    }

    pub(super) fn into_sheet(self, name: &str) -> Sheet {
        let (mut sheet, _) = Sheet::from_cells(name, false, self.cells);
        sheet.places = Places::Each(self.places);
        sheet
    }
}

/// Labels that may stand between a row's label and its numbers: the rest of a label
/// wrapped over lines (`计其他情形）`), a vertical group label. A label of another row may not.
const MAX_CONTINUATION: usize = 3;

fn is_any_row(core: &str) -> bool {
    ACTIVE_ITEMS.iter().any(|i| i.row.matcher.matches(core))
        || APPLY_ROWS.iter().any(|p| p.matcher.matches(core))
        || LITIGATION_GROUPS.iter().any(|g| g.matcher.matches(core))
}

/// Where the `n` values of the row labelled at `at` start: right after it, or after a few
/// labels that continue it. `None` when `n` value cells do not follow.
fn values_after(tokens: &[Token], at: usize, n: usize) -> Option<usize> {
    (at + 1..=at + 1 + MAX_CONTINUATION)
        .take_while(|&j| {
            j == at + 1
                || tokens
                    .get(j - 1)
                    .is_some_and(|t| t.kind == Kind::Label && !is_any_row(&t.core))
        })
        .find(|&j| tokens.len() >= j + n && tokens[j..j + n].iter().all(Token::is_value))
}

/// The first label at or after `from` that `matches` and that `n` value cells follow:
/// the label's index and where its values start.
fn find_row(
    tokens: &[Token],
    from: usize,
    n: usize,
    matches: impl Fn(&str) -> bool,
) -> Option<(usize, usize)> {
    (from..tokens.len()).find_map(|i| {
        (tokens[i].kind == Kind::Label && matches(&tokens[i].core))
            .then(|| values_after(tokens, i, n).map(|v| (i, v)))
            .flatten()
    })
}

/// A note for a row whose label was seen without its numbers.
fn note_short_row(
    tokens: &[Token],
    label: &str,
    n: usize,
    notes: &mut Vec<String>,
    matches: impl Fn(&str) -> bool,
) {
    if let Some(t) = tokens
        .iter()
        .find(|t| t.kind == Kind::Label && matches(&t.core))
    {
        notes.push(format!(
            "{}“{label}”之后不是{n}个数字（可能有空白格在转成文字时丢失），这一行未读取",
            t.at
        ));
    }
}

/// A row of table 三 as found: its label, where its 7 values start, and the row of the
/// format it is (by its label, or by its place between two rows known by theirs).
struct ApplyRun {
    label: usize,
    values: usize,
    row: Option<usize>,
    by_place: bool,
}

/// The last level of an official label (`三、本年度办理结果/（三）不予公开/1.属于国家秘密`).
fn leaf(label: &str) -> &str {
    label.rsplit('/').next().unwrap_or(label)
}

pub(super) fn rebuild(tokens: &[Token], out: &mut Rebuilt, notes: &mut Vec<String>) {
    // The title, for the unit and the year; a name on the line just above it belongs to it
    // (a PDF's title set in two lines: 淮安市人民政府 / 2024年政府信息公开工作年度报告).
    let is_title = |t: &Token| {
        let f = fold(&t.text);
        t.kind == Kind::Label
            && (f.contains("年度报告") || f.contains("年报"))
            && f.chars().count() <= 60
    };
    if let Some(k) = tokens.iter().position(is_title) {
        let t = &tokens[k];
        let above = k.checked_sub(1).map(|j| &tokens[j]).filter(|a| {
            a.kind == Kind::Label && a.line + 1 == t.line && a.text.chars().count() <= 20
        });
        let title = match above {
            Some(a) => format!("{}{}", a.text, t.text),
            None => t.text.clone(),
        };
        let r = out.row();
        out.put(r, 0, &title, &above.unwrap_or(t).at);
    }

    // 表二: each item's label and its 3 or 1 numbers, under a header naming its columns.
    out.row();
    for item in ACTIVE_ITEMS {
        let n = item.columns.len();
        let matches = |c: &str| item.row.matcher.matches(c);
        let Some((i, v)) = find_row(tokens, 0, n, matches) else {
            note_short_row(tokens, item.row.label, n, notes, matches);
            continue;
        };
        let header = out.row();
        out.put(header, 0, "信息内容", &tokens[i].at);
        for (c, part) in item.columns.iter().enumerate() {
            out.put(header, c as u32 + 1, part.label, &tokens[i].at);
        }
        let r = out.row();
        out.take(r, 0, &tokens[i]);
        for k in 0..n {
            out.take(r, k as u32 + 1, &tokens[v + k]);
        }
    }

    rebuild_apply(tokens, out, notes);
    rebuild_litigation(tokens, out, notes);
}

/// 表三: every label that 7 value cells follow, from the first row of the table to table
/// 四; each the row its label names, in the format's order; a row whose label names none
/// (a label the PDF's text layer garbled) takes the place left between its neighbours when
/// exactly as many rows are missing there.
fn rebuild_apply(tokens: &[Token], out: &mut Rebuilt, notes: &mut Vec<String>) {
    let columns = APPLY_COLUMNS.len();
    let Some((start, _)) = find_row(tokens, 0, columns, |c| APPLY_ROWS[0].matcher.matches(c))
        .or_else(|| {
            find_row(tokens, 0, columns, |c| {
                APPLY_ROWS.iter().any(|p| p.matcher.matches(c))
            })
        })
    else {
        note_short_row(tokens, APPLY_ROWS[0].label, columns, notes, |c| {
            APPLY_ROWS[0].matcher.matches(c)
        });
        return;
    };
    let end = (start..tokens.len())
        .find(|&i| {
            tokens[i].kind == Kind::Label && LITIGATION_GROUPS[0].matcher.matches(&tokens[i].core)
        })
        .unwrap_or(tokens.len());
    let mut runs: Vec<ApplyRun> = Vec::new();
    let mut i = start;
    let mut next_row = 0;
    while i < end {
        let Some(v) = (tokens[i].kind == Kind::Label)
            .then(|| values_after(tokens, i, columns))
            .flatten()
            .filter(|v| v + columns <= end)
        else {
            i += 1;
            continue;
        };
        // The label with the lines that continue it (a label wrapped over lines).
        let joined = core(
            &tokens[i..v]
                .iter()
                .map(|t| t.text.as_str())
                .collect::<String>(),
        );
        let row = (next_row..APPLY_ROWS.len()).find(|&r| {
            let matcher = &APPLY_ROWS[r].matcher;
            matcher.matches(&tokens[i].core) || matcher.matches(&joined)
        });
        if let Some(r) = row {
            next_row = r + 1;
        }
        runs.push(ApplyRun {
            label: i,
            values: v,
            row,
            by_place: false,
        });
        i = v + columns;
    }
    // Rows between two known ones, as many as the format has there.
    let known: Vec<(usize, isize)> = runs
        .iter()
        .enumerate()
        .filter_map(|(k, r)| r.row.map(|row| (k, row as isize)))
        .collect();
    let bounds = std::iter::once((usize::MAX, -1))
        .chain(known.iter().copied())
        .chain(std::iter::once((runs.len(), APPLY_ROWS.len() as isize)));
    let bounds: Vec<(usize, isize)> = bounds.collect();
    for pair in bounds.windows(2) {
        let ((k0, r0), (k1, r1)) = (pair[0], pair[1]);
        let first = k0.wrapping_add(1);
        let gap = k1.saturating_sub(first);
        if gap > 0 && gap as isize == r1 - r0 - 1 {
            for (n, run) in runs[first..k1].iter_mut().enumerate() {
                run.row = Some((r0 + 1) as usize + n);
                run.by_place = true;
            }
        }
    }

    for (r, part) in APPLY_ROWS.iter().enumerate() {
        if !runs.iter().any(|run| run.row == Some(r)) {
            note_short_row(&tokens[start..end], leaf(part.label), columns, notes, |c| {
                part.matcher.matches(c)
            });
        }
    }

    out.row();
    let header = out.row();
    for (c, part) in APPLY_COLUMNS.iter().enumerate() {
        out.put(header, c as u32 + 1, leaf(part.label), &tokens[start].at);
    }
    for run in &runs {
        let r = out.row();
        let label = &tokens[run.label];
        match run.row {
            Some(row) if run.by_place => {
                let official = leaf(APPLY_ROWS[row].label);
                let read: String = tokens[run.label..run.values]
                    .iter()
                    .map(|t| t.text.as_str())
                    .collect();
                notes.push(format!(
                    "{}“{read}”按所在位置读作表三“{official}”一行",
                    label.at
                ));
                out.put(r, 0, official, &label.at);
            }
            _ => {
                // The label as read, with the lines that continue it.
                let read: String = tokens[run.label..run.values]
                    .iter()
                    .map(|t| t.text.as_str())
                    .collect();
                out.put(r, 0, &read, &label.at);
            }
        }
        for k in 0..columns {
            out.take(r, k as u32 + 1, &tokens[run.values + k]);
        }
    }
}

/// 表四: after its group label, the first 15 value cells that follow a label.
fn rebuild_litigation(tokens: &[Token], out: &mut Rebuilt, notes: &mut Vec<String>) {
    let per_group = LITIGATION_COLUMNS.len();
    let n = LITIGATION_GROUPS.len() * per_group;
    let Some(s) = tokens
        .iter()
        .position(|t| t.kind == Kind::Label && LITIGATION_GROUPS[0].matcher.matches(&t.core))
    else {
        return;
    };
    let Some(v) = (s..tokens.len())
        .find(|&i| {
            tokens[i].kind == Kind::Label
                && tokens.len() > i + n
                && tokens[i + 1..=i + n].iter().all(Token::is_value)
        })
        .map(|i| i + 1)
    else {
        notes.push(format!(
            "{}“行政复议”之后找不到连续{n}个数字（可能有空白格在转成文字时丢失），表四未读取",
            tokens[s].at
        ));
        return;
    };
    out.row();
    let groups = out.row();
    let leaves = out.row();
    let values = out.row();
    for (g, group) in LITIGATION_GROUPS.iter().enumerate() {
        let col = (g * per_group) as u32;
        out.put(groups, col, leaf(group.label), &tokens[s].at);
        for (l, part) in LITIGATION_COLUMNS.iter().enumerate() {
            out.put(leaves, col + l as u32, part.label, &tokens[v - 1].at);
            out.take(values, col + l as u32, &tokens[v + g * per_group + l]);
        }
    }
}

/// The lines outside the tables, and long sentences between them, as the narrative.
fn narrative_of(text: &str, rebuilt: &Rebuilt) -> Vec<Paragraph> {
    let first = rebuilt.first_line.unwrap_or(u64::MAX);
    text.lines()
        .take(MAX_LINES)
        .enumerate()
        .filter_map(|(i, raw)| {
            let line = i as u64 + 1;
            let t = raw
                .trim()
                .trim_start_matches('#')
                .trim_matches(|c: char| c == '|' || c.is_whitespace());
            let inside = line >= first && line <= rebuilt.last_line;
            let sentence = t.chars().count() >= 30 && !t.contains('|');
            (!t.is_empty() && (!inside || sentence)).then(|| Paragraph {
                text: t.to_string(),
                at: Location::Line { line },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locate::locate;
    use crate::schema;

    /// Table 三 as lines of `label n n n n n n n`, with `rows` replacing some labels.
    fn apply_text(edit: impl Fn(usize, &str) -> Option<String>) -> String {
        let mut text = String::from("三、收到和处理政府信息公开申请情况\n自然人\n商业企业\n");
        for (r, part) in APPLY_ROWS.iter().enumerate() {
            let label = leaf(part.label);
            let label = edit(r, label).unwrap_or_else(|| label.to_string());
            let values: Vec<String> = (0..7).map(|c| (r * 10 + c).to_string()).collect();
            text.push_str(&format!("{label} | {} |\n", values.join(" | ")));
        }
        text
    }

    fn read_apply(text: &str) -> (Vec<Option<f64>>, Vec<String>) {
        let book = read(text.as_bytes()).unwrap();
        let found = locate(&book).unwrap().remove(0);
        let values = (0..APPLY_ROWS.len())
            .map(|r| {
                found.values[schema::apply_index(r, 0)]
                    .as_ref()
                    .and_then(|v| v.cell.text().and_then(|t| t.parse().ok()))
            })
            .collect();
        (values, book.notes)
    }

    #[test]
    fn a_garbled_label_takes_the_row_left_between_its_neighbours() {
        let text = apply_text(|r, _| (r == 5).then(|| "2.其他法律行政止公开".to_string()));
        let (values, notes) = read_apply(&text);
        assert_eq!(values[5], Some(50.0));
        assert!(values.iter().all(Option::is_some), "{values:?}");
        assert!(
            notes.iter().any(|n| n.contains("按所在位置读作")),
            "{notes:?}"
        );
    }

    #[test]
    fn wrapped_labels_footers_and_lost_blanks() {
        // 部分公开's label wraps onto a second line before its numbers; a page footer falls
        // between two rows; 重复申请 lost a blank cell and is not guessed at.
        let text = apply_text(|r, label| match r {
            3 => Some("（二）部分公开（区分处理的，只计这一情\n计其他情形）".into()),
            10 => Some(format!("- 3 -\n{label}")),
            _ => None,
        })
        .replace("重复申请 | 160 | 161 |", "重复申请 | 161 |");
        let (values, notes) = read_apply(&text);
        assert_eq!(values[3], Some(30.0));
        assert_eq!(values[10], Some(100.0));
        assert_eq!(values[16], None);
        assert_eq!(values[17], Some(170.0));
        assert!(notes.iter().any(|n| n.contains("重复申请")), "{notes:?}");
        assert!(is_page_footer("- 4 -") && is_page_footer("—12—") && !is_page_footer("-4"));
    }
}
