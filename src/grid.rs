//! The one shape every reader produces: sheets of cells with their true addresses.

use std::collections::BTreeMap;
use std::fmt;
use std::num::{NonZeroU16, NonZeroU32};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Number(f64),
    Text(Text),
}

/// A cell's text. Up to [`Text::INLINE`] bytes — a number typed as text, as every value of a
/// CSV is, a short label, a unit's name — it is kept in the cell itself, so that reading
/// allocates nothing for it; a longer one is kept on the heap.
#[derive(Clone)]
pub struct Text(TextRepr);

#[derive(Clone)]
enum TextRepr {
    Inline { len: u8, bytes: [u8; Text::INLINE] },
    Heap(Box<str>),
}

impl Text {
    /// The longest text kept in the cell: with its length, a cell is then as large as a
    /// `String` (24 bytes).
    pub const INLINE: usize = 22;

    pub fn as_str(&self) -> &str {
        match &self.0 {
            TextRepr::Inline { len, bytes } => {
                let bytes = &bytes[..usize::from(*len)];
                debug_assert!(std::str::from_utf8(bytes).is_ok());
                // SAFETY: only ever copied whole from a `str` ([`Text::from`]).
                unsafe { std::str::from_utf8_unchecked(bytes) }
            }
            TextRepr::Heap(text) => text,
        }
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        if text.len() > Text::INLINE {
            return Text(TextRepr::Heap(text.into()));
        }
        let mut bytes = [0; Text::INLINE];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        Text(TextRepr::Inline {
            len: text.len() as u8,
            bytes,
        })
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        if text.len() > Text::INLINE {
            Text(TextRepr::Heap(text.into_boxed_str()))
        } else {
            Text::from(text.as_str())
        }
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

const _: () = assert!(std::mem::size_of::<Cell>() == 24);

impl Cell {
    pub fn text(&self) -> Option<&str> {
        match self {
            Cell::Text(s) => Some(s.as_str()),
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            Cell::Number(_) => false,
        }
    }
}

/// Where a cell is, as an auditor would look it up.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Location {
    /// A worksheet cell, 0-based row and column.
    /// The sheet's name is shared by every location on it.
    Sheet { sheet: Arc<str>, row: u32, col: u32 },
    /// A CSV field: 1-based physical line and 1-based field number. Printed `第8行第4列`.
    Csv { line: u64, field: u32 },
    /// A cell of a document's table (Word, web page): the table's number in the document,
    /// its row and column in that table, all 1-based. Printed `第2个表格第7行第3列`.
    Table { table: u32, row: u32, col: u32 },
    /// Text on a PDF page: 1-based page, and 1-based line on the page (0: not known).
    /// Printed `第4页第12行`, or `第4页`.
    Page { page: u32, line: u32 },
    /// A 1-based line of a text file. Printed `第12行`.
    Line { line: u64 },
    /// The n-th paragraph (1-based) of a document's text, counting those with text.
    /// Printed `第3段`.
    Paragraph { n: u32 },
}

/// A [`Location`] in 8 bytes, and `Option<CellAt>` too, for the 200 fields every
/// submission keeps: its sheet as an index into the submission's sheet names, its row and
/// column. The top of the `sheet` tag's range names the other kinds of place:
/// [`CellAt::CSV`] for a CSV (row: the line, column: the field number), [`CellAt::LINE`] for
/// a line of a text file (row: the line), [`CellAt::PARAGRAPH`] for a document's paragraph
/// (row: its number), `TABLE_BASE + n` for a document's table n (row and
/// column in it) and `PAGE_BASE + n` for a PDF's page n (row: the line on the page).
/// Columns past 65,535 (only a CSV could have them) are kept as 65,535; a sheet index, table
/// or page number past its range is kept as the last of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellAt {
    /// The row plus one, so that `Option<CellAt>` needs no room of its own.
    row_after: NonZeroU32,
    col: u16,
    sheet: u16,
}

/// The tag of a CSV's cell in [`CellAt::packed`]; the tags below it are sheet indices.
const PACKED_CSV: u16 = 62;
/// The tag of a CSV's cell in [`CellAt::packed16`]; the tags below it are sheet indices.
const PACKED16_CSV: u16 = 7;

impl CellAt {
    const CSV: u16 = u16::MAX;
    const LINE: u16 = u16::MAX - 1;
    const PARAGRAPH: u16 = u16::MAX - 2;
    /// Tags `TABLE_BASE + 1 ..= PARAGRAPH - 1`: a document's tables 1 to 4,092.
    const TABLE_BASE: u16 = 0xF000;
    /// Tags `PAGE_BASE + 1 ..= TABLE_BASE`: a PDF's pages 1 to 4,096.
    const PAGE_BASE: u16 = 0xE000;
    /// Sheet indices run below the page tags: 57,344 sheets.
    const SHEETS: u16 = Self::PAGE_BASE;

    fn new(sheet: u16, row: u32, col: u32) -> CellAt {
        CellAt {
            row_after: NonZeroU32::new(row.saturating_add(1)).expect("at least 1"),
            col: u16::try_from(col).unwrap_or(u16::MAX),
            sheet,
        }
    }

    /// Line `line`, field `field` of a CSV, both 1-based.
    pub fn csv(line: u32, field: u32) -> CellAt {
        CellAt::new(Self::CSV, line, field)
    }

    /// The cell at `location`, its sheet's name added to `sheets` if new.
    pub fn of(location: &Location, sheets: &mut Vec<Arc<str>>) -> CellAt {
        match location {
            Location::Csv { line, field } => {
                CellAt::csv(u32::try_from(*line).unwrap_or(u32::MAX), *field)
            }
            Location::Table { table, row, col } => {
                let n = (*table).clamp(1, u32::from(Self::PARAGRAPH - 1 - Self::TABLE_BASE));
                CellAt::new(Self::TABLE_BASE + n as u16, *row, *col)
            }
            Location::Page { page, line } => {
                let n = (*page).clamp(1, u32::from(Self::TABLE_BASE - Self::PAGE_BASE));
                CellAt::new(Self::PAGE_BASE + n as u16, *line, 0)
            }
            Location::Line { line } => {
                CellAt::new(Self::LINE, u32::try_from(*line).unwrap_or(u32::MAX), 0)
            }
            Location::Paragraph { n } => CellAt::new(Self::PARAGRAPH, *n, 0),
            Location::Sheet { sheet, row, col } => {
                let index = match sheets.iter().position(|s| s == sheet) {
                    Some(i) => i,
                    None => {
                        sheets.push(sheet.clone());
                        sheets.len() - 1
                    }
                };
                let index =
                    u16::try_from(index).map_or(Self::SHEETS - 1, |i| i.min(Self::SHEETS - 1));
                CellAt::new(index, *row, *col)
            }
        }
    }

    /// The cell in 32 bits, where it fits, as nearly every cell a report's values are read
    /// from does: on one of the report's first 62 worksheets or in a CSV, row (or line)
    /// below 262,143 and column below 256. Six bits of tag (a sheet's index, or 62 for a
    /// CSV), eight of column and eighteen of row plus one, so that it is never zero.
    pub fn packed(self) -> Option<NonZeroU32> {
        let tag = match self.sheet {
            Self::CSV => PACKED_CSV,
            index if index < PACKED_CSV => index,
            _ => return None,
        };
        let row_after = self.row_after.get();
        if row_after >= 1 << 18 || self.col >= 1 << 8 {
            return None;
        }
        NonZeroU32::new(row_after << 14 | u32::from(self.col) << 6 | u32::from(tag))
    }

    /// The cell [`Self::packed`] made `packed` of.
    pub fn unpacked(packed: NonZeroU32) -> CellAt {
        let p = packed.get();
        let tag = (p & 0x3F) as u16;
        CellAt {
            row_after: NonZeroU32::new(p >> 14).expect("a packed cell's row is at least 1"),
            col: ((p >> 6) & 0xFF) as u16,
            sheet: if tag == PACKED_CSV { Self::CSV } else { tag },
        }
    }

    /// The cell in 16 bits, where it fits, as most cells of a report do: on one of its first
    /// 7 worksheets or in a CSV, row (or line) below 255 and column below 32. Three bits of
    /// tag (a sheet's index, or 7 for a CSV), five of column and eight of row plus one.
    pub fn packed16(self) -> Option<NonZeroU16> {
        let tag = match self.sheet {
            Self::CSV => PACKED16_CSV,
            index if index < PACKED16_CSV => index,
            _ => return None,
        };
        let row_after = u16::try_from(self.row_after.get()).ok()?;
        if row_after >= 1 << 8 || self.col >= 1 << 5 {
            return None;
        }
        NonZeroU16::new(row_after << 8 | self.col << 3 | tag)
    }

    /// The cell [`Self::packed16`] made `packed` of.
    pub fn unpacked16(packed: NonZeroU16) -> CellAt {
        let p = packed.get();
        let tag = p & 0x7;
        CellAt {
            row_after: NonZeroU32::new(u32::from(p >> 8))
                .expect("a packed cell's row is at least 1"),
            col: (p >> 3) & 0x1F,
            sheet: if tag == PACKED16_CSV { Self::CSV } else { tag },
        }
    }

    /// The full location, with the sheet's name from the submission's table.
    pub fn location(self, sheets: &[Arc<str>]) -> Location {
        let (row, col) = (self.row_after.get() - 1, u32::from(self.col));
        match self.sheet {
            Self::CSV => Location::Csv {
                line: u64::from(row),
                field: col,
            },
            Self::LINE => Location::Line {
                line: u64::from(row),
            },
            Self::PARAGRAPH => Location::Paragraph { n: row },
            tag if tag > Self::TABLE_BASE => Location::Table {
                table: u32::from(tag - Self::TABLE_BASE),
                row,
                col,
            },
            tag if tag > Self::PAGE_BASE => Location::Page {
                page: u32::from(tag - Self::PAGE_BASE),
                line: row,
            },
            index => match sheets.get(usize::from(index)) {
                Some(name) => Location::Sheet {
                    sheet: name.clone(),
                    row,
                    col,
                },
                None => Location::Csv {
                    line: u64::from(row),
                    field: col,
                },
            },
        }
    }
}

/// `A`, `B`, …, `Z`, `AA`, … for a 0-based column.
pub fn column_name(col: u32) -> String {
    let mut n = col + 1;
    let mut name = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        name.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII")
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sheet { sheet, row, col } => {
                // Excel quotes names with punctuation or space, or starting with a digit.
                let plain = !sheet.starts_with(|c: char| c.is_ascii_digit())
                    && sheet
                        .chars()
                        .all(|c| !c.is_whitespace() && !"'!-()[]{},;".contains(c));
                if plain {
                    write!(f, "{sheet}!{}{}", column_name(*col), row + 1)
                } else {
                    let quoted = sheet.replace('\'', "''");
                    write!(f, "'{quoted}'!{}{}", column_name(*col), row + 1)
                }
            }
            // Never `8:4`: Excel and WPS open that as a time.
            Location::Csv { line, field } => write!(f, "第{line}行第{field}列"),
            Location::Table { table, row, col } => {
                write!(f, "第{table}个表格第{row}行第{col}列")
            }
            Location::Page { page, line: 0 } => write!(f, "第{page}页"),
            Location::Page { page, line } => write!(f, "第{page}页第{line}行"),
            Location::Line { line } => write!(f, "第{line}行"),
            Location::Paragraph { n } => write!(f, "第{n}段"),
        }
    }
}

/// An Excel worksheet's rows and columns (its last cell is XFD1048576): the addresses an
/// xlsx or a formula may name, and what rollup.xlsx's sheets may hold.
pub const EXCEL_ROWS: u32 = 1_048_576;
pub const EXCEL_COLUMNS: u32 = 16_384;

/// Columns of a sheet read, counted from its first used column (as many as an .xls has).
pub const MAX_COLS: u32 = 256;
/// Rows of a sheet read, counted from its first used row (as many as an .xls has).
pub const MAX_ROWS: u32 = 65_536;
/// Cells of a sheet's rows together, each row as long as its last cell.
pub const MAX_AREA: usize = 2_000_000;

/// One sheet (or a whole CSV file) as a rectangle of cells starting at `origin`.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub name: Arc<str>,
    /// Absolute (row, col) of `rows[0][0]`: calamine ranges start at the first used cell.
    pub origin: (u32, u32),
    pub rows: Vec<Vec<Cell>>,
    /// For a CSV, the physical line on which each record starts.
    pub csv_lines: Option<Vec<u64>>,
    /// A worksheet the workbook hides: considered only where no visible one has a table.
    pub hidden: bool,
    /// The rows and columns the sheet hides (absolute, sorted): a label there is read only
    /// when no visible cell has the same label.
    pub hidden_rows: Vec<u32>,
    pub hidden_cols: Vec<u32>,
    /// Where the cells were read, for a sheet that is not a worksheet or a CSV.
    pub places: Places,
}

/// Where the cells of a [`Sheet`] were read, when not at their own address on a worksheet.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Places {
    /// A worksheet's own cells (or a CSV's, with [`Sheet::csv_lines`]).
    #[default]
    Worksheet,
    /// Table n (1-based) of a document: cell (r, c) is row r + 1, column c + 1 of it.
    Table(u32),
    /// A grid rebuilt from text (a PDF page, a text file): each cell's own place. A cell
    /// not listed takes the place of the nearest listed cell left of it on its row (else
    /// the first on its row).
    Each(BTreeMap<(u32, u32), Location>),
}

static EMPTY: Cell = Cell::Empty;

impl Sheet {
    /// A worksheet from its non-empty cells, as rows as long as their last cell: a stray cell
    /// far away costs one short row, not a dense rectangle. Cells beyond [`MAX_COLS`] columns
    /// or [`MAX_ROWS`] rows of the first used cell are left out and counted: no report's
    /// tables reach them, and two thousand rows that each end in column XFD would take
    /// gigabytes. So are the cells of the rows past [`MAX_AREA`] cells of rows in all, top
    /// down: 65,536 rows that each end in column IV would take half a gigabyte.
    pub fn from_cells(
        name: &str,
        hidden: bool,
        mut cells: Vec<(u32, u32, Cell)>,
    ) -> (Sheet, usize) {
        let r0 = cells.iter().map(|c| c.0).min().unwrap_or(0);
        let c0 = cells.iter().map(|c| c.1).min().unwrap_or(0);
        let inside = |r: u32, c: u32| r - r0 < MAX_ROWS && c - c0 < MAX_COLS;
        let before = cells.len();
        cells.retain(|c| inside(c.0, c.1));
        let mut left_out = before - cells.len();
        cells.sort_unstable_by_key(|c| (c.0, c.1));
        // Each row's length is its last cell's column; rows come in order, so the cells kept
        // are a prefix.
        let mut area = 0usize;
        let mut kept = cells.len();
        let mut i = 0;
        while i < cells.len() {
            let row = cells[i].0;
            let end = i + cells[i..].iter().take_while(|c| c.0 == row).count();
            area += (cells[end - 1].1 - c0 + 1) as usize;
            if area > MAX_AREA {
                kept = i;
                break;
            }
            i = end;
        }
        left_out += cells.len() - kept;
        cells.truncate(kept);
        let height = cells.last().map_or(0, |c| c.0 - r0 + 1);
        let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); height as usize];
        for (r, c, cell) in cells {
            let row = &mut rows[(r - r0) as usize];
            let at = (c - c0) as usize;
            if row.len() <= at {
                row.resize(at + 1, Cell::Empty);
            }
            row[at] = cell;
        }
        let sheet = Sheet {
            name: name.into(),
            origin: (r0, c0),
            rows,
            hidden,
            ..Sheet::default()
        };
        (sheet, left_out)
    }

    /// The cell at an absolute address; `Empty` outside the used range.
    pub fn get(&self, row: u32, col: u32) -> &Cell {
        let (r0, c0) = self.origin;
        if row < r0 || col < c0 {
            return &EMPTY;
        }
        self.rows
            .get((row - r0) as usize)
            .and_then(|r| r.get((col - c0) as usize))
            .unwrap_or(&EMPTY)
    }

    /// Puts a cell at an absolute address, growing the grid (and moving its origin) as needed.
    pub fn set(&mut self, row: u32, col: u32, cell: Cell) {
        let (r0, c0) = self.origin;
        if self.rows.is_empty() {
            self.origin = (row, col);
        } else if row < r0 || col < c0 {
            let (new_r0, new_c0) = (row.min(r0), col.min(c0));
            let shift = (c0 - new_c0) as usize;
            let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); (r0 - new_r0) as usize];
            for old in self.rows.drain(..) {
                let mut row = vec![Cell::Empty; shift];
                row.extend(old);
                rows.push(row);
            }
            self.rows = rows;
            self.origin = (new_r0, new_c0);
        }
        let (r0, c0) = self.origin;
        let (r, c) = ((row - r0) as usize, (col - c0) as usize);
        if self.rows.len() <= r {
            self.rows.resize(r + 1, Vec::new());
        }
        let line = &mut self.rows[r];
        if line.len() <= c {
            line.resize(c + 1, Cell::Empty);
        }
        line[c] = cell;
    }

    /// Whether the cell is in a hidden row or column.
    pub fn is_hidden(&self, row: u32, col: u32) -> bool {
        self.hidden_rows.binary_search(&row).is_ok() || self.hidden_cols.binary_search(&col).is_ok()
    }

    /// One past the last used row, absolute.
    pub fn end_row(&self) -> u32 {
        self.origin.0 + self.rows.len() as u32
    }

    /// One past the last used column, absolute.
    pub fn end_col(&self) -> u32 {
        self.origin.1 + self.rows.iter().map(Vec::len).max().unwrap_or(0) as u32
    }

    /// The columns of one row's used cells, absolute.
    pub fn cols_in(&self, row: u32) -> std::ops::Range<u32> {
        let (r0, c0) = self.origin;
        let len = row
            .checked_sub(r0)
            .and_then(|r| self.rows.get(r as usize))
            .map_or(0, Vec::len) as u32;
        c0..c0 + len
    }

    /// Every non-empty cell with its absolute address, row by row.
    pub fn cells(&self) -> impl Iterator<Item = (u32, u32, &Cell)> {
        let (r0, c0) = self.origin;
        self.rows.iter().enumerate().flat_map(move |(r, row)| {
            row.iter()
                .enumerate()
                .filter(|(_, c)| !c.is_empty())
                .map(move |(c, cell)| (r0 + r as u32, c0 + c as u32, cell))
        })
    }

    pub fn location(&self, row: u32, col: u32) -> Location {
        if let Some(lines) = &self.csv_lines {
            return Location::Csv {
                line: lines.get(row as usize).copied().unwrap_or(row as u64 + 1),
                field: col + 1,
            };
        }
        let sheet = || Location::Sheet {
            sheet: self.name.clone(),
            row,
            col,
        };
        match &self.places {
            Places::Worksheet => sheet(),
            Places::Table(table) => Location::Table {
                table: *table,
                row: row + 1,
                col: col + 1,
            },
            Places::Each(places) => places
                .get(&(row, col))
                .or_else(|| {
                    places
                        .range((row, 0)..(row, col))
                        .next_back()
                        .map(|(_, l)| l)
                })
                .or_else(|| {
                    places
                        .range((row, col)..=(row, u32::MAX))
                        .next()
                        .map(|(_, l)| l)
                })
                .cloned()
                .unwrap_or_else(sheet),
        }
    }
}

/// A paragraph of a report's narrative (the text around its tables), with where it was
/// read: the numbers it states are checked against the tables (TEXT.MISMATCH).
#[derive(Debug, Clone, PartialEq)]
pub struct Paragraph {
    pub text: String,
    pub at: Location,
}

/// A table in the long form, `unit,year,field_id,value`: one value a row. Kept by row of
/// indices into its distinct texts, not as a grid of cells: a province's file has millions
/// of rows, and a grid would hold each unit's name two hundred times.
#[derive(Debug, Clone, Default)]
pub struct LongTable {
    /// Every distinct text of the table, once; `texts[0]` is the empty text.
    pub texts: Vec<String>,
    pub rows: Vec<LongRow>,
    /// The sheet the table is on; `None` for a CSV, whose rows are lines.
    pub sheet: Option<Arc<str>>,
    /// The columns of unit, year, field_id and value, 0-based; [`LongTable::OWN_COLUMN`]
    /// where each row's value column stands for it.
    pub cols: [u32; 4],
    /// In the wide form (a row per unit, a column per field) each source row is a report of
    /// its own, even when two name the same unit and year.
    pub wide: bool,
}

/// One row of a [`LongTable`]: where it is, and its four texts as indices.
#[derive(Debug, Clone, Copy)]
pub struct LongRow {
    /// The 0-based row on a sheet, or the 1-based line of a CSV.
    pub row: u32,
    /// The value's column, 0-based: the table's value column, or in the wide form the
    /// field's own column.
    pub col: u32,
    pub unit: u32,
    pub year: u32,
    pub field_id: u32,
    pub value: u32,
}

impl LongTable {
    pub const UNIT: usize = 0;
    pub const YEAR: usize = 1;
    pub const FIELD_ID: usize = 2;
    pub const VALUE: usize = 3;
    /// In [`LongTable::cols`]: the column is the row's value column.
    pub const OWN_COLUMN: u32 = u32::MAX;

    /// The columns of unit, year, field_id and value, if `header` (a row's texts, left to
    /// right) is the long form's header.
    pub fn columns_of<'h>(header: impl Iterator<Item = &'h str> + Clone) -> Option<[u32; 4]> {
        let col_of = |name: &str| {
            header
                .clone()
                .position(|h| {
                    h.trim()
                        .trim_start_matches('\u{feff}')
                        .eq_ignore_ascii_case(name)
                })
                .and_then(|c| u32::try_from(c).ok())
        };
        Some([
            col_of("unit")?,
            col_of("year")?,
            col_of("field_id")?,
            col_of("value")?,
        ])
    }

    pub fn text(&self, index: u32) -> &str {
        &self.texts[index as usize]
    }

    /// Where column `which` ([`LongTable::UNIT`], …) of `row` is.
    pub fn location(&self, row: &LongRow, which: usize) -> Location {
        let col = match self.cols[which] {
            _ if which == Self::VALUE => row.col,
            Self::OWN_COLUMN => row.col,
            col => col,
        };
        match &self.sheet {
            Some(sheet) => Location::Sheet {
                sheet: sheet.clone(),
                row: row.row,
                col,
            },
            None => Location::Csv {
                line: u64::from(row.row),
                field: col + 1,
            },
        }
    }
}

/// Builds a [`LongTable`], keeping each distinct text once.
#[derive(Default)]
pub struct LongTableBuilder {
    table: LongTable,
    index: foldhash::HashMap<String, u32>,
}

impl LongTableBuilder {
    pub fn new(sheet: Option<Arc<str>>, cols: [u32; 4]) -> LongTableBuilder {
        let mut builder = LongTableBuilder {
            table: LongTable {
                sheet,
                cols,
                ..LongTable::default()
            },
            index: foldhash::HashMap::default(),
        };
        builder.intern("");
        builder
    }

    fn intern(&mut self, text: &str) -> u32 {
        if let Some(&i) = self.index.get(text) {
            return i;
        }
        let i = u32::try_from(self.table.texts.len()).expect("fewer texts than rows");
        self.table.texts.push(text.to_string());
        self.index.insert(text.to_string(), i);
        i
    }

    /// Adds a row of four trimmed texts: unit, year, field_id, value.
    pub fn push(&mut self, row: u32, texts: [&str; 4]) {
        self.push_at(row, self.table.cols[LongTable::VALUE], texts);
    }

    /// Adds a row whose value is in column `col`.
    pub fn push_at(&mut self, row: u32, col: u32, texts: [&str; 4]) {
        let [unit, year, field_id, value] = texts.map(|t| self.intern(t.trim()));
        self.table.rows.push(LongRow {
            row,
            col,
            unit,
            year,
            field_id,
            value,
        });
    }

    pub fn rows(&self) -> usize {
        self.table.rows.len()
    }

    pub fn cols(&self) -> [u32; 4] {
        self.table.cols
    }

    pub fn finish(self) -> LongTable {
        self.table
    }
}

/// What a reader made of one file.
#[derive(Debug, Clone, Default)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
    /// The file's data in the long form, when that is its layout.
    pub long_form: Option<LongTable>,
    /// The report's text outside its tables, where the form has one (Word, web pages, PDF,
    /// text); empty for workbooks and CSV grids.
    pub narrative: Vec<Paragraph>,
    /// What the reader had to decide and the user should know (the encoding it chose, …).
    pub notes: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A text reads back as it was given, kept in the cell up to 22 bytes and on the heap
    /// past them, whether given as a `&str` or a `String`; its debug form is a `str`'s.
    #[test]
    fn a_text_reads_back_as_given_inline_or_not() {
        let texts = [
            "",
            "12",
            "1234567890123456789012",  // 22 bytes: in the cell
            "12345678901234567890123", // 23: on the heap
            "第二十条第（五）",        // 24 bytes of 8 characters
            "行政许可a",               // 13
        ];
        for text in texts {
            let inline = text.len() <= Text::INLINE;
            for made in [Text::from(text), Text::from(text.to_string())] {
                assert_eq!(made.as_str(), text);
                assert_eq!(&*made, text);
                assert_eq!(matches!(made.0, TextRepr::Inline { .. }), inline, "{text}");
                assert_eq!(format!("{made:?}"), format!("{text:?}"));
                assert_eq!(made, Text::from(text));
            }
        }
        assert_ne!(Text::from("12"), Text::from("123"));
        assert_eq!(Cell::Text("ab".into()).text(), Some("ab"));
    }

    #[test]
    fn cells_that_pack_in_32_bits_unpack_as_they_were() {
        let fits = [
            CellAt::new(0, 0, 0),
            CellAt::new(61, 262_142, 255),
            CellAt::csv(262_141, 255),
            CellAt::csv(1, 0),
        ];
        for cell in fits {
            let packed = cell.packed().expect("fits");
            assert_eq!(CellAt::unpacked(packed), cell);
        }
        let table = CellAt::of(
            &Location::Table {
                table: 1,
                row: 0,
                col: 0,
            },
            &mut Vec::new(),
        );
        let page = CellAt::of(&Location::Page { page: 2, line: 3 }, &mut Vec::new());
        let too_far = [
            CellAt::new(62, 0, 0),
            CellAt::new(0, 262_143, 0),
            CellAt::new(0, 0, 256),
            CellAt::csv(1_000_000, 1),
            table,
            page,
        ];
        for cell in too_far {
            assert_eq!(cell.packed(), None, "{cell:?}");
        }
    }

    #[test]
    fn cells_that_pack_in_16_bits_unpack_as_they_were() {
        let fits = [
            CellAt::new(0, 0, 0),
            CellAt::new(6, 254, 31),
            CellAt::csv(254, 31),
            CellAt::csv(1, 0),
        ];
        for cell in fits {
            let packed = cell.packed16().expect("fits");
            assert_eq!(CellAt::unpacked16(packed), cell);
        }
        let too_far = [
            CellAt::new(7, 0, 0),
            CellAt::new(0, 255, 0),
            CellAt::new(0, 0, 32),
            CellAt::csv(255, 1),
            CellAt::csv(70_000, 1),
            CellAt::of(&Location::Page { page: 2, line: 3 }, &mut Vec::new()),
        ];
        for cell in too_far {
            assert_eq!(cell.packed16(), None, "{cell:?}");
        }
    }

    #[test]
    fn a_cell_kept_in_8_bytes_gives_back_its_location() {
        assert_eq!(std::mem::size_of::<Option<CellAt>>(), 8);
        let mut sheets = Vec::new();
        let places = [
            Location::Sheet {
                sheet: "表二".into(),
                row: 0,
                col: 0,
            },
            Location::Sheet {
                sheet: "Sheet1".into(),
                row: 1_048_575,
                col: 16_383,
            },
            Location::Csv { line: 1, field: 1 },
            Location::Csv {
                line: 4_000_000,
                field: 200,
            },
            Location::Table {
                table: 1,
                row: 1,
                col: 1,
            },
            Location::Table {
                table: 4_092,
                row: 70_000,
                col: 15,
            },
            Location::Page { page: 1, line: 0 },
            Location::Page {
                page: 4_096,
                line: 88,
            },
            Location::Line { line: 1 },
            Location::Line { line: 123_456 },
            Location::Paragraph { n: 3 },
        ];
        for place in places {
            assert_eq!(CellAt::of(&place, &mut sheets).location(&sheets), place);
        }
        assert_eq!(sheets.len(), 2);
        let far = Location::Csv {
            line: 2,
            field: 70_000,
        };
        assert_eq!(
            CellAt::of(&far, &mut sheets).location(&sheets),
            Location::Csv {
                line: 2,
                field: 65_535
            }
        );
    }

    #[test]
    fn addresses_read_like_excel() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
        let at = |sheet: &str| Location::Sheet {
            sheet: sheet.into(),
            row: 6,
            col: 2,
        };
        assert_eq!(at("表三").to_string(), "表三!C7");
        assert_eq!(at("Sheet 1").to_string(), "'Sheet 1'!C7");
        assert_eq!(at("2024年").to_string(), "'2024年'!C7");
        assert_eq!(
            Location::Csv { line: 12, field: 3 }.to_string(),
            "第12行第3列"
        );
        let table = Location::Table {
            table: 2,
            row: 7,
            col: 3,
        };
        assert_eq!(table.to_string(), "第2个表格第7行第3列");
        assert_eq!(Location::Page { page: 4, line: 0 }.to_string(), "第4页");
        assert_eq!(
            Location::Page { page: 4, line: 12 }.to_string(),
            "第4页第12行"
        );
        assert_eq!(Location::Line { line: 12 }.to_string(), "第12行");
        assert_eq!(Location::Paragraph { n: 3 }.to_string(), "第3段");
    }

    #[test]
    fn places_past_their_range_are_kept_as_the_last() {
        let mut sheets = Vec::new();
        let far_table = Location::Table {
            table: 9_999,
            row: 2,
            col: 3,
        };
        assert_eq!(
            CellAt::of(&far_table, &mut sheets).location(&sheets),
            Location::Table {
                table: 4_092,
                row: 2,
                col: 3
            }
        );
        let far_page = Location::Page {
            page: 10_000,
            line: 5,
        };
        assert_eq!(
            CellAt::of(&far_page, &mut sheets).location(&sheets),
            Location::Page {
                page: 4_096,
                line: 5
            }
        );
        let names: Vec<Arc<str>> = (0..60_000).map(|i| Arc::from(i.to_string())).collect();
        let mut many = names.clone();
        let last = Location::Sheet {
            sheet: names[59_999].clone(),
            row: 0,
            col: 0,
        };
        let kept = CellAt::of(&last, &mut many).location(&many);
        assert_eq!(
            kept,
            Location::Sheet {
                sheet: names[usize::from(CellAt::SHEETS) - 1].clone(),
                row: 0,
                col: 0
            }
        );
    }

    #[test]
    fn get_honours_the_origin() {
        let sheet = Sheet {
            name: "s".into(),
            origin: (2, 1),
            rows: vec![vec![Cell::Number(1.0), Cell::Text("x".into())]],
            ..Sheet::default()
        };
        assert_eq!(sheet.get(2, 1), &Cell::Number(1.0));
        assert_eq!(sheet.get(2, 2), &Cell::Text("x".into()));
        assert_eq!(sheet.get(0, 0), &Cell::Empty);
        assert_eq!(sheet.get(3, 1), &Cell::Empty);
        assert_eq!(sheet.end_row(), 3);
        assert_eq!(sheet.end_col(), 3);
    }

    #[test]
    fn far_cells_cost_nothing_and_are_counted() {
        let mut cells = vec![
            (0, 0, Cell::Number(1.0)),
            (1_048_575, 16_383, Cell::Number(2.0)),
        ];
        cells.extend((1..2000).map(|r| (r, 16_000, Cell::Number(3.0))));
        cells.push((5, 255, Cell::Number(4.0)));
        let (sheet, left_out) = Sheet::from_cells("s", false, cells);
        assert_eq!(left_out, 2000);
        assert_eq!(sheet.rows.len(), 6);
        assert_eq!(sheet.get(5, 255), &Cell::Number(4.0));
        assert_eq!(sheet.cells().count(), 2);
    }

    #[test]
    fn rows_past_the_area_are_left_out_and_counted() {
        let cells: Vec<(u32, u32, Cell)> = (0..65_536)
            .flat_map(|r| [(r, 0, Cell::Number(1.0)), (r, 255, Cell::Number(2.0))])
            .collect();
        let (sheet, left_out) = Sheet::from_cells("s", false, cells);
        let rows = MAX_AREA / 256;
        assert_eq!(sheet.rows.len(), rows);
        assert_eq!(left_out, (65_536 - rows) * 2);
        assert_eq!(sheet.get(rows as u32 - 1, 255), &Cell::Number(2.0));
    }

    #[test]
    fn set_grows_the_grid_in_every_direction() {
        let mut sheet = Sheet::default();
        sheet.set(5, 5, Cell::Number(1.0));
        sheet.set(7, 6, Cell::Number(2.0));
        sheet.set(1, 2, Cell::Number(3.0));
        assert_eq!(sheet.origin, (1, 2));
        assert_eq!(sheet.get(5, 5), &Cell::Number(1.0));
        assert_eq!(sheet.get(7, 6), &Cell::Number(2.0));
        assert_eq!(sheet.get(1, 2), &Cell::Number(3.0));
        assert_eq!(sheet.get(5, 6), &Cell::Empty);
    }
}
