//! Stage 1: every file under `--inputs`, in a stable order, with what will be done with it.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    /// Relative to the inputs folder, `/`-separated: the name used in every output.
    pub relative: String,
    /// Lower-case extension without the dot.
    pub ext: String,
    /// Why the file is passed over without being read (lock files, hidden files).
    pub skip: Option<String>,
}

/// Every file under `root`, never entering the folders in `skip` (the outputs and the
/// config, when they lie inside the inputs: last run's rollup.xlsx is no submission).
pub fn discover(root: &Path, skip: &[&Path]) -> Result<Vec<InputFile>, String> {
    if !root.is_dir() {
        return Err(format!("--inputs {} is not a folder", root.display()));
    }
    let skip: Vec<std::path::PathBuf> = skip.iter().filter_map(|p| p.canonicalize().ok()).collect();
    let mut files = Vec::new();
    walk(root, root, &skip, &mut files)?;
    files.sort_by(|a, b| a.relative.cmp(&b.relative));
    Ok(files)
}

fn walk(
    root: &Path,
    dir: &Path,
    skip: &[std::path::PathBuf],
    files: &mut Vec<InputFile>,
) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let file_type = entry
            .file_type()
            .map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
        if file_type.is_dir() {
            let skipped = path.canonicalize().is_ok_and(|p| skip.contains(&p));
            if !name.starts_with('.') && !skipped {
                walk(root, &path, skip, files)?;
            }
            continue;
        }
        let relative = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let skip = if name.starts_with("~$") {
            Some("Office 锁文件（~$ 开头），跳过".to_string())
        } else if name.starts_with('.') {
            Some("隐藏文件，跳过".to_string())
        } else {
            None
        };
        files.push(InputFile {
            path,
            relative,
            ext,
            skip,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
                ("乡镇/a.XLSX", "xlsx", false),
                ("乡镇/~$a.xlsx", "xlsx", true),
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(discover(&dir, &[]).is_err());
    }
}
