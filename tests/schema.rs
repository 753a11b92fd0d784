//! The schema in `src/schema.rs` is the one of `fields.csv` in the specification.
//! `tests/data/fields.csv` is a verbatim copy of `shared/spec/fields.csv` (2026-11).

use nianbao::schema::{self, Kind, TableId};

#[test]
fn the_schema_is_fields_csv_row_for_row() {
    let text = include_str!("data/fields.csv");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let fields = schema::fields();
    assert_eq!(rows.len(), fields.len());
    for (row, field) in rows.iter().zip(fields) {
        let table = match field.table {
            TableId::Active => schema::ACTIVE_TABLE,
            TableId::Apply => schema::APPLY_TABLE,
            TableId::Litigation => schema::LITIGATION_TABLE,
        };
        let kind = match field.kind {
            Kind::Count => "count",
            Kind::AmountWan => "amount_wan",
        };
        let ours = [
            field.id.as_str(),
            table,
            field.group,
            field.row_label,
            field.col_label,
            kind,
        ];
        assert_eq!(row.iter().collect::<Vec<_>>(), ours);
    }
}

#[test]
fn the_copy_matches_the_specification_when_it_is_beside_the_repo() {
    let spec = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/spec/fields.csv");
    let Ok(text) = std::fs::read_to_string(spec) else {
        println!("skipped: {spec} is absent (a fresh clone has only tests/data/fields.csv)");
        return;
    };
    assert_eq!(
        text,
        include_str!("data/fields.csv"),
        "update tests/data/fields.csv"
    );
}
