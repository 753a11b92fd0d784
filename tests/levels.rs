//! Rollups above the county: a roster whose `parent` column makes levels (units under two
//! counties under a city). Each level's total is the sum of the units below it; a county's
//! own reported totals are compared with that sum, never added to it.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{nianbao_ok, run_ok, temp_dir};

fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .map(String::from)
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn levels_sum_their_units_and_a_countys_own_totals_are_compared() {
    let dir = temp_dir("levels");
    let s = |p: &Path| p.to_str().unwrap().to_string();
    nianbao_ok(&["demo", "--units", "8", "--clean", "--out", &s(&dir)]);
    let (config, inputs) = (dir.join("config"), dir.join("inputs"));
    // The roster with a parent column: the first four units under 甲县, the others under
    // 乙县, both under 某市.
    let roster = std::fs::read_to_string(config.join("units.csv")).unwrap();
    let mut lines = roster.trim_start_matches('\u{feff}').lines();
    let mut out = format!("{},parent\n", lines.next().unwrap());
    let mut county_of = HashMap::new();
    for (i, line) in lines.filter(|l| !l.trim().is_empty()).enumerate() {
        let county = if i < 4 { "jiaxian" } else { "yixian" };
        county_of.insert(line.split(',').next().unwrap().to_string(), county);
        out += &format!("{line},{county}\n");
    }
    out += "jiaxian,甲县,县,,moushi\nyixian,乙县,县,,moushi\nmoushi,某市,市,,\n";
    std::fs::write(config.join("units.csv"), out).unwrap();

    let first = dir.join("first");
    run_ok(&inputs, &config, &first);
    // The levels are compared with their units, not added: the overview counts the eight
    // units the totals add up, all counted, as the run's summary does.
    let index = std::fs::read_to_string(first.join("reports/index.html")).unwrap();
    assert!(
        index.contains("名单内 <b>8</b> 个单位，全部计入全县汇总"),
        "the overview's count leaves the levels out"
    );
    let normalized = rows(&first.join("normalized.csv"));
    let rollup = rows(&first.join("rollup.csv"));
    let fields: Vec<String> = rollup.iter().map(|r| r["field_id"].clone()).collect();
    let sum = |county: Option<&str>, f: &str| -> f64 {
        normalized
            .iter()
            .filter(|r| county.is_none_or(|c| county_of[&r["unit_id"]] == c))
            .map(|r| r[f].parse::<f64>().unwrap_or(0.0))
            .sum()
    };
    for (row, f) in rollup.iter().zip(&fields) {
        let value = |col: &str| row[col].parse::<f64>().unwrap();
        assert!(
            (value("甲县") - sum(Some("jiaxian"), f)).abs() < 1e-9,
            "{f} 甲县"
        );
        assert!(
            (value("乙县") - sum(Some("yixian"), f)).abs() < 1e-9,
            "{f} 乙县"
        );
        assert!((value("某市") - sum(None, f)).abs() < 1e-9, "{f} 某市");
        assert!((value("county") - value("某市")).abs() < 1e-9, "{f} county");
    }
    assert!(
        !rollup[0].contains_key("县") && !rollup[0].contains_key("市"),
        "no column for a level's own type"
    );
    let anomalies = std::fs::read_to_string(first.join("anomalies.csv")).unwrap();
    assert!(
        !anomalies.contains("UNIT.MISSING"),
        "levels need not report: {anomalies}"
    );

    // 甲县 sends its own totals as a long CSV, right but for one field.
    let wrong = "apply.received.total";
    let mut long = String::from("unit,year,field_id,value\n");
    for f in &fields {
        let v = sum(Some("jiaxian"), f) + if f == wrong { 2.0 } else { 0.0 };
        long += &format!("甲县,2024,{f},{v}\n");
    }
    std::fs::write(inputs.join("甲县汇总.csv"), long).unwrap();
    let second = dir.join("second");
    run_ok(&inputs, &config, &second);
    let found: Vec<HashMap<String, String>> = rows(&second.join("anomalies.csv"))
        .into_iter()
        .filter(|r| r["rule"] == "TOTAL.REPORTED")
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["unit_id"], "jiaxian");
    assert_eq!(found[0]["field_ids"], wrong);
    // Its own report is compared, not added: the sums are those of the first run.
    assert_eq!(
        std::fs::read_to_string(first.join("rollup.csv")).unwrap(),
        std::fs::read_to_string(second.join("rollup.csv")).unwrap()
    );
}
