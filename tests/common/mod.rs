//! Helpers shared by the integration tests: temporary folders, a roster, and checks that a
//! read submission holds exactly the values a generated file was written with.
#![allow(dead_code)] // each test binary uses its own subset

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use nianbao::discover::InputFile;
use nianbao::grid::Location;
use nianbao::normalize::{Submission, Value};
use nianbao::pipeline::{process_file, FileResult, Outcome};
use nianbao::roster::Roster;
use nianbao::schema;

/// Runs the binary; its output, whatever its exit status.
pub fn nianbao(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// Runs the binary, which must succeed; its output.
pub fn nianbao_ok(args: &[&str]) -> std::process::Output {
    let out = nianbao(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `nianbao run` on a county's folders, which must succeed.
pub fn run_ok(inputs: &Path, config: &Path, out: &Path) -> std::process::Output {
    let s = |p: &Path| p.to_str().unwrap().to_string();
    nianbao_ok(&[
        "run",
        "--inputs",
        &s(inputs),
        "--config",
        &s(config),
        "--out",
        &s(out),
    ])
}

/// A fresh folder under the system temp dir, unique per test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nianbao-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn roster() -> Roster {
    Roster::parse(
        "unit_id,name,type,aliases\n\
         yisuhe,易俗河镇,乡镇,易俗河镇人民政府|易俗河\n\
         hekou,河口镇,乡镇,河口镇人民政府\n\
         jiaoyu,县教育局,县直部门,湘潭县教育局\n",
    )
    .unwrap()
}

/// Writes `bytes` as `dir/name` and reads it back through the real pipeline stages.
pub fn read_file(dir: &Path, name: &str, bytes: &[u8], year: Option<i32>) -> FileResult {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let file = InputFile::at(path, name.to_string());
    process_file(&file, &roster(), year)
}

pub fn submissions(result: FileResult) -> Vec<Submission> {
    match result.outcome {
        Outcome::Read(subs) => subs,
        other => panic!("{} was not read: {other:?}", result.relative),
    }
}

pub fn only_submission(result: FileResult) -> Submission {
    let mut subs = submissions(result);
    assert_eq!(subs.len(), 1);
    subs.pop().unwrap()
}

/// Every one of the 200 fields holds the expected number; zeros may be blank.
pub fn assert_values(sub: &Submission, expected: &[f64], context: &str) {
    let fields = schema::fields();
    let mut wrong = Vec::new();
    for (i, (v, x)) in sub.values.iter().zip(expected).enumerate() {
        let ok = match &v {
            Value::Number(n) => n == x,
            Value::Blank => *x == 0.0,
            _ => false,
        };
        if !ok {
            wrong.push(format!(
                "{} = {:?} at {:?}, expected {x}",
                fields[i].id,
                v,
                sub.location(i)
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{context}: {} of 200 fields wrong:\n{}\nmissing: {:?}",
        wrong.len(),
        wrong.join("\n"),
        sub.missing
    );
    assert!(sub.missing.is_empty(), "{context}: {:?}", sub.missing);
}

pub fn location(sub: &Submission, field_id: &str) -> Location {
    let i = schema::index_of(field_id).unwrap();
    sub.location(i).unwrap()
}

/// A CSV nianbao wrote (with a BOM): its header, and each row by column name.
pub fn csv_by_name(path: &Path) -> (Vec<String>, Vec<HashMap<String, String>>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect();
    (header, rows)
}
