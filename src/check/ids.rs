//! Stable anomaly ids: `T3.BALANCE-7K3M9QX2F` + a check character. An id is derived from
//! what the anomaly is about — the rule, the unit, the year, the fields — never from the
//! file or the cell it was found in, so that a unit resubmitting in another layout, or a
//! file renamed, keeps its ids, and an auditor's decision on it (`config/review.csv`)
//! survives the rerun.
//!
//! The canonical string is, one item per line:
//!
//! ```text
//! nianbao-anomaly-1
//! <rule>
//! <unit>      id:<unit_id> | name:<the name a unit not on the roster gave> | total:<全县合计…> | (empty)
//! <year>      the year of the report; for the county's rules, the year rolled up
//! <fields>    the field ids of fields.csv, comma-separated (none for VALUE.BLANK: one per report)
//! <subject>   what else tells two problems of the rule apart, only where the rule needs it
//! ```
//!
//! The subject is `file=<source_file>` for FILE.UNREADABLE, FILE.COPY and UNIT.DUPLICATE (the
//! file is what they are about), `stated=<actual>` for YEAR.MISMATCH (the year the report
//! states) and `text=<actual>` for TEXT.MISMATCH (the number the narrative states). Two
//! anomalies of one run that still share a string — two submissions of one unit and year,
//! both breaking the same identity — get `file=<source_file>` added, then `at=<location>`,
//! then `#<n>` in list order: ids are unique within a run by construction.
//!
//! The id is the rule, `-`, the first 45 bits of the string's SHA-256 in 9 characters of
//! Crockford's base 32 (digits and capitals without I, L, O, U), and a Luhn mod 32 check
//! character, which catches any one character mistyped and any two neighbours swapped: a
//! mistyped id in a review file is told apart from an anomaly that no longer occurs.

use std::collections::HashMap;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::{Anomaly, TOTALS_SOURCE};
use crate::schema;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const HASH_CHARS: usize = 9;

/// How much of the file and cell a colliding anomaly's string includes.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Level {
    Subject,
    File,
    Location,
}

fn unit_key(a: &Anomaly) -> String {
    if !a.unit_id.is_empty() {
        format!("id:{}", a.unit_id)
    } else if a.source_file == TOTALS_SOURCE {
        format!("total:{}", a.unit_name)
    } else if !a.unit_name.is_empty() {
        format!("name:{}", a.unit_name)
    } else {
        String::new()
    }
}

/// The canonical string an anomaly's id is the hash of.
fn canonical(a: &Anomaly, level: Level) -> String {
    let names = schema::fields();
    let fields: Vec<&str> = if a.rule == "VALUE.BLANK" {
        Vec::new()
    } else {
        a.finding
            .fields
            .iter()
            .map(|f| names[f].id.as_str())
            .collect()
    };
    let file_is_subject = matches!(a.rule, "FILE.UNREADABLE" | "FILE.COPY" | "UNIT.DUPLICATE");
    let mut subject = match a.rule {
        _ if file_is_subject => format!("file={}", a.source_file),
        "YEAR.MISMATCH" => format!("stated={}", a.finding.actual),
        "TEXT.MISMATCH" => format!("text={}", a.finding.actual),
        _ => String::new(),
    };
    if level >= Level::File && !file_is_subject {
        subject.push_str(&format!("\nfile={}", a.source_file));
    }
    if level >= Level::Location {
        let at = a.finding.location.as_ref().map(|l| l.to_string());
        subject.push_str(&format!("\nat={}", at.unwrap_or_default()));
    }
    format!(
        "nianbao-anomaly-1\n{}\n{}\n{}\n{}\n{subject}",
        a.rule,
        unit_key(a),
        a.year.map_or(String::new(), |y| y.to_string()),
        fields.join(",")
    )
}

/// The id of a canonical string: `RULE-` + 9 characters of its hash + a check character.
pub fn id_of(rule: &str, canonical: &str) -> String {
    let digest = Sha256::digest(canonical.as_bytes());
    let mut top = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    let mut payload = Vec::with_capacity(HASH_CHARS + 1);
    for _ in 0..HASH_CHARS {
        payload.push(ALPHABET[(top >> 59) as usize]);
        top <<= 5;
    }
    payload.push(check_char(&payload));
    format!(
        "{rule}-{}",
        String::from_utf8(payload).expect("the alphabet is ASCII")
    )
}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Luhn mod 32 over the payload, rightmost doubled first.
fn check_char(payload: &[u8]) -> u8 {
    let sum = luhn_sum(payload, 2);
    ALPHABET[((32 - sum % 32) % 32) as usize]
}

fn luhn_sum(chars: &[u8], first_factor: u32) -> u32 {
    let mut factor = first_factor;
    let mut sum = 0;
    for &c in chars.iter().rev() {
        let addend = factor * value(c).unwrap_or(0);
        sum += addend / 32 + addend % 32;
        factor = 3 - factor;
    }
    sum
}

/// An id as a person typed it, in the form [`id_of`] gives: the rule in capitals, the
/// payload in capitals with O read as 0 and I, L as 1. `None` when it cannot be one: an
/// unknown rule, a wrong length, a character outside the alphabet, a wrong check character.
pub fn normalize_id(typed: &str) -> Option<String> {
    let typed = typed.trim().to_uppercase();
    let (rule, payload) = typed.rsplit_once('-')?;
    let rule = super::rule(rule.trim())?.id;
    let payload: Vec<u8> = payload
        .trim()
        .bytes()
        .map(|c| match c {
            b'O' => b'0',
            b'I' | b'L' => b'1',
            c => c,
        })
        .collect();
    if payload.len() != HASH_CHARS + 1 || payload.iter().any(|&c| value(c).is_none()) {
        return None;
    }
    if !luhn_sum(&payload, 1).is_multiple_of(32) {
        return None;
    }
    Some(format!("{rule}-{}", String::from_utf8(payload).ok()?))
}

/// Gives every anomaly its id, unique within the list (see the module's documentation).
pub fn assign(anomalies: &mut [Anomaly]) {
    let mut level = vec![Level::Subject; anomalies.len()];
    let mut ids: Vec<String> = Vec::new();
    for round in 0..3 {
        // A province's anomalies are hashed on every core.
        ids = anomalies
            .par_iter()
            .zip(&level)
            .map(|(a, &l)| id_of(a.rule, &canonical(a, l)))
            .collect();
        let mut count: HashMap<&str, usize> = HashMap::new();
        for id in &ids {
            *count.entry(id).or_default() += 1;
        }
        let next = match round {
            0 => Level::File,
            1 => Level::Location,
            _ => break,
        };
        let mut raised = false;
        for (l, id) in level.iter_mut().zip(&ids) {
            if count[id.as_str()] > 1 {
                *l = next;
                raised = true;
            }
        }
        if !raised {
            break;
        }
    }
    // Still the same: the same problem twice in one cell. The first keeps the id.
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, a) in anomalies.iter_mut().enumerate() {
        let n = seen.entry(ids[i].clone()).or_default();
        a.id = if *n == 0 {
            std::mem::take(&mut ids[i])
        } else {
            id_of(a.rule, &format!("{}\n#{n}", canonical(a, level[i])))
        };
        *n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_short_typable_and_checked() {
        let id = id_of("T3.BALANCE", "x");
        assert_eq!(id.len(), "T3.BALANCE-".len() + 10);
        assert_eq!(normalize_id(&id).as_deref(), Some(id.as_str()));
        assert_eq!(
            normalize_id(&format!("  {}  ", id.to_lowercase())).as_deref(),
            Some(id.as_str())
        );
        // Every single character mistyped is caught, and every neighbours swapped.
        let payload: Vec<u8> = id["T3.BALANCE-".len()..].bytes().collect();
        for i in 0..payload.len() {
            for &c in ALPHABET {
                if c == payload[i] {
                    continue;
                }
                let mut typo = payload.clone();
                typo[i] = c;
                let typo = format!("T3.BALANCE-{}", String::from_utf8(typo).unwrap());
                assert_eq!(normalize_id(&typo), None, "{typo}");
            }
            if i + 1 < payload.len() && payload[i] != payload[i + 1] {
                let mut swapped = payload.clone();
                swapped.swap(i, i + 1);
                let swapped = format!("T3.BALANCE-{}", String::from_utf8(swapped).unwrap());
                assert_eq!(normalize_id(&swapped), None, "{swapped}");
            }
        }
        assert_eq!(normalize_id("NO.SUCH_RULE-0000000000"), None);
        assert_eq!(normalize_id("T3.BALANCE"), None);
    }

    #[test]
    fn the_hash_is_fixed() {
        // SHA-256 of a fixed string: the same id in every release and on every machine.
        assert_eq!(id_of("T3.BALANCE", "x"), id_of("T3.BALANCE", "x"));
        let id = id_of(
            "UNIT.MISSING",
            "nianbao-anomaly-1\nUNIT.MISSING\nid:a\n2024\n\n",
        );
        assert_eq!(id, "UNIT.MISSING-Y3KVWHK0ZE");
        assert!(normalize_id(&id).is_some());
    }
}
