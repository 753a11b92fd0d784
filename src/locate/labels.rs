//! Every text cell's label forms, worked out once a sheet (and once a thread for the
//! format's own labels), and the searches the tables' finders make of them.

use super::claims::mentions_claim;
use super::RawValue;
use crate::grid::{Location, Sheet};
use crate::schema::{PartId, APPLY_COLUMNS, APPLY_ROWS};
use crate::text::{core_into, fold_into, Searchable};

/// The parts of the format a label names, a bit each by [`PartId::number`], and past them
/// the table 三 columns its [`column_leaf`] names. Worked out with the label's forms, once
/// a thread for the format's own labels: the finders test bits, not words.
#[derive(Clone, Copy, Default)]
pub(super) struct Names(u64);

/// Where the bits of the table 三 columns that a label's leaf names start.
const LEAF_COLUMNS_AT: usize = PartId::COUNT;
const _: () = assert!(LEAF_COLUMNS_AT + APPLY_COLUMNS.len() <= 64);

impl Names {
    fn of(core: &Searchable) -> Names {
        let mut bits = 0;
        for part in PartId::all() {
            if part.part().matcher.matches_in(core) {
                bits |= 1 << part.number();
            }
        }
        let leaf = core.part(column_leaf(core.as_str()));
        for (i, column) in APPLY_COLUMNS.iter().enumerate() {
            if column.matcher.matches_in(&leaf) {
                bits |= 1 << (LEAF_COLUMNS_AT + i);
            }
        }
        Names(bits)
    }

    pub(super) fn has(self, part: PartId) -> bool {
        self.0 >> part.number() & 1 == 1
    }

    /// Whether the label, as a column header, names table 三's column `i`.
    pub(super) fn names_apply_column(self, i: usize) -> bool {
        self.0 >> (LEAF_COLUMNS_AT + i) & 1 == 1
    }

    /// The table 三 row the label names, when it names exactly one.
    pub(super) fn apply_row(self) -> Option<usize> {
        let rows = self.0 >> PartId::ApplyRow(0).number() & ((1 << APPLY_ROWS.len()) - 1);
        (rows.count_ones() == 1).then_some(rows.trailing_zeros() as usize)
    }
}

/// The group over the five kinds of organisation; some headers prefix each kind with it.
const ORGANISATIONS: &str = "法人或其他组织";

/// A column header without the group name some units repeat in it (法人或其他组织\n其他).
fn column_leaf(s: &str) -> &str {
    match s.strip_prefix(ORGANISATIONS) {
        Some(rest) if !rest.is_empty() => rest.trim_start_matches(['-', '/', ':', '_', '—']),
        _ => s,
    }
}

/// A text cell's label forms, computed once per cell, one after the other in its sheet's
/// [`Labelled::texts`]: `start..folded_end` and `folded_end..core_end`.
#[derive(Clone, Copy)]
pub(super) struct Label {
    start: u32,
    /// The [`fold`](crate::text::fold)ed form ends here, where the core starts: for the
    /// unit, the year and the old format's labels.
    folded_end: u32,
    /// The [`core`](crate::text::core) ends here: for matching the tables' labels; empty
    /// when only a note.
    core_end: u32,
    /// The core's length in characters: labels are short, narrative is long.
    core_chars: u32,
    /// The core's bytes, summed up for [`Searchable`].
    core_set: u64,
    names: Names,
    /// Whether the folded form has a word that may name the unit or the year, or be a label
    /// of the 2019 format ([`mentions_claim`]).
    may_claim: bool,
}

impl Label {
    pub(super) fn folded(&self) -> (u32, u32) {
        (self.start, self.folded_end)
    }

    pub(super) fn core(&self) -> (u32, u32) {
        (self.folded_end, self.core_end)
    }
}

/// A text's folded form and core, one after the other, and what a [`Label`] keeps.
struct Forms {
    both: Box<str>,
    folded_len: u32,
    core_chars: u32,
    core_set: u64,
    names: Names,
    may_claim: bool,
}

/// The label forms of the texts a thread has seen. Every report repeats the format's
/// labels: each thread keeps the forms of the short texts it has seen, and folds a label
/// once a run instead of once a file.
#[derive(Default)]
struct SeenLabels {
    forms: foldhash::HashMap<Box<str>, Forms>,
    /// A buffer to reuse.
    core: String,
}

thread_local! {
    static SEEN_LABELS: std::cell::RefCell<SeenLabels> = Default::default();
}

impl SeenLabels {
    /// Longer texts are titles and narrative, seen once; past this many texts kept (unit
    /// names, titles), a thread starts again. The format's labels are a few hundred: 4,096
    /// keeps them with room to spare, in about 0.5 MB a thread (65,536 took 11 MB a thread
    /// at 100,000 units, 176 MB on 16 threads, for no more hits).
    const MAX_KEPT_BYTES: usize = 96;
    const MAX_KEPT: usize = 1 << 12;

    /// The label forms of `text`, as [`Label`] ranges of `texts`, to which they are appended.
    fn label_forms(&mut self, text: &str, texts: &mut String) -> Label {
        let start = texts.len();
        let label = |forms: &Forms| Label {
            start: start as u32,
            folded_end: start as u32 + forms.folded_len,
            core_end: (start + forms.both.len()) as u32,
            core_chars: forms.core_chars,
            core_set: forms.core_set,
            names: forms.names,
            may_claim: forms.may_claim,
        };
        if let Some(forms) = self.forms.get(text) {
            texts.push_str(&forms.both);
            return label(forms);
        }
        fold_into(text, texts);
        let folded_len = (texts.len() - start) as u32;
        let core = &mut self.core;
        core.clear();
        core_into(&texts[start..], core);
        texts.push_str(core);
        let searchable_core = Searchable::new(core);
        let forms = Forms {
            both: texts[start..].into(),
            folded_len,
            core_chars: core.chars().count() as u32,
            core_set: searchable_core.char_set(),
            names: Names::of(&searchable_core),
            may_claim: mentions_claim(&Searchable::new(&texts[start..start + folded_len as usize])),
        };
        let found = label(&forms);
        if text.len() <= Self::MAX_KEPT_BYTES {
            if self.forms.len() == Self::MAX_KEPT {
                self.forms.clear();
            }
            self.forms.insert(text.into(), forms);
        }
        found
    }
}

/// A label cell of a row, as [`Labelled::labels_in`] lists them.
#[derive(Clone, Copy)]
pub(super) struct LabelAt<'s> {
    pub(super) col: u32,
    pub(super) core: Searchable<'s>,
    pub(super) names: Names,
}

/// A sheet with the label forms of every text cell computed once.
pub(super) struct Labelled<'a> {
    pub(super) sheet: &'a Sheet,
    /// Every label form of the sheet, one after the other: one buffer a sheet, not two
    /// strings a cell.
    texts: String,
    labels: Vec<Vec<Option<Label>>>,
    /// The labels short enough to head a row or a column (1 to 24 characters), row by row:
    /// where [`Self::find`] looks.
    short: Vec<(u32, u32, Names)>,
    /// The cells whose label [`Label::may_claim`], row by row.
    claiming: Vec<(u32, u32)>,
    /// One past the last used column.
    end_col: u32,
    /// Labels in hidden rows or columns not read, because a visible cell has the same.
    pub(super) set_aside: Vec<Location>,
}

impl<'a> Labelled<'a> {
    pub(super) fn new(sheet: &'a Sheet) -> Self {
        let mut texts = String::new();
        let mut labels: Vec<Vec<Option<Label>>> = SEEN_LABELS.with_borrow_mut(|seen| {
            sheet
                .rows
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|cell| Some(seen.label_forms(cell.text()?, &mut texts)))
                        .collect()
                })
                .collect()
        });
        let mut set_aside = Vec::new();
        if !sheet.hidden_rows.is_empty() || !sheet.hidden_cols.is_empty() {
            // What the clerk sees is what is read: a label in a hidden row or column (last
            // year's 总计 column kept beside this year's) gives way to a visible one.
            let (r0, c0) = sheet.origin;
            let hidden = |r: usize, c: usize| sheet.is_hidden(r0 + r as u32, c0 + c as u32);
            let texts = texts.as_str();
            let visible: std::collections::HashSet<&str> = labels
                .iter()
                .enumerate()
                .flat_map(|(r, row)| {
                    row.iter().enumerate().filter_map(move |(c, l)| {
                        l.as_ref()
                            .map(|l| span(texts, l.core()))
                            .filter(|core| !core.is_empty() && !hidden(r, c))
                    })
                })
                .collect();
            for (r, row) in labels.iter().enumerate() {
                for (c, label) in row.iter().enumerate() {
                    if let Some(core) = label.map(|l| span(texts, l.core())) {
                        if !core.is_empty() && hidden(r, c) && visible.contains(core) {
                            set_aside.push((r, c));
                        }
                    }
                }
            }
            for &(r, c) in &set_aside {
                labels[r][c] = None;
            }
        }
        let set_aside = set_aside
            .into_iter()
            .map(|(r, c)| sheet.location(sheet.origin.0 + r as u32, sheet.origin.1 + c as u32))
            .collect();
        let (r0, c0) = sheet.origin;
        let (mut short, mut claiming) = (Vec::new(), Vec::new());
        for (r, row) in labels.iter().enumerate() {
            for (c, label) in row.iter().enumerate() {
                let Some(label) = label else { continue };
                let at = (r0 + r as u32, c0 + c as u32);
                if (1..=24).contains(&label.core_chars) {
                    short.push((at.0, at.1, label.names));
                }
                if label.may_claim {
                    claiming.push(at);
                }
            }
        }
        Labelled {
            sheet,
            texts,
            labels,
            short,
            claiming,
            end_col: sheet.end_col(),
            set_aside,
        }
    }

    pub(super) fn label(&self, row: u32, col: u32) -> Option<&Label> {
        let (r0, c0) = self.sheet.origin;
        if row < r0 || col < c0 {
            return None;
        }
        self.labels
            .get((row - r0) as usize)?
            .get((col - c0) as usize)?
            .as_ref()
    }

    /// What the label of a cell names; nothing for a cell without one.
    pub(super) fn names(&self, row: u32, col: u32) -> Names {
        self.label(row, col).map_or(Names::default(), |l| l.names)
    }

    fn searchable_core(&self, label: &Label) -> Searchable<'_> {
        Searchable::with_char_set(span(&self.texts, label.core()), label.core_set)
    }

    pub(super) fn folded(&self, label: &Label) -> &str {
        span(&self.texts, label.folded())
    }

    pub(super) fn cols(&self) -> std::ops::Range<u32> {
        self.sheet.origin.1..self.end_col
    }

    pub(super) fn end_col(&self) -> u32 {
        self.end_col
    }

    /// Labelled cells of one row between two columns, left to right.
    pub(super) fn labels_in(&self, row: u32, cols: std::ops::Range<u32>) -> Vec<LabelAt<'_>> {
        cols.filter_map(|col| {
            let label = self.label(row, col)?;
            let core = self.searchable_core(label);
            (!core.as_str().is_empty()).then_some(LabelAt {
                col,
                core,
                names: label.names,
            })
        })
        .collect()
    }

    /// The cells whose label may name the unit or the year ([`Label::may_claim`]), row by
    /// row, with their labels.
    pub(super) fn claiming(&self) -> impl Iterator<Item = (u32, u32, &Label)> {
        self.claiming
            .iter()
            .filter_map(|&(row, col)| Some((row, col, self.label(row, col)?)))
    }

    /// The first cell, row by row, whose label names `part` and is short enough to be a
    /// label.
    pub(super) fn find(&self, part: PartId) -> Option<(u32, u32)> {
        self.short
            .iter()
            .find(|(_, _, names)| names.has(part))
            .map(|&(row, col, _)| (row, col))
    }

    pub(super) fn raw(&self, row: u32, col: u32) -> RawValue {
        RawValue {
            at: self.sheet.location(row, col),
            cell: self.sheet.get(row, col).clone(),
        }
    }
}

/// The text of a label form: `range` of a sheet's label texts.
fn span(texts: &str, (start, end): (u32, u32)) -> &str {
    &texts[start as usize..end as usize]
}
