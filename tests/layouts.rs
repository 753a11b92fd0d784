//! Every layout variant the demo generator knows, written as a real .xlsx and as CSV in each
//! encoding, read back through the real readers: all 200 values, the unit, the year and the
//! cell addresses must come out as written.

mod common;

use common::*;
use nianbao::demo::{self, CsvEncoding, Rng};
use nianbao::grid::Location;
use nianbao::layout::{Style, Template};
use nianbao::schema;

/// The CSV line on which each template row starts: a label broken over lines (商业\n企业)
/// is one quoted field spanning two physical lines.
fn csv_line_of(template: &Template, row: u32) -> u64 {
    let sheet = &template.sheets[0];
    let breaks: usize = sheet
        .cells
        .iter()
        .filter(|((r, _), _)| *r < row)
        .map(|(_, c)| match c {
            nianbao::layout::TCell::Text(s) => s.matches('\n').count(),
            nianbao::layout::TCell::Number(_) | nianbao::layout::TCell::Formula(..) => 0,
        })
        .sum();
    row as u64 + 1 + breaks as u64
}

fn check_addresses(
    sub: &nianbao::normalize::Submission,
    template: &Template,
    csv: bool,
    ctx: &str,
) {
    for sheet in &template.sheets {
        for &(field, row, col) in &sheet.fields {
            let expected = if csv {
                Location::Csv {
                    line: csv_line_of(template, row),
                    field: col + 1,
                }
            } else {
                Location::Sheet {
                    sheet: sheet.name.as_str().into(),
                    row,
                    col,
                }
            };
            assert_eq!(
                sub.location(field).as_ref(),
                Some(&expected),
                "{ctx}: address of {}",
                schema::fields()[field].id
            );
        }
    }
}

fn unit_and_year(sub: &nianbao::normalize::Submission, ctx: &str) {
    assert_eq!(sub.unit, Some(1), "{ctx}: unit ({})", sub.claimed_unit);
    assert_eq!(
        sub.year,
        Some(2024),
        "{ctx}: year from {:?}",
        sub.year_evidence
    );
}

#[test]
fn every_style_reads_back_exactly_from_xlsx() {
    let dir = temp_dir("xlsx-styles");
    for (s, style) in demo::styles().iter().enumerate() {
        for seed in 0..4 {
            let mut rng = Rng::new(seed * 31 + s as u64);
            let values = demo::consistent_report(&mut rng);
            let template = nianbao::layout::layout("河口镇", 2024, &values, style);
            let name = format!("河口镇2024年报-{s}-{seed}.xlsx");
            let sub = only_submission(read_file(&dir, &name, &demo::xlsx_bytes(&template), None));
            let ctx = format!("style {s} seed {seed}: {style:?}");
            assert_values(&sub, &values, &ctx);
            check_addresses(&sub, &template, false, &ctx);
            unit_and_year(&sub, &ctx);
        }
    }
}

#[test]
fn every_style_reads_back_exactly_from_csv_in_every_encoding() {
    let dir = temp_dir("csv-styles");
    let encodings = [CsvEncoding::Utf8, CsvEncoding::Utf8Bom, CsvEncoding::Gbk];
    for (s, style) in demo::styles().iter().enumerate() {
        let style = Style {
            three_sheets: false,
            ..*style
        };
        for (e, encoding) in encodings.iter().enumerate() {
            let mut rng = Rng::new(100 + s as u64 * 7 + e as u64);
            let values = demo::consistent_report(&mut rng);
            let template = nianbao::layout::layout("河口镇", 2024, &values, &style);
            let name = format!("河口镇2024年报-{s}-{e}.csv");
            let bytes = demo::csv_grid_bytes(&template, *encoding);
            let result = read_file(&dir, &name, &bytes, None);
            let notes = result.notes.clone();
            let sub = only_submission(result);
            let ctx = format!("style {s} {encoding:?}");
            assert_values(&sub, &values, &ctx);
            check_addresses(&sub, &template, true, &ctx);
            unit_and_year(&sub, &ctx);
            let says_gbk = notes.iter().any(|n| n.contains("GB18030"));
            assert_eq!(says_gbk, *encoding == CsvEncoding::Gbk, "{ctx}: {notes:?}");
        }
    }
}

#[test]
fn the_seed_report_reads_as_published() {
    let dir = temp_dir("seed");
    let values = demo::yisuhe_2024();
    let template = nianbao::layout::layout("易俗河镇", 2024, &values, &Style::official());
    let sub = only_submission(read_file(
        &dir,
        "report.xlsx",
        &demo::xlsx_bytes(&template),
        None,
    ));
    assert_values(&sub, &values, "易俗河镇");
    assert_eq!(sub.unit, Some(0));
    assert_eq!(sub.claimed_unit, "易俗河镇");
    // Rows 1–3: title, 填报单位, a blank row. Table 二 from row 4 (规章 on row 7), table 三
    // from row 20 (header rows 21–23, 本年新收 on row 24), table 四 from row 50 (values on 54).
    assert_eq!(
        location(&sub, "active.regulation.issued").to_string(),
        "Sheet1!B7"
    );
    assert_eq!(
        location(&sub, "active.penalty.decisions").to_string(),
        "Sheet1!B14"
    );
    assert_eq!(
        location(&sub, "active.fee.amount_wan").to_string(),
        "Sheet1!B18"
    );
    assert_eq!(
        location(&sub, "apply.received.natural").to_string(),
        "Sheet1!D24"
    );
    assert_eq!(
        location(&sub, "apply.carried_out.total").to_string(),
        "Sheet1!J48"
    );
    assert_eq!(location(&sub, "review.upheld").to_string(), "Sheet1!A54");
    assert_eq!(
        location(&sub, "suit_after_review.total").to_string(),
        "Sheet1!O54"
    );
}

#[test]
fn the_long_form_may_hold_several_units() {
    let dir = temp_dir("long");
    let mut rng = Rng::new(7);
    let a = demo::consistent_report(&mut rng);
    let b = demo::consistent_report(&mut rng);
    let bytes = demo::long_csv_bytes(&[("河口镇", 2024, &a), ("yisuhe", 2024, &b)]);
    let subs = submissions(read_file(&dir, "all.csv", &bytes, None));
    assert_eq!(subs.len(), 2);
    assert_values(&subs[0], &a, "河口镇");
    assert_values(&subs[1], &b, "yisuhe");
    assert_eq!((subs[0].unit, subs[1].unit), (Some(1), Some(0)));
    // The header is line 1; 河口镇's first field is line 2, its value in column 4.
    assert_eq!(
        location(&subs[0], "active.regulation.issued").to_string(),
        "第2行第4列"
    );
    assert_eq!(
        location(&subs[1], "active.regulation.issued").to_string(),
        "第202行第4列"
    );
}
