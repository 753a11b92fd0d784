//! `normalized.parquet` (cargo feature `parquet`): the rows of `normalized.csv` with types,
//! for polars, DuckDB or pandas. Field columns are Float64, null where the value is unknown;
//! `year` is Int32.

use polars::prelude::*;

use crate::normalize::Submission;
use crate::rollup::LeftOut;
use crate::roster::Roster;
use crate::schema;

/// `counted` is Boolean and `not_counted_reason` text, as in `normalized.csv`'s last two
/// columns; `left_out` is the rollup's, in the same order as `submissions`.
pub fn normalized_parquet(
    submissions: &[Submission],
    roster: &Roster,
    left_out: &[Option<LeftOut>],
) -> Result<Vec<u8>, String> {
    let unit = |s: &Submission| s.unit.map(|u| &roster.units[u]);
    let text =
        |name: &str, values: Vec<Option<String>>| Series::new(name.into(), values).into_column();
    let mut columns = vec![
        text(
            "unit_id",
            submissions
                .iter()
                .map(|s| unit(s).map(|u| u.id.clone()))
                .collect(),
        ),
        text(
            "unit_name",
            submissions
                .iter()
                .map(|s| Some(unit(s).map_or(s.claimed_unit.clone(), |u| u.name.clone())))
                .collect(),
        ),
        text(
            "unit_type",
            submissions
                .iter()
                .map(|s| unit(s).map(|u| u.unit_type.clone()))
                .collect(),
        ),
        Series::new(
            "year".into(),
            submissions.iter().map(|s| s.year).collect::<Vec<_>>(),
        )
        .into_column(),
        text(
            "source_file",
            submissions
                .iter()
                .map(|s| Some(s.source_file.clone()))
                .collect(),
        ),
    ];
    for (f, field) in schema::fields().iter().enumerate() {
        let values: Vec<Option<f64>> = submissions.iter().map(|s| s.values.number(f)).collect();
        columns.push(Series::new(field.id.as_str().into(), values).into_column());
    }
    columns.push(
        Series::new(
            "counted".into(),
            left_out.iter().map(Option::is_none).collect::<Vec<bool>>(),
        )
        .into_column(),
    );
    columns.push(text(
        "not_counted_reason",
        left_out
            .iter()
            .map(|l| l.map(|l| l.label().to_string()))
            .collect(),
    ));
    let mut frame = DataFrame::new(submissions.len(), columns).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes)
        .finish(&mut frame)
        .map_err(|e| format!("cannot write normalized.parquet: {e}"))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Location;
    use crate::normalize::{Evidence, Value, Values};

    #[test]
    fn the_parquet_file_reads_back_with_types_and_nulls() {
        let roster = Roster::parse("unit_id,name,type,aliases\nhekou,河口镇,乡镇,\n").unwrap();
        let mut values = Values::all(2.0);
        values.set(1, Value::NotNumber(Box::new("约5".into())));
        values.set(2, Value::Blank);
        let sub = |unit, year| Submission {
            source_file: "a.xlsx".into(),
            unit,
            claimed_unit: "某某乡".into(),
            unit_evidence: Evidence::Cell(Location::Csv { line: 1, field: 1 }),
            year,
            year_evidence: Evidence::FileName,
            values: values.clone(),
            sheets: Vec::new(),
            missing: Vec::new(),
            twice: Vec::new(),
            old_format: Vec::new(),
            narrative: Vec::new(),
            notes: Vec::new(),
        };
        let bytes = normalized_parquet(
            &[sub(Some(0), Some(2024)), sub(None, None)],
            &roster,
            &[None, Some(LeftOut::NotOnRoster)],
        )
        .unwrap();
        let frame = ParquetReader::new(std::io::Cursor::new(bytes))
            .finish()
            .unwrap();
        assert_eq!(frame.shape(), (2, 5 + schema::FIELD_COUNT + 2));
        let first = frame.column(&schema::fields()[0].id).unwrap();
        assert_eq!(first.f64().unwrap().get(0), Some(2.0));
        let unread = frame.column(&schema::fields()[1].id).unwrap();
        assert_eq!(unread.f64().unwrap().get(0), None);
        assert_eq!(
            frame
                .column(&schema::fields()[2].id)
                .unwrap()
                .f64()
                .unwrap()
                .get(0),
            Some(0.0)
        );
        assert_eq!(frame.column("year").unwrap().i32().unwrap().get(1), None);
        assert_eq!(
            frame.column("unit_name").unwrap().str().unwrap().get(1),
            Some("某某乡")
        );
        assert_eq!(frame.column("unit_id").unwrap().str().unwrap().get(1), None);
        let counted = frame.column("counted").unwrap();
        assert_eq!(counted.bool().unwrap().get(0), Some(true));
        assert_eq!(counted.bool().unwrap().get(1), Some(false));
        assert_eq!(
            frame
                .column("not_counted_reason")
                .unwrap()
                .str()
                .unwrap()
                .get(1),
            Some("不在名单中")
        );
    }
}
