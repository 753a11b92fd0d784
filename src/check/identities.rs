//! The exact identities of tables 三 and 四, checked literally as FORMAT.md states them,
//! with the values as entered. An unknown value makes an identity unknown, not broken.

use super::{Finding, Report};
use crate::normalize::Values;
use crate::schema::{
    self, apply_col_name, apply_row, apply_row_name, FieldIdx, APPLY_COLUMNS, APPLY_ROWS,
    LITIGATION_COLUMNS, LITIGATION_GROUPS,
};
use crate::text::format_number;

/// The sum of the fields, or `None` if any is unknown.
fn sum(values: &Values, fields: &[FieldIdx]) -> Option<f64> {
    fields.iter().map(|&f| values.number(f)).sum()
}

fn differs(a: f64, b: f64) -> bool {
    (a - b).abs() > 1e-9
}

const APPLICANTS: usize = 6;
const TOTAL: usize = 6;

/// A total that must be the sum of its parts: the finding when both are known and differ.
/// `what` says in Chinese which total it is, e.g. 表三“（一）予以公开”一行：总计应为六类申请人之和;
/// it is made only for a finding (most reports break no identity).
fn sum_identity(
    report: &Report,
    rule: &'static str,
    parts: Vec<FieldIdx>,
    total: FieldIdx,
    what: impl FnOnce() -> String,
) -> Option<Finding> {
    let v = report.values;
    let expected = sum(v, &parts)?;
    let actual = v.number(total)?;
    if !differs(expected, actual) {
        return None;
    }
    let mut fields = parts;
    fields.push(total);
    Some(Finding {
        rule,
        location: report.location(total),
        fields: fields.into(),
        expected: format_number(expected),
        actual: format_number(actual),
        message: format!(
            "{} {}，填报为 {}",
            what(),
            format_number(expected),
            format_number(actual)
        ),
    })
}

/// T3.ROW_TOTAL: each row's 总计 is the sum of its six applicant columns.
pub fn t3_row_total(report: &Report) -> Vec<Finding> {
    (0..APPLY_ROWS.len())
        .filter_map(|r| {
            sum_identity(
                report,
                "T3.ROW_TOTAL",
                (0..APPLICANTS).map(|c| schema::apply_index(r, c)).collect(),
                schema::apply_index(r, TOTAL),
                || format!("表三“{}”一行：总计应为六类申请人之和", apply_row_name(r)),
            )
        })
        .collect()
}

/// T3.RESULT_TOTAL: in every column, (七)总计 is the sum of the 21 outcome rows.
pub fn t3_result_total(report: &Report) -> Vec<Finding> {
    let (first, handled) = (apply_row("granted"), apply_row("handled_total"));
    (0..APPLY_COLUMNS.len())
        .filter_map(|c| {
            sum_identity(
                report,
                "T3.RESULT_TOTAL",
                (first..handled)
                    .map(|r| schema::apply_index(r, c))
                    .collect(),
                schema::apply_index(handled, c),
                || {
                    format!(
                        "表三“{}”列：（七）总计应为（一）至（六）各项办理结果之和",
                        apply_col_name(c)
                    )
                },
            )
        })
        .collect()
}

/// T3.BALANCE: in every column, 一 + 二 = 三(七)总计 + 四.
pub fn t3_balance(report: &Report) -> Vec<Finding> {
    let v = report.values;
    let mut found = Vec::new();
    for c in 0..APPLY_COLUMNS.len() {
        let at = |key: &str| schema::apply_index(apply_row(key), c);
        let (received, carried_in) = (at("received"), at("carried_in"));
        let (handled, carried_out) = (at("handled_total"), at("carried_out"));
        let (Some(inflow), Some(outflow)) = (
            sum(v, &[received, carried_in]),
            sum(v, &[handled, carried_out]),
        ) else {
            continue;
        };
        if differs(inflow, outflow) {
            let n = |f: FieldIdx| format_number(v.number(f).unwrap_or(0.0));
            found.push(Finding {
                rule: "T3.BALANCE",
                location: report.location(handled),
                fields: vec![received, carried_in, handled, carried_out].into(),
                expected: format_number(inflow),
                actual: format_number(outflow),
                message: format!(
                    "表三“{}”列：一、本年新收 {} + 二、上年结转 {} = {}，\
                     应等于三、（七）总计 {} + 四、结转下年度 {} = {}",
                    apply_col_name(c),
                    n(received),
                    n(carried_in),
                    format_number(inflow),
                    n(handled),
                    n(carried_out),
                    format_number(outflow)
                ),
            });
        }
    }
    found
}

/// T4.TOTAL: in each group of table 四, 总计 = 维持 + 纠正 + 其他 + 尚未审结.
pub fn t4_total(report: &Report) -> Vec<Finding> {
    let last = LITIGATION_COLUMNS.len() - 1;
    LITIGATION_GROUPS
        .iter()
        .enumerate()
        .filter_map(|(g, group)| {
            sum_identity(
                report,
                "T4.TOTAL",
                (0..last).map(|l| schema::litigation_index(g, l)).collect(),
                schema::litigation_index(g, last),
                || {
                    format!(
                        "表四“{}”：总计应为结果维持、结果纠正、其他结果、尚未审结之和",
                        group.label.replace('/', " ")
                    )
                },
            )
        })
        .collect()
}

/// The total an identity finding is about, as the identities above list their fields: a
/// sum identity's parts, then its 总计 (the last); T3.BALANCE's received, carried in, then
/// 三、（七）总计 (the third), then carried out.
pub fn broken_total(finding: &Finding) -> Option<FieldIdx> {
    let mut fields = finding.fields.iter();
    match finding.rule {
        "T3.BALANCE" => fields.nth(2),
        "T3.ROW_TOTAL" | "T3.RESULT_TOTAL" | "T4.TOTAL" => fields.last(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{report_of, with};

    fn rules(values: &[(&str, f64)]) -> Vec<&'static str> {
        let v = with(values);
        let r = report_of(&v);
        [
            t3_row_total(&r),
            t3_result_total(&r),
            t3_balance(&r),
            t4_total(&r),
        ]
        .concat()
        .into_iter()
        .map(|f| f.rule)
        .collect()
    }

    #[test]
    fn a_consistent_report_breaks_nothing() {
        assert!(rules(&[]).is_empty());
    }

    #[test]
    fn a_row_total_that_is_not_the_sum_is_one_finding() {
        // 予以公开 自然人 3 with 总计 4: the row breaks; the 总计 column breaks (七) too.
        let found = rules(&[("apply.granted.natural", 3.0), ("apply.granted.total", 4.0)]);
        assert_eq!(found.iter().filter(|r| **r == "T3.ROW_TOTAL").count(), 1);
        let v = with(&[("apply.granted.natural", 3.0), ("apply.granted.total", 4.0)]);
        let f = &t3_row_total(&report_of(&v))[0];
        assert_eq!((f.expected.as_str(), f.actual.as_str()), ("3", "4"));
        assert_eq!(f.fields.len(), 7);
        assert!(f.message.contains("（一）予以公开"), "{}", f.message);
    }

    #[test]
    fn outcomes_that_do_not_add_up_break_the_result_total() {
        let v = with(&[
            ("apply.received.natural", 2.0),
            ("apply.received.total", 2.0),
            ("apply.granted.natural", 2.0),
            ("apply.granted.total", 2.0),
            ("apply.handled_total.natural", 1.0),
            ("apply.handled_total.total", 1.0),
            ("apply.carried_out.natural", 1.0),
            ("apply.carried_out.total", 1.0),
        ]);
        let found = t3_result_total(&report_of(&v));
        assert_eq!(found.len(), 2, "自然人 and 总计 columns");
        assert_eq!(
            (found[0].expected.as_str(), found[0].actual.as_str()),
            ("2", "1")
        );
        assert!(t3_balance(&report_of(&v)).is_empty());
        assert!(t3_row_total(&report_of(&v)).is_empty());
    }

    #[test]
    fn an_unbalanced_column_breaks_the_balance() {
        let found = rules(&[
            ("apply.received.research", 1.0),
            ("apply.received.total", 1.0),
        ]);
        assert_eq!(found, vec!["T3.BALANCE", "T3.BALANCE"]);
    }

    #[test]
    fn unknown_values_make_identities_unknown_not_broken() {
        let mut v = with(&[("apply.granted.natural", 3.0), ("apply.granted.total", 4.0)]);
        v.set(
            schema::index_of("apply.granted.legal").unwrap(),
            crate::normalize::Value::NotNumber(Box::new("约1".into())),
        );
        assert!(t3_row_total(&report_of(&v)).is_empty());
    }

    #[test]
    fn litigation_totals_are_checked_per_group() {
        let found = rules(&[("suit_direct.upheld", 1.0), ("suit_direct.total", 2.0)]);
        assert_eq!(found, vec!["T4.TOTAL"]);
        assert!(rules(&[("review.pending", 1.0), ("review.total", 1.0)]).is_empty());
    }
}
