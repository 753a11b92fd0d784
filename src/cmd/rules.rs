//! `nianbao rules [ID]`: the rules, or one rule's documentation, in Chinese.

use unicode_width::UnicodeWidthStr;

use crate::check::{rule, Rule, RULES};

/// The severity as a clerk reads it: 错误, 警告, 提示, or 未启用 for a rule not checked.
pub fn severity_zh(r: &Rule) -> &'static str {
    r.severity.map_or("未启用", |s| s.zh())
}

/// Pads `text` with spaces to `width` terminal columns: a Chinese character takes two, so
/// `format!("{:<8}")`, which counts characters, would misalign the columns.
fn pad(text: &str, width: usize) -> String {
    let fill = width.saturating_sub(text.width());
    format!("{text}{}", " ".repeat(fill))
}

/// What `nianbao rules` prints: a line per rule, aligned, and how to read one.
pub fn listing() -> String {
    let id_width = RULES.iter().map(|r| r.id.width()).max().unwrap_or(0);
    let severity_width = RULES
        .iter()
        .map(|r| severity_zh(r).width())
        .chain(["级别".width()])
        .max()
        .unwrap_or(0);
    let mut out = format!(
        "{}  {}  规则\n",
        pad("编号", id_width),
        pad("级别", severity_width)
    );
    for r in RULES {
        let prior = if r.needs_prior {
            "（需上年数据 --prior）"
        } else {
            ""
        };
        out += &format!(
            "{}  {}  {}{prior}\n",
            pad(r.id, id_width),
            pad(severity_zh(r), severity_width),
            r.zh
        );
    }
    out += "\n“nianbao rules 编号”显示一条规则的说明、原因、示例和如何修改，例如 nianbao rules T3.BALANCE。\n\
            级别可在配置文件夹的 nianbao.toml 中调整（[severity] 一节：error、warning、info 或 off）。\n";
    out
}

/// What `nianbao rules ID` prints: the rule's documentation.
pub fn explain(r: &Rule) -> String {
    let mut out = format!("{}  {}\n{}\n\n", r.id, severity_zh(r), r.zh);
    for (heading, text) in r.doc.sections() {
        out += &format!("{heading}：{text}\n\n");
    }
    if r.needs_prior {
        out += "需要上年数据：运行时用 --prior 指定上年的 normalized.csv；没有上年数据时不检查本规则。\n\n";
    }
    // One line break at the end, not the blank line between sections.
    out.pop();
    out
}

pub fn rules(id: Option<&str>) -> Result<(), String> {
    let Some(id) = id else {
        print!("{}", listing());
        return Ok(());
    };
    let r = rule(id).ok_or_else(|| format!("没有规则 {id}（nianbao rules 列出全部规则）"))?;
    print!("{}", explain(r));
    Ok(())
}
