//! Rules about single values and about what the reader could not find.

use super::{FieldList, Finding, Report};
use crate::normalize::Value;
use crate::schema::{self, display_name, Kind, FIELD_COUNT};
use crate::text::format_number;

/// VALUE.NEGATIVE: no number is negative.
pub fn value_negative(report: &Report) -> Vec<Finding> {
    report
        .values
        .iter()
        .enumerate()
        .filter_map(|(f, v)| match v {
            Value::Number(n) if n < 0.0 => Some(Finding {
                rule: "VALUE.NEGATIVE",
                location: report.location(f),
                fields: vec![f].into(),
                expected: "≥ 0".into(),
                actual: format_number(n),
                message: format!("{} 为负数 {}", display_name(f), format_number(n)),
            }),
            _ => None,
        })
        .collect()
}

/// VALUE.NOT_INTEGER: counts are whole numbers; only the fee may have decimals.
pub fn value_not_integer(report: &Report) -> Vec<Finding> {
    let fields = schema::fields();
    report
        .values
        .iter()
        .enumerate()
        .filter_map(|(f, v)| match v {
            Value::Number(n) if fields[f].kind == Kind::Count && n.fract() != 0.0 => {
                Some(Finding {
                    rule: "VALUE.NOT_INTEGER",
                    location: report.location(f),
                    fields: vec![f].into(),
                    expected: "整数".into(),
                    actual: format_number(n),
                    message: format!(
                        "{} 是件数，应为整数，填报为 {}",
                        display_name(f),
                        format_number(n)
                    ),
                })
            }
            _ => None,
        })
        .collect()
}

/// VALUE.NOT_NUMBER: text that is not a number; the field stays unknown.
pub fn value_not_number(report: &Report) -> Vec<Finding> {
    report
        .values
        .iter()
        .enumerate()
        .filter_map(|(f, v)| match v {
            Value::NotNumber(text) => Some(Finding {
                rule: "VALUE.NOT_NUMBER",
                location: report.location(f),
                fields: vec![f].into(),
                expected: "数字".into(),
                actual: text.to_string(),
                message: format!(
                    "{} 填的是“{text}”，不是数字；该值按未知处理，不计入汇总，相关勾稽关系不检查",
                    display_name(f)
                ),
            }),
            _ => None,
        })
        .collect()
}

/// VALUE.BLANK: empty or placeholder cells, read as 0; one finding lists them all.
pub fn value_blank(report: &Report) -> Vec<Finding> {
    let blanks: Vec<usize> = (0..FIELD_COUNT)
        .filter(|&f| report.values.is_blank(f))
        .collect();
    let Some(&first) = blanks.first() else {
        return Vec::new();
    };
    vec![Finding {
        rule: "VALUE.BLANK",
        location: report.location(first),
        expected: "0 或实际数字".into(),
        actual: format!("{} 个空白或占位符", blanks.len()),
        message: format!(
            "{} 个单元格为空或填了占位符（—、-、/、无），均按 0 计，第一个是{}",
            blanks.len(),
            display_name(first)
        ),
        fields: blanks.into(),
    }]
}

/// FIELD.MISSING: a row, column or table the reader did not find.
pub fn field_missing(report: &Report) -> Vec<Finding> {
    report
        .missing
        .iter()
        .map(|part| Finding {
            rule: "FIELD.MISSING",
            location: part.at.clone(),
            fields: part.fields.clone().into(),
            expected: "格式中的行、列或表".into(),
            actual: "未找到".into(),
            message: format!(
                "{}；这 {} 个字段按未知处理，不计入汇总",
                part.what,
                part.fields.len()
            ),
        })
        .collect()
}

/// FIELD.TWICE: a row or column of a table found twice, with different numbers.
pub fn field_twice(report: &Report) -> Vec<Finding> {
    report
        .twice
        .iter()
        .map(|line| Finding {
            rule: "FIELD.TWICE",
            location: Some(line.taken.clone()),
            fields: line.fields.clone().into(),
            expected: "只出现一次".into(),
            actual: format!("又见于 {}", line.left),
            message: format!(
                "{}出现了两次，数字不同：读取了 {} 处的，未读取 {} 处的；请删去多余的一处后重新提交",
                line.what, line.taken, line.left
            ),
        })
        .collect()
}

/// FORMAT.OLD: labels of the 2019 trial format.
pub fn format_old(report: &Report) -> Vec<Finding> {
    let Some(first) = report.old_format.first() else {
        return Vec::new();
    };
    let labels: Vec<&str> = report.old_format.iter().map(|c| c.text.as_str()).collect();
    vec![Finding {
        rule: "FORMAT.OLD",
        location: Some(first.at.clone()),
        fields: FieldList::default(),
        expected: "2021 年格式（国办公开办函〔2021〕30号）".into(),
        actual: labels.join("、"),
        message: format!(
            "使用了 2019 年试行格式（{}），请按 2021 年格式重新填报",
            labels.join("、")
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{report_of, with};

    #[test]
    fn single_values_are_checked() {
        let mut v = with(&[
            ("active.penalty.decisions", -3.0),
            ("active.license.decisions", 2.5),
        ]);
        v.set(
            schema::index_of("active.fee.amount_wan").unwrap(),
            Value::Number(1.25),
        );
        v.set(
            schema::index_of("review.upheld").unwrap(),
            Value::NotNumber(Box::new("约5".into())),
        );
        v.set(schema::index_of("review.other").unwrap(), Value::Blank);
        v.set(schema::index_of("review.pending").unwrap(), Value::Blank);
        let r = report_of(&v);
        let negative = value_negative(&r);
        assert_eq!(negative.len(), 1);
        assert!(
            negative[0].message.contains("行政处罚"),
            "{}",
            negative[0].message
        );
        let fractional = value_not_integer(&r);
        assert_eq!(fractional.len(), 1, "the fee may have decimals");
        assert_eq!(fractional[0].actual, "2.5");
        let text = value_not_number(&r);
        assert_eq!(text[0].actual, "约5");
        let blank = value_blank(&r);
        assert_eq!(blank.len(), 1);
        assert_eq!(blank[0].fields.len(), 2);
        assert!(value_blank(&report_of(&with(&[]))).is_empty());
        assert!(value_negative(&report_of(&with(&[]))).is_empty());
    }

    #[test]
    fn names_read_like_the_table() {
        let name =
            schema::display_name(schema::index_of("apply.denied_secret.commercial").unwrap());
        assert_eq!(name, "表三“1.属于国家秘密 商业企业”");
        let name = display_name(schema::index_of("suit_direct.total").unwrap());
        assert_eq!(name, "表四“未经复议直接起诉 总计”");
    }
}
