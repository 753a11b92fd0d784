//! `nianbao docs`: the parts of docs/ that the code defines, written from it so that they
//! never disagree with it: the 200 fields (字段.md, fields.csv), the rules (规则.md), and a
//! long and a wide CSV example with every field id. docs/填报格式.md is written by hand.
//! `tests/docs.rs` regenerates them and fails when the committed copies differ.

use crate::output::staging::{not_created, not_written};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::check::RULES;
use crate::cmd::rules::severity_zh;
use crate::output::csv::csv_bytes;
use crate::schema::{self, Field, Kind, TableId, APPLY_COLUMNS, APPLY_ROWS};

/// The unit and year the CSV examples are filled in for: a township of the sample county.
const EXAMPLE_UNIT: &str = "易俗河镇";
const EXAMPLE_YEAR: i32 = 2024;

/// The line every generated Markdown file opens with, under its title.
const GENERATED: &str = "<!-- 本文件由 nianbao docs 生成，请勿手工修改：\
改动字段或规则后运行 cargo run -- docs 重新生成。 -->";

/// Every generated file: its name in docs/ and its bytes.
pub fn generated() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("字段.md", fields_md().into_bytes()),
        ("fields.csv", fields_csv()),
        ("规则.md", rules_md().into_bytes()),
        ("长表示例.csv", long_example()),
        ("宽表示例.csv", wide_example()),
    ]
}

/// Writes the generated files into `out`, creating it; the paths written.
pub fn write(out: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(out).map_err(|e| not_created(out, &e))?;
    let mut written = Vec::new();
    for (name, bytes) in generated() {
        let path = out.join(name);
        std::fs::write(&path, bytes).map_err(|e| not_written(&path, &e))?;
        written.push(path);
    }
    Ok(written)
}

/// The unit a field is counted in.
fn unit_of(kind: Kind) -> &'static str {
    match kind {
        Kind::Count => "件",
        Kind::AmountWan => "万元",
    }
}

/// A label of fields.csv (`/` between the levels of a merged header) as a person reads it.
fn shown(label: &str) -> String {
    label.replace('/', " / ")
}

/// The specification's fields.csv, as the schema defines it: its columns and their values,
/// for programs (字段.md is the one to read).
fn fields_csv() -> Vec<u8> {
    let rows = schema::fields().iter().map(|f| {
        vec![
            f.id.clone(),
            f.table.title().to_string(),
            f.group.to_string(),
            f.row_label.to_string(),
            f.col_label.to_string(),
            f.kind.name().to_string(),
        ]
    });
    csv_bytes(
        &[
            "field_id",
            "table",
            "group",
            "row_label",
            "col_label",
            "kind",
        ],
        rows,
    )
}

fn fields_of(table: TableId) -> impl Iterator<Item = &'static Field> {
    schema::fields().iter().filter(move |f| f.table == table)
}

fn fields_md() -> String {
    let mut md = String::new();
    let count = |t| fields_of(t).count();
    let _ = write!(
        md,
        "# 字段一览\n\n{GENERATED}\n\n\
         年报的三张统计表（国办公开办函〔2021〕30号格式）共有 {} 项数字，每项有一个字段编号。\
         字段编号用在：\n\n\
         - 长表 CSV（`unit,year,field_id,value`）的 `field_id` 列，见 [长表示例.csv](长表示例.csv)；\n\
         - 宽表 CSV 的列名，见 [宽表示例.csv](宽表示例.csv)；\n\
         - 输出的 `normalized.csv` 的列名、`rollup.csv` 的 `field_id` 列、`anomalies.csv` 的 `field_ids` 列。\n\n\
         同样的内容也有表格版 [fields.csv](fields.csv)（即规范中的字段表，可用 Excel 或 WPS 打开；其 kind 列的 count 即“件”，amount_wan 即“万元”）。\
         怎样报送见 [填报格式.md](填报格式.md)，检查规则见 [规则.md](规则.md)。\n\n\
         表二 {} 项，表三 {} 项，表四 {} 项。单位为“件”的只能是整数，“万元”可以有小数。\n\n",
        schema::FIELD_COUNT,
        count(TableId::Active),
        count(TableId::Apply),
        count(TableId::Litigation),
    );

    let _ = write!(
        md,
        "## {}\n\n字段编号为 `active.项目.列`。\n\n",
        TableId::Active.title()
    );
    table(
        &mut md,
        &["字段编号", "条款", "项目", "列", "单位"],
        fields_of(TableId::Active).map(|f| {
            [
                format!("`{}`", f.id),
                f.group.to_string(),
                f.row_label.to_string(),
                f.col_label.to_string(),
                unit_of(f.kind).to_string(),
            ]
        }),
    );

    let _ = write!(
        md,
        "\n## {}\n\n字段编号为 `apply.行.列`：行是下面第一张表中的 {} 行之一，列是第二张表中的 {} 列之一。\
         例如“一、本年新收政府信息公开申请数量”的“自然人”是 `apply.{}.{}`。全部 {} 项列在其后。\n\n",
        TableId::Apply.title(),
        APPLY_ROWS.len(),
        APPLY_COLUMNS.len(),
        APPLY_ROWS[0].key,
        APPLY_COLUMNS[0].key,
        count(TableId::Apply),
    );
    let keyed = |parts: &'static [schema::Part]| {
        parts
            .iter()
            .map(|p| [shown(p.label), format!("`{}`", p.key)])
    };
    table(&mut md, &["行", "行的编号"], keyed(APPLY_ROWS));
    md.push('\n');
    table(&mut md, &["列", "列的编号"], keyed(APPLY_COLUMNS));
    md.push('\n');
    table(
        &mut md,
        &["字段编号", "行", "列", "单位"],
        fields_of(TableId::Apply).map(|f| {
            [
                format!("`{}`", f.id),
                shown(f.row_label),
                shown(f.col_label),
                unit_of(f.kind).to_string(),
            ]
        }),
    );

    let _ = write!(
        md,
        "\n## {}\n\n字段编号为 `组.列`。\n\n",
        TableId::Litigation.title()
    );
    table(
        &mut md,
        &["字段编号", "组", "列", "单位"],
        fields_of(TableId::Litigation).map(|f| {
            [
                format!("`{}`", f.id),
                shown(f.group),
                f.col_label.to_string(),
                unit_of(f.kind).to_string(),
            ]
        }),
    );
    md
}

/// A Markdown table: the header, its separator, and a line for each row of cells.
fn table<const N: usize>(
    md: &mut String,
    header: &[&str; N],
    rows: impl IntoIterator<Item = [String; N]>,
) {
    let _ = writeln!(md, "| {} |", header.join(" | "));
    let _ = writeln!(md, "|{}", "---|".repeat(N));
    for row in rows {
        let _ = writeln!(md, "| {} |", row.join(" | "));
    }
}

/// GitHub's anchor of a `## ID` heading: lower case, the dots dropped.
fn anchor(id: &str) -> String {
    id.to_lowercase().replace('.', "")
}

fn rules_md() -> String {
    let mut md = format!(
        "# 检查规则\n\n{GENERATED}\n\n\
         nianbao run 和 nianbao check 按下列 {} 条规则检查每份报告，发现的问题列在 anomalies.csv、\
         rollup.xlsx 的“异常清单”和各单位的网页中，每条注明单位、文件、单元格、规则、应为多少和实际填了多少。\
         在命令行中，`nianbao rules` 列出全部规则，`nianbao rules 编号` 显示一条规则的说明。\n\n\
         级别：\n\n\
         - **错误**：数字互相矛盾，或者报告无法读取、无法计入汇总，需要单位改正后重新报送；\n\
         - **警告**：很可能有误，需要核实；\n\
         - **提示**：供核对，通常不需要修改。\n\n\
         各规则的级别可在配置文件夹的 `nianbao.toml` 中调整（`[severity]` 一节，填 error、warning、info 或 off）。\
         标有“需上年数据”的规则只在运行时用 `--prior` 指定了上年的 normalized.csv 时检查。\
         审核人员可以用 `nianbao review` 把核实过的问题标为“误报”或“已说明”，它们就不再计入错误和警告数。\n\n",
        RULES.len()
    );
    table(
        &mut md,
        &["编号", "级别", "规则", "需上年数据"],
        RULES.iter().map(|r| {
            [
                format!("[{}](#{})", r.id, anchor(r.id)),
                severity_zh(r).to_string(),
                r.zh.to_string(),
                if r.needs_prior { "是" } else { "" }.to_string(),
            ]
        }),
    );
    for r in RULES {
        let _ = write!(
            md,
            "\n## {}\n\n**{}**\n\n级别：{}",
            r.id,
            r.zh,
            severity_zh(r)
        );
        if r.needs_prior {
            md += "。需上年数据（--prior）";
        }
        if r.on_totals {
            md += "。也检查全县和各类单位的合计";
        }
        md += "。\n\n";
        for (heading, text) in r.doc.sections() {
            let _ = write!(md, "**{heading}**：{text}\n\n");
        }
    }
    // One line break at the end of the file, not the blank line between sections.
    md.pop();
    md
}

/// Every field of one unit's report, in the long form, all 0: a file a unit can fill in.
fn long_example() -> Vec<u8> {
    let rows = schema::fields().iter().map(|f| {
        vec![
            EXAMPLE_UNIT.to_string(),
            EXAMPLE_YEAR.to_string(),
            f.id.clone(),
            "0".to_string(),
        ]
    });
    csv_bytes(&["unit", "year", "field_id", "value"], rows)
}

/// The same report in the wide form: a row per unit, a column per field.
fn wide_example() -> Vec<u8> {
    let header: Vec<&str> = ["unit", "year"]
        .into_iter()
        .chain(schema::fields().iter().map(|f| f.id.as_str()))
        .collect();
    let row: Vec<String> = [EXAMPLE_UNIT.to_string(), EXAMPLE_YEAR.to_string()]
        .into_iter()
        .chain(schema::fields().iter().map(|_| "0".to_string()))
        .collect();
    csv_bytes(&header, [row])
}
