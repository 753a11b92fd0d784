//! Locations no spreadsheet converts: a CSV cell is `第8行第4列`, never `8:4` (which Excel and
//! WPS open as a time), in every output a person opens.

mod common;

use std::process::Command;

use common::temp_dir;
use nianbao::demo::{self, Rng};
use nianbao::schema;

#[test]
fn csv_locations_are_written_as_rows_and_columns() {
    let dir = temp_dir("locations");
    let (inputs, config, out) = (dir.join("inputs"), dir.join("config"), dir.join("out"));
    std::fs::create_dir_all(&inputs).unwrap();
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("units.csv"),
        "unit_id,name,type,aliases\nhekou,河口镇,乡镇,\n",
    )
    .unwrap();
    let mut values = demo::consistent_report(&mut Rng::new(3));
    // A row total that breaks its identity: an error located in the CSV.
    let total = schema::index_of("apply.received.total").unwrap();
    values[total] += 5.0;
    let bytes = demo::long_csv_bytes(&[("河口镇", 2024, &values)]);
    std::fs::write(inputs.join("hekou.csv"), bytes).unwrap();
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let ran = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args([
            "run",
            "--inputs",
            &s(&inputs),
            "--config",
            &s(&config),
            "--out",
            &s(&out),
        ])
        .output()
        .unwrap();
    assert!(
        ran.status.code() != Some(2),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );

    let text = std::fs::read_to_string(out.join("anomalies.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let col = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "location")
        .unwrap();
    let locations: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[col].to_string())
        .filter(|l| !l.is_empty())
        .collect();
    assert!(
        locations
            .iter()
            .any(|l| l.starts_with('第') && l.contains("行第") && l.ends_with('列')),
        "{locations:?}"
    );
    let time_like = |l: &str| {
        l.split_once(':').is_some_and(|(a, b)| {
            a.chars().all(|c| c.is_ascii_digit()) && b.chars().all(|c| c.is_ascii_digit())
        })
    };
    assert!(!locations.iter().any(|l| time_like(l)), "{locations:?}");
    // The same form on the unit's page.
    let page = std::fs::read_to_string(out.join("reports/hekou.html")).unwrap();
    let located = locations.iter().find(|l| l.contains("行第")).unwrap();
    assert!(page.contains(located.as_str()), "{located} not on the page");
}
