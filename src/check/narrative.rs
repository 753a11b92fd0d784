//! TEXT.MISMATCH: the numbers a report's narrative states against its own tables.
//!
//! Precision before recall. A number is judged only where the words just before it (its
//! clause) name one table quantity beyond doubt: 收到政府信息公开申请N件 → 本年新收 总计,
//! 行政复议N件 → 行政复议 总计, 制发行政规范性文件N件 → 本年制发件数, … A clause that names
//! two quantities, a comparison (同比, 较上年), another year, an approximation (约, 余, 以上),
//! a running total (累计), other units (各部门), a part of a row (网上申请, 按时答复), or a
//! number followed by another noun (3个部门) is not judged. The name must come right
//! before the number (申请渠道3个 is not a count of applications), in a unit that counts it.
//! A clause may continue the sentence's list (规章0件、规范性文件3件; 其中结果维持2件;
//! 其中自然人12件) only if it says nothing but the words of that table.
//! Statements of nothing (未收到政府信息公开申请, 未发生行政复议、行政诉讼) state 0.
//! Traditional characters (公開, 申請) are not read: nothing in such a text is judged.

use super::{Finding, Report};
use crate::schema::{self, FieldIdx};
use crate::text::{fold, format_number};

/// A row of table 三 the narrative can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    Received,
    CarriedIn,
    Handled,
    CarriedOut,
}

/// A column of table 三; `Organisations` is the five 法人或其他组织 columns together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Applicant {
    Natural,
    Organisations,
    Commercial,
    Research,
    Nonprofit,
    LegalService,
    Total,
}

/// A group of table 四; `Suit` is 行政诉讼 as a whole: 未经复议直接起诉 plus 复议后起诉.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Review,
    Direct,
    AfterReview,
    Suit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Upheld,
    Corrected,
    Other,
    Pending,
    Total,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DocType {
    Regulation,
    Normative,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Issued,
    Repealed,
    InForce,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    License,
    Penalty,
    Coercion,
}

/// The table quantity a stated number is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Apply(Row, Applicant),
    Lit(Group, Col),
    Doc(DocType, Action),
    Decision(Decision),
    Fee,
}

impl Target {
    /// The fields whose sum the statement is compared with.
    fn fields(self) -> Vec<FieldIdx> {
        let ids: Vec<String> = match self {
            Target::Apply(row, applicant) => {
                let row = match row {
                    Row::Received => "received",
                    Row::CarriedIn => "carried_in",
                    Row::Handled => "handled_total",
                    Row::CarriedOut => "carried_out",
                };
                let cols: &[&str] = match applicant {
                    Applicant::Natural => &["natural"],
                    Applicant::Organisations => {
                        &["commercial", "research", "nonprofit", "legal", "other_org"]
                    }
                    Applicant::Commercial => &["commercial"],
                    Applicant::Research => &["research"],
                    Applicant::Nonprofit => &["nonprofit"],
                    Applicant::LegalService => &["legal"],
                    Applicant::Total => &["total"],
                };
                cols.iter().map(|c| format!("apply.{row}.{c}")).collect()
            }
            Target::Lit(group, col) => {
                let groups: &[&str] = match group {
                    Group::Review => &["review"],
                    Group::Direct => &["suit_direct"],
                    Group::AfterReview => &["suit_after_review"],
                    Group::Suit => &["suit_direct", "suit_after_review"],
                };
                let col = match col {
                    Col::Upheld => "upheld",
                    Col::Corrected => "corrected",
                    Col::Other => "other",
                    Col::Pending => "pending",
                    Col::Total => "total",
                };
                groups.iter().map(|g| format!("{g}.{col}")).collect()
            }
            Target::Doc(ty, action) => {
                let ty = match ty {
                    DocType::Regulation => "regulation",
                    DocType::Normative => "normative",
                };
                let action = match action {
                    Action::Issued => "issued",
                    Action::Repealed => "repealed",
                    Action::InForce => "in_force",
                };
                vec![format!("active.{ty}.{action}")]
            }
            Target::Decision(kind) => {
                let kind = match kind {
                    Decision::License => "license",
                    Decision::Penalty => "penalty",
                    Decision::Coercion => "coercion",
                };
                vec![format!("active.{kind}.decisions")]
            }
            Target::Fee => vec!["active.fee.amount_wan".to_string()],
        };
        ids.iter().map(|id| schema::field(id)).collect()
    }
}

/// TEXT.MISMATCH: every number the narrative states that names one table quantity and
/// disagrees with it. Silent without a narrative.
pub fn text_mismatch(report: &Report) -> Vec<Finding> {
    if report.narrative.is_empty() {
        return Vec::new();
    }
    let year = report_year(report.narrative.iter().map(|p| p.text.as_str()));
    let mut found = Vec::new();
    for paragraph in report.narrative {
        for sentence in sentences(&paragraph.text) {
            // Prose has its 。 long before this: a longer run is a table or a list flattened.
            if sentence.chars().count() > MAX_SENTENCE {
                continue;
            }
            for claim in claims(&fold(sentence), year) {
                if let Some(mut finding) = judge(report, &claim) {
                    finding.location = Some(paragraph.at.clone());
                    finding.message = format!(
                        "正文“{}”{}，与{}",
                        quote(sentence),
                        claim.stated_text(),
                        finding.message
                    );
                    found.push(finding);
                }
            }
        }
    }
    found
}

/// The longest sentence read, in characters.
const MAX_SENTENCE: usize = 2000;

/// One number the narrative states for one table quantity.
#[derive(Debug, Clone, PartialEq)]
struct Claim {
    target: Target,
    value: f64,
    /// How it was written: `2件`, or the words that state nothing (`未收到`).
    written: String,
    /// Stated by words of nothing (未收到, 未发生, 无), not by a number.
    by_negation: bool,
}

impl Claim {
    fn stated_text(&self) -> String {
        if self.by_negation {
            format!("称“{}”，即 0", self.written)
        } else {
            format!("所述 {}", self.written)
        }
    }
}

/// The finding for a claim that disagrees with the table, its message still without the
/// sentence; `None` when they agree or the table's value is unknown.
fn judge(report: &Report, claim: &Claim) -> Option<Finding> {
    let fields = claim.target.fields();
    let table: f64 = fields
        .iter()
        .map(|&f| report.values.number(f))
        .sum::<Option<f64>>()?;
    if (table - claim.value).abs() <= 1e-9 {
        return None;
    }
    let name = if fields.len() == 1 {
        schema::display_name(fields[0])
    } else {
        let names: Vec<String> = fields.iter().map(|&f| schema::display_name(f)).collect();
        format!("{}之和", names.join("、"))
    };
    Some(Finding {
        rule: "TEXT.MISMATCH",
        location: None,
        fields: fields.into(),
        expected: format_number(table),
        actual: format_number(claim.value),
        message: format!("{name} {} 不一致", format_number(table)),
    })
}

/// A sentence as quoted in a message: without its line breaks and surrounding space.
fn quote(sentence: &str) -> String {
    sentence
        .chars()
        .filter(|c| *c != '\n' && *c != '\r')
        .collect::<String>()
        .trim()
        .to_string()
}

/// The sentences of a paragraph: split after 。！？, not at line breaks (a PDF breaks its
/// lines inside sentences, even inside words). The closing mark stays with its sentence.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '。' | '！' | '？' | '!' | '?') {
            let end = i + c.len_utf8();
            if !text[start..end].trim().is_empty() {
                out.push(&text[start..end]);
            }
            start = end;
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(&text[start..]);
    }
    out
}

/// The year the report is about: the year the narrative names most often (its title and
/// its 统计期限 name it; later years come up in plans, earlier ones in comparisons).
fn report_year<'a>(texts: impl Iterator<Item = &'a str>) -> Option<u32> {
    let mut counts: Vec<(u32, usize)> = Vec::new();
    for text in texts {
        for y in years(&fold(text)) {
            match counts.iter_mut().find(|(year, _)| *year == y) {
                Some((_, n)) => *n += 1,
                None => counts.push((y, 1)),
            }
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(year, n)| (n, year))
        .map(|(y, _)| y)
}

/// Every `19xx年` / `20xx年` in a folded text.
fn years(s: &str) -> Vec<u32> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    for i in 0..chars.len().saturating_sub(4) {
        let digits = &chars[i..i + 4];
        let before_is_digit = i > 0 && chars[i - 1].is_ascii_digit();
        if !before_is_digit && digits.iter().all(char::is_ascii_digit) && chars[i + 4] == '年' {
            let y: String = digits.iter().collect();
            if let Ok(y) = y.parse::<u32>() {
                if (1900..2100).contains(&y) {
                    out.push(y);
                }
            }
        }
    }
    out
}

/// Units that follow a count, longest first; 万元 is the fee's.
const UNITS: &[&str] = &[
    "万元", "件次", "件", "条", "个", "起", "项", "次", "宗", "例", "份", "部",
];

/// Characters that end a clause.
fn is_clause_end(c: char) -> bool {
    matches!(
        c,
        ',' | ';' | ':' | '、' | '。' | '!' | '?' | '！' | '？' | '\n'
    )
}

/// Characters that end what follows a number (its tail).
fn is_tail_end(c: char) -> bool {
    is_clause_end(c) || matches!(c, '(' | ')')
}

/// A number written with a unit, in a folded sentence (char positions).
#[derive(Debug, Clone)]
struct Mention {
    start: usize,
    end: usize,
    value: f64,
    unit: &'static str,
}

const HANZI_DIGITS: &str = "零〇一二两三四五六七八九";
const HANZI_NUMERAL: &str = "零〇一二两三四五六七八九十百千万";

/// Characters that, just before a 汉字 numeral, make it part of a word (第一, 每一, 统一).
const HANZI_NOT_BEFORE: &str = "第每逐同唯统之单初周其某任这那哪各此该本星万";

/// Reads a 汉字 numeral: 两, 十二, 二十三, 一百零五, 一千二百, 三万五千.
fn parse_hanzi(chars: &[char]) -> Option<f64> {
    let (mut total, mut section) = (0u64, 0u64);
    let mut digit: Option<u64> = None;
    for &c in chars {
        if let Some(d) = HANZI_DIGITS.chars().position(|h| h == c) {
            let d = match d {
                0 | 1 => 0,
                2 => 1,
                3 | 4 => 2,
                n => n as u64 - 2,
            };
            if digit.is_some_and(|prev| prev != 0) {
                return None; // 二三: not a numeral
            }
            digit = Some(d);
            continue;
        }
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            '万' => {
                section += digit.take().unwrap_or(0);
                if section == 0 {
                    return None;
                }
                total = (total + section) * 10_000;
                section = 0;
                continue;
            }
            _ => return None,
        };
        let d = match digit.take() {
            Some(0) | None if unit == 10 && section == 0 && total == 0 => 1,
            Some(0) | None => return None,
            Some(d) => d,
        };
        section += d * unit;
    }
    Some((total + section + digit.unwrap_or(0)) as f64)
}

/// Every number with a unit in a folded sentence. Numbers in longer tokens (a year, a date,
/// a document number, 第3次, a range 3-5件, 3,119) are not taken.
fn mentions(chars: &[char]) -> Vec<Mention> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let (start, mut end, value) = if c.is_ascii_digit() {
            let start = i;
            let mut end = i;
            while end < chars.len() && chars[end].is_ascii_digit() {
                end += 1;
            }
            if end + 1 < chars.len() && chars[end] == '.' && chars[end + 1].is_ascii_digit() {
                end += 1;
                while end < chars.len() && chars[end].is_ascii_digit() {
                    end += 1;
                }
            }
            let text: String = chars[start..end].iter().collect();
            (start, end, text.parse::<f64>().ok())
        } else if HANZI_NUMERAL.contains(c) {
            let start = i;
            let mut end = i;
            while end < chars.len() && HANZI_NUMERAL.contains(chars[end]) {
                end += 1;
            }
            // 五万元: the 万 belongs to the unit.
            let mut num_end = end;
            if chars[end - 1] == '万' && chars.get(end) == Some(&'元') {
                num_end -= 1;
            }
            let value = if num_end > start {
                parse_hanzi(&chars[start..num_end])
            } else {
                None
            };
            let before_ok = start == 0 || !HANZI_NOT_BEFORE.contains(chars[start - 1]);
            (start, num_end, value.filter(|_| before_ok))
        } else {
            i += 1;
            continue;
        };
        i = end.max(start + 1);
        let Some(value) = value else { continue };
        if !stands_alone(chars, start) {
            continue;
        }
        let rest: String = chars[end..chars.len().min(end + 2)].iter().collect();
        let unit = match UNITS.iter().find(|u| rest.starts_with(**u)) {
            Some(unit) => *unit,
            // 收费金额为0: a zero needs no unit, at the end of its clause.
            None if value == 0.0 && chars.get(end).is_none_or(|&c| is_tail_end(c)) => "",
            None => continue,
        };
        end += unit.chars().count();
        i = end;
        out.push(Mention {
            start,
            end,
            value,
            unit,
        });
    }
    out
}

/// Whether the number starting at `start` is a number of its own, not part of a token.
fn stands_alone(chars: &[char], start: usize) -> bool {
    let Some(&before) = start.checked_sub(1).and_then(|b| chars.get(b)) else {
        return true;
    };
    let numeral = |c: char| c.is_ascii_digit() || HANZI_NUMERAL.contains(c);
    if before.is_ascii_alphanumeric() || matches!(before, '.' | '第' | '/' | '#' | '号') {
        return false;
    }
    // A range (3-5件, 三至五件) or a thousands separator (3,119件).
    let joins = matches!(before, '-' | '~' | '—' | '–' | '至' | '到' | ',' | '或');
    let before2 = start.checked_sub(2).map(|b| chars[b]);
    !(joins && before2.is_some_and(numeral))
}

fn has(s: &str, keys: &[&str]) -> bool {
    keys.iter().any(|k| s.contains(k))
}

/// Words that make a number in their clause something other than this year's quantity:
/// a comparison, a running total, an approximation, a share, a plan, several numbers at once.
const POISON: &[&str] = &[
    "累计",
    "同比",
    "环比",
    "较上",
    "比上",
    "较去",
    "比去",
    "增长",
    "增加",
    "减少",
    "下降",
    "上升",
    "平均",
    "分别",
    "占",
    "约",
    "近",
    "超过",
    "逾",
    "不足",
    "以上",
    "以下",
    "左右",
    "多达",
    "接近",
    "力争",
    "确保",
    "争取",
    "预计",
    "计划",
    "目标",
    "避免",
    "防止",
    "杜绝",
    "降低",
    "是否",
    "如有",
    "一旦",
    "人次",
    // Other units' numbers: 各部门受理申请90件.
    "各部门",
    "各单位",
    "各乡镇",
    "各街道",
    "各地",
    "各县",
    "各区",
    "各级",
    "下属",
    "所属",
    // An office acting for the government (县政府办公室代县政府受理…): its own share, which
    // the report's table may or may not be; not judged.
    "政府办",
    "办公室代",
    "代表区政府",
    "代表县政府",
    "代表市政府",
];

/// Words of another year (上年结转 is this year's row 二, taken out before looking).
const OTHER_YEAR: &[&str] = &[
    "上年",
    "去年",
    "上一年",
    "前年",
    "往年",
    "历年",
    "以来",
    "近年",
    "多年",
    "明年",
    "下一步",
];

/// Words that name the carry-in row 二、上年结转 (and are not another year).
const CARRIED_IN: &[&str] = &["上年结转", "上年度结转", "上一年度结转", "上一年结转"];

/// Whether a clause speaks of another year or of more than a plain count.
fn poisoned(s: &str, year: Option<u32>) -> bool {
    let mut s = s.to_string();
    for phrase in CARRIED_IN {
        s = s.replace(phrase, "");
    }
    has(&s, POISON)
        || has(&s, OTHER_YEAR)
        || years(&s).into_iter().any(|y| Some(y) != year)
        || part_of_year(&s)
}

/// Whether a text speaks of a part of the year (上半年, 一季度, 1-6月), not the whole.
fn part_of_year(s: &str) -> bool {
    let mut s = s.to_string();
    for whole in [
        "1月1日",
        "12月31日",
        "12月底",
        "1-12月",
        "1至12月",
        "1月至12月",
        "1月—12月",
        "1月-12月",
    ] {
        s = s.replace(whole, "");
    }
    has(&s, &["月", "季度", "半年", "上旬", "中旬", "下旬"])
}

/// Zero, one, or (Err) several of the alternatives.
fn one_of<T: Copy>(s: &str, options: &[(&[&str], T)]) -> Result<Option<T>, ()> {
    let mut found = options.iter().filter(|(keys, _)| has(s, keys));
    match (found.next(), found.next()) {
        (None, _) => Ok(None),
        (Some((_, t)), None) => Ok(Some(*t)),
        _ => Err(()),
    }
}

fn group_of(s: &str) -> Result<Option<Group>, ()> {
    let after = has(
        s,
        &["复议后起诉", "复议后提起", "复议后诉讼", "复议后的行政诉讼"],
    );
    let direct = has(s, &["直接起诉", "未经复议", "直接提起"]);
    let review = has(s, &["复议"]);
    let suit = has(s, &["诉讼", "起诉"]);
    match (after, direct) {
        (true, true) => Err(()),
        (true, false) => Ok(Some(Group::AfterReview)),
        (false, true) => Ok(Some(Group::Direct)),
        (false, false) => match (review, suit) {
            (true, true) => Err(()),
            (true, false) => Ok(Some(Group::Review)),
            (false, true) => Ok(Some(Group::Suit)),
            (false, false) => Ok(None),
        },
    }
}

fn col_of(s: &str) -> Result<Option<Col>, ()> {
    one_of(
        s,
        &[
            (&["维持"], Col::Upheld),
            (&["纠正", "纠错"], Col::Corrected),
            (&["其他结果"], Col::Other),
            (&["尚未审结", "未审结", "在审", "审理中"], Col::Pending),
        ],
    )
    .and_then(|c| {
        // 败诉, 撤销, 驳回 … are outcomes the table does not name one to one.
        if has(
            s,
            &["败诉", "胜诉", "撤销", "驳回", "撤诉", "调解", "确认违法"],
        ) {
            Err(())
        } else {
            Ok(c)
        }
    })
}

fn row_of(s: &str) -> Result<Option<Row>, ()> {
    let carried_out = has(s, &["结转", "顺延", "转入", "延至", "转至", "延期至"])
        && has(s, &["下年", "下一年", "次年"]);
    let carried_in = has(s, CARRIED_IN);
    let handled = !carried_out && has(s, &["办结", "答复", "办理完毕", "处理完毕", "完成办理"]);
    let received = has(s, &["收到", "受理", "新收", "接收", "接到", "收悉"]);
    if has(s, &["不予受理", "未受理", "未答复", "未办结"]) {
        return Err(());
    }
    let rows = [
        (received, Row::Received),
        (carried_in, Row::CarriedIn),
        (handled, Row::Handled),
        (carried_out, Row::CarriedOut),
    ];
    let mut found = rows.iter().filter(|(b, _)| *b);
    match (found.next(), found.next()) {
        (None, _) => Ok(None),
        (Some((_, r)), None) => Ok(Some(*r)),
        _ => Err(()),
    }
}

fn applicant_of(s: &str) -> Result<Option<Applicant>, ()> {
    one_of(
        s,
        &[
            (&["自然人", "公民个人"], Applicant::Natural),
            (&["法人或其他组织", "法人"], Applicant::Organisations),
            (&["商业企业", "企业"], Applicant::Commercial),
            (&["科研机构"], Applicant::Research),
            (&["公益组织"], Applicant::Nonprofit),
            (&["法律服务"], Applicant::LegalService),
        ],
    )
}

fn doc_type_of(s: &str) -> Result<Option<DocType>, ()> {
    let regulation = s.replace("规章制度", "").contains("规章");
    let normative = s.contains("规范性文件");
    match (regulation, normative) {
        (true, true) => Err(()),
        (true, false) => Ok(Some(DocType::Regulation)),
        (false, true) => Ok(Some(DocType::Normative)),
        (false, false) => Ok(None),
    }
}

fn action_of(s: &str) -> Result<Option<Action>, ()> {
    // Things done to documents that are not the table's three numbers.
    if has(
        s,
        &[
            "备案",
            "审查",
            "审核",
            "清理",
            "评估",
            "解读",
            "征求意见",
            "修订",
            "修改",
            "起草",
            "报送",
            "宣布失效",
            "失效",
        ],
    ) {
        return Err(());
    }
    one_of(
        s,
        &[
            (&["制发", "印发", "出台", "制定"], Action::Issued),
            (&["废止", "废除"], Action::Repealed),
            (&["现行有效"], Action::InForce),
        ],
    )
}

fn decision_of(s: &str) -> Result<Option<Decision>, ()> {
    one_of(
        s,
        &[
            (&["行政许可"], Decision::License),
            (&["行政处罚"], Decision::Penalty),
            (&["行政强制"], Decision::Coercion),
        ],
    )
}

/// Where a number's subject is named: the words of its clause before it (`clause`), what
/// follows it to the clause's end (`tail`), and the target of the number just before it in
/// the same sentence (`prev`), which a list continues (规章0件、规范性文件3件; 其中维持1件).
struct Context<'a> {
    clause: &'a str,
    tail: &'a str,
    prev: Option<Target>,
    /// The sentence up to the number.
    sentence: &'a str,
}

/// What follows a number without changing what it counts: nothing, or 均/并/已 … opening a
/// remark on the same things (收到申请15件，均已办结).
fn benign_tail(tail: &str) -> bool {
    tail.is_empty()
        || ["并", "均", "全部", "已", "且", "都", "皆", "全"]
            .iter()
            .any(|w| tail.starts_with(w))
}

/// The table quantity a number counts, if its words name exactly one, in a unit that
/// counts it, right after the words that name it.
fn classify(cx: &Context, unit: &str) -> Option<Target> {
    let c = cx.clause;
    if unit == "万元" {
        let fee = has(c, &["行政事业性收费", "收费金额"]) && !has(c, &["信息处理费"]);
        return (fee && benign_tail(cx.tail) && anchored(c, FEE_ANCHORS)).then_some(Target::Fee);
    }
    if unit.is_empty() && has(c, &["行政事业性收费", "收费金额"]) && !has(c, &["信息处理费"])
    {
        return (benign_tail(cx.tail) && anchored(c, FEE_ANCHORS)).then_some(Target::Fee);
    }
    if has(c, &["收费", "费用", "金额", "信息处理费"]) {
        return None;
    }
    let names_nothing = group_of(c) == Ok(None)
        && col_of(c) == Ok(None)
        && decision_of(c) == Ok(None)
        && doc_type_of(c) == Ok(None)
        && action_of(c) == Ok(None)
        && row_of(c) == Ok(None)
        && applicant_of(c) == Ok(None);
    if names_nothing {
        return classify_tail(cx).filter(|t| counts(*t, unit));
    }
    let target = classify_clause(cx)?;
    let anchors = match target {
        Target::Apply(..) => APPLY_ANCHORS,
        Target::Lit(..) => LIT_ANCHORS,
        Target::Doc(..) => DOC_ANCHORS,
        Target::Decision(_) => DECISION_ANCHORS,
        Target::Fee => FEE_ANCHORS,
    };
    (counts(target, unit) && anchored(c, anchors)).then_some(target)
}

/// Whether the unit counts the target's things: applications 件 or 条, not 个 (渠道3个).
fn counts(target: Target, unit: &str) -> bool {
    let units: &[&str] = match target {
        Target::Apply(..) => &["件", "件次", "条", "宗", "例"],
        Target::Lit(..) => &["件", "件次", "起", "条", "宗", "例", "次"],
        Target::Doc(..) => &["件", "个", "项", "份", "部"],
        Target::Decision(_) => &["件", "项", "条", "个", "宗", "次", "起", "例"],
        Target::Fee => &["万元"],
    };
    // A bare number is a zero (收费金额为0), in any unit.
    unit.is_empty() || units.contains(&unit)
}

/// The words that name each kind of quantity; the last of them in a clause must be followed
/// by nothing but [`FILLER`] up to the number (申请渠道3个 counts channels, not applications).
const APPLY_ANCHORS: &[&str] = &[
    "依申请公开",
    "申请",
    "新收",
    "收到",
    "受理",
    "接收",
    "接到",
    "收悉",
    "办结",
    "答复",
    "办理完毕",
    "处理完毕",
    "完成办理",
    "结转",
    "顺延",
    "办理",
    "下年度",
    "下一年度",
    "自然人",
    "法人或其他组织",
    "法人",
    "企业",
    "科研机构",
    "公益组织",
    "法律服务机构",
    "公民个人",
];
const LIT_ANCHORS: &[&str] = &[
    "复议",
    "诉讼",
    "起诉",
    "维持",
    "纠正",
    "纠错",
    "其他结果",
    "审结",
    "在审",
    "审理中",
];
const DOC_ANCHORS: &[&str] = &[
    "规章",
    "规范性文件",
    "制发",
    "印发",
    "出台",
    "制定",
    "废止",
    "废除",
    "现行有效",
];
const DECISION_ANCHORS: &[&str] = &["行政许可", "行政处罚", "行政强制", "决定"];
const FEE_ANCHORS: &[&str] = &["行政事业性收费", "收费金额", "收费"];

/// Words that may stand between a quantity's name and its number.
const FILLER: &[&str] = &[
    "案件", "件数", "数量", "总数", "共计", "合计", "总计", "共", "为", "是", "达", "计", "有",
    "数", "的", "事项", "”", "\"", "》", "'", "’",
];

fn anchored(clause: &str, anchors: &[&str]) -> bool {
    let end = anchors
        .iter()
        .filter_map(|a| clause.rfind(a).map(|i| i + a.len()))
        .max();
    let Some(end) = end else { return false };
    let mut rest = &clause[end..];
    while !rest.is_empty() {
        match FILLER.iter().find(|f| rest.starts_with(**f)) {
            Some(f) => rest = &rest[f.len()..],
            None => return false,
        }
    }
    true
}

/// [`classify`] of a clause that names something.
fn classify_clause(cx: &Context) -> Option<Target> {
    let c = cx.clause;
    let lit = (group_of(c).ok()?, col_of(c).ok()?);
    let dec = decision_of(c).ok()?;
    let doc = (doc_type_of(c).ok()?, action_of(c).ok()?);
    let app = (row_of(c).ok()?, applicant_of(c).ok()?);
    let families = [
        lit.0.is_some() || lit.1.is_some(),
        dec.is_some(),
        doc.0.is_some() || doc.1.is_some(),
        app.0.is_some() || app.1.is_some(),
    ];
    // 因政府信息公开申请答复被申请行政复议1件: the number follows the case, which the
    // application words before it only explain.
    let explains = has(
        c,
        &["因", "引起", "引发", "被申请", "被提起", "针对", "不服"],
    ) && !has(c, &["及", "和", "与", "、", "并"]);
    let families = if families[0] && explains && anchored(c, LIT_ANCHORS) {
        [true, false, false, false]
    } else {
        families
    };
    if families.iter().filter(|b| **b).count() != 1 {
        return None;
    }
    if !benign_tail(cx.tail) {
        return None;
    }
    let context = has(c, &["信息公开", "依申请", "公开申请"]);
    if families[0] {
        // Continuing a list of cases, the clause may say nothing else (作为复议机关办理
        // 行政复议案件20件 is not about this unit's disclosure).
        let continues = matches!(cx.prev, Some(Target::Lit(..))) && bare_litigation(c);
        return match (lit, cx.prev) {
            ((Some(g), col), _) if context || continues => {
                Some(Target::Lit(g, col.unwrap_or(Col::Total)))
            }
            ((None, Some(col)), Some(Target::Lit(g, _))) if continues => Some(Target::Lit(g, col)),
            _ => None,
        };
    }
    if let Some(kind) = dec {
        // 公开行政处罚决定信息120条 counts what was published, not the decisions made.
        if has(c, &["公开", "公示", "发布", "信息", "推送"]) {
            return None;
        }
        let continues =
            matches!(cx.prev, Some(Target::Decision(_))) && only_words(c, DECISION_WORDS);
        return (c.contains("决定") || continues).then_some(Target::Decision(kind));
    }
    if families[2] {
        // Continuing a list (制发规章0件、规范性文件3件), the clause may say nothing else.
        let (prev_ty, prev_action) = match cx.prev {
            Some(Target::Doc(t, a)) if only_words(c, DOC_WORDS) => (Some(t), Some(a)),
            _ => (None, None),
        };
        return Some(Target::Doc(doc.0.or(prev_ty)?, doc.1.or(prev_action)?));
    }
    // Table 三: applications to disclose, named as such or continuing a list about them.
    let prev_row = match cx.prev {
        Some(Target::Apply(row, _)) => Some(row),
        _ => None,
    };
    // 依申请公开方面，共收到申请4件: named earlier in the sentence, the clause bare.
    let disclosure = ["公开申请", "依申请公开"];
    let named_here =
        has(c, &disclosure) || (has(cx.sentence, &disclosure) && only_words(c, APPLY_WORDS));
    if !named_here && prev_row.is_none() {
        return None;
    }
    // Continuing a list, the clause may say nothing else: 办结各类申请事项30件,
    // 县政府办办结10件, 其中涉及企业的3件 are other things or parts.
    if !named_here && !only_words(c, APPLY_WORDS) {
        return None;
    }
    if has(
        c,
        &["咨询", "许可", "审批", "办件", "政务服务", "信访", "投诉"],
    ) {
        return None;
    }
    // A part of a row, by channel or by timeliness: 网上受理3件, 按时答复4件.
    if has(c, QUALIFIERS) {
        return None;
    }
    // 其中按时答复4件: a part of the handled ones, whatever its qualifier.
    if c.contains("其中") && app.0 == Some(Row::Handled) {
        return None;
    }
    match app {
        // 收到自然人申请12件 may be a part of the row or its whole: not judged.
        (Some(row), None) => Some(Target::Apply(row, Applicant::Total)),
        // 其中自然人12件, continuing a row just named.
        (None, Some(applicant)) => Some(Target::Apply(prev_row?, applicant)),
        _ => None,
    }
}

/// Whether a clause is made of these words only (longest first where they overlap).
fn only_words(clause: &str, words: &[&str]) -> bool {
    let mut rest = clause;
    'strip: while !rest.is_empty() {
        for w in words {
            if let Some(r) = rest.strip_prefix(w) {
                rest = r;
                continue 'strip;
            }
        }
        return false;
    }
    true
}

/// The words a clause continuing a list of table 三's rows may be made of: 上年结转,
/// 办结, (含上年度结转申请, 另有, 结转下年度继续办理, 其中自然人申请.
const APPLY_WORDS: &[&str] = &[
    "其中",
    "另有",
    "包括",
    "含",
    "上年度结转",
    "上一年度结转",
    "上年结转",
    "上一年结转",
    "结转下一年度",
    "结转下年度",
    "结转至下一年度",
    "结转至下年度",
    "结转到下一年度",
    "转入下一年度",
    "顺延到下年度",
    "顺延至下年度",
    "顺延到下一年度",
    "下一年度",
    "下年度",
    "继续办理",
    "结转",
    "顺延",
    "办结",
    "办理完毕",
    "处理完毕",
    "完成办理",
    "予以答复",
    "答复",
    "办理",
    "依法",
    "已",
    "均",
    "全部",
    "共计",
    "共",
    "计",
    "为",
    "本年度新收",
    "本年新收",
    "新收",
    "本年度",
    "本年",
    "全年",
    "收到",
    "受理",
    "接收",
    "申请",
    "数量",
    "件数",
    "的",
    "、",
    "和",
    "及",
    "(",
    "来自",
    "由",
    "提出",
    "提交",
    "自然人",
    "法人或其他组织",
    "法人",
    "商业企业",
    "企业",
    "科研机构",
    "社会公益组织",
    "公益组织",
    "法律服务机构",
    "公民个人",
    "政府信息公开",
    "信息公开",
    "公开",
];

/// The words of a clause continuing a list of table 二's documents.
const DOC_WORDS: &[&str] = &[
    "其中",
    "另",
    "本年度",
    "本年",
    "全年",
    "新制发",
    "制发",
    "印发",
    "出台",
    "制定",
    "废止",
    "废除",
    "现行有效",
    "政府规章",
    "规章",
    "行政规范性文件",
    "规范性文件",
    "件数",
    "数量",
    "共计",
    "共",
    "计",
    "为",
    "的",
    "已",
    "依法",
    "、",
    "和",
    "及",
    "截至目前",
    "截至年底",
    "目前",
];

/// The words of a clause continuing a list of table 二's decisions.
const DECISION_WORDS: &[&str] = &[
    "行政许可",
    "行政处罚",
    "行政强制",
    "处理决定",
    "决定",
    "作出",
    "做出",
    "数量",
    "共计",
    "共",
    "计",
    "为",
    "的",
    "、",
    "和",
    "及",
    "本年度",
    "本年",
    "全年",
];

/// Whether a clause names a group or result of table 四 and nothing else: 、提起行政诉讼,
/// 其中结果维持, 复议机关维持.
fn bare_litigation(clause: &str) -> bool {
    only_words(clause, LITIGATION_WORDS)
}

const LITIGATION_WORDS: &[&str] = &[
    "政府信息公开",
    "行政复议",
    "行政诉讼",
    "复议后起诉",
    "直接起诉",
    "未经复议",
    "复议机关",
    "人民法院",
    "法院",
    "起诉",
    "诉讼",
    "复议",
    "被申请",
    "申请",
    "被提起",
    "提起",
    "被诉",
    "发生",
    "引发",
    "引起",
    "涉及",
    "其中",
    "另有",
    "结果为",
    "结果",
    "维持",
    "纠正",
    "纠错",
    "其他结果",
    "尚未审结",
    "未审结",
    "尚在",
    "在审",
    "审理中",
    "判决",
    "裁定",
    "经",
    "被",
    "共",
    "计",
    "为",
    "案件",
    "的",
    "、",
    "和",
    "及",
    "全年",
    "本年度",
    "本年",
    "年度",
];

/// 政府信息公开行政复议、行政诉讼（均为）: both groups together, and nothing else.
fn both_litigations(cx: &Context) -> bool {
    let c = cx.clause;
    c.contains("行政复议")
        && c.contains("行政诉讼")
        && has(c, &["信息公开", "依申请"])
        && !has(c, &["复议后", "直接", "未经", "起诉"])
        && col_of(c) == Ok(None)
        && decision_of(c) == Ok(None)
        && doc_type_of(c) == Ok(None)
        && row_of(c) == Ok(None)
        && benign_tail(cx.tail)
        && anchored(&c.replace(['均', '各', '都'], ""), LIT_ANCHORS)
}

/// Words that make a count of applications a part of its row.
const QUALIFIERS: &[&str] = &[
    "网上", "网络", "在线", "线上", "线下", "当面", "现场", "窗口", "平台", "信函", "邮寄", "邮件",
    "传真", "电话", "按时", "按期", "如期", "逾期", "延期", "超期", "当场", "当日", "即时",
];

/// A number whose clause names nothing but whose tail does, continuing the list before
/// it: 另有103件结转下年度办理; 其中2件尚未审结.
fn classify_tail(cx: &Context) -> Option<Target> {
    let t = cx.tail;
    let lead = ["其中", "另有", "尚有", "还有", "另", "有", "共", "(", "含"];
    if !only_words(cx.clause, &lead) || t.is_empty() {
        return None;
    }
    if decision_of(t).ok()?.is_some() || doc_type_of(t).ok()?.is_some() {
        return None;
    }
    match cx.prev? {
        Target::Apply(..) => {
            let carried_out = has(t, &["结转", "顺延", "转入", "延至", "转至"])
                && has(t, &["下年", "下一年", "次年"]);
            let other = has(
                t,
                &[
                    "予以",
                    "公开",
                    "不予",
                    "无法",
                    "其他",
                    "申请人",
                    "自然人",
                    "法人",
                ],
            );
            (carried_out && !other).then_some(Target::Apply(Row::CarriedOut, Applicant::Total))
        }
        Target::Lit(group, _) => {
            if group_of(t).ok()?.is_some() {
                return None;
            }
            let col = col_of(t).ok()??;
            let extra = t.chars().count() > 6;
            (!extra).then_some(Target::Lit(group, col))
        }
        _ => None,
    }
}

/// Every claim of a folded sentence.
fn claims(sentence: &str, year: Option<u32>) -> Vec<Claim> {
    let chars: Vec<char> = sentence.chars().collect();
    let text = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
    if sentence.contains("分别") {
        // 行政许可、行政处罚决定分别为50件、3件: not taken apart.
        return Vec::new();
    }
    let found = mentions(&chars);
    let mut out = Vec::new();
    let mut prev: Option<Target> = None;
    // Where the words of the next number's subject start.
    let mut phrase_start = 0;
    for (k, m) in found.iter().enumerate() {
        // 、 joins the items of one subject (行政复议、行政诉讼共3件) unless a number ends the
        // item before it (规章0件、规范性文件3件), which moves `phrase_start`.
        let clause_start = (phrase_start..m.start)
            .rev()
            .find(|&i| is_clause_end(chars[i]) && chars[i] != '、')
            .map_or(phrase_start, |i| i + 1);
        let clause = text(clause_start, m.start);
        let tail_end = (m.end..chars.len())
            .find(|&i| is_tail_end(chars[i]))
            .unwrap_or(chars.len());
        let tail = text(m.end, tail_end);
        let since_phrase = text(phrase_start, m.start);
        let sentence_so_far = text(0, m.start);
        let cx = Context {
            clause: &clause,
            tail: &tail,
            prev,
            sentence: &sentence_so_far,
        };
        let clean = !poisoned(&since_phrase, year) && !poisoned(&tail, year);
        let target = if clean { classify(&cx, m.unit) } else { None };
        // 行政复议、行政诉讼均为0件: counts are never negative, so a zero for both together
        // is a zero for each.
        if clean && m.value == 0.0 && both_litigations(&cx) {
            for target in [
                Target::Lit(Group::Review, Col::Total),
                Target::Lit(Group::Suit, Col::Total),
            ] {
                out.push(Claim {
                    target,
                    value: 0.0,
                    written: text(m.start, m.end),
                    by_negation: false,
                });
            }
        }
        // 收到申请17件（含上年结转2件）, 17件，其中本年新收15件: the 17 is not this year's
        // new applications alone.
        // 5件，其中1件为上年度结转: up to the end of the next number's words.
        let next_end = found.get(k + 1).map_or(chars.len(), |n| {
            (n.end..chars.len())
                .find(|&i| is_tail_end(chars[i]))
                .unwrap_or(chars.len())
        });
        let includes_carry = {
            let after = text(m.end, next_end);
            has(&after, &["含", "其中"]) && has(&after, &["结转", "上年", "新收", "本年"])
        };
        let judged = target
            .filter(|t| !(includes_carry && matches!(t, Target::Apply(Row::Received, _))))
            // The same quantity twice in a sentence: the second is a part or a restatement.
            .filter(|t| Some(*t) != prev);
        if let Some(t) = judged {
            out.push(Claim {
                target: t,
                value: m.value,
                written: text(m.start, m.end),
                by_negation: false,
            });
        }
        prev = target;
        if benign_tail(&tail) || target.is_some() {
            phrase_start = m.end;
        }
    }
    out.extend(zero_claims(&chars, &found, year));
    out
}

/// Words that state nothing happened, and what each may say it of.
const NEGATIONS: &[&str] = &[
    "没有收到",
    "没有发生",
    "未收到",
    "未接到",
    "未受理",
    "未发生",
    "未产生",
    "未出现",
    "未提起",
    "未引发",
    "未引起",
    "未被",
    "未有",
    "未制发",
    "未出台",
    "未印发",
    "未制定",
    "未废止",
    "未作出",
    "未做出",
    "未收取",
    "没有",
    "无",
];

/// What may follow 无 / 没有 for it to state a zero (无误, 无法, 无正当理由 do not).
const SUBJECTS: &[&str] = &[
    "政府信息公开",
    "信息公开",
    "依申请",
    "因",
    "涉及",
    "行政复议",
    "行政诉讼",
    "规章",
    "行政规范性文件",
    "规范性文件",
    "行政事业性收费",
    "行政许可",
    "行政处罚",
    "行政强制",
    "发生",
];

/// Statements of nothing: 未收到政府信息公开申请, 未发生行政复议、行政诉讼, 未收取行政事业性收费.
fn zero_claims(chars: &[char], found: &[Mention], year: Option<u32>) -> Vec<Claim> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let end = (start..chars.len())
            .find(|&i| matches!(chars[i], ',' | ';' | ':' | '。' | '!' | '?' | '\n'))
            .unwrap_or(chars.len());
        let has_number = found.iter().any(|m| m.start >= start && m.start < end);
        if !has_number {
            let clause: String = chars[start..end].iter().collect();
            let before: String = chars[..end].iter().collect();
            if !poisoned(&before, year) {
                out.extend(zero_clause(&clause, &before));
            }
        }
        start = end + 1;
    }
    out
}

/// Whether the words after a negation end with what they negate (未发生行政复议案件),
/// rather than with something said of it (无因政府信息公开申请被纠错的情况).
fn ends_with_subject(subject: &str, names: &[&str]) -> bool {
    let mut s = subject;
    loop {
        let trimmed = ["的情况", "情况", "案件", "事项", "的", ")", "”", "。"]
            .iter()
            .find_map(|end| s.strip_suffix(end));
        match trimmed {
            Some(t) => s = t,
            None => break,
        }
    }
    names.iter().any(|n| s.ends_with(n))
}

fn zero_clause(clause: &str, sentence_so_far: &str) -> Vec<Claim> {
    let Some((at, neg)) = NEGATIONS
        .iter()
        .filter_map(|n| clause.find(n).map(|i| (i, *n)))
        .min_by_key(|&(i, n)| (i, std::cmp::Reverse(n.len())))
    else {
        return Vec::new();
    };
    // 公民、法人或其他组织 is every applicant, not a column.
    let everyone = ["公民、法人或其他组织", "公民、法人和其他组织"];
    let subject = &everyone
        .iter()
        .fold(clause[at + neg.len()..].to_string(), |s, e| {
            s.replace(e, "")
        });
    let subject = subject.as_str();
    let before = &clause[..at];
    if matches!(neg, "无" | "没有") && !SUBJECTS.iter().any(|s| subject.starts_with(s)) {
        return Vec::new();
    }
    if has(before, &["不", "未", "无", "没有", "非"]) || has(subject, &["不", "或", "是否"])
    {
        return Vec::new();
    }
    let claim = |target| Claim {
        target,
        value: 0.0,
        written: neg.to_string(),
        by_negation: true,
    };
    let receive_neg = matches!(
        neg,
        "未收到" | "未接到" | "没有收到" | "未受理" | "无" | "没有" | "未有"
    );
    let happen_neg = matches!(
        neg,
        "未发生"
            | "没有发生"
            | "未产生"
            | "未出现"
            | "未提起"
            | "未引发"
            | "未引起"
            | "未被"
            | "无"
            | "没有"
            | "未有"
            | "未收到"
            | "未接到"
    );
    // 行政复议, 行政诉讼 (each named; 复议后起诉 and 直接起诉 are left alone).
    if has(subject, &["复议", "诉讼", "起诉"]) {
        let plain = !has(subject, &["复议后", "直接", "未经", "起诉"]);
        let no_result = col_of(subject).is_ok_and(|c| c.is_none()) && !has(subject, &["结果"]);
        let context = has(sentence_so_far, &["信息公开", "依申请"]);
        let ends = ends_with_subject(subject, &["行政复议", "行政诉讼"]);
        if !(happen_neg && plain && no_result && context && ends) {
            return Vec::new();
        }
        let mut out = Vec::new();
        if subject.contains("行政复议") {
            out.push(claim(Target::Lit(Group::Review, Col::Total)));
        }
        if subject.contains("行政诉讼") {
            out.push(claim(Target::Lit(Group::Suit, Col::Total)));
        }
        return out;
    }
    if has(subject, &["行政事业性收费"]) {
        let fee_neg = matches!(neg, "未收取" | "无" | "没有" | "未产生");
        let ends = ends_with_subject(subject, &["行政事业性收费"]);
        return if fee_neg && ends && !has(subject, &["信息处理费"]) {
            vec![claim(Target::Fee)]
        } else {
            Vec::new()
        };
    }
    if has(subject, &["决定"]) {
        if has(subject, &["公开", "公示", "信息"]) || !ends_with_subject(subject, &["决定"])
        {
            return Vec::new();
        }
        if !matches!(
            neg,
            "未作出" | "未做出" | "无" | "没有" | "未发生" | "未产生"
        ) {
            return Vec::new();
        }
        let kinds = [
            ("行政许可", Decision::License),
            ("行政处罚", Decision::Penalty),
            ("行政强制", Decision::Coercion),
        ];
        return kinds
            .iter()
            .filter(|(k, _)| subject.contains(k))
            .map(|&(_, d)| claim(Target::Decision(d)))
            .collect();
    }
    let issue_neg = matches!(neg, "未制发" | "未出台" | "未印发" | "未制定");
    if issue_neg || neg == "未废止" {
        if has(subject, &["现行有效", "备案", "审核", "清理", "修订"])
            || !ends_with_subject(subject, &["规章", "规范性文件"])
        {
            return Vec::new();
        }
        let mut actions = Vec::new();
        if issue_neg {
            actions.push(Action::Issued);
        }
        if neg == "未废止" || subject.contains("废止") {
            actions.push(Action::Repealed);
        }
        let mut types = Vec::new();
        if subject.replace("规章制度", "").contains("规章") {
            types.push(DocType::Regulation);
        }
        if subject.contains("规范性文件") {
            types.push(DocType::Normative);
        }
        return types
            .iter()
            .flat_map(|&t| actions.iter().map(move |&a| claim(Target::Doc(t, a))))
            .collect();
    }
    let application = has(subject, &["公开申请", "依申请公开"]);
    let other = has(
        subject,
        &[
            "结转",
            "办结",
            "答复",
            "不予",
            "咨询",
            "投诉",
            "举报",
            "许可",
            "自然人",
            "法人",
        ],
    );
    let ends = ends_with_subject(subject, &["公开申请", "依申请公开"]);
    let said_of = has(subject, &["被", "纠", "复议", "诉讼", "上年"]);
    if receive_neg && application && ends && !other && !said_of {
        return vec![claim(Target::Apply(Row::Received, Applicant::Total))];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{report_of, with};
    use crate::grid::{Location, Paragraph};
    use crate::normalize::Values;

    /// The table values of the seed report (易俗河镇 2024): 2 applications received and
    /// granted, 行政处罚 3, everything else 0.
    const SEED_TABLE: &[(&str, f64)] = &[
        ("apply.received.natural", 2.0),
        ("apply.received.total", 2.0),
        ("apply.granted.natural", 2.0),
        ("apply.granted.total", 2.0),
        ("apply.handled_total.natural", 2.0),
        ("apply.handled_total.total", 2.0),
        ("active.penalty.decisions", 3.0),
    ];

    /// The seed report's narrative paragraphs that state numbers, as its web page reads.
    const SEED_NARRATIVE: &[&str] = &[
        "湘潭县易俗河镇2024年政府信息公开工作年度报告",
        "根据《中华人民共和国政府信息公开条例》（国务院令第711号）规定，以及《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）要求编制本报告。本报告所列数据的统计期限为2024年1月1日至2024年12月31日。",
        "一、总体情况",
        "2024年，是全面贯彻党的二十大精神的深化之年，是实现“十四五”规划目标任务的关键一年，也是全面深化改革的重要年份。",
        "（一）主动公开方面",
        "2024年，我镇围绕政务公开总体要求，不断强化公开意识，突出公开重点，严格遵守格式规范，优化主动公开的信息内容，累计主动公开发布各类信息245条。其中，乡镇动态214条，政务公开21条，财政信息5条，机构信息3条，领导信息1条，信息公开年报1份，并及时更新了信息公开指南。我镇主动公开了2024年部门预算和“三公”经费预算公开、重要通知等内容。",
        "（二）依申请公开方面",
        "2024年，我镇收到政府信息公开申请2条，全年因政府信息公开工作被申请行政复议0条、提起行政诉讼0条。",
        "（五）监督保障方面",
        "我镇政务服务中心负责政务信息公开工作，党政办公室负责镇电子政务工作，从事人员共2人。公开发布的内容均经相关站所负责人拟稿、分管领导审核，无误后由办公室定稿发布。",
        "五、存在的主要问题及改进情况",
        "在政府信息公开工作中，虽取得了一定成绩，但还存在诸多问题和困难，主要表现在：一是公开的内容难以全面。二是政府机关提供的信息和群众真正想要的信息有时存在“错位”现象。",
        "六、其他需要报告的事项",
        "2024年度，本单位未收取信息处理费，无其他需要报告事项。",
    ];

    fn paragraphs(texts: &[&str]) -> Vec<Paragraph> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| Paragraph {
                text: t.to_string(),
                at: Location::Csv {
                    line: i as u64 + 1,
                    field: 1,
                },
            })
            .collect()
    }

    /// The findings for a narrative against a table; the year 2024 is named in the first
    /// paragraph, as a report's title names it.
    fn check(table: &[(&str, f64)], texts: &[&str]) -> Vec<Finding> {
        let values: Values = with(table);
        let mut all = vec!["某镇2024年政府信息公开工作年度报告"];
        all.extend_from_slice(texts);
        let narrative = paragraphs(&all);
        let report = Report {
            narrative: &narrative,
            ..report_of(&values)
        };
        text_mismatch(&report)
    }

    fn ids(found: &[Finding]) -> Vec<Vec<String>> {
        found
            .iter()
            .map(|f| {
                f.fields
                    .iter()
                    .map(|i| schema::fields()[i].id.clone())
                    .collect()
            })
            .collect()
    }

    /// Exactly one finding, on these fields, with the table's value and the stated one.
    #[track_caller]
    fn one(table: &[(&str, f64)], text: &str, fields: &[&str], expected: &str, actual: &str) {
        let found = check(table, &[text]);
        assert_eq!(found.len(), 1, "{text}: {found:#?}");
        assert_eq!(ids(&found)[0], fields, "{text}");
        let f = &found[0];
        assert_eq!((f.expected.as_str(), f.actual.as_str()), (expected, actual));
        assert_eq!(f.rule, "TEXT.MISMATCH");
    }

    #[track_caller]
    fn none(table: &[(&str, f64)], text: &str) {
        let found = check(table, &[text]);
        assert!(found.is_empty(), "{text}: {found:#?}");
    }

    #[test]
    fn every_target_names_fields_of_the_schema() {
        let rows = [Row::Received, Row::CarriedIn, Row::Handled, Row::CarriedOut];
        let applicants = [
            Applicant::Natural,
            Applicant::Organisations,
            Applicant::Commercial,
            Applicant::Research,
            Applicant::Nonprofit,
            Applicant::LegalService,
            Applicant::Total,
        ];
        let groups = [
            Group::Review,
            Group::Direct,
            Group::AfterReview,
            Group::Suit,
        ];
        let cols = [
            Col::Upheld,
            Col::Corrected,
            Col::Other,
            Col::Pending,
            Col::Total,
        ];
        let mut targets = vec![Target::Fee];
        targets.extend(
            rows.iter()
                .flat_map(|&r| applicants.map(|a| Target::Apply(r, a))),
        );
        targets.extend(groups.iter().flat_map(|&g| cols.map(|c| Target::Lit(g, c))));
        for t in [DocType::Regulation, DocType::Normative] {
            targets.extend(
                [Action::Issued, Action::Repealed, Action::InForce].map(|a| Target::Doc(t, a)),
            );
        }
        targets.extend(
            [Decision::License, Decision::Penalty, Decision::Coercion].map(Target::Decision),
        );
        let mut seen = std::collections::BTreeSet::new();
        for t in targets {
            let fields = t.fields();
            assert!(!fields.is_empty());
            assert!(
                seen.insert(fields),
                "{t:?} names the fields of another target"
            );
        }
        assert_eq!(seen.len(), 1 + 4 * 7 + 4 * 5 + 6 + 3);
    }

    #[test]
    fn without_a_narrative_the_rule_is_silent() {
        let values = with(&[("apply.received.total", 5.0)]);
        assert!(text_mismatch(&report_of(&values)).is_empty());
    }

    #[test]
    fn the_seed_agrees_with_its_own_tables() {
        let values = with(SEED_TABLE);
        let narrative = paragraphs(SEED_NARRATIVE);
        let report = Report {
            narrative: &narrative,
            ..report_of(&values)
        };
        assert!(text_mismatch(&report).is_empty());
        // And the check did read it: the same narrative against a table of 3 applications.
        let mut other = SEED_TABLE.to_vec();
        other.push(("apply.received.total", 3.0));
        let values = with(&other);
        let report = Report {
            narrative: &narrative,
            ..report_of(&values)
        };
        let found = text_mismatch(&report);
        assert_eq!(ids(&found), [["apply.received.total"]]);
        assert_eq!(found[0].location, Some(Location::Csv { line: 8, field: 1 }));
    }

    #[test]
    fn the_whole_seed_page_gives_no_finding() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/seeds/000_61f640e52d4e149d.txt");
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("skipped: {} is absent", path.display());
            return;
        };
        // Every line a paragraph, the tables' labels and numbers included.
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let values = with(SEED_TABLE);
        let narrative = paragraphs(&lines);
        let report = Report {
            narrative: &narrative,
            ..report_of(&values)
        };
        assert!(text_mismatch(&report).is_empty());
    }

    #[test]
    fn a_run_of_text_longer_than_any_sentence_is_not_read() {
        let long = format!("{}收到政府信息公开申请3件。", "规章 0 0 0，".repeat(400));
        none(SEED_TABLE, &long);
        one(
            SEED_TABLE,
            &long.replace("规章 0 0 0，", ""),
            &["apply.received.total"],
            "2",
            "3",
        );
    }

    #[test]
    fn the_message_quotes_the_sentence_and_names_the_field() {
        let found = check(
            &[("apply.received.total", 3.0)],
            &["依申请公开方面。本年度共收到政府信息公开申请2件。其他略。"],
        );
        assert_eq!(found.len(), 1);
        let m = &found[0].message;
        assert!(
            m.starts_with("正文“本年度共收到政府信息公开申请2件。”所述 2件，与表三“"),
            "{m}"
        );
        assert!(
            m.contains("本年新收政府信息公开申请数量 总计” 3 不一致"),
            "{m}"
        );
        assert_eq!(found[0].location, Some(Location::Csv { line: 2, field: 1 }));
    }

    const SEED_SENTENCE: &str = "2024年，我镇收到政府信息公开申请2条，全年因政府信息公开工作被申请行政复议0条、提起行政诉讼0条。";

    #[test]
    fn each_kind_of_statement_altered_gives_one_finding_on_its_field() {
        let t = SEED_TABLE;
        none(t, SEED_SENTENCE);
        one(
            t,
            &SEED_SENTENCE.replace("申请2条", "申请3条"),
            &["apply.received.total"],
            "2",
            "3",
        );
        one(
            t,
            &SEED_SENTENCE.replace("复议0条", "复议1条"),
            &["review.total"],
            "0",
            "1",
        );
        one(
            t,
            &SEED_SENTENCE.replace("诉讼0条", "诉讼2条"),
            &["suit_direct.total", "suit_after_review.total"],
            "0",
            "2",
        );
        let flow = "本年新收政府信息公开申请2件，上年结转政府信息公开申请0件，办结2件，结转下年度继续办理0件。";
        none(t, flow);
        one(
            t,
            &flow.replace("结转政府信息公开申请0件", "结转政府信息公开申请1件"),
            &["apply.carried_in.total"],
            "0",
            "1",
        );
        one(
            t,
            &flow.replace("办结2件", "办结1件"),
            &["apply.handled_total.total"],
            "2",
            "1",
        );
        one(
            t,
            &flow.replace("继续办理0件", "继续办理1件"),
            &["apply.carried_out.total"],
            "0",
            "1",
        );
        one(
            t,
            "全年共收到政府信息公开申请2件，其中，自然人申请1件。",
            &["apply.received.natural"],
            "2",
            "1",
        );
        one(
            t,
            "收到政府信息公开申请2件，其中自然人1件。",
            &["apply.received.natural"],
            "2",
            "1",
        );
        one(
            t,
            "收到政府信息公开申请2件，其中自然人2件、法人或其他组织1件。",
            &[
                "apply.received.commercial",
                "apply.received.research",
                "apply.received.nonprofit",
                "apply.received.legal",
                "apply.received.other_org",
            ],
            "0",
            "1",
        );
        let docs = "本年度制发规章0件、行政规范性文件0件，废止行政规范性文件0件，现行有效行政规范性文件0件。";
        none(t, docs);
        one(
            t,
            &docs.replacen("文件0件", "文件2件", 1),
            &["active.normative.issued"],
            "0",
            "2",
        );
        one(
            t,
            &docs.replace("规章0件", "规章1件"),
            &["active.regulation.issued"],
            "0",
            "1",
        );
        one(
            t,
            &docs.replace("废止行政规范性文件0件", "废止行政规范性文件4件"),
            &["active.normative.repealed"],
            "0",
            "4",
        );
        one(
            t,
            &docs.replace("现行有效行政规范性文件0件", "现行有效行政规范性文件12件"),
            &["active.normative.in_force"],
            "0",
            "12",
        );
        let decisions = "全年作出行政许可决定0件，行政处罚决定3件、行政强制决定0件。";
        none(t, decisions);
        one(
            t,
            &decisions.replace("处罚决定3件", "处罚决定4件"),
            &["active.penalty.decisions"],
            "3",
            "4",
        );
        one(
            t,
            &decisions.replace("许可决定0件", "许可决定7件"),
            &["active.license.decisions"],
            "0",
            "7",
        );
        one(
            t,
            &decisions.replace("强制决定0件", "强制决定1件"),
            &["active.coercion.decisions"],
            "0",
            "1",
        );
        none(t, "本年度行政事业性收费0万元。");
        none(t, "本单位行政事业性收费金额为0。");
        one(
            &[("active.fee.amount_wan", 3.0)],
            "本单位行政事业性收费金额为0。",
            &["active.fee.amount_wan"],
            "3",
            "0",
        );
        one(
            t,
            "本年度收到政府信息公开申请数量为零。",
            &["apply.received.total"],
            "2",
            "0",
        );
        one(
            t,
            "本年度收取行政事业性收费1.5万元。",
            &["active.fee.amount_wan"],
            "0",
            "1.5",
        );
    }

    #[test]
    fn litigation_results_continue_their_group() {
        let t = &[
            ("review.upheld", 2.0),
            ("review.corrected", 1.0),
            ("review.total", 3.0),
            ("suit_direct.upheld", 1.0),
            ("suit_direct.total", 1.0),
            ("suit_after_review.pending", 1.0),
            ("suit_after_review.total", 1.0),
        ];
        let text =
            "政府信息公开行政复议3件，其中结果维持2件，结果纠正1件，其他结果0件，尚未审结0件；\
                    政府信息公开行政诉讼2件，其中结果维持1件，尚未审结1件。";
        none(t, text);
        one(
            t,
            &text.replace("结果纠正1件", "结果纠正2件"),
            &["review.corrected"],
            "1",
            "2",
        );
        one(
            t,
            &text.replace("尚未审结1件", "尚未审结3件"),
            &["suit_direct.pending", "suit_after_review.pending"],
            "1",
            "3",
        );
        one(
            t,
            "因政府信息公开被提起行政诉讼2件，其中复议后起诉2件。",
            &["suit_after_review.total"],
            "1",
            "2",
        );
        none(t, "因政府信息公开未经复议直接起诉的行政诉讼1件。");
        let explained =
            "本年度因政府信息公开申请答复被申请行政复议3件，复议结果为维持；被提起行政诉讼2件。";
        none(t, explained);
        one(
            t,
            &explained.replace("复议3件", "复议4件"),
            &["review.total"],
            "3",
            "4",
        );
        one(
            t,
            &explained.replace("诉讼2件", "诉讼1件"),
            &["suit_direct.total", "suit_after_review.total"],
            "2",
            "1",
        );
        let review =
            "全年因政府信息公开被申请行政复议3件，复议机关维持2件，纠正1件，尚在审理中0件。";
        none(t, review);
        one(
            t,
            &review.replace("尚在审理中0件", "尚在审理中1件"),
            &["review.pending"],
            "0",
            "1",
        );
    }

    #[test]
    fn true_sentences_with_traps_give_nothing() {
        // The seed's table, and sentences whose numbers are not its quantities, or are
        // about them in a way that cannot be tied to one field.
        let t = SEED_TABLE;
        for text in [
            "根据国办公开办函〔2021〕30号要求，结合第3次会议部署编制本报告。",
            "一、总体情况",
            "（二）依申请公开方面",
            "2023年，我镇收到政府信息公开申请5件。",
            "上年收到政府信息公开申请5件。",
            "去年同期受理政府信息公开申请8件。",
            "本年度收到政府信息公开申请较上年减少3件。",
            "收到政府信息公开申请2件，同比增长100%，占全县的5%。",
            "累计收到政府信息公开申请120件。",
            "共收到政府信息公开申请约10件。",
            "收到政府信息公开申请10余件。",
            "收到政府信息公开申请5件以上。",
            "收到政府信息公开申请3-5件。",
            "收到政府信息公开申请三至五件。",
            "收到涉及3个部门的政府信息公开申请。",
            "收到政府信息公开申请2件，其中1件予以公开。",
            "收到政府信息公开申请2件，涉及4个部门。",
            "收到自然人提出的政府信息公开申请7件。",
            "收到行政复议申请4件。",
            "政府信息公开行政复议、行政诉讼共3件。",
            "政府信息公开行政复议和行政诉讼各1件。",
            "政府信息公开行政复议、行政诉讼共1件。",
            "因政府信息公开被申请行政复议0件，本单位作为复议机关办理行政复议案件20件。",
            "因政府信息公开被申请行政复议0件，本局办理的行政复议案件中维持12件。",
            "受理行政许可申请120件。",
            "办理行政复议案件45件。",
            "本年受理行政处罚案件12起。",
            "行政许可事项25项，行政处罚3件。",
            "行政许可、行政处罚决定分别为5件、3件。",
            "制定规章制度5项。",
            "印发政策性文件11件。",
            "对3件规范性文件进行合法性审核。",
            "审核规范性文件6件。",
            "全年召开新闻发布会5次，政府网站访问量12万次，回复网民留言36条。",
            "本年度收取政府信息公开信息处理费0元。",
            "收取信息处理费0.1万元。",
            "罚没款5万元。",
            "2025年，我镇将力争受理政府信息公开申请10件。",
            "主动公开行政规范性文件3件。",
            "维持行政复议决定1件。",
            "全年办理政府信息公开申请6件。",
            "畅通依申请公开受理渠道3个。",
            "政府信息公开申请受理渠道3条。",
            "在门户网站公开行政处罚决定信息120条。",
            "行政复议机关3个。",
            "收到政府信息公开申请2件，办结各类申请事项30件。",
            "收到政府信息公开申请2件，其中按时答复1件。",
            "通过网上受理政府信息公开申请1件，当面受理1件。",
            "收到政府信息公开申请2件，办结2件，其中当场答复1件，按期答复1件。",
            "收到政府信息公开申请2件，其中涉及企业的1件。",
            "收到政府信息公开申请2件，县政府办办结1件。",
            "本年度制发行政规范性文件0件，各部门废止5件。",
            "作出行政处罚决定3件，行政强制措施2次。",
            "全县各部门共受理政府信息公开申请90件。",
            "上半年收到政府信息公开申请1件。",
            "2024年1-6月，共收到政府信息公开申请1件。",
            "第四季度受理政府信息公开申请1件。",
            "政府信息公开行政复议0件，法院判决1件尚未审结。",
            "因政府信息公开收到申请及行政复议共3件。",
            "收到政府信息公开申请和行政复议共3件。",
            "受理政府信息公开申请2件，已办结2件，办结5件次。",
            "全年共收到政府信息公开申请3件，其中1件为上年度结转。",
            "本单位2024年行政事业性收费金额为1200。",
            "邮编：223001，电话：0517-83605210。",
        ] {
            none(t, text);
        }
    }

    #[test]
    fn a_total_that_includes_the_carry_in_is_not_the_new_applications() {
        let t = &[
            ("apply.received.total", 15.0),
            ("apply.carried_in.total", 2.0),
            ("apply.handled_total.total", 17.0),
        ];
        none(t, "共收到政府信息公开申请17件（含上年结转2件），均已办结。");
        one(
            t,
            "共收到政府信息公开申请17件（含上年结转3件），均已办结。",
            &["apply.carried_in.total"],
            "2",
            "3",
        );
    }

    #[test]
    fn a_total_with_its_parts_after_it_is_not_judged_as_one_part() {
        let t = &[
            ("apply.received.total", 15.0),
            ("apply.carried_in.total", 2.0),
        ];
        none(
            t,
            "共收到政府信息公开申请17件，其中上年结转2件，本年新收15件。",
        );
        one(
            t,
            "共收到政府信息公开申请17件，其中上年结转2件，本年新收16件。",
            &["apply.received.total"],
            "15",
            "16",
        );
    }

    #[test]
    fn units_and_words_that_count_the_quantity() {
        let t = &[("active.regulation.issued", 1.0)];
        none(t, "本年度制定规章1部。");
        one(
            t,
            "本年度制定规章2部。",
            &["active.regulation.issued"],
            "1",
            "2",
        );
        // 个 counts channels, not applications, even after 申请.
        none(SEED_TABLE, "收到政府信息公开申请5个。");
    }

    #[test]
    fn numerals_in_any_form() {
        let t = SEED_TABLE;
        none(t, "收到政府信息公开申请两件。");
        none(t, "收到政府信息公开申请２件。");
        none(t, "收到政府信息公开申请 2 件。");
        none(t, "2024年1月1日至12月31日，共收到政府信息公开申请2件。");
        one(
            t,
            "截至2024年12月31日，共收到政府信息公开申请4件。",
            &["apply.received.total"],
            "2",
            "4",
        );
        none(t, "2024年依申请公开方面，共收到申请2件，全部按时答复。");
        one(
            t,
            "2024年依申请公开方面，共收到申请5件，全部按时答复。",
            &["apply.received.total"],
            "2",
            "5",
        );
        none(t, "全年共受理依申请公开事项２件，均在规定时限内答复。");
        one(
            t,
            "全年共受理依申请公开事项3件，均在规定时限内答复。",
            &["apply.received.total"],
            "2",
            "3",
        );
        one(
            t,
            "收到政府信息公开申请三件。",
            &["apply.received.total"],
            "2",
            "3",
        );
        one(
            t,
            "收到政府信息公开申请１２件。",
            &["apply.received.total"],
            "2",
            "12",
        );
        let t = &[("apply.received.total", 23.0)];
        none(t, "收到政府信息公开申请二十三件。");
        one(
            t,
            "收到政府信息公开申请十二件。",
            &["apply.received.total"],
            "23",
            "12",
        );
        assert_eq!(
            parse_hanzi(&"一百零五".chars().collect::<Vec<_>>()),
            Some(105.0)
        );
        assert_eq!(parse_hanzi(&"两".chars().collect::<Vec<_>>()), Some(2.0));
        assert_eq!(parse_hanzi(&"十".chars().collect::<Vec<_>>()), Some(10.0));
        assert_eq!(
            parse_hanzi(&"一千二百".chars().collect::<Vec<_>>()),
            Some(1200.0)
        );
        assert_eq!(
            parse_hanzi(&"三万五千".chars().collect::<Vec<_>>()),
            Some(35000.0)
        );
        assert_eq!(parse_hanzi(&"零".chars().collect::<Vec<_>>()), Some(0.0));
        assert_eq!(parse_hanzi(&"十四五".chars().collect::<Vec<_>>()), None);
        assert_eq!(parse_hanzi(&"千".chars().collect::<Vec<_>>()), None);
    }

    #[test]
    fn nothing_stated_is_zero() {
        let zero = &[];
        let text = "本年度未收到政府信息公开申请。";
        none(zero, text);
        one(SEED_TABLE, text, &["apply.received.total"], "2", "0");
        let everyone = "全年未收到公民、法人或其他组织提出的政府信息公开申请，\
                        无因政府信息公开引起的行政复议、行政诉讼案件。";
        none(zero, everyone);
        let found = check(
            &[("apply.received.total", 1.0), ("review.total", 1.0)],
            &[everyone],
        );
        assert_eq!(ids(&found), [["apply.received.total"], ["review.total"]]);
        none(
            &[("apply.received.total", 1.0)],
            "全年未收到法人或其他组织提出的政府信息公开申请。",
        );
        let text = "全年未发生因政府信息公开引起的行政复议、行政诉讼。";
        none(zero, text);
        let found = check(
            &[("review.total", 1.0), ("suit_direct.total", 1.0)],
            &[text],
        );
        assert_eq!(
            ids(&found),
            vec![
                vec!["review.total".to_string()],
                vec!["suit_direct.total".into(), "suit_after_review.total".into()]
            ]
        );
        assert!(
            found[0].message.contains("称“未发生”，即 0"),
            "{}",
            found[0].message
        );
        one(
            &[("review.total", 1.0)],
            "收到政府信息公开申请0件，申请人未提起行政复议。",
            &["review.total"],
            "1",
            "0",
        );
        one(
            &[("active.fee.amount_wan", 0.2)],
            "本单位未收取行政事业性收费。",
            &["active.fee.amount_wan"],
            "0.2",
            "0",
        );
        one(
            &[("active.normative.issued", 2.0)],
            "本年度未制发行政规范性文件。",
            &["active.normative.issued"],
            "2",
            "0",
        );
        let both = "本年度政府信息公开行政复议、行政诉讼均为0件。";
        none(zero, both);
        let found = check(&[("suit_after_review.total", 1.0)], &[both]);
        assert_eq!(
            ids(&found),
            [["suit_direct.total", "suit_after_review.total"]]
        );
        one(
            &[("review.total", 1.0)],
            "收到政府信息公开申请0件，均未引发行政复议。",
            &["review.total"],
            "1",
            "0",
        );
        // Not statements of zero about a table quantity.
        let t = &[
            ("apply.received.total", 3.0),
            ("review.total", 1.0),
            ("active.fee.amount_wan", 12.0),
        ];
        for text in [
            "本年度未收取信息处理费，无其他需要报告事项。",
            "发布内容经审核无误后由办公室定稿发布。",
            "申请人无正当理由逾期不补正。",
            "未收到申请人的投诉。",
            "确保全年未发生行政复议。",
            "力争无政府信息公开行政复议。",
            "无一起政府信息公开行政复议被纠正。",
            "上年未收到政府信息公开申请。",
            "本年度无行政处罚决定公开。",
            "无因政府信息公开申请被纠错的情况。",
            "未发生政府信息公开行政复议被纠正。",
            "未收到政府信息公开申请人的投诉。",
            "未发生行政复议、行政诉讼。",
        ] {
            none(t, text);
        }
    }

    #[test]
    fn fees_in_wan_yuan_with_decimals() {
        let t = &[("active.fee.amount_wan", 0.05)];
        none(t, "本年行政事业性收费0.05万元。");
        none(t, "本年行政事业性收费0.0500万元。");
        none(t, "本年收费金额０.０５万元。");
        one(
            t,
            "本年行政事业性收费0.06万元。",
            &["active.fee.amount_wan"],
            "0.05",
            "0.06",
        );
        // 元, not 万元: not judged (its rounding to 万元 is the unit's).
        none(t, "本年行政事业性收费600元。");
        none(t, "本年度行政事业性收费五万元。".replace("五", "").as_str());
        one(
            t,
            "本年度行政事业性收费五万元。",
            &["active.fee.amount_wan"],
            "0.05",
            "5",
        );
    }

    /// Excerpts typed in the style of real published narratives (not copied from any
    /// file): PDF line breaks inside words, spaces around numbers, a city's composite
    /// sentence of the whole flow of table 三 and the results of table 四.
    #[test]
    fn real_style_phrasing() {
        let t = &[
            ("apply.received.total", 120.0),
            ("apply.carried_in.total", 6.0),
            ("apply.handled_total.total", 110.0),
            ("apply.carried_out.total", 16.0),
            ("review.upheld", 5.0),
            ("review.corrected", 2.0),
            ("review.other", 3.0),
            ("review.pending", 1.0),
            ("review.total", 11.0),
            ("suit_direct.upheld", 2.0),
            ("suit_direct.total", 2.0),
            ("suit_after_review.upheld", 1.0),
            ("suit_after_review.pending", 1.0),
            ("suit_after_review.total", 2.0),
            ("active.regulation.issued", 1.0),
            ("active.normative.issued", 4.0),
        ];
        let text = "（二）依申请办理情况。加强与申请人沟通。2024 年，全县共受理政府信息公开申请 120 件，答\n复 110 件（含上年度结转申请 6 件，另有 16 件顺延到下年度答复），全部依法按时办理。政府信息公开行政复议 11\n件，其中结果维持 5 件，结果纠正 2 件，其他结果 3 件，尚未审结 1 件；政府信息公开行政诉讼 4 件，其中结果维持 3 件，尚未审结 1 件。";
        none(t, text);
        one(
            t,
            &text.replace("另有 16 件", "另有 15 件"),
            &["apply.carried_out.total"],
            "16",
            "15",
        );
        one(
            t,
            &text.replace("答\n复 110 件", "答\n复 111 件"),
            &["apply.handled_total.total"],
            "110",
            "111",
        );
        one(
            t,
            &text.replace("上年度结转申请 6 件", "上年度结转申请 7 件"),
            &["apply.carried_in.total"],
            "6",
            "7",
        );
        one(
            t,
            &text.replace("其他结果 3 件", "其他结果 4 件"),
            &["review.other"],
            "3",
            "4",
        );
        one(
            t,
            &text.replace("行政诉讼 4 件", "行政诉讼 5 件"),
            &["suit_direct.total", "suit_after_review.total"],
            "4",
            "5",
        );
        // New regulations beside 政策性文件, which are not table 二's 行政规范性文件.
        none(
            t,
            "全年新增公开县政府规章 1 件、县政府办政策性文件 9 件，以图解、视频等形式解读政策 17 个，举办新闻发布会 6 场。",
        );
        none(
            t,
            "截至年底，全县运维政务新媒体账号共计 41 个，抽查合格率 100%。",
        );
        none(
            t,
            "按照《政府信息公开信息处理费管理办法》，本年收取信息处理费 1260 元。",
        );
        // The office acting for the government counts its own share: the table may count
        // more (the real 洪泽区 2024 report: 17 in the text, 95 in the table). Not judged.
        none(
            t,
            "2024 年，县政府办公室代县政府受理政府信息公开申请 17 件，都已按期答复。",
        );
        one(
            t,
            "2024年本县受理政府\n信息公开申请 21 件，均按时回复。",
            &["apply.received.total"],
            "120",
            "21",
        );
        none(t, "本年度新制发行政规范性文件4件，制定规章1件。");
    }

    #[test]
    fn the_rule_is_registered_and_run() {
        let r = crate::check::rule("TEXT.MISMATCH").expect("registered");
        assert_eq!(r.severity, Some(crate::check::Severity::Warning));
        assert!(
            r.doc.example.contains("收到") && r.doc.what.contains("宁可漏判"),
            "{}",
            r.doc.example
        );
        let values = with(&[("apply.received.total", 3.0)]);
        let narrative = paragraphs(&["本年度共收到政府信息公开申请2件。"]);
        let report = Report {
            narrative: &narrative,
            ..report_of(&values)
        };
        let settings = crate::settings::Settings::default();
        let found: Vec<_> = crate::check::check_report(&report, &settings)
            .into_iter()
            .filter(|(_, f)| f.rule == "TEXT.MISMATCH")
            .collect();
        assert_eq!(found.len(), 1);
        let silent = report_of(&values);
        assert!(crate::check::check_report(&silent, &settings)
            .iter()
            .all(|(_, f)| f.rule != "TEXT.MISMATCH"));
    }
}
