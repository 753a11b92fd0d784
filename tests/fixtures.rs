//! Files made by other tools than ours (xlwt, openpyxl; see tests/fixtures/README.md),
//! read through the real readers and checked cell for cell against what they mean.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{read_file, temp_dir};
use nianbao::cmd::run::{run, RunOptions};
use nianbao::schema;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn expected_csv(name: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<(String, f64)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let value = r[1]
                .parse()
                .unwrap_or_else(|_| panic!("{name}: {} is not a number", &r[1]));
            (r[0].to_string(), value)
        })
        .collect();
    let ids: Vec<&str> = rows.iter().map(|(id, _)| id.as_str()).collect();
    let ours: Vec<&str> = schema::fields().iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ours);
    rows.into_iter().map(|(_, v)| v).collect()
}

fn check_fixture(file: &str, expected: &str, unit: usize) {
    let dir = temp_dir(&format!("fixture-{file}"));
    let bytes = std::fs::read(fixture(file)).unwrap();
    let sub = common::only_submission(read_file(&dir, file, &bytes, None));
    common::assert_values(&sub, &expected_csv(expected), file);
    assert_eq!((sub.unit, sub.year), (Some(unit), Some(2024)));
}

#[test]
fn an_xls_written_by_xlwt_reads_exactly() {
    check_fixture("official_2024.xls", "official_2024.expected.csv", 1);
}

#[test]
fn formulas_without_cached_values_are_computed() {
    check_fixture(
        "formulas_no_cache.xlsx",
        "formulas_no_cache.expected.csv",
        0,
    );
}

#[test]
fn an_independent_county_reads_cell_for_cell_with_only_its_real_errors() {
    let county = fixture("county");
    let out = temp_dir("fixture-county");
    run(&RunOptions {
        inputs: county.join("inputs"),
        config: county.join("config"),
        out: out.clone(),
        year: None,
        prior: None,
        jobs: Some(2),
    })
    .unwrap();

    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(county.join("expected.json")).unwrap()).unwrap();
    let normalized = std::fs::read(out.join("normalized.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(&normalized[3..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let expected = expected.as_object().unwrap();
    assert_eq!(rows.len(), expected.len());
    let mut wrong = Vec::new();
    for (file, want) in expected {
        let row = rows
            .iter()
            .find(|r| &r[4] == file)
            .unwrap_or_else(|| panic!("{file} not in normalized.csv"));
        assert_eq!(&row[0], want["unit_id"].as_str().unwrap(), "{file}: unit");
        assert_eq!(
            row[3].parse::<i64>().ok(),
            want["year"].as_i64(),
            "{file}: year"
        );
        for (id, value) in want["values"].as_object().unwrap() {
            let col = header.iter().position(|h| h == id).unwrap();
            let got = row[col].parse::<f64>().ok();
            if got != value.as_f64() {
                wrong.push(format!(
                    "{file} {id}: expected {value}, got {:?}",
                    &row[col]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong values:\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    // The errors this county really has, and no others.
    let anomalies = std::fs::read(out.join("anomalies.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(&anomalies[3..]);
    let errors: BTreeSet<(String, String)> = reader
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[0] == "error")
        .map(|r| {
            (
                r[1].to_string(),
                if r[2].is_empty() {
                    r[3].to_string()
                } else {
                    r[2].to_string()
                },
            )
        })
        .collect();
    let pair = |rule: &str, unit: &str| (rule.to_string(), unit.to_string());
    let real: BTreeSet<(String, String)> = [
        pair("UNIT.DUPLICATE", "chengguan"),
        pair("FIELD.MISSING", "majiahe"),
        pair("VALUE.NOT_NUMBER", "majiahe"),
        pair("YEAR.MISMATCH", "shuangfeng"),
        pair("VALUE.NOT_NUMBER", "yanglin"),
        pair("FIELD.MISSING", "zrj"),
        pair("UNIT.UNKNOWN", "县档案馆"),
    ]
    .into();
    assert_eq!(errors, real);
}
