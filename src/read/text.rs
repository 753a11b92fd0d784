//! A report as text (`.txt`): a published page flattened by a browser, a crawler or a
//! mirror site. The cells come one per line (with blank lines between rows or between
//! cells, a tab before each, a ` |` after each or a lone `|` line after each), or a row per
//! line (`规章 | 0 | 0 | 0 |`, Markdown tables), in simplified or traditional characters.
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

use super::encoding::decode_text;

/// Lines of text read; a report has a few hundred.
const MAX_LINES: usize = 200_000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Text that is not a number: a label, a heading, a sentence.
    Label,
    /// A number, or a placeholder for none (—, -, /, 无).
    Value,
    /// A cell left empty (a lone tab, an empty field between `|`).
    Blank,
}

#[derive(Debug)]
struct Token {
    text: String,
    core: String,
    kind: Kind,
    line: u64,
}

impl Token {
    fn new(text: &str, line: u64) -> Token {
        let text = text.trim().trim_start_matches('#').trim();
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
        }
    }

    fn is_value(&self) -> bool {
        matches!(self.kind, Kind::Value | Kind::Blank)
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
        let line = i as u64 + 1;
        let trimmed = raw.trim_matches(|c: char| c.is_whitespace() && c != '\t');
        let was_empty = std::mem::replace(&mut previous_empty, trimmed.trim().is_empty());
        if trimmed.trim().is_empty() {
            // A lone tab is a blank cell (a browser's copy of an empty <td>).
            if trimmed.contains('\t') {
                tokens.push(Token::new("", line));
            }
            continue;
        }
        let content = trimmed.trim();
        if content == "|" {
            if since_bar == 0 {
                // The empty cell is the empty line before the bar, if there is one.
                let previous_empty = was_empty && i > 0;
                tokens.push(Token::new("", if previous_empty { line - 1 } else { line }));
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
                tokens.push(Token::new(f, line));
            }
            since_bar = if ends_with_bar { 0 } else { fields.len() };
            continue;
        }
        let fields: Vec<&str> = content.split('\t').collect();
        for f in &fields {
            tokens.push(Token::new(f, line));
        }
        since_bar += fields.len();
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
        vec![rebuilt.into_sheet()]
    };
    Ok(Workbook {
        sheets,
        narrative,
        notes,
    })
}

/// The rows found, laid out as the template lays them out.
#[derive(Default)]
struct Rebuilt {
    cells: Vec<(u32, u32, Cell)>,
    places: BTreeMap<(u32, u32), Location>,
    next_row: u32,
    /// Lines of the first and last cell taken into a table.
    first_line: Option<u64>,
    last_line: u64,
}

impl Rebuilt {
    fn put(&mut self, row: u32, col: u32, text: &str, line: u64) {
        if !text.is_empty() {
            self.cells.push((row, col, Cell::Text(text.to_string())));
        }
        self.places.insert((row, col), Location::Line { line });
    }

    fn take(&mut self, row: u32, col: u32, token: &Token) {
        self.put(row, col, &token.text, token.line);
        self.first_line = Some(self.first_line.map_or(token.line, |l| l.min(token.line)));
        self.last_line = self.last_line.max(token.line);
    }

    fn row(&mut self) -> u32 {
        self.next_row += 1;
        self.next_row - 1
    }

    fn into_sheet(self) -> Sheet {
        let (mut sheet, _) = Sheet::from_cells("正文", false, self.cells);
        sheet.places = Places::Each(self.places);
        sheet
    }
}

/// Whether the `n` tokens after `at` are all value cells.
fn values_follow(tokens: &[Token], at: usize, n: usize) -> bool {
    tokens.len() > at + n && tokens[at + 1..=at + n].iter().all(Token::is_value)
}

/// The first label at or after `from` that `matches` and that `n` value cells follow.
fn find_row(
    tokens: &[Token],
    from: usize,
    n: usize,
    matches: impl Fn(&str) -> bool,
) -> Option<usize> {
    (from..tokens.len()).find(|&i| {
        tokens[i].kind == Kind::Label && matches(&tokens[i].core) && values_follow(tokens, i, n)
    })
}

/// Whether a label names a row that `n` values should follow, and none followed.
fn note_short_row(
    tokens: &[Token],
    from: usize,
    label: &str,
    n: usize,
    notes: &mut Vec<String>,
    matches: impl Fn(&str) -> bool,
) {
    if let Some(t) = tokens[from.min(tokens.len())..]
        .iter()
        .find(|t| t.kind == Kind::Label && matches(&t.core))
    {
        notes.push(format!(
            "第{}行“{label}”之后不是{n}个数字（可能有空白格在转成文本时丢失），这一行未读取",
            t.line
        ));
    }
}

fn rebuild(tokens: &[Token], out: &mut Rebuilt, notes: &mut Vec<String>) {
    // The title, for the unit and the year.
    if let Some(t) = tokens.iter().find(|t| {
        let f = fold(&t.text);
        t.kind == Kind::Label
            && (f.contains("年度报告") || f.contains("年报"))
            && f.chars().count() <= 60
    }) {
        let r = out.row();
        out.put(r, 0, &t.text, t.line);
    }

    // 表二: each item's label and its 3 or 1 numbers, under a header naming its columns.
    out.row();
    for item in ACTIVE_ITEMS {
        let n = item.columns.len();
        let matches = |c: &str| item.row.matcher.matches(c);
        let Some(i) = find_row(tokens, 0, n, matches) else {
            note_short_row(tokens, 0, item.row.label, n, notes, matches);
            continue;
        };
        let header = out.row();
        out.put(header, 0, "信息内容", tokens[i].line);
        for (c, part) in item.columns.iter().enumerate() {
            out.put(header, c as u32 + 1, part.label, tokens[i].line);
        }
        let r = out.row();
        out.take(r, 0, &tokens[i]);
        for k in 0..n {
            out.take(r, k as u32 + 1, &tokens[i + 1 + k]);
        }
    }

    // 表三: the 25 rows in their order, 7 numbers each.
    out.row();
    let header = out.row();
    let columns = APPLY_COLUMNS.len();
    let mut from = 0;
    let mut first = None;
    for (ri, part) in APPLY_ROWS.iter().enumerate() {
        let matches = |c: &str| part.matcher.matches(c);
        let Some(i) = find_row(tokens, from, columns, matches) else {
            note_short_row(
                tokens,
                from,
                &crate::schema::apply_row_name(ri),
                columns,
                notes,
                matches,
            );
            continue;
        };
        first.get_or_insert(i);
        let r = out.row();
        out.take(r, 0, &tokens[i]);
        for k in 0..columns {
            out.take(r, k as u32 + 1, &tokens[i + 1 + k]);
        }
        from = i + 1 + columns;
    }
    if let Some(i) = first {
        for (c, part) in APPLY_COLUMNS.iter().enumerate() {
            let leaf = part.label.rsplit('/').next().unwrap_or(part.label);
            out.put(header, c as u32 + 1, leaf, tokens[i].line);
        }
    }

    // 表四: after its group label, the first 15 value cells that follow a label.
    let per_group = LITIGATION_COLUMNS.len();
    let n = LITIGATION_GROUPS.len() * per_group;
    let start = tokens
        .iter()
        .position(|t| t.kind == Kind::Label && LITIGATION_GROUPS[0].matcher.matches(&t.core));
    let values_at = start.and_then(|s| {
        (s..tokens.len())
            .find(|&i| tokens[i].kind == Kind::Label && values_follow(tokens, i, n))
            .map(|i| i + 1)
    });
    match (start, values_at) {
        (Some(s), Some(v)) => {
            out.row();
            let groups = out.row();
            let leaves = out.row();
            let values = out.row();
            for (g, group) in LITIGATION_GROUPS.iter().enumerate() {
                let col = (g * per_group) as u32;
                let label = group.label.rsplit('/').next().unwrap_or(group.label);
                out.put(groups, col, label, tokens[s].line);
                for (l, leaf) in LITIGATION_COLUMNS.iter().enumerate() {
                    out.put(leaves, col + l as u32, leaf.label, tokens[v - 1].line);
                    out.take(values, col + l as u32, &tokens[v + g * per_group + l]);
                }
            }
        }
        (Some(s), None) => notes.push(format!(
            "第{}行“行政复议”之后找不到连续{n}个数字（可能有空白格在转成文本时丢失），表四未读取",
            tokens[s].line
        )),
        _ => {}
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
