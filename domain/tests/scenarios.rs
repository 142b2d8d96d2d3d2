//! Named tariff scenarios: decks and cases in tests/fixtures/scenarios, costs worked out by hand in
//! cases.csv (the `case` column shows the arithmetic). Breakdowns are snapshotted with insta.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use domain::deck::RateDeck;
use domain::deck_import::{ImportOptions, import_csv};
use domain::money::Currency;
use domain::number::E164;
use domain::rating::rate_call;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scenarios")
        .join(name)
}

fn deck(name: &str) -> RateDeck {
    let bytes = std::fs::read(fixture(&format!("{name}.csv"))).unwrap();
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let report = import_csv(&bytes, &ImportOptions::new(Currency::USD, start)).unwrap();
    assert!(report.errors.is_empty(), "{name}: {:?}", report.errors);
    report.deck
}

fn at(text: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .unwrap()
        .and_utc()
}

#[test]
fn hand_worked_cases() {
    let mut reader = csv::Reader::from_path(fixture("cases.csv")).unwrap();
    let mut count = 0;
    for record in reader.records() {
        let r = record.unwrap();
        let deck = deck(&r[0]);
        let number = E164::parse(&r[2]).unwrap();
        let breakdown = rate_call(&deck, number, at(&r[3]), r[4].parse().unwrap()).unwrap();
        assert_eq!(
            breakdown.billed_secs.to_string(),
            &r[5],
            "{}: billed",
            &r[1]
        );
        assert_eq!(
            breakdown.total.amount.to_string(),
            &r[6],
            "{}: total",
            &r[1]
        );
        count += 1;
    }
    assert_eq!(count, 16);
}

#[test]
fn snapshot_of_a_breakdown_with_fee() {
    let deck = deck("sixty_sixty_with_fee");
    let number = E164::parse("447700900123").unwrap();
    let breakdown = rate_call(&deck, number, at("2026-02-01T10:00:00"), 30).unwrap();
    insta::assert_snapshot!(breakdown.to_string());
}

#[test]
fn snapshot_of_an_off_peak_breakdown() {
    let deck = deck("peak_offpeak_weekend");
    let number = E164::parse("441632960000").unwrap();
    let breakdown = rate_call(&deck, number, at("2026-03-02T19:00:00"), 61).unwrap();
    insta::assert_snapshot!(breakdown.to_string());
}

#[test]
fn no_rate_before_the_deck_starts() {
    let deck = deck("rate_change_at_midnight");
    let number = E164::parse("33123456789").unwrap();
    assert!(rate_call(&deck, number, at("2025-12-31T23:59:59"), 60).is_err());
    assert!(
        rate_call(
            &deck,
            E164::parse("4412345678").unwrap(),
            at("2026-02-01T00:00:00"),
            60
        )
        .is_err()
    );
}
