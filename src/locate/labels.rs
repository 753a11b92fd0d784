//! Every text cell's label forms, worked out once a sheet (and once a thread for the
//! format's own labels), and the searches the tables' finders make of them.

use super::RawValue;
use crate::grid::{Location, Sheet};
use crate::schema::Matcher;
use crate::text::{core_into, fold_into, Searchable};

/// A text cell's label forms, computed once per cell, one after the other in its sheet's
/// [`Labelled::texts`]: `start..folded_end` and `folded_end..core_end`.
#[derive(Clone, Copy)]
pub(super) struct Label {
    start: u32,
    /// The [`fold`]ed form ends here, where the core starts: for the unit, the year and the
    /// old format's labels.
    folded_end: u32,
    /// The [`core`](crate::text::core) ends here: for matching the tables' labels; empty
    /// when only a note.
    core_end: u32,
    /// The core's length in characters: labels are short, narrative is long.
    core_chars: u32,
    /// The core's bytes, summed up for [`Searchable`].
    core_set: u64,
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
        let forms = Forms {
            both: texts[start..].into(),
            folded_len,
            core_chars: core.chars().count() as u32,
            core_set: Searchable::new(core).char_set(),
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

/// A sheet with the label forms of every text cell computed once.
pub(super) struct Labelled<'a> {
    pub(super) sheet: &'a Sheet,
    /// Every label form of the sheet, one after the other: one buffer a sheet, not two
    /// strings a cell.
    texts: String,
    labels: Vec<Vec<Option<Label>>>,
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
        Labelled {
            sheet,
            texts,
            labels,
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

    pub(super) fn core(&self, row: u32, col: u32) -> Option<Searchable<'_>> {
        self.label(row, col)
            .map(|l| self.searchable_core(l))
            .filter(|c| !c.as_str().is_empty())
    }

    fn searchable_core(&self, label: &Label) -> Searchable<'_> {
        Searchable::with_char_set(span(&self.texts, label.core()), label.core_set)
    }

    pub(super) fn folded(&self, label: &Label) -> &str {
        span(&self.texts, label.folded())
    }

    pub(super) fn cols(&self) -> std::ops::Range<u32> {
        self.sheet.origin.1..self.sheet.end_col()
    }

    /// Labelled cells of one row between two columns, left to right.
    pub(super) fn labels_in(
        &self,
        row: u32,
        cols: std::ops::Range<u32>,
    ) -> Vec<(u32, Searchable<'_>)> {
        cols.filter_map(|c| self.core(row, c).map(|s| (c, s)))
            .collect()
    }

    /// The first cell, row by row, whose core matches and is short enough to be a label.
    /// Walks the cells there are, not the rectangle around them.
    pub(super) fn find(&self, matcher: &Matcher) -> Option<(u32, u32)> {
        let (r0, c0) = self.sheet.origin;
        self.labels.iter().enumerate().find_map(|(r, row)| {
            row.iter().enumerate().find_map(|(c, label)| {
                label
                    .as_ref()
                    .filter(|l| {
                        (1..=24).contains(&l.core_chars)
                            && matcher.matches_in(&self.searchable_core(l))
                    })
                    .map(|_| (r0 + r as u32, c0 + c as u32))
            })
        })
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
