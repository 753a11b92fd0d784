//! The outputs in `--out` are replaced as one set: a kill at any step of the switch, a write
//! that fails, an output in the way or a second run at the same time leaves one run's
//! complete set, and the next run cleans up and succeeds. The kills are the failpoints of
//! `output::staging`, which only a debug build has.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::temp_dir;

/// The binary, with `NIANBAO_FAILPOINT` set to `faults` if any.
fn nianbao(args: &[&str], faults: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nianbao"));
    command.args(args).env_remove("NIANBAO_FAILPOINT");
    if let Some(faults) = faults {
        command.env("NIANBAO_FAILPOINT", faults);
    }
    command
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A demo county of 12 units in `dir`; `dir/inputs-less` is the same less one unit's file,
/// so that a run on it makes different outputs.
fn make_county(dir: &Path) {
    let made = nianbao(&["demo", "--units", "12", "--out", s(dir)], None)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", stderr(&made));
    copy_tree(&dir.join("inputs"), &dir.join("inputs-less"));
    let first = all_files(&dir.join("inputs-less"))
        .into_keys()
        .next()
        .unwrap();
    std::fs::remove_file(dir.join("inputs-less").join(first)).unwrap();
}

/// `nianbao run` on `county/inputs`, its output captured.
fn run_command(county: &Path, inputs: &str, out: &Path, faults: Option<&str>) -> Command {
    let mut command = nianbao(
        &[
            "run",
            "--inputs",
            s(&county.join(inputs)),
            "--config",
            s(&county.join("config")),
            "--out",
            s(out),
        ],
        faults,
    );
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    command
}

fn run(county: &Path, inputs: &str, out: &Path, faults: Option<&str>) -> Output {
    run_command(county, inputs, out, faults).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir`, by its path relative to it, with its bytes.
fn all_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, files);
            } else {
                let name = path.strip_prefix(root).unwrap().to_string_lossy();
                files.insert(name.replace('\\', "/"), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

/// The names directly in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A set of outputs as compared across runs: every file's bytes, except that of the
/// manifest, whose run facts (time, phases) differ from run to run, only the files it lists.
/// What a run says changed since the previous one (changes.csv, the overview's section
/// 与上次运行相比) depends on which run came before, and a notice carries its date: of
/// those only the names are compared, and the overview without that section.
fn comparable(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = all_files(dir);
    let manifest: serde_json::Value =
        serde_json::from_slice(&files["manifest.json"]).expect("a complete manifest.json");
    files.insert(
        "manifest.json".into(),
        manifest["files"].to_string().into_bytes(),
    );
    for (name, bytes) in files.iter_mut() {
        if name == "changes.csv" || name.starts_with("notices/") {
            bytes.clear();
        }
    }
    if let Some(index) = files.get_mut("reports/index.html") {
        let page = String::from_utf8(index.clone()).unwrap();
        let start = page.find("<h2>与上次运行相比</h2>").expect("the section");
        let end = start + 1 + page[start + 1..].find("<h2>").expect("a section after it");
        *index = format!("{}{}", &page[..start], &page[end..]).into_bytes();
    }
    files
}

/// What is beside `--out` once a run is done: the county, the reference sets, `--out` and
/// its lock; no staging folder, no previous set.
fn assert_nothing_left_beside(out: &Path) {
    let name = out.file_name().unwrap().to_string_lossy();
    let left: Vec<String> = names(out.parent().unwrap())
        .into_iter()
        .filter(|n| n.contains(&*name) && *n != name && *n != format!(".{name}.nianbao.lock"))
        .collect();
    assert!(left.is_empty(), "left beside {}: {left:?}", out.display());
}

/// The county, and the outputs of a run on all its inputs (`old`) and on one file less
/// (`new`), each into a folder of its own.
struct Fixture {
    dir: PathBuf,
    old: PathBuf,
    new: PathBuf,
}

fn fixture(name: &str) -> Fixture {
    let dir = temp_dir(name);
    make_county(&dir);
    let (old, new) = (dir.join("ref-old"), dir.join("ref-new"));
    for (inputs, out) in [("inputs", &old), ("inputs-less", &new)] {
        let ran = run(&dir, inputs, out, None);
        assert!(ran.status.success(), "{}", stderr(&ran));
    }
    assert_ne!(comparable(&old), comparable(&new));
    Fixture { dir, old, new }
}

impl Fixture {
    /// A fresh `--out` holding the old set and a clerk's own notes.
    fn out_with_old_set(&self, name: &str) -> PathBuf {
        let out = self.dir.join(name);
        copy_tree(&self.old, &out);
        std::fs::write(out.join("notes.txt"), "我的笔记").unwrap();
        out
    }

    /// The set `reference` holds, with the clerk's notes.
    fn expected(&self, reference: &Path) -> BTreeMap<String, Vec<u8>> {
        let mut files = comparable(reference);
        files.insert("notes.txt".into(), "我的笔记".as_bytes().to_vec());
        files
    }
}

#[cfg(debug_assertions)]
#[test]
fn a_kill_at_any_step_of_the_switch_leaves_one_whole_set() {
    let f = fixture("atomic-kill");
    // What --out holds after a run: the outputs and the clerk's notes, nothing staged.
    let mut listed = vec![
        "anomalies.csv",
        "changes.csv",
        "manifest.json",
        "normalized.csv",
        "notes.txt",
        "notices",
        "reports",
        "rollup.csv",
        "rollup.xlsx",
    ];
    if cfg!(feature = "parquet") {
        listed.insert(4, "normalized.parquet");
    }
    // The failpoints, and which set each leaves in --out. `no-exchange` takes the switch
    // that renames the previous set aside first (where the one-step exchange is missing).
    let cases = [
        ("before-manifest", Some(&f.old)),
        ("before-switch", Some(&f.old)),
        ("after-switch", Some(&f.new)),
        ("while-removing-old", Some(&f.new)),
        ("no-exchange,before-switch", Some(&f.old)),
        ("no-exchange,moved-old-aside", None),
        ("no-exchange,after-switch", Some(&f.new)),
        ("no-exchange,while-removing-old", Some(&f.new)),
    ];
    for (i, (faults, leaves)) in cases.into_iter().enumerate() {
        let out = f.out_with_old_set(&format!("out{i}"));
        let killed = run(&f.dir, "inputs-less", &out, Some(faults));
        assert!(!killed.status.success(), "{faults}: not killed");
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::process::ExitStatusExt;
            assert_eq!(
                killed.status.signal(),
                Some(9),
                "{faults}: {}",
                stderr(&killed)
            );
        }
        match leaves {
            Some(set) => {
                assert_eq!(names(&out), listed, "{faults}");
                assert!(comparable(&out) == f.expected(set), "{faults}: a mixed set");
            }
            // Between the two renames --out is missing and the previous set lies aside.
            None => {
                assert!(!out.exists(), "{faults}");
                let aside = f.dir.join(format!(".out{i}.nianbao-old"));
                assert!(comparable(&aside) == f.expected(&f.old), "{faults}");
            }
        }
        // The next run puts back or deletes what the kill left, and succeeds.
        let next = run(&f.dir, "inputs-less", &out, None);
        assert!(next.status.success(), "{faults}: {}", stderr(&next));
        assert!(comparable(&out) == f.expected(&f.new), "{faults}");
        assert_nothing_left_beside(&out);
    }
    std::fs::remove_dir_all(&f.dir).unwrap();
}

#[cfg(debug_assertions)]
#[test]
fn a_failed_write_of_the_manifest_leaves_the_previous_set() {
    let f = fixture("atomic-full");
    let out = f.out_with_old_set("out");
    let before = all_files(&out);
    let failed = run(
        &f.dir,
        "inputs-less",
        &out,
        Some("fail-write:manifest.json"),
    );
    assert_eq!(failed.status.code(), Some(2));
    let message = stderr(&failed);
    assert!(
        message.contains("无法写入")
            && message.contains("manifest.json")
            && message.contains("磁盘空间不足"),
        "{message}"
    );
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(all_files(&out) == before);
    assert_nothing_left_beside(&out);
    std::fs::remove_dir_all(&f.dir).unwrap();
}

#[test]
fn an_output_that_cannot_be_replaced_stops_the_run_before_anything_changes() {
    let f = fixture("atomic-in-the-way");
    let out = f.out_with_old_set("out");
    // As a workbook open in Excel on Windows: here a folder where rollup.xlsx goes.
    std::fs::remove_file(out.join("rollup.xlsx")).unwrap();
    std::fs::create_dir(out.join("rollup.xlsx")).unwrap();
    std::fs::write(out.join("rollup.xlsx/inside.txt"), "x").unwrap();
    let before = all_files(&out);
    let refused = run(&f.dir, "inputs-less", &out, None);
    assert_eq!(refused.status.code(), Some(2));
    let message = stderr(&refused);
    assert!(
        message.contains("无法替换")
            && message.contains(&format!("{}", out.join("rollup.xlsx").display()))
            && message.contains("请关闭"),
        "{message}"
    );
    assert!(all_files(&out) == before);
    assert_nothing_left_beside(&out);

    // Out of the way, the next run goes through.
    std::fs::remove_dir_all(out.join("rollup.xlsx")).unwrap();
    let next = run(&f.dir, "inputs-less", &out, None);
    assert!(next.status.success(), "{}", stderr(&next));
    assert!(comparable(&out) == f.expected(&f.new));
    std::fs::remove_dir_all(&f.dir).unwrap();
}

#[cfg(debug_assertions)]
#[test]
fn a_second_run_into_the_same_out_is_refused_while_the_first_writes() {
    let f = fixture("atomic-lock");
    let out = f.out_with_old_set("out");
    // The first stops five seconds right before its switch, its set staged, the lock held.
    let first = run_command(&f.dir, "inputs-less", &out, Some("sleep:before-switch"))
        .spawn()
        .unwrap();
    let staged = f.dir.join(".out.nianbao-new/manifest.json");
    let waited = std::time::Instant::now();
    while !staged.exists() {
        assert!(
            waited.elapsed().as_secs() < 120,
            "the first run never staged"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let second = run(&f.dir, "inputs", &out, None);
    assert_eq!(second.status.code(), Some(2));
    let message = stderr(&second);
    assert!(
        message.contains("另一个 nianbao 正在向")
            && message.contains(".out.nianbao.lock")
            && message.contains("请等它结束后再运行"),
        "{message}"
    );
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(comparable(&out) == f.expected(&f.new));
    assert_nothing_left_beside(&out);
    std::fs::remove_dir_all(&f.dir).unwrap();
}

#[test]
fn runs_started_together_never_mix_their_outputs() {
    let f = fixture("atomic-race");
    let out = f.out_with_old_set("out");
    for round in 0..3 {
        let runs: Vec<_> = (0..2)
            .map(|_| {
                run_command(&f.dir, "inputs-less", &out, None)
                    .spawn()
                    .unwrap()
            })
            .collect();
        let ended: Vec<Output> = runs
            .into_iter()
            .map(|r| r.wait_with_output().unwrap())
            .collect();
        for e in &ended {
            assert!(
                e.status.success() || stderr(e).contains("另一个 nianbao 正在向"),
                "round {round}: {}",
                stderr(e)
            );
        }
        assert!(ended.iter().any(|e| e.status.success()), "round {round}");
        assert!(comparable(&out) == f.expected(&f.new), "round {round}");
        assert_nothing_left_beside(&out);
    }
    std::fs::remove_dir_all(&f.dir).unwrap();
}

#[test]
fn a_clerks_own_files_in_out_survive_every_run() {
    let f = fixture("atomic-own-files");
    let out = f.out_with_old_set("out");
    std::fs::create_dir_all(out.join("往年/2023")).unwrap();
    std::fs::write(out.join("往年/2023/rollup.xlsx"), "去年的").unwrap();
    for inputs in ["inputs-less", "inputs"] {
        let ran = run(&f.dir, inputs, &out, None);
        assert!(ran.status.success(), "{}", stderr(&ran));
    }
    let mut expected = f.expected(&f.old);
    expected.insert("往年/2023/rollup.xlsx".into(), "去年的".as_bytes().to_vec());
    assert!(comparable(&out) == expected);
    std::fs::remove_dir_all(&f.dir).unwrap();
}

/// A rerun links the pages that did not change from the previous run, and once that run's
/// set is deleted each page has one name again. (The overview of a first run says there was
/// nothing to compare with, a rerun's that nothing changed: the pages of the second and
/// third runs are compared.)
#[cfg(unix)]
#[test]
fn unchanged_pages_are_linked_on_a_rerun() {
    use std::os::unix::fs::MetadataExt;
    let f = fixture("atomic-links");
    let out = f.dir.join("out");
    let meta = |name: &str| std::fs::metadata(out.join("reports").join(name)).unwrap();
    for _ in 0..2 {
        let ran = run(&f.dir, "inputs", &out, None);
        assert!(ran.status.success(), "{}", stderr(&ran));
    }
    let pages = names(&out.join("reports"));
    let inodes: Vec<u64> = pages.iter().map(|p| meta(p).ino()).collect();
    let ran = run(&f.dir, "inputs", &out, None);
    assert!(ran.status.success(), "{}", stderr(&ran));
    assert_eq!(names(&out.join("reports")), pages);
    for (page, inode) in pages.iter().zip(inodes) {
        assert_eq!(meta(page).ino(), inode, "{page} was written again");
        assert_eq!(meta(page).nlink(), 1, "{page}");
    }
    std::fs::remove_dir_all(&f.dir).unwrap();
}

/// Where `--out` lies in the inputs folder its lock file does too, and is not listed as an
/// input: the manifest is the one a run with `--out` elsewhere writes.
#[test]
fn the_lock_beside_out_is_no_input() {
    let f = fixture("atomic-out-in-inputs");
    let out = f.dir.join("inputs-less/out");
    for _ in 0..2 {
        let ran = run(&f.dir, "inputs-less", &out, None);
        assert!(ran.status.success(), "{}", stderr(&ran));
    }
    assert!(f.dir.join("inputs-less/.out.nianbao.lock").exists());
    assert!(comparable(&out) == comparable(&f.new));
    std::fs::remove_dir_all(&f.dir).unwrap();
}
