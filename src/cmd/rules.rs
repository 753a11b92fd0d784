//! `nianbao rules [ID]`: the rules, or one rule's documentation.

use crate::check::{rule, RULES};

pub fn rules(id: Option<&str>) -> Result<(), String> {
    let Some(id) = id else {
        for r in RULES {
            let severity = r.severity.map_or("(not yet)", |s| s.name());
            let prior = if r.needs_prior { " [--prior]" } else { "" };
            println!("{:<22} {:<9} {}{prior}", r.id, severity, r.zh);
            println!("{:<22} {:<9} {}", "", "", r.en);
        }
        return Ok(());
    };
    let r = rule(id).ok_or_else(|| format!("没有规则 {id}（nianbao rules 列出全部规则）"))?;
    println!(
        "{}  [{}]",
        r.id,
        r.severity.map_or("not checked yet", |s| s.name())
    );
    println!("{}", r.zh);
    println!("{}", r.en);
    println!();
    println!("{}", r.doc);
    Ok(())
}
