//! Stage 3: find the three tables in a [`Workbook`] by their labels, never by position, and
//! say for each of the 200 fields which cell holds it. Also collects what names the unit
//! and the year, and any label of the 2019 trial format.
//!
//! A workbook in the long form (`unit,year,field_id,value`) is recognised here too and may
//! hold several submissions.

use std::collections::HashMap;

use crate::grid::{Cell, Location, LongTable, LongTableBuilder, Paragraph, Sheet, Workbook};
use crate::schema::{
    self, FieldIdx, Matcher, Part, TableId, ACTIVE_ITEMS, APPLY_COLUMNS, APPLY_ROWS, FIELD_COUNT,
    LITIGATION_COLUMNS, LITIGATION_GROUPS,
};
use crate::text::{core_into, drop_notes, fold, fold_into, parse_value, ParsedValue, Searchable};

/// A cell the locator picked for a field, with what it held.
#[derive(Debug, Clone, PartialEq)]
pub struct RawValue {
    pub at: Location,
    pub cell: Cell,
}

/// A row, column or table of the format that the submission lacks.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingPart {
    /// What is missing, in Chinese, for the auditor.
    pub what: String,
    pub fields: Vec<FieldIdx>,
    /// Where the table that lacks it was found; none for a table not found at all.
    pub at: Option<Location>,
}

/// A row or column of a table that appears twice among the visible cells, with different
/// numbers: the first was read, the other left. Which is right only the unit knows.
#[derive(Debug, Clone, PartialEq)]
pub struct TwiceLine {
    /// The row or column, in Chinese, for the auditor.
    pub what: String,
    /// The label cell of the line read, and of the one left.
    pub taken: Location,
    pub left: Location,
    pub fields: Vec<FieldIdx>,
}

/// Where a unit name or year was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ClaimSource {
    /// A labelled cell (填报单位：…, 报告年度：…) or the long form's own column.
    Labelled,
    /// The report's title.
    Title,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub text: String,
    pub at: Location,
    pub source: ClaimSource,
    /// Made on a sheet the tables were taken from: it outranks any other sheet's claim.
    pub primary: bool,
}

/// One submission as found in a file, before its values are parsed.
#[derive(Debug, Clone)]
pub struct RawSubmission {
    /// Indexed by [`FieldIdx`]; `None` where the field's row or column was not found.
    pub values: Vec<Option<RawValue>>,
    pub missing: Vec<MissingPart>,
    /// Labels of the 2019 trial format, where they were seen.
    pub old_format: Vec<Claim>,
    pub unit_claims: Vec<Claim>,
    pub year_claims: Vec<Claim>,
    /// The report's narrative, when the file has one.
    pub narrative: Vec<Paragraph>,
    pub twice: Vec<TwiceLine>,
    pub notes: Vec<String>,
}

impl RawSubmission {
    fn empty() -> Self {
        RawSubmission {
            values: vec![None; FIELD_COUNT],
            missing: Vec::new(),
            old_format: Vec::new(),
            unit_claims: Vec::new(),
            year_claims: Vec::new(),
            narrative: Vec::new(),
            twice: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn found_count(&self) -> usize {
        self.values.iter().filter(|v| v.is_some()).count()
    }
}

/// Finds the submissions in a workbook. An error says why nothing could be found.
pub fn locate(book: &Workbook) -> Result<Vec<RawSubmission>, String> {
    if let Some(table) = &book.long_form {
        return locate_long_form(table);
    }
    if let Some(sheet) = book.sheets.first() {
        if let Some(table) = long_table_of(sheet).or_else(|| wide_table_of(sheet)) {
            return locate_long_form(&table);
        }
    }
    let sheets: Vec<Labelled> = book.sheets.iter().map(Labelled::new).collect();
    let claims: Vec<SheetClaims> = sheets.iter().map(scan_claims).collect();
    let finders: [TableFinder; 3] = [locate_active, locate_apply, locate_litigation];
    let mut hits: Vec<[Option<TableHit>; 3]> = sheets
        .iter()
        .map(|s| finders.map(|finder| finder(s)))
        .collect();
    let per_unit = sheets_of_their_own_units(&sheets, &claims, &hits);
    if per_unit.len() > 1 {
        let mut found = Vec::new();
        for i in per_unit {
            let mut sheet_hits: Vec<[Option<TableHit>; 3]> =
                (0..sheets.len()).map(|_| [None, None, None]).collect();
            sheet_hits[i] = std::mem::take(&mut hits[i]);
            let mut sub = submission_from(&sheets, &claims, sheet_hits, &[i]);
            sub.notes.push(format!(
                "工作簿中每个工作表是一个单位的报告：本报告取自工作表“{}”",
                sheets[i].sheet.name
            ));
            sub.narrative.clone_from(&book.narrative);
            found.push(sub);
        }
        return Ok(found);
    }
    let all: Vec<usize> = (0..sheets.len()).collect();
    let mut found = submission_from(&sheets, &claims, hits, &all);
    found.narrative.clone_from(&book.narrative);
    if found.found_count() == 0 {
        let only_old = claims.iter().any(|c| !c.old_format.is_empty());
        let what = if only_old {
            "只找到 2019 年试行格式的标签，未找到现行格式的统计表"
        } else {
            "未找到年度报告的统计表（表二、表三、表四的标签都不在文件中）"
        };
        return Err(what.into());
    }
    Ok(vec![found])
}

/// The sheets that are each a whole report of a unit of their own: a county's
/// consolidated workbook, or a township's with its offices. Each such sheet holds all
/// three tables, is visible, states no other year than the others, and names a unit that
/// no other of them names. When fewer than two sheets qualify, or two name the same unit
/// or different years (this year's sheet beside last year's, a copy of the template), the
/// workbook is one report and this is empty.
fn sheets_of_their_own_units(
    sheets: &[Labelled],
    claims: &[SheetClaims],
    hits: &[[Option<TableHit>; 3]],
) -> Vec<usize> {
    let complete: Vec<usize> = (0..sheets.len())
        .filter(|&i| !sheets[i].sheet.hidden && hits[i].iter().all(Option::is_some))
        .collect();
    let mut units: Vec<String> = Vec::new();
    let mut years = std::collections::BTreeSet::new();
    for &i in &complete {
        let Some(unit) = claims[i].units.first() else {
            return Vec::new();
        };
        // The name before any year or title words: 「河口镇2024年政府信息公开…」 is 河口镇.
        let unit: String = fold(&unit.text)
            .chars()
            .take_while(|c| !c.is_ascii_digit() && *c != '年')
            .collect();
        // A totals workbook (nianbao's own rollup.xlsx: 全县合计, 乡镇合计…) is one report,
        // its first sheet the whole.
        let total = unit.contains("合计") || unit.contains("汇总");
        if unit.is_empty() || total || units.contains(&unit) {
            return Vec::new();
        }
        units.push(unit);
        years.extend(sheet_year(&sheets[i], &claims[i]));
    }
    if years.len() > 1 {
        return Vec::new();
    }
    if complete.len() > 1 {
        complete
    } else {
        Vec::new()
    }
}

/// One report from the tables found on `candidates`: for each table the best sheet that
/// holds it, then the unit and year those sheets name (before any other sheet's).
fn submission_from(
    sheets: &[Labelled],
    claims: &[SheetClaims],
    hits: Vec<[Option<TableHit>; 3]>,
    candidates: &[usize],
) -> RawSubmission {
    let mut found = RawSubmission::empty();
    let mut used: Vec<usize> = Vec::new();
    let mut by_table: [Vec<(usize, TableHit)>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for (i, sheet_hits) in hits.into_iter().enumerate() {
        for (t, hit) in sheet_hits.into_iter().enumerate() {
            if let Some(hit) = hit.filter(|_| candidates.contains(&i)) {
                by_table[t].push((i, hit));
            }
        }
    }
    let tables = [TableId::Active, TableId::Apply, TableId::Litigation];
    for (table, table_hits) in tables.into_iter().zip(by_table) {
        match choose_sheet(table_hits, sheets, claims, table, &mut found.notes) {
            Some((i, hit)) => {
                let sheet = sheets[i].sheet;
                let from_hidden: Vec<String> = hit
                    .values
                    .iter()
                    .filter(|(_, raw)| match &raw.at {
                        Location::Sheet { row, col, .. } => sheet.is_hidden(*row, *col),
                        _ => false,
                    })
                    .map(|(_, raw)| raw.at.to_string())
                    .collect();
                if !from_hidden.is_empty() {
                    found.notes.push(format!(
                        "“{}”中有 {} 个数值取自隐藏的行或列（如 {}），因为没有可见的同名行列",
                        table.title(),
                        from_hidden.len(),
                        from_hidden[..from_hidden.len().min(3)].join("、")
                    ));
                }
                for (field, raw) in hit.values {
                    found.values[field] = Some(raw);
                }
                found
                    .missing
                    .extend(hit.missing.into_iter().map(|part| MissingPart {
                        at: hit.anchor.clone(),
                        ..part
                    }));
                found.old_format.extend(hit.old_format);
                found.twice.extend(hit.twice);
                found.notes.extend(hit.notes);
                if !used.contains(&i) {
                    used.push(i);
                }
            }
            None => missing_table(table, &mut found),
        }
    }
    for &i in &used {
        let aside = &sheets[i].set_aside;
        if !aside.is_empty() {
            let shown: Vec<String> = aside.iter().take(3).map(ToString::to_string).collect();
            found.notes.push(format!(
                "工作表“{}”隐藏的行或列中有 {} 个标签与可见的标签相同（如 {}），已按可见的读取",
                sheets[i].sheet.name,
                aside.len(),
                shown.join("、")
            ));
        }
    }
    // The sheets the tables came from speak first for the unit and the year.
    let rest = candidates.iter().copied().filter(|i| !used.contains(i));
    let order: Vec<usize> = used.iter().copied().chain(rest).collect();
    for &i in &order {
        let primary = used.contains(&i);
        let mark = |c: &Claim| Claim {
            primary,
            ..c.clone()
        };
        found.unit_claims.extend(claims[i].units.iter().map(mark));
        found.year_claims.extend(claims[i].years.iter().map(mark));
        if primary {
            found
                .old_format
                .extend(claims[i].old_format.iter().cloned());
        }
    }
    found
}

/// The column of the last label of a row left of `end`: where a row's name is.
fn labels_col(sheet: &Labelled, row: u32, end: u32) -> Option<u32> {
    sheet
        .labels_in(row, sheet.sheet.origin.1..end)
        .last()
        .map(|&(c, _)| c)
}

/// Finds one table on one sheet, if its anchor label is there.
type TableFinder = fn(&Labelled) -> Option<TableHit>;

/// One table as found on one sheet.
#[derive(Default)]
struct TableHit {
    /// The cell the table was found by: where its missing rows and columns are reported.
    anchor: Option<Location>,
    values: Vec<(FieldIdx, RawValue)>,
    missing: Vec<MissingPart>,
    old_format: Vec<Claim>,
    twice: Vec<TwiceLine>,
    notes: Vec<String>,
}

impl TableHit {
    /// Fields located, then fields whose cell holds something: a table beats labels quoted
    /// in instructions, and a filled-in table beats a blank template.
    fn score(&self) -> (usize, usize) {
        let filled = self
            .values
            .iter()
            .filter(|(_, v)| !v.cell.is_empty())
            .count();
        (self.values.len(), filled)
    }
}

/// The latest year a sheet states in its name, title or 年度 cell.
fn sheet_year(sheet: &Labelled, claims: &SheetClaims) -> Option<i32> {
    claims
        .years
        .iter()
        .filter_map(|c| year_in(&c.text))
        .chain(year_in(&fold(&sheet.sheet.name)))
        .max()
}

/// Of the sheets holding a table: visible before hidden (a hidden sheet is a leftover),
/// then the most complete; among equals, the latest year (a workbook keeping last year's
/// sheet beside this year's), then the first.
fn choose_sheet(
    hits: Vec<(usize, TableHit)>,
    sheets: &[Labelled],
    claims: &[SheetClaims],
    table: TableId,
    notes: &mut Vec<String>,
) -> Option<(usize, TableHit)> {
    let names: Vec<&str> = hits.iter().map(|(i, _)| &*sheets[*i].sheet.name).collect();
    let best = hits
        .iter()
        .enumerate()
        .max_by_key(|(order, (i, hit))| {
            let year = sheet_year(&sheets[*i], &claims[*i]);
            let visible = !sheets[*i].sheet.hidden;
            (visible, hit.score(), year, std::cmp::Reverse(*order))
        })
        .map(|(order, _)| order)?;
    if hits.len() > 1 {
        notes.push(format!(
            "工作表{}都有{}表，使用了最完整（同样完整时年度最晚）的“{}”",
            names
                .iter()
                .map(|n| format!("“{n}”"))
                .collect::<Vec<_>>()
                .join("、"),
            table.title(),
            names[best]
        ));
    }
    hits.into_iter().nth(best)
}

/// A text cell's label forms, computed once per cell, one after the other in its sheet's
/// [`Labelled::texts`]: `start..folded_end` and `folded_end..core_end`.
#[derive(Clone, Copy)]
struct Label {
    start: u32,
    /// The [`fold`]ed form ends here, where the core starts: for the unit, the year and the
    /// old format's labels.
    folded_end: u32,
    /// The [`core`](crate::text::core) ends here: for matching the tables' labels; empty
    /// when only a note.
    core_end: u32,
    /// The core's length in characters: labels are short, narrative is long.
    core_chars: u32,
    /// The core's bytes, summed up for [`Searchable`].
    core_set: u64,
}

impl Label {
    fn folded(&self) -> (u32, u32) {
        (self.start, self.folded_end)
    }

    fn core(&self) -> (u32, u32) {
        (self.folded_end, self.core_end)
    }
}

/// A text's folded form and core, one after the other, and what a [`Label`] keeps.
struct Forms {
    both: Box<str>,
    folded_len: u32,
    core_chars: u32,
    core_set: u64,
}

/// The label forms of the texts a thread has seen. Every report repeats the format's
/// labels: each thread keeps the forms of the short texts it has seen, and folds a label
/// once a run instead of once a file.
#[derive(Default)]
struct SeenLabels {
    forms: foldhash::HashMap<Box<str>, Forms>,
    /// A buffer to reuse.
    core: String,
}

thread_local! {
    static SEEN_LABELS: std::cell::RefCell<SeenLabels> = Default::default();
}

impl SeenLabels {
    /// Longer texts are titles and narrative, seen once; past this many texts kept (unit
    /// names, titles), a thread starts again. The format's labels are a few hundred: 4,096
    /// keeps them with room to spare, in about 0.5 MB a thread (65,536 took 11 MB a thread
    /// at 100,000 units, 176 MB on 16 threads, for no more hits).
    const MAX_KEPT_BYTES: usize = 96;
    const MAX_KEPT: usize = 1 << 12;

    /// The label forms of `text`, as [`Label`] ranges of `texts`, to which they are appended.
    fn label_forms(&mut self, text: &str, texts: &mut String) -> Label {
        let start = texts.len();
        let label = |forms: &Forms| Label {
            start: start as u32,
            folded_end: start as u32 + forms.folded_len,
            core_end: (start + forms.both.len()) as u32,
            core_chars: forms.core_chars,
            core_set: forms.core_set,
        };
        if let Some(forms) = self.forms.get(text) {
            texts.push_str(&forms.both);
            return label(forms);
        }
        fold_into(text, texts);
        let folded_len = (texts.len() - start) as u32;
        let core = &mut self.core;
        core.clear();
        core_into(&texts[start..], core);
        texts.push_str(core);
        let forms = Forms {
            both: texts[start..].into(),
            folded_len,
            core_chars: core.chars().count() as u32,
            core_set: Searchable::new(core).char_set(),
        };
        let found = label(&forms);
        if text.len() <= Self::MAX_KEPT_BYTES {
            if self.forms.len() == Self::MAX_KEPT {
                self.forms.clear();
            }
            self.forms.insert(text.into(), forms);
        }
        found
    }
}

/// A sheet with the label forms of every text cell computed once.
struct Labelled<'a> {
    sheet: &'a Sheet,
    /// Every label form of the sheet, one after the other: one buffer a sheet, not two
    /// strings a cell.
    texts: String,
    labels: Vec<Vec<Option<Label>>>,
    /// Labels in hidden rows or columns not read, because a visible cell has the same.
    set_aside: Vec<Location>,
}

impl<'a> Labelled<'a> {
    fn new(sheet: &'a Sheet) -> Self {
        let mut texts = String::new();
        let mut labels: Vec<Vec<Option<Label>>> = SEEN_LABELS.with_borrow_mut(|seen| {
            sheet
                .rows
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|cell| Some(seen.label_forms(cell.text()?, &mut texts)))
                        .collect()
                })
                .collect()
        });
        let mut set_aside = Vec::new();
        if !sheet.hidden_rows.is_empty() || !sheet.hidden_cols.is_empty() {
            // What the clerk sees is what is read: a label in a hidden row or column (last
            // year's 总计 column kept beside this year's) gives way to a visible one.
            let (r0, c0) = sheet.origin;
            let hidden = |r: usize, c: usize| sheet.is_hidden(r0 + r as u32, c0 + c as u32);
            let texts = texts.as_str();
            let visible: std::collections::HashSet<&str> = labels
                .iter()
                .enumerate()
                .flat_map(|(r, row)| {
                    row.iter().enumerate().filter_map(move |(c, l)| {
                        l.as_ref()
                            .map(|l| span(texts, l.core()))
                            .filter(|core| !core.is_empty() && !hidden(r, c))
                    })
                })
                .collect();
            for (r, row) in labels.iter().enumerate() {
                for (c, label) in row.iter().enumerate() {
                    if let Some(core) = label.map(|l| span(texts, l.core())) {
                        if !core.is_empty() && hidden(r, c) && visible.contains(core) {
                            set_aside.push((r, c));
                        }
                    }
                }
            }
            for &(r, c) in &set_aside {
                labels[r][c] = None;
            }
        }
        let set_aside = set_aside
            .into_iter()
            .map(|(r, c)| sheet.location(sheet.origin.0 + r as u32, sheet.origin.1 + c as u32))
            .collect();
        Labelled {
            sheet,
            texts,
            labels,
            set_aside,
        }
    }

    fn label(&self, row: u32, col: u32) -> Option<&Label> {
        let (r0, c0) = self.sheet.origin;
        if row < r0 || col < c0 {
            return None;
        }
        self.labels
            .get((row - r0) as usize)?
            .get((col - c0) as usize)?
            .as_ref()
    }

    fn core(&self, row: u32, col: u32) -> Option<Searchable<'_>> {
        self.label(row, col)
            .map(|l| self.searchable_core(l))
            .filter(|c| !c.as_str().is_empty())
    }

    fn searchable_core(&self, label: &Label) -> Searchable<'_> {
        Searchable::with_char_set(span(&self.texts, label.core()), label.core_set)
    }

    fn folded(&self, label: &Label) -> &str {
        span(&self.texts, label.folded())
    }

    fn cols(&self) -> std::ops::Range<u32> {
        self.sheet.origin.1..self.sheet.end_col()
    }

    /// Labelled cells of one row between two columns, left to right.
    fn labels_in(&self, row: u32, cols: std::ops::Range<u32>) -> Vec<(u32, Searchable<'_>)> {
        cols.filter_map(|c| self.core(row, c).map(|s| (c, s)))
            .collect()
    }

    /// The first cell, row by row, whose core matches and is short enough to be a label.
    /// Walks the cells there are, not the rectangle around them.
    fn find(&self, matcher: &Matcher) -> Option<(u32, u32)> {
        let (r0, c0) = self.sheet.origin;
        self.labels.iter().enumerate().find_map(|(r, row)| {
            row.iter().enumerate().find_map(|(c, label)| {
                label
                    .as_ref()
                    .filter(|l| {
                        (1..=24).contains(&l.core_chars)
                            && matcher.matches_in(&self.searchable_core(l))
                    })
                    .map(|_| (r0 + r as u32, c0 + c as u32))
            })
        })
    }

    fn raw(&self, row: u32, col: u32) -> RawValue {
        RawValue {
            at: self.sheet.location(row, col),
            cell: self.sheet.get(row, col).clone(),
        }
    }
}

/// The text of a label form: `range` of a sheet's label texts.
fn span(texts: &str, (start, end): (u32, u32)) -> &str {
    &texts[start as usize..end as usize]
}

fn table_fields(table: TableId) -> Vec<FieldIdx> {
    schema::fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.table == table)
        .map(|(i, _)| i)
        .collect()
}

fn missing_table(table: TableId, found: &mut RawSubmission) {
    found.missing.push(MissingPart {
        at: None,
        what: format!("未找到{}表", table.title()),
        fields: table_fields(table),
    });
}

// ---- 表二 ----------------------------------------------------------------------------

/// How far above an item row its column headers may stand.
const HEADER_REACH: u32 = 6;

fn locate_active(sheet: &Labelled) -> Option<TableHit> {
    let (r, c) = ACTIVE_ITEMS
        .iter()
        .find_map(|item| sheet.find(&item.row.matcher))?;
    let mut hit = TableHit {
        anchor: Some(sheet.sheet.location(r, c)),
        ..TableHit::default()
    };
    for (item_idx, item) in ACTIVE_ITEMS.iter().enumerate() {
        let Some((row, label_col)) = sheet.find(&item.row.matcher) else {
            hit.missing.push(MissingPart {
                at: None,
                what: format!("表二缺少“{}”一行", item.row.label),
                fields: (0..item.columns.len())
                    .map(|c| schema::active_index(item_idx, c))
                    .collect(),
            });
            continue;
        };
        let header_cols = active_header(sheet, row, label_col, item.columns);
        for (col_idx, part) in item.columns.iter().enumerate() {
            let field = schema::active_index(item_idx, col_idx);
            match header_cols[col_idx] {
                Some(col) => {
                    let col = if item.columns.len() == 1 {
                        single_value_col(sheet, row, label_col, col)
                    } else {
                        col
                    };
                    hit.values.push((field, sheet.raw(row, col)));
                }
                None => hit.missing.push(MissingPart {
                    at: None,
                    what: format!("表二“{}”缺少“{}”一列", item.row.label, part.label),
                    fields: vec![field],
                }),
            }
        }
    }
    Some(hit)
}

/// Columns of an item's headers: the nearest row above it that names any of them.
fn active_header(sheet: &Labelled, row: u32, label_col: u32, columns: &[Part]) -> Vec<Option<u32>> {
    let top = row.saturating_sub(HEADER_REACH).max(sheet.sheet.origin.0);
    for r in (top..row).rev() {
        let labels = sheet.labels_in(r, label_col + 1..sheet.sheet.end_col());
        let cols: Vec<Option<u32>> = columns
            .iter()
            .map(|p| {
                labels
                    .iter()
                    .find(|(_, s)| p.matcher.matches_in(s))
                    .map(|(c, _)| *c)
            })
            .collect();
        if cols.iter().any(Option::is_some) {
            return cols;
        }
    }
    vec![None; columns.len()]
}

/// The template merges a single value over several columns; a unit that unmerged it may
/// have typed the number a cell or two to the right. Take the first number between the
/// label and a little past the header column, else the header column itself.
fn single_value_col(sheet: &Labelled, row: u32, label_col: u32, header_col: u32) -> u32 {
    if !sheet.sheet.get(row, header_col).is_empty() {
        return header_col;
    }
    (label_col + 1..header_col + 4)
        .find(|&c| {
            let cell = sheet.sheet.get(row, c);
            matches!(cell, Cell::Number(_))
                || cell
                    .text()
                    .is_some_and(|t| matches!(parse_value(t), ParsedValue::Number(_)))
        })
        .unwrap_or(header_col)
}

// ---- 表三 ----------------------------------------------------------------------------

/// Rows the column headers of table 三 may span, counted from the 自然人 cell.
const APPLY_HEADER_ROWS: u32 = 4;
/// Rows of table 三 below its header (25 in the template; room for spacer rows).
const APPLY_MAX_ROWS: u32 = 60;
/// The group over the five kinds of organisation; some headers prefix each kind with it.
const ORGANISATIONS: &str = "法人或其他组织";

fn apply_row_of(labels: &[(u32, Searchable)]) -> Option<usize> {
    // Right to left: the item (1.属于国家秘密) stands right of its group (（三）不予公开).
    labels.iter().rev().find_map(|(_, s)| {
        let mut hits = APPLY_ROWS
            .iter()
            .enumerate()
            .filter(|(_, p)| p.matcher.matches_in(s));
        match (hits.next(), hits.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    })
}

fn is_table_end(labels: &[(u32, Searchable)]) -> bool {
    labels.iter().any(|(_, s)| {
        LITIGATION_GROUPS[0].matcher.matches_in(s)
            || s.contains("行政诉讼")
            || ACTIVE_ITEMS.iter().any(|i| i.row.matcher.matches_in(s))
    })
}

/// A column header without the group name some units repeat in it (法人或其他组织\n其他).
fn column_leaf(s: &str) -> &str {
    match s.strip_prefix(ORGANISATIONS) {
        Some(rest) if !rest.is_empty() => rest.trim_start_matches(['-', '/', ':', '_', '—']),
        _ => s,
    }
}

fn locate_apply(sheet: &Labelled) -> Option<TableHit> {
    let (header_row, natural_col) = sheet.find(&APPLY_COLUMNS[0].matcher)?;
    let mut hit = TableHit {
        anchor: Some(sheet.sheet.location(header_row, natural_col)),
        ..TableHit::default()
    };

    // Column headers: from the row above 自然人 down to the first data row.
    let first_header = header_row.saturating_sub(1).max(sheet.sheet.origin.0);
    let mut columns: Vec<Option<u32>> = vec![None; APPLY_COLUMNS.len()];
    // Where each column's header was found, and any other column with the same header.
    let mut header_of: Vec<Option<(u32, u32)>> = vec![None; APPLY_COLUMNS.len()];
    let mut other_columns: Vec<Vec<(u32, u32)>> = vec![Vec::new(); APPLY_COLUMNS.len()];
    let mut data_start = header_row + 1;
    for r in first_header..header_row + APPLY_HEADER_ROWS {
        let labels = sheet.labels_in(r, sheet.cols());
        if r > header_row && labels.iter().any(|(_, s)| contains_matcher_hit(s)) {
            break;
        }
        for (i, part) in APPLY_COLUMNS.iter().enumerate() {
            let mut matching = labels
                .iter()
                .filter(|(_, s)| part.matcher.matches_in(&s.part(column_leaf(s.as_str()))))
                .map(|(c, _)| (r, *c));
            if columns[i].is_none() {
                columns[i] = matching.next().map(|(_, c)| c);
                header_of[i] = columns[i].map(|c| (r, c));
            }
            other_columns[i].extend(matching.filter(|&(_, c)| Some(c) != columns[i]));
        }
        data_start = r + 1;
    }
    let label_end = columns.iter().flatten().copied().min().unwrap_or(0);
    for (i, part) in APPLY_COLUMNS.iter().enumerate() {
        if columns[i].is_none() {
            hit.missing.push(MissingPart {
                at: None,
                what: format!("表三缺少“{}”一列", part.label),
                fields: (0..APPLY_ROWS.len())
                    .map(|r| schema::apply_index(r, i))
                    .collect(),
            });
        }
    }

    let mut rows: Vec<Option<u32>> = vec![None; APPLY_ROWS.len()];
    let end = sheet.sheet.end_row().min(data_start + APPLY_MAX_ROWS);
    for r in data_start..end {
        let labels = sheet.labels_in(r, sheet.sheet.origin.1..label_end);
        if is_table_end(&labels) {
            break;
        }
        match apply_row_of(&labels) {
            Some(i) if rows[i].is_none() => rows[i] = Some(r),
            Some(i) => {
                let first = rows[i].expect("seen");
                let label_at = |row: u32| {
                    let col =
                        labels_col(sheet, row, label_end).unwrap_or(label_end.saturating_sub(1));
                    sheet.sheet.location(row, col)
                };
                let differs = columns
                    .iter()
                    .flatten()
                    .any(|&c| sheet.sheet.get(first, c) != sheet.sheet.get(r, c));
                let name = APPLY_ROWS[i].label.replace('/', " ");
                if differs {
                    hit.twice.push(TwiceLine {
                        what: format!("表三“{name}”一行"),
                        taken: label_at(first),
                        left: label_at(r),
                        fields: (0..APPLY_COLUMNS.len())
                            .map(|c| schema::apply_index(i, c))
                            .collect(),
                    });
                } else {
                    hit.notes.push(format!(
                        "表三“{name}”一行出现了两次（{}），数字相同，使用了第一次",
                        label_at(r)
                    ));
                }
            }
            None => {
                if let Some((c, _)) = labels.iter().rev().find(|(_, s)| s.as_str() == "其他处理")
                {
                    let has_values = columns
                        .iter()
                        .flatten()
                        .any(|&vc| !sheet.sheet.get(r, vc).is_empty());
                    if has_values {
                        hit.old_format.push(Claim {
                            text: "（六）其他处理（一行，无细分项）".into(),
                            at: sheet.sheet.location(r, *c),
                            source: ClaimSource::Labelled,
                            primary: true,
                        });
                    }
                }
            }
        }
        if rows[APPLY_ROWS.len() - 1].is_some() {
            break;
        }
    }

    for (ci, others) in other_columns.iter().enumerate() {
        let (Some(taken), Some((header_row, taken_col))) = (columns[ci], header_of[ci]) else {
            continue;
        };
        for &(r, c) in others {
            let differs = rows
                .iter()
                .flatten()
                .any(|&row| sheet.sheet.get(row, taken) != sheet.sheet.get(row, c));
            if differs {
                hit.twice.push(TwiceLine {
                    what: format!("表三“{}”一列", APPLY_COLUMNS[ci].label.replace('/', " ")),
                    taken: sheet.sheet.location(header_row, taken_col),
                    left: sheet.sheet.location(r, c),
                    fields: (0..APPLY_ROWS.len())
                        .map(|row| schema::apply_index(row, ci))
                        .collect(),
                });
            }
        }
    }

    for (ri, part) in APPLY_ROWS.iter().enumerate() {
        let Some(r) = rows[ri] else {
            hit.missing.push(MissingPart {
                at: None,
                what: format!("表三缺少“{}”一行", part.label.replace('/', " ")),
                fields: (0..APPLY_COLUMNS.len())
                    .map(|c| schema::apply_index(ri, c))
                    .collect(),
            });
            continue;
        };
        for (ci, col) in columns.iter().enumerate() {
            if let Some(c) = col {
                hit.values
                    .push((schema::apply_index(ri, ci), sheet.raw(r, *c)));
            }
        }
    }
    Some(hit)
}

/// Whether a label matches a table 三 row by a distinctive word (not by 其他 or 总计).
fn contains_matcher_hit(s: &Searchable) -> bool {
    APPLY_ROWS
        .iter()
        .any(|p| matches!(p.matcher, Matcher::Contains(_)) && p.matcher.matches_in(s))
}

// ---- 表四 ----------------------------------------------------------------------------

/// How many rows below its group label a group's column headers may stand.
const LEAF_REACH: u32 = 3;

/// Where one group of table 四 keeps its five numbers.
struct GroupCells {
    /// Leaf → (header row, column).
    leaves: Vec<Option<(u32, u32)>>,
    /// The leaves head columns below the group label (the template), or the group label
    /// heads a row with the leaves in a header row above (a transposed table).
    transposed: bool,
    group_row: u32,
}

/// Table 四, one group at a time: the template's horizontal layout, the review block and
/// the suit blocks stacked one above the other, or the table transposed (groups as rows).
fn locate_litigation(sheet: &Labelled) -> Option<TableHit> {
    let starts: Vec<Option<(u32, u32)>> = LITIGATION_GROUPS
        .iter()
        .map(|g| sheet.find(&g.matcher))
        .collect();
    if starts.iter().all(Option::is_none) {
        return None;
    }
    let groups: Vec<Option<GroupCells>> = starts
        .iter()
        .map(|s| s.map(|(r, c)| group_cells(sheet, r, c)))
        .collect();
    let anchor = starts
        .iter()
        .flatten()
        .next()
        .map(|&(r, c)| sheet.sheet.location(r, c));
    let mut hit = TableHit {
        anchor,
        ..TableHit::default()
    };
    for (g, group) in LITIGATION_GROUPS.iter().enumerate() {
        let Some(cells) = &groups[g] else {
            hit.missing.push(MissingPart {
                at: None,
                what: format!("表四缺少“{}”一栏", group.label),
                fields: (0..LITIGATION_COLUMNS.len())
                    .map(|c| schema::litigation_index(g, c))
                    .collect(),
            });
            continue;
        };
        let value_row = if cells.transposed {
            cells.group_row
        } else {
            horizontal_value_row(sheet, cells, &groups)
        };
        for (l, leaf) in LITIGATION_COLUMNS.iter().enumerate() {
            let field = schema::litigation_index(g, l);
            match cells.leaves[l] {
                Some((_, c)) => hit.values.push((field, sheet.raw(value_row, c))),
                None => hit.missing.push(MissingPart {
                    at: None,
                    what: format!("表四“{}”缺少“{}”一列", group.label, leaf.label),
                    fields: vec![field],
                }),
            }
        }
    }
    Some(hit)
}

fn group_cells(sheet: &Labelled, row: u32, col: u32) -> GroupCells {
    // Horizontal: the leaves under the group label, up to the next label on its row
    // (the next group's, since a group label spans its own columns).
    let end = (col + 1..sheet.sheet.end_col())
        .find(|&c| !sheet.sheet.get(row, c).is_empty())
        .unwrap_or(sheet.sheet.end_col());
    let below = find_leaves(sheet, row + 1..row + 1 + LEAF_REACH, col..end);
    if below.iter().any(Option::is_some) {
        return GroupCells {
            leaves: below,
            transposed: false,
            group_row: row,
        };
    }
    // Transposed: the group label heads a row; the leaves head columns in a row above.
    let top = row.saturating_sub(2 * LEAF_REACH).max(sheet.sheet.origin.0);
    let above = (top..row)
        .rev()
        .map(|r| find_leaves(sheet, r..r + 1, col + 1..sheet.sheet.end_col()))
        .find(|leaves| leaves.iter().any(Option::is_some))
        .unwrap_or_else(|| vec![None; LITIGATION_COLUMNS.len()]);
    GroupCells {
        leaves: above,
        transposed: true,
        group_row: row,
    }
}

/// Each leaf's first cell, row by row, within the rows and columns given.
fn find_leaves(
    sheet: &Labelled,
    rows: std::ops::Range<u32>,
    cols: std::ops::Range<u32>,
) -> Vec<Option<(u32, u32)>> {
    LITIGATION_COLUMNS
        .iter()
        .map(|leaf| {
            rows.clone().find_map(|r| {
                cols.clone().find_map(|c| {
                    sheet
                        .core(r, c)
                        .filter(|s| leaf.matcher.matches_in(s))
                        .map(|_| (r, c))
                })
            })
        })
        .collect()
}

/// The row of a horizontal group's numbers: below the lowest header row of the groups
/// that share its header band (the review group's headers are merged down beside the
/// suits' second header row), skipping empty spacer rows.
fn horizontal_value_row(
    sheet: &Labelled,
    cells: &GroupCells,
    groups: &[Option<GroupCells>],
) -> u32 {
    let leaf_rows = |g: &GroupCells| {
        g.leaves
            .iter()
            .flatten()
            .map(|(r, _)| *r)
            .collect::<Vec<_>>()
    };
    let own = leaf_rows(cells);
    let (low, high) = (
        own.iter().copied().min().unwrap_or(cells.group_row),
        own.iter().copied().max().unwrap_or(cells.group_row),
    );
    let band_bottom = groups
        .iter()
        .flatten()
        .filter(|g| !g.transposed)
        .flat_map(leaf_rows)
        .filter(|r| *r + 1 >= low && *r <= high + 1)
        .max()
        .unwrap_or(high);
    let cols: Vec<u32> = cells.leaves.iter().flatten().map(|(_, c)| *c).collect();
    // An empty spacer row may stand between the headers and the numbers; but when the
    // numbers were left blank, the row below may be a 填报人 line, never the values.
    let numeric = |cell: &Cell| match cell {
        Cell::Empty | Cell::Number(_) => true,
        Cell::Text(t) => !matches!(parse_value(t), ParsedValue::NotNumber(_)),
    };
    let first_filled = (band_bottom + 1..band_bottom + 4)
        .find(|&r| cols.iter().any(|&c| !sheet.sheet.get(r, c).is_empty()));
    match first_filled {
        Some(r) if cols.iter().all(|&c| numeric(sheet.sheet.get(r, c))) => r,
        _ => band_bottom + 1,
    }
}

// ---- unit, year, old format ----------------------------------------------------------

/// Labels that introduce the unit's name.
const UNIT_LABELS: &[&str] = &["填报单位", "单位名称", "报送单位", "编制单位", "填报机关"];
/// Words that end a unit name written in the same cell as other particulars.
const UNIT_NAME_ENDS: &[&str] = &[
    "填报日期",
    "日期",
    "填报人",
    "联系人",
    "联系电话",
    "电话",
    "时间",
];
/// Labels of the 2019 trial format that the 2021 format dropped.
const OLD_FORMAT_LABELS: &[&str] = &[
    "本年新制作数量",
    "本年新公开数量",
    "对外公开总数量",
    "政府集中采购",
];
/// Labels that introduce the report year (never a 填报日期).
const YEAR_LABELS: &[&str] = &["报告年度", "统计年度", "所属年度", "填报年度", "年份"];

/// A cell that introduces the year: 报告年度：, 年度, 年份… but not 本年度办理结果.
fn is_year_label(folded: &Searchable) -> bool {
    YEAR_LABELS.iter().any(|l| folded.contains(l))
        || folded.as_str() == "年度"
        || folded.as_str().starts_with("年度:")
}

/// What one sheet says about the unit, the year and the format, outside the tables.
#[derive(Default)]
struct SheetClaims {
    units: Vec<Claim>,
    years: Vec<Claim>,
    old_format: Vec<Claim>,
}

/// Longest cell taken for a title; longer text is narrative, whose years and names
/// (〔2021〕30号, other units) say nothing about this report.
const TITLE_MAX_CHARS: usize = 60;

fn scan_claims(sheet: &Labelled) -> SheetClaims {
    let mut found = SheetClaims::default();
    for (row, col, _) in sheet.sheet.cells() {
        let Some(label) = sheet.label(row, col) else {
            continue;
        };
        let folded = sheet.folded(label);
        let text = Searchable::new(folded);
        let at = || sheet.sheet.location(row, col);
        let claim = |text: String, source| Claim {
            text,
            at: at(),
            source,
            primary: false,
        };
        if let Some(label) = UNIT_LABELS.iter().find(|l| text.contains(l)) {
            if let Some(name) = unit_after_label(sheet, row, col, folded, label) {
                found.units.push(claim(name, ClaimSource::Labelled));
            }
        }
        if let Some(label) = OLD_FORMAT_LABELS.iter().find(|l| text.contains(l)) {
            found
                .old_format
                .push(claim((*label).into(), ClaimSource::Labelled));
        }
        let is_date = text.contains("日期") || text.contains("时间");
        if is_date {
            continue;
        }
        if is_year_label(&text) && folded.chars().count() <= 20 {
            let value = if year_in(folded).is_some() {
                folded.to_string()
            } else {
                next_text_right(sheet.sheet, row, col).unwrap_or_default()
            };
            if let Some(year) = year_in(&value) {
                found
                    .years
                    .push(claim(year.to_string(), ClaimSource::Labelled));
                continue;
            }
        }
        let is_title = ["年度报告", "年报", "政府信息公开工作", "统计表"]
            .iter()
            .any(|w| text.contains(w));
        if is_title && folded.chars().count() <= TITLE_MAX_CHARS {
            if let Some(year) = year_in(folded) {
                found
                    .years
                    .push(claim(year.to_string(), ClaimSource::Title));
            }
            found
                .units
                .push(claim(folded.to_string(), ClaimSource::Title));
        }
    }
    found
}

fn next_text_right(sheet: &Sheet, row: u32, col: u32) -> Option<String> {
    (col + 1..sheet.end_col().min(col + 8)).find_map(|c| match sheet.get(row, c) {
        Cell::Text(t) if !t.trim().is_empty() => Some(fold(t)),
        Cell::Number(n) => Some(crate::text::format_number(*n)),
        _ => None,
    })
}

/// The unit name after a label such as 填报单位（盖章）：, in the same cell or the next.
fn unit_after_label(
    sheet: &Labelled,
    row: u32,
    col: u32,
    folded: &str,
    label: &str,
) -> Option<String> {
    let after = &folded[folded.find(label)? + label.len()..];
    let mut name = drop_notes(after)
        .trim_start_matches([':', '：'])
        .to_string();
    if let Some(end) = UNIT_NAME_ENDS.iter().filter_map(|w| name.find(w)).min() {
        name.truncate(end);
    }
    let name = name
        .trim_end_matches([':', '：', ',', '，', ';', '；'])
        .to_string();
    if !name.is_empty() {
        return Some(name);
    }
    next_text_right(sheet.sheet, row, col).map(|n| drop_notes(&n))
}

/// Chinese digits as they are written in years: 二〇二四, 二零二四.
fn arabic_digit(c: char) -> Option<char> {
    let digits = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    match c {
        '零' | 'O' | 'o' => Some('0'),
        _ => digits
            .iter()
            .position(|d| *d == c)
            .and_then(|i| char::from_digit(i as u32, 10)),
    }
}

/// A year like 2024 in `2024年度`, `2024年政府…`, `二〇二四年` or `2024`; never in a date
/// (`2025年1月`, `2025-01-10`), a document number (`〔2021〕30号`) or a serial number
/// (`第2000号`). A year followed by 年 wins over a bare one.
pub fn year_in(s: &str) -> Option<i32> {
    let chars: Vec<char> = s.chars().collect();
    let mut bare = None;
    for i in 0..chars.len().saturating_sub(3) {
        let window = &chars[i..i + 4];
        let arabic = window.iter().all(char::is_ascii_digit);
        // Chinese digits count only as a year written out: four of them, then 年.
        let written = !arabic
            && window
                .iter()
                .all(|c| arabic_digit(*c).is_some() && !c.is_ascii())
            && chars.get(i + 4) == Some(&'年');
        if !arabic && !written {
            continue;
        }
        let digits: String = if arabic {
            window.iter().collect()
        } else {
            window.iter().filter_map(|c| arabic_digit(*c)).collect()
        };
        let before = i.checked_sub(1).map(|b| chars[b]);
        let after = chars.get(i + 4).copied();
        let next_digit = |c: Option<char>| {
            c.is_some_and(|c| c.is_ascii_digit() || (written && arabic_digit(c).is_some()))
        };
        if next_digit(before) || next_digit(after) {
            continue;
        }
        // 〔2021〕 is a document number's year, as in 国办公开办函〔2021〕30号.
        let in_number = matches!(before, Some('〔' | '[')) && matches!(after, Some('〕' | ']'));
        let is_date = after.is_some_and(|c| matches!(c, '-' | '/' | '.'))
            || (after == Some('年')
                && chars
                    .get(i + 5)
                    .is_some_and(|c| c.is_ascii_digit() || *c == '元'));
        let serial = after == Some('号');
        let Ok(year) = digits.parse::<i32>() else {
            continue;
        };
        if in_number || is_date || serial || !(2000..=2100).contains(&year) {
            continue;
        }
        if after == Some('年') {
            return Some(year);
        }
        bare = bare.or(Some(year));
    }
    bare
}

// ---- the long form -------------------------------------------------------------------

/// A workbook's first sheet in the long form, as a [`LongTable`]: its first row with a
/// cell names the four columns.
fn long_table_of(sheet: &Sheet) -> Option<LongTable> {
    let (row, _, _) = sheet.cells().next()?;
    // The header's texts from the sheet's first column, so that a position is a column.
    let (c0, end) = (sheet.origin.1, sheet.cols_in(row).end);
    let header: Vec<&str> = (0..end)
        .map(|c| {
            if c < c0 {
                ""
            } else {
                sheet.get(row, c).text().unwrap_or("")
            }
        })
        .collect();
    let cols = LongTable::columns_of(header.iter().copied())?;
    let mut table = LongTableBuilder::new(Some(sheet.name.clone()), cols);
    let text_at = |r: u32, c: u32| match sheet.get(r, c) {
        Cell::Text(t) => t.clone(),
        Cell::Number(n) => crate::text::format_number(*n),
        Cell::Empty => String::new(),
    };
    for r in row + 1..sheet.end_row() {
        let texts = cols.map(|c| text_at(r, c));
        if texts.iter().any(|t| !t.trim().is_empty()) {
            table.push(
                r,
                [&texts[0], &texts[1], &texts[2], &texts[3]].map(String::as_str),
            );
        }
    }
    Some(table.finish())
}

/// Header cells naming the unit and the year in the wide form.
const WIDE_UNIT: &[&str] = &["unit_name", "unit", "单位名称", "单位", "填报单位"];
const WIDE_YEAR: &[&str] = &["year", "年度", "年份"];

/// The field a wide table's column header names: its `field_id`, or its label as
/// [`schema::display_name`] writes it or as the table, row and column path of fields.csv,
/// punctuation and spaces aside. A label two fields share names neither.
fn field_of_header(header: &str) -> Option<FieldIdx> {
    static BY_HEADER: std::sync::LazyLock<HashMap<String, Option<FieldIdx>>> =
        std::sync::LazyLock::new(|| {
            let mut map: HashMap<String, Option<FieldIdx>> = HashMap::new();
            for (f, field) in schema::fields().iter().enumerate() {
                map.insert(field.id.to_lowercase(), Some(f));
                let table = field.table.title().split('、').next().unwrap_or("");
                let path = format!(
                    "表{table}{}{}{}",
                    field.group, field.row_label, field.col_label
                );
                for label in [schema::display_name(f), path] {
                    map.entry(header_key(&label))
                        .and_modify(|e| {
                            if *e != Some(f) {
                                *e = None
                            }
                        })
                        .or_insert(Some(f));
                }
            }
            map
        });
    let trimmed = header.trim().to_lowercase();
    BY_HEADER
        .get(&trimmed)
        .or_else(|| BY_HEADER.get(&header_key(header)))
        .copied()
        .flatten()
}

/// A label with only its letters and digits, folded: `表三“（一）予以公开 自然人”` and
/// `表三 (一)予以公开 自然人` are one key.
fn header_key(label: &str) -> String {
    fold(label)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// A sheet in the wide form, one row per unit: a header row naming at least twenty fields
/// by id or label, a unit column, optionally a year column (nianbao's own normalized.csv is
/// one). Its values as a [`LongTable`] whose rows are the cells under the fields' headers.
fn wide_table_of(sheet: &Sheet) -> Option<LongTable> {
    const FIELDS_TO_BE_WIDE: usize = 20;
    let (row, _, _) = sheet.cells().next()?;
    let header = |c: u32| match sheet.get(row, c) {
        Cell::Text(t) => t.trim().trim_start_matches('\u{feff}').to_lowercase(),
        _ => String::new(),
    };
    let col_named = |names: &[&str]| {
        sheet
            .cols_in(row)
            .find(|&c| names.contains(&header(c).as_str()))
    };
    let fields: Vec<(u32, FieldIdx)> = sheet
        .cols_in(row)
        .filter_map(|c| field_of_header(&header(c)).map(|f| (c, f)))
        .collect();
    if fields.len() < FIELDS_TO_BE_WIDE {
        return None;
    }
    let unit = col_named(WIDE_UNIT)?;
    let year = col_named(WIDE_YEAR);
    // Without a year column the year is the one rolled up.
    let own = LongTable::OWN_COLUMN;
    let mut table = LongTableBuilder::new(
        Some(sheet.name.clone()),
        [unit, year.unwrap_or(own), own, own],
    );
    let text_at = |r: u32, c: u32| match sheet.get(r, c) {
        Cell::Text(t) => t.clone(),
        Cell::Number(n) => crate::text::format_number(*n),
        Cell::Empty => String::new(),
    };
    for r in row + 1..sheet.end_row() {
        let unit_name = text_at(r, unit);
        let year_text = year.map(|c| text_at(r, c)).unwrap_or_default();
        if unit_name.trim().is_empty() {
            continue;
        }
        for &(c, f) in &fields {
            let id = schema::fields()[f].id.as_str();
            table.push_at(r, c, [&unit_name, &year_text, id, &text_at(r, c)]);
        }
    }
    let mut table = table.finish();
    table.wide = true;
    // A CSV's rows are its lines.
    if sheet.csv_lines.is_some() {
        table.sheet = None;
        for long_row in &mut table.rows {
            let line = sheet.location(long_row.row, 0);
            if let Location::Csv { line, .. } = line {
                long_row.row = u32::try_from(line).unwrap_or(u32::MAX);
            }
        }
    }
    Some(table)
}

/// Notes about rows of unknown fields: the first few, then how many more.
const ORPHAN_NOTES: usize = 20;

/// The long form's submissions: one per unit and year named, in the order first seen.
fn locate_long_form(table: &LongTable) -> Result<Vec<RawSubmission>, String> {
    let mut groups: Vec<RawSubmission> = Vec::new();
    let mut group_of = foldhash::HashMap::<(u32, u32, u32), usize>::default();
    let mut orphans = 0usize;
    let mut orphan_notes = Vec::new();
    for row in &table.rows {
        let report = if table.wide { row.row } else { 0 };
        let idx = *group_of
            .entry((row.unit, row.year, report))
            .or_insert_with(|| {
                let mut sub = RawSubmission::empty();
                let claim = |which: usize, text: u32| Claim {
                    text: table.text(text).to_string(),
                    at: table.location(row, which),
                    source: ClaimSource::Labelled,
                    primary: true,
                };
                if row.unit != 0 {
                    sub.unit_claims.push(claim(LongTable::UNIT, row.unit));
                }
                if row.year != 0 {
                    sub.year_claims.push(claim(LongTable::YEAR, row.year));
                }
                groups.push(sub);
                groups.len() - 1
            });
        let sub = &mut groups[idx];
        let field_id = table.text(row.field_id);
        match schema::index_of(field_id) {
            Some(f) if sub.values[f].is_none() => {
                let value = table.text(row.value);
                sub.values[f] = Some(RawValue {
                    at: table.location(row, LongTable::VALUE),
                    cell: if value.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(value.to_string())
                    },
                })
            }
            Some(_) => sub.notes.push(format!(
                "{}：字段 {field_id} 重复出现，使用了第一次的值",
                table.location(row, LongTable::FIELD_ID)
            )),
            None => {
                orphans += 1;
                if orphans <= ORPHAN_NOTES {
                    orphan_notes.push(format!(
                        "{}：未知的字段编号“{field_id}”，该行未读取",
                        table.location(row, LongTable::FIELD_ID)
                    ));
                }
            }
        }
    }
    if groups.is_empty() {
        return Err("长表（unit,year,field_id,value）中没有数据行".into());
    }
    if orphans > ORPHAN_NOTES {
        orphan_notes.push(format!(
            "共有 {orphans} 行的字段编号未知，以上只列出前 {ORPHAN_NOTES} 行"
        ));
    }
    // The file's own notes, said once: they reach the manifest through its first submission.
    groups[0].notes.extend(orphan_notes);
    for sub in &mut groups {
        let absent: Vec<FieldIdx> = (0..FIELD_COUNT)
            .filter(|&f| sub.values[f].is_none())
            .collect();
        if !absent.is_empty() {
            let ids: Vec<&str> = absent
                .iter()
                .take(5)
                .map(|&f| schema::fields()[f].id.as_str())
                .collect();
            let more = if absent.len() > 5 {
                format!(" 等 {} 个字段", absent.len())
            } else {
                String::new()
            };
            sub.missing.push(MissingPart {
                at: None,
                what: format!("长表中缺少字段 {}{more}", ids.join("、")),
                fields: absent,
            });
        }
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_named_by_its_id_and_by_its_labels() {
        for (f, field) in schema::fields().iter().enumerate() {
            let table = field.table.title().split('、').next().unwrap_or("");
            let path = format!(
                "表{table} {} {} {}",
                field.group, field.row_label, field.col_label
            );
            for header in [field.id.to_uppercase(), schema::display_name(f), path] {
                assert_eq!(field_of_header(&header), Some(f), "{header}");
            }
        }
        assert_eq!(field_of_header("总计"), None);
    }

    #[test]
    fn years_are_not_taken_from_dates() {
        assert_eq!(
            year_in("易俗河镇2024年政府信息公开工作年度报告"),
            Some(2024)
        );
        assert_eq!(year_in("2024年度"), Some(2024));
        assert_eq!(year_in("报告年度:2023"), Some(2023));
        assert_eq!(year_in("填报日期:2025年1月10日"), None);
        assert_eq!(year_in("2025-01-10"), None);
        assert_eq!(year_in("电话12345678"), None);
        assert_eq!(year_in("2025年1月10日制2024年度报告"), Some(2024));
        assert_eq!(year_in("二〇二四年政府信息公开工作年度报告"), Some(2024));
        assert_eq!(year_in("二零二三年度"), Some(2023));
        assert_eq!(year_in("国办公开办函〔2021〕30号"), None);
        assert_eq!(year_in("年度报告(2024)"), Some(2024));
        assert_eq!(year_in("〔2021〕30号要求，2024年"), Some(2024));
        assert_eq!(year_in("二〇二五年元月"), None);
        assert_eq!(year_in("一二三四五"), None);
        assert_eq!(
            year_in("第2000号县直部门2024年政府信息公开年报"),
            Some(2024)
        );
        assert_eq!(year_in("第2000号县直部门"), None);
        assert_eq!(year_in("2030 第二版 2024年"), Some(2024));
    }
}
