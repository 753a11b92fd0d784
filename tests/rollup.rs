//! The county's totals, the official-layout workbook and the report pages, on built counties.

mod common;

use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use common::{read_file, temp_dir};
use nianbao::cmd::run::{run, RunOptions};
use nianbao::demo;
use nianbao::schema;

fn run_county(dir: &Path) {
    run(&RunOptions {
        inputs: dir.join("inputs"),
        config: dir.join("config"),
        out: dir.join("out"),
        year: Some(2024),
        prior: None,
        jobs: Some(2),
    })
    .unwrap();
}

fn rollup_column(dir: &Path, column: &str) -> Vec<f64> {
    let bytes = std::fs::read(dir.join("out/rollup.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let col = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == column)
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap()[col].parse().unwrap())
        .collect()
}

/// A clean county, plus a second, different report of one unit, a byte-identical copy of
/// another's file, and last year's file of a third: both reports of the first are left out,
/// the second counts once, and only this year's of the third counts.
fn county_with_leftovers(dir: &Path) -> Vec<demo::PlannedUnit> {
    let planned = demo::write_county(dir, 16, 5, 2024, &[], false).unwrap();
    let folder = dir.join("inputs/乡镇");
    let file_of = |u: usize| {
        std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().contains(&planned[u].name))
            .unwrap()
    };
    let layout = |name: &str, year: i32, seed: u64| {
        let report = demo::consistent_report(&mut demo::Rng::new(seed));
        let t = nianbao::layout::layout(name, year, &report, &nianbao::layout::Style::official());
        demo::xlsx_bytes(&t)
    };
    std::fs::write(
        folder.join(format!("{}（修改版）.xlsx", planned[1].name)),
        layout(&planned[1].name, 2024, 98),
    )
    .unwrap();
    let original = file_of(3);
    let mut copy = original.file_stem().unwrap().to_os_string();
    copy.push("(1).");
    copy.push(original.extension().unwrap());
    std::fs::copy(&original, folder.join(copy)).unwrap();
    std::fs::write(
        folder.join(format!("{}2023年报.xlsx", planned[2].name)),
        layout(&planned[2].name, 2023, 99),
    )
    .unwrap();
    planned
}

#[test]
fn totals_sum_the_units_that_count_and_only_them() {
    let dir = temp_dir("rollup-sums");
    let planned = county_with_leftovers(&dir);
    run_county(&dir);
    let roster = nianbao::roster::Roster::load(&dir.join("config")).unwrap();
    let county = rollup_column(&dir, "county");
    let towns = rollup_column(&dir, "乡镇");
    let depts = rollup_column(&dir, "县直部门");
    for f in 0..schema::FIELD_COUNT {
        let sum = |only: Option<&str>| -> f64 {
            planned
                .iter()
                .enumerate()
                .filter(|(u, _)| *u != 1)
                .filter(|(u, _)| only.is_none_or(|t| roster.units[*u].unit_type == t))
                .map(|(_, p)| p.values[f])
                .sum::<f64>()
        };
        let id = &schema::fields()[f].id;
        assert!(
            (county[f] - sum(None)).abs() < 1e-9,
            "{id}: {} vs {}",
            county[f],
            sum(None)
        );
        assert!((towns[f] - sum(Some("乡镇"))).abs() < 1e-9, "{id} 乡镇");
        assert!(
            (depts[f] - sum(Some("县直部门"))).abs() < 1e-9,
            "{id} 县直部门"
        );
    }
    let anomalies = std::fs::read_to_string(dir.join("out/anomalies.csv")).unwrap();
    let rule_count = |rule: &str| anomalies.lines().filter(|l| l.contains(rule)).count();
    assert_eq!(rule_count("UNIT.DUPLICATE"), 2, "{anomalies}");
    assert_eq!(rule_count("YEAR.MISMATCH"), 1, "{anomalies}");
    let copy = anomalies
        .lines()
        .find(|l| l.contains("FILE.COPY"))
        .expect("the copy is listed");
    assert!(copy.starts_with("info,") && copy.contains("(1)."), "{copy}");
    assert!(
        !anomalies.contains("合计"),
        "consistent units give consistent totals"
    );
}

#[test]
fn the_workbook_holds_the_official_layout_and_reads_back_as_the_totals() {
    let dir = temp_dir("rollup-xlsx");
    demo::write_county(&dir, 10, 8, 2024, &[], false).unwrap();
    run_county(&dir);
    let county = rollup_column(&dir, "county");
    let bytes = std::fs::read(dir.join("out/rollup.xlsx")).unwrap();

    let mut book = Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["全县", "乡镇", "县直部门", "各单位", "异常清单"]
    );
    let sheet = book.worksheet_range("全县").unwrap();
    let text = |r: u32, c: u32| match sheet.get_value((r, c)) {
        Some(Data::String(s)) => s.clone(),
        other => format!("{other:?}"),
    };
    // 0-based rows: the title, a blank row, table 二 from row 2 (规章 on 5, the fee on 16),
    // table 三 from row 18 (headers on 19–21, 本年新收 on 22), as the template has them.
    assert!(text(0, 0).starts_with("全县合计（10 个单位）2024年"));
    assert_eq!(text(2, 0), schema::ACTIVE_TABLE);
    assert_eq!(text(3, 0), "第二十条第（一）项");
    assert_eq!(text(5, 0), "规章");
    assert_eq!(text(16, 0), "行政事业性收费");
    assert_eq!(text(18, 0), schema::APPLY_TABLE);
    assert_eq!(text(19, 3), "申请人情况");
    assert_eq!(text(20, 3), "自然人");
    assert_eq!(text(20, 4), "法人或其他组织");
    assert_eq!(text(21, 8), "其他");
    assert_eq!(text(22, 0), "一、本年新收政府信息公开申请数量");
    let merges: Vec<String> = book
        .merge_cells_by_sheet_name("全县")
        .unwrap()
        .iter()
        .map(|d| format!("{:?}-{:?}", d.start, d.end))
        .collect();
    for expected in [
        "(19, 3)-(19, 9)",
        "(20, 4)-(20, 8)",
        "(20, 3)-(21, 3)",
        "(24, 0)-(45, 0)",
    ] {
        assert!(
            merges.contains(&expected.to_string()),
            "{expected} not in {merges:?}"
        );
    }
    let received = schema::index_of("apply.received.natural").unwrap();
    assert_eq!(
        sheet.get_value((22, 3)),
        Some(&Data::Float(county[received]))
    );

    // Every unit's row, under a row of Chinese labels and a row of the stable ids.
    let units = book.worksheet_range("各单位").unwrap();
    let header = |r: u32| -> Vec<String> {
        (0..5 + 1 + 200)
            .map(|c| match units.get_value((r, c)) {
                Some(Data::String(s)) => s.clone(),
                other => format!("{other:?}"),
            })
            .collect()
    };
    let labels = header(0);
    assert_eq!(labels[0], "单位编号");
    assert_eq!(labels[6], schema::display_name(0));
    assert_eq!(labels[205], schema::display_name(199));
    let ids = header(1);
    assert_eq!(
        ids[..6],
        [
            "unit_id",
            "unit_name",
            "unit_type",
            "year",
            "source_file",
            "counted"
        ]
    );
    assert_eq!(ids[205], schema::fields()[199].id);
    assert_eq!(units.height(), 2 + 10);
    let anomaly_sheet = book.worksheet_range("异常清单").unwrap();
    assert_eq!(
        anomaly_sheet.get_value((0, 1)),
        Some(&Data::String("规则".into()))
    );

    // Our own reader finds the county's totals in it, every one of the 200.
    let sub = common::only_submission(read_file(
        &temp_dir("rollup-xlsx-read"),
        "rollup.xlsx",
        &bytes,
        None,
    ));
    common::assert_values(&sub, &county, "rollup.xlsx");
}

#[test]
fn report_pages_escape_what_units_wrote_and_reruns_drop_stale_pages() {
    let dir = temp_dir("rollup-html");
    demo::write_county(&dir, 6, 9, 2024, &[], false).unwrap();
    let roster = std::fs::read_to_string(dir.join("config/units.csv")).unwrap();
    let hostile = "<script>alert('x')</script>&镇";
    std::fs::write(
        dir.join("config/units.csv"),
        roster
            .replace(
                "河口镇,乡镇,河口镇人民政府",
                &format!("河口镇,乡镇,{hostile}|河口镇|河口镇人民政府"),
            )
            .replace("hekou,河口镇", "hekou,<b>河口镇</b>"),
    )
    .unwrap();
    run_county(&dir);
    let reports = dir.join("out/reports");
    let page = std::fs::read_to_string(reports.join("hekou.html")).unwrap();
    assert!(page.contains("&lt;b&gt;河口镇&lt;/b&gt;"));
    assert!(!page.contains("<b>河口镇"));
    let index = std::fs::read_to_string(reports.join("index.html")).unwrap();
    // The overview's one script is its own sort-and-filter script, not the unit's text.
    assert!(!index.contains("<script>alert") && !index.contains("<b>河口镇"));
    assert_eq!(index.matches("<script").count(), 1);
    assert!(index.contains("hekou.html"));
    assert!(
        !page.contains("http"),
        "self-contained: no external resources"
    );

    // The unit's file goes away: its page goes too.
    let file = std::fs::read_dir(dir.join("inputs/乡镇"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("河口镇"))
        .unwrap();
    std::fs::remove_file(file).unwrap();
    run_county(&dir);
    assert!(!reports.join("hekou.html").exists());
    let index = std::fs::read_to_string(reports.join("index.html")).unwrap();
    assert!(index.contains("未报送"));
}
