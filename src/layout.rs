//! The official layout of the three tables (国办公开办函〔2021〕30号) as a grid of cells and
//! merged ranges, built from the schema: what the demo generator fills in the ways units do,
//! and what the rollup writers lay the county's totals out in.

use std::collections::BTreeMap;

use crate::schema::{
    self, FieldIdx, TableId, ACTIVE_ITEMS, APPLY_COLUMNS, APPLY_ROWS, LITIGATION_COLUMNS,
    LITIGATION_GROUPS,
};
use crate::text::format_number;

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
    /// Where each table's heading (二、主动公开政府信息情况, …) is: (row, col).
    pub headings: Vec<(TableId, (u32, u32))>,
}

impl TSheet {
    /// A table's heading above it.
    fn heading(&mut self, table: TableId, row: u32, col: u32) {
        self.text(row, col, table.title());
        self.headings.push((table, (row, col)));
    }

    /// Whether the cell at `at` is a table's heading.
    pub fn is_heading(&self, at: (u32, u32)) -> bool {
        self.headings.iter().any(|&(_, h)| h == at)
    }

    fn text(&mut self, row: u32, col: u32, s: impl Into<String>) {
        self.cells.insert((row, col), TCell::Text(s.into()));
    }

    fn value(&mut self, field: FieldIdx, row: u32, col: u32, style: &Style, x: f64) {
        self.fields.push((field, row, col));
        if let Some(cell) = value_cell(style, x, row, col) {
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

fn value_cell(style: &Style, x: f64, row: u32, col: u32) -> Option<TCell> {
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
    // Typed as text; every other cell with full-width digits, as some IMEs enter them.
    let text = format_number(x);
    let text = if (row + col).is_multiple_of(2) {
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
pub fn layout(name: &str, year: i32, values: &[f64], style: &Style) -> Template {
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
    row = active_table(&mut sheet, row, left, values, style) + 1;
    if style.three_sheets {
        sheets.push(sheet);
        sheet = TSheet {
            name: "表三".into(),
            ..TSheet::default()
        };
        row = style.origin.0;
    }
    row = apply_table(&mut sheet, row, left, values, style) + 1;
    if style.three_sheets {
        sheets.push(sheet);
        sheet = TSheet {
            name: "表四".into(),
            ..TSheet::default()
        };
        row = style.origin.0;
    }
    litigation_table(&mut sheet, row, left, values, style);
    sheets.push(sheet);
    Template { sheets }
}

/// Table 二; returns the next free row.
fn active_table(sheet: &mut TSheet, mut row: u32, left: u32, values: &[f64], style: &Style) -> u32 {
    sheet.heading(TableId::Active, row, left);
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
            sheet.value(field, row, left + 1 + c as u32, style, values[field]);
        }
        if style.merged && item.columns.len() == 1 {
            sheet.merge(row, left + 1, row, left + 3);
        }
        row += 1;
    }
    row
}

/// Table 三; returns the next free row.
fn apply_table(sheet: &mut TSheet, mut row: u32, left: u32, values: &[f64], style: &Style) -> u32 {
    let label_cols: u32 = if style.flat_labels { 1 } else { 3 };
    let first_value = left + label_cols;
    sheet.heading(TableId::Apply, row, left);
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
            sheet.value(field, at, first_value + c as u32, style, values[field]);
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
) -> u32 {
    sheet.heading(TableId::Litigation, row, left);
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
            sheet.value(field, row + 3, col, style, values[field]);
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
