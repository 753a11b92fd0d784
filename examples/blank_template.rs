//! The blank official layout (国办公开办函〔2021〕30号) as an .xlsx, for `scripts/dist.sh` to
//! put in the packages until nianbao has a `template` command of its own: the same cells as
//! the sample county's official-layout submissions, every number left empty.
//!
//!     cargo run --release --example blank_template -- FILE.xlsx

use nianbao::layout::{layout, Style, TCell, UnitLine};
use nianbao::output::workbook::{fixed_properties, write_template, TemplateFormats};
use nianbao::schema::FIELD_COUNT;
use rust_xlsxwriter::Workbook;

fn main() {
    let Some(out) = std::env::args_os().nth(1) else {
        eprintln!("usage: blank_template FILE.xlsx");
        std::process::exit(2);
    };
    let style = Style {
        zero: "",
        unit_line: UnitLine::SameCell,
        ..Style::official()
    };
    let mut template = layout("", 2000, &[0.0; FIELD_COUNT], &style);
    let sheet = &mut template.sheets[0];
    // The title, unit and date lines, to be filled in: no year, no name, no date.
    sheet.cells.insert(
        (0, 0),
        TCell::Text("______年政府信息公开工作年度报告统计表".into()),
    );
    sheet.cells.insert((1, 0), TCell::Text("填报单位：".into()));
    sheet.cells.insert((1, 3), TCell::Text("填报日期：".into()));
    let mut book = Workbook::new();
    book.set_properties(&fixed_properties());
    let ws = book.add_worksheet();
    ws.set_name("统计表").expect("a valid sheet name");
    ws.set_column_width(0, 22).expect("column 0");
    ws.set_column_width(1, 16).expect("column 1");
    ws.set_column_width(2, 30).expect("column 2");
    for c in 3..15 {
        ws.set_column_width(c, 9).expect("a column");
    }
    write_template(ws, &template.sheets[0], &TemplateFormats::official())
        .expect("a template inside Excel's limits");
    book.save(std::path::Path::new(&out))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.to_string_lossy()));
}
