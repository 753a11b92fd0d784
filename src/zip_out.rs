//! A zip written in one pass, its parts copied from another zip or made here: rollup.xlsx and
//! the notices ([`crate::output::xlsx_splice`]).
//!
//! No zip64: every part and the whole file must stay under 4 GiB, and the parts under 65,535.

use std::io::{self, Read, Write};

/// What the zip says of a part besides its data. Times and file attributes are kept as the
/// zip read had them.
#[derive(Clone)]
pub(crate) struct EntryMeta {
    pub name: Vec<u8>,
    /// 0 stored, 8 deflated.
    pub method: u16,
    system: u8,
    external_attributes: u32,
    time: u16,
    date: u16,
    pub crc: u32,
    pub compressed: u32,
    pub size: u32,
}

impl EntryMeta {
    /// A part's entry as the zip read has it (`by_index_raw`).
    pub fn of<R: Read>(file: &zip::read::ZipFile<'_, R>) -> io::Result<EntryMeta> {
        let method = match file.compression() {
            zip::CompressionMethod::Stored => 0,
            zip::CompressionMethod::Deflated => 8,
            other => {
                return Err(io::Error::other(format!("意外的压缩方式 {other}")));
            }
        };
        let (time, date) = file
            .last_modified()
            .map_or((0, DOS_1980), |t| (t.timepart(), t.datepart()));
        Ok(EntryMeta {
            name: file.name_raw().to_vec(),
            method,
            system: file.system() as u8,
            external_attributes: file.external_attributes(),
            time,
            date,
            crc: file.crc32(),
            compressed: fits(file.compressed_size())?,
            size: fits(file.size())?,
        })
    }

    /// General-purpose flags: bit 3, CRC and sizes in a data descriptor after the data;
    /// bit 11, a name in UTF-8 (one that is not, from an old zip tool, is left to be read as
    /// the zip read it, in code page 437).
    fn flags(&self, described_after: bool) -> u16 {
        let mut flags = 0;
        if described_after {
            flags |= 1 << 3;
        }
        if !self.name.is_ascii() && std::str::from_utf8(&self.name).is_ok() {
            flags |= 1 << 11;
        }
        flags
    }
}

/// 1980-01-01, the first day a zip can date, as a DOS date.
const DOS_1980: u16 = (1 << 5) | 1;

/// Version 2.0 of the zip format: deflate, folders, data descriptors.
const ZIP_VERSION: u16 = 20;

/// A zip written in one pass to a stream that cannot seek.
pub(crate) struct ZipOut<'w> {
    w: &'w mut dyn Write,
    written: u64,
    /// Each part written, with its flags and where its local header starts, for the
    /// central directory.
    entries: Vec<(EntryMeta, u16, u32)>,
}

impl<'w> ZipOut<'w> {
    pub fn new(w: &'w mut dyn Write) -> ZipOut<'w> {
        ZipOut {
            w,
            written: 0,
            entries: Vec::new(),
        }
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.w.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    fn local_header(&mut self, meta: EntryMeta, described_after: bool) -> io::Result<()> {
        let flags = meta.flags(described_after);
        let offset = fits(self.written)?;
        let mut header = Vec::with_capacity(30 + meta.name.len());
        header.extend(0x0403_4b50u32.to_le_bytes());
        header.extend(ZIP_VERSION.to_le_bytes());
        header.extend(flags.to_le_bytes());
        header.extend(meta.method.to_le_bytes());
        header.extend(meta.time.to_le_bytes());
        header.extend(meta.date.to_le_bytes());
        // With a data descriptor, CRC and sizes are zero here.
        let (crc, compressed, size) = if described_after {
            (0, 0, 0)
        } else {
            (meta.crc, meta.compressed, meta.size)
        };
        header.extend(crc.to_le_bytes());
        header.extend(compressed.to_le_bytes());
        header.extend(size.to_le_bytes());
        header.extend((meta.name.len() as u16).to_le_bytes());
        header.extend(0u16.to_le_bytes()); // no extra field
        header.extend(&meta.name);
        self.write(&header)?;
        self.entries.push((meta, flags, offset));
        Ok(())
    }

    /// A part copied as it is: its compressed bytes, CRC and sizes. Gives where in the zip
    /// its bytes start.
    pub fn copy(&mut self, meta: EntryMeta, raw: &mut impl Read) -> io::Result<u64> {
        let compressed = u64::from(meta.compressed);
        self.local_header(meta, false)?;
        let start = self.written;
        let copied = io::copy(raw, &mut self.w)?;
        self.written += copied;
        if copied != compressed {
            return Err(io::Error::other("压缩数据的长度与目录不符"));
        }
        Ok(start)
    }

    /// Starts a part whose data comes in pieces, its CRC and sizes known at its end.
    pub fn begin_streamed(&mut self, mut meta: EntryMeta) -> io::Result<()> {
        meta.compressed = 0;
        meta.size = 0;
        meta.method = 8;
        self.local_header(meta, true)
    }

    /// A piece of the streamed part: deflated bytes, from `size` bytes of the part.
    pub fn streamed(&mut self, deflated: &[u8], size: u64) -> io::Result<()> {
        self.write(deflated)?;
        let meta = &mut self
            .entries
            .last_mut()
            .expect("a streamed part was begun")
            .0;
        meta.compressed = fits(u64::from(meta.compressed) + deflated.len() as u64)?;
        meta.size = fits(u64::from(meta.size) + size)?;
        Ok(())
    }

    /// Ends the streamed part with its data descriptor.
    pub fn end_streamed(&mut self, crc: u32) -> io::Result<()> {
        let meta = &mut self
            .entries
            .last_mut()
            .expect("a streamed part was begun")
            .0;
        meta.crc = crc;
        let mut descriptor = Vec::with_capacity(16);
        descriptor.extend(0x0807_4b50u32.to_le_bytes());
        descriptor.extend(crc.to_le_bytes());
        descriptor.extend(meta.compressed.to_le_bytes());
        descriptor.extend(meta.size.to_le_bytes());
        self.write(&descriptor)
    }

    /// The central directory and its end record.
    pub fn finish(mut self) -> io::Result<()> {
        let start = fits(self.written)?;
        let mut directory = Vec::new();
        for (meta, flags, offset) in &self.entries {
            directory.extend(0x0201_4b50u32.to_le_bytes());
            directory.extend((u16::from(meta.system) << 8 | ZIP_VERSION).to_le_bytes());
            directory.extend(ZIP_VERSION.to_le_bytes());
            directory.extend(flags.to_le_bytes());
            directory.extend(meta.method.to_le_bytes());
            directory.extend(meta.time.to_le_bytes());
            directory.extend(meta.date.to_le_bytes());
            directory.extend(meta.crc.to_le_bytes());
            directory.extend(meta.compressed.to_le_bytes());
            directory.extend(meta.size.to_le_bytes());
            directory.extend((meta.name.len() as u16).to_le_bytes());
            // No extra field, no comment, disk 0, no internal attributes.
            directory.extend([0u8; 8]);
            directory.extend(meta.external_attributes.to_le_bytes());
            directory.extend(offset.to_le_bytes());
            directory.extend(&meta.name);
        }
        let count = u16::try_from(self.entries.len())
            .ok()
            .filter(|&n| n < u16::MAX)
            .ok_or_else(too_big)?;
        let mut end = Vec::with_capacity(22);
        end.extend(0x0605_4b50u32.to_le_bytes());
        end.extend([0u8; 4]); // disk 0, the directory on disk 0
        end.extend(count.to_le_bytes());
        end.extend(count.to_le_bytes());
        end.extend(fits(directory.len() as u64)?.to_le_bytes());
        end.extend(start.to_le_bytes());
        end.extend(0u16.to_le_bytes()); // no comment
        self.write(&directory)?;
        self.write(&end)
    }
}

/// A size or offset as the zip writes it, in 32 bits; u32::MAX itself would mean zip64.
pub(crate) fn fits(n: u64) -> io::Result<u32> {
    u32::try_from(n)
        .ok()
        .filter(|&n| n < u32::MAX)
        .ok_or_else(too_big)
}

/// Only rollup.xlsx can come near: a reader's package is far inside the limits.
fn too_big() -> io::Error {
    io::Error::other(
        "rollup.xlsx 超过了 4 GB（或 65535 个部件），本程序不写这样大的工作簿；请分批汇总（例如按单位类型分开运行）",
    )
}
