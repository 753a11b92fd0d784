//! Stage 5: the consistency rules (勾稽关系) of FORMAT.md. Rules read normalized data, never
//! files. Each is a small function named after its id, registered once in [`RULES`] with its
//! severity and its documentation (`nianbao rules ID` prints it).

mod county;
mod identities;
pub mod ids;
mod narrative;
mod plausibility;
pub mod review;
mod totals;
mod values;
mod xyear;

use rayon::prelude::*;
use serde::Serialize;

use crate::grid::{Location, Paragraph};
use crate::locate::{Claim, MissingPart, TwiceLine};
use crate::normalize::{Submission, Values};
use crate::prior::{Prior, PriorReport};
use crate::roster::Roster;
use crate::schema::FieldIdx;
use crate::settings::{Settings, Thresholds};

pub use county::{FileCopy, UnreadableFile};
pub use review::{Decision, Review, ReviewOutcome, Status, StatusCounts};
pub use totals::{check_totals, TOTALS_SOURCE};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// The word a person reads: on the pages, in rollup.xlsx's 异常清单, in `check`'s
    /// output. anomalies.csv keeps [`Severity::name`], which analysts filter on.
    pub fn zh(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
            Severity::Info => "提示",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

/// One report as the rules see it: a unit's submission, or the county's or a unit type's
/// totals (`totals.rs`).
pub struct Report<'a> {
    pub values: &'a Values,
    /// The names of the sheets the values' cells are on.
    pub sheets: &'a [std::sync::Arc<str>],
    pub missing: &'a [MissingPart],
    pub old_format: &'a [Claim],
    /// The report's narrative, when the file has one.
    pub narrative: &'a [Paragraph],
    /// Rows or columns found twice with different numbers.
    pub twice: &'a [TwiceLine],
    /// The same unit's numbers of last year, when `--prior` has them.
    pub prior: Option<&'a PriorReport>,
    pub thresholds: &'a Thresholds,
}

impl<'a> Report<'a> {
    /// Values alone, nothing else known of them (the totals, a test), to be completed with
    /// struct update syntax where more is.
    pub fn of(values: &'a Values, thresholds: &'a Thresholds) -> Report<'a> {
        Report {
            values,
            sheets: &[],
            missing: &[],
            old_format: &[],
            narrative: &[],
            twice: &[],
            prior: None,
            thresholds,
        }
    }

    /// Where a field's value was read, for a finding's location.
    pub fn location(&self, f: FieldIdx) -> Option<Location> {
        self.values.at(f).map(|at| at.location(self.sheets))
    }
}

/// What a rule found, before it is attached to a unit and a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: &'static str,
    /// The cell to look at: the wrong total, the unreadable value, …
    pub location: Option<Location>,
    /// Every field the rule read.
    pub fields: FieldList,
    /// What the identity derives, or what the rule wanted.
    pub expected: String,
    /// What the unit entered.
    pub actual: String,
    /// The finding in plain Chinese.
    pub message: String,
}

/// The fields a finding names, in the rule's order, a byte each: a province's anomalies
/// name millions of fields (VALUE.BLANK lists every blank cell of a report).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldList(Vec<u8>);

const _: () = assert!(
    crate::schema::FIELD_COUNT <= 256,
    "a field index fits a byte"
);

impl FieldList {
    pub fn iter(&self) -> impl Iterator<Item = FieldIdx> + '_ {
        self.0.iter().map(|&f| usize::from(f))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<FieldIdx>> for FieldList {
    fn from(fields: Vec<FieldIdx>) -> Self {
        FieldList(
            fields
                .into_iter()
                .map(|f| u8::try_from(f).expect("a field index"))
                .collect(),
        )
    }
}

/// A finding attached to its unit and file, as `anomalies.csv` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Anomaly {
    pub severity: Severity,
    pub rule: &'static str,
    pub unit_id: String,
    pub unit_name: String,
    pub source_file: String,
    /// The year of the report it is about; for the county's rules and the totals, the year
    /// rolled up.
    pub year: Option<i32>,
    pub finding: Finding,
    /// The stable id ([`ids`]), given once the list is complete ([`ids::assign`]).
    pub id: String,
    /// The auditor's decision on it (待处理 when none).
    pub review: Decision,
    /// A total's anomaly that only repeats problems of the units' own reports (listed, so
    /// the county's figure is explained, but not counted again).
    pub repeats_units: bool,
}

impl Anomaly {
    /// Still to count as an error or warning: not marked 误报 or 已说明.
    pub fn is_open(&self) -> bool {
        !self.review.status.dismissed()
    }

    /// Counted among the run's errors and warnings: open, and a problem of its own.
    pub fn counts(&self) -> bool {
        self.is_open() && !self.repeats_units
    }
}

/// How a rule is run.
pub enum Scope {
    /// Over one report at a time.
    Report(fn(&Report) -> Vec<Finding>),
    /// Over the whole county: files, roster, years (see `county.rs`).
    County,
}

pub struct Rule {
    pub id: &'static str,
    /// `None`: not checked (yet).
    pub severity: Option<Severity>,
    /// Needs last year's data (`--prior`); skipped without it.
    pub needs_prior: bool,
    /// Also checked on the county's and each unit type's totals.
    pub on_totals: bool,
    pub scope: Scope,
    /// One line in Chinese and one in English, for `nianbao rules`.
    pub zh: &'static str,
    pub en: &'static str,
    /// What it checks, why it matters, an example.
    pub doc: &'static str,
}

use Severity::{Error, Info, Warning};

pub const RULES: &[Rule] = &[
    Rule {
        id: "T3.ROW_TOTAL",
        severity: Some(Error),
        on_totals: true,
        needs_prior: false,
        scope: Scope::Report(identities::t3_row_total),
        zh: "表三每行的总计等于六类申请人之和",
        en: "in table 三, every row's 总计 is the sum of its six applicant columns",
        doc: "What: for each of the 25 rows of table 三, 总计 = 自然人 + the five kinds of 法人或其他组织.\n\
              Why: the county adds the 总计 column; a row total that is not the sum of its parts\n\
              makes the county's totals disagree with its own details.\n\
              Example: 一、本年新收 with 自然人 10, 商业企业 2 and 总计 11: expected 12, actual 11.",
    },
    Rule {
        id: "T3.RESULT_TOTAL",
        severity: Some(Error),
        on_totals: true,
        needs_prior: false,
        scope: Scope::Report(identities::t3_result_total),
        zh: "表三每列的（七）总计等于 21 项办理结果之和",
        en: "in every column of table 三, (七)总计 is the sum of the 21 outcome rows",
        doc: "What: in each of the 7 columns, 三(七)总计 = (一) + (二) + (三)1–8 + (四)1–3 + (五)1–5 + (六)1–3.\n\
              Why: every application handled has exactly one outcome; a total that differs means an\n\
              outcome was left out, counted twice, or the total was typed by hand.\n\
              Example: 自然人 with 予以公开 5 and 部分公开 1 and nothing else, but (七)总计 5.",
    },
    Rule {
        id: "T3.BALANCE",
        severity: Some(Error),
        on_totals: true,
        needs_prior: false,
        scope: Scope::Report(identities::t3_balance),
        zh: "表三每列：一 + 二 = 三（七）总计 + 四",
        en: "in every column of table 三, 一 + 二 = 三(七)总计 + 四",
        doc: "What: the note printed under table 三: new applications plus those carried in from last\n\
              year equal those handled plus those carried over to next year, in every column.\n\
              Why: an application cannot appear or vanish; a broken balance is a miscount.\n\
              Example: 本年新收 10, 上年结转 2, (七)总计 9, 结转下年度 1: 12 ≠ 10.",
    },
    Rule {
        id: "T4.TOTAL",
        severity: Some(Error),
        on_totals: true,
        needs_prior: false,
        scope: Scope::Report(identities::t4_total),
        zh: "表四每组的总计等于维持、纠正、其他、尚未审结之和",
        en: "in each group of table 四, 总计 = 维持 + 纠正 + 其他 + 尚未审结",
        doc: "What: for 行政复议, 未经复议直接起诉 and 复议后起诉, 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结.\n\
              Why: every case has exactly one state at the year's end.\n\
              Example: 行政复议 维持 1, 纠正 1, 总计 3.",
    },
    Rule {
        id: "VALUE.NEGATIVE",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(values::value_negative),
        zh: "数值不能为负",
        en: "no number is negative",
        doc: "What: every one of the 200 numbers is ≥ 0.\n\
              Why: they count documents, decisions, applications and cases, or an amount of fees.\n\
              Example: 行政处罚 -3.",
    },
    Rule {
        id: "VALUE.NOT_INTEGER",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(values::value_not_integer),
        zh: "件数必须是整数（只有收费金额可以有小数）",
        en: "counts are whole numbers (only the fee amount may have decimals)",
        doc: "What: every count is a whole number; only 行政事业性收费 (万元) may have decimals.\n\
              Why: a fraction of an application is a typing error, often a fee typed in the wrong row.\n\
              Example: 行政许可 12.5.",
    },
    Rule {
        id: "VALUE.NOT_NUMBER",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(values::value_not_number),
        zh: "单元格是文字而不是数字，该值未知，不计入汇总",
        en: "a cell holds text that is not a number; the field stays unknown, not 0",
        doc: "What: a value cell holds text that is not a number (约5, 3件, 1200元, a formula that\n\
              cannot be computed).\n\
              Why: nianbao never guesses; the field is left empty, adds nothing to the county's\n\
              totals, and the identities that need it are not checked.\n\
              Example: 自然人 本年新收 “约5”.",
    },
    Rule {
        id: "VALUE.BLANK",
        severity: Some(Info),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(values::value_blank),
        zh: "单元格为空或为占位符（—、-、/、无），按 0 计",
        en: "a cell is empty or holds a dash-like placeholder (—, -, /, 无); read as 0",
        doc: "What: value cells left empty or holding —, -, /, 无. One row per submission lists them all.\n\
              Why: most units mean 0, and they are read as 0; the list lets the office confirm it.\n\
              Example: 行政强制 “—”.",
    },
    Rule {
        id: "FIELD.MISSING",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(values::field_missing),
        zh: "报告缺少格式中的某一行、某一列或整张表",
        en: "a row, column or whole table of the format is not in the submission",
        doc: "What: the labels of a row, a column or a whole table of the format were not found.\n\
              Why: its fields are unknown (empty in normalized.csv) and add nothing to the totals.\n\
              Example: table 三 without the row 8.属于行政查询事项; a file without table 四.",
    },
    Rule {
        id: "FIELD.TWICE",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(values::field_twice),
        zh: "表中同一行或同一列出现了两次，且数字不同",
        en: "a row or column of a table appears twice among the visible cells, with different numbers",
        doc: "What: 表中可见的单元格里，同一行标签（如“一、本年新收政府信息公开申请数量”）或同一列标签\n\
              （如“总计”）出现了两次，两处的数字不同。读取第一处，另一处不读；两处都在本条中列出。\n\
              （隐藏的行、列不在此列：有可见的同名行列时，隐藏的不读。）\n\
              Why: 多出的一处常是上一年的数字或草稿，哪一处是本年的只有填报单位知道。\n\
              Example: 表三中两行“二、上年结转政府信息公开申请数量”，一行 3，一行 5。",
    },
    Rule {
        id: "FORMAT.OLD",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(values::format_old),
        zh: "使用了 2019 年试行格式",
        en: "the submission uses the 2019 trial format",
        doc: "What: labels of the 2019 trial format: 本年新制作数量, 本年新公开数量, 对外公开总数量,\n\
              政府集中采购, or a one-row （六）其他处理 with numbers in it.\n\
              Why: the 2019 tables do not map onto the 2021 fields; the unit must refill the current template.\n\
              Example: table 二 with the columns 本年新制作数量 / 本年新公开数量 / 对外公开总数量.",
    },
    Rule {
        id: "T2.REGULATION_LEVEL",
        severity: Some(Warning),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(plausibility::t2_regulation_level),
        zh: "乡镇或县直部门报了规章（只有省、市政府制定规章）",
        en: "a township or county department reports 规章: only provincial and city governments make them",
        doc: "What: any of 规章 本年制发 / 本年废止 / 现行有效 is above 0.\n\
              Why: county-level units cannot make 规章; the numbers belong in 行政规范性文件.\n\
              Example: 规章 本年制发件数 2.",
    },
    Rule {
        id: "T2.FEE_UNIT",
        severity: Some(Warning),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(plausibility::t2_fee_unit),
        zh: "收费金额像是按元而不是按万元填写",
        en: "the fee looks entered in 元, not 万元",
        doc: "What: 行政事业性收费 above `fee_wan_max` 万元 (default 1000, set in nianbao.toml), or a\n\
              fee cell that says 元 without 万.\n\
              Why: the column is in 万元; a fee typed in 元 is 10,000 times too large in the county total.\n\
              Example: 行政事业性收费 35000 (that is 3.5 亿元).",
    },
    Rule {
        id: "T2.REPEALED",
        severity: Some(Warning),
        on_totals: false,
        needs_prior: true,
        scope: Scope::Report(plausibility::t2_repealed),
        zh: "废止件数多于上年现行有效件数加本年制发件数",
        en: "more documents 废止 than last year's 现行有效 plus this year's 制发",
        doc: "What: for 规章 and 行政规范性文件, 本年废止 ≤ last year's 现行有效 + 本年制发.\n\
              Why: only documents in force can be repealed. Needs --prior; skipped without it.\n\
              Example: last year 现行有效 3, this year 制发 1, 废止 6.",
    },
    Rule {
        id: "T4.REVIEW_BEFORE_SUIT",
        severity: Some(Warning),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(plausibility::t4_review_before_suit),
        zh: "有复议后起诉的案件，但本年（和上年）行政复议为 0",
        en: "复议后起诉 cases while 行政复议 is 0 this year and last",
        doc: "What: 复议后起诉 总计 above 0 while 行政复议 总计 is 0 this year and, with --prior, last year.\n\
              Why: a suit after review needs a review first; often the review was left out.\n\
              Without --prior the warning says that last year could not be checked.\n\
              Example: 复议后起诉 结果维持 1, 行政复议 all 0.",
    },
    Rule {
        id: "FILE.UNREADABLE",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::County,
        zh: "文件无法打开，或其中没有可识别的年报统计表",
        en: "the file cannot be opened or holds no recognisable report",
        doc: "What: an input file that is empty, corrupt, truncated, of an unsupported format, or in\n\
              which none of the three tables was found. The unit is named when the file name names it.\n\
              Why: its unit counts as not having reported until it sends a readable file.\n\
              Example: a .xlsx cut off in transfer; a Word document; a scanned PDF.",
    },
    Rule {
        id: "TOTAL.REPORTED",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::County,
        zh: "上级单位自报的合计与其下属单位之和不符",
        en: "a level's own reported totals differ from the sum of its units",
        doc: "What: 名单的 parent 一列给出上下级（乡镇、部门的上级是县，县的上级是市）。上级单位\n\
              （如某县）若也报送了自己的合计，逐字段与其下属单位之和比较；不同的字段在一条中列出。\n\
              上级单位的自报数不计入汇总，汇总只加最底层的单位。\n\
              Why: 县报给市的合计应当等于其各单位之和；不等说明县的合计有误，或漏了、多了单位。\n\
              Example: 湘潭县自报 本年新收申请 120，下属单位合计 118。",
    },
    Rule {
        id: "DOC.MISMATCH",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::County,
        zh: "同一单位同时报送的 Word 报告与 Excel 报表数字不一致",
        en: "the Word report a unit sent with its workbook states a field otherwise",
        doc: "What: 单位同时报送了 Excel（或 CSV）报表和 Word 报告（或其网页、PDF）。这不是重复报送：\n\
              报表的数字计入汇总，文档的表格与报表逐格比较，每个不同的字段一条；文档正文中的数字\n\
              也按报表的数字核对（TEXT.MISMATCH）。\n\
              Why: 公开发布的是文档，汇总的是报表；两者不一致，公开的年报就与上报的数字不符。\n\
              Example: 河口镇.xlsx 表三 本年新收申请 总计 5，河口镇年报.docx 第2个表格中为 6。",
    },
    Rule {
        id: "FILE.COPY",
        severity: Some(Info),
        on_totals: false,
        needs_prior: false,
        scope: Scope::County,
        zh: "文件与另一文件内容完全相同（重复下载的副本），只计一次",
        en: "a byte-identical copy of another input file; counted once",
        doc: "What: 两个输入文件的内容逐字节相同（SHA-256 一致），例如同一附件下载了两次，\n\
              名为 河口镇.xlsx 和 河口镇(1).xlsx。名字较短的一份计入汇总，副本只在此列出。\n\
              Why: 副本不是第二份报告，不应使该单位因 UNIT.DUPLICATE 被排除出汇总。\n\
              Example: 河口镇(1).xlsx 与 河口镇.xlsx 完全相同：河口镇计入一次，副本列为提示。",
    },
    Rule {
        id: "UNIT.UNKNOWN",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::County,
        zh: "报告所写的单位不在单位名单中，不计入汇总",
        en: "the submission names a unit that the roster does not list",
        doc: "What: neither the 填报单位 cell, the title nor the file name names a unit of units.csv.\n\
              Why: the submission is left out of the rollup until the roster or the file is fixed.\n\
              Example: 填报单位：某某乡 when the roster has no 某某乡 (add it, or add an alias).",
    },
    Rule {
        id: "UNIT.MISSING",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::County,
        zh: "名单中的单位没有可读取的报告",
        en: "a roster unit has no submission",
        doc: "What: a unit of units.csv that no readable submission names (of any year).\n\
              Why: the county total lacks it; the office must chase it.\n\
              Example: 排头乡 on the roster, no file from it (or only an unreadable one).",
    },
    Rule {
        id: "UNIT.DUPLICATE",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::County,
        zh: "两份报告属于同一单位，均不计入汇总",
        en: "two submissions claim the same unit (neither is silently dropped)",
        doc: "What: more than one submission of the rollup year names the same unit; each is listed.\n\
              Why: nianbao cannot know which is right; both are left out until one is removed.\n\
              Example: 河口镇.xlsx and 河口镇（修改）.xlsx both in the inputs.",
    },
    Rule {
        id: "YEAR.MISMATCH",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::County,
        zh: "报告年度不是本次汇总的年度，不计入汇总",
        en: "the submission's year is not the year being rolled up",
        doc: "What: the year stated by the submission (a 年度 cell, the title, the file name) differs\n\
              from --year, or from the year most submissions state; or no year could be found.\n\
              Why: last year's report sent again is a common mistake; it is left out of the rollup.\n\
              Example: 2023年政府信息公开工作年度报告 in a 2024 rollup.",
    },
    Rule {
        id: "XYEAR.CARRY",
        severity: Some(Error),
        on_totals: false,
        needs_prior: true,
        scope: Scope::Report(xyear::xyear_carry),
        zh: "本年“上年结转”不等于上年“结转下年度继续办理”",
        en: "this year's 二、上年结转 ≠ last year's 四、结转下年度继续办理",
        doc: "What: per column of table 三, 二、上年结转 = last year's 四、结转下年度继续办理.\n\
              Why: the applications carried over are the same ones. Needs --prior; skipped without it.\n\
              Example: last year 结转下年度 自然人 2, this year 上年结转 自然人 0.",
    },
    Rule {
        id: "XYEAR.IN_FORCE",
        severity: Some(Warning),
        on_totals: false,
        needs_prior: true,
        scope: Scope::Report(xyear::xyear_in_force),
        zh: "现行有效件数不等于上年现行有效加本年制发减本年废止",
        en: "现行有效件数 ≠ last year's 现行有效 + 本年制发 − 本年废止",
        doc: "What: for 规章 and 行政规范性文件, 现行有效 = last year's 现行有效 + 本年制发 − 本年废止.\n\
              Why: the stock of documents in force moves only by issuing and repealing.\n\
              Needs --prior; skipped without it.\n\
              Example: last year 20, 制发 3, 废止 1, this year 现行有效 25 (expected 22).",
    },
    Rule {
        id: "XYEAR.COPIED",
        severity: Some(Warning),
        on_totals: false,
        needs_prior: true,
        scope: Scope::Report(xyear::xyear_copied),
        zh: "所有数字与上年完全相同（且不全为 0），疑似照抄上年报告",
        en: "every number equals last year's, though some are not 0: a copied report",
        doc: "What: every known field equals last year's value and at least one is not 0.\n\
              Why: a unit that resubmits last year's file unchanged. Needs --prior.\n\
              Example: 本年新收 12, 予以公开 10, … exactly as last year.",
    },
    Rule {
        id: "XYEAR.JUMP",
        severity: Some(Info),
        on_totals: false,
        needs_prior: true,
        scope: Scope::Report(xyear::xyear_jump),
        zh: "某项数字与上年相比变化超过 5 倍（或不足五分之一）",
        en: "a count moved more than 5× or less than 0.2× from last year (above a small floor)",
        doc: "What: a count more than `jump_factor` (5) times last year's, or less than 1/5 of it, where\n\
              either year reaches `jump_floor` (10). Both are set in nianbao.toml.\n\
              Why: often a typing error (an extra digit), sometimes real; worth a look. Needs --prior.\n\
              Example: 行政处罚 last year 12, this year 120.",
    },
    Rule {
        id: "TEXT.MISMATCH",
        severity: Some(Warning),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(narrative::text_mismatch),
        zh: "正文中写明的数字与统计表不一致",
        en: "a number stated in the narrative disagrees with its table",
        doc: "检查什么：报告正文（一至六部分）中写明的、能确定对应表中哪一项的数字，与该项的表内数值比较：\n\
              收到（受理、新收）政府信息公开申请N件 → 表三 本年新收 总计；上年结转N件 → 上年结转 总计；\n\
              办结（答复）N件 → （七）总计；结转下年度N件 → 结转下年度继续办理 总计；其中自然人N件 → 该行的自然人列；\n\
              行政复议N件 → 表四 行政复议 总计；行政诉讼N件 → 未经复议直接起诉与复议后起诉的总计之和；\n\
              其中结果维持、结果纠正、其他结果、尚未审结N件 → 同组的该列；\n\
              制发、废止、现行有效规章或行政规范性文件N件 → 表二 对应件数；行政许可、行政处罚、行政强制决定N件 →\n\
              本年处理决定数量；行政事业性收费N万元 → 本年收费金额。“未收到政府信息公开申请”“未发生行政复议、\n\
              行政诉讼”“未收取行政事业性收费”按 0 计。阿拉伯数字、全角数字和汉字数字（两、十二、一百零五）都能识别。\n\
              不判断的：对应不到唯一一项的数字，如同比、较上年、累计、约、余、以上、分别、“办理申请N件”\n\
              （新收还是办结不明）、“网上申请N件”“按时答复N件”（只是一部分），其他年份的数字，\n\
              “3个部门”这类数别的东西的数字，信息处理费（它不是表二的行政事业性收费），主动公开信息条数、\n\
              新闻发布会等表中没有的数字。宁可漏判，不可误判。\n\
              为什么：正文和统计表应当一致；正文写“收到申请2件”而表中填 3，至少有一处错了，公开前应核对更正。\n\
              只检查带正文的报告（Word、网页、PDF、文本）；Excel 表格和 CSV 没有正文，不检查。\n\
              举例：正文“本年度共收到政府信息公开申请2件。”，而表三“一、本年新收政府信息公开申请数量 总计”\n\
              填 3：预期值（表中数）3，正文所写 2，提示核对哪一处有误。",
    },
];

pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id.eq_ignore_ascii_case(id))
}

/// The rules skipped in this run because they need last year's data and `--prior` has
/// none for the year before `year`.
pub fn skipped_without_prior(prior: Option<&Prior>, year: Option<i32>) -> Vec<&'static str> {
    let has_last_year = prior.zip(year).is_some_and(|(p, y)| p.units_of(y - 1) > 0);
    if has_last_year {
        return Vec::new();
    }
    RULES
        .iter()
        .filter(|r| r.needs_prior)
        .map(|r| r.id)
        .collect()
}

/// Runs every report rule in force over one report.
pub fn check_report(report: &Report, settings: &Settings) -> Vec<(Severity, Finding)> {
    let mut found = Vec::new();
    for rule in RULES {
        let (Scope::Report(check), Some(severity)) = (&rule.scope, settings.severity(rule.id))
        else {
            continue;
        };
        if rule.needs_prior && report.prior.is_none() {
            continue;
        }
        found.extend(check(report).into_iter().map(|f| (severity, f)));
    }
    found
}

/// Everything the checks need of a run.
pub struct County<'a> {
    pub submissions: &'a [Submission],
    pub unreadable: &'a [UnreadableFile],
    /// Files identical to another input, which were not read a second time.
    pub copies: &'a [FileCopy],
    pub roster: &'a Roster,
    /// The year being rolled up.
    pub year: Option<i32>,
    pub prior: Option<&'a Prior>,
    pub settings: &'a Settings,
    /// The inputs are the whole county: a roster unit without a submission is missing, and
    /// two submissions of one unit are duplicates. Off when a unit checks its own files.
    pub whole_county: bool,
}

/// Every anomaly of a run, sorted by severity, unit, rule and location.
pub fn check_county(county: &County) -> Vec<Anomaly> {
    let companions: std::collections::HashMap<usize, usize> =
        crate::rollup::companions(county.submissions, county.year)
            .into_iter()
            .collect();
    let mut anomalies: Vec<Anomaly> = county
        .submissions
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, s)| {
            let unit = s.unit.map(|u| &county.roster.units[u]);
            let prior = match (county.prior, unit, county.year) {
                (Some(p), Some(u), Some(y)) => p.report(&u.id, y - 1),
                _ => None,
            };
            // A Word report sent beside its workbook: its narrative is read against the
            // workbook's numbers, which count, and its tables are compared with them.
            let workbook = companions.get(&i).map(|&w| &county.submissions[w]);
            let report = Report {
                values: &s.values,
                sheets: &s.sheets,
                missing: &s.missing,
                old_format: &s.old_format,
                narrative: if workbook.is_some() {
                    &[]
                } else {
                    &s.narrative
                },
                twice: &s.twice,
                prior,
                thresholds: &county.settings.thresholds,
            };
            let mut findings = check_report(&report, county.settings);
            if let Some(w) = workbook {
                let against_workbook = Report {
                    sheets: &w.sheets,
                    narrative: &s.narrative,
                    ..Report::of(&w.values, &county.settings.thresholds)
                };
                if let Some(severity) = county.settings.severity("TEXT.MISMATCH") {
                    findings.extend(
                        narrative::text_mismatch(&against_workbook)
                            .into_iter()
                            .map(|f| (severity, f)),
                    );
                }
                if let Some(severity) = county.settings.severity("DOC.MISMATCH") {
                    findings.extend(doc_mismatch(s, w).into_iter().map(|f| (severity, f)));
                }
            }
            let (unit_id, unit_name) = unit_names(s, county.roster);
            findings
                .into_iter()
                .map(move |(severity, finding)| Anomaly {
                    severity,
                    rule: finding.rule,
                    unit_id: unit_id.clone(),
                    unit_name: unit_name.clone(),
                    source_file: s.source_file.clone(),
                    year: s.year,
                    finding,
                    id: String::new(),
                    review: Decision::default(),
                    repeats_units: false,
                })
        })
        .collect();
    anomalies.extend(county::check(county));
    sort(&mut anomalies);
    anomalies
}

/// DOC.MISMATCH: each field the Word report's tables state otherwise than the workbook the
/// same unit sent with it.
fn doc_mismatch(document: &Submission, workbook: &Submission) -> Vec<Finding> {
    (0..crate::schema::FIELD_COUNT)
        .filter_map(|f| {
            let (d, w) = (document.values.number(f)?, workbook.values.number(f)?);
            if (d - w).abs() < 1e-9 {
                return None;
            }
            let (at, w_at) = (document.location(f)?, workbook.location(f));
            let number = crate::text::format_number;
            Some(Finding {
                rule: "DOC.MISMATCH",
                location: Some(at.clone()),
                fields: vec![f].into(),
                expected: number(w),
                actual: number(d),
                message: format!(
                    "文档 {at} {} 为 {}，与同时报送的报表 {}（{}）中的 {} 不一致；汇总以报表为准",
                    crate::schema::display_name(f),
                    number(d),
                    workbook.source_file,
                    w_at.map_or_else(String::new, |l| l.to_string()),
                    number(w)
                ),
            })
        })
        .collect()
}

/// The unit id and name an anomaly shows for a submission.
pub fn unit_names(s: &Submission, roster: &Roster) -> (String, String) {
    match s.unit {
        Some(u) => (roster.units[u].id.clone(), roster.units[u].name.clone()),
        None => (String::new(), s.claimed_unit.clone()),
    }
}

/// Sorts anomalies by severity, unit (roster units by id, then others by name), rule,
/// file and location: the order of `anomalies.csv`.
pub fn sort(anomalies: &mut [Anomaly]) {
    // Roster units in roster-id order; unknown units (empty id) after them, by name.
    anomalies.sort_by(|a, b| {
        // The county's total before the unit types' totals, which are named after the types.
        let unit = |x: &Anomaly| {
            let county_total = x.unit_name == crate::rollup::total_name(crate::rollup::COUNTY);
            (
                x.unit_id.is_empty(),
                !county_total,
                x.unit_id.clone(),
                x.unit_name.clone(),
            )
        };
        (
            a.severity,
            unit(a),
            a.rule,
            &a.source_file,
            &a.finding.location,
        )
            .cmp(&(
                b.severity,
                unit(b),
                b.rule,
                &b.source_file,
                &b.finding.location,
            ))
            .then_with(|| a.finding.fields.cmp(&b.finding.fields))
            .then_with(|| a.finding.message.cmp(&b.finding.message))
    });
}

/// Reports built by hand for the rules' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::Report;
    use crate::grid::CellAt;
    use crate::normalize::{Value, Values};
    use crate::prior::PriorReport;
    use crate::schema::{self, FIELD_COUNT};
    use crate::settings::DEFAULT_THRESHOLDS;

    /// A report of zeros but for the given fields; field i sits on CSV line i+1.
    pub fn with(pairs: &[(&str, f64)]) -> Values {
        let mut values = Values::all(0.0);
        for f in 0..FIELD_COUNT {
            values.set_at(f, Value::Number(0.0), Some(CellAt::csv(f as u32 + 1, 1)));
        }
        for (id, x) in pairs {
            values.set(schema::field(id), Value::Number(*x));
        }
        values
    }

    pub fn report_of(values: &Values) -> Report<'_> {
        Report::of(values, &DEFAULT_THRESHOLDS)
    }

    /// [`report_of`] with last year's report.
    pub fn with_prior<'a>(values: &'a Values, prior: &'a PriorReport) -> Report<'a> {
        Report {
            prior: Some(prior),
            ..report_of(values)
        }
    }

    pub fn prior_of(pairs: &[(&str, f64)]) -> PriorReport {
        let mut values = vec![Some(0.0); FIELD_COUNT];
        for (id, x) in pairs {
            values[schema::field(id)] = Some(*x);
        }
        PriorReport {
            year: Some(2023),
            values,
        }
    }
}
