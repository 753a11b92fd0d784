//! The wide form, one row per unit and a column per field: nianbao's own normalized.csv,
//! and what analysts and provincial systems exchange. Read back, it gives the same totals.

mod common;

use std::path::Path;

use common::{nianbao_ok, run_ok, temp_dir};

#[test]
fn normalized_csv_read_back_gives_the_same_rollup() {
    let dir = temp_dir("wide-normalized");
    nianbao_ok(&["demo", "--units", "30", "--out", dir.to_str().unwrap()]);
    let (config, first) = (dir.join("config"), dir.join("first"));
    run_ok(&dir.join("inputs"), &config, &first);

    let wide = dir.join("wide");
    std::fs::create_dir_all(&wide).unwrap();
    std::fs::copy(first.join("normalized.csv"), wide.join("全县汇总.csv")).unwrap();
    let second = dir.join("second");
    run_ok(&wide, &config, &second);

    let rollup = |d: &Path| std::fs::read_to_string(d.join("rollup.csv")).unwrap();
    assert_eq!(rollup(&first), rollup(&second));
    // Every row read, each where it was: a value's location is its line and column.
    let anomalies = std::fs::read_to_string(second.join("anomalies.csv")).unwrap();
    assert!(anomalies
        .lines()
        .skip(1)
        .any(|l| l.contains("全县汇总.csv")));
    let normalized = std::fs::read_to_string(second.join("normalized.csv")).unwrap();
    assert_eq!(
        normalized.lines().count(),
        std::fs::read_to_string(first.join("normalized.csv"))
            .unwrap()
            .lines()
            .count()
    );
}

#[test]
fn a_wide_table_with_label_headers_and_a_duplicated_unit() {
    let dir = temp_dir("wide-labels");
    nianbao_ok(&[
        "demo",
        "--units",
        "4",
        "--clean",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let (config, first) = (dir.join("config"), dir.join("first"));
    run_ok(&dir.join("inputs"), &config, &first);
    // The same table with the fields named by their labels, 填报单位 and 年度 columns, and
    // the first unit's row twice: two reports of one unit, not one.
    let normalized = std::fs::read_to_string(first.join("normalized.csv")).unwrap();
    let mut lines = normalized.trim_start_matches('\u{feff}').lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let fields = nianbao::schema::fields();
    let relabel = |h: &str| match fields.iter().position(|f| f.id == h) {
        Some(i) => nianbao::schema::display_name(i).replace(',', " "),
        None => match h {
            "unit_name" => "填报单位".into(),
            "year" => "年度".into(),
            other => other.into(),
        },
    };
    let rows: Vec<&str> = lines.collect();
    let mut csv = header
        .iter()
        .map(|h| relabel(h))
        .collect::<Vec<_>>()
        .join(",")
        + "\n";
    for row in rows.iter().chain(rows.first()) {
        csv += row;
        csv += "\n";
    }
    let wide = dir.join("wide");
    std::fs::create_dir_all(&wide).unwrap();
    std::fs::write(wide.join("labels.csv"), csv).unwrap();
    let second = dir.join("second");
    run_ok(&wide, &config, &second);
    let anomalies = std::fs::read_to_string(second.join("anomalies.csv")).unwrap();
    assert!(
        anomalies.contains("UNIT.DUPLICATE"),
        "the repeated row is a second report: {anomalies}"
    );
    let manifest = std::fs::read_to_string(second.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"submissions\": 5"), "{manifest}");
}
