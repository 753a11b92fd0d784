//! The outputs of a run replace the previous run's as one set, all or nothing.
//!
//! Every output is written into a staging folder beside `--out` (same parent, so the same
//! file system), manifest included. Only when all were written does [`Staging::switch`] put
//! the staged folder in the place of `--out`: on Linux in one step, `renameat2` with
//! `RENAME_EXCHANGE`, after which the previous set sits at the staging path and is deleted.
//! Where the exchange is not available (an old kernel, a file system without it, other
//! systems), `--out` is renamed aside, the staged folder renamed in, and the previous set
//! deleted; a crash between the two renames leaves `--out` missing and the previous set
//! aside, and the next run puts it back before anything else.
//!
//! What a crash at any instant leaves, then: `--out` holds one run's complete set, and beside
//! it may lie a hidden staging or previous-set folder, which the next run deletes. The names
//! beside `--out` (for `outputs`):
//!
//! - `.outputs.nianbao-new`: the set being staged, or after the exchange the previous one;
//!   always deleted by the next run;
//! - `.outputs.nianbao-old`: the previous set, only between the fallback's two renames;
//! - `.outputs.nianbao.lock`: the lock, held for the whole run, kept afterwards.
//!
//! This module makes the only renames of the outputs.

use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::folder_list::{digest, Digest, FolderFile, FolderList};

/// The files a run writes in `--out`. `normalized.parquet` is here in builds without the
/// `parquet` feature too: the set is replaced whole, and a previous run's parquet kept beside
/// new CSVs would disagree with them.
const FILES: &[&str] = &[
    "normalized.csv",
    "anomalies.csv",
    "rollup.csv",
    "rollup.xlsx",
    "manifest.json",
    "normalized.parquet",
    "changes.csv",
];

/// The folders a run writes in `--out`, each replaced whole: no page of a unit that is gone
/// remains, and a file a user puts inside goes with it.
const FOLDERS: &[&str] = &["reports", "notices"];

/// The outputs of one run, being written beside `--out` and put in its place by
/// [`Staging::switch`]. It holds the lock on `--out` from [`Staging::begin`] until it is
/// dropped; dropped without a switch (an error, a write that failed), it deletes what it
/// staged and `--out` keeps the previous set untouched.
pub struct Staging {
    /// `--out`, resolved: an absolute path whose parent exists.
    out: PathBuf,
    /// The staging folder; after the switch, the previous set, until deleted.
    dir: PathBuf,
    /// Where the fallback switch moves the previous set between its two renames.
    old: PathBuf,
    /// The lock file, beside `--out`.
    lock: PathBuf,
    /// The lock, held while this lives; released when it is dropped or the process ends.
    /// (Written to by [`Staging::settle`], on Unix only.)
    #[cfg_attr(not(unix), allow(dead_code))]
    held: std::fs::File,
    /// What the last run that succeeded noted once it was done with its outputs
    /// ([`Settled`]); none where the lock file is new or notes nothing that can be trusted.
    settled: Option<Settled>,
    /// The previous run's folder files, as its manifest lists them ([`Staging::recall`]).
    previous_files: FolderList,
    /// Which of `previous_files` this run linked: listed again as they are.
    kept: Vec<AtomicBool>,
    /// The folder files this run wrote, for its manifest.
    written_files: std::sync::Mutex<Vec<FolderFile>>,
    /// Folders in which two names were one file (a case-insensitive file system): none of
    /// their files is listed, as a listing could describe one name by the other's bytes.
    collided: std::sync::Mutex<Vec<String>>,
}

impl Staging {
    /// Locks `--out`, cleans up what an interrupted run left beside it, checks that every
    /// previous output can be replaced, and makes an empty staging folder. `keep` are folders
    /// the run reads (inputs, config): `--out` may not hold them, as the whole of `--out` is
    /// replaced.
    pub fn begin(out: &Path, keep: &[&Path]) -> Result<Staging, String> {
        let out = resolve(out)?;
        let parent = out.parent().expect("a resolved --out has a parent");
        let name = out
            .file_name()
            .expect("a resolved --out has a name")
            .to_string_lossy();
        for k in keep {
            if real(k).is_some_and(|k| k.starts_with(&out)) {
                return Err(format!(
                    "--out {} 里有本次运行要读的 {}；运行结束时 --out 会整个被新结果替换。请另选一个 --out。",
                    out.display(),
                    k.display()
                ));
            }
        }
        let lock_file = parent.join(format!(".{name}.nianbao.lock"));
        let (held, settled) = lock(&out, &lock_file)?;
        let staging = Staging {
            dir: parent.join(format!(".{name}.nianbao-new")),
            old: parent.join(format!(".{name}.nianbao-old")),
            out,
            lock: lock_file,
            held,
            settled,
            previous_files: FolderList::default(),
            kept: Vec::new(),
            written_files: Default::default(),
            collided: Default::default(),
        };
        staging.recover()?;
        check_replaceable(&staging.out)?;
        std::fs::create_dir(&staging.dir).map_err(|e| {
            format!(
                "无法在 {} 旁边建立暂存文件夹 {}：{}",
                staging.out.display(),
                staging.dir.display(),
                reason(&e)
            )
        })?;
        Ok(staging)
    }

    /// `--out`, as resolved: where the outputs will be once switched.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Whether `path` is the lock file this keeps beside `--out`. Where `--out` lies in the
    /// inputs folder, so does the lock, and it is no submission.
    pub fn keeps(&self, path: &Path) -> bool {
        // Every input is asked: only one named as the lock is resolved (several system calls).
        path.file_name() == self.lock.file_name() && real(path).is_some_and(|p| p == self.lock)
    }

    /// Stages the file `name`, made as it is written: `write` streams through a buffer into
    /// it, so a large output is never held whole in memory.
    pub fn file(
        &self,
        name: &str,
        write: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
    ) -> Result<(), String> {
        std::fs::File::create(self.dir.join(name))
            .and_then(|f| {
                let mut buffered = std::io::BufWriter::new(f);
                write(&mut buffered)?;
                fault_write(name)?;
                buffered
                    .into_inner()
                    .map_err(|e| e.into_error())?
                    .sync_all()
            })
            .map_err(|e| failed(&self.out.join(name), &e))
    }

    /// Stages the folder `name` with what `fill` writes into it, and gives what `fill`
    /// returns. The previous run's folder of that name lends the pages that did not change
    /// (see [`Folder`]).
    pub fn folder<T>(
        &self,
        name: &str,
        fill: impl FnOnce(&Folder) -> Result<T, String>,
    ) -> Result<T, String> {
        let temp = self.dir.join(name);
        let shown = self.out.join(name);
        std::fs::create_dir(&temp).map_err(|e| failed(&shown, &e))?;
        // Only a real folder, which the switch removes, lends its files: a linked page must
        // not stay shared with anything once the run is done.
        let folder = std::fs::symlink_metadata(&shown)
            .ok()
            .filter(|m| m.is_dir());
        // The previous run's listing is trusted only in the very folder it settled: one moved
        // aside and back keeps its files' ctimes.
        let settled_ns = self.settled.as_ref().and_then(|settled| {
            let id = identity(folder.as_ref()?)?;
            settled
                .folders
                .iter()
                .any(|(n, d, i)| n == name && (*d, *i) == id)
                .then_some(settled.at_ns)
        });
        fill(&Folder {
            name,
            temp,
            shown,
            settled_ns,
            staging: self,
        })
    }

    /// The files the previous run's manifest lists in its folders ([`FolderFile`]): those
    /// this run would write the same are linked from it rather than written again.
    pub fn recall(&mut self, files: FolderList) {
        self.previous_files = files;
        self.kept = (0..self.previous_files.files.len())
            .map(|_| AtomicBool::new(false))
            .collect();
    }

    /// The files this run put in its folders, linked and written, by path, for its manifest;
    /// taken: the lists are emptied (the folders are all made by then).
    pub fn take_folder_files(&mut self) -> Vec<FolderFile> {
        let written = self
            .written_files
            .get_mut()
            .unwrap_or_else(|e| e.into_inner());
        let mut files = std::mem::take(written);
        let previous = std::mem::take(&mut self.previous_files);
        for (at, kept) in std::mem::take(&mut self.kept).into_iter().enumerate() {
            if kept.into_inner() {
                files.push(previous.file(at));
            }
        }
        let collided = self.collided.get_mut().unwrap_or_else(|e| e.into_inner());
        files.retain(|f| {
            !collided
                .iter()
                .any(|folder| f.path.split_once('/').is_some_and(|(of, _)| of == folder))
        });
        files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        files
    }

    /// Puts the staged set in the place of `--out`, then deletes the previous one. Before,
    /// it checks again that every previous output can be replaced, and carries over (as hard
    /// links, or copies) whatever in `--out` is not an output: a clerk's own notes stay.
    /// An error before the switch leaves `--out` as it was.
    pub fn switch(self) -> Result<(), String> {
        check_replaceable(&self.out)?;
        carry(&self.out, &self.dir)?;
        failpoint("before-switch");
        let Ok(previous) = std::fs::metadata(&self.out) else {
            std::fs::rename(&self.dir, &self.out).map_err(|e| self.not_replaced(&e))?;
            self.synced();
            failpoint("after-switch");
            self.settle();
            return Ok(());
        };
        // The new folder keeps the previous one's permissions: one shared with a group stays
        // shared. (Windows folders inherit theirs from the parent.)
        #[cfg(unix)]
        let _ = std::fs::set_permissions(&self.dir, previous.permissions());
        #[cfg(not(unix))]
        let _ = previous;
        if exchange(&self.dir, &self.out).map_err(|e| self.not_replaced(&e))? {
            self.synced();
            failpoint("after-switch");
        } else {
            self.switch_by_renames()?;
        }
        // The previous set is now at the staging path. If it cannot be deleted, the run has
        // still succeeded: the next one deletes it before anything else.
        if let Err(e) = remove_tree(&self.dir) {
            eprintln!(
                "nianbao: 注意：未能删除上次的输出 {}：{}。下次运行时会再删除。",
                self.dir.display(),
                reason(&e)
            );
        }
        self.settle();
        Ok(())
    }

    /// Notes in the lock file when this run was done with its outputs, as the file system
    /// stamps a write: the next run trusts a page's listing only if nothing has touched the
    /// file since ([`Folder::look`]). Where it cannot be noted, the next run writes every page.
    #[cfg(unix)]
    fn settle(&self) {
        let mut file = &self.held;
        let Some(at_ns) = with_own_id(file).map(|last_change| stamp_after(file, last_change))
        else {
            return;
        };
        let folders = FOLDERS
            .iter()
            .filter_map(|name| {
                let folder = std::fs::symlink_metadata(self.out.join(name)).ok()?;
                let (device, inode) = identity(&folder)?;
                Some((name.to_string(), device, inode))
            })
            .collect();
        let _ = writeln!(file, "{}", Settled { at_ns, folders }.line());
    }

    /// Elsewhere no page is linked: nothing to note.
    #[cfg(not(unix))]
    fn settle(&self) {}

    /// The switch where the two folders cannot be exchanged in one step: `--out` aside, the
    /// staged set in, the previous set to the staging path. Between the first two renames
    /// `--out` is missing; [`Staging::recover`] puts the previous set back after a crash.
    fn switch_by_renames(&self) -> Result<(), String> {
        std::fs::rename(&self.out, &self.old).map_err(|e| self.not_replaced(&e))?;
        failpoint("moved-old-aside");
        if let Err(e) = std::fs::rename(&self.dir, &self.out) {
            if std::fs::rename(&self.old, &self.out).is_err() {
                return Err(format!(
                    "无法替换 {}：{}。上次的输出暂时在 {}，下次运行时会放回原处。",
                    self.out.display(),
                    reason(&e),
                    self.old.display()
                ));
            }
            return Err(self.not_replaced(&e));
        }
        self.synced();
        failpoint("after-switch");
        // The staging path is free now; from there the previous set is deleted as after an
        // exchange. Should this rename fail, the previous set is deleted where it is.
        if std::fs::rename(&self.old, &self.dir).is_err() {
            let _ = remove_tree(&self.old);
        }
        Ok(())
    }

    /// What an interrupted run left beside `--out`: the previous set moved aside by the
    /// fallback switch goes back if `--out` is missing, and is deleted if the new set made
    /// it into `--out`; a staging folder (a set never switched in, or the previous one after
    /// an exchange) is deleted.
    fn recover(&self) -> Result<(), String> {
        let leftover = |e: std::io::Error, p: &Path| {
            format!(
                "无法清理上次中断的运行在 {} 留下的文件夹：{}。请手动删除它后重试。",
                p.display(),
                reason(&e)
            )
        };
        if std::fs::symlink_metadata(&self.old).is_ok() {
            if std::fs::symlink_metadata(&self.out).is_err() {
                std::fs::rename(&self.old, &self.out).map_err(|e| {
                    format!(
                        "上次的运行在替换输出时中断，无法把上次的输出从 {} 放回 {}：{}",
                        self.old.display(),
                        self.out.display(),
                        reason(&e)
                    )
                })?;
            } else {
                remove_tree(&self.old).map_err(|e| leftover(e, &self.old))?;
            }
        }
        if std::fs::symlink_metadata(&self.dir).is_ok() {
            remove_tree(&self.dir).map_err(|e| leftover(e, &self.dir))?;
        }
        Ok(())
    }

    /// Asks the system to write the switch to disk, so that a power cut right after a run
    /// that said it succeeded does not bring the previous set back. The staged files were
    /// synced as they were written (all but the pages).
    fn synced(&self) {
        #[cfg(unix)]
        if let Some(parent) = self.out.parent() {
            let _ = std::fs::File::open(parent).and_then(|d| d.sync_all());
        }
    }

    fn not_replaced(&self, e: &std::io::Error) -> String {
        format!(
            "无法替换 {}：{}。上次的输出保持原样；请关闭打开了其中文件的程序后重试。",
            self.out.display(),
            reason(e)
        )
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        // After a switch this is already gone; after an error it is the discarded set. The
        // lock is released after this, as the fields are dropped.
        if std::fs::symlink_metadata(&self.dir).is_ok() {
            let _ = remove_tree(&self.dir);
        }
    }
}

/// A folder being filled by [`Staging::folder`], beside the previous run's.
///
/// A file whose bytes are the same as the previous run's is hard-linked from it rather than
/// written again. A rerun mostly makes the same pages, and creating a province's 100,000
/// files right after deleting as many is slow on ext4 (each new inode is checked against the
/// recently deleted ones); a link creates no inode, and the old folder's removal frees none.
/// Whether they are the same is known from the previous manifest ([`FolderFile`]), not by
/// reading the previous file.
pub struct Folder<'s> {
    /// The folder's name in `--out`: `reports`.
    name: &'s str,
    temp: PathBuf,
    /// Where the folder will be, and where the previous run's is: the folder's name in
    /// `--out`.
    shown: PathBuf,
    /// What the previous run that succeeded noted as its time, where this folder is the
    /// one it left, a real folder ([`Settled`]): a page touched since is not taken as
    /// listed. `None`: no page is linked. (Pages are linked on Unix only.)
    #[cfg_attr(not(unix), allow(dead_code))]
    settled_ns: Option<u64>,
    staging: &'s Staging,
}

/// What [`Folder::look`] found of a file before it is put.
pub struct Look {
    digest: Digest,
    /// The previous run's file of that name holds the same bytes: its place in the previous
    /// run's list.
    unchanged: Option<usize>,
}

impl Folder<'_> {
    /// The digest of `bytes`, and whether the previous run's `name` holds the same: its
    /// manifest lists it with that size and digest, and it is still the file it wrote then,
    /// untouched: the same size and mtime, and a ctime before the time that run noted in
    /// the lock file when it was done, in the folder it noted ([`Settled`]). An edit, a copy
    /// or a move over it since moves its ctime on, which programs cannot set (only the
    /// clock does); a folder put back after another run settled is not the one noted. A
    /// listing alone would not do, as pages written in one clock tick share an mtime.
    /// Only reads; safe to call from many threads, so that it is done beside the rendering.
    /// Only a plain file with no other name is taken (not a symlink, not a file also linked
    /// elsewhere), so that after the switch the page is the new folder's alone.
    pub fn look(&self, name: &str, bytes: &[u8]) -> Look {
        let digest = digest(bytes);
        let unchanged = self.previous_same(name, bytes.len() as u64, digest);
        Look { digest, unchanged }
    }

    #[cfg(unix)]
    fn previous_same(&self, name: &str, size: u64, digest: Digest) -> Option<usize> {
        use std::os::unix::fs::MetadataExt;
        let settled = self.settled_ns?;
        let at = self.staging.previous_files.find(&self.path(name))?;
        let listed = &self.staging.previous_files.files[at];
        if listed.size != size || listed.digest != digest {
            return None;
        }
        let on_disk = std::fs::symlink_metadata(self.shown.join(name)).ok()?;
        (on_disk.is_file()
            && on_disk.nlink() == 1
            && on_disk.len() == size
            && modified_ns(&on_disk) == Some(listed.modified_ns)
            && changed_ns(&on_disk).is_some_and(|changed| changed < settled))
        .then_some(at)
    }

    /// Elsewhere every page is written: the cost it avoids is ext4's.
    #[cfg(not(unix))]
    fn previous_same(&self, _name: &str, _size: u64, _digest: Digest) -> Option<usize> {
        None
    }

    /// The path of `name` in this folder, under `--out`, as the manifest lists it.
    fn path(&self, name: &str) -> String {
        format!("{}/{name}", self.name)
    }

    /// Puts `name` in the folder: linked from the previous run's when [`Folder::look`]
    /// found it unchanged, written otherwise or if the link cannot be made.
    pub fn put(&self, name: &str, bytes: &[u8], look: Look) -> Result<(), String> {
        let path = self.temp.join(name);
        if let Some(at) = look.unchanged {
            if std::fs::hard_link(self.shown.join(name), &path).is_ok() {
                // The same file: listed as the previous run listed it.
                self.staging.kept[at].store(true, Ordering::Relaxed);
                return Ok(());
            }
        }
        let shown = || self.shown.join(name);
        let create = || {
            std::fs::File::options()
                .write(true)
                .create_new(true)
                .open(&path)
        };
        // Where two names are one file (a case-insensitive file system), the first may be a
        // link: replace it rather than write through it into the previous run's page.
        let file = match create() {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                std::fs::remove_file(&path).map_err(|e| failed(&shown(), &e))?;
                let mut collided = self
                    .staging
                    .collided
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                collided.push(self.name.to_string());
                drop(collided);
                create()
            }
            created => created,
        };
        let written = file
            .and_then(|mut f| {
                f.write_all(bytes)?;
                f.metadata()
            })
            .map_err(|e| failed(&shown(), &e))?;
        // A time the system cannot give leaves the file unlisted: the next run writes it.
        if let Some(modified_ns) = modified_ns(&written) {
            let file = FolderFile {
                path: self.path(name),
                size: bytes.len() as u64,
                digest: look.digest,
                modified_ns,
            };
            let mut files = self
                .staging
                .written_files
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            files.push(file);
        }
        Ok(())
    }
}

/// Empties the lock file and writes this process's id in it, for whoever finds the lock
/// taken; the time the file system stamped that write with (its ctime): now, by the clock
/// that stamps files.
fn with_own_id(mut file: &std::fs::File) -> Option<u64> {
    use std::io::{Seek, SeekFrom};
    let id = std::process::id();
    let written = file
        .set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| writeln!(file, "{id}"))
        .and_then(|()| file.metadata());
    written.ok().as_ref().and_then(changed_ns)
}

/// The first stamp other than `last_change` that the file system gives a write to the lock
/// file — a later one, or an earlier one where the clock was set back — or `last_change`
/// itself if none comes within 50 ms. Files are stamped by a clock that moves a tick (up to
/// 10 ms) at a time: the pages linked, and the previous set's names deleted, in the tick of
/// `last_change` would otherwise be no earlier than the time noted, and written again by the
/// next run. Noting `last_change`, or an earlier stamp, is safe all the same: a page is
/// trusted only if stamped before the time noted. (Linux from 6.13 stamps a file finely
/// once its stamp was asked for: there the first write after is later.) Each write is the
/// process id the file already holds, at its start: a run refused the lock meanwhile reads
/// it whole.
#[cfg(unix)]
fn stamp_after(file: &std::fs::File, last_change: u64) -> u64 {
    use std::os::unix::fs::FileExt;
    let id = format!("{}\n", std::process::id());
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(50);
    while std::time::Instant::now() < deadline {
        let written = file
            .write_at(id.as_bytes(), 0)
            .and_then(|_| file.metadata());
        match written.ok().as_ref().and_then(changed_ns) {
            Some(now) if now != last_change => return now,
            Some(_) => std::thread::sleep(std::time::Duration::from_micros(500)),
            None => break,
        }
    }
    last_change
}

/// What a run that succeeded notes in the lock file once it is done with its outputs
/// ([`Staging::settle`]), as a line `settled NS reports:DEV:INO notices:DEV:INO`: when, by
/// the clock that stamps files, and which folders it left in `--out`, by their device and
/// inode numbers. A folder of that number made since is a new one, and everything in it
/// came by a create, a link or a rename, each of which stamps the file's ctime anew.
#[derive(Debug, PartialEq)]
struct Settled {
    at_ns: u64,
    folders: Vec<(String, u64, u64)>,
}

impl Settled {
    fn parse(line: &str) -> Option<Settled> {
        let mut words = line.strip_prefix("settled ")?.split_whitespace();
        let at_ns = words.next()?.parse().ok()?;
        let folders = words
            .filter_map(|word| {
                let mut parts = word.split(':');
                let name = parts.next()?.to_string();
                let device = parts.next()?.parse().ok()?;
                let inode = parts.next()?.parse().ok()?;
                Some((name, device, inode))
            })
            .collect();
        Some(Settled { at_ns, folders })
    }

    fn line(&self) -> String {
        let mut line = format!("settled {}", self.at_ns);
        for (name, device, inode) in &self.folders {
            line.push_str(&format!(" {name}:{device}:{inode}"));
        }
        line
    }
}

/// A folder's device and inode numbers.
#[cfg(unix)]
fn identity(metadata: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((metadata.dev(), metadata.ino()))
}

/// Elsewhere none: no page is linked there.
#[cfg(not(unix))]
fn identity(_metadata: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// When anything last touched a file (its ctime: a write, a rename, a link, a change of
/// its times), in nanoseconds since 1970. Unlike its mtime, programs cannot set it.
#[cfg(unix)]
fn changed_ns(metadata: &std::fs::Metadata) -> Option<u64> {
    use std::os::unix::fs::MetadataExt;
    let seconds = u64::try_from(metadata.ctime()).ok()?;
    let nanos = u64::try_from(metadata.ctime_nsec()).ok()?;
    seconds.checked_mul(1_000_000_000)?.checked_add(nanos)
}

/// Elsewhere no page is linked ([`Folder::look`]), and nothing is settled.
#[cfg(not(unix))]
fn changed_ns(_metadata: &std::fs::Metadata) -> Option<u64> {
    None
}

/// A file's time of last change in nanoseconds since 1970, where the system gives one.
fn modified_ns(metadata: &std::fs::Metadata) -> Option<u64> {
    let since = metadata
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH);
    u64::try_from(since.ok()?.as_nanos()).ok()
}

/// `--out` as an absolute path with an existing parent (made if missing). An existing
/// `--out` that is a link is taken as the folder it links to: that folder is the one
/// switched, and the link keeps pointing at it.
fn resolve(out: &Path) -> Result<PathBuf, String> {
    let not_folder = || {
        format!(
            "--out {} 不是文件夹：请指定一个文件夹（没有会新建）。",
            out.display()
        )
    };
    let absolute = std::path::absolute(out)
        .map_err(|e| format!("无法使用 --out {}：{}", out.display(), reason(&e)))?;
    if absolute.exists() {
        return match real(&absolute) {
            Some(real) if real.is_dir() && real.parent().is_some() => Ok(real),
            _ => Err(not_folder()),
        };
    }
    let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name()) else {
        return Err(not_folder());
    };
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("无法建立文件夹 {}：{}", parent.display(), reason(&e)))?;
    let parent = real(parent).unwrap_or_else(|| parent.to_path_buf());
    Ok(parent.join(name))
}

/// The path `p` names, links followed on Unix. Windows' absolute paths are already
/// normalized; its canonical ones would carry a `\\?\` into every message.
fn real(p: &Path) -> Option<PathBuf> {
    #[cfg(unix)]
    return p.canonicalize().ok();
    #[cfg(not(unix))]
    return std::path::absolute(p).ok();
}

/// Takes the lock on `--out`, or says who holds it, and gives what the lock file noted of
/// the last run that succeeded ([`Settled`]).
///
/// The lock file lies beside `--out`, not in it: the switch replaces `--out` whole, and a
/// lock file inside would move with the previous set, so a run starting right then would
/// lock the new set's fresh file while the first still held the old one. Beside `--out` the
/// file is never moved nor deleted (deleting a lock file races the same way), so every run
/// locks the same one. The lock is an OS file lock (`flock` on Unix, `LockFileEx` on
/// Windows): a process that dies, killed or not, releases it.
fn lock(out: &Path, path: &Path) -> Result<(std::fs::File, Option<Settled>), String> {
    use std::io::Read;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| format!("无法建立锁文件 {}：{}", path.display(), reason(&e)))?;
    // The holder's process id, for whoever finds the lock taken, and what the last run that
    // succeeded noted, kept: a run that fails or is killed leaves it as it was. (Its pages
    // gain little by it: the failed run linked them into its staging folder, and unlinking
    // them moved their ctimes past the noted time, so the next run writes them anew.)
    let take = |mut file: std::fs::File| {
        let mut said = String::new();
        let _ = (&file).take(4096).read_to_string(&mut said);
        let settled = said.lines().find_map(Settled::parse);
        // A time noted later than now (the clock was ahead then, and set right since) would
        // vouch for pages changed after it: dropped.
        let now = with_own_id(&file);
        let settled = settled.filter(|s| now.is_some_and(|now| s.at_ns <= now));
        if let Some(settled) = &settled {
            let _ = writeln!(file, "{}", settled.line());
        }
        (file, settled)
    };
    match file.try_lock() {
        Ok(()) => Ok(take(file)),
        Err(std::fs::TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(path).unwrap_or_default();
            let holder = match holder.lines().next().unwrap_or_default().trim() {
                "" => String::new(),
                id => format!("，进程 {id}"),
            };
            Err(format!(
                "另一个 nianbao 正在向 {} 写入结果（锁文件 {}{holder}）。请等它结束后再运行。",
                out.display(),
                path.display()
            ))
        }
        // A file system that cannot lock (some network shares): the run goes on unlocked,
        // as every run did before there was a lock, and says so.
        Err(std::fs::TryLockError::Error(e)) => {
            eprintln!(
                "nianbao: 注意：无法锁定 {}（锁文件 {}：{}），本次运行不加锁；请勿同时运行两个 nianbao。",
                out.display(),
                path.display(),
                reason(&e)
            );
            Ok(take(file))
        }
    }
}

/// Fails, naming the file and what to do, if a previous output is in the way of the switch:
/// a folder where an output file goes or a file where an output folder goes (not ours to
/// delete), or, on Windows, a file another program holds open (Excel and WPS lock the
/// workbooks and CSVs they show, and a folder holding an open file cannot be renamed).
fn check_replaceable(out: &Path) -> Result<(), String> {
    for name in FILES {
        let path = out.join(name);
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            return Err(format!(
                "无法替换 {}：这里是一个同名的文件夹，不是 nianbao 写的文件。请关闭正在使用它的程序，把它移走或改名后重试。",
                path.display()
            ));
        }
        #[cfg(windows)]
        if let Some(e) = held_open(&path) {
            return Err(format!(
                "无法替换 {}：文件正被其他程序占用（{e}）。请关闭 Excel/WPS 中打开的 {name} 后重试。",
                path.display()
            ));
        }
    }
    for name in FOLDERS {
        let path = out.join(name);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
            return Err(format!(
                "无法替换 {}：这里是一个同名的文件，不是 nianbao 写的 {name} 文件夹。请关闭正在使用它的程序，把它移走或改名后重试。",
                path.display()
            ));
        }
    }
    Ok(())
}

/// The error that says another program holds `path` open, as Excel holds the workbook it
/// shows: opening it for writing, shared with no one, then fails with a sharing (32) or lock
/// (33) violation. Nothing is written, and the file is closed at once; any other failure (a
/// read-only file, say) is left for the switch to meet.
#[cfg(windows)]
fn held_open(path: &Path) -> Option<std::io::Error> {
    use std::os::windows::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .share_mode(0)
        .open(path)
        .err()
        .filter(|e| matches!(e.raw_os_error(), Some(32 | 33)))
}

/// Whether `name` in `--out` is one of the outputs, or the litter of an interrupted run of
/// an earlier version (`.rollup.xlsx.tmp`, `.reports.old`); neither is carried over.
fn is_ours(name: &str) -> bool {
    let output = |n: &str| FILES.contains(&n) || FOLDERS.contains(&n);
    output(name)
        || name
            .strip_prefix('.')
            .and_then(|n| n.strip_suffix(".tmp").or_else(|| n.strip_suffix(".old")))
            .is_some_and(output)
}

/// Links into the staged set everything in `--out` that is not an output, folders as
/// folders of links: the switch then keeps it in `--out`, the same files, and the previous
/// set's deletion only removes the other names.
fn carry(out: &Path, into: &Path) -> Result<(), String> {
    let entries = match std::fs::read_dir(out) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("无法读取 {}：{}", out.display(), reason(&e))),
    };
    for entry in entries {
        let entry = entry.map_err(|e| format!("无法读取 {}：{}", out.display(), reason(&e)))?;
        if is_ours(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let from = entry.path();
        link_tree(&from, &into.join(entry.file_name())).map_err(|e| {
            format!(
                "无法把 {} 保留到新的输出中：{}。上次的输出保持原样。",
                from.display(),
                reason(&e)
            )
        })?;
    }
    Ok(())
}

/// `from` again at `to`: a file as a hard link (a copy where links cannot be made), a link
/// as the same link, a folder as a new folder of the same.
fn link_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(from)?;
    if meta.is_symlink() {
        let target = std::fs::read_link(from)?;
        #[cfg(unix)]
        return std::os::unix::fs::symlink(target, to);
        #[cfg(windows)]
        return if from.is_dir() {
            std::os::windows::fs::symlink_dir(target, to)
        } else {
            std::os::windows::fs::symlink_file(target, to)
        };
        #[cfg(not(any(unix, windows)))]
        return std::fs::copy(from, to).map(drop);
    }
    if meta.is_dir() {
        std::fs::create_dir(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            link_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        return Ok(());
    }
    std::fs::hard_link(from, to).or_else(|_| std::fs::copy(from, to).map(drop))
}

/// Exchanges the folders `a` and `b` in one step. `Ok(false)` where the system or the file
/// system cannot, and nothing was changed.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<bool> {
    use std::os::unix::ffi::OsStrExt;
    if fault("no-exchange") {
        return Ok(false);
    }
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // The system call rather than glibc's wrapper, which glibc before 2.28 lacks; a kernel
    // before 3.15 answers ENOSYS, a file system without the exchange EINVAL.
    // SAFETY: both paths are NUL-terminated strings that outlive the call.
    let done = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if done == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => Ok(false),
        _ => Err(e),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> std::io::Result<bool> {
    Ok(false)
}

/// Deletes the folder `path` and everything in it.
fn remove_tree(path: &Path) -> std::io::Result<()> {
    if fault("while-removing-old") {
        // Part of it first, as a kill in the middle of the deletion would leave it.
        if let Some(entry) = std::fs::read_dir(path)?.next() {
            let entry = entry?.path();
            if entry.is_dir() {
                std::fs::remove_dir_all(&entry)?;
            } else {
                std::fs::remove_file(&entry)?;
            }
        }
        failpoint("while-removing-old");
    }
    // The folders first, side by side (reports/, notices/): files are unlinked one at a time
    // in a folder, which its lock serializes, but two folders do not wait for each other.
    // Only in a folder itself: `read_dir` would follow a link, which `remove_dir_all`
    // removes as the link alone.
    if std::fs::symlink_metadata(path)?.is_dir() {
        let folders: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
            .map(|entry| entry.path())
            .collect();
        folders.par_iter().try_for_each(std::fs::remove_dir_all)?;
    }
    std::fs::remove_dir_all(path)
}

/// A file that could not be written, for the commands that write files directly
/// (`template`, `docs`, `demo`): `无法写入 PATH（REASON）`.
pub fn not_written(path: &Path, e: &std::io::Error) -> String {
    format!("无法写入 {}（{}）", path.display(), reason(e))
}

/// A folder that could not be made: `无法创建文件夹 PATH（REASON）`.
pub fn not_created(path: &Path, e: &std::io::Error) -> String {
    format!("无法创建文件夹 {}（{}）", path.display(), reason(e))
}

fn failed(what: &Path, e: &std::io::Error) -> String {
    format!("无法写入 {}：{}", what.display(), reason(e))
}

/// An I/O error as a clerk can act on it: in Chinese where the kind is known, with the
/// system's own words after it for whoever helps.
pub fn reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    let cause = cause(e);
    #[cfg(windows)]
    if matches!(cause.raw_os_error(), Some(32 | 33)) {
        return format!("文件正被其他程序占用（{e}）");
    }
    let zh = match cause.kind() {
        StorageFull => "磁盘空间不足",
        QuotaExceeded => "超出了磁盘配额",
        PermissionDenied => "没有权限",
        ReadOnlyFilesystem => "磁盘是只读的",
        NotFound => "找不到文件或文件夹",
        NotADirectory => "路径中的某一级不是文件夹",
        IsADirectory => "这是文件夹，不是文件",
        AlreadyExists => "已经存在同名的文件或文件夹",
        DirectoryNotEmpty => "文件夹不是空的",
        ResourceBusy | ExecutableFileBusy => "正被其他程序占用",
        InvalidFilename => "文件名无效",
        CrossesDevices => "不在同一个磁盘上",
        _ => return format!("出错（{e}）"),
    };
    format!("{zh}（{e}）")
}

/// The system's error under the writers' wrappings (the CSV writer's error, carried in an
/// `io::Error` of kind `Other`): its kind says what happened, a full disk say.
fn cause(e: &std::io::Error) -> &std::io::Error {
    let mut inner = e
        .get_ref()
        .map(|wrapped| wrapped as &(dyn std::error::Error + 'static));
    while let Some(err) = inner {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return cause(io);
        }
        // The CSV writer's error holds the system's without offering it as its source.
        if let Some(::csv::ErrorKind::Io(io)) = err.downcast_ref::<::csv::Error>().map(|e| e.kind())
        {
            return cause(io);
        }
        inner = err.source();
    }
    e
}

/// Whether the fault `name` is asked for, in a debug build, by `NIANBAO_FAILPOINT` (a
/// comma-separated list); never in a release build. The tests use these to stop the run at
/// each step of the switch.
fn fault(name: &str) -> bool {
    #[cfg(debug_assertions)]
    if let Ok(list) = std::env::var("NIANBAO_FAILPOINT") {
        return list.split(',').any(|f| f == name);
    }
    let _ = name;
    false
}

/// A failpoint: in a debug build, `NIANBAO_FAILPOINT=name` kills the process right here (a
/// SIGKILL on Linux, an abort elsewhere: no destructor runs, nothing is flushed), and
/// `sleep:name` waits here five seconds, the lock held. Does nothing otherwise.
pub fn failpoint(name: &str) {
    if fault(name) {
        #[cfg(target_os = "linux")]
        // SAFETY: a plain system call on this process.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
        std::process::abort();
    }
    if fault(&format!("sleep:{name}")) {
        std::thread::sleep(std::time::Duration::from_secs(5));
    }
}

/// `fail-write:name` fails the writing of the staged file `name` as a full disk would.
fn fault_write(name: &str) -> std::io::Result<()> {
    if fault(&format!("fail-write:{name}")) {
        return Err(std::io::ErrorKind::StorageFull.into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder for one test, with `out` inside it not yet made.
    fn fresh(name: &str) -> (PathBuf, PathBuf) {
        let dir =
            std::env::temp_dir().join(format!("nianbao-staging-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let dir = dir.canonicalize().unwrap();
        let out = dir.join("out");
        (dir, out)
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    // What the run does with each page: link it if unchanged, else write it.
    fn same(folder: &Folder, name: &str, bytes: &[u8]) -> Result<(), String> {
        folder.put(name, bytes, folder.look(name, bytes))
    }

    /// A run's start: the previous run's folder files recalled from the list [`listed`]
    /// left in the manifest's place, as a run recalls them from its manifest.
    fn begin(out: &Path) -> Staging {
        let mut staging = Staging::begin(out, &[]).unwrap();
        if let Ok(list) = std::fs::read(out.join("manifest.json")) {
            staging.recall(FolderList::of(serde_json::from_slice(&list).unwrap()));
        }
        staging
    }

    /// The folder files put, listed in the manifest's place, before the switch.
    fn listed(mut staging: Staging) -> Staging {
        let list = serde_json::to_vec(&staging.take_folder_files()).unwrap();
        staging
            .file("manifest.json", |w| w.write_all(&list))
            .unwrap();
        staging
    }

    /// A run writing `a.csv` with `text` and a page per name, each its name and `text`.
    fn run(out: &Path, text: &str, pages: &[&str]) {
        let staging = begin(out);
        staging
            .file("normalized.csv", |w| w.write_all(text.as_bytes()))
            .unwrap();
        staging
            .folder("reports", |folder| {
                pages
                    .iter()
                    .try_for_each(|n| same(folder, n, format!("{n} {text}").as_bytes()))
            })
            .unwrap();
        listed(staging).switch().unwrap();
    }

    #[test]
    fn outputs_are_replaced_together_or_not_at_all() {
        let (dir, out) = fresh("together");
        run(&out, "one", &["a.html", "gone.html"]);
        run(&out, "two", &["a.html", "b.html"]);
        assert_eq!(std::fs::read(out.join("normalized.csv")).unwrap(), b"two");
        assert_eq!(
            std::fs::read(out.join("reports/a.html")).unwrap(),
            b"a.html two"
        );
        assert_eq!(names(&out.join("reports")), ["a.html", "b.html"]);
        // Beside --out, only the lock is left.
        assert_eq!(names(&dir), [".out.nianbao.lock", "out"]);

        // A failure before the switch leaves the previous outputs and no staging folder.
        let staging = Staging::begin(&out, &[]).unwrap();
        staging
            .file("normalized.csv", |w| w.write_all(b"three"))
            .unwrap();
        assert!(staging
            .folder("reports", |_| Err::<(), _>("no".into()))
            .is_err());
        drop(staging);
        assert_eq!(std::fs::read(out.join("normalized.csv")).unwrap(), b"two");
        assert_eq!(names(&out), ["manifest.json", "normalized.csv", "reports"]);
        assert_eq!(names(&dir), [".out.nianbao.lock", "out"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A page the same as last run's is the same file, linked, not written again; a changed
    /// page is written anew, and the old one left as it was until the switch.
    #[cfg(unix)]
    #[test]
    fn unchanged_pages_are_linked_from_the_previous_run() {
        use std::os::unix::fs::MetadataExt;
        let (dir, out) = fresh("linked");
        run(&out, "two", &["a.html", "b.html"]);
        let inode = |name: &str| std::fs::metadata(out.join(name)).unwrap().ino();
        let (a, b) = (inode("reports/a.html"), inode("reports/b.html"));
        let rerun = |folder: &Folder| {
            same(folder, "a.html", b"a.html two")?;
            same(folder, "b.html", b"b.html 3")
        };
        let staging = begin(&out);
        staging.folder("reports", rerun).unwrap();
        assert_eq!(
            std::fs::read(out.join("reports/b.html")).unwrap(),
            b"b.html two"
        );
        listed(staging).switch().unwrap();
        assert_eq!(inode("reports/a.html"), a);
        assert_ne!(inode("reports/b.html"), b);
        assert_eq!(
            std::fs::read(out.join("reports/b.html")).unwrap(),
            b"b.html 3"
        );
        let links = |name: &str| std::fs::metadata(out.join(name)).unwrap().nlink();
        assert_eq!(links("reports/a.html"), 1);

        // A page that is a symlink, or has another name too, is written anew: nothing
        // stays shared with what the run replaces.
        std::fs::rename(out.join("reports/a.html"), dir.join("a-kept.html")).unwrap();
        std::os::unix::fs::symlink(dir.join("a-kept.html"), out.join("reports/a.html")).unwrap();
        std::fs::hard_link(out.join("reports/b.html"), dir.join("b-kept.html")).unwrap();
        let staging = begin(&out);
        staging.folder("reports", rerun).unwrap();
        listed(staging).switch().unwrap();
        for name in ["reports/a.html", "reports/b.html"] {
            let m = std::fs::symlink_metadata(out.join(name)).unwrap();
            assert!(m.is_file() && m.nlink() == 1, "{name}");
        }
        assert_eq!(
            std::fs::read(out.join("reports/a.html")).unwrap(),
            b"a.html two"
        );

        // Nor does a reports folder that is a symlink to another folder lend its files, and
        // the switch replaces the link, not what it points at.
        std::fs::rename(out.join("reports"), dir.join("elsewhere")).unwrap();
        std::os::unix::fs::symlink(dir.join("elsewhere"), out.join("reports")).unwrap();
        let staging = begin(&out);
        staging.folder("reports", rerun).unwrap();
        listed(staging).switch().unwrap();
        assert_ne!(
            std::fs::metadata(dir.join("elsewhere/a.html"))
                .unwrap()
                .ino(),
            inode("reports/a.html")
        );
        assert_eq!(
            std::fs::metadata(dir.join("elsewhere/a.html"))
                .unwrap()
                .nlink(),
            1
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Whether a page is unchanged is taken from the previous manifest, and only for the
    /// file it describes: one changed since (even to bytes of the same length), one the
    /// manifest does not list, or one listed by another digest is written anew.
    #[cfg(unix)]
    #[test]
    fn a_page_is_linked_only_as_the_manifest_describes_it() {
        use std::os::unix::fs::MetadataExt;
        let (dir, out) = fresh("described");
        run(&out, "one", &["a.html", "b.html", "c.html"]);
        let inode = |name: &str| {
            std::fs::metadata(out.join("reports").join(name))
                .unwrap()
                .ino()
        };
        let before = [inode("a.html"), inode("b.html"), inode("c.html")];
        // A clerk's edit of the same length: the page's time of last change moves on.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(out.join("reports/a.html"), b"a.html 1!!").unwrap();
        // A manifest that lists b.html by another digest and leaves c.html out.
        let mut list: Vec<FolderFile> =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        list.retain(|f| f.path != "reports/c.html");
        list.iter_mut()
            .filter(|f| f.path == "reports/b.html")
            .for_each(|f| f.digest = digest(b"something else"));
        std::fs::write(
            out.join("manifest.json"),
            serde_json::to_vec(&list).unwrap(),
        )
        .unwrap();
        run(&out, "one", &["a.html", "b.html", "c.html"]);
        let after = [inode("a.html"), inode("b.html"), inode("c.html")];
        for i in 0..3 {
            assert_ne!(before[i], after[i], "page {i} was linked");
        }
        assert_eq!(
            std::fs::read(out.join("reports/a.html")).unwrap(),
            b"a.html one"
        );

        // One page copied over another of the same size, its mtime put back as listed (as
        // `cp -a` does, and as pages written in one clock tick share): its ctime says.
        let page = |name: &str| out.join("reports").join(name);
        let listed_mtime = std::fs::metadata(page("c.html"))
            .unwrap()
            .modified()
            .unwrap();
        std::fs::copy(page("b.html"), page("c.html")).unwrap();
        std::fs::File::options()
            .write(true)
            .open(page("c.html"))
            .unwrap()
            .set_modified(listed_mtime)
            .unwrap();
        run(&out, "one", &["a.html", "b.html", "c.html"]);
        assert_eq!(std::fs::read(page("c.html")).unwrap(), b"c.html one");
        let after = [inode("a.html"), inode("b.html"), inode("c.html")];

        // Listed as written, the next run links all three.
        run(&out, "one", &["a.html", "b.html", "c.html"]);
        assert_eq!(after, [inode("a.html"), inode("b.html"), inode("c.html")]);
        let list: Vec<FolderFile> =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        let paths: Vec<&str> = list.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            ["reports/a.html", "reports/b.html", "reports/c.html"]
        );
        assert_eq!(list[2].digest, digest(b"c.html one"));
        assert_eq!(list[2].size, 10);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The time the previous run noted is trusted only for the folders it left: one moved
    /// back from a copy keeps its files' ctimes, and a time later than now (a clock that was
    /// ahead) would vouch for pages changed since.
    #[cfg(unix)]
    #[test]
    fn the_noted_time_vouches_only_for_its_own_folders_and_never_ahead() {
        let (dir, out) = fresh("settled");
        let page = |out: &Path, name: &str| out.join("reports").join(name);
        let tamper = |out: &Path| {
            // b.html copied over c.html (same length), its mtime put back as listed.
            let listed = std::fs::metadata(page(out, "c.html"))
                .unwrap()
                .modified()
                .unwrap();
            std::fs::copy(page(out, "b.html"), page(out, "c.html")).unwrap();
            std::fs::File::options()
                .write(true)
                .open(page(out, "c.html"))
                .unwrap()
                .set_modified(listed)
                .unwrap();
        };
        let pages = ["b.html", "c.html"];
        run(&out, "one", &pages);
        let aside = dir.join("aside");
        std::fs::rename(&out, &aside).unwrap();
        tamper(&aside);
        // Another run settles later, and the tampered folder is put back in its place.
        run(&out, "one", &pages);
        std::fs::remove_dir_all(&out).unwrap();
        std::fs::rename(&aside, &out).unwrap();
        run(&out, "one", &pages);
        assert_eq!(std::fs::read(page(&out, "c.html")).unwrap(), b"c.html one");

        // A noted time ahead of the clock is dropped.
        let lock = dir.join(".out.nianbao.lock");
        let noted = std::fs::read_to_string(&lock).unwrap();
        let settled = noted.lines().find_map(Settled::parse).unwrap();
        let ahead = Settled {
            at_ns: settled.at_ns + 3_600_000_000_000,
            ..settled
        };
        std::fs::write(&lock, format!("1\n{}\n", ahead.line())).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        tamper(&out);
        run(&out, "one", &pages);
        assert_eq!(std::fs::read(page(&out, "c.html")).unwrap(), b"c.html one");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The time noted is past the stamp of the last change before it, and no later change
    /// is stamped before it; the lock file still holds the process id. (Where files are
    /// stamped to the second, no later stamp comes within 50 ms: there, as for the tests of
    /// linked pages, this does not hold.)
    #[cfg(unix)]
    #[test]
    fn the_stamp_noted_is_the_first_after_the_last_change() {
        let (dir, _) = fresh("stamp");
        let lock = std::fs::File::create(dir.join("lock")).unwrap();
        for i in 0..20 {
            let page = dir.join(format!("{i}.html"));
            std::fs::write(&page, "a").unwrap();
            let last_change = with_own_id(&lock).unwrap();
            let page_changed = changed_ns(&std::fs::metadata(&page).unwrap()).unwrap();
            assert!(page_changed <= last_change);
            let noted = stamp_after(&lock, last_change);
            assert!(noted > last_change, "{noted} after {last_change}");
            // A file whose stamp was not asked for since it was written: where Linux stamps
            // finely a file whose stamp was asked for, this one is stamped by the clock's tick.
            let later = dir.join(format!("{i}-later.html"));
            std::fs::write(&later, "b").unwrap();
            let changed_after = changed_ns(&std::fs::metadata(&later).unwrap()).unwrap();
            assert!(changed_after >= noted, "{changed_after} before {noted}");
        }
        let id = std::fs::read_to_string(dir.join("lock")).unwrap();
        assert_eq!(id, format!("{}\n", std::process::id()));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_noted_line_is_read_back_as_written() {
        let settled = Settled {
            at_ns: 1_796_150_663_485_830_688,
            folders: vec![("reports".into(), 2049, 77), ("notices".into(), 2049, 78)],
        };
        assert_eq!(Settled::parse(&settled.line()), Some(settled));
        assert_eq!(Settled::parse("settled x"), None);
        assert_eq!(Settled::parse("1234"), None);
        let bare = Settled::parse("settled 5 reports:1 :2:3 notices:4:5").unwrap();
        assert_eq!(
            bare.folders,
            [("".to_string(), 2, 3), ("notices".to_string(), 4, 5)]
        );
    }

    /// Where two names are one file (a case-insensitive file system), none of the folder's
    /// files is listed: a listing could describe one name by the other's bytes. Two puts of
    /// one name make the same collision here.
    #[test]
    fn a_folder_where_names_collided_is_not_listed() {
        let (dir, out) = fresh("collided");
        let mut staging = begin(&out);
        staging
            .folder("reports", |folder| {
                same(folder, "a.html", b"one")?;
                same(folder, "b.html", b"b")?;
                same(folder, "a.html", b"two")
            })
            .unwrap();
        staging
            .folder("notices", |folder| same(folder, "n.xlsx", b"n"))
            .unwrap();
        let paths: Vec<String> = staging
            .take_folder_files()
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(paths, ["notices/n.xlsx"]);
        listed(staging).switch().unwrap();
        assert_eq!(std::fs::read(out.join("reports/a.html")).unwrap(), b"two");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn what_is_not_an_output_is_carried_over() {
        let (dir, out) = fresh("carried");
        std::fs::create_dir_all(out.join("2023/备份")).unwrap();
        std::fs::write(out.join("notes.txt"), "给领导的说明").unwrap();
        std::fs::write(out.join("2023/备份/rollup.xlsx"), "last year").unwrap();
        // The litter of an earlier version's interrupted run is not carried.
        std::fs::create_dir(out.join(".reports.old")).unwrap();
        std::fs::write(out.join(".rollup.xlsx.tmp"), "half").unwrap();
        run(&out, "one", &["a.html"]);
        run(&out, "two", &["a.html"]);
        assert_eq!(
            names(&out),
            [
                "2023",
                "manifest.json",
                "normalized.csv",
                "notes.txt",
                "reports"
            ]
        );
        assert_eq!(
            std::fs::read_to_string(out.join("notes.txt")).unwrap(),
            "给领导的说明"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("2023/备份/rollup.xlsx")).unwrap(),
            "last year"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            // Once the previous set is gone the clerk's file has one name again.
            assert_eq!(std::fs::metadata(out.join("notes.txt")).unwrap().nlink(), 1);
            // A folder shared with a group stays shared.
            let shared = std::fs::Permissions::from_mode(0o2770);
            std::fs::set_permissions(&out, shared).unwrap();
            run(&out, "three", &["a.html"]);
            let mode = std::fs::metadata(&out).unwrap().permissions().mode();
            assert_eq!(mode & 0o7777, 0o2770);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_interrupted_switch_is_recovered_by_the_next_run() {
        let (dir, out) = fresh("recover");
        run(&out, "one", &["a.html"]);
        let staged = dir.join(".out.nianbao-new");
        let old = dir.join(".out.nianbao-old");

        // Killed between the fallback's renames: --out missing, the previous set aside. It
        // goes back before anything else, and is what a failing run leaves.
        std::fs::rename(&out, &old).unwrap();
        std::fs::create_dir(&staged).unwrap();
        std::fs::write(staged.join("normalized.csv"), "half").unwrap();
        let staging = Staging::begin(&out, &[]).unwrap();
        assert_eq!(std::fs::read(out.join("normalized.csv")).unwrap(), b"one");
        assert!(!old.exists());
        drop(staging);
        assert_eq!(names(&dir), [".out.nianbao.lock", "out"]);

        // Killed after the new set was in place: the previous set aside is deleted, --out
        // kept.
        std::fs::create_dir(&old).unwrap();
        std::fs::write(old.join("normalized.csv"), "zero").unwrap();
        run(&out, "two", &["a.html"]);
        assert_eq!(std::fs::read(out.join("normalized.csv")).unwrap(), b"two");
        assert_eq!(names(&dir), [".out.nianbao.lock", "out"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A link left at the staging paths is removed as a link: what it names, a folder with
    /// folders in it, a file, or nothing, is left as it was, and the run goes on.
    #[cfg(unix)]
    #[test]
    fn a_link_left_at_a_staging_path_is_removed_not_followed() {
        let (dir, out) = fresh("linked-leftover");
        run(&out, "one", &["a.html"]);
        let kept = dir.join("kept");
        std::fs::create_dir_all(kept.join("sub")).unwrap();
        std::fs::write(kept.join("sub/a.txt"), "a").unwrap();
        std::fs::write(kept.join("top.txt"), "t").unwrap();
        let staged = dir.join(".out.nianbao-new");
        let old = dir.join(".out.nianbao-old");
        for (at, target) in [
            (&staged, kept.clone()),
            (&old, kept.clone()),
            (&old, kept.join("top.txt")),
            (&staged, dir.join("nothing")),
        ] {
            std::os::unix::fs::symlink(&target, at).unwrap();
            drop(Staging::begin(&out, &[]).unwrap());
            assert!(std::fs::symlink_metadata(at).is_err(), "{}", at.display());
            assert_eq!(std::fs::read(kept.join("sub/a.txt")).unwrap(), b"a");
            assert_eq!(std::fs::read(kept.join("top.txt")).unwrap(), b"t");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_output_in_the_way_stops_the_run_before_anything_is_written() {
        let (dir, out) = fresh("in-the-way");
        run(&out, "one", &["a.html"]);
        std::fs::create_dir(out.join("rollup.xlsx")).unwrap();
        let refused = Staging::begin(&out, &[]).err().unwrap();
        assert!(
            refused.contains("rollup.xlsx") && refused.contains("请关闭"),
            "{refused}"
        );
        std::fs::remove_dir(out.join("rollup.xlsx")).unwrap();

        // Found again right before the switch: the staged set is dropped, --out untouched.
        let staging = Staging::begin(&out, &[]).unwrap();
        staging
            .file("normalized.csv", |w| w.write_all(b"two"))
            .unwrap();
        std::fs::remove_dir_all(out.join("reports")).unwrap();
        std::fs::write(out.join("reports"), "a file").unwrap();
        let refused = staging.switch().err().unwrap();
        assert!(refused.contains("reports"), "{refused}");
        assert_eq!(std::fs::read(out.join("normalized.csv")).unwrap(), b"one");
        assert_eq!(names(&dir), [".out.nianbao.lock", "out"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_second_run_into_the_same_out_is_refused() {
        let (dir, out) = fresh("locked");
        let first = Staging::begin(&out, &[]).unwrap();
        let second = Staging::begin(&out, &[]).err().unwrap();
        assert!(
            second.contains("另一个 nianbao 正在向") && second.contains(".out.nianbao.lock"),
            "{second}"
        );
        // The refused run touched nothing of the first's.
        assert!(dir.join(".out.nianbao-new").is_dir());
        first.switch().unwrap();
        drop(Staging::begin(&out, &[]).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn out_may_not_hold_what_the_run_reads() {
        let (dir, out) = fresh("holds-inputs");
        std::fs::create_dir_all(out.join("inputs")).unwrap();
        let refused = Staging::begin(&out, &[&out.join("inputs")]).err().unwrap();
        assert!(refused.contains("请另选一个 --out"), "{refused}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn io_errors_read_in_chinese() {
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        assert!(
            reason(&full).starts_with("磁盘空间不足"),
            "{}",
            reason(&full)
        );
        // As the CSV writer passes it on.
        let csv_full = std::io::Error::from(::csv::Error::from(full));
        assert!(
            reason(&csv_full).starts_with("磁盘空间不足"),
            "{}",
            reason(&csv_full)
        );
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert!(reason(&denied).starts_with("没有权限"));
        // A folder asked for under a file (`docs --out 说明.txt/文档`).
        let under_a_file = std::io::Error::from(std::io::ErrorKind::NotADirectory);
        assert!(reason(&under_a_file).starts_with("路径中的某一级不是文件夹"));
    }
}
