use super::*;
use chrono::TimeZone;

fn opts() -> ImportOptions {
    ImportOptions::new(
        Currency::USD,
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    )
}

#[test]
fn detects_header_delimiter_and_increment_columns() {
    let csv = "Carrier X price list\nDial Code;Destination;Rate/min;Setup fee;Billing;Valid from\n\
               44;UK;0,0100;0;60/60;01/03/2026\n4477;UK Mobile;1.5E-2;0,05;30/6;15/03/2026\n";
    let report = import_csv(csv.as_bytes(), &opts()).unwrap();
    assert_eq!(report.delimiter, Some(';'));
    assert_eq!(report.header_line, Some(2));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let rows = report.deck.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].rate.to_string(), "0.0150");
    assert_eq!(rows[1].connection_fee.to_string(), "0.05");
    assert_eq!(rows[1].increment.to_string(), "30/6");
    assert_eq!(
        rows[1].effective_from,
        Utc.with_ymd_and_hms(2026, 3, 15, 0, 0, 0).unwrap()
    );
}

#[test]
fn bad_rows_name_line_column_and_reason() {
    let csv = "prefix,destination,rate,increment\n44,UK,0.01,60/60\n4x,Bad,0.01,60/60\n\
               33,France,-1,60/60\n34,Spain,0.02,60/0\n44,UK again,0.02,1/1\n";
    let report = import_csv(csv.as_bytes(), &opts()).unwrap();
    assert_eq!(report.deck.len(), 1);
    let messages: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        messages,
        [
            "line 3, column prefix: bad prefix: `4x` contains a character that is not a digit (`4x`)",
            "line 4, column rate: bad rate: `-1` is negative (`-1`)",
            "line 5, column increment: bad increment: the next increment of `60/0/0` is 0 seconds (`60/0`)",
            "line 6, column prefix: duplicate of line 2 (same prefix and effective date) (`44`)",
        ]
    );
    let strict = ImportOptions {
        strict: true,
        ..opts()
    };
    assert!(matches!(
        import_csv(csv.as_bytes(), &strict),
        Err(ImportError::Rejected(errors)) if errors.len() == 4
    ));
}

#[test]
fn blank_trailing_fields_are_kept_and_missing_or_extra_fields_refused() {
    // As spreadsheets and our own exports write them: every delimiter, the last cells blank.
    let csv = "Prefix,Destination,Rate,Effective to,Status\n44,UK,0.01,,\n33,France,0.02,,\n\
               34,Spain,0.03\n49,Germany,0.04,,,x\n";
    let report = import_csv(csv.as_bytes(), &opts()).unwrap();
    assert_eq!(report.deck.len(), 2);
    let messages: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        messages,
        [
            "line 4: 3 fields where the deck has 5",
            "line 5: 6 fields where the deck has 5",
        ]
    );
}

#[test]
fn latin1_country_and_area_codes_and_profiles() {
    let bytes = b"Country Code|Area Code|Country|Peak|Off-Peak|Weekend\n225|07|C\xf4te d'Ivoire|0.20|0.15|0.10\n";
    let report = import_csv(bytes, &opts()).unwrap();
    assert_eq!(report.encoding, "windows-1252");
    let row = &report.deck.rows()[0];
    assert_eq!(row.prefix.to_string(), "22507");
    assert_eq!(row.destination, "Côte d'Ivoire");
    assert_eq!(row.weekend.unwrap().to_string(), "0.1000");
}

#[test]
fn ambiguous_dates_are_reported_and_order_can_be_set() {
    let csv = "code,rate,effective date\n44,0.1,03/04/2026\n";
    let report = import_csv(csv.as_bytes(), &opts()).unwrap();
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert_eq!(
        report.deck.rows()[0].effective_from,
        Utc.with_ymd_and_hms(2026, 4, 3, 0, 0, 0).unwrap()
    );
    let us = ImportOptions {
        date_order: Some(DateOrder::MonthDayYear),
        ..opts()
    };
    let report = import_csv(csv.as_bytes(), &us).unwrap();
    assert!(report.warnings.is_empty());
    assert_eq!(
        report.deck.rows()[0].effective_from,
        Utc.with_ymd_and_hms(2026, 3, 4, 0, 0, 0).unwrap()
    );
    let month_first = "code,rate,effective date\n44,0.1,03/04/2026\n33,0.1,12/25/2026\n";
    let report = import_csv(month_first.as_bytes(), &opts()).unwrap();
    assert!(report.warnings.is_empty());
    assert_eq!(
        report.deck.rows()[1].effective_from,
        Utc.with_ymd_and_hms(2026, 3, 4, 0, 0, 0).unwrap()
    );
}

#[test]
fn whole_file_refusals() {
    assert_eq!(import_csv(b"", &opts()), Err(ImportError::Empty));
    assert_eq!(
        import_csv(b"44,0.1\n33,0.2\n", &opts()),
        Err(ImportError::NoHeader)
    );
    assert!(matches!(
        import_csv(b"prefix,rate (EUR)\n44,0.1\n", &opts()),
        Err(ImportError::CurrencyMismatch { .. })
    ));
    assert!(matches!(
        import_csv(b"prefix,destination\n44,UK\n", &opts()),
        Err(ImportError::NotADeck(_))
    ));
}

#[test]
fn explicit_mapping_for_headerless_decks() {
    let mapping = ColumnMapping::new()
        .with(ColumnRole::Prefix, 0)
        .with(ColumnRole::Rate, 2);
    let options = ImportOptions {
        mapping: Some(mapping),
        has_header: Some(false),
        strip_prefix: Some("00".into()),
        ..opts()
    };
    let report = import_csv(b"0044\tUK\t0.1\n0033\tFrance\t0.2\n", &options).unwrap();
    assert_eq!(report.delimiter, Some('\t'));
    assert_eq!(report.deck.rows()[0].prefix.to_string(), "33");
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn import_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = import_deck(&bytes, &opts());
        }

        #[test]
        fn import_never_panics_on_deck_like_text(
            lines in proptest::collection::vec("[0-9+]{0,6}[,;]{1,2}[a-z ]{0,5}[,;][0-9.,eE-]{0,7}[,;]?[0-9/]{0,10}", 0..12)
        ) {
            let text = format!("prefix;destination;rate;date\n{}", lines.join("\n"));
            let _ = import_csv(text.as_bytes(), &opts());
        }
    }
}

proptest::proptest! {
    /// Duplicates (same prefix and effective date as an earlier good row) are reported in file
    /// order among the other errors, each naming the first good row, and the deck keeps the first;
    /// checked against the straightforward reading (a map of the rows seen so far).
    #[test]
    fn duplicates_keep_the_first_good_row_in_file_order(
        specs in proptest::collection::vec((0usize..6, 0usize..3, 0usize..8), 0..60)
    ) {
        let prefixes = ["44", "4477", "33", "1", "x9", "10"];
        let dates = ["2026-01-01", "2026-02-01", "notadate"];
        let mut csv = String::from("prefix,destination,rate,effective date\n");
        for (n, &(p, d, r)) in specs.iter().enumerate() {
            let rate = if r == 7 { "-1".to_string() } else { format!("0.0{r}") };
            csv.push_str(&format!("{},D{n},{rate},{}\n", prefixes[p], dates[d]));
        }
        let report = import_csv(csv.as_bytes(), &opts()).unwrap();
        // Reference: rows in file order, a map of (prefix, date) to the first good line.
        let mut seen = std::collections::HashMap::new();
        let mut expected_errors = Vec::new();
        let mut kept = Vec::new();
        for (n, &(p, d, r)) in specs.iter().enumerate() {
            let line = n as u64 + 2;
            if prefixes[p].starts_with('x') || d == 2 || r == 7 {
                expected_errors.push((line, None));
                continue;
            }
            match seen.get(&(p, d)) {
                Some(&first) => expected_errors.push((line, Some(first))),
                None => {
                    seen.insert((p, d), line);
                    kept.push(line);
                }
            }
        }
        let errors: Vec<(u64, Option<u64>)> = report
            .errors
            .iter()
            .map(|e| match e.kind {
                RowErrorKind::Duplicate { first_line } => (e.line, Some(first_line)),
                _ => (e.line, None),
            })
            .collect();
        proptest::prop_assert_eq!(errors, expected_errors);
        let mut lines: Vec<u64> = report.deck.rows().iter().map(|r| r.line).collect();
        let sorted = report.deck.rows().is_sorted_by_key(|r| (r.prefix.key(), r.effective_from));
        proptest::prop_assert!(sorted);
        lines.sort();
        proptest::prop_assert_eq!(lines, kept);
        for row in report.deck.rows() {
            proptest::prop_assert_eq!(&row.destination, &format!("D{}", row.line - 2));
        }
    }
}

#[test]
fn peek_shows_the_first_rows_as_written_even_without_a_header() {
    let rows = super::peek(b"34,Spain,x,0.0100\n44,UK,y,0.0200\n", 5).unwrap();
    assert_eq!(
        rows,
        [["34", "Spain", "x", "0.0100"], ["44", "UK", "y", "0.0200"]]
    );
    assert_eq!(super::peek(b"", 5), Err(super::ImportError::Empty));
}
