//! Text normalisation shared by the locator, the unit matcher and the value parser, and
//! [`PackedStrings`], many strings held in one buffer.

/// Folds full-width ASCII forms (（１２）) to half-width and drops all white space, including
/// line breaks inside a label (商业\n企业) and the ideographic space.
/// The variant 其它 becomes 其他, as the format writes it, and traditional characters their
/// simplified forms ([`simplified`]).
pub fn fold(s: &str) -> String {
    let mut folded = String::with_capacity(s.len());
    fold_into(s, &mut folded);
    folded
}

/// [`fold`], appended to `out`: a sheet's labels are folded into one buffer, not a string
/// a cell.
pub fn fold_into(s: &str, out: &mut String) {
    // Most cells are numbers or codes in plain ASCII, which folding leaves as they are.
    if s.bytes().all(|b| b.is_ascii_graphic()) {
        out.push_str(s);
        return;
    }
    let start = out.len();
    out.extend(s.chars().filter(|c| !c.is_whitespace()).map(|c| match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '【' => '(',
        '】' => ')',
        _ => simplified(c),
    }));
    // 其它 and 其他 have the same length in UTF-8: replaced in place.
    while let Some(at) = out[start..].find("其它") {
        out.replace_range(start + at..start + at + "其它".len(), "其他");
    }
}

/// A name made safe as a file name on Windows: no `\ / : * ? " < > |` or control characters,
/// no trailing dot or space, not a device name (CON, NUL, COM1…), not empty, not too long.
pub fn safe_file_name(name: &str, fallback: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_control() || "\\/:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .take(80)
        .collect();
    let cleaned = cleaned.trim().trim_end_matches(['.', ' ']).to_string();
    if cleaned.is_empty() || cleaned.chars().all(|c| c == '_') {
        return if fallback.is_empty() {
            "未命名单位".into()
        } else {
            safe_file_name(fallback, "")
        };
    }
    let stem = cleaned.split('.').next().unwrap_or("").to_ascii_uppercase();
    let device = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.ends_with(|c: char| c.is_ascii_digit()));
    if device {
        format!("_{cleaned}")
    } else {
        cleaned
    }
}

/// A text with a summary of its bytes, to ask quickly whether it contains a word: a word
/// with a byte the text lacks is answered without a search. Each label is asked
/// about dozens of words, and shares no character with most of them.
#[derive(Debug, Clone, Copy)]
pub struct Searchable<'t> {
    text: &'t str,
    /// A bit for each byte of `text`, or of a text it is part of (see [`Self::part`]).
    chars: u64,
}

impl<'t> Searchable<'t> {
    pub fn new(text: &'t str) -> Self {
        Searchable {
            text,
            chars: char_set(text),
        }
    }

    /// `text` with the summary an earlier [`Self::new`] of it made ([`Self::char_set`]):
    /// a label's summary is made once and kept.
    pub fn with_char_set(text: &'t str, chars: u64) -> Self {
        Searchable { text, chars }
    }

    pub fn char_set(&self) -> u64 {
        self.chars
    }

    /// A part of this text, searchable without summing up its characters again: a part
    /// lacks whatever the whole lacks.
    pub fn part(self, part: &'t str) -> Self {
        Searchable { text: part, ..self }
    }

    pub fn as_str(&self) -> &'t str {
        self.text
    }

    pub fn contains(&self, word: &str) -> bool {
        char_set(word) & !self.chars == 0 && self.text.contains(word)
    }
}

/// One bit for each byte of `s`, by its value modulo 64: a word's bytes all appear in any
/// text that contains it. Bytes rather than characters: no UTF-8 to decode, and the two last
/// bytes of a Chinese character say as much of it as its code point would.
fn char_set(s: &str) -> u64 {
    s.bytes().fold(0, |set, b| set | 1 << (b % 64))
}

/// The simplified form of a traditional character, for the characters of the format's labels
/// and of unit names (mirror sites convert reports to traditional characters: 規章, 處理,
/// 訴訟, 復議, 申請, 許可, 結果, 總計, …); any other character as it is.
pub fn simplified(c: char) -> char {
    match c {
        '並' => '并',
        '來' => '来',
        '個' => '个',
        '們' => '们',
        '價' => '价',
        '優' => '优',
        '內' => '内',
        '則' => '则',
        '劃' => '划',
        '動' => '动',
        '務' => '务',
        '區' => '区',
        '員' => '员',
        '單' => '单',
        '嚴' => '严',
        '國' => '国',
        '團' => '团',
        '執' => '执',
        '報' => '报',
        '壓' => '压',
        '學' => '学',
        '實' => '实',
        '審' => '审',
        '對' => '对',
        '導' => '导',
        '層' => '层',
        '屬' => '属',
        '廢' => '废',
        '廣' => '广',
        '廳' => '厅',
        '強' => '强',
        '後' => '后',
        '從' => '从',
        '復' => '复',
        '態' => '态',
        '應' => '应',
        '戶' => '户',
        '據' => '据',
        '數' => '数',
        '於' => '于',
        '時' => '时',
        '會' => '会',
        '條' => '条',
        '業' => '业',
        '極' => '极',
        '構' => '构',
        '機' => '机',
        '檔' => '档',
        '檢' => '检',
        '權' => '权',
        '歲' => '岁',
        '歷' => '历',
        '歸' => '归',
        '氣' => '气',
        '決' => '决',
        '沒' => '没',
        '況' => '况',
        '準' => '准',
        '濟' => '济',
        '為' => '为',
        '無' => '无',
        '營' => '营',
        '獨' => '独',
        '獲' => '获',
        '現' => '现',
        '環' => '环',
        '產' => '产',
        '當' => '当',
        '療' => '疗',
        '發' => '发',
        '監' => '监',
        '確' => '确',
        '礎' => '础',
        '稅' => '税',
        '稱' => '称',
        '積' => '积',
        '穩' => '稳',
        '範' => '范',
        '糾' => '纠',
        '紀' => '纪',
        '納' => '纳',
        '級' => '级',
        '細' => '细',
        '組' => '组',
        '結' => '结',
        '絕' => '绝',
        '絡' => '络',
        '給' => '给',
        '統' => '统',
        '經' => '经',
        '維' => '维',
        '縣' => '县',
        '總' => '总',
        '織' => '织',
        '繳' => '缴',
        '繼' => '继',
        '續' => '续',
        '罰' => '罚',
        '聯' => '联',
        '與' => '与',
        '舉' => '举',
        '舊' => '旧',
        '萬' => '万',
        '藥' => '药',
        '處' => '处',
        '號' => '号',
        '衛' => '卫',
        '補' => '补',
        '製' => '制',
        '複' => '复',
        '覆' => '复',
        '規' => '规',
        '計' => '计',
        '訪' => '访',
        '設' => '设',
        '許' => '许',
        '訴' => '诉',
        '詞' => '词',
        '詢' => '询',
        '話' => '话',
        '認' => '认',
        '說' => '说',
        '請' => '请',
        '諮' => '咨',
        '證' => '证',
        '識' => '识',
        '議' => '议',
        '護' => '护',
        '變' => '变',
        '財' => '财',
        '費' => '费',
        '資' => '资',
        '質' => '质',
        '軍' => '军',
        '輸' => '输',
        '轉' => '转',
        '辦' => '办',
        '農' => '农',
        '這' => '这',
        '進' => '进',
        '過' => '过',
        '達' => '达',
        '選' => '选',
        '邊' => '边',
        '鄉' => '乡',
        '醫' => '医',
        '錄' => '录',
        '鎮' => '镇',
        '門' => '门',
        '開' => '开',
        '間' => '间',
        '關' => '关',
        '陰' => '阴',
        '陽' => '阳',
        '隊' => '队',
        '際' => '际',
        '隨' => '随',
        '險' => '险',
        '電' => '电',
        '響' => '响',
        '頁' => '页',
        '項' => '项',
        '預' => '预',
        '題' => '题',
        '額' => '额',
        '類' => '类',
        '顧' => '顾',
        '顯' => '显',
        '風' => '风',
        '飛' => '飞',
        '驗' => '验',
        '體' => '体',
        '黨' => '党',
        '齊' => '齐',
        _ => c,
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
    drop_notes_into(s, &mut out);
    out
}

/// [`drop_notes`], appended to `out`.
fn drop_notes_into(s: &str, out: &mut String) {
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
}

/// The distinctive part of a label: folded, with the text before the last enumerator cut
/// off (so a flattened `三、本年度办理结果(一)予以公开` gives `予以公开`) and notes dropped.
pub fn core(s: &str) -> String {
    let mut core = String::new();
    core_into(&fold(s), &mut core);
    core
}

/// [`core`] of a text already folded, appended to `out`.
pub fn core_into(folded: &str, out: &mut String) {
    let mut start = 0;
    for (i, _) in folded.char_indices() {
        if let Some(len) = enumerator_len(&folded[i..]) {
            start = i + len;
        }
    }
    drop_notes_into(&folded[start..], out);
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
    // Most values are whole numbers in plain digits, which folding leaves as they are: read
    // at once, without the copies below. Fifteen digits are exact in an f64.
    if (1..=15).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit()) {
        let n = raw.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
        return ParsedValue::Number(n as f64);
    }
    // A placeholder as typed (—), which folding would only copy.
    if !raw.is_empty() && raw.chars().all(is_placeholder) {
        return ParsedValue::Blank;
    }
    let s = fold(raw);
    if s.is_empty() || s.chars().all(is_placeholder) {
        return ParsedValue::Blank;
    }
    match parse_plain_number(&s) {
        Some(n) => ParsedValue::Number(n),
        None => ParsedValue::NotNumber(raw.trim().to_string()),
    }
}

/// A character that stands for no value in a cell: —, -, /, 、, 无…
fn is_placeholder(c: char) -> bool {
    matches!(
        c,
        '-' | '—' | '–' | '―' | '─' | '/' | '\\' | '、' | '无' | '_'
    )
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
    with_number_text(n, str::to_string)
}

/// [`format_number`]'s text handed to `f`, made without an allocation for a whole number.
pub fn with_number_text<R>(n: f64, f: impl FnOnce(&str) -> R) -> R {
    if n == n.trunc() && n.abs() < 1e15 {
        f(itoa::Buffer::new().format(n as i64))
    } else {
        f(&format!("{n}"))
    }
}

/// Today's date in China's time (UTC+8): year, month, day.
pub fn china_today() -> (i64, i64, i64) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_date(secs as i64 + 8 * 3600)
}

/// The year an office reports on now: the year before this one (the reports of a year are
/// made in the January after it).
pub fn reporting_year() -> i32 {
    china_today().0 as i32 - 1
}

/// The civil date of a count of seconds since 1970-01-01 (H. Hinnant's days-to-civil).
fn civil_date(secs: i64) -> (i64, i64, i64) {
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Strings end to end in one buffer, each found by its number: one allocation for a
/// hundred thousand short strings, not one each (an xlsx's shared strings, the pages the
/// previous run listed).
#[derive(Default)]
pub struct PackedStrings {
    text: String,
    /// Where each string ends in `text`.
    ends: Vec<usize>,
}

impl PackedStrings {
    pub fn with_capacity(bytes: usize, strings: usize) -> PackedStrings {
        PackedStrings {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(strings),
        }
    }

    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len());
    }

    /// Adds the string `make` appends to the buffer it is given (what it appends is the
    /// string, even when it fails).
    pub fn push_with<E>(
        &mut self,
        make: impl FnOnce(&mut String) -> Result<(), E>,
    ) -> Result<(), E> {
        let made = make(&mut self.text);
        self.ends.push(self.text.len());
        made
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = i.checked_sub(1).map_or(0, |before| self.ends[before]);
        Some(&self.text[start..end])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_civil() {
        assert_eq!(super::civil_date(0), (1970, 1, 1));
        // 2024-02-29 12:00 UTC.
        assert_eq!(super::civil_date(1_709_208_000), (2024, 2, 29));
    }

    use super::*;

    #[test]
    fn packed_strings() {
        let mut strings = PackedStrings::with_capacity(8, 3);
        strings.push("甲");
        strings.push("");
        let failed: Result<(), ()> = strings.push_with(|text| {
            text.push_str("乙丙");
            Err(())
        });
        assert!(failed.is_err());
        let got: Vec<Option<&str>> = (0..4).map(|i| strings.get(i)).collect();
        assert_eq!(got, [Some("甲"), Some(""), Some("乙丙"), None]);
    }

    #[test]
    fn file_names_are_safe_on_windows() {
        assert_eq!(safe_file_name("河口镇", "hekou"), "河口镇");
        assert_eq!(safe_file_name("县/局:a*b?\"<>|", "x"), "县_局_a_b_____");
        assert_eq!(safe_file_name("CON", "x"), "_CON");
        assert_eq!(safe_file_name("com1.txt", "x"), "_com1.txt");
        assert_eq!(safe_file_name("镇. ", "x"), "镇");
        assert_eq!(safe_file_name("///", "hekou"), "hekou");
        assert_eq!(safe_file_name("", ""), "未命名单位");
    }

    #[test]
    fn fold_removes_space_and_width() {
        assert_eq!(fold("商业\n企业"), "商业企业");
        assert_eq!(fold("（一）予以公开 "), "(一)予以公开");
        assert_eq!(fold("１２３"), "123");
        assert_eq!(fold("3.其它"), "3.其他");
        assert_eq!(fold("其它、其它"), "其他、其他");
        // Appended after what the buffer holds, which is left as it was.
        let mut buffer = "其它".to_string();
        fold_into(" 其它 ", &mut buffer);
        assert_eq!(buffer, "其它其他");
    }

    #[test]
    fn searchable_text_finds_what_contains_does() {
        let words = [
            "予以公开",
            "公开",
            "不予公开",
            "其他",
            "",
            "a",
            "开公",
            "予以公开的",
        ];
        for text in ["予以公开", "部分公开", "其他处理", "", "abc"] {
            let searchable = Searchable::new(text);
            for word in words {
                assert_eq!(
                    searchable.contains(word),
                    text.contains(word),
                    "{text} {word}"
                );
            }
        }
        // A part keeps the whole's summary and searches only itself.
        let whole = Searchable::new("法人或其他组织-其他");
        let leaf = whole.part("其他");
        assert!(leaf.contains("其他") && !leaf.contains("法人"));
        let again = Searchable::with_char_set("其他", whole.char_set());
        assert!(again.contains("其他"));
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

    /// Plain digits, read at once, read as the general path reads them: leading zeros,
    /// fifteen digits, and sixteen (past the short way).
    #[test]
    fn plain_digits_read_as_the_general_path_reads_them() {
        for digits in [
            "0",
            "7",
            "007",
            "65535",
            "999999999999999",
            "1234567890123456",
        ] {
            assert_eq!(
                parse_value(digits),
                ParsedValue::Number(parse_plain_number(digits).unwrap()),
                "{digits}"
            );
        }
        assert_eq!(parse_value("0"), ParsedValue::Number(0.0));
        assert!(matches!(parse_value("0"), ParsedValue::Number(n) if n.is_sign_positive()));
    }

    #[test]
    fn numbers_print_without_trailing_zero() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(12.35), "12.35");
        assert_eq!(format_number(-2.0), "-2");
    }
}
