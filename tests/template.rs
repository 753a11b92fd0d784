//! `nianbao template`: the blank workbook units fill in, and a filled one read back exactly
//! through nianbao's own reader.

mod common;

use std::io::Read;

use common::{assert_values, nianbao, only_submission, read_file, roster, temp_dir};
use nianbao::cmd::template::{template_bytes, unit_file_name};
use nianbao::demo::{consistent_report, Rng};
use nianbao::schema::{self, Kind, FIELD_COUNT};

/// The XML of one part of an xlsx.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn a_filled_template_reads_back_exactly() {
    let dir = temp_dir("template-filled");
    for seed in [1, 2, 3] {
        let mut rng = Rng::new(seed);
        let mut values = consistent_report(&mut rng);
        // A fee with decimals, in 万元.
        let fee = schema::fields()
            .iter()
            .position(|f| f.kind == Kind::AmountWan)
            .unwrap();
        values[fee] = 1.25;
        let bytes = template_bytes("易俗河镇", 2024, Some(&values)).unwrap();
        let name = format!("filled-{seed}.xlsx");
        let sub = only_submission(read_file(&dir, &name, &bytes, None));
        assert_values(&sub, &values, &name);
        assert_eq!(sub.year, Some(2024), "{name}");
        let unit = sub.unit.map(|i| roster().units[i].name.clone());
        assert_eq!(unit.as_deref(), Some("易俗河镇"), "{name}");
    }
}

#[test]
fn formulas_are_computed_even_with_cached_zeros() {
    // A filled copy saved by a tool that caches 0 for every formula: nianbao computes them.
    let dir = temp_dir("template-cached-zero");
    let mut rng = Rng::new(7);
    let values = consistent_report(&mut rng);
    let style = nianbao::layout::Style {
        formula_totals: true,
        ..nianbao::layout::Style::official()
    };
    let bytes =
        nianbao::demo::xlsx_bytes(&nianbao::layout::layout("河口镇", 2024, &values, &style));
    let sub = only_submission(read_file(&dir, "cached.xlsx", &bytes, None));
    assert_values(&sub, &values, "cached zeros");
    // The template's own formulas, filled, with results.
    let filled = template_bytes("河口镇", 2024, Some(&values)).unwrap();
    let sheet = part(&filled, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<f>SUM("), "{}", &sheet[..500]);
}

#[test]
fn the_blank_template_validates_locks_and_protects() {
    let bytes = template_bytes("", 2024, None).unwrap();
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    let book = part(&bytes, "xl/workbook.xml");
    assert!(book.contains("name=\"统计表\""), "{book}");
    assert!(book.contains("name=\"填报说明\""), "{book}");
    assert!(sheet.contains("<sheetProtection"), "the sheet is protected");
    assert!(!sheet.contains("password"), "without a password");

    // Every value cell that is not a 总计 formula is under a validation rule.
    let formulas = sheet.matches("<f>SUM(").count();
    // Table 三: every row's 总计 (25 rows) and the (七)总计 row's six applicant columns;
    // table 四: the three groups' 总计.
    assert_eq!(formulas, 25 + 6 + 3, "总计 formulas");
    let validations = sheet.split("<dataValidation ").skip(1).collect::<Vec<_>>();
    let mut covered = 0;
    for v in &validations {
        let sqref = v
            .split("sqref=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        for range in sqref.split(' ') {
            covered += cells_in(range);
        }
    }
    // The value cells and the year.
    assert_eq!(covered, FIELD_COUNT - formulas + 1, "validated cells");
    assert!(validations
        .iter()
        .any(|v| v.contains("type=\"whole\"") && v.contains("operator=\"greaterThanOrEqual\"")));
    assert!(validations.iter().any(|v| v.contains("type=\"decimal\"")));
    assert!(sheet.contains("只能填写大于或等于 0 的整数"));

    // Unlocked input cells: some cell format is unlocked.
    let styles = part(&bytes, "xl/styles.xml");
    assert!(styles.contains("locked=\"0\""), "unlocked input cells");
}

/// How many cells an A1 range such as `D7:I7` or `B3` covers.
fn cells_in(range: &str) -> usize {
    let parse = |a1: &str| -> (usize, usize) {
        let col: String = a1.chars().take_while(char::is_ascii_alphabetic).collect();
        let row: usize = a1[col.len()..].parse().unwrap();
        let col = col
            .chars()
            .fold(0, |n, c| n * 26 + (c as usize - 'A' as usize + 1));
        (row, col)
    };
    match range.split_once(':') {
        Some((a, b)) => {
            let (r1, c1) = parse(a);
            let (r2, c2) = parse(b);
            (r2 - r1 + 1) * (c2 - c1 + 1)
        }
        None => 1,
    }
}

#[test]
fn the_command_writes_the_template_and_one_copy_per_roster_unit() {
    let dir = temp_dir("template-cli");
    let out = dir.join("模板.xlsx");
    let made = nianbao(&["template", "--out", out.to_str().unwrap(), "--year", "2025"]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let bytes = std::fs::read(&out).unwrap();
    let sub = only_submission(read_file(&dir, "blank.xlsx", &bytes, None));
    assert_eq!(sub.year, Some(2025));

    let units = dir.join("units.csv");
    std::fs::write(
        &units,
        "unit_id,name,type,aliases\nyisuhe,易俗河镇,乡镇,\njiaoyu,县教育局,县直部门,\n",
    )
    .unwrap();
    let copies = dir.join("copies");
    let made = nianbao(&[
        "template",
        "--roster",
        units.to_str().unwrap(),
        "--out",
        copies.to_str().unwrap(),
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    // Without --year, the year the units report on now: last year.
    let year = nianbao::text::reporting_year();
    for name in ["易俗河镇", "县教育局"] {
        let path = copies.join(unit_file_name(name, year));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let sub = only_submission(read_file(&dir, "copy.xlsx", &bytes, None));
        let unit = sub.unit.map(|i| roster().units[i].name.clone());
        assert_eq!(unit.as_deref(), Some(name));
        assert_eq!(sub.year, Some(year));
    }
}

#[test]
fn an_implausible_year_or_a_missing_roster_is_refused_in_chinese() {
    let dir = temp_dir("template-refused");
    for year in ["24", "20244", "1999"] {
        let out = dir.join("t.xlsx");
        let made = nianbao(&["template", "--out", out.to_str().unwrap(), "--year", year]);
        assert_eq!(made.status.code(), Some(2), "--year {year}");
        let err = String::from_utf8_lossy(&made.stderr);
        assert!(err.contains("不是有效的报告年度"), "{err}");
        assert!(!out.exists());
    }
    let missing = dir.join("nowhere/units.csv");
    let made = nianbao(&["template", "--roster", missing.to_str().unwrap()]);
    assert_eq!(made.status.code(), Some(2));
    let err = String::from_utf8_lossy(&made.stderr);
    assert!(
        err.contains("无法读取名单文件") && err.contains("nowhere"),
        "{err}"
    );
}
