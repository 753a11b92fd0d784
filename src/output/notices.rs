//! Return notices (退回通知, step 4 of the office's year): for every unit with an open
//! problem, a workbook `notices/<单位名称>.xlsx` that lists its problems in plain Chinese, so
//! that the unit can correct its report without nianbao; and `notices/通知清单.xlsx`, the
//! list the office works from when sending them out.
//!
//! A notice holds the unit's open errors and warnings: those not marked 误报 or 已说明 in
//! the review. Info rows (提示: blank cells read as 0) are left out: nearly every report has
//! some, they ask nothing of the unit, and a notice for each would bury the units that must
//! act. The county's and the unit types' totals are the office's own. Notices go to the
//! units of the roster only: a report naming a unit not on it (UNIT.UNKNOWN), or a file no
//! unit can be told for, first needs the office's decision (a missing alias, a stray file),
//! and has no one to be sent to; the list counts those problems and points to anomalies.csv.
//! (It also keeps a run's cost in proportion: a notice costs a millisecond to compress, and
//! a file of twenty thousand unknown units would otherwise make twenty thousand.)
//!
//! The list is a workbook only, not also a CSV: it is printed and ticked off by the clerk who
//! sends the notices; an analyst has the same problems, one a row, in anomalies.csv.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::check::{self, Anomaly, Severity, TOTALS_SOURCE};
use crate::grid::{column_name, Location};
use crate::roster::Roster;
use crate::text::safe_file_name;

use super::workbook::{cell_text, wrapped_lines, OFFICIAL_FONT, PAGE_FOOTER};

/// The list's file name in `notices/`; no unit's notice takes it.
pub const INDEX_FILE: &str = "通知清单.xlsx";

/// One unit's notice.
pub struct Notice<'a> {
    pub unit_id: String,
    pub unit_name: String,
    pub unit_type: String,
    /// Its file name in `notices/`, safe on Windows.
    pub file: String,
    /// Its open errors, then warnings, in the run's order.
    pub problems: Vec<&'a Anomaly>,
}

impl Notice<'_> {
    pub fn count(&self, severity: Severity) -> usize {
        self.problems
            .iter()
            .filter(|a| a.severity == severity)
            .count()
    }

    /// Whether the unit sent no report at all.
    pub fn missing(&self) -> bool {
        self.problems.iter().any(|a| a.rule == "UNIT.MISSING")
    }
}

/// An open error or warning, not about the totals: one a unit is to act on.
fn to_act_on(a: &Anomaly) -> bool {
    matches!(a.severity, Severity::Error | Severity::Warning)
        && a.is_open()
        && a.source_file != TOTALS_SOURCE
}

/// The notices of a run, and the problems none of them holds.
pub struct Plan<'a> {
    /// In the roster's order.
    pub notices: Vec<Notice<'a>>,
    /// The open problems no notice holds, the totals' apart: those of reports naming a unit
    /// not on the roster, and of files whose unit is not known.
    pub unattributed: usize,
}

/// The notices of a run: a unit's open errors and warnings go to its notice.
pub fn plan<'a>(anomalies: &'a [Anomaly], roster: &Roster) -> Plan<'a> {
    let places: std::collections::HashMap<&str, usize> = roster
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id.as_str(), i))
        .collect();
    let mut by_unit: std::collections::BTreeMap<usize, Vec<&Anomaly>> = Default::default();
    let mut unattributed = 0;
    for a in anomalies.iter().filter(|a| to_act_on(a)) {
        match places.get(a.unit_id.as_str()) {
            Some(&place) => by_unit.entry(place).or_default().push(a),
            None => unattributed += 1,
        }
    }
    let mut taken = std::collections::HashSet::from([INDEX_FILE.to_lowercase()]);
    let notices = by_unit
        .into_iter()
        .map(|(place, mut problems)| {
            problems.sort_by_key(|a| a.severity);
            let unit = &roster.units[place];
            let stem = safe_file_name(&unit.name, &unit.id);
            let mut file = format!("{stem}.xlsx");
            // Two units of one name (or names equal but for case): the id tells them apart.
            let mut n = 1;
            while !taken.insert(file.to_lowercase()) {
                n += 1;
                let tag = if n > 2 {
                    n.to_string()
                } else {
                    safe_file_name(&unit.id, "")
                };
                file = format!("{stem}（{tag}）.xlsx");
            }
            Notice {
                unit_id: unit.id.clone(),
                unit_name: unit.name.clone(),
                unit_type: unit.unit_type.clone(),
                file,
                problems,
            }
        })
        .collect();
    Plan {
        notices,
        unattributed,
    }
}

/// What the unit should do about a problem of `rule`, in a clerk's words.
pub fn advice(rule: &str) -> Option<&'static str> {
    Some(match rule {
        "T3.ROW_TOTAL" => "核对该行各类申请人的数字，使“总计”等于自然人与五类法人或其他组织之和；改正填错的一项。",
        "T3.RESULT_TOTAL" => "核对该列（一）至（六）各项办理结果，使“（七）总计”等于 21 项办理结果之和；补上漏填的结果或改正总计。",
        "T3.BALANCE" => "按表三下方的说明核对该列：本年新收 + 上年结转 = 办理结果总计 + 结转下年度继续办理；改正填错的一项。",
        "T4.TOTAL" => "使该组“总计”等于 结果维持 + 结果纠正 + 其他结果 + 尚未审结；改正填错的一项。",
        "VALUE.NEGATIVE" => "件数和金额不能为负数，请填写实际数；没有的填 0。",
        "VALUE.NOT_INTEGER" => "件数须为整数。若是收费金额，请填在“行政事业性收费（万元）”一栏。",
        "VALUE.NOT_NUMBER" => "单元格中只填阿拉伯数字，不写“约”“件”“元”等文字，不用无法计算的公式；没有的填 0。",
        "VALUE.BLANK" => "空白或“—”“/”“无”按 0 计；若实际不是 0，请填写实际数。",
        "FIELD.MISSING" => "请用最新的年报统计表样式填写，补上缺少的行、列或表格；不要删除、合并表格中的行列。",
        "FIELD.TWICE" => "同一行（或列）在表中出现了两次且数字不同：删去多余的一行（列），只保留正确的数字。",
        "FORMAT.OLD" => "报表用的是 2019 年试行格式，请改用现行的年报统计表样式重新填写。",
        "T2.REGULATION_LEVEL" => "乡镇和县直部门不制定规章：“规章”一行应填 0，本单位制发的文件请填在“规范性文件”一行。",
        "T2.FEE_UNIT" => "收费金额的单位是万元，不是元：请把金额除以 10000 后填写（如 1200 元填 0.12）。",
        "T2.REPEALED" => "核对“本年废止件数”：不能多于上年现行有效件数加本年制发件数。",
        "T4.REVIEW_BEFORE_SUIT" => "有“复议后起诉”的案件，应有相应的行政复议：核对行政复议的件数，或把案件改填到“未经复议直接起诉”。",
        "FILE.UNREADABLE" => "文件打不开或其中没有年报统计表：请用 Excel 或 WPS 打开检查，另存为 .xlsx 后重新报送。",
        "TOTAL.REPORTED" => "本单位报送的合计数应等于所属各单位数字之和：请核对合计或所属单位的报告。",
        "DOC.MISMATCH" => "Word 报告与 Excel 统计表的数字应一致：改正其中有误的一份后重新报送两份。",
        "FILE.COPY" => "同一份文件报送了两次：无需处理；以后请只报送一份。",
        "UNIT.UNKNOWN" => "报告中的单位名称与单位名单不符：请在报告标题中写单位的规范全称后重新报送。",
        "UNIT.MISSING" => "未收到本单位的年度报告：请按时报送本年度的政府信息公开工作年度报告（统计表）。",
        "UNIT.DUPLICATE" => "收到本单位的两份不同报告，均未计入：请确认哪一份为准，只重新报送那一份。",
        "YEAR.MISMATCH" => "报告的年度与本次汇总的年度不符：请报送本年度的报告，或改正报告中的年度。",
        "XYEAR.CARRY" => "本年的“上年结转”应等于上年报告的“结转下年度继续办理”：请核对两年的报告。",
        "XYEAR.IN_FORCE" => "现行有效件数应等于上年现行有效件数 + 本年制发件数 − 本年废止件数：请核对。",
        "XYEAR.COPIED" => "所有数字与上年完全相同：请确认填的是本年度的数字。",
        "XYEAR.JUMP" => "该数字与上年相差很大：请核实；确实如此的，重新报送时附说明。",
        "TEXT.MISMATCH" => "报告正文中写的数字应与统计表一致：改正正文或统计表中有误的一处。",
        _ => return None,
    })
}

/// Where the problem is, split for the notice: the sheet, and the cell in words with its
/// Excel address (`第8行第4列（D8）`); for other files the place as the anomaly names it.
fn place(location: Option<&Location>) -> (String, String) {
    match location {
        Some(Location::Sheet { sheet, row, col }) => (
            sheet.to_string(),
            format!(
                "第{}行第{}列（{}{}）",
                row + 1,
                col + 1,
                column_name(*col),
                row + 1
            ),
        ),
        Some(other) => (String::new(), other.to_string()),
        None => (String::new(), String::new()),
    }
}

/// Today in China's time, `2025年1月20日`: the date the office sends the notices.
pub fn today_zh() -> String {
    let (year, month, day) = crate::text::china_today();
    format!("{year}年{month}月{day}日")
}

/// The formats of a notice: 宋体 throughout, wrapped, aligned to the top.
struct Formats {
    title: Format,
    line: Format,
    head: Format,
    cell: Format,
    center: Format,
    error: Format,
}

impl Formats {
    fn new() -> Formats {
        let base = Format::new()
            .set_font_name(OFFICIAL_FONT)
            .set_font_size(10.5);
        let cell = base
            .clone()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_border(FormatBorder::Thin);
        Formats {
            title: base
                .clone()
                .set_font_size(16)
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            line: base.clone().set_text_wrap().set_align(FormatAlign::Top),
            head: cell
                .clone()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_background_color("D9D9D9"),
            center: cell.clone().set_align(FormatAlign::Center),
            error: cell
                .clone()
                .set_align(FormatAlign::Center)
                .set_bold()
                .set_font_color("C00000"),
            cell,
        }
    }
}

/// A4, fit to the page's width, the header row repeated on every page, page numbers below.
fn print_setup(ws: &mut Worksheet, landscape: bool, header_row: u32) -> Result<(), XlsxError> {
    ws.set_paper_size(9);
    if landscape {
        ws.set_landscape();
    } else {
        ws.set_portrait();
    }
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    ws.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    ws.set_repeat_rows(header_row, header_row)?;
    ws.set_footer(PAGE_FOOTER);
    ws.set_freeze_panes(header_row + 1, 0)?;
    Ok(())
}

/// Points per line of 10.5-point 宋体, with the spacing Excel and WPS leave.
const LINE_HEIGHT: f64 = 14.5;

/// The height of a row whose cells hold `texts` in columns of `widths`. Rows are given a
/// height: LibreOffice and WPS keep a written file's rows one line high, and Excel does not
/// fit merged cells, so wrapped text would be cut off on the printed page.
fn row_height<'t>(cells: impl IntoIterator<Item = (&'t str, f64)>) -> f64 {
    let lines = cells
        .into_iter()
        // 宋体 at 10.5 points: a Chinese character is a little under two digits wide; a
        // column's width includes a little padding the text cannot use.
        .map(|(text, width)| wrapped_lines(text, (width - 1.0).max(1.0), 1.85))
        .fold(1.0, f64::max);
    lines * LINE_HEIGHT + 3.0
}

const NOTICE_COLUMNS: &[(&str, f64)] = &[
    ("序号", 5.0),
    ("级别", 6.0),
    ("文件", 20.0),
    ("工作表", 9.0),
    ("位置", 15.0),
    ("问题", 38.0),
    ("应为", 12.0),
    ("实填", 12.0),
    ("请这样修改", 34.0),
    ("问题编号", 20.0),
];

/// The one sheet of a notice or of the list: named, its columns' widths set, the title
/// `2024年度政府信息公开工作年度报告问题通知{suffix}` across them. The sheet, its last column
/// and the columns' width in all.
fn titled_sheet<'w>(
    wb: &'w mut Workbook,
    name: &str,
    columns: &[(&str, f64)],
    year: Option<i32>,
    suffix: &str,
    f: &Formats,
) -> Result<(&'w mut Worksheet, u16, f64), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    let last = (columns.len() - 1) as u16;
    let width: f64 = columns.iter().map(|(_, w)| w).sum();
    for (c, (_, w)) in columns.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let year_text = year.map_or(String::new(), |y| format!("{y}年度"));
    let title = format!("{year_text}政府信息公开工作年度报告问题通知{suffix}");
    ws.merge_range(0, 0, 0, last, &title, &f.title)?;
    ws.set_row_height(0, 30)?;
    Ok((ws, last, width))
}

/// A unit's notice as the bytes of an xlsx.
pub fn notice_xlsx(n: &Notice, year: Option<i32>, date: &str) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    // Same problems on the same day, same bytes: a rerun links the notice it had.
    wb.set_properties(&super::workbook::fixed_properties());
    // A notice is a few kilobytes and most of its cost is compressing its fixed parts:
    // level 1 takes a third less time (0.5 ms against 0.75 ms) for a kilobyte more.
    wb.set_zip_compression_level(1);
    let (ws, last, width) = titled_sheet(&mut wb, "问题通知", NOTICE_COLUMNS, year, "", &f)?;
    let (errors, warnings) = (n.count(Severity::Error), n.count(Severity::Warning));
    let heading = format!(
        "单位：{}　　年度：{}　　生成日期：{date}",
        n.unit_name,
        year.map_or("（未能确定）".to_string(), |y| y.to_string())
    );
    ws.merge_range(1, 0, 1, last, &heading, &f.line)?;
    ws.set_row_height(1, 20)?;
    let intro = format!(
        "经核查，贵单位报送的年度报告有以下 {} 个问题（错误 {errors} 个，警告 {warnings} 个）。\
         “错误”请改正后重新报送；“警告”请核实，确实无误的请在重新报送时附书面说明。\
         “位置”指报送文件中的单元格，行、列从 1 数起，括号内为 Excel 中的单元格地址。\
         与政务公开办联系时请告知“问题编号”。",
        n.problems.len()
    );
    ws.merge_range(2, 0, 2, last, &intro, &f.line)?;
    ws.set_row_height(2, row_height([(intro.as_str(), width)]))?;
    for (c, (name, _)) in NOTICE_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(3, c as u16, *name, &f.head)?;
    }
    for (i, a) in n.problems.iter().enumerate() {
        let row = 4 + i as u32;
        let (sheet, cell) = place(a.finding.location.as_ref());
        let file = if a.source_file.is_empty() {
            "（没有可读取的报告）"
        } else {
            a.source_file.as_str()
        };
        let todo = advice(a.rule)
            .or_else(|| check::rule(a.rule).map(|r| r.zh))
            .unwrap_or("");
        let severity_format = if a.severity == Severity::Error {
            &f.error
        } else {
            &f.center
        };
        ws.write_number_with_format(row, 0, (i + 1) as f64, &f.center)?;
        ws.write_string_with_format(row, 1, a.severity.zh(), severity_format)?;
        let texts = [
            file,
            &sheet,
            &cell,
            &a.finding.message,
            &a.finding.expected,
            &a.finding.actual,
            todo,
            &a.id,
        ];
        for (c, text) in texts.iter().enumerate() {
            ws.write_string_with_format(row, 2 + c as u16, cell_text(text), &f.cell)?;
        }
        let widths = NOTICE_COLUMNS[2..].iter().map(|(_, w)| *w);
        ws.set_row_height(row, row_height(texts.iter().copied().zip(widths)))?;
    }
    print_setup(ws, true, 3)?;
    wb.save_to_buffer()
}

/// `通知清单.xlsx`: every unit given a notice, its counts and its file; and how many
/// problems no unit can be sent.
pub fn index_xlsx(
    notices: &[Notice],
    unattributed: usize,
    year: Option<i32>,
    date: &str,
) -> Result<Vec<u8>, XlsxError> {
    const COLUMNS: &[(&str, f64)] = &[
        ("序号", 5.0),
        ("单位编号", 12.0),
        ("单位名称", 26.0),
        ("单位类型", 10.0),
        ("错误", 6.0),
        ("警告", 6.0),
        ("通知文件", 30.0),
        ("备注", 16.0),
    ];
    let f = Formats::new();
    let mut wb = Workbook::new();
    // Same problems on the same day, same bytes: a rerun links the notice it had.
    wb.set_properties(&super::workbook::fixed_properties());
    let (ws, last, width) = titled_sheet(&mut wb, "通知清单", COLUMNS, year, "清单", &f)?;
    let errors: usize = notices.iter().map(|n| n.count(Severity::Error)).sum();
    let warnings: usize = notices.iter().map(|n| n.count(Severity::Warning)).sum();
    let mut summary = format!(
        "生成日期：{date}。{} 个单位有待处理的问题（错误 {errors} 个，警告 {warnings} 个），\
         每个单位一份通知，在本文件夹中；没有问题的单位不发通知。",
        notices.len()
    );
    if unattributed > 0 {
        summary.push_str(&format!(
            "另有 {unattributed} 个问题属于不在单位名单中的单位或无法确定单位的文件，未发通知：\
             请先核对单位名单（名称、别名）或这些文件，见 anomalies.csv。"
        ));
    }
    ws.merge_range(1, 0, 1, last, &summary, &f.line)?;
    ws.set_row_height(1, row_height([(summary.as_str(), width)]))?;
    for (c, (name, _)) in COLUMNS.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *name, &f.head)?;
    }
    for (i, n) in notices.iter().enumerate() {
        let row = 3 + i as u32;
        ws.write_number_with_format(row, 0, (i + 1) as f64, &f.center)?;
        ws.write_string_with_format(row, 1, cell_text(&n.unit_id), &f.cell)?;
        ws.write_string_with_format(row, 2, cell_text(&n.unit_name), &f.cell)?;
        ws.write_string_with_format(row, 3, cell_text(&n.unit_type), &f.cell)?;
        ws.write_number_with_format(row, 4, n.count(Severity::Error) as f64, &f.center)?;
        ws.write_number_with_format(row, 5, n.count(Severity::Warning) as f64, &f.center)?;
        ws.write_string_with_format(row, 6, cell_text(&n.file), &f.cell)?;
        let note = if n.missing() {
            "没有可读取的报告"
        } else {
            ""
        };
        ws.write_string_with_format(row, 7, note, &f.cell)?;
        let widths = COLUMNS[1..].iter().map(|(_, w)| *w);
        let texts = [
            &n.unit_id,
            &n.unit_name,
            &n.unit_type,
            "",
            "",
            &n.file,
            note,
        ];
        ws.set_row_height(row, row_height(texts.into_iter().zip(widths)))?;
    }
    print_setup(ws, false, 2)?;
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cell holds 32,767 characters in Excel: a longer text (a unit's pasted narrative in a
    /// message, a long file name) is cut, not a failed notice.
    #[test]
    fn texts_longer_than_a_cell_are_cut() {
        let long = "字".repeat(40_000);
        let anomaly = Anomaly {
            severity: Severity::Error,
            rule: "T3.BALANCE",
            unit_id: "a".into(),
            unit_name: long.clone(),
            source_file: long.clone(),
            year: Some(2024),
            finding: check::Finding {
                rule: "T3.BALANCE",
                location: None,
                fields: Default::default(),
                expected: long.clone(),
                actual: "5".into(),
                message: long.clone(),
            },
            id: "T3.BALANCE-1".into(),
            review: Default::default(),
            repeats_units: false,
        };
        let notice = Notice {
            unit_id: "a".into(),
            unit_name: "甲镇".into(),
            unit_type: "乡镇".into(),
            file: long.clone(),
            problems: vec![&anomaly],
        };
        notice_xlsx(&notice, Some(2024), "2025年1月1日").expect("a notice");
        index_xlsx(&[notice], 0, Some(2024), "2025年1月1日").expect("the list");
    }

    #[test]
    fn every_rule_has_advice() {
        for rule in check::RULES {
            assert!(advice(rule.id).is_some(), "{} has no advice", rule.id);
        }
    }
}
