//! The auditor's review, through the binary: stable anomaly ids, `nianbao review`, and the
//! decisions of `config/review.csv` (or `review.xlsx`) applied on every rerun.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::process::Output;

use common::{nianbao, temp_dir};

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

/// A demo county with its injected problems.
fn make_county(dir: &Path, units: usize) {
    let made = nianbao(&["demo", "--units", &units.to_string(), "--out", &s(dir)]);
    assert!(made.status.success(), "{}", stderr(&made));
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn run(county: &Path, out: &Path) -> Output {
    let o = nianbao(&[
        "run",
        "--inputs",
        &s(&county.join("inputs")),
        "--config",
        &s(&county.join("config")),
        "--out",
        &s(out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

type Row = HashMap<String, String>;

fn read_csv(path: &Path) -> Vec<Row> {
    common::csv_by_name(path).1
}

fn anomalies(out: &Path) -> Vec<Row> {
    read_csv(&out.join("anomalies.csv"))
}

/// The ids of the errors and warnings, each with its rule and unit.
fn open_ids(rows: &[Row]) -> BTreeMap<String, (String, String)> {
    rows.iter()
        .filter(|r| r["severity"] != "info")
        .map(|r| {
            (
                r["anomaly_id"].clone(),
                (r["rule"].clone(), r["unit_name"].clone()),
            )
        })
        .collect()
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn the_anomaly_list_keeps_its_columns_and_adds_the_id_last() {
    let dir = temp_dir("review-columns");
    make_county(&dir, 12);
    let out = dir.join("out");
    run(&dir, &out);
    let text = std::fs::read_to_string(out.join("anomalies.csv")).unwrap();
    let header = text.lines().next().unwrap().trim_start_matches('\u{feff}');
    assert_eq!(
        header,
        "severity,rule,unit_id,unit_name,source_file,location,field_ids,expected,actual,message,\
         anomaly_id,review_status,review_note"
    );
    for r in anomalies(&out) {
        let id = &r["anomaly_id"];
        assert!(id.starts_with(&format!("{}-", r["rule"])), "{id}");
        assert_eq!(id.len(), r["rule"].len() + 11, "{id}");
        assert_eq!(r["review_status"], "待处理");
    }
}

#[test]
fn ids_survive_reruns_renames_and_another_layout() {
    let dir = temp_dir("review-stable");
    make_county(&dir, 20);
    let out = dir.join("out");
    run(&dir, &out);
    let first = anomalies(&out);
    let ids = open_ids(&first);
    assert!(!ids.is_empty());

    // A rerun: the same ids, in the same order.
    run(&dir, &out);
    let again = anomalies(&out);
    let list =
        |rows: &[Row]| -> Vec<String> { rows.iter().map(|r| r["anomaly_id"].clone()).collect() };
    assert_eq!(list(&first), list(&again));

    // A unit whose errors are all of the tables' identities, in a workbook: it resubmits
    // the same numbers as a long CSV under another name, and renames another file.
    let by_unit = |unit: &str| -> Vec<&Row> {
        first
            .iter()
            .filter(|r| r["unit_id"] == unit && r["severity"] != "info")
            .collect()
    };
    let unit = first
        .iter()
        .filter(|r| r["source_file"].ends_with(".xlsx") && r["severity"] == "error")
        .map(|r| r["unit_id"].clone())
        .find(|u| {
            by_unit(u)
                .iter()
                .all(|r| r["rule"].starts_with("T3.") || r["rule"].starts_with("T4."))
        })
        .expect("a unit with a broken identity in a workbook");
    let source = by_unit(&unit)[0]["source_file"].clone();
    let normalized = read_csv(&out.join("normalized.csv"));
    let row = normalized.iter().find(|r| r["unit_id"] == unit).unwrap();
    let fields: Vec<String> = std::fs::read_to_string(out.join("normalized.csv"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .split(',')
        .skip(5)
        .map(String::from)
        .collect();
    let mut long = String::from("unit,year,field_id,value\n");
    for f in &fields {
        long.push_str(&format!(
            "{},{},{f},{}\n",
            row["unit_name"],
            row["year"],
            row[f.as_str()]
        ));
    }
    std::fs::remove_file(dir.join("inputs").join(&source)).unwrap();
    std::fs::write(dir.join("inputs/resubmitted_long.csv"), long).unwrap();
    // And a file renamed and moved into another folder.
    let other = first
        .iter()
        .find(|r| r["unit_id"] != unit && !r["unit_id"].is_empty() && r["severity"] == "error")
        .map(|r| r["source_file"].clone());
    if let Some(other) = &other {
        let from = dir.join("inputs").join(other);
        let name = from.file_name().unwrap().to_str().unwrap().to_string();
        std::fs::create_dir_all(dir.join("inputs/重报")).unwrap();
        std::fs::rename(&from, dir.join("inputs/重报").join(format!("重报-{name}"))).unwrap();
    }
    run(&dir, &out);
    let moved = anomalies(&out);
    assert_eq!(
        open_ids(&moved),
        ids,
        "the errors and warnings keep their ids"
    );
    assert!(moved
        .iter()
        .any(|r| r["unit_id"] == unit && r["source_file"] == "resubmitted_long.csv"));
}

#[test]
fn distinct_problems_never_share_an_id() {
    let dir = temp_dir("review-distinct");
    make_county(&dir, 200);
    // A second, not byte-identical, copy of a CSV with errors: a duplicate whose every
    // problem is also the original's, in another file.
    let out = dir.join("out");
    run(&dir, &out);
    let first = anomalies(&out);
    let dup = first
        .iter()
        .find(|r| {
            r["severity"] == "error"
                && r["source_file"].ends_with(".csv")
                && r["rule"].starts_with("T3.")
        })
        .map(|r| r["source_file"].clone())
        .expect("a CSV with a broken identity");
    let mut bytes = std::fs::read(dir.join("inputs").join(&dup)).unwrap();
    bytes.extend_from_slice(b"\n");
    let copy = dup.replace(".csv", "（修改）.csv");
    std::fs::write(dir.join("inputs").join(&copy), bytes).unwrap();
    run(&dir, &out);
    let rows = anomalies(&out);
    assert!(rows.iter().any(|r| r["rule"] == "UNIT.DUPLICATE"));
    let mut seen: HashMap<&str, &Row> = HashMap::new();
    for r in &rows {
        if let Some(before) = seen.insert(&r["anomaly_id"], r) {
            panic!(
                "two anomalies share {}: {before:?} and {r:?}",
                r["anomaly_id"]
            );
        }
    }
    assert!(rows.len() > 100, "a big county: {} anomalies", rows.len());
    // The duplicate's problems and the original's are told apart by their files.
    let twice: Vec<&Row> = rows
        .iter()
        .filter(|r| r["source_file"] == dup || r["source_file"] == copy)
        .filter(|r| r["rule"].starts_with("T3."))
        .collect();
    assert!(
        twice.len() >= 2 && twice.len().is_multiple_of(2),
        "{twice:?}"
    );
}

/// Sets the status and note of the review.csv lines of `ids`.
fn mark(review: &Path, decisions: &[(&str, &str, &str)]) {
    let text = std::fs::read_to_string(review).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for (id, status, note) in decisions {
        let line = lines
            .iter_mut()
            .find(|l| l.starts_with(&format!("{id},")))
            .unwrap_or_else(|| panic!("{id} in review.csv"));
        let rest = line.splitn(4, ',').nth(3).unwrap().to_string();
        *line = format!("{id},{status},{note},{rest}");
    }
    std::fs::write(review, lines.join("\r\n") + "\r\n").unwrap();
}

fn summary_counts(o: &Output) -> (usize, usize) {
    let text = stdout(o);
    let number_before = |word: &str| -> usize {
        let end = text.find(word).unwrap();
        let digits: String = text[..end]
            .trim_end()
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.chars().rev().collect::<String>().parse().unwrap()
    };
    (number_before(" 个错误"), number_before(" 个警告"))
}

#[test]
fn a_review_round_trip_changes_the_counts_and_keeps_the_decisions() {
    let dir = temp_dir("review-round-trip");
    make_county(&dir, 20);
    let (out, config) = (dir.join("out"), dir.join("config"));
    let first = run(&dir, &out);
    let (errors, warnings) = summary_counts(&first);
    // Before any review, the overview says how to start one, not whose decisions it counts.
    let index = std::fs::read_to_string(out.join("reports/index.html")).unwrap();
    assert!(index.contains("尚未读到审核文件") && !index.contains("中的审核决定统计"));
    let made = nianbao(&["review", "--out", &s(&out), "--config", &s(&config)]);
    assert!(made.status.success(), "{}", stderr(&made));
    let review = config.join("review.csv");
    let lines = read_csv(&review);
    let rows = anomalies(&out);
    assert_eq!(
        lines.len(),
        rows.iter().filter(|r| r["severity"] != "info").count()
    );
    assert!(lines.iter().all(|l| l["status"] == "待处理"));
    assert!(lines.iter().all(|l| !l["message"].is_empty()));

    // A unit's file with errors; its errors are decided one by one.
    let unit_errors: Vec<&Row> = rows
        .iter()
        .filter(|r| r["severity"] == "error" && r["source_file"].ends_with(".xlsx"))
        .filter(|r| !r["unit_id"].is_empty())
        .collect();
    let unit = unit_errors[0]["unit_id"].clone();
    let file = unit_errors[0]["source_file"].clone();
    let mine: Vec<&str> = rows
        .iter()
        .filter(|r| r["unit_id"] == unit && r["severity"] != "info")
        .map(|r| r["anomaly_id"].as_str())
        .collect();
    assert!(mine.len() >= 2, "{mine:?}");
    let totals: Vec<&str> = rows
        .iter()
        .filter(|r| r["unit_name"] == "全县合计")
        .map(|r| r["anomaly_id"].as_str())
        .collect();
    assert!(!totals.is_empty());

    // `check` on the unit's file exits 1 for its errors.
    let check = |config: &Path| {
        nianbao(&[
            "check",
            &s(&dir.join("inputs").join(&file)),
            "--config",
            &s(config),
        ])
    };
    assert_eq!(check(&config).status.code(), Some(1));

    let mut decisions: Vec<(&str, &str, &str)> = Vec::new();
    decisions.push((mine[0], "误报", "核对原件，填报无误"));
    for id in &mine[1..] {
        decisions.push((id, "已说明", "单位已书面说明"));
    }
    decisions.push((totals[0], "已核实", "汇总前须更正"));
    mark(&review, &decisions);

    let second = run(&dir, &out);
    let (errors_now, warnings_now) = summary_counts(&second);
    let dismissed = mine.len();
    assert_eq!(errors_now + warnings_now + dismissed, errors + warnings);
    assert!(
        stdout(&second).contains(&format!("另有 {dismissed} 个已审核为误报或已说明")),
        "{}",
        stdout(&second)
    );
    let rows = anomalies(&out);
    let status = |id: &str| {
        let r = rows.iter().find(|r| r["anomaly_id"] == id).unwrap();
        (r["review_status"].clone(), r["review_note"].clone())
    };
    assert_eq!(
        status(mine[0]),
        ("误报".into(), "核对原件，填报无误".into())
    );
    assert_eq!(status(mine[1]).0, "已说明");
    assert_eq!(status(totals[0]).0, "已核实");
    let m = manifest(&out);
    let counts = &m["review"]["counts"];
    assert_eq!(counts["false_alarms"], 1);
    assert_eq!(counts["explained"], mine.len() - 1);
    assert_eq!(counts["confirmed"], 1);
    assert_eq!(counts["open_errors"], errors_now);
    assert!(m["review"]["warnings"].as_array().unwrap().is_empty());

    // The overview counts them, per unit and in total; the unit's page marks them.
    let index = std::fs::read_to_string(out.join("reports/index.html")).unwrap();
    assert!(index.contains("<span>误报</span>"), "the review cards");
    // The path as given, with `/` (as on Windows too).
    let counted_from = format!("按 {} 中的审核决定统计", s(&review).replace('\\', "/"));
    assert!(index.contains(&counted_from), "the file named");
    assert!(!index.contains("尚未读到审核文件"));
    let page = std::fs::read_to_string(out.join(format!("reports/{unit}.html"))).unwrap();
    assert!(page.contains(mine[0]) && page.contains("核对原件，填报无误"));
    assert!(page.contains("class=\"dismissed\""));
    // In the sheet too.
    let sheet = sheet_rows(&out.join("rollup.xlsx"));
    let header = &sheet[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = sheet
        .iter()
        .find(|r| r[col("异常编号")] == mine[0])
        .unwrap();
    assert_eq!(row[col("审核状态")], "误报");
    assert_eq!(row[col("审核说明")], "核对原件，填报无误");

    // `check` reads the same decisions: the unit's errors are dismissed, it exits 0.
    let checked = check(&config);
    assert_eq!(checked.status.code(), Some(0), "{}", stdout(&checked));
    assert!(stdout(&checked).contains("误报"));

    // `review` again keeps every decision made, and lists the same anomalies.
    let again = nianbao(&["review", "--out", &s(&out), "--config", &s(&config)]);
    assert!(again.status.success(), "{}", stderr(&again));
    let kept = read_csv(&review);
    let line = kept.iter().find(|l| l["anomaly_id"] == mine[0]).unwrap();
    assert_eq!(
        (line["status"].as_str(), line["note"].as_str()),
        ("误报", "核对原件，填报无误")
    );
    assert_eq!(kept.len(), lines.len());
    let third = run(&dir, &out);
    assert_eq!(summary_counts(&third), (errors_now, warnings_now));
}

#[test]
fn a_decision_whose_problem_is_gone_is_reported_resolved() {
    let dir = temp_dir("review-resolved");
    make_county(&dir, 20);
    let (out, config) = (dir.join("out"), dir.join("config"));
    run(&dir, &out);
    let rows = anomalies(&out);
    // A broken row total in a long CSV, which the unit then corrects.
    let broken = rows
        .iter()
        .find(|r| r["rule"] == "T3.ROW_TOTAL" && r["source_file"].ends_with("_long.csv"))
        .expect("a broken row total in a long CSV")
        .clone();
    let id = broken["anomaly_id"].clone();
    assert!(
        nianbao(&["review", "--out", &s(&out), "--config", &s(&config)])
            .status
            .success()
    );
    mark(&config.join("review.csv"), &[(&id, "已核实", "请更正总计")]);

    let path = dir.join("inputs").join(&broken["source_file"]);
    let total = broken["field_ids"].rsplit('|').next().unwrap().to_string();
    let fixed: Vec<String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            if cells.len() == 4 && cells[2] == total {
                format!(
                    "{},{},{},{}",
                    cells[0], cells[1], cells[2], broken["expected"]
                )
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&path, fixed.join("\n") + "\n").unwrap();

    let rerun = run(&dir, &out);
    let text = stdout(&rerun);
    assert!(text.contains("已解决") && text.contains(&id), "{text}");
    assert!(!anomalies(&out).iter().any(|r| r["anomaly_id"] == id));
    let m = manifest(&out);
    let resolved = m["review"]["resolved"].as_array().unwrap();
    assert_eq!(resolved.len(), 1, "{resolved:?}");
    assert_eq!(resolved[0]["anomaly_id"], id.as_str());
    assert_eq!(resolved[0]["status"], "已核实");
    assert_eq!(resolved[0]["note"], "请更正总计");
    let index = std::fs::read_to_string(out.join("reports/index.html")).unwrap();
    assert!(index.contains("已解决的审核决定") && index.contains(&id));

    // `review` keeps the resolved line, at the end, for the auditor to delete.
    assert!(
        nianbao(&["review", "--out", &s(&out), "--config", &s(&config)])
            .status
            .success()
    );
    let lines = read_csv(&config.join("review.csv"));
    let last = lines.last().unwrap();
    assert_eq!(last["anomaly_id"], id);
    assert_eq!(last["status"], "已核实");
}

#[test]
fn bad_review_lines_are_warnings_that_name_the_line() {
    let dir = temp_dir("review-bad-lines");
    make_county(&dir, 12);
    let (out, config) = (dir.join("out"), dir.join("config"));
    run(&dir, &out);
    let rows = anomalies(&out);
    let real = rows.iter().find(|r| r["severity"] == "error").unwrap()["anomaly_id"].clone();
    // A mistyped id (one character changed), a status that is not one of the four, a good
    // line; in GBK, as Excel saves a CSV on Chinese Windows.
    let (prefix, payload) = real.rsplit_once('-').unwrap();
    let mut typo: Vec<char> = payload.chars().collect();
    typo[3] = if typo[3] == 'A' { 'B' } else { 'A' };
    let typo = format!("{prefix}-{}", typo.into_iter().collect::<String>());
    let text = format!(
        "anomaly_id,status,note,reviewer,date\r\n{typo},误报,抄错了编号,张三,2025-03-01\r\n{real},已处理,,张三,\r\nT9.NOTHING-123,误报,,,\r\n"
    );
    let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
    std::fs::write(config.join("review.csv"), &gbk).unwrap();
    let o = run(&dir, &out);
    let err = stderr(&o);
    assert!(
        err.contains("review.csv 第 2 行") && err.contains(&typo) && err.contains("不存在"),
        "{err}"
    );
    assert!(
        err.contains("review.csv 第 3 行") && err.contains("已处理"),
        "{err}"
    );
    assert!(
        err.contains("review.csv 第 4 行") && err.contains("T9.NOTHING-123"),
        "{err}"
    );
    let warnings = manifest(&out)["review"]["warnings"].clone();
    assert_eq!(warnings.as_array().unwrap().len(), 3, "{warnings}");
    // Nothing was applied.
    assert!(anomalies(&out)
        .iter()
        .all(|r| r["review_status"] == "待处理"));

    // A review file without the columns stops the run with one line.
    std::fs::write(config.join("review.csv"), "编号说明\n随便写的\n").unwrap();
    let refused = nianbao(&[
        "run",
        "--inputs",
        &s(&dir.join("inputs")),
        "--config",
        &s(&config),
        "--out",
        &s(&out),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("anomaly_id"),
        "{}",
        stderr(&refused)
    );
}

/// Every row of the 异常清单 sheet, as text.
fn sheet_rows(path: &Path) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = book.worksheet_range("异常清单").unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[test]
fn a_copy_of_the_sheet_is_a_review_file() {
    let dir = temp_dir("review-xlsx");
    make_county(&dir, 12);
    let (out, config) = (dir.join("out"), dir.join("config"));
    let first = run(&dir, &out);
    let (errors, _) = summary_counts(&first);
    // The auditor copies rollup.xlsx's 异常清单, fills in the 审核 columns, saves it as
    // config/review.xlsx.
    let mut rows = sheet_rows(&out.join("rollup.xlsx"));
    let header = rows[0].clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (level, status, note) = (col("级别"), col("审核状态"), col("审核说明"));
    // Severities in Chinese for the person who reads the sheet; anomalies.csv keeps the
    // words analysts filter on.
    assert!(rows[1..]
        .iter()
        .all(|r| ["错误", "警告", "提示"].contains(&r[level].as_str())));
    let csv = std::fs::read_to_string(out.join("anomalies.csv")).unwrap();
    let csv_levels: BTreeSet<&str> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    assert!(
        csv_levels
            .iter()
            .all(|l| ["error", "warning", "info"].contains(l)),
        "{csv_levels:?}"
    );
    let mut dismissed = BTreeSet::new();
    for row in rows.iter_mut().skip(1) {
        if row[level] == "错误" && dismissed.len() < 2 {
            row[status] = "误报".into();
            row[note] = "见说明函".into();
            dismissed.insert(row[col("异常编号")].clone());
        }
    }
    assert_eq!(dismissed.len(), 2);
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("异常清单").unwrap();
    let date = col("审核日期");
    let first = rows
        .iter()
        .position(|r| dismissed.contains(&r[col("异常编号")]))
        .unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, text).unwrap();
        }
    }
    // A date typed as a date, as Excel keeps it: a number with a date format.
    let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 3, 1).unwrap();
    let format = rust_xlsxwriter::Format::new().set_num_format("yyyy/m/d");
    ws.write_datetime_with_format(first as u32, date as u16, &day, &format)
        .unwrap();
    book.save(config.join("review.xlsx")).unwrap();

    let second = run(&dir, &out);
    assert_eq!(summary_counts(&second).0, errors - 2);
    let rows = anomalies(&out);
    for id in &dismissed {
        let r = rows.iter().find(|r| &r["anomaly_id"] == id).unwrap();
        assert_eq!(
            (r["review_status"].as_str(), r["review_note"].as_str()),
            ("误报", "见说明函")
        );
    }
    assert_eq!(
        manifest(&out)["review"]["files"][0],
        s(&config.join("review.xlsx"))
    );
    // The new sheet carries the decisions on, the date as the auditor typed it.
    let sheet = sheet_rows(&out.join("rollup.xlsx"));
    let marked = &rows_first_id(&sheet, col("异常编号"), &dismissed);
    assert_eq!(marked[col("审核状态")], "误报");
    assert_eq!(marked[date], "2025-03-01");
}

/// The first row of the sheet whose id is one of `ids`.
fn rows_first_id(sheet: &[Vec<String>], id: usize, ids: &BTreeSet<String>) -> Vec<String> {
    sheet.iter().find(|r| ids.contains(&r[id])).unwrap().clone()
}
