//! Stage 4: a located submission → the 200-field schema. Values are parsed strictly, and
//! the unit and year are resolved against the roster.

use std::num::{NonZeroU16, NonZeroU32};
use std::sync::Arc;

use crate::grid::{Cell, CellAt, Location, Paragraph};
use crate::locate::{ClaimSource, MissingPart, RawSubmission};
use crate::roster::{Roster, UnitIdx};
use crate::schema::{FieldIdx, FIELD_COUNT};
use crate::text::{parse_value, ParsedValue};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Number(f64),
    /// Empty or a placeholder (—, -, /, 无): counts as 0, remembered as blank.
    Blank,
    /// Text that is not a number, as written. The field stays unknown. Boxed, because it is
    /// rare and a submission keeps 200 values: a thin pointer keeps each value at 16 bytes.
    #[allow(clippy::box_collection)]
    NotNumber(Box<String>),
    /// The field's row, column or table is not in the submission.
    Missing,
}

impl Value {
    /// The number this value counts as, if it is known.
    pub fn number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Blank => Some(0.0),
            Value::NotNumber(_) | Value::Missing => None,
        }
    }
}

/// A submission's 200 values and the cells they were read from. A province's submissions
/// are all kept until the outputs are written, so a field takes 4 bytes where it can: its
/// number as a whole number in 16 bits (nearly every value of a report is one), and its cell
/// in 16 bits ([`CellAt::packed16`]); where one of a report's does not fit, its numbers or
/// its cells take 32 bits each ([`CellAt::packed`]), and other numbers and cells are kept
/// aside. Which fields are blank or missing is a bit each, and the rare text that is not a
/// number is kept aside.
#[derive(Debug, Clone, PartialEq)]
pub struct Values {
    /// The number a field holds, when it is a whole number below [`NOT_SMALL`]; 0 for a
    /// blank, a missing field or text.
    small: Smalls,
    /// The numbers that are not, by field, in field order.
    others: Vec<(FieldIdx, f64)>,
    /// Where each field was read, when it was read from a cell.
    cells: Cells,
    blanks: FieldBits,
    missing: FieldBits,
    /// The fields holding text that is not a number, in field order, with their text.
    texts: Vec<(FieldIdx, Box<str>)>,
}

/// `n` as a whole number below `limit` that round-trips, if it is one (not -0, which prints
/// as such): what compact tables of numbers keep in 32 bits, the values above kept aside.
pub(crate) fn small_number(n: f64, limit: u32) -> Option<u32> {
    (n >= 0.0 && n < f64::from(limit) && n.fract() == 0.0)
        .then_some(n as u32)
        .filter(|&s| f64::from(s).to_bits() == n.to_bits())
}

/// In [`Values::small`]: the field's number is in [`Values::others`].
const NOT_SMALL: u32 = u32::MAX;

/// The small numbers of a report's fields ([`Values::small`]): 2 bytes each while every
/// one is below 65,535, 4 bytes each once one is not.
#[derive(Debug, Clone)]
enum Smalls {
    /// [`NOT_SMALL`] is `u16::MAX` here.
    Narrow(Box<[u16]>),
    Wide(Box<[u32]>),
}

impl Smalls {
    fn get(&self, f: FieldIdx) -> u32 {
        match self {
            Smalls::Narrow(small) if small[f] == u16::MAX => NOT_SMALL,
            Smalls::Narrow(small) => u32::from(small[f]),
            Smalls::Wide(small) => small[f],
        }
    }

    fn set(&mut self, f: FieldIdx, n: u32) {
        match self {
            Smalls::Wide(small) => small[f] = n,
            Smalls::Narrow(small) if n == NOT_SMALL => small[f] = u16::MAX,
            Smalls::Narrow(small) => match u16::try_from(n) {
                Ok(narrow) if narrow != u16::MAX => small[f] = narrow,
                _ => {
                    let mut wide: Box<[u32]> = (0..FIELD_COUNT).map(|g| self.get(g)).collect();
                    wide[f] = n;
                    *self = Smalls::Wide(wide);
                }
            },
        }
    }
}

impl PartialEq for Smalls {
    fn eq(&self, other: &Smalls) -> bool {
        (0..FIELD_COUNT).all(|f| self.get(f) == other.get(f))
    }
}

/// The cells of a report's fields: 2 bytes each while every cell packs in 16 bits, 4 bytes
/// each while every cell packs in 32, 8 bytes each once one does not (a document's tables
/// and pages).
#[derive(Debug, Clone)]
enum Cells {
    Packed16(Box<[Option<NonZeroU16>]>),
    Packed(Box<[Option<NonZeroU32>]>),
    Full(Box<[Option<CellAt>]>),
}

impl Cells {
    fn get(&self, f: FieldIdx) -> Option<CellAt> {
        match self {
            Cells::Packed16(cells) => cells[f].map(CellAt::unpacked16),
            Cells::Packed(cells) => cells[f].map(CellAt::unpacked),
            Cells::Full(cells) => cells[f],
        }
    }

    fn set(&mut self, f: FieldIdx, at: Option<CellAt>) {
        match self {
            Cells::Full(cells) => cells[f] = at,
            Cells::Packed(cells) => match at.map(CellAt::packed) {
                None => cells[f] = None,
                Some(Some(packed)) => cells[f] = Some(packed),
                Some(None) => self.widen(f, at),
            },
            Cells::Packed16(cells) => match at.map(CellAt::packed16) {
                None => cells[f] = None,
                Some(Some(packed)) => cells[f] = Some(packed),
                Some(None) => self.widen(f, at),
            },
        }
    }

    /// Sets a cell that does not pack as the others: all are kept in the next wider form
    /// that holds it (every cell that packs in 16 bits packs in 32).
    fn widen(&mut self, f: FieldIdx, at: Option<CellAt>) {
        let all = (0..FIELD_COUNT).map(|g| if g == f { at } else { self.get(g) });
        *self = if matches!(self, Cells::Packed16(_)) && at.and_then(CellAt::packed).is_some() {
            Cells::Packed(all.map(|c| c.and_then(CellAt::packed)).collect())
        } else {
            Cells::Full(all.collect())
        };
    }
}

impl PartialEq for Cells {
    fn eq(&self, other: &Cells) -> bool {
        (0..FIELD_COUNT).all(|f| self.get(f) == other.get(f))
    }
}

/// A bit per field of the schema.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct FieldBits([u64; FIELD_COUNT.div_ceil(64)]);

impl FieldBits {
    fn get(&self, f: FieldIdx) -> bool {
        self.0[f / 64] & (1 << (f % 64)) != 0
    }

    fn count(&self) -> usize {
        self.0.iter().map(|word| word.count_ones() as usize).sum()
    }

    fn set(&mut self, f: FieldIdx, on: bool) {
        if on {
            self.0[f / 64] |= 1 << (f % 64);
        } else {
            self.0[f / 64] &= !(1 << (f % 64));
        }
    }
}

impl Values {
    /// Every field holding `n`, read from no cell: where a report is built field by field.
    pub fn all(n: f64) -> Values {
        Values::from_numbers(vec![n; FIELD_COUNT])
    }

    /// Every field holding its number, read from no cell: the county's totals.
    pub fn from_numbers(numbers: Vec<f64>) -> Values {
        assert_eq!(numbers.len(), FIELD_COUNT, "a number per field");
        let mut values = Values {
            small: Smalls::Narrow(vec![0; FIELD_COUNT].into()),
            others: Vec::new(),
            cells: Cells::Packed16(vec![None; FIELD_COUNT].into()),
            blanks: FieldBits::default(),
            missing: FieldBits::default(),
            texts: Vec::new(),
        };
        for (f, n) in numbers.into_iter().enumerate() {
            values.set_number(f, n);
        }
        values
    }

    /// The number field `f` holds (0 for a blank, a missing field or text).
    fn stored_number(&self, f: FieldIdx) -> f64 {
        match self.small.get(f) {
            NOT_SMALL => self
                .others
                .binary_search_by_key(&f, |(g, _)| *g)
                .map_or(0.0, |i| self.others[i].1),
            n => f64::from(n),
        }
    }

    fn set_number(&mut self, f: FieldIdx, n: f64) {
        let at = self.others.binary_search_by_key(&f, |(g, _)| *g);
        match (small_number(n, NOT_SMALL), at) {
            (Some(s), at) => {
                self.small.set(f, s);
                if let Ok(i) = at {
                    self.others.remove(i);
                }
            }
            (None, Ok(i)) => {
                self.small.set(f, NOT_SMALL);
                self.others[i].1 = n;
            }
            (None, Err(i)) => {
                self.small.set(f, NOT_SMALL);
                self.others.insert(i, (f, n));
            }
        }
    }

    /// The value of field `f`.
    pub fn get(&self, f: FieldIdx) -> Value {
        if self.missing.get(f) {
            Value::Missing
        } else if self.blanks.get(f) {
            Value::Blank
        } else if let Some(text) = self.text(f) {
            Value::NotNumber(Box::new(text.to_string()))
        } else {
            Value::Number(self.stored_number(f))
        }
    }

    /// The number field `f` counts as, if it is known (see [`Value::number`]).
    pub fn number(&self, f: FieldIdx) -> Option<f64> {
        let unknown = self.missing.get(f) || self.text(f).is_some();
        (!unknown).then(|| self.stored_number(f))
    }

    pub fn is_blank(&self, f: FieldIdx) -> bool {
        self.blanks.get(f)
    }

    /// The text of a field that holds text that is not a number.
    pub fn text(&self, f: FieldIdx) -> Option<&str> {
        self.texts
            .binary_search_by_key(&f, |(g, _)| *g)
            .ok()
            .map(|i| &*self.texts[i].1)
    }

    /// The fields holding text that is not a number, with their text, in field order.
    pub fn texts(&self) -> impl Iterator<Item = (FieldIdx, &str)> {
        self.texts.iter().map(|(f, text)| (*f, &**text))
    }

    /// How many fields hold a number ([`Self::number`] is known): neither missing nor text,
    /// which [`Self::set`] keeps apart.
    pub fn numbers_known(&self) -> usize {
        FIELD_COUNT - self.missing.count() - self.texts.len()
    }

    /// How many fields are blank.
    pub fn blanks_count(&self) -> usize {
        self.blanks.count()
    }

    /// The cell field `f` was read from.
    pub fn at(&self, f: FieldIdx) -> Option<CellAt> {
        self.cells.get(f)
    }

    /// Every field's value, in schema order.
    pub fn iter(&self) -> impl Iterator<Item = Value> + '_ {
        (0..FIELD_COUNT).map(|f| self.get(f))
    }

    /// Sets field `f`, keeping its cell.
    pub fn set(&mut self, f: FieldIdx, value: Value) {
        if let Ok(i) = self.texts.binary_search_by_key(&f, |(g, _)| *g) {
            self.texts.remove(i);
        }
        self.blanks.set(f, value == Value::Blank);
        self.missing.set(f, value == Value::Missing);
        self.set_number(f, value.number().unwrap_or(0.0));
        if let Value::NotNumber(text) = value {
            let i = self.texts.partition_point(|(g, _)| *g < f);
            self.texts.insert(i, (f, text.as_str().into()));
        }
    }

    /// Sets field `f` and the cell it was read from.
    pub fn set_at(&mut self, f: FieldIdx, value: Value, at: Option<CellAt>) {
        self.set(f, value);
        self.cells.set(f, at);
    }
}

/// How the unit or year of a submission was established.
#[derive(Debug, Clone, PartialEq)]
pub enum Evidence {
    /// A labelled cell, or the long form's column.
    Cell(Location),
    Title(Location),
    FileName,
    /// `--year` on the command line.
    Argument,
    /// Stated nowhere: the year being rolled up.
    RollupYear,
    None,
}

impl Evidence {
    pub fn describe(&self) -> String {
        match self {
            Evidence::Cell(at) => format!("单元格 {at}"),
            Evidence::Title(at) => format!("标题 {at}"),
            Evidence::FileName => "文件名".into(),
            Evidence::Argument => "--year".into(),
            Evidence::RollupYear => "未写明，按本次汇总年度".into(),
            Evidence::None => "未找到".into(),
        }
    }
}

/// One report of one unit for one year, in the common schema.
#[derive(Debug, Clone)]
pub struct Submission {
    /// Path relative to `--inputs`, with `/` separators.
    pub source_file: String,
    /// The roster unit, when the submission's name for itself is on the roster.
    pub unit: Option<UnitIdx>,
    /// The name the submission gives itself, as written (or the file name).
    pub claimed_unit: String,
    pub unit_evidence: Evidence,
    pub year: Option<i32>,
    pub year_evidence: Evidence,
    pub values: Values,
    /// The names of the sheets the values' cells are on.
    pub sheets: Vec<Arc<str>>,
    pub missing: Vec<MissingPart>,
    pub old_format: Vec<crate::locate::Claim>,
    /// The report's narrative, when the file has one.
    pub narrative: Vec<Paragraph>,
    /// Rows or columns found twice with different numbers.
    pub twice: Vec<crate::locate::TwiceLine>,
    pub notes: Vec<String>,
}

#[cfg(test)]
impl Submission {
    /// A report of `unit` (else of `claimed_unit`) for `year`, from `source_file`, with
    /// `values` and nothing else, as the tests of later stages make one.
    pub(crate) fn of_values(
        source_file: &str,
        unit: Option<UnitIdx>,
        claimed_unit: &str,
        year: i32,
        values: Values,
    ) -> Submission {
        Submission {
            source_file: source_file.into(),
            unit,
            claimed_unit: claimed_unit.into(),
            unit_evidence: Evidence::FileName,
            year: Some(year),
            year_evidence: Evidence::FileName,
            values,
            sheets: Vec::new(),
            missing: Vec::new(),
            old_format: Vec::new(),
            narrative: Vec::new(),
            twice: Vec::new(),
            notes: Vec::new(),
        }
    }
}

impl Submission {
    /// Whether it was read from a document (Word, web page, PDF, text) rather than a
    /// workbook or a CSV: its values lie in a document's tables, pages or lines.
    pub fn is_document(&self) -> bool {
        let first = (0..FIELD_COUNT).find_map(|f| self.location(f));
        match first {
            Some(at) => matches!(
                at,
                Location::Table { .. } | Location::Page { .. } | Location::Line { .. }
            ),
            None => !self.narrative.is_empty(),
        }
    }

    /// Where a field's value was read.
    pub fn location(&self, f: FieldIdx) -> Option<Location> {
        self.values.at(f).map(|at| at.location(&self.sheets))
    }
}

pub fn value_of(cell: &Cell) -> Value {
    match cell {
        Cell::Empty => Value::Blank,
        Cell::Number(n) => Value::Number(*n),
        Cell::Text(t) => match parse_value(t) {
            ParsedValue::Number(n) => Value::Number(n),
            ParsedValue::Blank => Value::Blank,
            ParsedValue::NotNumber(s) => Value::NotNumber(Box::new(s)),
        },
    }
}

pub fn normalize(
    raw: RawSubmission,
    source_file: &str,
    roster: &Roster,
    default_year: Option<i32>,
) -> Submission {
    let mut sheets: Vec<Arc<str>> = Vec::new();
    let mut values = Values::all(0.0);
    for (f, raw) in raw.values.iter().enumerate() {
        match raw {
            Some(raw) => {
                let at = CellAt::of(&raw.at, &mut sheets);
                values.set_at(f, value_of(&raw.cell), Some(at));
            }
            None => values.set(f, Value::Missing),
        }
    }
    let mut notes = raw.notes;
    let stem = file_stem(source_file);

    let (unit, claimed_unit, unit_evidence) =
        resolve_unit(&raw.unit_claims, &stem, roster, &mut notes);
    let (year, year_evidence) = resolve_year(&raw.year_claims, &stem, default_year, &mut notes);
    Submission {
        source_file: source_file.to_string(),
        unit,
        claimed_unit,
        unit_evidence,
        year,
        year_evidence,
        values,
        sheets,
        missing: raw.missing,
        old_format: raw.old_format,
        narrative: raw.narrative,
        twice: raw.twice,
        notes,
    }
}

fn file_stem(source_file: &str) -> String {
    let name = source_file.rsplit('/').next().unwrap_or(source_file);
    match name.rsplit_once('.') {
        Some((stem, _)) => stem.to_string(),
        None => name.to_string(),
    }
}

fn evidence(source: ClaimSource, at: &Location) -> Evidence {
    match source {
        ClaimSource::Labelled => Evidence::Cell(at.clone()),
        ClaimSource::Title => Evidence::Title(at.clone()),
    }
}

/// The sheets the tables came from first; on them, labelled cells before the title; then
/// the file name. The first claim that names a roster unit wins. A submission naming no roster unit keeps the name it gave itself.
fn resolve_unit(
    claims: &[crate::locate::Claim],
    stem: &str,
    roster: &Roster,
    notes: &mut Vec<String>,
) -> (Option<UnitIdx>, String, Evidence) {
    let mut ordered: Vec<&crate::locate::Claim> = claims.iter().collect();
    ordered.sort_by_key(|c| (!c.primary, c.source));
    let mut found: Option<(UnitIdx, String, Evidence)> = None;
    for claim in &ordered {
        let unit = match claim.source {
            ClaimSource::Labelled => roster
                .exact(&claim.text)
                .or_else(|| roster.within(&claim.text)),
            ClaimSource::Title => roster.within(&claim.text),
        };
        let Some(unit) = unit else { continue };
        match &found {
            None => found = Some((unit, claim.text.clone(), evidence(claim.source, &claim.at))),
            Some((first, _, at)) if *first != unit => notes.push(format!(
                "{} 写的单位是“{}”（{}），与{}的“{}”不一致，按后者",
                claim.at,
                claim.text,
                roster.units[unit].name,
                at.describe(),
                roster.units[*first].name
            )),
            Some(_) => {}
        }
    }
    if let Some((unit, text, evidence)) = found {
        return (Some(unit), text, evidence);
    }
    if let Some(unit) = roster.exact(stem).or_else(|| roster.within(stem)) {
        return (Some(unit), stem.to_string(), Evidence::FileName);
    }
    match ordered.iter().find(|c| c.source == ClaimSource::Labelled) {
        Some(claim) => (None, claim.text.clone(), evidence(claim.source, &claim.at)),
        None => (None, stem.to_string(), Evidence::FileName),
    }
}

fn resolve_year(
    claims: &[crate::locate::Claim],
    stem: &str,
    default_year: Option<i32>,
    notes: &mut Vec<String>,
) -> (Option<i32>, Evidence) {
    let mut ordered: Vec<&crate::locate::Claim> = claims.iter().collect();
    ordered.sort_by_key(|c| (!c.primary, c.source));
    let parsed: Vec<(i32, &crate::locate::Claim)> = ordered
        .iter()
        .filter_map(|c| crate::locate::year_in(&c.text).map(|y| (y, *c)))
        .collect();
    if let Some((year, claim)) = parsed.first() {
        for (other, other_claim) in &parsed[1..] {
            if other != year {
                notes.push(format!(
                    "{} 写的年度是 {other}，与 {} 的 {year} 不一致，按 {year}",
                    other_claim.at, claim.at
                ));
                break;
            }
        }
        return (Some(*year), evidence(claim.source, &claim.at));
    }
    if let Some(year) = crate::locate::year_in(stem) {
        return (Some(year), Evidence::FileName);
    }
    match default_year {
        Some(y) => (Some(y), Evidence::Argument),
        None => (None, Evidence::None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counts of known and blank fields are those field by field, whatever each field
    /// was set to before.
    #[test]
    fn the_counts_are_those_field_by_field() {
        let mut values = Values::all(1.0);
        let text = |t: &str| Value::NotNumber(Box::new(t.into()));
        let sets = [
            (3, Value::Missing),
            (4, text("约5")),
            (5, Value::Blank),
            (199, text("无")),
            (64, Value::Missing),
            // Set again: a text to missing, missing to a text, a blank to a number.
            (4, Value::Missing),
            (3, text("不详")),
            (5, Value::Number(2.0)),
            (6, Value::Blank),
        ];
        for (f, value) in sets {
            values.set(f, value);
        }
        let known = (0..FIELD_COUNT)
            .filter(|&f| values.number(f).is_some())
            .count();
        let blank = (0..FIELD_COUNT).filter(|&f| values.is_blank(f)).count();
        assert_eq!(
            (values.numbers_known(), values.blanks_count()),
            (known, blank)
        );
        assert_eq!((known, blank), (FIELD_COUNT - 4, 1));
        let texts: Vec<_> = values.texts().collect();
        assert_eq!(texts, [(3, "不详"), (199, "无")]);
    }

    #[test]
    fn numbers_and_cells_are_kept_exactly_in_either_form() {
        let numbers = [0.0, 1.0, 65_534.0, 1.5, -3.0, -0.0, 1e20];
        let mut v = Values::all(0.0);
        for (f, n) in numbers.iter().enumerate() {
            v.set(f, Value::Number(*n));
        }
        // Every number below 65,535 whole, in 16 bits.
        assert!(matches!(v.small, Smalls::Narrow(_)));
        for (f, n) in numbers.iter().enumerate() {
            let got = v.number(f).unwrap();
            assert_eq!(got.to_bits(), n.to_bits(), "field {f}: {n}");
        }
        // A field whose number becomes whole again leaves nothing aside.
        v.set(3, Value::Number(7.0));
        assert_eq!(v.number(3), Some(7.0));
        let mut w = Values::all(0.0);
        for (f, n) in numbers.iter().enumerate() {
            w.set(f, Value::Number(*n));
        }
        w.set(3, Value::Number(7.0));
        assert_eq!(v, w);

        // One whole number of 16 bits or more: all in 32, the others as they were.
        let wider = [65_535.0, 4_294_967_294.0, 4_294_967_295.0];
        for (i, n) in wider.iter().enumerate() {
            v.set(numbers.len() + i, Value::Number(*n));
        }
        assert!(matches!(v.small, Smalls::Wide(_)));
        for (f, n) in numbers.iter().chain(&wider).enumerate() {
            let n = if f == 3 { 7.0 } else { *n };
            assert_eq!(
                v.number(f).unwrap().to_bits(),
                n.to_bits(),
                "field {f}: {n}"
            );
        }
        // Equal whatever the form.
        let mut wide = v.clone();
        for f in numbers.len()..numbers.len() + wider.len() {
            wide.set(f, Value::Number(0.0));
        }
        let mut narrow = Values::all(0.0);
        for (f, n) in numbers.iter().enumerate() {
            narrow.set(f, Value::Number(if f == 3 { 7.0 } else { *n }));
        }
        assert!(matches!(narrow.small, Smalls::Narrow(_)));
        assert!(matches!(wide.small, Smalls::Wide(_)));
        assert_eq!(narrow, wide);

        // Cells pack in 16 bits until one does not, then in 32; then every cell is kept
        // whole, the others as they were.
        let sheet = CellAt::csv(12, 3);
        v.set_at(0, Value::Number(1.0), Some(sheet));
        assert!(matches!(v.cells, Cells::Packed16(_)));
        let far = CellAt::csv(300, 3);
        v.set_at(1, Value::Number(1.0), Some(far));
        assert!(matches!(v.cells, Cells::Packed(_)));
        let table = CellAt::of(
            &Location::Table {
                table: 2,
                row: 5,
                col: 1,
            },
            &mut Vec::new(),
        );
        v.set_at(2, Value::Number(2.0), Some(table));
        assert!(matches!(v.cells, Cells::Full(_)));
        assert_eq!(v.at(0), Some(sheet));
        assert_eq!(v.at(1), Some(far));
        assert_eq!(v.at(2), Some(table));
        assert_eq!(v.at(3), None);
        // A table's cell straight after 16 bits: kept whole.
        let mut direct = Values::all(0.0);
        direct.set_at(0, Value::Number(1.0), Some(sheet));
        direct.set_at(2, Value::Number(2.0), Some(table));
        assert!(matches!(direct.cells, Cells::Full(_)));
        assert_eq!((direct.at(0), direct.at(2)), (Some(sheet), Some(table)));
        // Equal whatever the form.
        let mut packed = Values::all(0.0);
        packed.set_at(0, Value::Number(1.0), Some(sheet));
        let mut full = packed.clone();
        full.set_at(1, Value::Number(0.0), Some(table));
        full.set_at(1, Value::Number(0.0), None);
        assert!(matches!(full.cells, Cells::Full(_)));
        assert_eq!(packed, full);
    }

    #[test]
    fn values_keep_what_each_field_holds_and_where() {
        let mut v = Values::all(1.0);
        let at = CellAt::csv(3, 4);
        v.set_at(5, Value::Blank, Some(at));
        v.set(7, Value::NotNumber(Box::new("约5".into())));
        v.set(2, Value::NotNumber(Box::new("3件".into())));
        v.set(9, Value::Missing);
        v.set(10, Value::Number(2.5));
        assert_eq!(v.get(0), Value::Number(1.0));
        assert_eq!(
            (v.get(5), v.number(5), v.at(5)),
            (Value::Blank, Some(0.0), Some(at))
        );
        assert_eq!((v.text(7), v.number(7)), (Some("约5"), None));
        assert_eq!(v.get(2), Value::NotNumber(Box::new("3件".into())));
        assert_eq!((v.get(9), v.number(9)), (Value::Missing, None));
        assert_eq!(v.number(10), Some(2.5));
        // A value set again forgets what the field held before.
        v.set(7, Value::Number(5.0));
        v.set(5, Value::Number(4.0));
        assert_eq!(
            (v.get(7), v.get(5), v.at(5)),
            (Value::Number(5.0), Value::Number(4.0), Some(at))
        );
        assert_eq!(
            v.iter().filter(|x| *x == Value::Number(1.0)).count(),
            FIELD_COUNT - 5
        );
    }

    #[test]
    fn cells_become_values() {
        assert_eq!(value_of(&Cell::Number(3.0)), Value::Number(3.0));
        assert_eq!(value_of(&Cell::Empty), Value::Blank);
        assert_eq!(value_of(&Cell::Text("１２".into())), Value::Number(12.0));
        assert_eq!(value_of(&Cell::Text("无".into())), Value::Blank);
        assert_eq!(
            value_of(&Cell::Text("约5".into())),
            Value::NotNumber(Box::new("约5".into()))
        );
        assert_eq!(std::mem::size_of::<Value>(), 16);
        assert_eq!(Value::Blank.number(), Some(0.0));
        assert_eq!(Value::NotNumber(Box::new("x".into())).number(), None);
    }

    #[test]
    fn file_stems_drop_folders_and_extension() {
        assert_eq!(file_stem("乡镇/易俗河镇2024.xlsx"), "易俗河镇2024");
        assert_eq!(file_stem("noext"), "noext");
    }
}
