//! Stage 7: writing. Writers format what earlier stages computed; they compute nothing.
//! Every file is written to a temporary name and renamed into place.

pub mod csv;
pub mod html;
pub mod manifest;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod workbook;

pub use csv::{
    anomalies_csv, anomaly_row, csv_bytes, neutralize, normalized_csv, rollup_csv, value_text,
    write_csv, ANOMALY_COLUMNS, NORMALIZED_LEAD, ROLLUP_LEAD,
};
pub use manifest::{ChecksInfo, Counts, FileEntry, Manifest, Phase, RunInfo, SubmissionEntry};

use std::io::Write;
use std::path::{Path, PathBuf};

/// An output written under a temporary name, waiting to be renamed into place with the
/// others by [`commit`]. Dropped without being committed, it removes itself: an error
/// half-way through a run leaves the previous outputs as they were, and no litter.
pub struct Staged {
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = if self.temp.is_dir() {
                std::fs::remove_dir_all(&self.temp)
            } else {
                std::fs::remove_file(&self.temp)
            };
        }
    }
}

fn failed(what: &Path, e: std::io::Error) -> String {
    format!("cannot write {}: {e}", what.display())
}

/// Stages `dir/name`, made as it is written: `write` streams through a buffer into the
/// temporary file, so a large output is never held whole in memory.
pub fn stage_file(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> Result<Staged, String> {
    let staged = Staged {
        temp: dir.join(format!(".{name}.tmp")),
        target: dir.join(name),
        committed: false,
    };
    std::fs::File::create(&staged.temp)
        .and_then(|f| {
            let mut buffered = std::io::BufWriter::new(f);
            write(&mut buffered)?;
            buffered
                .into_inner()
                .map_err(|e| e.into_error())?
                .sync_all()
        })
        .map_err(|e| failed(&staged.target, e))?;
    Ok(staged)
}

/// Stages the folder `dir/name` with what `fill` writes into a fresh one; on commit it
/// replaces the old folder whole, so no page of a unit that is gone remains.
pub fn stage_folder(
    dir: &Path,
    name: &str,
    fill: impl FnOnce(&Folder) -> Result<(), String>,
) -> Result<Staged, String> {
    let staged = Staged {
        temp: dir.join(format!(".{name}.tmp")),
        target: dir.join(name),
        committed: false,
    };
    if staged.temp.exists() {
        std::fs::remove_dir_all(&staged.temp).map_err(|e| failed(&staged.temp, e))?;
    }
    std::fs::create_dir_all(&staged.temp).map_err(|e| failed(&staged.temp, e))?;
    // Only a real folder, which the commit removes, lends its files: a linked page must not
    // stay shared with anything once the run is done.
    let previous = std::fs::symlink_metadata(&staged.target)
        .is_ok_and(|m| m.is_dir())
        .then(|| staged.target.clone());
    fill(&Folder {
        temp: staged.temp.clone(),
        previous,
    })?;
    Ok(staged)
}

/// A folder being filled by [`stage_folder`], beside the previous run's.
///
/// A file whose bytes are the same as the previous run's is hard-linked from it rather than
/// written again. A rerun mostly makes the same pages, and creating a province's 100,000
/// files right after deleting as many is slow on ext4 (each new inode is checked against the
/// recently deleted ones); a link creates no inode, and the old folder's removal frees none.
pub struct Folder {
    temp: PathBuf,
    previous: Option<PathBuf>,
}

impl Folder {
    /// Whether the previous run's `name` holds exactly `bytes`. Only reads; safe to call
    /// from many threads, so the comparing can be done beside the rendering.
    /// Only a plain file with no other name is taken (not a symlink, not a file also linked
    /// elsewhere), so that after the commit the page is the new folder's alone.
    #[cfg(unix)]
    pub fn unchanged(&self, name: &str, bytes: &[u8]) -> bool {
        use std::os::unix::fs::MetadataExt;
        let Some(previous) = &self.previous else {
            return false;
        };
        let old = previous.join(name);
        std::fs::symlink_metadata(&old)
            .is_ok_and(|m| m.is_file() && m.nlink() == 1 && m.len() == bytes.len() as u64)
            && std::fs::read(&old).is_ok_and(|b| b == bytes)
    }

    /// Elsewhere every page is written: the cost it avoids is ext4's.
    #[cfg(not(unix))]
    pub fn unchanged(&self, _name: &str, _bytes: &[u8]) -> bool {
        false
    }

    /// Puts `name` in the folder: linked from the previous run's when `unchanged` (as
    /// [`Folder::unchanged`] found), written otherwise or if the link cannot be made.
    pub fn put(&self, name: &str, bytes: &[u8], unchanged: bool) -> Result<(), String> {
        let path = self.temp.join(name);
        if let (true, Some(previous)) = (unchanged, &self.previous) {
            if std::fs::hard_link(previous.join(name), &path).is_ok() {
                return Ok(());
            }
        }
        // Where two names are one file (a case-insensitive file system), the first may be a
        // link: replace it rather than write through it into the previous run's page.
        if std::fs::symlink_metadata(&path).is_ok() {
            std::fs::remove_file(&path).map_err(|e| failed(&path, e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| failed(&path, e))
    }
}

/// Renames every staged output into place, one right after another, once all were made.
pub fn commit(staged: Vec<Staged>) -> Result<(), String> {
    for mut s in staged {
        if s.temp.is_dir() {
            let name = s.target.file_name().unwrap_or_default().to_string_lossy();
            let old = s.target.with_file_name(format!(".{name}.old"));
            if s.target.exists() {
                std::fs::rename(&s.target, &old).map_err(|e| failed(&s.target, e))?;
            }
            std::fs::rename(&s.temp, &s.target).map_err(|e| failed(&s.target, e))?;
            if old.exists() {
                std::fs::remove_dir_all(&old).map_err(|e| failed(&old, e))?;
            }
        } else {
            std::fs::rename(&s.temp, &s.target).map_err(|e| failed(&s.target, e))?;
        }
        s.committed = true;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_are_replaced_together_or_not_at_all() {
        let dir = std::env::temp_dir().join(format!("nianbao-stage-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // What the run does with each page: link it if unchanged, else write it.
        let same = |folder: &Folder, name: &str, bytes: &[u8]| {
            folder.put(name, bytes, folder.unchanged(name, bytes))
        };
        // Each page's bytes are its name and the text of the run.
        let pages = |text: &'static str, names: &'static [&'static str]| {
            move |folder: &Folder| {
                names
                    .iter()
                    .try_for_each(|n| same(folder, n, format!("{n} {text}").as_bytes()))
            }
        };
        let run = |text: &'static str, names: &'static [&'static str]| {
            let file = stage_file(&dir, "a.csv", |w| w.write_all(text.as_bytes())).unwrap();
            let folder = stage_folder(&dir, "reports", pages(text, names)).unwrap();
            commit(vec![file, folder]).unwrap();
        };
        run("one", &["a.html", "gone.html"]);
        run("two", &["a.html", "b.html"]);
        assert_eq!(std::fs::read(dir.join("a.csv")).unwrap(), b"two");
        assert_eq!(
            std::fs::read(dir.join("reports/a.html")).unwrap(),
            b"a.html two"
        );
        let mut names: Vec<String> = std::fs::read_dir(dir.join("reports"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a.html", "b.html"]);

        // A page the same as last run's is the same file, linked, not written again; a
        // changed page is written anew, and the old one left as it was until the commit.
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let inode = |name: &str| std::fs::metadata(dir.join(name)).unwrap().ino();
            let (a, b) = (inode("reports/a.html"), inode("reports/b.html"));
            let rerun = |folder: &Folder| {
                same(folder, "a.html", b"a.html two")?;
                same(folder, "b.html", b"b.html 3")
            };
            let folder = stage_folder(&dir, "reports", rerun).unwrap();
            assert_eq!(
                std::fs::read(dir.join("reports/b.html")).unwrap(),
                b"b.html two"
            );
            commit(vec![folder]).unwrap();
            assert_eq!(inode("reports/a.html"), a);
            assert_ne!(inode("reports/b.html"), b);
            assert_eq!(
                std::fs::read(dir.join("reports/b.html")).unwrap(),
                b"b.html 3"
            );
            assert_eq!(
                std::fs::metadata(dir.join("reports/a.html"))
                    .unwrap()
                    .nlink(),
                1
            );

            // A page that is a symlink, or has another name too, is written anew: nothing
            // stays shared with what the run replaces.
            std::fs::rename(dir.join("reports/a.html"), dir.join("a-kept.html")).unwrap();
            std::os::unix::fs::symlink(dir.join("a-kept.html"), dir.join("reports/a.html"))
                .unwrap();
            std::fs::hard_link(dir.join("reports/b.html"), dir.join("b-kept.html")).unwrap();
            let folder = stage_folder(&dir, "reports", rerun).unwrap();
            commit(vec![folder]).unwrap();
            for name in ["reports/a.html", "reports/b.html"] {
                let m = std::fs::symlink_metadata(dir.join(name)).unwrap();
                assert!(m.is_file() && m.nlink() == 1, "{name}");
            }
            assert_eq!(
                std::fs::read(dir.join("reports/a.html")).unwrap(),
                b"a.html two"
            );

            // Nor does a reports folder that is a symlink to another folder lend its files.
            std::fs::rename(dir.join("reports"), dir.join("elsewhere")).unwrap();
            std::os::unix::fs::symlink(dir.join("elsewhere"), dir.join("reports")).unwrap();
            let folder = stage_folder(&dir, "reports", rerun).unwrap();
            commit(vec![folder]).unwrap();
            assert_ne!(inode("elsewhere/a.html"), inode("reports/a.html"));
            assert_eq!(
                std::fs::metadata(dir.join("elsewhere/a.html"))
                    .unwrap()
                    .nlink(),
                1
            );
            for extra in ["a-kept.html", "b-kept.html"] {
                std::fs::remove_file(dir.join(extra)).unwrap();
            }
            std::fs::remove_dir_all(dir.join("elsewhere")).unwrap();
        }

        // A failure before the commit leaves the previous outputs and no temporary files.
        let staged = stage_file(&dir, "a.csv", |w| w.write_all(b"three")).unwrap();
        let failing = stage_folder(&dir, "reports", |_| Err("no".to_string()));
        assert!(failing.is_err());
        drop(staged);
        assert_eq!(std::fs::read(dir.join("a.csv")).unwrap(), b"two");
        let mut left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["a.csv", "reports"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
