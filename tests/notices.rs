//! Return notices: `notices/<单位>.xlsx` for every unit with an open problem, and the list
//! `notices/通知清单.xlsx`, as a run writes them for a county with known problems.

mod common;

use std::path::Path;

use calamine::Reader;
use common::{run_ok, temp_dir};
use nianbao::demo::{long_csv_bytes, write_county, Problem};

/// Every row of a workbook's only sheet, as text.
fn rows(path: &Path, sheet: &str) -> Vec<Vec<String>> {
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    assert_eq!(book.sheet_names(), vec![sheet.to_string()]);
    let range = book.worksheet_range(sheet).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// The problem rows of a notice, each as column name → text.
fn problems(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let rows = rows(path, "问题通知");
    let head = rows
        .iter()
        .position(|r| r[0] == "序号")
        .expect("a header row");
    rows[head + 1..]
        .iter()
        .map(|r| rows[head].iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

/// anomalies.csv's rows of one unit: (severity, rule, location, anomaly id).
fn anomalies_of(out: &Path, unit_id: &str) -> Vec<(String, String, String, String)> {
    let text = std::fs::read_to_string(out.join("anomalies.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    reader
        .records()
        .map(Result::unwrap)
        .filter(|r| &r[2] == unit_id)
        .map(|r| (r[0].into(), r[1].into(), r[5].into(), r[10].into()))
        .collect()
}

#[test]
fn units_with_open_problems_get_a_notice_naming_cell_and_rule() {
    let dir = temp_dir("notices");
    // 谭家山镇 (an xlsx) with two row totals off; 中路铺镇 sends nothing; the rest are clean.
    let mut problems_of = vec![None; 12];
    problems_of[1] = Some(Problem::RowTotal);
    problems_of[2] = Some(Problem::NoSubmission);
    let planned = write_county(&dir, 12, 7, 2024, &problems_of, false).unwrap();
    // And a report of a unit that is not on the roster: the office's to sort out first.
    std::fs::write(
        dir.join("inputs/stray.csv"),
        long_csv_bytes(&[("县外某单位", 2024, &planned[0].values)]),
    )
    .unwrap();
    let out = dir.join("out");
    run_ok(&dir.join("inputs"), &dir.join("config"), &out);
    let unknown = anomalies_of(&out, "")
        .into_iter()
        .filter(|a| a.1 == "UNIT.UNKNOWN")
        .count();
    assert_eq!(unknown, 1);

    let mut files: Vec<String> = std::fs::read_dir(out.join("notices"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    // Units whose only rows are 提示 (blank cells) get none.
    assert_eq!(files, ["中路铺镇.xlsx", "谭家山镇.xlsx", "通知清单.xlsx"]);

    let expected: Vec<_> = anomalies_of(&out, "tanjiashan")
        .into_iter()
        .filter(|a| a.0 == "error" || a.0 == "warning")
        .collect();
    assert_eq!(expected.len(), 2, "{expected:?}");
    let notice = problems(&out.join("notices/谭家山镇.xlsx"));
    assert_eq!(notice.len(), expected.len());
    for (row, (_, rule, location, id)) in notice.iter().zip(&expected) {
        assert_eq!(rule, "T3.ROW_TOTAL");
        assert_eq!(&row["问题编号"], id);
        assert_eq!(row["级别"], "错误");
        // anomalies.csv says `Sheet!D8`; the notice names the sheet, the row and column
        // in words, and the same Excel address.
        let (sheet, address) = location.rsplit_once('!').unwrap();
        assert_eq!(row["工作表"], sheet.trim_matches('\''));
        assert!(row["位置"].starts_with('第'), "{}", row["位置"]);
        assert!(
            row["位置"].ends_with(&format!("（{address}）")),
            "{}",
            row["位置"]
        );
        assert!(row["文件"].ends_with(".xlsx"), "{}", row["文件"]);
        assert!(row["请这样修改"].contains("总计"), "{}", row["请这样修改"]);
        assert!(!row["应为"].is_empty() && !row["实填"].is_empty());
        assert_ne!(row["应为"], row["实填"]);
    }
    let title = rows(&out.join("notices/谭家山镇.xlsx"), "问题通知");
    assert!(title[0][0].contains("2024年度"), "{:?}", title[0]);
    assert!(
        title[1][0].contains("单位：谭家山镇") && title[1][0].contains("生成日期："),
        "{:?}",
        title[1]
    );

    let missing = problems(&out.join("notices/中路铺镇.xlsx"));
    assert_eq!(missing.len(), 1);
    assert!(missing[0]["问题编号"].starts_with("UNIT.MISSING-"));
    assert!(missing[0]["问题"].contains("没有可读取的报告"));
    assert!(missing[0]["请这样修改"].contains("报送"));

    let index = rows(&out.join("notices/通知清单.xlsx"), "通知清单");
    assert!(
        index[1][0].contains("2 个单位有待处理的问题（错误 3 个，警告 0 个）")
            && index[1][0].contains("另有 1 个问题属于不在单位名单中的单位"),
        "{:?}",
        index[1]
    );
    let head = index.iter().position(|r| r[0] == "序号").unwrap();
    let listed: Vec<(&str, &str, &str, &str, &str)> = index[head + 1..]
        .iter()
        .map(|r| {
            (
                r[1].as_str(),
                r[4].as_str(),
                r[5].as_str(),
                r[6].as_str(),
                r[7].as_str(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("tanjiashan", "2", "0", "谭家山镇.xlsx", ""),
            ("zhonglupu", "1", "0", "中路铺镇.xlsx", "没有可读取的报告"),
        ]
    );
}

#[test]
fn a_county_without_problems_gets_the_list_alone() {
    let dir = temp_dir("notices-clean");
    write_county(&dir, 8, 3, 2024, &[None; 8], false).unwrap();
    let out = dir.join("out");
    run_ok(&dir.join("inputs"), &dir.join("config"), &out);
    let files: Vec<String> = std::fs::read_dir(out.join("notices"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files, ["通知清单.xlsx"]);
    let index = rows(&out.join("notices/通知清单.xlsx"), "通知清单");
    assert!(index[1][0].contains("0 个单位"), "{:?}", index[1]);
    assert_eq!(index.last().unwrap()[0], "序号");
}
