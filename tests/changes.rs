//! What changed since the last run: a rerun into the same `--out` after resubmissions says
//! which units changed, which values changed and which problems were fixed or are new, in
//! `changes.csv`, on the terminal and on the overview page.

mod common;

use std::path::Path;

use common::{run_ok, temp_dir};
use nianbao::demo::{long_csv_bytes, write_county, FileKind, Problem};
use nianbao::schema;

/// changes.csv's rows, each as column → text.
fn changes(out: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let (header, rows) = common::csv_by_name(&out.join("changes.csv"));
    assert_eq!(
        header,
        [
            "unit_id",
            "unit_name",
            "year",
            "kind",
            "field_id",
            "label",
            "before",
            "after",
            "anomaly_id",
            "rule",
            "message"
        ]
    );
    rows
}

/// anomalies.csv's ids of one unit's errors and warnings.
fn problem_ids(out: &Path, unit_id: &str) -> Vec<String> {
    let (_, rows) = common::csv_by_name(&out.join("anomalies.csv"));
    rows.into_iter()
        .filter(|r| r["unit_id"] == unit_id && r["severity"] != "info")
        .map(|r| r["anomaly_id"].clone())
        .collect()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_rerun_after_resubmissions_lists_what_changed() {
    let dir = temp_dir("changes");
    let (inputs, config, out) = (dir.join("inputs"), dir.join("config"), dir.join("out"));
    // 谭家山镇 with two row totals off, 中路铺镇 sends nothing.
    let mut before = vec![None; 12];
    before[1] = Some(Problem::RowTotal);
    before[2] = Some(Problem::NoSubmission);
    write_county(&dir, 12, 7, 2024, &before, false).unwrap();

    let first = run_ok(&inputs, &config, &out);
    assert!(
        stdout(&first).contains("与上次运行相比：未比较（没有上次运行的输出，这是第一次运行）"),
        "{}",
        stdout(&first)
    );
    let rows = changes(&out);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["kind"], "no_comparison");

    // The same inputs again: nothing changed, the header alone.
    let again = run_ok(&inputs, &config, &out);
    assert!(stdout(&again).contains("与上次运行相比：没有变化"));
    assert!(changes(&out).is_empty());

    // Resubmissions: 谭家山镇 corrected, 中路铺镇 sent its report, 排头乡 changed a number.
    let mut fixed_ids = problem_ids(&out, "tanjiashan");
    fixed_ids.sort();
    assert_eq!(fixed_ids.len(), 2);
    let missing_ids = problem_ids(&out, "zhonglupu");
    assert!(!missing_ids.is_empty());
    let planned = write_county(&dir, 12, 7, 2024, &[None; 12], true).unwrap();
    let paitou = &planned[7];
    assert_eq!(
        (paitou.id.as_str(), paitou.kind),
        ("paitou", FileKind::Long)
    );
    let field = schema::fields()[0].id.clone();
    let mut values = paitou.values.clone();
    values[0] += 1.0;
    std::fs::write(
        inputs.join("乡镇/paitou_2024_long.csv"),
        long_csv_bytes(&[("排头乡", 2024, &values)]),
    )
    .unwrap();

    let third = run_ok(&inputs, &config, &out);
    let rows = changes(&out);
    let of = |unit: &str, kind: &str| -> Vec<&std::collections::HashMap<String, String>> {
        rows.iter()
            .filter(|r| r["unit_id"] == unit && r["kind"] == kind)
            .collect()
    };

    let fixed: Vec<&str> = of("tanjiashan", "fixed_problem")
        .iter()
        .map(|r| r["anomaly_id"].as_str())
        .collect();
    assert_eq!(fixed, fixed_ids);
    assert!(of("tanjiashan", "fixed_problem")
        .iter()
        .all(|r| r["rule"] == "T3.ROW_TOTAL" && !r["message"].is_empty()));
    assert_eq!(of("tanjiashan", "changed_file").len(), 1);
    // The two row totals that were off are right again.
    assert_eq!(of("tanjiashan", "changed_value").len(), 2);

    let new = of("zhonglupu", "new_submission");
    assert_eq!(new.len(), 1);
    assert!(new[0]["after"].starts_with("乡镇/中路铺镇"), "{:?}", new[0]);
    let fixed: Vec<&str> = of("zhonglupu", "fixed_problem")
        .iter()
        .map(|r| r["anomaly_id"].as_str())
        .collect();
    assert_eq!(fixed, missing_ids);

    let value = of("paitou", "changed_value");
    assert_eq!(value.len(), 1, "{value:?}");
    assert_eq!(value[0]["field_id"], field);
    assert_eq!(value[0]["label"], schema::display_name(0));
    assert_eq!(value[0]["year"], "2024");
    let number = |s: &str| s.parse::<f64>().unwrap();
    assert_eq!(number(&value[0]["before"]), paitou.values[0]);
    assert_eq!(number(&value[0]["after"]), paitou.values[0] + 1.0);
    assert_eq!(of("paitou", "changed_file").len(), 1);

    // Units whose files did not change are not listed.
    for unit in ["yisuhe", "chaensi", "hekou", "jiaoyu"] {
        assert!(
            rows.iter().all(|r| r["unit_id"] != unit),
            "{unit}: {:?}",
            rows.iter()
                .filter(|r| r["unit_id"] == unit)
                .collect::<Vec<_>>()
        );
    }

    let said = stdout(&third);
    assert!(said.contains("与上次运行相比：3 个单位有变化"), "{said}");
    assert!(
        said.contains("新报送 1，文件已更换 2，不再有报告 0"),
        "{said}"
    );
    let page = std::fs::read_to_string(out.join("reports/index.html")).unwrap();
    assert!(page.contains("<h2>与上次运行相比</h2>"));
    assert!(
        page.contains("中路铺镇</td><td>新报送"),
        "the overview lists the units"
    );
}

#[test]
fn a_corrupt_previous_output_is_no_comparison_not_a_failed_run() {
    let dir = temp_dir("changes-corrupt");
    let (inputs, config, out) = (dir.join("inputs"), dir.join("config"), dir.join("out"));
    write_county(&dir, 6, 5, 2024, &[None; 6], false).unwrap();
    run_ok(&inputs, &config, &out);
    std::fs::write(
        out.join("normalized.csv"),
        b"\xEF\xBB\xBFunit_id,unit_name\na,b,c\n",
    )
    .unwrap();
    let rerun = run_ok(&inputs, &config, &out);
    assert!(
        stdout(&rerun).contains("与上次运行相比：未比较（上次的 normalized.csv 无法读取"),
        "{}",
        stdout(&rerun)
    );
    let rows = changes(&out);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["kind"], "no_comparison");
    assert!(rows[0]["message"].contains("normalized.csv"));
    // The run replaced the corrupt file; the next run compares again.
    let next = run_ok(&inputs, &config, &out);
    assert!(stdout(&next).contains("与上次运行相比：没有变化"));
}

/// A file or unit name that a spreadsheet would run as a formula is written with a `'` in
/// normalized.csv; the next run compares it as written, and finds nothing changed.
#[test]
fn a_name_written_safe_for_spreadsheets_is_no_change() {
    let dir = temp_dir("changes-neutralized");
    let (inputs, config, out) = (dir.join("inputs"), dir.join("config"), dir.join("out"));
    write_county(&dir, 6, 5, 2024, &[None; 6], false).unwrap();
    let file = std::fs::read_dir(inputs.join("乡镇"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "csv"))
        .expect("a CSV report");
    std::fs::rename(&file, inputs.join("=排头乡.csv")).unwrap();
    run_ok(&inputs, &config, &out);
    let (_, rows) = common::csv_by_name(&out.join("normalized.csv"));
    assert!(rows.iter().any(|r| r["source_file"] == "'=排头乡.csv"));
    let again = run_ok(&inputs, &config, &out);
    assert!(
        stdout(&again).contains("与上次运行相比：没有变化"),
        "{}",
        stdout(&again)
    );
    assert!(changes(&out).is_empty());
}
