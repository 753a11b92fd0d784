//! `nianbao demo`: a synthetic county of submissions, filled the way units really fill the
//! template. The sample county in `inputs/` and `config/` comes from it, and the tests use
//! its layouts to write real .xlsx and .csv files.
//!
//! A submission is first laid out as a [`Template`] (cells and merged ranges, as a person
//! sees them in Excel) and then written as xlsx, as a CSV grid in some encoding, or in the
//! long form.

use std::path::Path;

use rust_xlsxwriter::Workbook;

use crate::layout::{layout, Style, TCell, Template, UnitLine};
use crate::output::workbook::{fixed_properties, write_template, TemplateFormats};

use crate::schema::{
    self, field, APPLY_COLUMNS, APPLY_ROWS, FIELD_COUNT, LITIGATION_COLUMNS, LITIGATION_GROUPS,
};
use crate::text::format_number;

/// A small deterministic generator (SplitMix64): the same seed gives the same county.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Mostly 0, sometimes up to `max`: how counts of rare outcomes look.
    fn sparse(&mut self, max: u64) -> u64 {
        if self.below(4) == 0 {
            self.below(max + 1)
        } else {
            0
        }
    }
}

/// The 200 numbers of one report, consistent with every identity of the format.
pub fn consistent_report(rng: &mut Rng) -> Vec<f64> {
    let mut v = vec![0.0; FIELD_COUNT];
    let set = |v: &mut Vec<f64>, id: &str, x: f64| {
        v[schema::field(id)] = x;
    };
    set(&mut v, "active.normative.issued", rng.below(6) as f64);
    set(&mut v, "active.normative.repealed", rng.below(3) as f64);
    set(
        &mut v,
        "active.normative.in_force",
        (5 + rng.below(40)) as f64,
    );
    set(&mut v, "active.license.decisions", rng.sparse(400) as f64);
    set(&mut v, "active.penalty.decisions", rng.below(120) as f64);
    set(&mut v, "active.coercion.decisions", rng.sparse(20) as f64);
    set(
        &mut v,
        "active.fee.amount_wan",
        rng.sparse(5000) as f64 / 100.0,
    );

    let applicants = APPLY_COLUMNS.len() - 1;
    let row = |key: &str| APPLY_ROWS.iter().position(|r| r.key == key).expect("a row");
    let outcome_rows: Vec<usize> = (row("granted")..row("handled_total")).collect();
    for col in 0..applicants {
        let received = if col == 0 {
            rng.below(30)
        } else {
            rng.sparse(4)
        };
        // Few applications stay open over a year end, and nearly all of natural persons.
        let carried_in = if col == 0 { rng.sparse(2) } else { 0 };
        let carried_out = if col == 0 {
            rng.below(received + carried_in + 1).min(rng.sparse(2))
        } else {
            0
        };
        let mut handled = received + carried_in - carried_out;
        v[schema::apply_index(row("received"), col)] = received as f64;
        v[schema::apply_index(row("carried_in"), col)] = carried_in as f64;
        v[schema::apply_index(row("carried_out"), col)] = carried_out as f64;
        v[schema::apply_index(row("handled_total"), col)] = handled as f64;
        // Most applications are granted; the rest spread over the other outcomes.
        while handled > 0 {
            let r = if rng.below(3) == 0 {
                outcome_rows[rng.below(outcome_rows.len() as u64) as usize]
            } else {
                row("granted")
            };
            v[schema::apply_index(r, col)] += 1.0;
            handled -= 1;
        }
    }
    for r in 0..APPLY_ROWS.len() {
        let total: f64 = (0..applicants).map(|c| v[schema::apply_index(r, c)]).sum();
        v[schema::apply_index(r, applicants)] = total;
    }
    for g in 0..LITIGATION_GROUPS.len() {
        // A suit after review follows a review: none without one (group 0 is 行政复议).
        let reviewed = v[schema::litigation_index(0, LITIGATION_COLUMNS.len() - 1)] > 0.0;
        let possible = g != 2 || reviewed;
        let mut total = 0.0;
        for l in 0..LITIGATION_COLUMNS.len() - 1 {
            let x = if possible { rng.sparse(2) as f64 } else { 0.0 };
            v[schema::litigation_index(g, l)] = x;
            total += x;
        }
        v[schema::litigation_index(g, LITIGATION_COLUMNS.len() - 1)] = total;
    }
    v
}

/// The figures of the real 易俗河镇 2024 report in `shared/seeds/`.
pub fn yisuhe_2024() -> Vec<f64> {
    let mut v = vec![0.0; FIELD_COUNT];
    for (id, x) in [
        ("active.penalty.decisions", 3.0),
        ("apply.received.natural", 2.0),
        ("apply.received.total", 2.0),
        ("apply.granted.natural", 2.0),
        ("apply.granted.total", 2.0),
        ("apply.handled_total.natural", 2.0),
        ("apply.handled_total.total", 2.0),
    ] {
        v[schema::field(id)] = x;
    }
    v
}

/// The style variants the demo county mixes, each a way units were seen to fill it.
pub fn styles() -> Vec<Style> {
    let official = Style::official();
    vec![
        official,
        Style {
            three_sheets: true,
            origin: (2, 1),
            line_breaks: true,
            formula_totals: true,
            unit_line: UnitLine::NextCell,
            zero: "",
            ..official
        },
        Style {
            merged: false,
            half_width: true,
            drop_notes: true,
            numbers_as_text: true,
            zero: "—",
            origin: (1, 2),
            unit_line: UnitLine::TitleOnly,
            ..official
        },
        Style {
            flat_labels: true,
            merged: false,
            zero: "无",
            unit_line: UnitLine::None,
            ..official
        },
    ]
}

// ---- writers -------------------------------------------------------------------------

/// A submission as a clerk's workbook: the layout without decoration; formula cells get
/// rust_xlsxwriter's cached 0, as files from such tools do, so readers must compute them.
pub fn xlsx_bytes(template: &Template) -> Vec<u8> {
    let mut book = Workbook::new();
    book.set_properties(&fixed_properties());
    for t in &template.sheets {
        let ws = book.add_worksheet();
        ws.set_name(&t.name).expect("a valid sheet name");
        ws.set_column_width(0, 18).expect("column 0");
        write_template(ws, t, &TemplateFormats::plain()).expect("a template inside Excel's limits");
    }
    book.save_to_buffer().expect("an in-memory workbook")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvEncoding {
    Utf8,
    Utf8Bom,
    Gbk,
}

/// A one-sheet template as the CSV Excel saves: every cell of the used rectangle.
pub fn csv_grid_bytes(template: &Template, encoding: CsvEncoding) -> Vec<u8> {
    let sheet = &template.sheets[0];
    let last_row = sheet.cells.keys().map(|k| k.0).max().unwrap_or(0);
    let last_col = sheet.cells.keys().map(|k| k.1).max().unwrap_or(0);
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for r in 0..=last_row {
        let record: Vec<String> = (0..=last_col)
            .map(|c| match sheet.cells.get(&(r, c)) {
                Some(TCell::Text(s)) => s.clone(),
                Some(TCell::Number(n) | TCell::Formula(_, n)) => format_number(*n),
                None => String::new(),
            })
            .collect();
        writer.write_record(&record).expect("writing to memory");
    }
    let text = String::from_utf8(writer.into_inner().expect("flushed")).expect("UTF-8");
    encode(&text, encoding)
}

fn encode(text: &str, encoding: CsvEncoding) -> Vec<u8> {
    match encoding {
        CsvEncoding::Utf8 => text.as_bytes().to_vec(),
        CsvEncoding::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        CsvEncoding::Gbk => encoding_rs::GBK.encode(text).0.into_owned(),
    }
}

/// The long form: `unit,year,field_id,value`, a row per field.
pub fn long_csv_bytes(reports: &[(&str, i32, &[f64])]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(["unit", "year", "field_id", "value"])
        .expect("writing to memory");
    for (unit, year, values) in reports {
        for (field, x) in schema::fields().iter().zip(values.iter()) {
            writer
                .write_record([*unit, &year.to_string(), &field.id, &format_number(*x)])
                .expect("writing to memory");
        }
    }
    writer.into_inner().expect("flushed")
}

// ---- a county ------------------------------------------------------------------------

/// How one demo submission is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Xlsx(usize),
    CsvGrid(usize, CsvEncoding),
    Long,
}

/// Real township and department names of 湘潭县, for a sample that reads like the real one.
const SAMPLE_UNITS: &[(&str, &str, &str, &str)] = &[
    ("yisuhe", "易俗河镇", "乡镇", "易俗河镇人民政府|易俗河"),
    ("tanjiashan", "谭家山镇", "乡镇", "谭家山镇人民政府"),
    ("zhonglupu", "中路铺镇", "乡镇", "中路铺镇人民政府"),
    ("chaensi", "茶恩寺镇", "乡镇", "茶恩寺镇人民政府"),
    ("hekou", "河口镇", "乡镇", "河口镇人民政府"),
    ("shebu", "射埠镇", "乡镇", "射埠镇人民政府"),
    ("huashi", "花石镇", "乡镇", "花石镇人民政府"),
    ("paitou", "排头乡", "乡镇", "排头乡人民政府"),
    ("jiaoyu", "县教育局", "县直部门", "湘潭县教育局"),
    ("gongan", "县公安局", "县直部门", "湘潭县公安局"),
    (
        "ziranziyuan",
        "县自然资源局",
        "县直部门",
        "湘潭县自然资源局",
    ),
    (
        "renshe",
        "县人力资源和社会保障局",
        "县直部门",
        "湘潭县人力资源和社会保障局|县人社局",
    ),
];

pub struct DemoUnit {
    pub id: String,
    pub name: String,
    pub unit_type: String,
    pub aliases: String,
}

pub fn demo_units(n: usize) -> Vec<DemoUnit> {
    (0..n)
        .map(|i| match SAMPLE_UNITS.get(i) {
            Some(&(id, name, t, aliases)) => DemoUnit {
                id: id.into(),
                name: name.into(),
                unit_type: t.into(),
                aliases: aliases.into(),
            },
            None if i % 3 == 2 => DemoUnit {
                id: format!("dept{i:05}"),
                name: format!("第{i}号县直部门"),
                unit_type: "县直部门".into(),
                aliases: String::new(),
            },
            None => DemoUnit {
                id: format!("town{i:05}"),
                name: format!("第{i}号镇"),
                unit_type: "乡镇".into(),
                aliases: format!("第{i}号镇人民政府"),
            },
        })
        .collect()
}

/// The file kind of the i-th unit: every layout and encoding in turn.
pub fn file_kind(i: usize) -> FileKind {
    let n = styles().len();
    match i % 8 {
        0..=3 => FileKind::Xlsx(i % n),
        4 => FileKind::CsvGrid(0, CsvEncoding::Utf8Bom),
        5 => FileKind::CsvGrid(1 % n, CsvEncoding::Gbk),
        6 => FileKind::CsvGrid(2 % n, CsvEncoding::Utf8),
        _ => FileKind::Long,
    }
}

/// A problem a demo unit can carry, each meant to trip one rule (or the few it must).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    RowTotal,
    ResultTotal,
    Balance,
    LitigationTotal,
    Negative,
    NotInteger,
    NotNumber,
    MissingRow,
    OldFormat,
    Regulation,
    FeeInYuan,
    SuitWithoutReview,
    Unreadable,
    Duplicate,
    SameFileTwice,
    ColumnTwice,
    OtherYear,
    NoSubmission,
    Carry,
    InForce,
    Repealed,
    Copied,
    Jump,
}

impl Problem {
    /// The problems a demo county draws from: those of its first release, so that a seed
    /// keeps giving the same county (the tests and the shipped sample rely on it). Those
    /// added since (FILE.COPY, FIELD.TWICE) are in [`Problem::ALL`], for built counties.
    pub const DRAWN: &'static [Problem] = Problem::ALL.split_at(22).0;

    pub const ALL: &'static [Problem] = &[
        Problem::RowTotal,
        Problem::ResultTotal,
        Problem::Balance,
        Problem::LitigationTotal,
        Problem::Negative,
        Problem::NotInteger,
        Problem::NotNumber,
        Problem::MissingRow,
        Problem::OldFormat,
        Problem::Regulation,
        Problem::FeeInYuan,
        Problem::SuitWithoutReview,
        Problem::Unreadable,
        Problem::Duplicate,
        Problem::OtherYear,
        Problem::NoSubmission,
        Problem::Carry,
        Problem::InForce,
        Problem::Repealed,
        Problem::Copied,
        Problem::Jump,
        Problem::SameFileTwice,
        Problem::ColumnTwice,
    ];

    /// The rules this problem trips (apart from VALUE.BLANK, which depends on the layout).
    pub fn rules(self) -> &'static [&'static str] {
        match self {
            Problem::RowTotal => &["T3.ROW_TOTAL"],
            Problem::ResultTotal => &["T3.RESULT_TOTAL"],
            Problem::Balance => &["T3.BALANCE"],
            Problem::LitigationTotal => &["T4.TOTAL"],
            Problem::Negative => &["VALUE.NEGATIVE"],
            Problem::NotInteger => &["VALUE.NOT_INTEGER"],
            Problem::NotNumber => &["VALUE.NOT_NUMBER"],
            Problem::MissingRow => &["FIELD.MISSING"],
            // The old labels also hide the current columns they replaced.
            Problem::OldFormat => &["FORMAT.OLD", "FIELD.MISSING"],
            Problem::Regulation => &["T2.REGULATION_LEVEL"],
            Problem::FeeInYuan => &["T2.FEE_UNIT"],
            Problem::SuitWithoutReview => &["T4.REVIEW_BEFORE_SUIT"],
            Problem::Unreadable => &["FILE.UNREADABLE", "UNIT.MISSING"],
            Problem::Duplicate => &["UNIT.DUPLICATE"],
            Problem::SameFileTwice => &["FILE.COPY"],
            Problem::ColumnTwice => &["FIELD.TWICE"],
            Problem::OtherYear => &["YEAR.MISMATCH"],
            Problem::NoSubmission => &["UNIT.MISSING"],
            Problem::Carry => &["XYEAR.CARRY"],
            Problem::InForce => &["XYEAR.IN_FORCE"],
            // More repealed than ever existed also breaks the stock of documents in force.
            Problem::Repealed => &["T2.REPEALED", "XYEAR.IN_FORCE"],
            Problem::Copied => &["XYEAR.COPIED"],
            Problem::Jump => &["XYEAR.JUMP"],
        }
    }

    /// Whether the problem is made in the layout, so needs a file of the official grid.
    fn needs_grid(self) -> bool {
        matches!(
            self,
            Problem::NotNumber | Problem::MissingRow | Problem::OldFormat | Problem::ColumnTwice
        )
    }
}

fn add(v: &mut [f64], id: &str, x: f64) {
    v[field(id)] += x;
}

/// Changes this year's values (and last year's) so that the problem shows.
fn inject_values(problem: Problem, v: &mut [f64], prior: &mut [f64]) {
    match problem {
        // Two row totals off in opposite directions: the 总计 column still adds up.
        Problem::RowTotal => {
            add(v, "apply.granted.total", 1.0);
            add(v, "apply.partial.total", -1.0);
            if v[field("apply.partial.total")] < 0.0 {
                add(v, "apply.granted.total", -2.0);
                add(v, "apply.partial.total", 2.0);
            }
        }
        Problem::ResultTotal => {
            add(v, "apply.granted.natural", 1.0);
            add(v, "apply.granted.total", 1.0);
        }
        Problem::Balance => {
            add(v, "apply.carried_out.natural", 1.0);
            add(v, "apply.carried_out.total", 1.0);
        }
        Problem::LitigationTotal => add(v, "review.total", 1.0),
        Problem::Negative => v[field("active.license.decisions")] = -3.0,
        Problem::NotInteger => v[field("active.license.decisions")] = 2.5,
        Problem::Regulation => {
            add(v, "active.regulation.issued", 1.0);
            add(v, "active.regulation.in_force", 1.0);
        }
        Problem::FeeInYuan => v[field("active.fee.amount_wan")] = 35000.0,
        Problem::SuitWithoutReview => {
            for l in 0..LITIGATION_COLUMNS.len() {
                v[schema::litigation_index(0, l)] = 0.0;
                v[schema::litigation_index(2, l)] = 0.0;
            }
            add(v, "suit_after_review.upheld", 1.0);
            add(v, "suit_after_review.total", 1.0);
        }
        Problem::Jump => v[field("active.penalty.decisions")] = 120.0,
        Problem::Copied => {
            // Nothing may move between the years: no documents, no carried applications.
            for id in ["active.normative.issued", "active.normative.repealed"] {
                v[field(id)] = 0.0;
            }
            let row = |key: &str| APPLY_ROWS.iter().position(|r| r.key == key).expect("a row");
            for c in 0..APPLY_COLUMNS.len() {
                let handled = v[schema::apply_index(row("handled_total"), c)];
                v[schema::apply_index(row("received"), c)] = handled;
                v[schema::apply_index(row("carried_in"), c)] = 0.0;
                v[schema::apply_index(row("carried_out"), c)] = 0.0;
            }
            if v.iter().all(|x| *x == 0.0) {
                v[field("active.penalty.decisions")] = 1.0;
            }
        }
        _ => {}
    }
    last_year_of(v, prior);
    match problem {
        Problem::Carry => {
            prior[field("apply.carried_out.natural")] += 1.0;
            prior[field("apply.carried_out.total")] += 1.0;
        }
        Problem::InForce => prior[field("active.normative.in_force")] += 2.0,
        Problem::Repealed => {
            prior[field("active.normative.in_force")] = 0.0;
            v[field("active.normative.repealed")] = v[field("active.normative.issued")] + 1.0;
        }
        Problem::Copied => prior.copy_from_slice(v),
        Problem::Jump => prior[field("active.penalty.decisions")] = 12.0,
        _ => {}
    }
}

/// Last year's numbers, consistent with this year's: what was carried over is what was
/// carried in, the documents in force moved by this year's issuing and repealing, and a
/// few other counts differ a little.
fn last_year_of(v: &[f64], prior: &mut [f64]) {
    prior.copy_from_slice(v);
    let row = |key: &str| APPLY_ROWS.iter().position(|r| r.key == key).expect("a row");
    for c in 0..APPLY_COLUMNS.len() {
        prior[schema::apply_index(row("carried_out"), c)] =
            v[schema::apply_index(row("carried_in"), c)];
    }
    for item in ["regulation", "normative"] {
        let f = |c: &str| field(&format!("active.{item}.{c}"));
        prior[f("in_force")] = v[f("in_force")] - v[f("issued")] + v[f("repealed")];
    }
    prior[field("active.penalty.decisions")] += 1.0;
}

/// Breaks the layout so that the problem shows.
fn inject_layout(problem: Problem, t: &mut Template) {
    let sheet_of = |t: &Template, f: usize| {
        t.sheets
            .iter()
            .position(|s| s.fields.iter().any(|x| x.0 == f))
            .expect("every field is laid out")
    };
    match problem {
        Problem::NotNumber => {
            let f = field("active.penalty.decisions");
            let s = sheet_of(t, f);
            let &(_, r, c) = t.sheets[s]
                .fields
                .iter()
                .find(|x| x.0 == f)
                .expect("laid out");
            t.sheets[s].cells.insert((r, c), TCell::Text("约5".into()));
        }
        Problem::MissingRow => {
            let f = field("apply.denied_query.natural");
            let s = sheet_of(t, f);
            let &(_, r, _) = t.sheets[s]
                .fields
                .iter()
                .find(|x| x.0 == f)
                .expect("laid out");
            t.sheets[s].cells.retain(|&(row, _), _| row != r);
        }
        Problem::OldFormat => {
            for sheet in &mut t.sheets {
                for cell in sheet.cells.values_mut() {
                    if matches!(cell, TCell::Text(s) if crate::text::fold(s) == "本年制发件数")
                    {
                        *cell = TCell::Text("本年新制作数量".into());
                    }
                }
            }
        }
        // Last year's 总计 column kept, visible, right of the table: other numbers.
        Problem::ColumnTwice => {
            let total = field("apply.received.total");
            let s = sheet_of(t, total);
            let sheet = &mut t.sheets[s];
            let &(_, _, total_col) = sheet
                .fields
                .iter()
                .find(|x| x.0 == total)
                .expect("laid out");
            let header = sheet
                .cells
                .iter()
                .filter(|(&(_, c), cell)| {
                    c == total_col && matches!(cell, TCell::Text(text) if text.contains("总计"))
                })
                .map(|(&(r, _), _)| r)
                .next()
                .expect("the 总计 header");
            let extra = sheet.cells.keys().map(|k| k.1).max().unwrap_or(0) + 1;
            let rows: Vec<(u32, f64)> = sheet
                .fields
                .iter()
                .filter(|x| x.2 == total_col && schema::fields()[x.0].id.starts_with("apply."))
                .map(|&(_, r, c)| match sheet.cells.get(&(r, c)) {
                    Some(TCell::Number(n) | TCell::Formula(_, n)) => (r, *n),
                    _ => (r, 0.0),
                })
                .collect();
            sheet
                .cells
                .insert((header, extra), TCell::Text("总计".into()));
            for (r, n) in rows {
                sheet.cells.insert((r, extra), TCell::Number(n + 1.0));
            }
        }
        _ => {}
    }
}

/// One unit of a demo county, as written.
#[derive(Debug, Clone)]
pub struct PlannedUnit {
    pub id: String,
    pub name: String,
    pub unit_type: String,
    pub kind: FileKind,
    pub problem: Option<Problem>,
    /// The values its file holds (problems included).
    pub values: Vec<f64>,
    /// Whether its file shows some zeros as blanks or placeholders (VALUE.BLANK).
    pub has_blanks: bool,
}

/// Writes a county: `DIR/config/units.csv`, last year's `DIR/config/normalized-<year-1>.csv`
/// (as `nianbao run` would have written it) and `DIR/inputs/<type>/…`. `problems[i]` is
/// the problem the i-th unit of the roster carries, if any. An existing county is replaced
/// only when `replace` is set, and then only `inputs/` and the files the demo writes.
pub fn write_county(
    dir: &Path,
    n: usize,
    seed: u64,
    year: i32,
    problems: &[Option<Problem>],
    replace: bool,
) -> Result<Vec<PlannedUnit>, String> {
    crate::cmd::check_year(year)?;
    let units = demo_units(n);
    let inputs = dir.join("inputs");
    let config = dir.join("config");
    let prior_name = format!("normalized-{}.csv", year - 1);
    let exists = inputs.exists() || config.join("units.csv").exists();
    if exists && !replace {
        return Err(format!(
            "{} 中已有一个县（inputs/ 或 config/units.csv）；加 --force 替换它",
            dir.display()
        ));
    }
    if inputs.exists() {
        std::fs::remove_dir_all(&inputs).map_err(|e| {
            format!(
                "无法删除 {}（{}）",
                inputs.display(),
                crate::output::staging::reason(&e)
            )
        })?;
    }
    for d in [&inputs, &config] {
        create_dir(d)?;
    }
    let mut roster = String::from("unit_id,name,type,aliases\n");
    for u in &units {
        roster.push_str(&format!(
            "{},{},{},{}\n",
            u.id, u.name, u.unit_type, u.aliases
        ));
    }
    write(&config.join("units.csv"), roster.as_bytes())?;

    let mut rng = Rng::new(seed);
    let mut planned = Vec::with_capacity(n);
    let mut prior_rows = Vec::with_capacity(n);
    let styles = styles();
    for (i, u) in units.iter().enumerate() {
        let mut values = if u.id == "yisuhe" && year == 2024 {
            yisuhe_2024()
        } else {
            consistent_report(&mut rng)
        };
        let problem = problems.get(i).copied().flatten();
        let mut kind = file_kind(i);
        // A truncated CSV still reads in part: an unreadable file must be a workbook.
        let needs_xlsx = problem == Some(Problem::Unreadable) && !matches!(kind, FileKind::Xlsx(_));
        if needs_xlsx || (problem.is_some_and(Problem::needs_grid) && kind == FileKind::Long) {
            kind = FileKind::Xlsx(0);
        }
        let mut prior = vec![0.0; FIELD_COUNT];
        match problem {
            Some(p) => inject_values(p, &mut values, &mut prior),
            None => last_year_of(&values, &mut prior),
        }
        let mut row = vec![u.id.clone(), u.name.clone(), u.unit_type.clone()];
        row.push((year - 1).to_string());
        row.push(format!("{}/{}{}年报.xlsx", u.unit_type, u.name, year - 1));
        row.extend(prior.iter().map(|x| format_number(*x)));
        prior_rows.push(row);

        let folder = inputs.join(&u.unit_type);
        create_dir(&folder)?;
        let file_year = if problem == Some(Problem::OtherYear) {
            year - 1
        } else {
            year
        };
        let stem = format!("{}{file_year}年政府信息公开年报", u.name);
        let (file, mut bytes, has_blanks) = match kind {
            FileKind::Xlsx(s) | FileKind::CsvGrid(s, _) => {
                // Formula totals would recompute a total a problem tampered with.
                let style = Style {
                    three_sheets: styles[s].three_sheets && matches!(kind, FileKind::Xlsx(_)),
                    formula_totals: styles[s].formula_totals && problem.is_none(),
                    ..styles[s]
                };
                let mut t = layout(&u.name, file_year, &values, &style);
                if let Some(p) = problem {
                    inject_layout(p, &mut t);
                }
                let blanks = style.zero != "0" && values.contains(&0.0);
                match kind {
                    FileKind::CsvGrid(_, enc) => {
                        (format!("{stem}.csv"), csv_grid_bytes(&t, enc), blanks)
                    }
                    _ => (format!("{stem}.xlsx"), xlsx_bytes(&t), blanks),
                }
            }
            FileKind::Long => (
                format!("{}_{file_year}_long.csv", u.id),
                long_csv_bytes(&[(&u.name, file_year, &values)]),
                false,
            ),
        };
        match problem {
            Some(Problem::NoSubmission) => {}
            Some(Problem::Unreadable) => {
                bytes.truncate(bytes.len() / 3);
                write(&folder.join(file), &bytes)?;
            }
            // A second report of the same numbers, in another form: a byte-identical copy
            // would be read once (FILE.COPY), not as a duplicate.
            Some(Problem::Duplicate) => {
                write(&folder.join(&file), &bytes)?;
                let (again, other) = if kind == FileKind::Long {
                    let t = layout(&u.name, file_year, &values, &Style::official());
                    (format!("（修改稿）{stem}.xlsx"), xlsx_bytes(&t))
                } else {
                    let rows = [(u.name.as_str(), file_year, values.as_slice())];
                    (format!("（修改稿）{stem}.csv"), long_csv_bytes(&rows))
                };
                write(&folder.join(again), &other)?;
            }
            Some(Problem::SameFileTwice) => {
                write(&folder.join(&file), &bytes)?;
                let (name, ext) = file.rsplit_once('.').unwrap_or((&file, ""));
                write(&folder.join(format!("{name}(1).{ext}")), &bytes)?;
            }
            _ => write(&folder.join(file), &bytes)?,
        }
        planned.push(PlannedUnit {
            id: u.id.clone(),
            name: u.name.clone(),
            unit_type: u.unit_type.clone(),
            kind,
            problem,
            values,
            has_blanks,
        });
    }
    let mut header: Vec<&str> = crate::output::NORMALIZED_LEAD.to_vec();
    header.extend(schema::fields().iter().map(|f| f.id.as_str()));
    let prior_csv = crate::output::csv_bytes(&header, prior_rows);
    write(&config.join(prior_name), &prior_csv)?;
    Ok(planned)
}

/// The problems of a demo county of `n` units: about one unit in four carries one, drawn
/// from every kind in turn, starting after the seed's 易俗河镇 (kept as published).
pub fn default_problems(n: usize, seed: u64) -> Vec<Option<Problem>> {
    let mut rng = Rng::new(seed ^ 0xA5A5);
    let mut next = rng.below(Problem::DRAWN.len() as u64) as usize;
    (0..n)
        .map(|i| {
            if i == 0 || rng.below(4) != 0 {
                return None;
            }
            next = (next + 1) % Problem::DRAWN.len();
            Some(Problem::DRAWN[next])
        })
        .collect()
}

fn create_dir(path: &Path) -> Result<(), String> {
    std::fs::create_dir_all(path).map_err(|e| crate::output::staging::not_created(path, &e))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| crate::output::staging::not_written(path, &e))
}
