//! Submissions with one thing wrong or unusual each: the official layout from the demo
//! generator, altered by hand the way units alter it, written as a real file and read back.

mod common;

use common::*;
use nianbao::demo::{self, CsvEncoding, Rng};
use nianbao::layout::{Style, TCell, Template, UnitLine};
use nianbao::normalize::{Evidence, Value};
use nianbao::pipeline::Outcome;
use nianbao::schema;

fn official(name: &str, seed: u64) -> (Vec<f64>, Template) {
    let mut rng = Rng::new(seed);
    let values = demo::consistent_report(&mut rng);
    let template = nianbao::layout::layout(name, 2024, &values, &Style::official());
    (values, template)
}

/// The (row, col) of the cell whose text is exactly `text`.
fn find(t: &Template, text: &str) -> (u32, u32) {
    *t.sheets[0]
        .cells
        .iter()
        .find(|(_, c)| **c == TCell::Text(text.into()))
        .unwrap_or_else(|| panic!("no cell {text}"))
        .0
}

fn set(t: &mut Template, at: (u32, u32), text: &str) {
    t.sheets[0].cells.insert(at, TCell::Text(text.into()));
}

fn value_of(sub: &nianbao::normalize::Submission, id: &str) -> Value {
    sub.values.get(schema::index_of(id).unwrap())
}

#[test]
fn text_that_is_not_a_number_stays_unknown() {
    let dir = temp_dir("not-number");
    let (mut values, mut t) = official("河口镇", 1);
    let row = find(&t, "2.重复申请").0;
    set(&mut t, (row, 3), "约5");
    set(&mut t, (row, 4), "3件");
    let sub = only_submission(read_file(&dir, "a.xlsx", &demo::xlsx_bytes(&t), None));
    assert_eq!(
        value_of(&sub, "apply.rejected_duplicate.natural"),
        Value::NotNumber(Box::new("约5".into()))
    );
    assert_eq!(
        value_of(&sub, "apply.rejected_duplicate.commercial"),
        Value::NotNumber(Box::new("3件".into()))
    );
    // Everything else still reads exactly.
    for id in [
        "apply.rejected_duplicate.natural",
        "apply.rejected_duplicate.commercial",
    ] {
        values[schema::index_of(id).unwrap()] = f64::NAN;
    }
    for (i, v) in sub.values.iter().enumerate() {
        if !values[i].is_nan() {
            assert_eq!(v.number(), Some(values[i]), "{}", schema::fields()[i].id);
        }
    }
}

#[test]
fn a_half_filled_file_says_which_rows_columns_and_tables_are_missing() {
    let dir = temp_dir("half");
    let (_, mut t) = official("河口镇", 2);
    // Drop table 四 entirely, the 8.属于行政查询事项 row and the 法律服务机构 column.
    let litigation_top = find(&t, schema::LITIGATION_TABLE).0;
    let query_row = find(&t, "8.属于行政查询事项").0;
    let legal_col = find(&t, "法律服务机构").1;
    let sheet = &mut t.sheets[0];
    sheet
        .cells
        .retain(|&(r, c), _| r < litigation_top && r != query_row && c != legal_col);
    sheet.merges.clear();
    let bytes = demo::csv_grid_bytes(&t, CsvEncoding::Utf8Bom);
    let sub = only_submission(read_file(&dir, "河口镇.csv", &bytes, None));
    let whats: Vec<&str> = sub.missing.iter().map(|m| m.what.as_str()).collect();
    assert!(whats.iter().any(|w| w.contains("未找到四、")), "{whats:?}");
    assert!(
        whats.iter().any(|w| w.contains("行政查询事项")),
        "{whats:?}"
    );
    assert!(
        whats.iter().any(|w| w.contains("法律服务机构")),
        "{whats:?}"
    );
    assert_eq!(whats.len(), 3, "{whats:?}");
    assert_eq!(value_of(&sub, "review.total"), Value::Missing);
    assert_eq!(value_of(&sub, "apply.denied_query.natural"), Value::Missing);
    assert_eq!(value_of(&sub, "apply.received.legal"), Value::Missing);
    assert!(value_of(&sub, "apply.received.natural").number().is_some());
    // A missing row and a missing column share one field; each part lists it.
    let mut missing: Vec<usize> = sub.missing.iter().flat_map(|m| m.fields.clone()).collect();
    missing.sort_unstable();
    missing.dedup();
    assert_eq!(missing.len(), 15 + 7 + 25 - 1);
    let unknown = sub.values.iter().filter(|v| *v == Value::Missing).count();
    assert_eq!(unknown, missing.len());
}

#[test]
fn labels_of_the_2019_format_are_reported() {
    let dir = temp_dir("old");
    let (_, mut t) = official("河口镇", 3);
    let at = find(&t, "本年制发件数");
    set(&mut t, at, "本年新制作数量");
    let sub = only_submission(read_file(
        &dir,
        "a.csv",
        &demo::csv_grid_bytes(&t, CsvEncoding::Utf8),
        None,
    ));
    assert_eq!(sub.old_format.len(), 1);
    assert_eq!(sub.old_format[0].text, "本年新制作数量");
    assert_eq!(value_of(&sub, "active.regulation.issued"), Value::Missing);
}

#[test]
fn the_unit_comes_from_the_stamp_cell_and_the_year_never_from_the_fill_date() {
    let dir = temp_dir("unit-year");
    let mut rng = Rng::new(4);
    let values = demo::consistent_report(&mut rng);
    let style = Style {
        unit_line: UnitLine::NextCell,
        ..Style::official()
    };
    let mut t = nianbao::layout::layout("湘潭县教育局", 2024, &values, &style);
    // No year in the title: only the 填报日期 (2025-01-20) has one, and it must be ignored.
    let title = find(&t, "湘潭县教育局2024年政府信息公开工作年度报告统计表");
    set(&mut t, title, "政府信息公开工作年度报告统计表");
    let sub = only_submission(read_file(&dir, "jy.xlsx", &demo::xlsx_bytes(&t), None));
    assert_eq!(sub.unit, Some(2));
    assert!(matches!(sub.unit_evidence, Evidence::Cell(_)));
    assert_eq!(sub.year, None);
    let sub = only_submission(read_file(
        &dir,
        "jy.xlsx",
        &demo::xlsx_bytes(&t),
        Some(2024),
    ));
    assert_eq!(
        (sub.year, sub.year_evidence),
        (Some(2024), Evidence::Argument)
    );
    let sub = only_submission(read_file(
        &dir,
        "教育局2024.xlsx",
        &demo::xlsx_bytes(&t),
        Some(2023),
    ));
    assert_eq!(
        (sub.year, sub.year_evidence),
        (Some(2024), Evidence::FileName)
    );
}

#[test]
fn a_unit_not_on_the_roster_keeps_the_name_it_gave() {
    let dir = temp_dir("unknown-unit");
    let mut rng = Rng::new(5);
    let values = demo::consistent_report(&mut rng);
    let t = nianbao::layout::layout("某某乡", 2024, &values, &Style::official());
    let sub = only_submission(read_file(&dir, "x.xlsx", &demo::xlsx_bytes(&t), None));
    assert_eq!(sub.unit, None);
    assert_eq!(sub.claimed_unit, "某某乡");
    assert_values(&sub, &values, "某某乡");
}

#[test]
fn a_unit_named_only_by_its_file_name_is_found() {
    let dir = temp_dir("file-name");
    let mut rng = Rng::new(6);
    let values = demo::consistent_report(&mut rng);
    let style = Style {
        unit_line: UnitLine::None,
        ..Style::official()
    };
    let t = nianbao::layout::layout("河口镇", 2024, &values, &style);
    let sub = only_submission(read_file(
        &dir,
        "2024年报-河口镇.xlsx",
        &demo::xlsx_bytes(&t),
        None,
    ));
    assert_eq!(
        (sub.unit, &sub.unit_evidence),
        (Some(1), &Evidence::FileName)
    );
    assert_eq!(sub.year, Some(2024));
}

#[test]
fn a_serial_number_column_and_a_one_row_header_do_not_confuse_table_three() {
    let dir = temp_dir("serial");
    let (values, mut t) = official("河口镇", 7);
    // Put 序号 1..25 in a new column left of the labels: shift everything right by one.
    let sheet = &mut t.sheets[0];
    sheet.cells = std::mem::take(&mut sheet.cells)
        .into_iter()
        .map(|((r, c), v)| ((r, c + 1), v))
        .collect();
    sheet.merges.clear();
    let first = find(&t, "一、本年新收政府信息公开申请数量").0;
    for i in 0..25u32 {
        t.sheets[0]
            .cells
            .insert((first + i, 0), TCell::Number(f64::from(i + 1)));
    }
    // And flatten the two header rows into one: 法人或其他组织 dropped, leaves moved up.
    let parent = find(&t, "法人或其他组织");
    t.sheets[0].cells.remove(&parent);
    for leaf in [
        "商业企业",
        "科研机构",
        "社会公益组织",
        "法律服务机构",
        "其他",
    ] {
        let at = find(&t, leaf);
        let cell = t.sheets[0].cells.remove(&at).unwrap();
        t.sheets[0].cells.insert((at.0 - 1, at.1), cell);
    }
    let sub = only_submission(read_file(&dir, "河口镇.xlsx", &demo::xlsx_bytes(&t), None));
    assert_values(&sub, &values, "序号 column");
}

#[test]
fn broken_files_are_unreadable_with_a_reason() {
    let dir = temp_dir("broken");
    let (_, t) = official("河口镇", 8);
    let good = demo::xlsx_bytes(&t);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated.xlsx", good[..good.len() / 2].to_vec(), "损坏"),
        ("empty.xlsx", Vec::new(), "为空"),
        (
            "page.xls",
            b"<html><body><table><tr><td>1</td></tr></table>".to_vec(),
            "未找到",
        ),
        ("report.docx", b"PK\x03\x04".to_vec(), "损坏"),
        (
            "notes.csv",
            "会议纪要,无\n时间,2025年1月".as_bytes().to_vec(),
            "未找到",
        ),
        (
            "scan.pdf",
            b"%PDF-1.4".to_vec(),
            "请提供 Word 或 Excel 版本",
        ),
        (
            "old.doc",
            [&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1][..], b"x"].concat(),
            "另存为 .docx",
        ),
    ];
    for (name, bytes, reason) in cases {
        match read_file(&dir, name, &bytes, None).outcome {
            Outcome::Unreadable(why) => assert!(why.contains(reason), "{name}: {why}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn an_xlsx_named_xls_is_read_and_the_mismatch_noted() {
    let dir = temp_dir("renamed");
    let (values, t) = official("河口镇", 9);
    let result = read_file(&dir, "河口镇.xls", &demo::xlsx_bytes(&t), None);
    assert!(
        result.notes.iter().any(|n| n.contains("实为 xlsx")),
        "{:?}",
        result.notes
    );
    assert_values(&only_submission(result), &values, "renamed");
}

/// A workbook of several laid-out sheets, some hidden, written as a clerk's file.
fn workbook(sheets: &[(&str, &nianbao::layout::TSheet, bool)]) -> Vec<u8> {
    use nianbao::output::workbook::{write_template, TemplateFormats};
    let mut book = rust_xlsxwriter::Workbook::new();
    let first_visible = sheets.iter().position(|s| !s.2);
    for (i, (name, sheet, hidden)) in sheets.iter().enumerate() {
        let ws = book.add_worksheet();
        ws.set_name(*name).unwrap();
        write_template(ws, sheet, &TemplateFormats::plain()).unwrap();
        // Excel cannot hide the active sheet, and the first is active unless told.
        if Some(i) == first_visible {
            ws.set_active(true);
        }
        if *hidden {
            ws.set_hidden(true);
        }
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn a_blank_litigation_row_is_not_taken_from_the_signature_line_below() {
    let dir = temp_dir("signature");
    let mut rng = Rng::new(12);
    let mut values = demo::consistent_report(&mut rng);
    let first = schema::index_of("review.upheld").unwrap();
    values[first..].fill(0.0);
    let style = Style {
        zero: "",
        ..Style::official()
    };
    let mut t = nianbao::layout::layout("河口镇", 2024, &values, &style);
    let (_, value_row, _) = *t.sheets[0]
        .fields
        .iter()
        .find(|f| f.0 == schema::index_of("review.upheld").unwrap())
        .unwrap();
    t.sheets[0]
        .cells
        .insert((value_row + 1, 0), TCell::Text("填报人：张三".into()));
    t.sheets[0].cells.insert(
        (value_row + 1, 3),
        TCell::Text("联系电话：0731-1234567".into()),
    );
    let sub = only_submission(read_file(&dir, "河口镇.xlsx", &demo::xlsx_bytes(&t), None));
    assert_values(&sub, &values, "blank 表四");
    assert_eq!(
        location(&sub, "review.upheld"),
        nianbao::grid::Location::Sheet {
            sheet: "Sheet1".into(),
            row: value_row,
            col: 0
        }
    );
}

#[test]
fn a_hidden_example_sheet_never_replaces_the_units_own() {
    let dir = temp_dir("hidden");
    let (values, _) = official("河口镇", 13);
    let blanks = Style {
        zero: "",
        ..Style::official()
    };
    let own = nianbao::layout::layout("河口镇", 2024, &values, &blanks);
    let example_values = demo::consistent_report(&mut Rng::new(14));
    let example = nianbao::layout::layout("示例镇", 2024, &example_values, &Style::official());
    let bytes = workbook(&[
        ("示例", &example.sheets[0], true),
        ("2024年报", &own.sheets[0], false),
    ]);
    let sub = only_submission(read_file(&dir, "河口镇.xlsx", &bytes, None));
    assert_values(&sub, &values, "hidden example first");
    assert_eq!(sub.unit, Some(1), "the unit is the visible sheet's");
}

#[test]
fn the_year_comes_from_the_sheet_the_tables_are_on() {
    let dir = temp_dir("year-sheet");
    let (values, own) = official("河口镇", 15);
    let mut leftover = nianbao::layout::TSheet::default();
    leftover
        .cells
        .insert((0, 0), TCell::Text("报告年度：2023".into()));
    leftover
        .cells
        .insert((1, 0), TCell::Text("填报单位：河口镇".into()));
    let bytes = workbook(&[
        ("说明", &leftover, false),
        ("Sheet1", &own.sheets[0], false),
    ]);
    let sub = only_submission(read_file(&dir, "报告.xlsx", &bytes, None));
    assert_values(&sub, &values, "leftover sheet");
    assert_eq!(sub.year, Some(2024));
}

#[test]
fn a_stray_cell_at_the_end_of_the_sheet_costs_nothing() {
    let dir = temp_dir("stray");
    let (values, mut t) = official("河口镇", 16);
    t.sheets[0]
        .cells
        .insert((1_048_575, 16_383), TCell::Text("x".into()));
    let result = read_file(&dir, "河口镇.xlsx", &demo::xlsx_bytes(&t), None);
    // Outside the area read, and said so rather than dropped silently.
    assert!(
        result
            .notes
            .iter()
            .any(|n| n.contains("1 个单元格") && n.contains("未读取")),
        "{:?}",
        result.notes
    );
    assert_values(&only_submission(result), &values, "stray cell");
}

#[test]
fn a_submission_without_a_year_takes_the_year_rolled_up() {
    use nianbao::pipeline::gather;
    let dir = temp_dir("no-year");
    let style = Style {
        unit_line: UnitLine::None,
        ..Style::official()
    };
    let (values, dated) = official("河口镇", 17);
    let undated = nianbao::layout::layout("易俗河镇", 2024, &values, &style);
    let results = vec![
        read_file(&dir, "河口镇.xlsx", &demo::xlsx_bytes(&dated), None),
        read_file(&dir, "易俗河镇.xlsx", &demo::xlsx_bytes(&undated), None),
    ];
    let gathered = gather(results, &roster(), None);
    assert_eq!(gathered.year, Some(2024));
    let undated = gathered
        .submissions
        .iter()
        .find(|s| s.unit == Some(0))
        .unwrap();
    assert_eq!(undated.year, Some(2024));
    assert_eq!(undated.year_evidence, Evidence::RollupYear);
}
