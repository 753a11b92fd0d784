//! The 200 numbers of one annual report (国办公开办函〔2021〕30号), defined once.
//!
//! Everything else derives from the three table definitions below: the field ids and labels
//! written to `normalized.csv`, the label matchers the locator uses to find each row and
//! column in a hand-filled submission, the rules, and the official layout of the writers.
//! `tests/schema.rs` checks the derived list against `fields.csv` of the specification.

use std::sync::LazyLock;

use crate::text::Searchable;

/// How a label in a submission is recognised, applied to its [`crate::text::core`] form
/// (width-folded, whitespace and parenthesised notes removed, enumerators like `（一）` or
/// `1.` stripped).
#[derive(Debug, Clone, Copy)]
pub enum Matcher {
    /// The core label contains any of these.
    Contains(&'static [&'static str]),
    /// The core label is exactly one of these (for short, ambiguous words like 其他, 总计).
    Exact(&'static [&'static str]),
}

impl Matcher {
    pub fn matches(&self, core: &str) -> bool {
        self.matches_in(&Searchable::new(core))
    }

    /// [`Self::matches`], for a label asked about many matchers.
    pub fn matches_in(&self, core: &Searchable) -> bool {
        match self {
            Matcher::Contains(keys) => keys.iter().any(|k| core.contains(k)),
            Matcher::Exact(keys) => keys.contains(&core.as_str()),
        }
    }
}

/// A labelled row or column of one of the tables.
#[derive(Debug)]
pub struct Part {
    /// The id segment (`received`, `natural`, …).
    pub key: &'static str,
    /// The official label; `/` separates the levels of a merged header.
    pub label: &'static str,
    pub matcher: Matcher,
}

const fn part(key: &'static str, label: &'static str, matcher: Matcher) -> Part {
    Part {
        key,
        label,
        matcher,
    }
}

use Matcher::{Contains, Exact};

pub const ACTIVE_TABLE: &str = "二、主动公开政府信息情况";
pub const APPLY_TABLE: &str = "三、收到和处理政府信息公开申请情况";
pub const LITIGATION_TABLE: &str = "四、政府信息公开行政复议、行政诉讼情况";

/// Table 二: one item (a row) with its own columns, under a 第二十条 group.
#[derive(Debug)]
pub struct ActiveItem {
    pub row: Part,
    pub group: &'static str,
    pub columns: &'static [Part],
}

const DOCUMENT_COLUMNS: &[Part] = &[
    part("issued", "本年制发件数", Contains(&["制发"])),
    part("repealed", "本年废止件数", Contains(&["废止"])),
    part("in_force", "现行有效件数", Contains(&["现行有效"])),
];
const DECISION_COLUMNS: &[Part] = &[part(
    "decisions",
    "本年处理决定数量",
    Contains(&["处理决定"]),
)];
const FEE_COLUMNS: &[Part] = &[part(
    "amount_wan",
    "本年收费金额（单位：万元）",
    Contains(&["收费金额"]),
)];

pub const ACTIVE_ITEMS: &[ActiveItem] = &[
    ActiveItem {
        row: part("regulation", "规章", Exact(&["规章"])),
        group: "第二十条第（一）项",
        columns: DOCUMENT_COLUMNS,
    },
    ActiveItem {
        row: part(
            "normative",
            "行政规范性文件",
            Exact(&["行政规范性文件", "规范性文件"]),
        ),
        group: "第二十条第（一）项",
        columns: DOCUMENT_COLUMNS,
    },
    ActiveItem {
        row: part("license", "行政许可", Exact(&["行政许可"])),
        group: "第二十条第（五）项",
        columns: DECISION_COLUMNS,
    },
    ActiveItem {
        row: part("penalty", "行政处罚", Exact(&["行政处罚"])),
        group: "第二十条第（六）项",
        columns: DECISION_COLUMNS,
    },
    ActiveItem {
        row: part("coercion", "行政强制", Exact(&["行政强制"])),
        group: "第二十条第（六）项",
        columns: DECISION_COLUMNS,
    },
    ActiveItem {
        row: part(
            "fee",
            "行政事业性收费",
            Exact(&["行政事业性收费", "行政事业性收费项目"]),
        ),
        group: "第二十条第（八）项",
        columns: FEE_COLUMNS,
    },
];

/// Table 三 rows, top to bottom. Matchers see the core of one label cell, in which a
/// flattened `（三）不予公开1.属于国家秘密` has already been cut to `属于国家秘密`.
pub const APPLY_ROWS: &[Part] = &[
    part(
        "received",
        "一、本年新收政府信息公开申请数量",
        Contains(&["本年新收"]),
    ),
    part(
        "carried_in",
        "二、上年结转政府信息公开申请数量",
        Contains(&["上年结转"]),
    ),
    part(
        "granted",
        "三、本年度办理结果/（一）予以公开",
        Contains(&["予以公开"]),
    ),
    part(
        "partial",
        "三、本年度办理结果/（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        Contains(&["部分公开"]),
    ),
    part(
        "denied_secret",
        "三、本年度办理结果/（三）不予公开/1.属于国家秘密",
        Contains(&["国家秘密"]),
    ),
    part(
        "denied_law",
        "三、本年度办理结果/（三）不予公开/2.其他法律行政法规禁止公开",
        Contains(&["法规禁止", "禁止公开"]),
    ),
    part(
        "denied_safety",
        "三、本年度办理结果/（三）不予公开/3.危及“三安全一稳定”",
        Contains(&["三安全一稳定", "危及"]),
    ),
    part(
        "denied_third_party",
        "三、本年度办理结果/（三）不予公开/4.保护第三方合法权益",
        Contains(&["第三方"]),
    ),
    part(
        "denied_internal",
        "三、本年度办理结果/（三）不予公开/5.属于三类内部事务信息",
        Contains(&["内部事务"]),
    ),
    part(
        "denied_process",
        "三、本年度办理结果/（三）不予公开/6.属于四类过程性信息",
        Contains(&["过程性"]),
    ),
    part(
        "denied_enforcement",
        "三、本年度办理结果/（三）不予公开/7.属于行政执法案卷",
        Contains(&["执法案卷"]),
    ),
    part(
        "denied_query",
        "三、本年度办理结果/（三）不予公开/8.属于行政查询事项",
        Contains(&["查询事项"]),
    ),
    part(
        "unable_not_held",
        "三、本年度办理结果/（四）无法提供/1.本机关不掌握相关政府信息",
        Contains(&["不掌握"]),
    ),
    part(
        "unable_needs_creation",
        "三、本年度办理结果/（四）无法提供/2.没有现成信息需要另行制作",
        Contains(&["另行制作"]),
    ),
    part(
        "unable_unclear",
        "三、本年度办理结果/（四）无法提供/3.补正后申请内容仍不明确",
        Contains(&["不明确"]),
    ),
    part(
        "rejected_petition",
        "三、本年度办理结果/（五）不予处理/1.信访举报投诉类申请",
        Contains(&["信访"]),
    ),
    part(
        "rejected_duplicate",
        "三、本年度办理结果/（五）不予处理/2.重复申请",
        Contains(&["重复申请"]),
    ),
    part(
        "rejected_publication",
        "三、本年度办理结果/（五）不予处理/3.要求提供公开出版物",
        Contains(&["出版物"]),
    ),
    part(
        "rejected_abusive",
        "三、本年度办理结果/（五）不予处理/4.无正当理由大量反复申请",
        Contains(&["大量反复"]),
    ),
    part(
        "rejected_confirm",
        "三、本年度办理结果/（五）不予处理/5.要求行政机关确认或重新出具已获取信息",
        Contains(&["重新出具"]),
    ),
    part(
        "other_no_correction",
        "三、本年度办理结果/（六）其他处理/1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        Contains(&["不补正"]),
    ),
    part(
        "other_no_fee",
        "三、本年度办理结果/（六）其他处理/2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        Contains(&["缴纳费用", "收费通知"]),
    ),
    part(
        "other_other",
        "三、本年度办理结果/（六）其他处理/3.其他",
        Exact(&["其他"]),
    ),
    part(
        "handled_total",
        "三、本年度办理结果/（七）总计",
        Exact(&["总计", "合计"]),
    ),
    part(
        "carried_out",
        "四、结转下年度继续办理",
        Contains(&["结转下年度", "下年度继续办理"]),
    ),
];

/// Table 三 columns, left to right: the applicant types, then the total.
pub const APPLY_COLUMNS: &[Part] = &[
    part("natural", "自然人", Contains(&["自然人"])),
    part(
        "commercial",
        "法人或其他组织/商业企业",
        Contains(&["商业企业"]),
    ),
    part(
        "research",
        "法人或其他组织/科研机构",
        Contains(&["科研机构"]),
    ),
    part(
        "nonprofit",
        "法人或其他组织/社会公益组织",
        Contains(&["公益组织"]),
    ),
    part(
        "legal",
        "法人或其他组织/法律服务机构",
        Contains(&["法律服务"]),
    ),
    part("other_org", "法人或其他组织/其他", Exact(&["其他"])),
    part("total", "总计", Exact(&["总计", "合计"])),
];

/// Table 四: three groups of the same five columns.
pub const LITIGATION_GROUPS: &[Part] = &[
    part("review", "行政复议", Exact(&["行政复议"])),
    part(
        "suit_direct",
        "行政诉讼/未经复议直接起诉",
        Contains(&["直接起诉"]),
    ),
    part(
        "suit_after_review",
        "行政诉讼/复议后起诉",
        Contains(&["复议后起诉"]),
    ),
];

pub const LITIGATION_COLUMNS: &[Part] = &[
    part("upheld", "结果维持", Exact(&["结果维持", "维持"])),
    part("corrected", "结果纠正", Exact(&["结果纠正", "纠正"])),
    part("other", "其他结果", Exact(&["其他结果"])),
    part("pending", "尚未审结", Exact(&["尚未审结"])),
    part("total", "总计", Exact(&["总计", "合计"])),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A whole number of documents, decisions or cases.
    Count,
    /// The fee, a decimal amount in units of 10,000 yuan.
    AmountWan,
}

impl Kind {
    /// As the specification's fields.csv names it in its `kind` column.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Count => "count",
            Kind::AmountWan => "amount_wan",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableId {
    Active,
    Apply,
    Litigation,
}

impl TableId {
    pub fn title(self) -> &'static str {
        match self {
            TableId::Active => ACTIVE_TABLE,
            TableId::Apply => APPLY_TABLE,
            TableId::Litigation => LITIGATION_TABLE,
        }
    }
}

/// One of the 200 numbers, as `fields.csv` describes it.
#[derive(Debug)]
pub struct Field {
    pub id: String,
    pub table: TableId,
    pub group: &'static str,
    pub row_label: &'static str,
    pub col_label: &'static str,
    pub kind: Kind,
}

/// A field's position in [`fields`]: the index every per-submission array uses.
pub type FieldIdx = usize;

pub struct Schema {
    pub fields: Vec<Field>,
}

static SCHEMA: LazyLock<Schema> = LazyLock::new(build);

fn build() -> Schema {
    let mut fields = Vec::with_capacity(200);
    for item in ACTIVE_ITEMS {
        for col in item.columns {
            fields.push(Field {
                id: format!("active.{}.{}", item.row.key, col.key),
                table: TableId::Active,
                group: item.group,
                row_label: item.row.label,
                col_label: col.label,
                kind: if col.key == "amount_wan" {
                    Kind::AmountWan
                } else {
                    Kind::Count
                },
            });
        }
    }
    for row in APPLY_ROWS {
        for col in APPLY_COLUMNS {
            fields.push(Field {
                id: format!("apply.{}.{}", row.key, col.key),
                table: TableId::Apply,
                group: "",
                row_label: row.label,
                col_label: col.label,
                kind: Kind::Count,
            });
        }
    }
    for group in LITIGATION_GROUPS {
        for col in LITIGATION_COLUMNS {
            fields.push(Field {
                id: format!("{}.{}", group.key, col.key),
                table: TableId::Litigation,
                group: group.label,
                row_label: "",
                col_label: col.label,
                kind: Kind::Count,
            });
        }
    }
    Schema { fields }
}

/// All 200 fields in `fields.csv` order.
pub fn fields() -> &'static [Field] {
    &SCHEMA.fields
}

pub const FIELD_COUNT: usize = 200;

/// A field as a person names it: 表三“1.属于国家秘密 商业企业”.
pub fn display_name(f: FieldIdx) -> String {
    let field = &fields()[f];
    let last = |s: &'static str| s.rsplit('/').next().unwrap_or(s);
    let place: Vec<&str> = [
        last(field.group),
        last(field.row_label),
        last(field.col_label),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect();
    let table = field.table.title().split('、').next().unwrap_or("");
    format!("表{table}“{}”", place.join(" "))
}

/// A row of table 三 named for messages: 「（三）不予公开 1.属于国家秘密」 rather than its
/// full path.
pub fn apply_row_name(r: usize) -> String {
    let label = APPLY_ROWS[r].label;
    let parts: Vec<&str> = label.split('/').collect();
    let shown = if parts.len() > 1 {
        &parts[1..]
    } else {
        &parts[..]
    };
    shown
        .join(" ")
        .replace("（区分处理的，只计这一情形，不计其他情形）", "")
}

/// A column of table 三 named for messages: its last level, without the headers above it.
pub fn apply_col_name(c: usize) -> &'static str {
    let label = APPLY_COLUMNS[c].label;
    label.rsplit('/').next().unwrap_or(label)
}

/// Index of a field the code names by id; the id must be one of the schema's.
pub fn field(id: &str) -> FieldIdx {
    index_of(id).unwrap_or_else(|| panic!("{id} is not a field of the schema"))
}

/// The row of table 三 with this key.
pub fn apply_row(key: &str) -> usize {
    APPLY_ROWS
        .iter()
        .position(|r| r.key == key)
        .expect("a row of table 三")
}

/// Index of a field by its id: the long CSV form names a field a row.
pub fn index_of(id: &str) -> Option<FieldIdx> {
    static BY_ID: LazyLock<foldhash::HashMap<&'static str, FieldIdx>> = LazyLock::new(|| {
        fields()
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id.as_str(), i))
            .collect()
    });
    BY_ID.get(id).copied()
}

/// Index of `active.<item>.<col>`: items and columns in definition order.
pub fn active_index(item: usize, col: usize) -> FieldIdx {
    ACTIVE_ITEMS[..item]
        .iter()
        .map(|i| i.columns.len())
        .sum::<usize>()
        + col
}

/// Index of `apply.<row>.<col>`.
pub fn apply_index(row: usize, col: usize) -> FieldIdx {
    active_columns() + row * APPLY_COLUMNS.len() + col
}

/// Index of `<group>.<col>` in table 四.
pub fn litigation_index(group: usize, col: usize) -> FieldIdx {
    active_columns()
        + APPLY_ROWS.len() * APPLY_COLUMNS.len()
        + group * LITIGATION_COLUMNS.len()
        + col
}

/// A labelled part of the three tables, numbered from 0 to [`PartId::COUNT`]: what a label
/// names can be kept as bits. Table 二's rows, then its columns item by item, table 三's
/// rows and columns, table 四's groups and columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartId {
    /// An item of table 二, by its place in [`ACTIVE_ITEMS`].
    ActiveRow(usize),
    /// A column of an item of table 二: the item, the column.
    ActiveColumn(usize, usize),
    ApplyRow(usize),
    ApplyColumn(usize),
    LitigationGroup(usize),
    LitigationColumn(usize),
}

impl PartId {
    const ACTIVE_COLUMNS_AT: usize = ACTIVE_ITEMS.len();
    const APPLY_ROWS_AT: usize = Self::ACTIVE_COLUMNS_AT + active_columns();
    const APPLY_COLUMNS_AT: usize = Self::APPLY_ROWS_AT + APPLY_ROWS.len();
    const LITIGATION_GROUPS_AT: usize = Self::APPLY_COLUMNS_AT + APPLY_COLUMNS.len();
    const LITIGATION_COLUMNS_AT: usize = Self::LITIGATION_GROUPS_AT + LITIGATION_GROUPS.len();
    pub const COUNT: usize = Self::LITIGATION_COLUMNS_AT + LITIGATION_COLUMNS.len();

    /// Every part, in the order of their numbers.
    pub fn all() -> impl Iterator<Item = PartId> {
        let active_rows = (0..ACTIVE_ITEMS.len()).map(PartId::ActiveRow);
        let active_columns = ACTIVE_ITEMS.iter().enumerate().flat_map(|(item, i)| {
            (0..i.columns.len()).map(move |col| PartId::ActiveColumn(item, col))
        });
        active_rows
            .chain(active_columns)
            .chain((0..APPLY_ROWS.len()).map(PartId::ApplyRow))
            .chain((0..APPLY_COLUMNS.len()).map(PartId::ApplyColumn))
            .chain((0..LITIGATION_GROUPS.len()).map(PartId::LitigationGroup))
            .chain((0..LITIGATION_COLUMNS.len()).map(PartId::LitigationColumn))
    }

    pub fn number(self) -> usize {
        match self {
            PartId::ActiveRow(i) => i,
            // A column's field is numbered as the columns are, from table 二's first.
            PartId::ActiveColumn(item, col) => Self::ACTIVE_COLUMNS_AT + active_index(item, col),
            PartId::ApplyRow(i) => Self::APPLY_ROWS_AT + i,
            PartId::ApplyColumn(i) => Self::APPLY_COLUMNS_AT + i,
            PartId::LitigationGroup(i) => Self::LITIGATION_GROUPS_AT + i,
            PartId::LitigationColumn(i) => Self::LITIGATION_COLUMNS_AT + i,
        }
    }

    pub fn part(self) -> &'static Part {
        match self {
            PartId::ActiveRow(i) => &ACTIVE_ITEMS[i].row,
            PartId::ActiveColumn(item, col) => &ACTIVE_ITEMS[item].columns[col],
            PartId::ApplyRow(i) => &APPLY_ROWS[i],
            PartId::ApplyColumn(i) => &APPLY_COLUMNS[i],
            PartId::LitigationGroup(i) => &LITIGATION_GROUPS[i],
            PartId::LitigationColumn(i) => &LITIGATION_COLUMNS[i],
        }
    }
}

/// The columns of table 二's items, all told.
const fn active_columns() -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < ACTIVE_ITEMS.len() {
        n += ACTIVE_ITEMS[i].columns.len();
        i += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_numbered_in_order_once_each() {
        let numbers: Vec<usize> = PartId::all().map(PartId::number).collect();
        assert_eq!(numbers, (0..PartId::COUNT).collect::<Vec<_>>());
        assert_eq!(
            PartId::ActiveColumn(5, 0).part().label,
            FEE_COLUMNS[0].label
        );
        assert_eq!(PartId::LitigationColumn(4).number(), PartId::COUNT - 1);
    }

    #[test]
    fn index_helpers_agree_with_the_field_list() {
        assert_eq!(fields().len(), FIELD_COUNT);
        assert_eq!(fields()[active_index(5, 0)].id, "active.fee.amount_wan");
        assert_eq!(fields()[apply_index(0, 0)].id, "apply.received.natural");
        assert_eq!(fields()[apply_index(24, 6)].id, "apply.carried_out.total");
        assert_eq!(
            fields()[litigation_index(2, 4)].id,
            "suit_after_review.total"
        );
        assert_eq!(index_of("review.pending"), Some(litigation_index(0, 3)));
    }
}
