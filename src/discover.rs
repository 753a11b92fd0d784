//! Stage 1: every file under `--inputs`, in a stable order, with what will be done with it.
//! Only regular files are ever opened: a FIFO would block the run, a device never ends.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    /// Relative to the inputs folder, `/`-separated: the name used in every output.
    pub relative: String,
    /// Lower-case extension without the dot.
    pub ext: String,
    /// Why the file is passed over without being read (lock files, system files, pipes).
    pub skip: Option<String>,
    /// Why the entry cannot be read at all (a folder that cannot be listed).
    pub problem: Option<String>,
}

impl InputFile {
    /// A file to read, named in the outputs as `relative`.
    pub fn at(path: PathBuf, relative: String) -> InputFile {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        InputFile {
            path,
            relative,
            ext,
            skip: None,
            problem: None,
        }
    }
}

/// Every file under `root`, never entering the folders in `skip` (the outputs and the
/// config, when they lie inside the inputs: last run's rollup.xlsx is no submission), nor
/// the place of one not made yet, should it be made during the walk (an --out another run
/// makes meanwhile). A folder that cannot be listed is one more entry, unreadable, and the
/// walk goes on.
pub fn discover(root: &Path, skip: &[&Path]) -> Result<Vec<InputFile>, String> {
    if !root.is_dir() {
        return Err(format!(
            "找不到 --inputs 指定的文件夹 {}：请确认路径，或在该位置放置各单位报送的文件",
            root.display()
        ));
    }
    let skip: Vec<PathBuf> = skip.iter().filter_map(|p| real_or_to_be(p)).collect();
    let mut files = Vec::new();
    walk(root, "", &skip, &mut files);
    // Two names alike once made readable (bytes that are no UTF-8) are ordered by their
    // paths: the order does not depend on the listing's.
    files.sort_unstable_by(|a, b| (&a.relative, &a.path).cmp(&(&b.relative, &b.path)));
    Ok(files)
}

/// Where `path` is, links followed, or will be once made: the real path of its nearest
/// existing folder, with the rest of it. What a walk's folders are compared with.
fn real_or_to_be(path: &Path) -> Option<PathBuf> {
    let mut at = std::path::absolute(path).ok()?;
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = at.canonicalize() {
            return Some(rest.into_iter().rev().fold(real, |p, name| p.join(name)));
        }
        rest.push(at.file_name()?.to_os_string());
        at.pop();
    }
}

/// Lists `dir`, whose name relative to the inputs folder is `relative` (`""` for the
/// folder itself, else ending in `/`): each entry's relative name is `relative` and its own.
fn walk(dir: &Path, relative: &str, skip: &[PathBuf], files: &mut Vec<InputFile>) {
    let unlistable = |files: &mut Vec<InputFile>, e: std::io::Error| {
        let name = if relative.is_empty() { "/" } else { relative };
        let mut entry = InputFile::at(dir.to_path_buf(), name.to_string());
        entry.problem = Some(format!(
            "文件夹无法读取（{}），其中的文件未处理",
            os_reason(&e)
        ));
        files.push(entry);
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return unlistable(files, e),
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => return unlistable(files, e),
        };
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // The listing gives the entry's own kind without a system call for each of a
        // province's files; a symbolic link is followed to what it names, and a dangling
        // one fails here.
        let own_kind = entry.file_type();
        let is_link = own_kind.as_ref().is_ok_and(|t| t.is_symlink());
        let kind = match own_kind {
            Ok(kind) if !kind.is_symlink() => Ok(kind),
            _ => std::fs::metadata(&path).map(|m| m.file_type()),
        };
        if let Ok(kind) = &kind {
            if kind.is_dir() {
                let skipped = path.canonicalize().is_ok_and(|p| skip.contains(&p));
                // A linked folder is not entered: it could lead back up, or out of --inputs.
                if !name.starts_with('.') && !skipped && !is_link {
                    walk(&path, &format!("{relative}{name}/"), skip, files);
                }
                continue;
            }
        }
        let mut file = InputFile::at(path, format!("{relative}{name}"));
        match kind {
            Err(e) => file.problem = Some(format!("文件无法打开（{}）", os_reason(&e))),
            Ok(kind) if !kind.is_file() => {
                file.skip = Some("不是普通文件（命名管道、设备或套接字），跳过".into());
            }
            Ok(_) => file.skip = system_file(&name).map(str::to_string),
        }
        files.push(file);
    }
}

/// Why a file that is no submission is passed over: the lock files Office, WPS and
/// LibreOffice leave beside an open document, and what Windows and macOS leave in folders.
fn system_file(name: &str) -> Option<&'static str> {
    // Lower-cased only where not ASCII (a name with the Kelvin sign lower-cases to "k").
    let windows_file = |listed: &str| {
        if name.is_ascii() {
            name.eq_ignore_ascii_case(listed)
        } else {
            name.to_lowercase() == listed
        }
    };
    if name.starts_with("~$") {
        Some("Office/WPS 锁文件（~$ 开头，文件打开时生成），跳过")
    } else if name.starts_with(".~lock.") {
        Some("LibreOffice/WPS 锁文件（.~lock 开头），跳过")
    } else if ["thumbs.db", "ehthumbs.db", "desktop.ini"]
        .into_iter()
        .any(windows_file)
    {
        Some("Windows 系统文件，跳过")
    } else if name == ".DS_Store" || name.starts_with("._") {
        Some("macOS 系统文件，跳过")
    } else if name.starts_with('.') {
        Some("隐藏文件，跳过")
    } else {
        None
    }
}

/// An operating-system error as a clerk reads it.
pub fn os_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "没有读取权限".into(),
        std::io::ErrorKind::NotFound => "文件不存在，或链接指向的文件已不存在".into(),
        std::io::ErrorKind::NotADirectory => "路径中的某一级不是文件夹".into(),
        std::io::ErrorKind::IsADirectory => "这是文件夹，不是文件".into(),
        std::io::ErrorKind::StorageFull => "磁盘已满".into(),
        std::io::ErrorKind::ReadOnlyFilesystem => "磁盘只读，不能写入".into(),
        _ => format!("系统错误：{e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_files_are_known_in_any_case() {
        for name in [
            "Thumbs.db",
            "DESKTOP.INI",
            "ehthumbs.DB",
            "DES\u{212A}TOP.INI",
        ] {
            assert_eq!(system_file(name), Some("Windows 系统文件，跳过"), "{name}");
        }
        assert_eq!(system_file("desktop.ini.xlsx"), None);
    }

    /// A folder to leave out that is not made yet is left out once made: its place is
    /// known from its nearest existing folder.
    #[test]
    fn a_folder_left_out_is_known_before_it_is_made() {
        let dir = std::env::temp_dir().join(format!("nianbao-to-be-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("新建/out");
        let to_be = real_or_to_be(&out).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        assert_eq!(to_be, out.canonicalize().unwrap());
        std::fs::write(out.join("rollup.xlsx"), b"x").unwrap();
        let files = discover(&dir, &[&to_be]).unwrap();
        assert!(files.is_empty(), "{files:?}");
        // An existing folder is its real path, as before.
        assert_eq!(real_or_to_be(&out), out.canonicalize().ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn walks_recursively_in_order_and_marks_skips() {
        let dir = std::env::temp_dir().join(format!("nianbao-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("乡镇/.git")).unwrap();
        std::fs::create_dir_all(dir.join("outputs")).unwrap();
        std::fs::write(dir.join("outputs/rollup.xlsx"), b"x").unwrap();
        for f in [
            "b.csv",
            "乡镇/a.XLSX",
            "乡镇/~$a.xlsx",
            "乡镇/.~lock.a.xlsx#",
            "乡镇/Thumbs.db",
            ".DS_Store",
            "乡镇/.git/x.csv",
        ] {
            std::fs::write(dir.join(f), b"x").unwrap();
        }
        let files = discover(&dir, &[&dir.join("outputs")]).unwrap();
        let names: Vec<(&str, &str, bool)> = files
            .iter()
            .map(|f| (f.relative.as_str(), f.ext.as_str(), f.skip.is_some()))
            .collect();
        assert_eq!(
            names,
            vec![
                (".DS_Store", "", true),
                ("b.csv", "csv", false),
                ("乡镇/.~lock.a.xlsx#", "xlsx#", true),
                ("乡镇/Thumbs.db", "db", true),
                ("乡镇/a.XLSX", "xlsx", false),
                ("乡镇/~$a.xlsx", "xlsx", true),
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(discover(&dir, &[]).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn pipes_are_skipped_and_dangling_links_are_unreadable() {
        let dir =
            std::env::temp_dir().join(format!("nianbao-discover-fifo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("a")).unwrap();
        let status = std::process::Command::new("mkfifo")
            .arg(dir.join("a/pipe.csv"))
            .status();
        std::os::unix::fs::symlink(dir.join("gone.xlsx"), dir.join("link.xlsx")).unwrap();
        std::os::unix::fs::symlink(&dir, dir.join("a/loop")).unwrap();
        let files = discover(&dir, &[]).unwrap();
        let link = files.iter().find(|f| f.relative == "link.xlsx").unwrap();
        assert!(link.problem.as_deref().unwrap().contains("不存在"));
        assert!(!files.iter().any(|f| f.relative.starts_with("a/loop")));
        if status.is_ok_and(|s| s.success()) {
            let pipe = files.iter().find(|f| f.relative == "a/pipe.csv").unwrap();
            assert!(pipe.skip.as_deref().unwrap().contains("不是普通文件"));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
