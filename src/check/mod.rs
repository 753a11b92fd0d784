//! Stage 5: the consistency rules (勾稽关系) of FORMAT.md. Rules read normalized data, never
//! files. Each is a small function named after its id, registered once in [`RULES`] with its
//! severity and its documentation (`nianbao rules ID` prints it).

mod county;
mod identities;
pub use identities::broken_total;
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
    /// The auditor's decision on it, if there is one ([`Anomaly::review`]): most anomalies
    /// have none, and a decision inline is 128 bytes.
    pub decision: Option<Box<Decision>>,
    /// A total's anomaly that only repeats problems of the units' own reports (listed, so
    /// the county's figure is explained, but not counted again).
    pub repeats_units: bool,
}

impl Anomaly {
    /// The auditor's decision on it: 待处理 when none.
    pub fn review(&self) -> &Decision {
        self.decision.as_deref().unwrap_or(&review::PENDING)
    }

    /// Still to count as an error or warning: not marked 误报 or 已说明.
    pub fn is_open(&self) -> bool {
        !self.review().status.dismissed()
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
    /// One line in Chinese, for `nianbao rules` and docs/规则.md.
    pub zh: &'static str,
    /// What a clerk reads about it: `nianbao rules ID` and docs/规则.md.
    pub doc: Doc,
}

/// A rule's documentation, in plain Chinese for the clerks who fill in and collect the
/// reports.
pub struct Doc {
    /// 说明: what it checks.
    pub what: &'static str,
    /// 原因: why it matters.
    pub why: &'static str,
    /// 示例: a report it would flag.
    pub example: &'static str,
    /// 如何修改: what the unit (or the office) changes so that it no longer fires.
    pub fix: &'static str,
    /// The same in one sentence to the unit, in the 请这样修改 column of its notice.
    pub advice: &'static str,
}

impl Doc {
    /// The sections in the order they are printed, each with its heading.
    pub fn sections(&self) -> [(&'static str, &'static str); 4] {
        [
            ("说明", self.what),
            ("原因", self.why),
            ("示例", self.example),
            ("如何修改", self.fix),
        ]
    }
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
        doc: Doc {
            what: "表三的 25 行，每一行的“总计”应等于“自然人”加上五类“法人或其他组织”（商业企业、科研机构、社会公益组织、法律服务机构、其他）之和。",
            why: "全县汇总要把各单位的“总计”列相加；某一行的总计不等于各列之和，全县的总计就与明细对不上。",
            example: "“一、本年新收政府信息公开申请数量”这一行：自然人 10，商业企业 2，其他各列为 0，总计却填了 11。应为 12，实际为 11。",
            fix: "逐列核对这一行的数字：若各列无误，把“总计”改为各列之和；若总计无误，找出漏填或填错的那一列。官方模板中的“总计”是自动求和公式，用 nianbao template 生成的模板填写可避免此类错误。",
            advice: "核对该行各类申请人的数字，使“总计”等于自然人与五类法人或其他组织之和；改正填错的一项。",
        },
    },
    Rule {
        id: "T3.RESULT_TOTAL",
        severity: Some(Error),
        on_totals: true,
        needs_prior: false,
        scope: Scope::Report(identities::t3_result_total),
        zh: "表三每列的（七）总计等于 21 项办理结果之和",
        doc: Doc {
            what: "表三的 7 列，每一列的“三、本年度办理结果（七）总计”应等于 21 项办理结果之和：（一）予以公开 +（二）部分公开 +（三）不予公开 1–8 项 +（四）无法提供 1–3 项 +（五）不予处理 1–5 项 +（六）其他处理 1–3 项。",
            why: "每一件办结的申请有且只有一个办理结果；总计与各项之和不同，说明漏计、重复计算了某项结果，或者总计是手工填写的。",
            example: "“自然人”一列：予以公开 5，部分公开 1，其余各项为 0，而（七）总计填了 5。应为 6，实际为 5。",
            fix: "按本单位的办理台账逐项核对这一列的 21 项办理结果：每件申请只计一项（部分公开的只计入“部分公开”，不再计入其他情形），再把（七）总计改为各项之和。",
            advice: "核对该列（一）至（六）各项办理结果，使“（七）总计”等于 21 项办理结果之和；补上漏填的结果或改正总计。",
        },
    },
    Rule {
        id: "T3.BALANCE",
        severity: Some(Error),
        on_totals: true,
        needs_prior: false,
        scope: Scope::Report(identities::t3_balance),
        zh: "表三每列：一 + 二 = 三（七）总计 + 四",
        doc: Doc {
            what: "表三下方注明的平衡关系，每一列都要成立：“一、本年新收”+“二、上年结转”=“三、本年度办理结果（七）总计”+“四、结转下年度继续办理”。",
            why: "申请不会凭空出现或消失：本年要办的（新收加上年结转），要么已办结，要么结转到下一年。两边不等就是有申请被漏计或多计了。",
            example: "本年新收 10，上年结转 2，（七）总计 9，结转下年度 1：左边 12，右边 10，12 ≠ 10。",
            fix: "对照申请登记台账核对这一列的四个数：新收件数、上年结转件数（应与上年报告的“结转下年度继续办理”相同）、本年办结件数和年底仍在办理的件数，改正填错的那一项，使两边相等。",
            advice: "按表三下方的说明核对该列：本年新收 + 上年结转 = 办理结果总计 + 结转下年度继续办理；改正填错的一项。",
        },
    },
    Rule {
        id: "T4.TOTAL",
        severity: Some(Error),
        on_totals: true,
        needs_prior: false,
        scope: Scope::Report(identities::t4_total),
        zh: "表四每组的总计等于维持、纠正、其他、尚未审结之和",
        doc: Doc {
            what: "表四的行政复议、未经复议直接起诉、复议后起诉三组，每一组的“总计”应等于“结果维持”+“结果纠正”+“其他结果”+“尚未审结”。",
            why: "每一件复议或诉讼案件到年底只有一种状态：维持、纠正、其他结果或尚未审结。总计与四项之和不同，说明有案件漏计或重复计算。",
            example: "行政复议：结果维持 1，结果纠正 1，其他结果 0，尚未审结 0，总计却填了 3。",
            fix: "按案件台账逐件核对这一组案件的结果，改正四项中填错的一项，或把“总计”改为四项之和。",
            advice: "使该组“总计”等于 结果维持 + 结果纠正 + 其他结果 + 尚未审结；改正填错的一项。",
        },
    },
    Rule {
        id: "VALUE.NEGATIVE",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(values::value_negative),
        zh: "数值不能为负",
        doc: Doc {
            what: "200 个数字都应大于或等于 0。",
            why: "这些数字是文件件数、处理决定数、申请件数、案件件数或收费金额，都不可能是负数；负数通常是误把减号、连字符打进了单元格，或填入了“比上年增减”。",
            example: "表二“行政处罚 本年处理决定数量”填了 -3。",
            fix: "填入本年的实际数量；没有的填 0。",
            advice: "件数和金额不能为负数，请填写实际数；没有的填 0。",
        },
    },
    Rule {
        id: "VALUE.NOT_INTEGER",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(values::value_not_integer),
        zh: "件数必须是整数（只有收费金额可以有小数）",
        doc: Doc {
            what: "件数都应是整数；只有表二“行政事业性收费 本年收费金额（单位：万元）”可以有小数。",
            why: "不可能有半件申请或半个处理决定；出现小数多半是打字错误，或者把收费金额填到了别的行。",
            example: "表二“行政许可 本年处理决定数量”填了 12.5。",
            fix: "改为实际的整数件数；若这是收费金额，把它移到“行政事业性收费”一行。",
            advice: "件数须为整数。若是收费金额，请填在“行政事业性收费（万元）”一栏。",
        },
    },
    Rule {
        id: "VALUE.NOT_NUMBER",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(values::value_not_number),
        zh: "单元格是文字而不是数字，该值未知，不计入汇总",
        doc: Doc {
            what: "应填数字的单元格里是文字而不是数字，例如“约5”“3件”“1200元”，或者无法计算的公式。",
            why: "nianbao 从不猜测数字：这一项按“未知”处理，在 normalized.csv 中留空，不计入全县汇总，需要用到它的勾稽关系也不检查。",
            example: "表三“一、本年新收政府信息公开申请数量 自然人”填了“约5”。",
            fix: "只填阿拉伯数字，不加“件”“元”“约”等字；没有的填 0。公式请改为直接填写数值，或确认公式引用的单元格都有数字。",
            advice: "单元格中只填阿拉伯数字，不写“约”“件”“元”等文字，不用无法计算的公式；没有的填 0。",
        },
    },
    Rule {
        id: "VALUE.BLANK",
        severity: Some(Info),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(values::value_blank),
        zh: "单元格为空或为占位符（—、-、/、无），按 0 计",
        doc: Doc {
            what: "应填数字的单元格是空的，或者填的是 —、-、/、无 这类占位符。每份报告只列一条，其中列出全部这样的单元格。",
            why: "大多数单位留空的意思是 0，因此按 0 计入汇总；列出来是为了让县政务公开办确认确实是 0，而不是漏填。",
            example: "表二“行政强制 本年处理决定数量”填了“—”。",
            fix: "确实为 0 的，最好直接填 0；若是漏填，补上实际数字。这只是提示，不影响汇总。",
            advice: "空白或“—”“/”“无”按 0 计；若实际不是 0，请填写实际数。",
        },
    },
    Rule {
        id: "FIELD.MISSING",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(values::field_missing),
        zh: "报告缺少格式中的某一行、某一列或整张表",
        doc: Doc {
            what: "报告中找不到格式规定的某一行、某一列，甚至整张表（按行列的标签文字查找）。",
            why: "缺少的行列中的各项都是未知数，在 normalized.csv 中留空，不计入全县汇总。",
            example: "表三缺少“8.属于行政查询事项”这一行；文件中没有表四。",
            fix: "用 nianbao template 生成的官方模板重新填写，或者按国办公开办函〔2021〕30号格式补齐缺少的行、列或表，行列标签不要改写、不要删除。",
            advice: "请用最新的年报统计表样式填写，补上缺少的行、列或表格；不要删除、合并表格中的行列。",
        },
    },
    Rule {
        id: "FIELD.TWICE",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(values::field_twice),
        zh: "表中同一行或同一列出现了两次，且数字不同",
        doc: Doc {
            what: "表中可见的单元格里，同一行标签（如“一、本年新收政府信息公开申请数量”）或同一列标签（如“总计”）出现了两次，两处的数字不同。读取第一处，另一处不读；两处都在本条中列出。隐藏的行、列不算：有可见的同名行列时，隐藏的不读。",
            why: "多出的一处常是上一年的数字或草稿，哪一处是本年的只有填报单位知道。",
            example: "表三中有两行“二、上年结转政府信息公开申请数量”，一行 3，一行 5。",
            fix: "删除多出的行或列（例如保留在旁边的上年数字、草稿），只保留本年的一处，再重新报送。",
            advice: "同一行（或列）在表中出现了两次且数字不同：删去多余的一行（列），只保留正确的数字。",
        },
    },
    Rule {
        id: "FORMAT.OLD",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(values::format_old),
        zh: "使用了 2019 年试行格式",
        doc: Doc {
            what: "报告使用了 2019 年试行格式的标签：本年新制作数量、本年新公开数量、对外公开总数量、政府集中采购，或者只有一行且填有数字的“（六）其他处理”。",
            why: "2019 年试行格式的表与 2021 年正式格式的各项对应不上，无法换算。",
            example: "表二的列是“本年新制作数量 / 本年新公开数量 / 对外公开总数量”。",
            fix: "用 nianbao template 生成的现行模板（国办公开办函〔2021〕30号格式）重新填写后报送。",
            advice: "报表用的是 2019 年试行格式，请改用现行的年报统计表样式重新填写。",
        },
    },
    Rule {
        id: "T2.REGULATION_LEVEL",
        severity: Some(Warning),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(plausibility::t2_regulation_level),
        zh: "乡镇或县直部门报了规章（只有省、市政府制定规章）",
        doc: Doc {
            what: "表二“规章”一行的本年制发、本年废止、现行有效件数有大于 0 的。",
            why: "只有省、设区的市人民政府制定规章，乡镇和县直部门不制定规章；这些数字通常应填在“行政规范性文件”一行。",
            example: "某乡镇的表二“规章 本年制发件数”填了 2。",
            fix: "把这些件数移到“行政规范性文件”一行，“规章”一行填 0。若确有规章（如市级单位），在审核中标为“已说明”。",
            advice: "乡镇和县直部门不制定规章：“规章”一行应填 0，本单位制发的文件请填在“规范性文件”一行。",
        },
    },
    Rule {
        id: "T2.FEE_UNIT",
        severity: Some(Warning),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(plausibility::t2_fee_unit),
        zh: "收费金额像是按元而不是按万元填写",
        doc: Doc {
            what: "表二“行政事业性收费”的金额超过 fee_wan_max 万元（默认 1000，可在 nianbao.toml 中设置），或者收费单元格中写了“元”而不是“万元”。",
            why: "这一列的单位是万元；按元填写，汇总时就大了一万倍。",
            example: "行政事业性收费填了 35000，按万元就是 3.5 亿元。",
            fix: "把金额换算成万元（元数除以 10000，可保留小数）后填写，不要写“元”字。若金额确实这么大，在审核中标为“已说明”。",
            advice: "收费金额的单位是万元，不是元：请把金额除以 10000 后填写（如 1200 元填 0.12）。",
        },
    },
    Rule {
        id: "T2.REPEALED",
        severity: Some(Warning),
        on_totals: false,
        needs_prior: true,
        scope: Scope::Report(plausibility::t2_repealed),
        zh: "废止件数多于上年现行有效件数加本年制发件数",
        doc: Doc {
            what: "对“规章”和“行政规范性文件”，本年废止件数不应多于上年现行有效件数加本年制发件数。",
            why: "只有现行有效的文件才能被废止。本规则需要上年数据（--prior），没有时不检查。",
            example: "上年现行有效 3 件，本年制发 1 件，本年废止却填了 6 件。",
            fix: "核对本年废止的文件清单和上年报告的现行有效件数，改正填错的数字。",
            advice: "核对“本年废止件数”：不能多于上年现行有效件数加本年制发件数。",
        },
    },
    Rule {
        id: "T4.REVIEW_BEFORE_SUIT",
        severity: Some(Warning),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(plausibility::t4_review_before_suit),
        zh: "有复议后起诉的案件，但本年（和上年）行政复议为 0",
        doc: Doc {
            what: "“复议后起诉”的总计大于 0，而本年（有 --prior 时还有上年）的“行政复议”总计为 0。",
            why: "复议后起诉的案件必须先经过行政复议，往往是漏填了行政复议。没有上年数据时，提示中会说明未能核对上年。",
            example: "复议后起诉 结果维持 1，行政复议各项都是 0。",
            fix: "核对行政复议案件台账，补填行政复议的数字；若复议发生在更早的年份，在审核中标为“已说明”。",
            advice: "有“复议后起诉”的案件，应有相应的行政复议：核对行政复议的件数，或把案件改填到“未经复议直接起诉”。",
        },
    },
    Rule {
        id: "FILE.UNREADABLE",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::County,
        zh: "文件无法打开，或其中没有可识别的年报统计表",
        doc: Doc {
            what: "输入文件无法读取：空文件、已损坏、传输中被截断、格式不支持，或者其中找不到三张表中的任何一张。文件名中有单位名称时，注明是哪个单位。",
            why: "这个单位在重新报送可读的文件之前，按未报送处理。",
            example: "传输中被截断的 .xlsx；旧版 Word（.doc）文件；扫描件 PDF（没有文字层）。",
            fix: "请单位重新报送：用 Excel 或 WPS 打开确认能正常显示后另存为 .xlsx；Word 请另存为 .docx；扫描件请改交 Word 或 Excel 版本。",
            advice: "文件打不开或其中没有年报统计表：请用 Excel 或 WPS 打开检查，另存为 .xlsx 后重新报送。",
        },
    },
    Rule {
        id: "TOTAL.REPORTED",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::County,
        zh: "上级单位自报的合计与其下属单位之和不符",
        doc: Doc {
            what: "名单的 parent 一列给出上下级（乡镇、部门的上级是县，县的上级是市）。上级单位（如某县）若也报送了自己的合计，逐项与其下属单位之和比较；不同的各项在一条中列出。上级单位的自报数不计入汇总，汇总只加最底层的单位。",
            why: "县报给市的合计应当等于其各单位之和；不等说明县的合计有误，或者漏了、多了单位。",
            example: "湘潭县自报 本年新收申请 120，下属单位合计 118。",
            fix: "上级单位按 rollup.csv 或 rollup.xlsx 中下属单位的汇总数改正自己的合计；若是名单中漏了或多了单位，改正 units.csv。",
            advice: "本单位报送的合计数应等于所属各单位数字之和：请核对合计或所属单位的报告。",
        },
    },
    Rule {
        id: "DOC.MISMATCH",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::County,
        zh: "同一单位同时报送的 Word 报告与 Excel 报表数字不一致",
        doc: Doc {
            what: "单位同时报送了 Excel（或 CSV）报表和 Word 报告（或其网页、PDF）。这不是重复报送：报表的数字计入汇总，文档中的表格与报表逐格比较，每个不同的项一条；文档正文中的数字也按报表核对（见 TEXT.MISMATCH）。",
            why: "公开发布的是文档，汇总的是报表；两者不一致，公开的年报就与上报的数字不符。",
            example: "河口镇.xlsx 表三 本年新收申请 总计 5，河口镇年报.docx 第2个表格中为 6。",
            fix: "核对哪一份是正确的，改正另一份，使公开的文档与报表完全一致后重新报送两份文件。",
            advice: "Word 报告与 Excel 统计表的数字应一致：改正其中有误的一份后重新报送两份。",
        },
    },
    Rule {
        id: "FILE.COPY",
        severity: Some(Info),
        on_totals: false,
        needs_prior: false,
        scope: Scope::County,
        zh: "文件与另一文件内容完全相同（重复下载的副本），只计一次",
        doc: Doc {
            what: "两个输入文件的内容逐字节相同（SHA-256 一致），例如同一附件下载了两次，名为 河口镇.xlsx 和 河口镇(1).xlsx。名字较短的一份计入汇总，副本只在此列出。",
            why: "副本不是第二份报告，不应使该单位因 UNIT.DUPLICATE 被排除出汇总。",
            example: "河口镇(1).xlsx 与 河口镇.xlsx 完全相同：河口镇计入一次，副本列为提示。",
            fix: "无需单位修改；整理文件时可以删除副本。",
            advice: "同一份文件报送了两次：无需处理；以后请只报送一份。",
        },
    },
    Rule {
        id: "UNIT.UNKNOWN",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::County,
        zh: "报告所写的单位不在单位名单中，不计入汇总",
        doc: Doc {
            what: "报告中的“填报单位”、标题和文件名都对应不到单位名单 units.csv 中的任何单位（名称或别名）。名称与名单中某一个单位只差一个字，或是它的简称（保留首尾字，如“县人社局”之于“县人力资源和社会保障局”）时，会提示“是否为名单中的某某”，该单位的 UNIT.MISSING 也会提到这份报告。",
            why: "这份报告在名单或文件改正之前不计入汇总。",
            example: "报告写“填报单位：某某乡”，而名单中没有某某乡。",
            fix: "单位在“填报单位”一栏写全称（与名单一致）；若是名单缺了这个单位或这种叫法，在 config/units.csv 中添加该单位，或在其 aliases 列加上这个名称。",
            advice: "报告中的单位名称与单位名单不符：请在报告标题中写单位的规范全称后重新报送。",
        },
    },
    Rule {
        id: "UNIT.MISSING",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::County,
        zh: "名单中的单位没有可读取的报告",
        doc: Doc {
            what: "单位名单 units.csv 中的某个单位没有可读取的报告（任何年度的都没有）。",
            why: "全县汇总缺少这个单位，县政务公开办需要催报。",
            example: "名单中有排头乡，输入文件夹中没有它的文件（或只有一份无法读取的文件）。",
            fix: "催促该单位报送；已报送的，检查文件是否放进了 inputs 文件夹、文件是否可读，以及文件中的单位名称能否对应到名单。",
            advice: "未收到本单位的年度报告：请按时报送本年度的政府信息公开工作年度报告（统计表）。",
        },
    },
    Rule {
        id: "UNIT.DUPLICATE",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::County,
        zh: "两份报告属于同一单位，均不计入汇总",
        doc: Doc {
            what: "本次汇总年度中，有不止一份报告属于同一个单位；每一份都列出。",
            why: "nianbao 无法判断哪一份是正确的，在删去其中一份之前，两份都不计入汇总。",
            example: "输入中同时有 河口镇.xlsx 和 河口镇（修改）.xlsx。",
            fix: "确认哪一份是最终版本，把其他版本移出 inputs 文件夹后重新运行。",
            advice: "收到本单位的两份不同报告，均未计入：请确认哪一份为准，只重新报送那一份。",
        },
    },
    Rule {
        id: "YEAR.MISMATCH",
        severity: Some(Error),
        on_totals: false,
        needs_prior: false,
        scope: Scope::County,
        zh: "报告年度不是本次汇总的年度，不计入汇总",
        doc: Doc {
            what: "报告写明的年度（年度单元格、标题或文件名）与 --year 指定的年度，或与多数报告的年度不同；或者找不到年度。",
            why: "把上年的报告再交一次是常见的错误；这样的报告不计入汇总。",
            example: "2024 年的汇总中有一份“2023年政府信息公开工作年度报告”。",
            fix: "报送本年度的报告，并在标题或“报告年度”一栏写明年度（如 2024年）。",
            advice: "报告的年度与本次汇总的年度不符：请报送本年度的报告，或改正报告中的年度。",
        },
    },
    Rule {
        id: "XYEAR.CARRY",
        severity: Some(Error),
        on_totals: false,
        needs_prior: true,
        scope: Scope::Report(xyear::xyear_carry),
        zh: "本年“上年结转”不等于上年“结转下年度继续办理”",
        doc: Doc {
            what: "表三每一列：本年的“二、上年结转政府信息公开申请数量”应等于上年报告的“四、结转下年度继续办理”。",
            why: "结转过来的就是上年没办完的那些申请。本规则需要上年数据（--prior），没有时不检查。",
            example: "上年结转下年度 自然人 2，本年上年结转 自然人 0。",
            fix: "按上年报告的“结转下年度继续办理”填写本年的“上年结转”；若上年报告本身有误，在审核中说明。",
            advice: "本年的“上年结转”应等于上年报告的“结转下年度继续办理”：请核对两年的报告。",
        },
    },
    Rule {
        id: "XYEAR.IN_FORCE",
        severity: Some(Warning),
        on_totals: false,
        needs_prior: true,
        scope: Scope::Report(xyear::xyear_in_force),
        zh: "现行有效件数不等于上年现行有效加本年制发减本年废止",
        doc: Doc {
            what: "对“规章”和“行政规范性文件”：现行有效件数 = 上年现行有效件数 + 本年制发件数 − 本年废止件数。",
            why: "现行有效的文件只因制发而增加、因废止而减少。本规则需要上年数据（--prior），没有时不检查。",
            example: "上年现行有效 20，本年制发 3，废止 1，本年现行有效填了 25（应为 22）。",
            fix: "核对现行有效文件目录，改正本年制发、本年废止或现行有效中填错的一项；若有失效、清理等其他原因，在审核中标为“已说明”。",
            advice: "现行有效件数应等于上年现行有效件数 + 本年制发件数 − 本年废止件数：请核对。",
        },
    },
    Rule {
        id: "XYEAR.COPIED",
        severity: Some(Warning),
        on_totals: false,
        needs_prior: true,
        scope: Scope::Report(xyear::xyear_copied),
        zh: "所有数字与上年完全相同（且不全为 0），疑似照抄上年报告",
        doc: Doc {
            what: "所有已知的数字都与上年相同，且至少有一项不是 0。",
            why: "多半是单位把上年的文件原样又交了一次。本规则需要上年数据（--prior）。",
            example: "本年新收 12，予以公开 10……与上年一模一样。",
            fix: "按本年的实际情况填写后重新报送；若数字确实与上年完全相同，在审核中标为“已说明”。",
            advice: "所有数字与上年完全相同：请确认填的是本年度的数字。",
        },
    },
    Rule {
        id: "XYEAR.JUMP",
        severity: Some(Info),
        on_totals: false,
        needs_prior: true,
        scope: Scope::Report(xyear::xyear_jump),
        zh: "某项数字与上年相比变化超过 5 倍（或不足五分之一）",
        doc: Doc {
            what: "某项件数是上年的 jump_factor 倍（默认 5 倍）以上，或不足上年的五分之一，且两年中至少有一年达到 jump_floor（默认 10）。两个数都可以在 nianbao.toml 中设置。",
            why: "常常是打字错误（多打或少打了一位数），有时是真实变化，值得看一眼。本规则需要上年数据（--prior）。",
            example: "行政处罚 上年 12，本年 120。",
            fix: "核对这一项：打错的改正；确实如此的无需修改，可在审核中标为“已核实”。",
            advice: "该数字与上年相差很大：请核实；确实如此的，重新报送时附说明。",
        },
    },
    Rule {
        id: "TEXT.MISMATCH",
        severity: Some(Warning),
        on_totals: false,
        needs_prior: false,
        scope: Scope::Report(narrative::text_mismatch),
        zh: "正文中写明的数字与统计表不一致",
        doc: Doc {
            what: "报告正文（一至六部分）中写明的、能确定对应表中哪一项的数字，与该项的表内数值比较：收到（受理、新收）政府信息公开申请N件 → 表三 本年新收 总计；上年结转N件 → 上年结转 总计；办结（答复）N件 → （七）总计；结转下年度N件 → 结转下年度继续办理 总计；其中自然人N件 → 该行的自然人列；行政复议N件 → 表四 行政复议 总计；行政诉讼N件 → 未经复议直接起诉与复议后起诉的总计之和；其中结果维持、结果纠正、其他结果、尚未审结N件 → 同组的该列；制发、废止、现行有效规章或行政规范性文件N件 → 表二 对应件数；行政许可、行政处罚、行政强制决定N件 → 本年处理决定数量；行政事业性收费N万元 → 本年收费金额。“未收到政府信息公开申请”“未发生行政复议、行政诉讼”“未收取行政事业性收费”按 0 计。阿拉伯数字、全角数字和汉字数字（两、十二、一百零五）都能识别。不判断的：对应不到唯一一项的数字，如同比、较上年、累计、约、余、以上、分别、“办理申请N件”（新收还是办结不明）、“网上申请N件”“按时答复N件”（只是一部分），其他年份的数字，“3个部门”这类数别的东西的数字，信息处理费（它不是表二的行政事业性收费），主动公开信息条数、新闻发布会等表中没有的数字。宁可漏判，不可误判。只检查带正文的报告（Word、网页、PDF、文本）；Excel 表格和 CSV 没有正文，不检查。",
            why: "正文和统计表应当一致；正文写“收到申请2件”而表中填 3，至少有一处错了，公开前应核对更正。",
            example: "正文“本年度共收到政府信息公开申请2件。”，而表三“一、本年新收政府信息公开申请数量 总计”填 3：预期值（表中数）3，正文所写 2。",
            fix: "核对正文和统计表哪一处有误，改正后使两者一致；问题中引用了正文的原句，便于查找。",
            advice: "报告正文中写的数字应与统计表一致：改正正文或统计表中有误的一处。",
        },
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
                    decision: None,
                    repeats_units: false,
                })
        })
        .collect();
    extend_exactly(&mut anomalies, county::check(county));
    sort(&mut anomalies);
    anomalies
}

/// Appends `more` to `anomalies` with room for exactly them: `extend` would double the
/// list's room, and the unused half (20 MB at 100,000 units) would be held to the end.
pub fn extend_exactly(anomalies: &mut Vec<Anomaly>, more: Vec<Anomaly>) {
    anomalies.reserve_exact(more.len());
    anomalies.extend(more);
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
    // The county's total before the unit types' totals, which are named after the types.
    let county_total = crate::rollup::total_name(crate::rollup::COUNTY);
    // Roster units in roster-id order; unknown units (empty id) after them, by name.
    fn unit_key<'a>(x: &'a Anomaly, county_total: &str) -> (bool, bool, &'a str, &'a str) {
        (
            x.unit_id.is_empty(),
            x.unit_name != county_total,
            &x.unit_id,
            &x.unit_name,
        )
    }
    // A province's list is long: sorted on every thread (a stable sort, as before).
    anomalies.par_sort_by(|a, b| {
        (
            a.severity,
            unit_key(a, &county_total),
            a.rule,
            &a.source_file,
            &a.finding.location,
        )
            .cmp(&(
                b.severity,
                unit_key(b, &county_total),
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
        PriorReport::new(Some(2023), values)
    }
}
