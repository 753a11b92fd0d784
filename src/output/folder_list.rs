//! The manifest's list of the files of `reports/` and `notices/` (`folder_files`): each as a
//! run put it, by size, digest and mtime, so that the next run knows without reading them
//! back which of its pages it would write the same ([`super::Folder::look`]), and the
//! previous run's list as the next run holds it.

use crate::text::PackedStrings;

/// A file of `reports/` or `notices/` as a run put it, listed in its manifest: the next run
/// knows from it, without reading the file back, whether it would write the same bytes.
/// (Read back, a province's 100,000 pages were 1.6 GB, mostly from disk by then.)
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct FolderFile {
    /// Under `--out`, with `/`: `reports/a.html`.
    pub path: String,
    pub size: u64,
    pub digest: Digest,
    /// The file's mtime when the run wrote it, in nanoseconds since 1970: with its size, it
    /// tells the file this listing describes (see [`super::Folder::look`]).
    pub modified_ns: u64,
}

/// The previous run's folder files, held compactly and sorted by path: their paths in one
/// string (at 100,000 pages, a string each and a list with room to grow took 12 MB; this
/// takes 6).
#[derive(Default)]
pub struct FolderList {
    paths: PackedStrings,
    /// Each file but its path.
    pub(super) files: Vec<Listed>,
}

pub(super) struct Listed {
    pub(super) size: u64,
    pub(super) digest: Digest,
    pub(super) modified_ns: u64,
}

impl FolderList {
    /// The list of `files`, sorted; of two listings of one path, the first.
    pub fn of(mut files: Vec<FolderFile>) -> FolderList {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|later, first| later.path == first.path);
        let mut list = FolderList {
            paths: PackedStrings::with_capacity(
                files.iter().map(|f| f.path.len()).sum(),
                files.len(),
            ),
            files: Vec::with_capacity(files.len()),
        };
        for file in files {
            list.paths.push(&file.path);
            list.files.push(Listed {
                size: file.size,
                digest: file.digest,
                modified_ns: file.modified_ns,
            });
        }
        list
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.files.len()
    }

    /// Where `path` is in the list. (Pages are linked on Unix only.)
    #[cfg_attr(not(unix), allow(dead_code))]
    pub(super) fn find(&self, path: &str) -> Option<usize> {
        let mut at = 0..self.files.len();
        // A binary search over the indices: the paths are not a slice of their own.
        while !at.is_empty() {
            let middle = at.start + at.len() / 2;
            match self.paths.get(middle)?.cmp(path) {
                std::cmp::Ordering::Less => at.start = middle + 1,
                std::cmp::Ordering::Greater => at.end = middle,
                std::cmp::Ordering::Equal => return Some(middle),
            }
        }
        None
    }

    pub(super) fn file(&self, at: usize) -> FolderFile {
        let listed = &self.files[at];
        FolderFile {
            path: self.paths.get(at).unwrap_or_default().to_string(),
            size: listed.size,
            digest: listed.digest,
            modified_ns: listed.modified_ns,
        }
    }
}

/// Two independent hashes of a file's bytes: foldhash's 64 bits with a fixed seed and the
/// CRC-32. Fast (a microsecond for a 16 KB page, against 12 for SHA-256); two files of one
/// size that are not the same share both only by a chance of one in 2^96. Not a security
/// hash: a way to tell a page from its next version. In the manifest as 24 hex digits. A
/// later version that hashes differently only makes the next run write every page once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest(u128);

pub fn digest(bytes: &[u8]) -> Digest {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = foldhash::quality::FixedState::with_seed(0x6e69_616e_6261_6f31).build_hasher();
    hasher.write(bytes);
    Digest((u128::from(hasher.finish()) << 32) | u128::from(crc32fast::hash(bytes)))
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format!("{:024x}", self.0))
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let hex = <std::borrow::Cow<str>>::deserialize(deserializer)?;
        let digits = hex.len() == 24 && hex.bytes().all(|b| b.is_ascii_hexdigit());
        match u128::from_str_radix(&hex, 16) {
            Ok(n) if digits => Ok(Digest(n)),
            _ => Err(serde::de::Error::custom("a digest is 24 hex digits")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The compact list finds every path it holds, and none it does not; of two listings of
    /// one path it keeps the first, and gives each file back as it was listed.
    #[test]
    fn the_previous_list_finds_its_paths() {
        let file = |path: &str, size: u64| FolderFile {
            path: path.into(),
            size,
            digest: digest(path.as_bytes()),
            modified_ns: size * 7,
        };
        let paths = [
            "reports/b.html",
            "notices/甲.xlsx",
            "reports/a.html",
            "reports/a.html2",
        ];
        let mut files: Vec<FolderFile> = paths.iter().zip(1..).map(|(p, n)| file(p, n)).collect();
        files.push(file("reports/b.html", 99));
        let list = FolderList::of(files);
        assert_eq!(list.files.len(), 4);
        for (path, size) in paths.iter().zip(1..) {
            let at = list.find(path).unwrap();
            let back = list.file(at);
            assert_eq!((back.path.as_str(), back.size), (*path, size));
            assert_eq!(back.digest, digest(path.as_bytes()));
            assert_eq!(back.modified_ns, size * 7);
        }
        for absent in [
            "",
            "reports/",
            "reports/a.htm",
            "reports/c.html",
            "a",
            "zzz",
        ] {
            assert_eq!(list.find(absent), None, "{absent}");
        }
        assert_eq!(FolderList::default().find("reports/a.html"), None);
    }

    /// The digest tells apart bytes that differ anywhere, lengths included.
    #[test]
    fn digests_differ_with_the_bytes() {
        let page: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        let mut seen = std::collections::HashSet::new();
        assert!(seen.insert(digest(&page).0));
        assert!(seen.insert(digest(&page[..19_999]).0));
        for at in [0, 1, 7_777, 19_999] {
            let mut changed = page.clone();
            changed[at] ^= 1;
            assert!(seen.insert(digest(&changed).0), "byte {at}");
        }
        assert_eq!(digest(&page), digest(&page.clone()));
        let json = serde_json::to_string(&digest(&page)).unwrap();
        assert_eq!(json.len(), 26);
        assert_eq!(
            serde_json::from_str::<Digest>(&json).unwrap(),
            digest(&page)
        );
        assert!(serde_json::from_str::<Digest>("\"+00000000000000000000001\"").is_err());
    }
}
