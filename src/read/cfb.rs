//! The OLE compound file (CFB) that holds an .xls, or an encrypted Office file, checked
//! before calamine reads it.
//!
//! calamine follows the container's sector chains trusting them: a chain that loops makes
//! it copy sectors until memory runs out (the directory's chain is read with no length at
//! all), and a sector number past the allocation table panics. Here every chain that
//! calamine follows is walked once with each sector visited at most once and every number
//! checked against the sectors really present. The same walk yields the `Workbook` stream
//! and where each of its bytes lies in the file, so that [`super::xls`] can mend records in
//! place.

const SIGNATURE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
/// Sector numbers from here up are markers, not sectors.
const MAX_REGULAR: u32 = 0xFFFF_FFFA;
const DIRECTORY_ENTRY: usize = 128;
const MINI_SECTOR: usize = 64;
const MINI_STREAM_CUTOFF: u64 = 4096;

/// A compound file whose structure was checked.
pub struct Compound<'a> {
    bytes: &'a [u8],
    sector: usize,
    fat: Vec<u32>,
    mini_fat: Vec<u32>,
    /// The mini stream's sectors, in order.
    mini_chain: Vec<u32>,
    entries: Vec<Entry>,
}

struct Entry {
    name: String,
    start: u32,
    size: u64,
}

/// One stream's bytes, and the offset in the file of each of them.
pub struct Stream {
    pub data: Vec<u8>,
    offsets: Vec<usize>,
}

impl Stream {
    /// The file offset of the stream's byte `at`.
    pub fn file_offset(&self, at: usize) -> Option<usize> {
        self.offsets.get(at).copied()
    }
}

fn damaged(what: &str) -> String {
    format!("文件内部结构已损坏（{what}）")
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl<'a> Compound<'a> {
    pub fn is_compound(bytes: &[u8]) -> bool {
        bytes.starts_with(SIGNATURE)
    }

    pub fn parse(bytes: &'a [u8]) -> Result<Compound<'a>, String> {
        if bytes.len() < 512 || !bytes.starts_with(SIGNATURE) {
            return Err(damaged("文件头不完整"));
        }
        let sector = match u16_at(bytes, 30) {
            9 => 512,
            12 => 4096,
            _ => return Err(damaged("扇区大小无效")),
        };
        if u16_at(bytes, 32) != 6 {
            return Err(damaged("小扇区大小无效"));
        }
        // Sector n lies at (n + 1) × sector; a sector cut short by the file's end counts:
        // calamine reads what there is of it.
        let present = bytes.len().saturating_sub(sector).div_ceil(sector);
        let in_file = |id: u32| (id as usize) < present;

        // The allocation table's own sectors: 109 in the header, then a chain of DIFAT
        // sectors each ending in the number of the next.
        let mut fat_sectors: Vec<u32> = (0..109).map(|i| u32_at(bytes, 76 + 4 * i)).collect();
        let mut difat = u32_at(bytes, 68);
        let mut seen = vec![false; present];
        while difat <= MAX_REGULAR {
            if !in_file(difat) || std::mem::replace(&mut seen[difat as usize], true) {
                return Err(damaged("DIFAT 扇区链越界或成环"));
            }
            let body = sector_bytes(bytes, sector, difat);
            let count = body.len() / 4;
            if count == 0 {
                return Err(damaged("DIFAT 扇区不完整"));
            }
            fat_sectors.extend((0..count - 1).map(|i| u32_at(body, 4 * i)));
            difat = if body.len() >= sector {
                u32_at(body, sector - 4)
            } else {
                END_OF_CHAIN
            };
        }
        let mut fat = Vec::new();
        let mut seen = vec![false; present];
        for id in fat_sectors.into_iter().filter(|&id| id <= MAX_REGULAR) {
            if !in_file(id) || std::mem::replace(&mut seen[id as usize], true) {
                return Err(damaged("分配表扇区越界或重复"));
            }
            let body = sector_bytes(bytes, sector, id);
            fat.extend(body.chunks_exact(4).map(|c| u32_at(c, 0)));
        }

        let mut compound = Compound {
            bytes,
            sector,
            fat,
            mini_fat: Vec::new(),
            mini_chain: Vec::new(),
            entries: Vec::new(),
        };
        let directory = compound.chain(u32_at(bytes, 48), "目录")?;
        let mut raw = Vec::with_capacity(directory.len() * sector);
        for &id in &directory {
            raw.extend_from_slice(sector_bytes(bytes, sector, id));
        }
        compound.entries = raw
            .chunks_exact(DIRECTORY_ENTRY)
            .map(|e| {
                let name_len = (u16_at(e, 64) as usize).min(64);
                let units: Vec<u16> = e[..name_len]
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .take_while(|&u| u != 0)
                    .collect();
                let size = u64::from_le_bytes(e[120..128].try_into().expect("8 bytes"));
                Entry {
                    name: String::from_utf16_lossy(&units),
                    start: u32_at(e, 116),
                    size: if sector == 512 {
                        size & 0xFFFF_FFFF
                    } else {
                        size
                    },
                }
            })
            .collect();
        let Some(root) = compound.entries.first() else {
            return Err(damaged("没有根目录"));
        };
        let root_start = root.start;
        // calamine reads the mini stream and its table when the header declares any.
        if u32_at(bytes, 64) > 0 {
            compound.mini_chain = compound.chain(root_start, "小扇区流")?;
            let mini_fat_chain = compound.chain(u32_at(bytes, 60), "小扇区分配表")?;
            let mut mini_fat = Vec::new();
            for id in mini_fat_chain {
                let body = sector_bytes(bytes, sector, id);
                mini_fat.extend(body.chunks_exact(4).map(|c| u32_at(c, 0)));
            }
            compound.mini_fat = mini_fat;
        }
        Ok(compound)
    }

    pub fn has(&self, name: &str) -> bool {
        self.entries
            .iter()
            .any(|e| e.name.eq_ignore_ascii_case(name))
    }

    /// A sector chain from `start`, each sector at most once and present in the file.
    fn chain(&self, start: u32, what: &str) -> Result<Vec<u32>, String> {
        walk(&self.fat, start, |id| {
            (id as usize)
                < self
                    .bytes
                    .len()
                    .saturating_sub(self.sector)
                    .div_ceil(self.sector)
        })
        .ok_or_else(|| damaged(&format!("{what}的扇区链越界或成环")))
    }

    /// The stream named `name` (case-insensitively, as calamine looks it up), with the
    /// file offset of each byte. `None` if there is no such stream.
    pub fn stream(&self, name: &str) -> Result<Option<Stream>, String> {
        let Some(entry) = self
            .entries
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
        else {
            return Ok(None);
        };
        let mut offsets = Vec::new();
        if entry.size < MINI_STREAM_CUTOFF {
            let mini_sectors = self.mini_chain.len() * self.sector / MINI_SECTOR;
            let chain = walk(&self.mini_fat, entry.start, |id| {
                (id as usize) < mini_sectors
            })
            .ok_or_else(|| damaged(&format!("{name} 的小扇区链越界或成环")))?;
            for id in chain {
                let at = id as usize * MINI_SECTOR;
                let (big, within) = (at / self.sector, at % self.sector);
                let base = (self.mini_chain[big] as usize + 1) * self.sector + within;
                offsets.extend(base..base + MINI_SECTOR);
            }
        } else {
            for id in self.chain(entry.start, name)? {
                let base = (id as usize + 1) * self.sector;
                offsets.extend(base..base + self.sector);
            }
        }
        let size = usize::try_from(entry.size).unwrap_or(usize::MAX);
        offsets.truncate(size);
        offsets.retain(|&o| o < self.bytes.len());
        let data = offsets.iter().map(|&o| self.bytes[o]).collect();
        Ok(Some(Stream { data, offsets }))
    }
}

fn sector_bytes(bytes: &[u8], sector: usize, id: u32) -> &[u8] {
    let start = (id as usize + 1) * sector;
    &bytes[start.min(bytes.len())..(start + sector).min(bytes.len())]
}

/// Follows `table` from `start` to the end of the chain; `None` if a number is neither a
/// sector that `present` accepts nor the end, or if a sector comes twice.
fn walk(table: &[u32], start: u32, present: impl Fn(u32) -> bool) -> Option<Vec<u32>> {
    let mut chain = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut id = start;
    while id != END_OF_CHAIN {
        if id > MAX_REGULAR || !present(id) || !seen.insert(id) {
            return None;
        }
        chain.push(id);
        id = *table.get(id as usize)?;
    }
    Some(chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_looping_chain_is_refused() {
        assert_eq!(
            walk(&[1, 2, END_OF_CHAIN], 0, |_| true),
            Some(vec![0, 1, 2])
        );
        assert_eq!(walk(&[1, 2, 0], 0, |_| true), None);
        assert_eq!(walk(&[1, 7], 0, |id| id < 2), None);
        assert_eq!(walk(&[1, 0xFFFF_FFFF], 0, |_| true), None);
    }
}
