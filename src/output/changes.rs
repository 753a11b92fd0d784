//! `changes.csv`: what changed since the previous run into the same `--out` ([`crate::changes`]).
//!
//! A row per change. Where nothing changed it holds its header alone; where there was nothing
//! to compare with (the first run, or previous outputs that could not be read) it holds one
//! row of kind `no_comparison` whose message says why, so that "no change" and "not
//! compared" are never the same file.

use std::io::Write;

use super::{neutralize, write_csv};
use crate::changes::Comparison;

pub const CHANGE_COLUMNS: &[&str] = &[
    "unit_id",
    "unit_name",
    "year",
    "kind",
    "field_id",
    "label",
    "before",
    "after",
    "anomaly_id",
    "rule",
    "message",
];

pub fn changes_csv(w: &mut dyn Write, comparison: &Comparison) -> std::io::Result<()> {
    let rows: Vec<Vec<String>> = match comparison {
        Comparison::NotCompared(why) => {
            let mut row = vec![String::new(); CHANGE_COLUMNS.len()];
            let column = |name: &str| {
                CHANGE_COLUMNS
                    .iter()
                    .position(|c| *c == name)
                    .expect("a column of changes.csv")
            };
            row[column("kind")] = "no_comparison".into();
            row[column("message")] = neutralize(why);
            vec![row]
        }
        Comparison::Compared(changes) => changes
            .iter()
            .map(|c| {
                vec![
                    neutralize(&c.unit_id),
                    neutralize(&c.unit_name),
                    c.year.clone(),
                    c.kind.name().to_string(),
                    c.field_id.clone(),
                    c.label.clone(),
                    neutralize(&c.before),
                    neutralize(&c.after),
                    c.anomaly_id.clone(),
                    c.rule.clone(),
                    neutralize(&c.message),
                ]
            })
            .collect(),
    };
    write_csv(w, CHANGE_COLUMNS, rows)
}
