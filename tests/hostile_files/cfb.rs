//! Just enough of the OLE compound file (MS-CFB) and BIFF8 record formats to mutate the
//! committed xlwt fixture in place, and to write a small container from scratch.

pub const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
pub const FREESECT: u32 = 0xFFFF_FFFF;
const FATSECT: u32 = 0xFFFF_FFFD;
const SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// A parsed container: where each sector lies, the FAT and the directory.
pub struct Layout {
    pub sector_size: usize,
    pub fat: Vec<u32>,
    /// File offset of each FAT entry, for patching the chain.
    pub fat_entry_offset: Vec<usize>,
    pub dir_start: u32,
    pub entries: Vec<DirEntry>,
}

#[derive(Debug, Clone)]
pub struct DirEntry {
    pub name: String,
    pub start: u32,
    pub size: u64,
}

impl Layout {
    pub fn parse(b: &[u8]) -> Layout {
        assert_eq!(b[..8], SIGNATURE, "not an OLE file");
        let sector_size = 1usize << u16_at(b, 30);
        let fat_sectors = u32_at(b, 44) as usize;
        assert_eq!(u32_at(b, 68), ENDOFCHAIN, "fixture has no DIFAT sectors");
        let sector_offset = |s: u32| 512 + s as usize * sector_size;
        let mut fat = Vec::new();
        let mut fat_entry_offset = Vec::new();
        for i in 0..fat_sectors {
            let s = u32_at(b, 76 + 4 * i);
            for k in 0..sector_size / 4 {
                let at = sector_offset(s) + 4 * k;
                fat.push(u32_at(b, at));
                fat_entry_offset.push(at);
            }
        }
        let dir_start = u32_at(b, 48);
        let mut entries = Vec::new();
        for s in chain(&fat, dir_start) {
            for k in 0..sector_size / 128 {
                let at = sector_offset(s) + 128 * k;
                let e = &b[at..at + 128];
                let len = (u16_at(e, 64) as usize).saturating_sub(2).min(62);
                let units: Vec<u16> = (0..len / 2).map(|i| u16_at(e, 2 * i)).collect();
                entries.push(DirEntry {
                    name: String::from_utf16_lossy(&units),
                    start: u32_at(e, 116),
                    size: u32_at(e, 120) as u64,
                });
            }
        }
        Layout {
            sector_size,
            fat,
            fat_entry_offset,
            dir_start,
            entries,
        }
    }

    pub fn entry(&self, name: &str) -> &DirEntry {
        self.entries
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("no {name} stream"))
    }

    /// The file offset of each byte of a stream held in regular sectors.
    pub fn stream_offsets(&self, name: &str) -> Vec<usize> {
        let e = self.entry(name);
        assert!(e.size >= 4096, "{name} lies in the mini stream");
        let mut offsets = Vec::with_capacity(e.size as usize);
        for s in chain(&self.fat, e.start) {
            let base = 512 + s as usize * self.sector_size;
            offsets.extend(base..base + self.sector_size);
        }
        offsets.truncate(e.size as usize);
        offsets
    }
}

fn chain(fat: &[u32], start: u32) -> Vec<u32> {
    let mut sectors = Vec::new();
    let mut s = start;
    while s != ENDOFCHAIN {
        assert!(sectors.len() <= fat.len(), "loop in the fixture's chain");
        sectors.push(s);
        s = fat[s as usize];
    }
    sectors
}

/// A BIFF record inside a stream: where it starts (its header) and its type and length.
#[derive(Debug, Clone, Copy)]
pub struct Record {
    pub at: usize,
    pub typ: u16,
    pub len: usize,
}

impl Record {
    pub fn data(&self) -> std::ops::Range<usize> {
        self.at + 4..self.at + 4 + self.len
    }
    pub fn end(&self) -> usize {
        self.at + 4 + self.len
    }
}

/// Every record up to the padding after the last EOF.
pub fn records(stream: &[u8]) -> Vec<Record> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 4 <= stream.len() {
        let typ = u16_at(stream, at);
        let len = u16_at(stream, at + 2) as usize;
        if typ == 0 && len == 0 {
            break;
        }
        out.push(Record { at, typ, len });
        at += 4 + len;
    }
    out
}

/// The xls fixture with its Workbook stream opened for patching in place.
pub struct Xls {
    pub file: Vec<u8>,
    pub layout: Layout,
    pub stream: Vec<u8>,
    offsets: Vec<usize>,
}

/// A record type no reader acts on, to fill the bytes a shortened record leaves.
pub const FILLER: u16 = 0x0FFF;

impl Xls {
    pub fn open(file: &[u8]) -> Xls {
        let layout = Layout::parse(file);
        let offsets = layout.stream_offsets("Workbook");
        let stream = offsets.iter().map(|&o| file[o]).collect();
        Xls {
            file: file.to_vec(),
            layout,
            stream,
            offsets,
        }
    }

    pub fn records(&self) -> Vec<Record> {
        records(&self.stream)
    }

    /// The `n`th record of type `typ`.
    pub fn find(&self, typ: u16, n: usize) -> Record {
        self.records()
            .into_iter()
            .filter(|r| r.typ == typ)
            .nth(n)
            .unwrap_or_else(|| panic!("no record {typ:#06x} number {n}"))
    }

    /// Writes `bytes` at `at` in the stream, through the sector chain into the file.
    pub fn patch(&mut self, at: usize, bytes: &[u8]) {
        for (i, &b) in bytes.iter().enumerate() {
            self.stream[at + i] = b;
            self.file[self.offsets[at + i]] = b;
        }
    }

    /// Replaces the records from `first` up to the end of `last` by `new` (type, data),
    /// with one filler record taking up whatever is left: the stream keeps its size.
    pub fn replace(&mut self, first: Record, last: Record, new: &[(u16, Vec<u8>)]) {
        let room = last.end() - first.at;
        let mut bytes = Vec::new();
        for (typ, data) in new {
            bytes.extend_from_slice(&typ.to_le_bytes());
            bytes.extend_from_slice(&(data.len() as u16).to_le_bytes());
            bytes.extend_from_slice(data);
        }
        assert!(
            bytes.len() == room || bytes.len() + 4 <= room,
            "{} bytes do not fit in {room}",
            bytes.len()
        );
        if bytes.len() < room {
            let fill = room - bytes.len() - 4;
            bytes.extend_from_slice(&FILLER.to_le_bytes());
            bytes.extend_from_slice(&(fill as u16).to_le_bytes());
            bytes.resize(room, 0);
        }
        self.patch(first.at, &bytes);
    }
}

/// A version-3 container of the given streams, each in regular sectors (so each must be
/// empty or at least 4096 bytes long, the mini-stream cutoff).
pub fn write(streams: &[(&str, &[u8])]) -> Vec<u8> {
    const SS: usize = 512;
    let mut sorted: Vec<&(&str, &[u8])> = streams.iter().collect();
    sorted.sort_by_key(|(n, _)| (n.encode_utf16().count(), n.to_uppercase()));
    let data_sectors: Vec<usize> = sorted.iter().map(|(_, d)| d.len().div_ceil(SS)).collect();
    let n_data: usize = data_sectors.iter().sum();
    let n_dir = (sorted.len() + 1).div_ceil(SS / 128);
    let mut n_fat = 1;
    while n_fat * (SS / 4) < n_data + n_dir + n_fat {
        n_fat += 1;
    }
    assert!(n_fat <= 109);
    let total = n_data + n_dir + n_fat;
    let mut fat = vec![FREESECT; n_fat * SS / 4];
    let mut next = 0usize;
    let mut starts = Vec::new();
    for &n in &data_sectors {
        if n == 0 {
            starts.push(ENDOFCHAIN);
            continue;
        }
        starts.push(next as u32);
        for k in 0..n {
            fat[next + k] = if k + 1 == n {
                ENDOFCHAIN
            } else {
                (next + k + 1) as u32
            };
        }
        next += n;
    }
    let dir_start = next;
    for k in 0..n_dir {
        fat[next + k] = if k + 1 == n_dir {
            ENDOFCHAIN
        } else {
            (next + k + 1) as u32
        };
    }
    next += n_dir;
    let fat_start = next;
    for k in 0..n_fat {
        fat[next + k] = FATSECT;
    }
    assert_eq!(next + n_fat, total);

    let mut out = vec![0u8; 512];
    out[..8].copy_from_slice(&SIGNATURE);
    out[24..26].copy_from_slice(&0x3Eu16.to_le_bytes());
    out[26..28].copy_from_slice(&3u16.to_le_bytes());
    out[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes());
    out[30..32].copy_from_slice(&9u16.to_le_bytes());
    out[32..34].copy_from_slice(&6u16.to_le_bytes());
    out[44..48].copy_from_slice(&(n_fat as u32).to_le_bytes());
    out[48..52].copy_from_slice(&(dir_start as u32).to_le_bytes());
    out[56..60].copy_from_slice(&4096u32.to_le_bytes());
    out[60..64].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
    out[68..72].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
    for i in 0..109 {
        let v = if i < n_fat {
            (fat_start + i) as u32
        } else {
            FREESECT
        };
        out[76 + 4 * i..80 + 4 * i].copy_from_slice(&v.to_le_bytes());
    }
    for (_, d) in &sorted {
        assert!(d.is_empty() || d.len() >= 4096, "a stream under 4096 bytes");
        out.extend_from_slice(d);
        out.resize(out.len().next_multiple_of(SS), 0);
    }
    // Directory: the root, whose child is the first stream; the streams in order as a
    // chain of right siblings (a valid, if unbalanced, tree), all black.
    let mut dir = Vec::new();
    let entry = |name: &str, kind: u8, child: u32, right: u32, start: u32, size: usize| {
        let mut e = vec![0u8; 128];
        let units: Vec<u16> = name.encode_utf16().collect();
        for (i, u) in units.iter().enumerate() {
            e[2 * i..2 * i + 2].copy_from_slice(&u.to_le_bytes());
        }
        e[64..66].copy_from_slice(&((units.len() as u16 + 1) * 2).to_le_bytes());
        e[66] = kind;
        e[67] = 1;
        e[68..72].copy_from_slice(&FREESECT.to_le_bytes()); // left
        e[72..76].copy_from_slice(&right.to_le_bytes());
        e[76..80].copy_from_slice(&child.to_le_bytes());
        e[116..120].copy_from_slice(&start.to_le_bytes());
        e[120..124].copy_from_slice(&(size as u32).to_le_bytes());
        e
    };
    let first_child = if sorted.is_empty() { FREESECT } else { 1 };
    dir.extend(entry("Root Entry", 5, first_child, FREESECT, ENDOFCHAIN, 0));
    for (i, (name, d)) in sorted.iter().enumerate() {
        let right = if i + 1 < sorted.len() {
            (i + 2) as u32
        } else {
            FREESECT
        };
        dir.extend(entry(name, 2, FREESECT, right, starts[i], d.len()));
    }
    dir.resize(n_dir * SS, 0);
    for k in (sorted.len() + 1)..(n_dir * SS / 128) {
        // Unused entries: empty name, no siblings.
        let at = k * 128;
        dir[at + 68..at + 80].copy_from_slice(&[0xFF; 12]);
    }
    out.extend_from_slice(&dir);
    for v in &fat {
        out.extend_from_slice(&v.to_le_bytes());
    }
    assert_eq!(out.len(), 512 + total * SS);
    out
}
