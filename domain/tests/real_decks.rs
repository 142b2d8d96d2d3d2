//! Imports every real deck in shared/data/decks (see its SOURCES.md) and checks row counts, a few
//! rates, and the row errors each file really has. A file added there without a case here fails.

use chrono::{DateTime, TimeZone, Utc};
use domain::deck_import::{
    ColumnMapping, ColumnRole, ImportError, ImportOptions, ImportReport, RowErrorKind, import_deck,
};
use domain::money::Currency;
use domain::number::{E164, Prefix};
use std::path::PathBuf;

fn decks_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/decks")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(decks_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn jan_2026() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

fn import(name: &str, currency: Currency) -> Result<ImportReport, ImportError> {
    import_deck(&read(name), &ImportOptions::new(currency, jan_2026()))
}

fn rate_of(report: &ImportReport, number: &str) -> String {
    let n = E164::parse(number).unwrap();
    let row = report.deck.lookup(n, jan_2026()).expect("a rate");
    format!("{} {} {}", row.prefix, row.rate, row.increment)
}

fn covered() -> Vec<&'static str> {
    vec![
        "ivozprovider_pricesSample.csv",
        "astpp_originationrates_sample.csv",
        "astpp_terminationrates_sample.csv",
        "a2billing_ratecard_sample_simple.txt",
        "a2billing_import_semicolon_example.csv",
        "asterisell_formats/csv-digitel-nng.csv",
        "asterisell_formats/csv-ecn.csv",
        "asterisell_formats/csv-gamma-header-9col.csv",
        "asterisell_formats/csv-gamma-item-rental-6col.csv",
        "asterisell_formats/csv-header-3col-italian.csv",
        "asterisell_formats/csv-header-3col-pref-descr-rate.csv",
        "asterisell_formats/csv-header-3col.csv",
        "asterisell_formats/csv-header-4col.csv",
        "asterisell_formats/csv-twt-header-5col.csv",
        "asterisell_formats/csv-twt-no-header-5col.csv",
    ]
}

#[test]
fn every_real_deck_has_a_case() {
    let mut found = Vec::new();
    for dir in [decks_dir(), decks_dir().join("asterisell_formats")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() && path.file_name().unwrap() != "SOURCES.md" {
                found.push(
                    path.strip_prefix(decks_dir())
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    found.sort();
    let mut expected: Vec<String> = covered().into_iter().map(String::from).collect();
    expected.sort();
    assert_eq!(found, expected);
}

#[test]
fn ivozprovider_whole_a_z_deck() {
    let report = import("ivozprovider_pricesSample.csv", Currency::EUR).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.deck.len(), 4743);
    assert_eq!(report.delimiter, Some(','));
    assert_eq!(
        report.mapping.get(ColumnRole::Destination),
        Some(0),
        "Target Pattern Name"
    );
    // Deep sub-prefix tree: 93, 937, 9370...; "+" in front of every prefix; 1 s charge period.
    assert_eq!(rate_of(&report, "93701234567"), "9370 0.2570 1/1");
    assert_eq!(rate_of(&report, "93201234567"), "93 0.2700 1/1");
    assert_eq!(rate_of(&report, "263771234567"), "26377 0.5290 1/1");
    // Extreme outlier kept as written; connection charge read.
    let outlier = report.deck.versions(Prefix::parse("61145").unwrap());
    assert_eq!(outlier[0].rate.to_string(), "2339.0000");
    assert_eq!(outlier[0].connection_fee.to_string(), "2339");
    // The last line has no final newline and is still read.
    assert_eq!(rate_of(&report, "263201234567"), "263 0.1360 1/1");
}

#[test]
fn astpp_decks_with_currency_in_headers_and_two_increment_columns() {
    let report = import("astpp_originationrates_sample.csv", Currency::USD).unwrap();
    assert!(report.errors.is_empty());
    assert_eq!(report.deck.len(), 2);
    assert_eq!(rate_of(&report, "12025550123"), "1 0.0100 30/60");
    assert_eq!(rate_of(&report, "442079460000"), "44 0.0500 30/30");
    assert!(report.ignored_columns.is_empty());

    let report = import("astpp_terminationrates_sample.csv", Currency::USD).unwrap();
    assert_eq!(report.deck.len(), 2);
    assert_eq!(rate_of(&report, "442079460000"), "44 0.0600 30/60");
    assert_eq!(report.ignored_columns, ["Strip", "Prepend"]);

    assert_eq!(
        import("astpp_terminationrates_sample.csv", Currency::EUR).unwrap_err(),
        ImportError::CurrencyMismatch {
            expected: "EUR".into(),
            found: "USD".into()
        }
    );
}

#[test]
fn a2billing_simple_rows_missing_the_date_are_reported_not_shifted() {
    assert_eq!(
        import("a2billing_ratecard_sample_simple.txt", Currency::USD).unwrap_err(),
        ImportError::NoHeader
    );
    let mapping = ColumnMapping::new()
        .with(ColumnRole::Prefix, 0)
        .with(ColumnRole::Destination, 1)
        .with(ColumnRole::Rate, 3)
        .with(ColumnRole::EffectiveFrom, 4);
    let options = ImportOptions {
        mapping: Some(mapping),
        has_header: Some(false),
        ..ImportOptions::new(Currency::USD, jan_2026())
    };
    let report = import_deck(&read("a2billing_ratecard_sample_simple.txt"), &options).unwrap();
    assert_eq!(report.deck.len(), 2);
    let spain = &report.deck.versions(Prefix::parse("34").unwrap())[0];
    assert_eq!(spain.destination, "Spain Fix");
    assert_eq!(spain.rate.to_string(), "1.1600");
    assert_eq!(
        spain.effective_from,
        Utc.with_ymd_and_hms(2008, 3, 7, 21, 21, 38).unwrap()
    );
    let errors: Vec<(u64, RowErrorKind)> = report
        .errors
        .iter()
        .map(|e| (e.line, e.kind.clone()))
        .collect();
    let short = RowErrorKind::FieldCount {
        expected: 10,
        found: 9,
    };
    assert_eq!(
        errors,
        [(3, short.clone()), (4, short.clone()), (5, short.clone())]
    );
}

#[test]
fn a2billing_semicolon_with_international_access_code() {
    let plain = import("a2billing_import_semicolon_example.csv", Currency::USD).unwrap();
    assert_eq!(
        plain.deck.versions(Prefix::parse("1135538").unwrap()).len(),
        1
    );
    let options = ImportOptions {
        strip_prefix: Some("11".into()),
        ..ImportOptions::new(Currency::USD, jan_2026())
    };
    let report = import_deck(&read("a2billing_import_semicolon_example.csv"), &options).unwrap();
    assert_eq!(report.delimiter, Some(';'));
    assert_eq!(report.deck.len(), 3);
    // "buyrate" is the carrier's rate; "rate initial" (the sell rate) is left out.
    assert_eq!(report.ignored_columns, ["rate initial"]);
    assert_eq!(rate_of(&report, "93701234567"), "9370 0.3135 30/60");
    assert_eq!(rate_of(&report, "93201234567"), "93 0.2866 30/60");
    assert_eq!(rate_of(&report, "355381234567"), "35538 0.2076 30/60");
}

#[test]
fn asterisell_italian_decks() {
    let nng = import("asterisell_formats/csv-digitel-nng.csv", Currency::EUR).unwrap();
    assert_eq!(nng.deck.len(), 4);
    let row = &nng.deck.versions(Prefix::parse("112").unwrap())[0];
    assert_eq!(row.destination, "Carabinieri");
    assert_eq!(row.rate.to_string(), "0.0000");
    assert_eq!(row.off_peak.unwrap().to_string(), "0.0000");
    assert_eq!(nng.mapping.get(ColumnRole::MinimumDuration), Some(5));
    assert_eq!(nng.mapping.get(ColumnRole::ConnectionFee), Some(4));

    let italian = import(
        "asterisell_formats/csv-header-3col-italian.csv",
        Currency::EUR,
    )
    .unwrap();
    assert_eq!(italian.deck.len(), 3);
    assert_eq!(rate_of(&italian, "93781234567"), "9378 0.1175 60/60");

    let plain = import("asterisell_formats/csv-header-3col.csv", Currency::EUR).unwrap();
    assert_eq!(plain.deck.len(), 3);
    assert_eq!(rate_of(&plain, "93201234567"), "93 0.1175 60/60");

    let short = import(
        "asterisell_formats/csv-header-3col-pref-descr-rate.csv",
        Currency::EUR,
    )
    .unwrap();
    assert_eq!(short.deck.len(), 1);
    assert_eq!(short.deck.rows()[0].destination, "Mobile prefix");
    assert_eq!(rate_of(&short, "393101234567"), "3931 0.0400 60/60");
}

#[test]
fn asterisell_more_values_than_header_columns() {
    let report = import("asterisell_formats/csv-header-4col.csv", Currency::EUR).unwrap();
    assert_eq!(report.deck.len(), 0);
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].line, 2);
    assert_eq!(
        report.errors[0].kind,
        RowErrorKind::FieldCount {
            expected: 4,
            found: 5
        }
    );
    // The row as read, for the refused-rows download.
    assert_eq!(
        report.errors[0].row,
        ["Afghanistan", "Telecom", "93", "0.1175", "0.01"]
    );
}

#[test]
fn asterisell_twt_with_and_without_header() {
    let report = import("asterisell_formats/csv-twt-header-5col.csv", Currency::EUR).unwrap();
    assert_eq!(report.deck.len(), 2);
    assert!(report.warnings.is_empty(), "22/02 is unambiguous");
    let albania = &report.deck.versions(Prefix::parse("355").unwrap())[0];
    assert_eq!(
        albania.effective_from,
        Utc.with_ymd_and_hms(2010, 2, 22, 0, 0, 0).unwrap()
    );
    assert_eq!(albania.rate.to_string(), "0.0660");
    assert_eq!(report.ignored_columns, ["COMMENT"]);

    let name = "asterisell_formats/csv-twt-no-header-5col.csv";
    assert_eq!(
        import(name, Currency::EUR).unwrap_err(),
        ImportError::NoHeader
    );
    let options = ImportOptions {
        mapping: Some(
            ColumnMapping::new()
                .with(ColumnRole::Prefix, 0)
                .with(ColumnRole::Destination, 1)
                .with(ColumnRole::Rate, 2)
                .with(ColumnRole::EffectiveFrom, 3),
        ),
        ..ImportOptions::new(Currency::EUR, jan_2026())
    };
    let report = import_deck(&read(name), &options).unwrap();
    assert_eq!(report.header_line, None);
    assert_eq!(report.deck.len(), 2);
}

#[test]
fn asterisell_files_that_are_not_prefix_decks_are_refused() {
    for (name, columns) in [
        (
            "asterisell_formats/csv-gamma-item-rental-6col.csv",
            "type, service, Frequency, Rules, Cost, Applied",
        ),
        (
            "asterisell_formats/csv-ecn.csv",
            "Description, Communication channel, Operator code as defined in prefix-table, peak, off-peak",
        ),
        (
            "asterisell_formats/csv-gamma-header-9col.csv",
            "ChargeCode, Description, Peak Per Minute, Off Peak Per Minute, Weekend Per Minute, \
             Peak Call Set Up Charge, Off Peak Call Set Up Charge, Weekend Call Set Up Charge, Minimum Charge",
        ),
    ] {
        let err = import(name, Currency::GBP).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("not a rate deck: no prefix (dial code) column among: {columns}"),
            "{name}"
        );
    }
}

#[test]
fn gamma_charge_codes_are_row_errors_when_forced_as_prefixes() {
    let options = ImportOptions {
        mapping: Some(
            ColumnMapping::new()
                .with(ColumnRole::Prefix, 0)
                .with(ColumnRole::Destination, 1)
                .with(ColumnRole::Rate, 2)
                .with(ColumnRole::OffPeakRate, 3)
                .with(ColumnRole::WeekendRate, 4)
                .with(ColumnRole::ConnectionFee, 5),
        ),
        ..ImportOptions::new(Currency::GBP, jan_2026())
    };
    let report = import_deck(
        &read("asterisell_formats/csv-gamma-header-9col.csv"),
        &options,
    )
    .unwrap();
    assert_eq!(report.header_line, Some(1));
    assert_eq!(report.deck.len(), 0);
    assert_eq!(
        report.errors[0].to_string(),
        "line 2, column ChargeCode: bad prefix: `AFG` contains a character that is not a digit (`AFG`)"
    );
}
