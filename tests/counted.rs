//! Counts a person can trust: `normalized.csv` says which rows the totals count, so that an
//! analyst's sum of the counted rows is `rollup.csv`'s county column; the run's summary and
//! the manifest say how many units were counted and why reports were left out; a total's
//! anomaly that only repeats units' errors is listed but not counted again.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{csv_by_name, nianbao_ok, run_ok, temp_dir};

#[test]
fn counted_rows_sum_to_the_county_and_the_summary_says_who_was_left_out() {
    let dir = temp_dir("counted");
    let county = dir.join("county");
    nianbao_ok(&["demo", "--units", "20", "--out", county.to_str().unwrap()]);
    let inputs = county.join("inputs");
    // A second copy of one unit's report under another name: that unit's two reports are
    // both left out (重复报送), and the unit has no counted report.
    let departments = inputs.join("县直部门");
    let first = std::fs::read_dir(&departments)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .min()
        .expect("the demo county has a department's CSV");
    let mut bytes = std::fs::read(&first).unwrap();
    // Not byte-identical (an identical copy is set aside as a copy, FILE.COPY): one more
    // empty line at the end.
    bytes.extend_from_slice(b"\r\n");
    let name = first.file_name().unwrap().to_str().unwrap();
    std::fs::write(departments.join(format!("重报-{name}")), &bytes).unwrap();

    let out = dir.join("out");
    let run = run_ok(&inputs, &county.join("config"), &out);
    let stdout = String::from_utf8(run.stdout).unwrap();

    let (_, rows) = csv_by_name(&out.join("normalized.csv"));
    let counted: Vec<&HashMap<String, String>> =
        rows.iter().filter(|r| r["counted"] == "1").collect();
    let left_out: Vec<&HashMap<String, String>> =
        rows.iter().filter(|r| r["counted"] == "0").collect();
    assert!(left_out.len() >= 2, "the two reports of one unit");
    assert!(left_out.iter().all(|r| !r["not_counted_reason"].is_empty()));
    assert!(counted.iter().all(|r| r["not_counted_reason"].is_empty()));

    let (_, rollup_rows) = csv_by_name(&out.join("rollup.csv"));
    let county_total: HashMap<&str, f64> = rollup_rows
        .iter()
        .map(|r| (r["field_id"].as_str(), r["county"].parse().unwrap()))
        .collect();
    assert_eq!(county_total.len(), 200);
    for (field, total) in &county_total {
        let sum: f64 = counted
            .iter()
            .map(|r| r[*field].parse::<f64>().unwrap_or(0.0))
            .sum();
        assert!(
            (sum - total).abs() < 1e-6,
            "{field}: the counted rows sum to {sum}, rollup.csv says {total}"
        );
    }

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let totals = &manifest["totals"];
    assert_eq!(totals["expected_units"], 20);
    assert_eq!(totals["counted_units"], counted.len());
    assert!(
        stdout.contains(&format!("汇总计入 {}/20 个单位", counted.len())),
        "{stdout}"
    );
    assert!(stdout.contains("重复报送 2 份"), "{stdout}");
}

#[test]
fn a_total_that_repeats_a_units_error_is_listed_but_not_counted() {
    let dir = temp_dir("repeats");
    let county = dir.join("county");
    nianbao_ok(&["demo", "--units", "12", "--out", county.to_str().unwrap()]);
    let out = dir.join("out");
    run_ok(&county.join("inputs"), &county.join("config"), &out);
    let (_, rows) = csv_by_name(&out.join("anomalies.csv"));
    let errors = |source: &dyn Fn(&str) -> bool| {
        rows.iter()
            .filter(|r| r["severity"] == "error" && source(&r["source_file"]))
            .count()
    };
    let of_totals = errors(&|s| s == "rollup.csv");
    let of_units = errors(&|s| s != "rollup.csv");
    assert!(
        of_totals > 0,
        "the demo county's injected error shows in its totals"
    );
    assert!(rows
        .iter()
        .filter(|r| r["source_file"] == "rollup.csv")
        .all(|r| r["message"].contains("不另计入")));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["checks"]["errors"], of_units);
    assert_eq!(manifest["review"]["counts"]["open_errors"], of_units);
    assert_eq!(manifest["checks"]["repeats_of_units"], of_totals);
    // On the overview they are folded under one line that says so.
    let index = std::fs::read_to_string(out.join("reports/index.html")).unwrap();
    assert!(
        index.contains(&format!(
            "<details class=\"totals\"><summary><h2>合计的问题（{of_totals} 条，均随单位自身的问题而来"
        )),
        "the totals' problems folded"
    );
}

#[test]
fn a_total_that_lacks_a_units_unreadable_value_says_so() {
    use nianbao::demo::{self, Problem};
    use std::io::Read;
    let dir = temp_dir("lacking");
    let county = dir.join("county");
    // The first unit writes 约5 for 行政处罚: the county's sum of it lacks that unit.
    demo::write_county(&county, 4, 1, 2024, &[Some(Problem::NotNumber)], false).unwrap();
    let out = dir.join("out");
    run_ok(&county.join("inputs"), &county.join("config"), &out);

    let index = std::fs::read_to_string(out.join("reports/index.html")).unwrap();
    assert!(
        index.contains("<span>行政处罚</span><small class=\"lacking\">不含 1 个单位无法读取的数值"),
        "the 行政处罚 card says its sum lacks a unit"
    );
    assert_eq!(
        index.matches("class=\"lacking\"").count(),
        1,
        "only that card"
    );

    let mut book =
        zip::ZipArchive::new(std::fs::File::open(out.join("rollup.xlsx")).unwrap()).unwrap();
    let mut notes = String::new();
    for i in 0..book.len() {
        let mut part = book.by_index(i).unwrap();
        if part.name().unwrap().contains("comments") {
            part.read_to_string(&mut notes).unwrap();
        }
    }
    assert!(
        notes.contains("合计不完整：1 个单位此项的数值无法读取"),
        "{notes}"
    );
}

#[test]
fn the_summary_hints_at_a_wrong_year_an_unused_prior_and_skipped_files() {
    let dir = temp_dir("hints");
    let county = dir.join("county");
    nianbao_ok(&["demo", "--units", "6", "--out", county.to_str().unwrap()]);
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let args = |extra: &[&str]| {
        let mut args = vec![
            "run".to_string(),
            "--inputs".into(),
            s(&county.join("inputs")),
            "--config".into(),
            s(&county.join("config")),
            "--out".into(),
            s(&dir.join("out")),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        args
    };
    let run = |extra: &[&str]| {
        let args = args(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        String::from_utf8(nianbao_ok(&args).stdout).unwrap()
    };
    let plain = run(&[]);
    assert!(plain.contains("提示：配置文件夹中有上年数据"), "{plain}");
    assert!(plain.contains("normalized-2023.csv"), "{plain}");
    assert!(!plain.contains("--year 是否写错了"), "{plain}");
    // The demo county's byte-identical copy of a report is skipped: named, with why.
    assert!(
        plain.contains("提示：跳过的文件：") && plain.contains("重复的副本"),
        "{plain}"
    );

    let wrong_year = run(&["--year", "2023"]);
    assert!(
        wrong_year.contains("没有一份报告计入 2023 年度的汇总，而 6 份报告写的是 2024 年度"),
        "{wrong_year}"
    );
    assert!(
        !wrong_year.contains("配置文件夹中有上年数据"),
        "last year's file is of the run's year: no use"
    );
}
