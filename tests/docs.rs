//! The documentation a clerk reads: `nianbao rules` in Chinese, and docs/ as the code
//! generates it.

mod common;

use common::nianbao_ok;

fn stdout(args: &[&str]) -> String {
    String::from_utf8(nianbao_ok(args).stdout).expect("UTF-8")
}

#[test]
fn a_rule_is_explained_in_chinese() {
    let text = stdout(&["rules", "T3.BALANCE"]);
    for heading in ["说明：", "原因：", "示例：", "如何修改："] {
        assert!(text.contains(heading), "{heading} missing from:\n{text}");
    }
    assert!(text.starts_with("T3.BALANCE  错误\n"), "{text}");
    assert!(text.contains("结转下年度继续办理"), "{text}");
    // The Chinese comes first; the English line is the last.
    let english = text.find("English:").expect("the English line");
    assert!(english > text.find("如何修改").unwrap(), "{text}");
}

#[test]
fn the_rule_list_is_aligned_in_terminal_columns() {
    use unicode_width::UnicodeWidthStr;
    let text = stdout(&["rules"]);
    let lines: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1 + nianbao::check::RULES.len(), "{text}");
    // Every rule's one-liner starts in the same column, counted as a terminal shows
    // Chinese: two columns a character.
    let start = |line: &str| {
        let severity = ["错误", "警告", "提示", "级别"]
            .iter()
            .filter_map(|s| line.find(s).map(|at| at + s.len()))
            .min()
            .expect("a severity");
        line[..severity].width() + line[severity..].len() - line[severity..].trim_start().len()
    };
    let first = start(lines[0]);
    for line in &lines {
        assert_eq!(start(line), first, "misaligned: {line}\n{text}");
    }
    assert!(
        text.contains("XYEAR.CARRY") && text.contains("需上年数据"),
        "{text}"
    );
}
