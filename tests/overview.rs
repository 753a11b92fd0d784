//! The county overview at the size of a real county: a demo county of 500 units, run through
//! the binary, and its `reports/index.html` read back.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{nianbao_ok, run_ok, temp_dir};
use nianbao::output::html::CHART_TOP;

/// A 500-unit demo county, made and run once for all the tests here: the overview and the
/// anomalies it was made from.
fn county_of_500() -> &'static (String, String) {
    static COUNTY: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    COUNTY.get_or_init(|| {
        let dir = temp_dir("overview");
        let county = dir.join("county");
        let out = dir.join("out");
        nianbao_ok(&["demo", "--units", "500", "--out", county.to_str().unwrap()]);
        run_ok(&county.join("inputs"), &county.join("config"), &out);
        let read = |p: &Path| std::fs::read_to_string(p).unwrap();
        (
            read(&out.join("reports/index.html")),
            read(&out.join("anomalies.csv")),
        )
    })
}

/// The part of `html` from `start` up to, not including, the next `end`.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("no {start}"));
    let rest = &html[from..];
    &rest[..rest[start.len()..]
        .find(end)
        .map_or(rest.len(), |e| e + start.len())]
}

/// The units an anomaly rule names, each once.
fn units_with(anomalies: &str, rule: &str) -> usize {
    anomalies
        .lines()
        .filter_map(|l| {
            let mut cols = l.split(',');
            (cols.nth(1)? == rule).then(|| cols.next().map(str::to_string))?
        })
        .collect::<BTreeSet<String>>()
        .len()
}

#[test]
fn the_overview_has_one_inline_script_and_no_outside_reference() {
    let (html, _) = county_of_500();
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("<script>"), "the script has no src");
    for outside in [
        "src=", "<link", "@import", "url(", "http://", "https://", "//cdn",
    ] {
        assert!(!html.contains(outside), "the page refers to {outside}");
    }
    // Without scripts the filters stay hidden and the rows are all in the table.
    assert!(html.contains("id=\"unit-filters\" hidden"));
    // The page's own `display` rules would otherwise show what is `hidden`.
    assert!(html.contains("[hidden]{display:none!important}"));
    let body = between(html, "<tbody>", "</tbody>");
    assert_eq!(body.matches("<tr ").count(), 500);
}

#[test]
fn the_chart_of_500_units_draws_the_top_ones_and_one_bar_for_the_rest() {
    let (html, _) = county_of_500();
    let chart = between(html, "<h2>各单位本年新收申请</h2>", "</svg>");
    assert_eq!(chart.matches("fill=\"#1d5fbf\"").count(), CHART_TOP);
    assert_eq!(chart.matches("<rect").count(), CHART_TOP + 1);
    let rest = between(chart, "其余 ", " 个单位");
    let units: usize = rest["其余 ".len()..].parse().unwrap();
    // Every counted unit of the demo reports applications: in a bar of its own or the rest.
    let counted = html.matches("data-status=\"in\"").count();
    assert_eq!(units + CHART_TOP, counted);
    // The bars link to the units' pages, biggest first.
    assert_eq!(chart.matches("<a href=\"").count(), CHART_TOP);
}

#[test]
fn every_header_of_the_unit_table_sorts_by_text_or_number() {
    let (html, _) = county_of_500();
    let head = between(
        html,
        "<table class=\"list\" id=\"units\"><thead>",
        "</thead>",
    );
    assert_eq!(head.matches("</th>").count(), 9);
    assert_eq!(head.matches("data-sort=\"text\"").count(), 3);
    assert_eq!(head.matches("data-sort=\"number\"").count(), 6);
    // The rows come most errors first, and the header says so.
    assert_eq!(head.matches("aria-sort=\"descending\"").count(), 1);
    assert!(head.contains("aria-sort=\"descending\">错误</th>"));
    assert!(html.contains("localeCompare(y,'zh-Hans-CN',{numeric:true})"));
}

#[test]
fn the_summary_counts_the_units_in_the_totals_and_why_the_others_are_not() {
    let (html, anomalies) = county_of_500();
    let missing = units_with(anomalies, "UNIT.MISSING");
    let duplicate = units_with(anomalies, "UNIT.DUPLICATE");
    let other_year = units_with(anomalies, "YEAR.MISMATCH");
    assert!(missing > 0 && duplicate > 0 && other_year > 0);
    let left_out = missing + duplicate + other_year;
    let summary = between(html, "<div class=\"tally\">", "</div>");
    assert!(
        summary.contains(&format!(
            "名单内 <b>500</b> 个单位：<b>{}</b> 个计入全县汇总，<b>{left_out}</b> 个未计入",
            500 - left_out
        )),
        "{summary}"
    );
    for part in [
        format!("未报送 {missing} 个"),
        format!("重复报送 {duplicate} 个"),
        format!("年度不符 {other_year} 个"),
    ] {
        assert!(summary.contains(&part), "{part} in {summary}");
    }
    // The files: each duplicate unit sent two.
    assert!(summary.contains(&format!(
        "未计入汇总的报告文件共 {} 份：年度不符 {other_year} 份，重复报送 {} 份",
        2 * duplicate + other_year,
        2 * duplicate
    )));
    // The table's rows agree with the summary.
    assert_eq!(html.matches("data-status=\"in\"").count(), 500 - left_out);
    assert_eq!(html.matches("data-status=\"missing\"").count(), missing);
    assert_eq!(html.matches("<td>重复报送</td></tr>").count(), duplicate);
    assert_eq!(html.matches("<td>年度不符</td></tr>").count(), other_year);
}

#[test]
fn the_shipped_county_of_12_counts_all_and_draws_every_unit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = temp_dir("overview-12").join("out");
    run_ok(&root.join("inputs"), &root.join("config"), &out);
    let html = std::fs::read_to_string(out.join("reports/index.html")).unwrap();
    assert!(html.contains("名单内 <b>12</b> 个单位，全部计入全县汇总。"));
    let chart = between(&html, "<h2>各单位本年新收申请</h2>", "</svg>");
    assert_eq!(chart.matches("<rect").count(), 12);
    // The summary's links lead to the sections.
    for id in ["unit-list", "missing"] {
        assert!(html.contains(&format!("href=\"#{id}\"")));
        assert!(html.contains(&format!("<h2 id=\"{id}\">")));
    }
    assert!(!chart.contains("其余"));
}
