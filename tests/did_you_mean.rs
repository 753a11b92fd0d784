//! A report whose unit name is one character off a roster unit's: both findings, the
//! report's UNIT.UNKNOWN and the unit's UNIT.MISSING, say they may be the same unit.

mod common;

use common::{nianbao_ok, run_ok, temp_dir};
use nianbao::demo::{self, Rng};
use nianbao::layout::Style;

#[test]
fn a_near_miss_is_suggested_in_both_findings() {
    let dir = temp_dir("did-you-mean");
    let county = dir.join("county");
    nianbao_ok(&["demo", "--units", "12", "--out", county.to_str().unwrap()]);
    // 茶恩寺镇's report, sent as 茶恩市镇 (one character off).
    let inputs = county.join("inputs");
    for file in nianbao::discover::discover(&inputs, &[]).unwrap() {
        if file.relative.contains("茶恩寺镇") {
            std::fs::remove_file(file.path).unwrap();
        }
    }
    let values = demo::consistent_report(&mut Rng::new(5));
    let table = nianbao::layout::layout("茶恩市镇", 2024, &values, &Style::official());
    std::fs::write(
        inputs.join("茶恩市镇2024年报.xlsx"),
        demo::xlsx_bytes(&table),
    )
    .unwrap();

    let out = dir.join("out");
    run_ok(&inputs, &county.join("config"), &out);
    let list = std::fs::read_to_string(out.join("anomalies.csv")).unwrap();
    let line = |rule: &str| {
        list.lines()
            .find(|l| l.contains(rule))
            .unwrap_or_else(|| panic!("no {rule} in\n{list}"))
            .to_string()
    };
    let unknown = line("UNIT.UNKNOWN");
    assert!(unknown.contains("是否为名单中的“茶恩寺镇”"), "{unknown}");
    let missing = line("UNIT.MISSING");
    assert!(missing.contains("茶恩寺镇"), "{missing}");
    assert!(missing.contains("“茶恩市镇”"), "{missing}");
}
