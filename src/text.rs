//! Text normalisation shared by the locator, the unit matcher and the value parser.

/// Folds full-width ASCII forms (（１２）) to half-width and drops all white space, including
/// line breaks inside a label (商业\n企业) and the ideographic space.
/// The variant 其它 becomes 其他, as the format writes it.
pub fn fold(s: &str) -> String {
    let folded: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '【' => '(',
            '】' => ')',
            _ => c,
        })
        .collect();
    if folded.contains("其它") {
        folded.replace("其它", "其他")
    } else {
        folded
    }
}

const CHINESE_NUMERALS: &[char] = &['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

/// Length in bytes of an enumerator starting at `s`: `一、`, `(一)`, `1.`, `1、`, `(1)`.
fn enumerator_len(s: &str) -> Option<usize> {
    let mut chars = s.char_indices();
    let (_, first) = chars.next()?;
    if first == '(' {
        let (_, inner) = chars.next()?;
        let (end, close) = chars.next()?;
        let is_mark = CHINESE_NUMERALS.contains(&inner) || inner.is_ascii_digit();
        return (is_mark && close == ')').then_some(end + 1);
    }
    let is_mark = CHINESE_NUMERALS.contains(&first) || first.is_ascii_digit();
    let (end, sep) = chars.next()?;
    (is_mark && matches!(sep, '、' | '.' | '．')).then_some(end + sep.len_utf8())
}

/// Removes parenthesised notes, e.g. `部分公开(区分处理的,…)` → `部分公开`.
pub fn drop_notes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The distinctive part of a label: folded, with the text before the last enumerator cut
/// off (so a flattened `三、本年度办理结果(一)予以公开` gives `予以公开`) and notes dropped.
pub fn core(s: &str) -> String {
    core_of_folded(&fold(s))
}

/// [`core`] of a text already folded.
pub fn core_of_folded(folded: &str) -> String {
    let mut start = 0;
    for (i, _) in folded.char_indices() {
        if let Some(len) = enumerator_len(&folded[i..]) {
            start = i + len;
        }
    }
    drop_notes(&folded[start..])
}

/// What the text of a value cell says.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsedValue {
    Number(f64),
    /// Empty, or a placeholder for nothing: —, -, /, 无.
    Blank,
    /// Text that is not a number; kept as written.
    NotNumber(String),
}

/// Reads a number written as text: full-width digits, spaces, thousands separators, a sign.
/// Anything else (`约5`, `3件`, `1200元`) is [`ParsedValue::NotNumber`], never guessed.
pub fn parse_value(raw: &str) -> ParsedValue {
    let s = fold(raw);
    if s.is_empty() {
        return ParsedValue::Blank;
    }
    let is_placeholder = s.chars().all(|c| {
        matches!(
            c,
            '-' | '—' | '–' | '―' | '─' | '/' | '\\' | '、' | '无' | '_'
        )
    });
    if is_placeholder {
        return ParsedValue::Blank;
    }
    match parse_plain_number(&s) {
        Some(n) => ParsedValue::Number(n),
        None => ParsedValue::NotNumber(raw.trim().to_string()),
    }
}

/// `-1,234.5`, `12`, `+3`, `.5`; thousands separators only in groups of three.
fn parse_plain_number(s: &str) -> Option<f64> {
    let (sign, digits) = match s.as_bytes().first()? {
        b'-' => (-1.0, &s[1..]),
        b'+' => (1.0, &s[1..]),
        _ => (1.0, s),
    };
    let (int_part, frac_part) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    if int_part.is_empty() && frac_part.is_none_or(|f| f.is_empty()) {
        return None;
    }
    let int_clean = if int_part.contains(',') {
        let groups: Vec<&str> = int_part.split(',').collect();
        let well_grouped =
            (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3);
        if !well_grouped {
            return None;
        }
        groups.concat()
    } else {
        int_part.to_string()
    };
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(&int_clean) || !frac_part.is_none_or(all_digits) {
        return None;
    }
    let text = match frac_part {
        Some(f) => format!("{int_clean}.{f}"),
        None => int_clean,
    };
    text.parse::<f64>().ok().map(|n| sign * n)
}

/// Writes a number the way a person would: `3`, not `3.0`; `12.35` as is.
pub fn format_number(n: f64) -> String {
    if n == n.trunc() && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_removes_space_and_width() {
        assert_eq!(fold("商业\n企业"), "商业企业");
        assert_eq!(fold("（一）予以公开 "), "(一)予以公开");
        assert_eq!(fold("１２３"), "123");
        assert_eq!(fold("3.其它"), "3.其他");
    }

    #[test]
    fn core_cuts_enumerators_and_notes() {
        assert_eq!(
            core("（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
            "部分公开"
        );
        assert_eq!(core("三、本年度办理结果（一）予以公开"), "予以公开");
        assert_eq!(core("（六）其他处理\n3.其他"), "其他");
        assert_eq!(core("（七）总计"), "总计");
        assert_eq!(core("3．危及“三安全一稳定”"), "危及“三安全一稳定”");
        assert_eq!(core("本年收费金额（单位：万元）"), "本年收费金额");
        assert_eq!(
            core("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
            "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
        );
    }

    #[test]
    fn values_parse_strictly() {
        use ParsedValue::*;
        assert_eq!(parse_value("12"), Number(12.0));
        assert_eq!(parse_value("１２"), Number(12.0));
        assert_eq!(parse_value(" 1,234.50 "), Number(1234.5));
        assert_eq!(parse_value("-3"), Number(-3.0));
        assert_eq!(parse_value("—"), Blank);
        assert_eq!(parse_value("——"), Blank);
        assert_eq!(parse_value("-"), Blank);
        assert_eq!(parse_value("／"), Blank);
        assert_eq!(parse_value("无"), Blank);
        assert_eq!(parse_value("  "), Blank);
        assert_eq!(parse_value("约5"), NotNumber("约5".into()));
        assert_eq!(parse_value("3件"), NotNumber("3件".into()));
        assert_eq!(parse_value("12,34"), NotNumber("12,34".into()));
        assert_eq!(parse_value("."), NotNumber(".".into()));
        assert_eq!(parse_value("1.2.3"), NotNumber("1.2.3".into()));
    }

    #[test]
    fn numbers_print_without_trailing_zero() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(12.35), "12.35");
        assert_eq!(format_number(-2.0), "-2");
    }
}
