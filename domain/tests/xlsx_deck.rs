//! XLSX import: a title row above the header, number cells (one in scientific notation), Excel
//! date cells, and a text where a rate belongs. The fixture is a hand-made minimal workbook.
#![cfg(feature = "xlsx")]

use chrono::{TimeZone, Utc};
use domain::deck_import::{ImportOptions, RowErrorKind, import_deck};
use domain::money::Currency;
use domain::number::Prefix;

#[test]
fn imports_a_workbook_with_dates_and_scientific_numbers() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/decks/carrier_y.xlsx"
    );
    let bytes = std::fs::read(path).unwrap();
    let options = ImportOptions::new(
        Currency::USD,
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    );
    let report = import_deck(&bytes, &options).unwrap();
    assert_eq!(report.encoding, "xlsx");
    assert_eq!(report.header_line, Some(2));
    assert_eq!(report.deck.len(), 2);
    let mobile = &report.deck.versions(Prefix::parse("4477").unwrap())[0];
    assert_eq!(mobile.rate.to_string(), "0.0150");
    assert_eq!(mobile.increment.to_string(), "30/6");
    assert_eq!(
        mobile.effective_from,
        Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap()
    );
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].line, 5);
    assert_eq!(report.errors[0].column.as_deref(), Some("Rate"));
    assert!(matches!(report.errors[0].kind, RowErrorKind::Rate(_)));
}
