//! The `nianbao` binary as a user runs it: exit codes, outputs, reruns.

mod common;

use std::path::Path;
use std::process::Command;

use common::{nianbao, temp_dir};

/// A demo county of `units` units in `dir`, made by the binary.
fn make_county(dir: &Path, units: usize) {
    let units = units.to_string();
    let dir = dir.to_str().unwrap();
    let made = nianbao(&["demo", "--units", &units, "--clean", "--out", dir]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
}

fn run_on(county: &Path, out: &Path) -> std::process::Output {
    let s = |p: &Path| p.to_str().unwrap().to_string();
    nianbao(&[
        "run",
        "--inputs",
        &s(&county.join("inputs")),
        "--config",
        &s(&county.join("config")),
        "--out",
        &s(out),
    ])
}

#[test]
fn a_demo_county_runs_and_reruns_byte_for_byte() {
    let dir = temp_dir("cli-county");
    make_county(&dir, 16);
    // What a real inputs folder also holds: a lock file, a hidden file, a stray document.
    std::fs::write(dir.join("inputs/乡镇/~$河口镇2024.xlsx"), b"lock").unwrap();
    std::fs::write(dir.join("inputs/.DS_Store"), b"x").unwrap();
    std::fs::write(dir.join("inputs/说明.docx"), b"PK\x03\x04").unwrap();

    let out = dir.join("out");
    let first = run_on(&dir, &out);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let normalized = std::fs::read(out.join("normalized.csv")).unwrap();
    assert!(normalized.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(normalized[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 16);
    assert!(lines[0]
        .starts_with("unit_id,unit_name,unit_type,year,source_file,active.regulation.issued,"));
    assert_eq!(lines[0].split(',').count(), 5 + 200 + 2);
    assert!(lines[0].ends_with(",counted,not_counted_reason"));
    // Sorted by unit id.
    let ids: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["counts"]["files"], 19);
    assert_eq!(manifest["counts"]["read"], 16);
    assert_eq!(manifest["counts"]["skipped"], 2);
    assert_eq!(manifest["counts"]["unreadable"], 1);
    let files = manifest["files"].as_array().unwrap();
    let docx = files.iter().find(|f| f["path"] == "说明.docx").unwrap();
    assert_eq!(docx["status"], "unreadable");
    assert_eq!(docx["size"], 4);
    assert_eq!(docx["sha256"].as_str().unwrap().len(), 64);
    // Each phase has its wall time and, on Linux, the CPU time of all threads during it.
    let phases = manifest["run"]["phases"].as_array().unwrap();
    let names: Vec<&str> = phases.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["read", "check and roll up", "write outputs"]);
    if cfg!(target_os = "linux") {
        let read_cpu = phases[0]["cpu_seconds"].as_f64().unwrap();
        assert!(
            read_cpu > 0.0,
            "reading 16 files takes some CPU: {read_cpu}"
        );
        let mut peak = 0.0;
        for phase in phases {
            assert!(phase["cpu_seconds"].as_f64().unwrap() >= 0.0, "{phase}");
            // The peak so far never goes down from one phase to the next.
            let peak_mb = phase["peak_mb"].as_f64().unwrap();
            assert!(peak_mb > 1.0 && peak_mb >= peak, "{phase}");
            peak = peak_mb;
        }
    }
    // normalized.csv is written beside the checks; the other writers, and the comparison
    // with the previous run, side by side within the phase that writes the outputs.
    let writers = manifest["run"]["writers"].as_array().unwrap();
    let names: Vec<&str> = writers
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "normalized.csv",
            "compare with the previous run",
            "CSVs",
            "rollup.xlsx",
            "reports/",
            "notices/"
        ]
    );
    let phase = |i: usize| phases[i]["seconds"].as_f64().unwrap();
    for (i, writer) in writers.iter().enumerate() {
        let seconds = writer["seconds"].as_f64().unwrap();
        let within = if i == 0 { phase(1) } else { phase(2) };
        assert!(seconds > 0.0 && seconds <= within, "{writer}");
    }

    let notices = |out: &Path| -> Vec<(std::path::PathBuf, Vec<u8>)> {
        let mut files: Vec<_> = std::fs::read_dir(out.join("notices"))
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                (path, bytes)
            })
            .collect();
        files.sort();
        files
    };
    // Every file of the two folders is listed with its size, for the next run.
    let listed: Vec<(&str, u64)> = manifest["folder_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["size"].as_u64().unwrap()))
        .collect();
    let mut on_disk = Vec::new();
    for folder in ["notices", "reports"] {
        for entry in std::fs::read_dir(out.join(folder)).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            on_disk.push((format!("{folder}/{name}"), entry.metadata().unwrap().len()));
        }
    }
    on_disk.sort();
    let listed: Vec<(String, u64)> = listed.iter().map(|(p, s)| (p.to_string(), *s)).collect();
    assert_eq!(listed, on_disk);
    let first_notices = notices(&out);
    assert!(!first_notices.is_empty(), "the list of notices at least");
    let again = run_on(&dir, &out);
    assert!(again.status.success());
    assert_eq!(
        std::fs::read(out.join("normalized.csv")).unwrap(),
        normalized
    );
    // The same problems give the same notices, byte for byte (the same day).
    assert_eq!(notices(&out), first_notices);
    // What changes between identical reruns: the run's times, and the county's index, which
    // says what changed since the first run. Every other page and notice is linked from the
    // first run, its time kept (on Unix; elsewhere they are written again, at a new time).
    let strip_run = |v: &mut serde_json::Value| {
        let files = v["folder_files"].as_array_mut().unwrap();
        files.retain(|f| f["path"] != "reports/index.html");
        if cfg!(not(unix)) {
            for file in files {
                file.as_object_mut().unwrap().remove("modified_ns").unwrap();
            }
        }
        v.as_object_mut().unwrap().remove("run")
    };
    let mut second: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let mut first_manifest = manifest.clone();
    strip_run(&mut first_manifest);
    strip_run(&mut second);
    assert_eq!(first_manifest, second);
}

#[test]
fn it_refuses_to_run_with_one_line_when_it_cannot() {
    let dir = temp_dir("cli-refuse");
    let missing_inputs = run_on(&dir, &dir.join("out"));
    assert!(!missing_inputs.status.success());
    let err = String::from_utf8(missing_inputs.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    // The configuration's error before the inputs': both are missing.
    assert!(
        err.contains("units.csv") && !err.contains("--inputs"),
        "{err}"
    );

    std::fs::create_dir_all(dir.join("inputs")).unwrap();
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::write(dir.join("config/units.csv"), "id,name\n1,甲\n").unwrap();
    let bad_roster = run_on(&dir, &dir.join("out"));
    assert!(!bad_roster.status.success());
    assert!(String::from_utf8_lossy(&bad_roster.stderr).contains("unit_id"));

    let bad_args = nianbao(&["run", "--jobs", "many"]);
    assert!(!bad_args.status.success());
}

#[test]
fn a_unit_checks_its_own_file_without_county_rules() {
    let dir = temp_dir("cli-check");
    make_county(&dir, 8);
    let file = dir.join("inputs/乡镇/易俗河镇2024年政府信息公开年报.xlsx");
    let config = dir.join("config");
    let args = |f: &Path| {
        vec![
            "check".to_string(),
            f.to_str().unwrap().to_string(),
            "--config".into(),
            config.to_str().unwrap().into(),
        ]
    };
    let clean = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(args(&file))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&clean.stdout);
    assert!(clean.status.success(), "{text}");
    assert!(text.contains("易俗河镇（yisuhe"), "{text}");
    // Seven other units have no file here: a unit's own check does not call them missing.
    assert!(!text.contains("UNIT.MISSING"), "{text}");

    // A file with an error exits 1 and names the rule.
    let bad = dir.join("bad.csv");
    let mut csv = std::fs::read_to_string(dir.join("inputs/乡镇/paitou_2024_long.csv")).unwrap();
    csv = csv.replace("active.penalty.decisions,", "active.penalty.decisions,-");
    std::fs::write(&bad, csv).unwrap();
    let failed = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(args(&bad))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&failed.stdout);
    assert_eq!(failed.status.code(), Some(1), "{text}");
    assert!(text.contains("VALUE.NEGATIVE"), "{text}");
}

#[test]
fn alone_in_a_terminal_it_lists_the_commands_in_chinese() {
    let out = nianbao(&[]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    for command in [
        "nianbao run",
        "nianbao check",
        "nianbao rules",
        "nianbao demo",
    ] {
        assert!(text.contains(command), "{command} missing from:\n{text}");
    }
    assert!(text.contains("用法"), "{text}");
}

/// `nianbao check 文件… | head`: the reader stops early; nianbao ends without a panic.
#[cfg(target_os = "linux")]
#[test]
fn a_reader_that_stops_early_is_no_panic() {
    use std::io::Read;
    let dir = temp_dir("closed-pipe");
    let county = dir.join("county");
    nianbao(&["demo", "--units", "300", "--out", county.to_str().unwrap()]);
    let files: Vec<String> = std::fs::read_dir(county.join("inputs/乡镇"))
        .unwrap()
        .map(|e| e.unwrap().path().to_str().unwrap().to_string())
        .collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .arg("check")
        .args(&files)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A line read, then the pipe closed, as `head -1` does.
    let mut first = [0u8; 64];
    let _ = child.stdout.as_mut().unwrap().read(&mut first);
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(status.code(), Some(101), "{stderr}");
}
