//! Stage 3: find the three tables in a [`Workbook`] by their labels, never by position, and
//! say for each of the 200 fields which cell holds it. Also collects what names the unit
//! and the year, and any label of the 2019 trial format.
//!
//! A workbook in the long form (`unit,year,field_id,value`) is recognised here too and may
//! hold several submissions.

mod active;
mod apply;
mod claims;
mod labels;
mod litigation;
mod long_form;

use crate::grid::{Cell, Location, Paragraph, Workbook};
use crate::schema::{self, FieldIdx, TableId, FIELD_COUNT};
use crate::text::fold;
use active::locate_active;
use apply::locate_apply;
pub use claims::year_in;
use claims::{scan_claims, SheetClaims};
use labels::Labelled;
use litigation::locate_litigation;
use long_form::{locate_long_form, long_table_of, wide_table_of};

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
