//! `nianbao demo`: a synthetic county of submissions, filled the way units really fill the
//! template. The sample county in `inputs/` and `config/` comes from it, and the tests use
//! its layouts to write real .xlsx and .csv files.
//!
//! A submission is first laid out as a [`Template`] (cells and merged ranges, as a person
//! sees them in Excel) and then written as xlsx, as a CSV grid in some encoding, or in the
//! long form.

use std::collections::BTreeMap;
use std::path::Path;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook};

use crate::schema::{
    self, FieldIdx, ACTIVE_ITEMS, ACTIVE_TABLE, APPLY_COLUMNS, APPLY_ROWS, APPLY_TABLE,
    FIELD_COUNT, LITIGATION_COLUMNS, LITIGATION_GROUPS, LITIGATION_TABLE,
};
use crate::text::format_number;

/// A small deterministic generator (SplitMix64): the same seed gives the same county.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Mostly 0, sometimes up to `max`: how counts of rare outcomes look.
    fn sparse(&mut self, max: u64) -> u64 {
        if self.below(4) == 0 {
            self.below(max + 1)
        } else {
            0
        }
    }
}

/// The 200 numbers of one report, consistent with every identity of the format.
pub fn consistent_report(rng: &mut Rng) -> Vec<f64> {
    let mut v = vec![0.0; FIELD_COUNT];
    let set = |v: &mut Vec<f64>, id: &str, x: f64| {
        v[schema::index_of(id).expect("a known field")] = x;
    };
    set(&mut v, "active.normative.issued", rng.below(6) as f64);
    set(&mut v, "active.normative.repealed", rng.below(3) as f64);
    set(
        &mut v,
        "active.normative.in_force",
        (5 + rng.below(40)) as f64,
    );
    set(&mut v, "active.license.decisions", rng.sparse(400) as f64);
    set(&mut v, "active.penalty.decisions", rng.below(120) as f64);
    set(&mut v, "active.coercion.decisions", rng.sparse(20) as f64);
    set(
        &mut v,
        "active.fee.amount_wan",
        rng.sparse(5000) as f64 / 100.0,
    );

    let applicants = APPLY_COLUMNS.len() - 1;
    let row = |key: &str| APPLY_ROWS.iter().position(|r| r.key == key).expect("a row");
    let outcome_rows: Vec<usize> = (row("granted")..row("handled_total")).collect();
    for col in 0..applicants {
        let received = if col == 0 {
            rng.below(30)
        } else {
            rng.sparse(4)
        };
        // Few applications stay open over a year end, and nearly all of natural persons.
        let carried_in = if col == 0 { rng.sparse(2) } else { 0 };
        let carried_out = if col == 0 {
            rng.below(received + carried_in + 1).min(rng.sparse(2))
        } else {
            0
        };
        let mut handled = received + carried_in - carried_out;
        v[schema::apply_index(row("received"), col)] = received as f64;
        v[schema::apply_index(row("carried_in"), col)] = carried_in as f64;
        v[schema::apply_index(row("carried_out"), col)] = carried_out as f64;
        v[schema::apply_index(row("handled_total"), col)] = handled as f64;
        // Most applications are granted; the rest spread over the other outcomes.
        while handled > 0 {
            let r = if rng.below(3) == 0 {
                outcome_rows[rng.below(outcome_rows.len() as u64) as usize]
            } else {
                row("granted")
            };
            v[schema::apply_index(r, col)] += 1.0;
            handled -= 1;
        }
    }
    for r in 0..APPLY_ROWS.len() {
        let total: f64 = (0..applicants).map(|c| v[schema::apply_index(r, c)]).sum();
        v[schema::apply_index(r, applicants)] = total;
    }
    for g in 0..LITIGATION_GROUPS.len() {
        // A suit after review follows a review: none without one (group 0 is 行政复议).
        let reviewed = v[schema::litigation_index(0, LITIGATION_COLUMNS.len() - 1)] > 0.0;
        let possible = g != 2 || reviewed;
        let mut total = 0.0;
        for l in 0..LITIGATION_COLUMNS.len() - 1 {
            let x = if possible { rng.sparse(2) as f64 } else { 0.0 };
            v[schema::litigation_index(g, l)] = x;
            total += x;
        }
        v[schema::litigation_index(g, LITIGATION_COLUMNS.len() - 1)] = total;
    }
    v
}

/// The figures of the real 易俗河镇 2024 report in `shared/seeds/`.
pub fn yisuhe_2024() -> Vec<f64> {
    let mut v = vec![0.0; FIELD_COUNT];
    for (id, x) in [
        ("active.penalty.decisions", 3.0),
        ("apply.received.natural", 2.0),
        ("apply.received.total", 2.0),
        ("apply.granted.natural", 2.0),
        ("apply.granted.total", 2.0),
        ("apply.handled_total.natural", 2.0),
        ("apply.handled_total.total", 2.0),
    ] {
        v[schema::index_of(id).expect("a known field")] = x;
    }
    v
}

// ---- the template as a grid ----------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub enum TCell {
    Text(String),
    Number(f64),
    /// A formula (without `=`) and the value a spreadsheet would show for it.
    Formula(String, f64),
}

#[derive(Debug, Clone, Default)]
pub struct TSheet {
    pub name: String,
    pub cells: BTreeMap<(u32, u32), TCell>,
    /// Merged ranges (first row, first col, last row, last col); the text is at the first.
    pub merges: Vec<(u32, u32, u32, u32)>,
    /// Where each field's value went (field, row, col), whether or not the cell was filled.
    pub fields: Vec<(FieldIdx, u32, u32)>,
}

impl TSheet {
    fn text(&mut self, row: u32, col: u32, s: impl Into<String>) {
        self.cells.insert((row, col), TCell::Text(s.into()));
    }

    fn value(&mut self, field: FieldIdx, row: u32, col: u32, style: &Style, x: f64, rng: &mut Rng) {
        self.fields.push((field, row, col));
        if let Some(cell) = value_cell(style, x, rng) {
            self.cells.insert((row, col), cell);
        }
    }

    /// Replaces a value with a SUM over a rectangle, keeping the value for CSV writers.
    fn sum_formula(&mut self, row: u32, col: u32, from: (u32, u32), to: (u32, u32), x: f64) {
        let a1 = |(r, c): (u32, u32)| format!("{}{}", crate::grid::column_name(c), r + 1);
        let formula = format!("SUM({}:{})", a1(from), a1(to));
        self.cells.insert((row, col), TCell::Formula(formula, x));
    }

    fn merge(&mut self, r1: u32, c1: u32, r2: u32, c2: u32) {
        if (r1, c1) != (r2, c2) {
            self.merges.push((r1, c1, r2, c2));
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Template {
    pub sheets: Vec<TSheet>,
}

/// How a unit filled the template in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// The three tables on three sheets instead of one.
    pub three_sheets: bool,
    /// Where the first table starts (row, col): title rows and empty margins above it.
    pub origin: (u32, u32),
    /// Merged header and label cells, as in the official template.
    pub merged: bool,
    /// Labels broken over lines (商业\n企业).
    pub line_breaks: bool,
    /// Half-width brackets and digits in labels: (一) instead of （一）.
    pub half_width: bool,
    /// Labels without their parenthesised notes.
    pub drop_notes: bool,
    /// Table 三 row labels in one column (三、本年度办理结果（三）不予公开1.属于国家秘密).
    pub flat_labels: bool,
    /// Numbers typed as text, some with full-width digits.
    pub numbers_as_text: bool,
    /// 总计 cells as `=SUM(…)` formulas, as many county templates have them.
    pub formula_totals: bool,
    /// How zeros were entered: "0", "" (left blank), "—", "无", "-", "/".
    pub zero: &'static str,
    /// The unit's name: in `填报单位：名称` in one cell, or `填报单位（盖章）` and the name
    /// in the next cell; or not at all (the file name must tell).
    pub unit_line: UnitLine,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitLine {
    SameCell,
    NextCell,
    TitleOnly,
    None,
}

impl Style {
    /// The official template as distributed, filled in with numbers.
    pub fn official() -> Self {
        Style {
            three_sheets: false,
            origin: (0, 0),
            merged: true,
            line_breaks: false,
            half_width: false,
            drop_notes: false,
            flat_labels: false,
            numbers_as_text: false,
            formula_totals: false,
            zero: "0",
            unit_line: UnitLine::SameCell,
        }
    }
}

/// The style variants the demo county mixes, each a way units were seen to fill it.
pub fn styles() -> Vec<Style> {
    let official = Style::official();
    vec![
        official,
        Style {
            three_sheets: true,
            origin: (2, 1),
            line_breaks: true,
            formula_totals: true,
            unit_line: UnitLine::NextCell,
            zero: "",
            ..official
        },
        Style {
            merged: false,
            half_width: true,
            drop_notes: true,
            numbers_as_text: true,
            zero: "—",
            origin: (1, 2),
            unit_line: UnitLine::TitleOnly,
            ..official
        },
        Style {
            flat_labels: true,
            merged: false,
            zero: "无",
            unit_line: UnitLine::None,
            ..official
        },
    ]
}

fn label(style: &Style, official: &str) -> String {
    let mut s = official.to_string();
    if style.drop_notes {
        // Drop a trailing （…） note but keep enumerators such as （一）.
        if let Some(open) = s.rfind('（') {
            let inner = &s[open..];
            if inner.chars().count() > 4 && s.ends_with('）') {
                s.truncate(open);
            }
        }
    }
    if style.half_width {
        s = s
            .chars()
            .map(|c| match c {
                '（' => '(',
                '）' => ')',
                '：' => ':',
                _ => c,
            })
            .collect();
    }
    if style.line_breaks {
        s = match s.as_str() {
            "商业企业" => "商业\n企业".into(),
            "科研机构" => "科研\n机构".into(),
            "社会公益组织" => "社会公益\n组织".into(),
            "法律服务机构" => "法律服务\n机构".into(),
            "本年制发件数" => "本年制发\n件数".into(),
            "结果维持" => "结果\n维持".into(),
            "未经复议直接起诉" => "未经复议\n直接起诉".into(),
            _ => s,
        };
    }
    s
}

fn value_cell(style: &Style, x: f64, rng: &mut Rng) -> Option<TCell> {
    if x == 0.0 {
        return match style.zero {
            "" => None,
            "0" if !style.numbers_as_text => Some(TCell::Number(0.0)),
            z => Some(TCell::Text(z.to_string())),
        };
    }
    if !style.numbers_as_text {
        return Some(TCell::Number(x));
    }
    let text = format_number(x);
    let text = if rng.below(2) == 0 {
        text.chars()
            .map(|c| match c {
                '0'..='9' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .collect()
    } else {
        text
    };
    Some(TCell::Text(text))
}

/// Lays out one submission as a person would see it in Excel.
pub fn layout(name: &str, year: i32, values: &[f64], style: &Style, rng: &mut Rng) -> Template {
    let mut sheets = Vec::new();
    let mut sheet = TSheet {
        name: if style.three_sheets {
            "表二"
        } else {
            "Sheet1"
        }
        .into(),
        ..TSheet::default()
    };
    let (mut row, left) = style.origin;
    if style.unit_line != UnitLine::None {
        sheet.text(
            row,
            left,
            format!("{name}{year}年政府信息公开工作年度报告统计表"),
        );
        row += 1;
    }
    match style.unit_line {
        UnitLine::SameCell => {
            sheet.text(row, left, format!("填报单位：{name}"));
            sheet.text(row, left + 3, format!("填报日期：{}年1月15日", year + 1));
            row += 1;
        }
        UnitLine::NextCell => {
            sheet.text(row, left, "填报单位（盖章）");
            sheet.text(row, left + 1, name);
            sheet.text(row, left + 3, format!("填报日期：{}-01-20", year + 1));
            row += 1;
        }
        UnitLine::TitleOnly | UnitLine::None => {}
    }
    row += 1;
    row = active_table(&mut sheet, row, left, values, style, rng) + 1;
    if style.three_sheets {
        sheets.push(sheet);
        sheet = TSheet {
            name: "表三".into(),
            ..TSheet::default()
        };
        row = style.origin.0;
    }
    row = apply_table(&mut sheet, row, left, values, style, rng) + 1;
    if style.three_sheets {
        sheets.push(sheet);
        sheet = TSheet {
            name: "表四".into(),
            ..TSheet::default()
        };
        row = style.origin.0;
    }
    litigation_table(&mut sheet, row, left, values, style, rng);
    sheets.push(sheet);
    Template { sheets }
}

/// Table 二; returns the next free row.
fn active_table(
    sheet: &mut TSheet,
    mut row: u32,
    left: u32,
    values: &[f64],
    style: &Style,
    rng: &mut Rng,
) -> u32 {
    sheet.text(row, left, ACTIVE_TABLE);
    if style.merged {
        sheet.merge(row, left, row, left + 3);
    }
    row += 1;
    let mut group = "";
    for (i, item) in ACTIVE_ITEMS.iter().enumerate() {
        if item.group != group {
            group = item.group;
            sheet.text(row, left, label(style, group));
            if style.merged {
                sheet.merge(row, left, row, left + 3);
            }
            row += 1;
            sheet.text(row, left, "信息内容");
            for (c, col) in item.columns.iter().enumerate() {
                sheet.text(row, left + 1 + c as u32, label(style, col.label));
            }
            if style.merged && item.columns.len() == 1 {
                sheet.merge(row, left + 1, row, left + 3);
            }
            row += 1;
        }
        sheet.text(row, left, label(style, item.row.label));
        for c in 0..item.columns.len() {
            let field = schema::active_index(i, c);
            sheet.value(field, row, left + 1 + c as u32, style, values[field], rng);
        }
        if style.merged && item.columns.len() == 1 {
            sheet.merge(row, left + 1, row, left + 3);
        }
        row += 1;
    }
    row
}

/// Table 三; returns the next free row.
fn apply_table(
    sheet: &mut TSheet,
    mut row: u32,
    left: u32,
    values: &[f64],
    style: &Style,
    rng: &mut Rng,
) -> u32 {
    let label_cols: u32 = if style.flat_labels { 1 } else { 3 };
    let first_value = left + label_cols;
    sheet.text(row, left, APPLY_TABLE);
    row += 1;
    let note = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）";
    sheet.text(row, left, label(style, note));
    sheet.text(row, first_value, "申请人情况");
    if style.merged {
        sheet.merge(row, left, row + 2, first_value - 1);
        sheet.merge(row, first_value, row, first_value + 6);
    }
    let (h1, h2) = (row + 1, row + 2);
    for (c, col) in APPLY_COLUMNS.iter().enumerate() {
        let at = first_value + c as u32;
        match col.label.split_once('/') {
            Some((parent, leaf)) => {
                if c == 1 {
                    sheet.text(h1, at, parent);
                    if style.merged {
                        sheet.merge(h1, at, h1, at + 4);
                    }
                }
                sheet.text(h2, at, label(style, leaf));
            }
            None => {
                sheet.text(h1, at, label(style, col.label));
                if style.merged {
                    sheet.merge(h1, at, h2, at);
                }
            }
        }
    }
    row = h2 + 1;

    let paths: Vec<Vec<&str>> = APPLY_ROWS
        .iter()
        .map(|r| r.label.split('/').collect())
        .collect();
    for (r, path) in paths.iter().enumerate() {
        let at = row + r as u32;
        if style.flat_labels {
            let text: String = path.iter().map(|p| label(style, p)).collect();
            sheet.text(at, left, text);
        } else {
            for (level, part) in path.iter().enumerate() {
                let same_as_above = r > 0 && paths[r - 1].get(..=level) == path.get(..=level);
                if same_as_above {
                    continue;
                }
                let col = left + level as u32;
                sheet.text(at, col, label(style, part));
                let is_leaf = level + 1 == path.len();
                if style.merged {
                    // A leaf spans the label columns to its right; a group spans its rows.
                    let last_col = if is_leaf { first_value - 1 } else { col };
                    let span = paths[r..]
                        .iter()
                        .take_while(|p| p.get(..=level) == path.get(..=level))
                        .count() as u32;
                    let last_row = if is_leaf { at } else { at + span - 1 };
                    sheet.merge(at, col, last_row, last_col);
                }
            }
        }
        for c in 0..APPLY_COLUMNS.len() {
            let field = schema::apply_index(r, c);
            sheet.value(field, at, first_value + c as u32, style, values[field], rng);
        }
    }
    if style.formula_totals {
        let total_col = first_value + APPLY_COLUMNS.len() as u32 - 1;
        let handled = APPLY_ROWS
            .iter()
            .position(|p| p.key == "handled_total")
            .expect("row");
        let granted = APPLY_ROWS
            .iter()
            .position(|p| p.key == "granted")
            .expect("row");
        for c in 0..APPLY_COLUMNS.len() as u32 {
            let field = schema::apply_index(handled, c as usize);
            let (top, bottom) = (row + granted as u32, row + handled as u32 - 1);
            let at = row + handled as u32;
            sheet.sum_formula(
                at,
                first_value + c,
                (top, first_value + c),
                (bottom, first_value + c),
                values[field],
            );
        }
        for r in 0..APPLY_ROWS.len() {
            let at = row + r as u32;
            let field = schema::apply_index(r, APPLY_COLUMNS.len() - 1);
            sheet.sum_formula(
                at,
                total_col,
                (at, first_value),
                (at, total_col - 1),
                values[field],
            );
        }
    }
    row + APPLY_ROWS.len() as u32
}

/// Table 四; returns the next free row.
fn litigation_table(
    sheet: &mut TSheet,
    mut row: u32,
    left: u32,
    values: &[f64],
    style: &Style,
    rng: &mut Rng,
) -> u32 {
    sheet.text(row, left, LITIGATION_TABLE);
    row += 1;
    let width = LITIGATION_COLUMNS.len() as u32;
    sheet.text(row, left, "行政复议");
    sheet.text(row, left + width, "行政诉讼");
    if style.merged {
        sheet.merge(row, left, row, left + width - 1);
        sheet.merge(row, left + width, row, left + 3 * width - 1);
    }
    for (g, group) in LITIGATION_GROUPS.iter().enumerate() {
        let start = left + g as u32 * width;
        let leaf_row = if g == 0 { row + 1 } else { row + 2 };
        if g > 0 {
            let (_, sub) = group.label.split_once('/').expect("行政诉讼/…");
            sheet.text(row + 1, start, label(style, sub));
            if style.merged {
                sheet.merge(row + 1, start, row + 1, start + width - 1);
            }
        }
        for (l, leaf) in LITIGATION_COLUMNS.iter().enumerate() {
            let col = start + l as u32;
            sheet.text(leaf_row, col, label(style, leaf.label));
            if style.merged && g == 0 {
                sheet.merge(leaf_row, col, leaf_row + 1, col);
            }
            let field = schema::litigation_index(g, l);
            sheet.value(field, row + 3, col, style, values[field], rng);
            if style.formula_totals && l + 1 == LITIGATION_COLUMNS.len() {
                sheet.sum_formula(
                    row + 3,
                    col,
                    (row + 3, start),
                    (row + 3, col - 1),
                    values[field],
                );
            }
        }
    }
    row + 4
}

// ---- writers -------------------------------------------------------------------------

pub fn xlsx_bytes(template: &Template) -> Vec<u8> {
    let mut book = Workbook::new();
    // A fixed creation time, so that the same county gives the same bytes.
    let created = ExcelDateTime::from_ymd(2025, 1, 15).expect("a valid date");
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    for t in &template.sheets {
        let ws = book.add_worksheet();
        ws.set_name(&t.name).expect("a valid sheet name");
        ws.set_column_width(0, 18).expect("column 0");
        for &(r1, c1, r2, c2) in &t.merges {
            let text = match t.cells.get(&(r1, c1)) {
                Some(TCell::Text(s)) => s.clone(),
                _ => String::new(),
            };
            ws.merge_range(r1, c1 as u16, r2, c2 as u16, &text, &wrap)
                .expect("non-overlapping merges");
        }
        let merged_start: Vec<(u32, u32)> = t.merges.iter().map(|m| (m.0, m.1)).collect();
        for (&(r, c), cell) in &t.cells {
            let result = match cell {
                TCell::Number(n) => ws.write_number(r, c as u16, *n).map(|_| ()),
                // rust_xlsxwriter caches 0 as the result, as files from such tools do: the
                // reader must compute the value, not trust the cache.
                TCell::Formula(f, _) => ws.write_formula(r, c as u16, f.as_str()).map(|_| ()),
                TCell::Text(_) if merged_start.contains(&(r, c)) => Ok(()),
                TCell::Text(s) => ws
                    .write_string_with_format(r, c as u16, s, &wrap)
                    .map(|_| ()),
            };
            result.expect("a cell inside Excel's limits");
        }
    }
    book.save_to_buffer().expect("an in-memory workbook")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvEncoding {
    Utf8,
    Utf8Bom,
    Gbk,
}

/// A one-sheet template as the CSV Excel saves: every cell of the used rectangle.
pub fn csv_grid_bytes(template: &Template, encoding: CsvEncoding) -> Vec<u8> {
    let sheet = &template.sheets[0];
    let last_row = sheet.cells.keys().map(|k| k.0).max().unwrap_or(0);
    let last_col = sheet.cells.keys().map(|k| k.1).max().unwrap_or(0);
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for r in 0..=last_row {
        let record: Vec<String> = (0..=last_col)
            .map(|c| match sheet.cells.get(&(r, c)) {
                Some(TCell::Text(s)) => s.clone(),
                Some(TCell::Number(n) | TCell::Formula(_, n)) => format_number(*n),
                None => String::new(),
            })
            .collect();
        writer.write_record(&record).expect("writing to memory");
    }
    let text = String::from_utf8(writer.into_inner().expect("flushed")).expect("UTF-8");
    encode(&text, encoding)
}

fn encode(text: &str, encoding: CsvEncoding) -> Vec<u8> {
    match encoding {
        CsvEncoding::Utf8 => text.as_bytes().to_vec(),
        CsvEncoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        CsvEncoding::Gbk => encoding_rs::GBK.encode(text).0.into_owned(),
    }
}

/// The long form: `unit,year,field_id,value`, a row per field.
pub fn long_csv_bytes(reports: &[(&str, i32, &[f64])]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(["unit", "year", "field_id", "value"])
        .expect("writing to memory");
    for (unit, year, values) in reports {
        for (field, x) in schema::fields().iter().zip(values.iter()) {
            writer
                .write_record([*unit, &year.to_string(), &field.id, &format_number(*x)])
                .expect("writing to memory");
        }
    }
    writer.into_inner().expect("flushed")
}

// ---- a county ------------------------------------------------------------------------

/// How one demo submission is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Xlsx(usize),
    CsvGrid(usize, CsvEncoding),
    Long,
}

/// Real township and department names of 湘潭县, for a sample that reads like the real one.
const SAMPLE_UNITS: &[(&str, &str, &str, &str)] = &[
    ("yisuhe", "易俗河镇", "乡镇", "易俗河镇人民政府|易俗河"),
    ("tanjiashan", "谭家山镇", "乡镇", "谭家山镇人民政府"),
    ("zhonglupu", "中路铺镇", "乡镇", "中路铺镇人民政府"),
    ("chaensi", "茶恩寺镇", "乡镇", "茶恩寺镇人民政府"),
    ("hekou", "河口镇", "乡镇", "河口镇人民政府"),
    ("shebu", "射埠镇", "乡镇", "射埠镇人民政府"),
    ("huashi", "花石镇", "乡镇", "花石镇人民政府"),
    ("paitou", "排头乡", "乡镇", "排头乡人民政府"),
    ("jiaoyu", "县教育局", "县直部门", "湘潭县教育局"),
    ("gongan", "县公安局", "县直部门", "湘潭县公安局"),
    (
        "ziranziyuan",
        "县自然资源局",
        "县直部门",
        "湘潭县自然资源局",
    ),
    (
        "renshe",
        "县人力资源和社会保障局",
        "县直部门",
        "湘潭县人力资源和社会保障局|县人社局",
    ),
];

pub struct DemoUnit {
    pub id: String,
    pub name: String,
    pub unit_type: String,
    pub aliases: String,
}

pub fn demo_units(n: usize) -> Vec<DemoUnit> {
    (0..n)
        .map(|i| match SAMPLE_UNITS.get(i) {
            Some(&(id, name, t, aliases)) => DemoUnit {
                id: id.into(),
                name: name.into(),
                unit_type: t.into(),
                aliases: aliases.into(),
            },
            None if i % 3 == 2 => DemoUnit {
                id: format!("dept{i:05}"),
                name: format!("第{i}号县直部门"),
                unit_type: "县直部门".into(),
                aliases: String::new(),
            },
            None => DemoUnit {
                id: format!("town{i:05}"),
                name: format!("第{i}号镇"),
                unit_type: "乡镇".into(),
                aliases: format!("第{i}号镇人民政府"),
            },
        })
        .collect()
}

/// The file kind of the i-th unit: every layout and encoding in turn.
pub fn file_kind(i: usize) -> FileKind {
    let n = styles().len();
    match i % 8 {
        0..=3 => FileKind::Xlsx(i % n),
        4 => FileKind::CsvGrid(0, CsvEncoding::Utf8Bom),
        5 => FileKind::CsvGrid(1 % n, CsvEncoding::Gbk),
        6 => FileKind::CsvGrid(2 % n, CsvEncoding::Utf8),
        _ => FileKind::Long,
    }
}

/// A problem a demo unit can carry, each meant to trip one rule (or the few it must).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    RowTotal,
    ResultTotal,
    Balance,
    LitigationTotal,
    Negative,
    NotInteger,
    NotNumber,
    MissingRow,
    OldFormat,
    Regulation,
    FeeInYuan,
    SuitWithoutReview,
    Unreadable,
    Duplicate,
    OtherYear,
    NoSubmission,
    Carry,
    InForce,
    Repealed,
    Copied,
    Jump,
}

impl Problem {
    pub const ALL: &'static [Problem] = &[
        Problem::RowTotal,
        Problem::ResultTotal,
        Problem::Balance,
        Problem::LitigationTotal,
        Problem::Negative,
        Problem::NotInteger,
        Problem::NotNumber,
        Problem::MissingRow,
        Problem::OldFormat,
        Problem::Regulation,
        Problem::FeeInYuan,
        Problem::SuitWithoutReview,
        Problem::Unreadable,
        Problem::Duplicate,
        Problem::OtherYear,
        Problem::NoSubmission,
        Problem::Carry,
        Problem::InForce,
        Problem::Repealed,
        Problem::Copied,
        Problem::Jump,
    ];

    /// The rules this problem trips (apart from VALUE.BLANK, which depends on the layout).
    pub fn rules(self) -> &'static [&'static str] {
        match self {
            Problem::RowTotal => &["T3.ROW_TOTAL"],
            Problem::ResultTotal => &["T3.RESULT_TOTAL"],
            Problem::Balance => &["T3.BALANCE"],
            Problem::LitigationTotal => &["T4.TOTAL"],
            Problem::Negative => &["VALUE.NEGATIVE"],
            Problem::NotInteger => &["VALUE.NOT_INTEGER"],
            Problem::NotNumber => &["VALUE.NOT_NUMBER"],
            Problem::MissingRow => &["FIELD.MISSING"],
            // The old labels also hide the current columns they replaced.
            Problem::OldFormat => &["FORMAT.OLD", "FIELD.MISSING"],
            Problem::Regulation => &["T2.REGULATION_LEVEL"],
            Problem::FeeInYuan => &["T2.FEE_UNIT"],
            Problem::SuitWithoutReview => &["T4.REVIEW_BEFORE_SUIT"],
            Problem::Unreadable => &["FILE.UNREADABLE", "UNIT.MISSING"],
            Problem::Duplicate => &["UNIT.DUPLICATE"],
            Problem::OtherYear => &["YEAR.MISMATCH"],
            Problem::NoSubmission => &["UNIT.MISSING"],
            Problem::Carry => &["XYEAR.CARRY"],
            Problem::InForce => &["XYEAR.IN_FORCE"],
            // More repealed than ever existed also breaks the stock of documents in force.
            Problem::Repealed => &["T2.REPEALED", "XYEAR.IN_FORCE"],
            Problem::Copied => &["XYEAR.COPIED"],
            Problem::Jump => &["XYEAR.JUMP"],
        }
    }

    /// Whether the problem is made in the layout, so needs a file of the official grid.
    fn needs_grid(self) -> bool {
        matches!(
            self,
            Problem::NotNumber | Problem::MissingRow | Problem::OldFormat
        )
    }
}

fn add(v: &mut [f64], id: &str, x: f64) {
    v[field(id)] += x;
}

fn field(id: &str) -> usize {
    schema::index_of(id).expect("a field of the schema")
}

/// Changes this year's values (and last year's) so that the problem shows.
fn inject_values(problem: Problem, v: &mut [f64], prior: &mut [f64]) {
    match problem {
        // Two row totals off in opposite directions: the 总计 column still adds up.
        Problem::RowTotal => {
            add(v, "apply.granted.total", 1.0);
            add(v, "apply.partial.total", -1.0);
            if v[field("apply.partial.total")] < 0.0 {
                add(v, "apply.granted.total", -2.0);
                add(v, "apply.partial.total", 2.0);
            }
        }
        Problem::ResultTotal => {
            add(v, "apply.granted.natural", 1.0);
            add(v, "apply.granted.total", 1.0);
        }
        Problem::Balance => {
            add(v, "apply.carried_out.natural", 1.0);
            add(v, "apply.carried_out.total", 1.0);
        }
        Problem::LitigationTotal => add(v, "review.total", 1.0),
        Problem::Negative => v[field("active.license.decisions")] = -3.0,
        Problem::NotInteger => v[field("active.license.decisions")] = 2.5,
        Problem::Regulation => {
            add(v, "active.regulation.issued", 1.0);
            add(v, "active.regulation.in_force", 1.0);
        }
        Problem::FeeInYuan => v[field("active.fee.amount_wan")] = 35000.0,
        Problem::SuitWithoutReview => {
            for l in 0..LITIGATION_COLUMNS.len() {
                v[schema::litigation_index(0, l)] = 0.0;
                v[schema::litigation_index(2, l)] = 0.0;
            }
            add(v, "suit_after_review.upheld", 1.0);
            add(v, "suit_after_review.total", 1.0);
        }
        Problem::Jump => v[field("active.penalty.decisions")] = 120.0,
        Problem::Copied => {
            // Nothing may move between the years: no documents, no carried applications.
            for id in ["active.normative.issued", "active.normative.repealed"] {
                v[field(id)] = 0.0;
            }
            let row = |key: &str| APPLY_ROWS.iter().position(|r| r.key == key).expect("a row");
            for c in 0..APPLY_COLUMNS.len() {
                let handled = v[schema::apply_index(row("handled_total"), c)];
                v[schema::apply_index(row("received"), c)] = handled;
                v[schema::apply_index(row("carried_in"), c)] = 0.0;
                v[schema::apply_index(row("carried_out"), c)] = 0.0;
            }
            if v.iter().all(|x| *x == 0.0) {
                v[field("active.penalty.decisions")] = 1.0;
            }
        }
        _ => {}
    }
    last_year_of(v, prior);
    match problem {
        Problem::Carry => {
            prior[field("apply.carried_out.natural")] += 1.0;
            prior[field("apply.carried_out.total")] += 1.0;
        }
        Problem::InForce => prior[field("active.normative.in_force")] += 2.0,
        Problem::Repealed => {
            prior[field("active.normative.in_force")] = 0.0;
            v[field("active.normative.repealed")] = v[field("active.normative.issued")] + 1.0;
        }
        Problem::Copied => prior.copy_from_slice(v),
        Problem::Jump => prior[field("active.penalty.decisions")] = 12.0,
        _ => {}
    }
}

/// Last year's numbers, consistent with this year's: what was carried over is what was
/// carried in, the documents in force moved by this year's issuing and repealing, and a
/// few other counts differ a little.
fn last_year_of(v: &[f64], prior: &mut [f64]) {
    prior.copy_from_slice(v);
    let row = |key: &str| APPLY_ROWS.iter().position(|r| r.key == key).expect("a row");
    for c in 0..APPLY_COLUMNS.len() {
        prior[schema::apply_index(row("carried_out"), c)] =
            v[schema::apply_index(row("carried_in"), c)];
    }
    for item in ["regulation", "normative"] {
        let f = |c: &str| field(&format!("active.{item}.{c}"));
        prior[f("in_force")] = v[f("in_force")] - v[f("issued")] + v[f("repealed")];
    }
    prior[field("active.penalty.decisions")] += 1.0;
}

/// Breaks the layout so that the problem shows.
fn inject_layout(problem: Problem, t: &mut Template) {
    let sheet_of = |t: &Template, f: usize| {
        t.sheets
            .iter()
            .position(|s| s.fields.iter().any(|x| x.0 == f))
            .expect("every field is laid out")
    };
    match problem {
        Problem::NotNumber => {
            let f = field("active.penalty.decisions");
            let s = sheet_of(t, f);
            let &(_, r, c) = t.sheets[s]
                .fields
                .iter()
                .find(|x| x.0 == f)
                .expect("laid out");
            t.sheets[s].text(r, c, "约5");
        }
        Problem::MissingRow => {
            let f = field("apply.denied_query.natural");
            let s = sheet_of(t, f);
            let &(_, r, _) = t.sheets[s]
                .fields
                .iter()
                .find(|x| x.0 == f)
                .expect("laid out");
            t.sheets[s].cells.retain(|&(row, _), _| row != r);
        }
        Problem::OldFormat => {
            for sheet in &mut t.sheets {
                for cell in sheet.cells.values_mut() {
                    if matches!(cell, TCell::Text(s) if crate::text::fold(s) == "本年制发件数")
                    {
                        *cell = TCell::Text("本年新制作数量".into());
                    }
                }
            }
        }
        _ => {}
    }
}

/// One unit of a demo county, as written.
#[derive(Debug, Clone)]
pub struct PlannedUnit {
    pub id: String,
    pub name: String,
    pub kind: FileKind,
    pub problem: Option<Problem>,
    /// The values its file holds (problems included).
    pub values: Vec<f64>,
    /// Whether its file shows some zeros as blanks or placeholders (VALUE.BLANK).
    pub has_blanks: bool,
}

/// Writes a county: `DIR/config/units.csv`, last year's `DIR/config/normalized-<year-1>.csv`
/// (as `nianbao run` would have written it) and `DIR/inputs/<type>/…`. `problems[i]` is
/// the problem the i-th unit of the roster carries, if any.
pub fn write_county(
    dir: &Path,
    n: usize,
    seed: u64,
    year: i32,
    problems: &[Option<Problem>],
) -> Result<Vec<PlannedUnit>, String> {
    let units = demo_units(n);
    let inputs = dir.join("inputs");
    let config = dir.join("config");
    for d in [&inputs, &config] {
        std::fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }
    let mut roster = String::from("unit_id,name,type,aliases\n");
    for u in &units {
        roster.push_str(&format!(
            "{},{},{},{}\n",
            u.id, u.name, u.unit_type, u.aliases
        ));
    }
    write(&config.join("units.csv"), roster.as_bytes())?;

    let mut rng = Rng::new(seed);
    let mut planned = Vec::with_capacity(n);
    let mut prior_rows = Vec::with_capacity(n);
    let styles = styles();
    for (i, u) in units.iter().enumerate() {
        let mut values = if u.id == "yisuhe" && year == 2024 {
            yisuhe_2024()
        } else {
            consistent_report(&mut rng)
        };
        let problem = problems.get(i).copied().flatten();
        let mut kind = file_kind(i);
        // A truncated CSV still reads in part: an unreadable file must be a workbook.
        let needs_xlsx = problem == Some(Problem::Unreadable) && !matches!(kind, FileKind::Xlsx(_));
        if needs_xlsx || (problem.is_some_and(Problem::needs_grid) && kind == FileKind::Long) {
            kind = FileKind::Xlsx(0);
        }
        let mut prior = vec![0.0; FIELD_COUNT];
        match problem {
            Some(p) => inject_values(p, &mut values, &mut prior),
            None => last_year_of(&values, &mut prior),
        }
        let mut row = vec![u.id.clone(), u.name.clone(), u.unit_type.clone()];
        row.push((year - 1).to_string());
        row.push(format!("{}/{}{}年报.xlsx", u.unit_type, u.name, year - 1));
        row.extend(prior.iter().map(|x| format_number(*x)));
        prior_rows.push(row);

        let folder = inputs.join(&u.unit_type);
        std::fs::create_dir_all(&folder)
            .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        let file_year = if problem == Some(Problem::OtherYear) {
            year - 1
        } else {
            year
        };
        let stem = format!("{}{file_year}年政府信息公开年报", u.name);
        let (file, mut bytes, has_blanks) = match kind {
            FileKind::Xlsx(s) | FileKind::CsvGrid(s, _) => {
                // Formula totals would recompute a total a problem tampered with.
                let style = Style {
                    three_sheets: styles[s].three_sheets && matches!(kind, FileKind::Xlsx(_)),
                    formula_totals: styles[s].formula_totals && problem.is_none(),
                    ..styles[s]
                };
                let mut t = layout(&u.name, file_year, &values, &style, &mut rng);
                if let Some(p) = problem {
                    inject_layout(p, &mut t);
                }
                let blanks = style.zero != "0" && values.contains(&0.0);
                match kind {
                    FileKind::CsvGrid(_, enc) => {
                        (format!("{stem}.csv"), csv_grid_bytes(&t, enc), blanks)
                    }
                    _ => (format!("{stem}.xlsx"), xlsx_bytes(&t), blanks),
                }
            }
            FileKind::Long => (
                format!("{}_{file_year}_long.csv", u.id),
                long_csv_bytes(&[(&u.name, file_year, &values)]),
                false,
            ),
        };
        match problem {
            Some(Problem::NoSubmission) => {}
            Some(Problem::Unreadable) => {
                bytes.truncate(bytes.len() / 3);
                write(&folder.join(file), &bytes)?;
            }
            Some(Problem::Duplicate) => {
                write(&folder.join(&file), &bytes)?;
                write(&folder.join(format!("（修改稿）{file}")), &bytes)?;
            }
            _ => write(&folder.join(file), &bytes)?,
        }
        planned.push(PlannedUnit {
            id: u.id.clone(),
            name: u.name.clone(),
            kind,
            problem,
            values,
            has_blanks,
        });
    }
    let mut header: Vec<&str> = crate::output::NORMALIZED_LEAD.to_vec();
    header.extend(schema::fields().iter().map(|f| f.id.as_str()));
    let prior_csv = crate::output::csv_bytes(&header, &prior_rows);
    write(
        &config.join(format!("normalized-{}.csv", year - 1)),
        &prior_csv,
    )?;
    Ok(planned)
}

/// The problems of a demo county of `n` units: about one unit in four carries one, drawn
/// from every kind in turn, starting after the seed's 易俗河镇 (kept as published).
pub fn default_problems(n: usize, seed: u64) -> Vec<Option<Problem>> {
    let mut rng = Rng::new(seed ^ 0xA5A5);
    let mut next = rng.below(Problem::ALL.len() as u64) as usize;
    (0..n)
        .map(|i| {
            if i == 0 || rng.below(4) != 0 {
                return None;
            }
            next = (next + 1) % Problem::ALL.len();
            Some(Problem::ALL[next])
        })
        .collect()
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
