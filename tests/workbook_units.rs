//! rollup.xlsx's long sheets, 各单位 and 异常清单, whose rows are made apart from the rest
//! of the workbook and spliced in: read back as Excel would read them, every cell is
//! normalized.csv's or anomalies.csv's.

mod common;

use std::io::Read;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use common::{run_ok, temp_dir};
use nianbao::demo;
use nianbao::rollup::LeftOut;
use nianbao::text::format_number;

const UNITS: usize = 30;

/// A demo county whose roster names a unit with `&<>`, and a report whose file name begins
/// with a space and holds a control character and a literal `_xHHHH_` escape, run.
fn county(name: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    demo::write_county(&dir, UNITS, 11, 2024, &[], false).unwrap();
    let roster = dir.join("config/units.csv");
    let text = std::fs::read_to_string(&roster).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // The first unit keeps its name as an alias, so that its report still finds it.
    let fields: Vec<&str> = lines[1].split(',').collect();
    let (name, aliases) = (fields[1], fields.get(3).copied().unwrap_or(""));
    lines[1] = format!(
        "{},\"{name}&<{}>\",{},{name}|{aliases}",
        fields[0], "二", fields[2]
    );
    std::fs::write(&roster, lines.join("\n") + "\n").unwrap();
    let report = first_file(&dir.join("inputs"));
    std::fs::rename(
        &report,
        dir.join("inputs").join(format!(
            " {}\u{1}_x0041_&<>.xlsx",
            report.file_stem().unwrap().to_string_lossy()
        )),
    )
    .unwrap();
    run_ok(&dir.join("inputs"), &dir.join("config"), &dir.join("out"));
    dir.join("out")
}

/// The first report that reads: a town's workbook (the demo writes some broken files too).
fn first_file(inputs: &Path) -> std::path::PathBuf {
    let mut towns: Vec<_> = std::fs::read_dir(inputs.join("乡镇"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with("年政府信息公开年报.xlsx"))
        .collect();
    towns.sort();
    towns.remove(0)
}

/// The text the sheet's 是否计入汇总 column holds for normalized.csv's `counted` and
/// `not_counted_reason`.
fn counted_text(counted: &str, reason: &str) -> String {
    if counted == "1" {
        return "计入".into();
    }
    let all = [
        LeftOut::NotOnRoster,
        LeftOut::OtherYear,
        LeftOut::Duplicate,
        LeftOut::Companion,
        LeftOut::OwnTotals,
    ];
    let why = all
        .iter()
        .find(|l| l.label() == reason)
        .expect("a known reason");
    why.describe().into()
}

/// A cell as normalized.csv writes it: text as it is, a number as `format_number`, empty
/// as empty.
fn as_csv(cell: Option<&Data>) -> String {
    match cell {
        None | Some(Data::Empty) => String::new(),
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(n)) => format_number(*n),
        other => panic!("unexpected cell {other:?}"),
    }
}

#[test]
fn every_cell_of_the_units_sheet_is_normalized_csvs() {
    let out = county("workbook-units");
    let mut csv = csv::Reader::from_path(out.join("normalized.csv")).unwrap();
    let header = csv.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert!(rows.len() > UNITS / 2, "{} rows", rows.len());
    assert!(
        rows.iter().any(|r| r[1].contains("&<二>")),
        "the renamed unit is in normalized.csv"
    );
    assert!(
        rows.iter()
            .any(|r| r[4].starts_with(' ') && r[4].contains('\u{1}')),
        "the renamed file is in normalized.csv"
    );
    let counted = header.iter().position(|h| h == "counted").unwrap();

    let mut book: Xlsx<_> = calamine::open_workbook(out.join("rollup.xlsx")).unwrap();
    let sheet = book.worksheet_range("各单位").unwrap();
    assert_eq!(sheet.end(), Some((rows.len() as u32 + 1, 205)));
    assert_eq!(
        sheet.get_value((1, 4)),
        Some(&Data::String("source_file".into()))
    );
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 2;
        let cell = |c: u32| as_csv(sheet.get_value((r, c)));
        for c in 0..5 {
            assert_eq!(cell(c), row[c as usize], "row {r}, column {c}");
        }
        assert_eq!(cell(5), counted_text(&row[counted], &row[counted + 1]));
        for f in 0..200 {
            assert_eq!(cell(6 + f), row[5 + f as usize], "row {r}, field {f}");
        }
    }
    let dimension = units_sheet_xml(&out.join("rollup.xlsx"));
    let expected = format!(r#"<dimension ref="A1:GX{}"/>"#, rows.len() + 2);
    assert!(dimension.contains(&expected), "{expected}");

    // The other sheets are there as before, the totals first.
    let names = book.sheet_names();
    assert_eq!(names.first().map(String::as_str), Some("全县"));
    assert_eq!(names.last().map(String::as_str), Some("异常清单"));
}

#[test]
fn every_cell_of_the_anomaly_sheet_is_anomalies_csvs() {
    let out = county("workbook-anomalies");
    let mut csv = csv::Reader::from_path(out.join("anomalies.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert!(
        rows.iter().any(|r| r[4].contains("\u{1}_x0041_&<>")),
        "the renamed file has an anomaly"
    );
    let mut book: Xlsx<_> = calamine::open_workbook(out.join("rollup.xlsx")).unwrap();
    let sheet = book.worksheet_range("异常清单").unwrap();
    assert_eq!(sheet.end(), Some((rows.len() as u32, 14)));
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        let cell = |c: u32| as_csv(sheet.get_value((r, c)));
        let severity = match &row[0] {
            "error" => "错误",
            "warning" => "警告",
            _ => "提示",
        };
        assert_eq!(cell(0), severity, "row {r}");
        for c in 1..row.len() as u32 {
            assert_eq!(cell(c), row[c as usize], "row {r}, column {c}");
        }
        // No one has reviewed yet: no reviewer, no date.
        assert_eq!((cell(13), cell(14)), (String::new(), String::new()));
    }
}

/// The start of the 各单位 sheet's XML: the part whose first cell is 单位编号.
fn units_sheet_xml(path: &Path) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap();
        if !part.name().unwrap().starts_with("xl/worksheets/sheet") {
            continue;
        }
        let mut xml = String::new();
        part.read_to_string(&mut xml).unwrap();
        if xml.contains("<t>单位编号</t>") {
            // What comes before the rows: the dimension is there.
            xml.truncate(xml.find("<sheetData").unwrap());
            return xml;
        }
    }
    panic!("no sheet starts with 单位编号");
}
