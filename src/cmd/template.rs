//! `nianbao template`: the official blank workbook a unit fills in. The three tables in the
//! official layout (built by [`crate::layout`], the one copy of the labels), a 填报单位 and a
//! 报告年度 line, data validation on every value cell, the 总计 cells as locked `SUM`
//! formulas, the sheet protected without a password, and a 填报说明 sheet.

use crate::discover::os_reason;
use crate::output::staging::{not_created, not_written};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{
    DataValidation, DataValidationRule, Format, FormatAlign, FormatBorder, Formula,
    ProtectionOptions, Workbook, Worksheet, XlsxError,
};

use crate::layout::{layout, Style, TCell, TSheet, UnitLine};
use crate::output::workbook::{
    fixed_properties, print_setup, print_tables, wrapped_lines, wrapped_row_heights,
    write_template, TemplateFormats, OFFICIAL_FONT,
};
use crate::roster::Roster;
use crate::schema::{self, Kind, FIELD_COUNT};
use crate::text::{format_number, safe_file_name};

/// The name of the sheet that holds the tables.
pub const TABLES_SHEET: &str = "统计表";
/// The name of the instructions sheet.
pub const GUIDE_SHEET: &str = "填报说明";
/// The default file name of the blank template.
pub const DEFAULT_FILE: &str = "年报统计表模板.xlsx";

/// The file name of a unit's pre-named copy.
pub fn unit_file_name(unit: &str, year: i32) -> String {
    format!("{unit}{year}年政府信息公开工作年度报告统计表.xlsx")
}

/// The template's layout: the official one, totals as formulas, the unit and year lines
/// in cells of their own. `values` fills the value cells (a filled copy, for tests and
/// examples); `None` leaves them blank.
fn template_layout(unit: &str, year: i32, values: Option<&[f64]>) -> TSheet {
    let zeros = vec![0.0; FIELD_COUNT];
    let style = Style {
        formula_totals: true,
        zero: if values.is_some() { "0" } else { "" },
        unit_line: UnitLine::SameCell,
        ..Style::official()
    };
    let mut sheet = layout(unit, year, values.unwrap_or(&zeros), &style)
        .sheets
        .pop()
        .expect("one sheet");
    sheet.name = TABLES_SHEET.into();
    // Row 1: 填报单位 and the name in the next cell (typed in, or filled from the roster);
    // row 2: 报告年度 and the year. Row 2 is free in the official layout.
    sheet.cells.remove(&(1, 3));
    sheet.cells.insert((1, 0), TCell::Text("填报单位：".into()));
    sheet.cells.insert((2, 0), TCell::Text("报告年度：".into()));
    sheet.cells.insert((2, 1), TCell::Number(f64::from(year)));
    if !unit.is_empty() {
        sheet.cells.insert((1, 1), TCell::Text(unit.into()));
    }
    sheet
}

fn validation(kind: Kind) -> Result<DataValidation, XlsxError> {
    let dv = match kind {
        Kind::Count => DataValidation::new()
            .allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0))
            .set_input_title("请填写件数")?
            .set_input_message(
                "填写大于或等于 0 的整数；没有的填 0，不要留空，不要填文字或“无”“—”。",
            )?
            .set_error_title("只能填写整数")?
            .set_error_message(
                "这里只能填写大于或等于 0 的整数（件数）。没有的请填 0，不要填写文字、小数或负数。",
            )?,
        Kind::AmountWan => DataValidation::new()
            .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
            .set_input_title("请填写金额（万元）")?
            .set_input_message("单位是万元，可以有小数，例如 1.25；没有收费的填 0。")?
            .set_error_title("只能填写数字")?
            .set_error_message(
                "这里只能填写大于或等于 0 的数字，单位是万元。没有收费的请填 0，不要填写文字。",
            )?,
    };
    Ok(dv)
}

/// Writes the tables sheet: labels locked, value cells unlocked and validated, 总计
/// formulas locked (with their results when the copy is filled), the sheet protected.
fn write_tables(ws: &mut Worksheet, sheet: &TSheet, filled: bool) -> Result<(), XlsxError> {
    let font = OFFICIAL_FONT;
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
        .set_font_name(font)
        .set_font_size(10);
    let input = cell
        .clone()
        .set_unlocked()
        .set_align(FormatAlign::Center)
        .set_background_color(0xFFFDE7);
    let formats = TemplateFormats {
        label: cell.clone().set_text_wrap().set_align(FormatAlign::Center),
        title: Format::new()
            .set_bold()
            .set_font_name(font)
            .set_font_size(14),
        heading: Format::new()
            .set_bold()
            .set_font_name(font)
            .set_font_size(11)
            .set_align(FormatAlign::VerticalCenter),
        count: input.clone().set_num_format("0"),
        amount: input.clone().set_num_format("0.00"),
    };
    ws.set_name(TABLES_SHEET)?;
    write_template(ws, sheet, &formats)?;

    // Locked totals: a grey fill says "computed, not typed".
    let total = cell
        .clone()
        .set_align(FormatAlign::Center)
        .set_num_format("0")
        .set_background_color(0xE7E6E6);
    for (&(r, c), value) in &sheet.cells {
        if let TCell::Formula(f, x) = value {
            let mut formula = Formula::new(format!("={f}"));
            if filled {
                formula = formula.set_result(format_number(*x));
            }
            ws.write_formula_with_format(r, c as u16, formula, &total)?;
        }
    }
    // The unit's name and the year: unlocked, plain text and a year.
    let line = Format::new()
        .set_font_name(font)
        .set_font_size(11)
        .set_align(FormatAlign::VerticalCenter);
    let answer = line
        .clone()
        .set_unlocked()
        .set_border_bottom(FormatBorder::Thin);
    ws.write_string_with_format(1, 0, "填报单位：", &line)?;
    ws.merge_range(1, 1, 1, 5, "", &answer)?;
    if let Some(TCell::Text(name)) = sheet.cells.get(&(1, 1)) {
        ws.write_string_with_format(1, 1, name, &answer)?;
    }
    ws.write_string_with_format(2, 0, "报告年度：", &line)?;
    if let Some(TCell::Number(year)) = sheet.cells.get(&(2, 1)) {
        ws.write_number_with_format(2, 1, *year, &answer.clone().set_num_format("0"))?;
    }
    let year_rule = DataValidation::new()
        .allow_whole_number(DataValidationRule::Between(2000, 2100))
        .set_error_title("年度不对")?
        .set_error_message("请填写四位数的报告年度，例如 2024。")?;
    ws.add_data_validation(2, 1, 2, 1, &year_rule)?;

    // Validation over each run of value cells in a row (not one rule per cell).
    let fields = schema::fields();
    let mut cells: Vec<(u32, u32, Kind)> = sheet
        .fields
        .iter()
        .filter(|(_, r, c)| !matches!(sheet.cells.get(&(*r, *c)), Some(TCell::Formula(..))))
        .map(|&(f, r, c)| (r, c, fields[f].kind))
        .collect();
    cells.sort_by_key(|&(r, c, _)| (r, c));
    let mut i = 0;
    while i < cells.len() {
        let (r, c0, kind) = cells[i];
        let mut j = i + 1;
        while j < cells.len()
            && cells[j].0 == r
            && cells[j].1 == cells[j - 1].1 + 1
            && cells[j].2 == kind
        {
            j += 1;
        }
        let c1 = cells[j - 1].1;
        ws.add_data_validation(r, c0 as u16, r, c1 as u16, &validation(kind)?)?;
        i = j;
    }

    // Widths: the label columns wide enough for table 三's labels, the rest for numbers.
    let widths = column_widths();
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    // The title and the lines above the tables are not wrapped.
    for (row, height) in wrapped_row_heights(sheet, &widths, 3) {
        ws.set_row_height(row, height)?;
    }
    print_setup(ws);
    // Each page says whose it is: the title, 填报单位 and 报告年度 lines repeat.
    print_tables(ws, sheet, 2)?;
    ws.set_freeze_panes(3, 0)?;
    // Protected against changing the tables' shape; column widths and row heights may be
    // adjusted to see a long label.
    ws.protect_with_options(&ProtectionOptions {
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::default()
    });
    Ok(())
}

/// Column widths (in Excel's units): the label columns wide enough for table 三's labels,
/// the rest for numbers and short headers.
fn column_widths() -> Vec<f64> {
    let mut widths = vec![22.0, 14.0, 26.0];
    widths.extend([9.0; 13]);
    widths
}

/// The 填报说明 sheet: how to fill the tables and what nianbao checks.
fn write_guide(ws: &mut Worksheet) -> Result<(), XlsxError> {
    ws.set_name(GUIDE_SHEET)?;
    let font = OFFICIAL_FONT;
    let title = Format::new()
        .set_bold()
        .set_font_name(font)
        .set_font_size(14);
    let text = Format::new()
        .set_font_name(font)
        .set_font_size(11)
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    ws.set_column_width(0, 100)?;
    ws.write_string_with_format(0, 0, "填报说明", &title)?;
    let lines = [
        "1. 请在“统计表”工作表中填写表二、表三、表四（国办公开办函〔2021〕30号格式）。".to_string(),
        "2. 在统计表第 2 行冒号右侧的格子里写本单位全称，与县政务公开办下发的名单一致；第 3 行的年度已填好，不要改动。".into(),
        "3. 浅黄色的格子是填写数字的地方。所有件数都填写大于或等于 0 的整数；没有的填 0，不要留空。".into(),
        "4. 数字格子里不要填写文字、“无”“—”“/”、空格或单位；不要输入小数和负数。唯一例外是“行政事业性收费”的“本年收费金额（单位：万元）”，单位是万元，可以有小数（例如 1.25）。".into(),
        "5. 灰色的“总计”格子由公式自动计算，已锁定，不需要也不能填写。表三各行总计等于六类申请人之和，表三“（七）总计”等于其上各项办理结果之和，表四每组总计等于结果维持、结果纠正、其他结果、尚未审结之和。".into(),
        "6. 不要插入或删除行、列，不要修改表头文字，不要改动工作表名称；工作表已保护（无密码），只为防止误改表格结构。".into(),
        "7. 填好后请以 .xlsx 格式保存，文件名中保留本单位的名字，按要求报送。".into(),
        "8. 报送前县里会用 nianbao 检查以下内容，请自行核对：".into(),
        "   · 每个数字格都有数字，且是整数（收费金额除外），不为负数；".into(),
        "   · 表三每行：总计 = 自然人 + 商业企业 + 科研机构 + 社会公益组织 + 法律服务机构 + 其他；".into(),
        "   · 表三每列：（七）总计 = 各项办理结果之和；一、本年新收政府信息公开申请数量 + 二、上年结转政府信息公开申请数量 = 三、本年度办理结果（七）总计 + 四、结转下年度继续办理；".into(),
        "   · 表四每组：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结；".into(),
        "   · 收费金额是否误按“元”填写，本单位的名字和年度是否与名单、本次统计一致，与上年报告相比是否有异常变化。".into(),
        "9. 单位自查可使用：nianbao check 本单位文件.xlsx（发现错误时会列出单元格位置和原因）。".into(),
    ];
    for (i, line) in lines.iter().enumerate() {
        ws.write_string_with_format(i as u32 + 2, 0, line, &text)?;
        let wrapped = wrapped_lines(line, 95.0, 2.0);
        if wrapped > 1.0 {
            ws.set_row_height(i as u32 + 2, wrapped * 15.0 + 3.0)?;
        }
    }
    Ok(())
}

/// The template as xlsx bytes: blank, or filled with `values` (formulas with results).
pub fn template_bytes(unit: &str, year: i32, values: Option<&[f64]>) -> Result<Vec<u8>, String> {
    let build = || -> Result<Vec<u8>, XlsxError> {
        let sheet = template_layout(unit, year, values);
        let mut book = Workbook::new();
        book.set_properties(&fixed_properties());
        write_tables(book.add_worksheet(), &sheet, values.is_some())?;
        write_guide(book.add_worksheet())?;
        book.save_to_buffer()
    };
    build().map_err(|e| format!("无法生成模板：{e}"))
}

pub struct TemplateOptions {
    pub out: Option<PathBuf>,
    pub year: i32,
    pub roster: Option<PathBuf>,
}

/// Writes the blank template, or one copy per roster unit into the `--out` folder.
/// Returns the files written.
pub fn write(opts: &TemplateOptions) -> Result<Vec<PathBuf>, String> {
    crate::cmd::check_year(opts.year)?;
    let Some(roster_path) = &opts.roster else {
        let out = opts
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_FILE));
        write_file(&out, &template_bytes("", opts.year, None)?)?;
        return Ok(vec![out]);
    };
    let bytes = std::fs::read(roster_path).map_err(|e| {
        format!(
            "无法读取名单文件 {}（{}）：请用 --roster 指定单位名单 units.csv",
            absolute(roster_path).display(),
            os_reason(&e)
        )
    })?;
    let roster = Roster::parse(&crate::read::decode_text(&bytes).text).map_err(|e| {
        format!(
            "名单文件 {} 有误（{e}）：第一行应为 unit_id,name,type,aliases",
            absolute(roster_path).display()
        )
    })?;
    let dir = opts
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("templates"));
    if dir.is_file() {
        return Err(format!(
            "{} 是一个文件：使用 --roster 时，--out 应指定一个文件夹，每个单位一份模板写在其中",
            absolute(&dir).display()
        ));
    }
    std::fs::create_dir_all(&dir).map_err(|e| {
        format!(
            "{}：请检查 --out 指定的位置是否可写",
            not_created(&absolute(&dir), &e)
        )
    })?;
    let mut written = Vec::new();
    for unit in &roster.units {
        let path = dir.join(unit_file_name(
            &safe_file_name(&unit.name, &unit.id),
            opts.year,
        ));
        write_file(&path, &template_bytes(&unit.name, opts.year, None)?)?;
        written.push(path);
    }
    Ok(written)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| {
        format!(
            "{}：请检查文件夹是否存在、文件是否正在 Excel/WPS 中打开",
            not_written(&absolute(path), &e)
        )
    })
}
