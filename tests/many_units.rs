//! Files that hold several units' reports: a consolidated workbook with one unit per sheet.

mod common;

use common::{assert_values, read_file, submissions, temp_dir};
use nianbao::demo;
use nianbao::layout::{layout, Style, Template};

#[test]
fn a_workbook_with_one_unit_per_sheet_is_one_report_per_sheet() {
    let dir = temp_dir("many-units-sheets");
    let units = ["易俗河镇", "河口镇", "县教育局"];
    let mut book = Template { sheets: Vec::new() };
    let mut expected = Vec::new();
    for (i, unit) in units.iter().enumerate() {
        let values = demo::consistent_report(&mut demo::Rng::new(40 + i as u64));
        let mut sheet = layout(unit, 2024, &values, &Style::official())
            .sheets
            .remove(0);
        sheet.name = unit.to_string();
        book.sheets.push(sheet);
        expected.push(values);
    }
    // An instructions sheet without tables does not stop the split.
    let mut notes = layout("说明", 2024, &expected[0], &Style::official())
        .sheets
        .remove(0);
    notes.name = "填报说明".into();
    notes.cells.retain(|&(r, _), _| r < 1);
    book.sheets.insert(0, notes);

    let result = read_file(&dir, "全县汇总表.xlsx", &demo::xlsx_bytes(&book), None);
    let subs = submissions(result);
    assert_eq!(subs.len(), 3);
    for ((sub, unit), values) in subs.iter().zip(units).zip(&expected) {
        assert_eq!(sub.claimed_unit, unit);
        assert!(sub.unit.is_some(), "{unit} is on the roster");
        assert_eq!(sub.year, Some(2024));
        assert_values(sub, values, unit);
        // Every value is located on its unit's own sheet.
        assert!(sub.sheets.iter().all(|s| &**s == unit), "{:?}", sub.sheets);
    }
}

#[test]
fn this_years_sheet_beside_last_years_is_still_one_report() {
    let dir = temp_dir("many-units-years");
    let mut book = Template { sheets: Vec::new() };
    let values = demo::consistent_report(&mut demo::Rng::new(7));
    for year in [2023, 2024] {
        let mut sheet = layout("河口镇", year, &values, &Style::official())
            .sheets
            .remove(0);
        sheet.name = format!("{year}年");
        book.sheets.push(sheet);
    }
    let subs = submissions(read_file(
        &dir,
        "河口镇.xlsx",
        &demo::xlsx_bytes(&book),
        None,
    ));
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].year, Some(2024));
}
