//! Property tests of rating invariants: cost never negative, monotone in duration, billed seconds
//! follow the increments, the longest prefix wins.

use chrono::{TimeZone, Utc};
use domain::deck::{RateDeck, RateRow};
use domain::increment::Increment;
use domain::money::{Currency, Rate};
use domain::number::{E164, Prefix};
use domain::rating::rate_call;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn deck_strategy() -> impl Strategy<Value = (RateDeck, String)> {
    (
        "[1-9][0-9]{0,3}",
        proptest::collection::vec(
            (0u64..100_000_000, 0u32..6, 0u32..=60, 1u32..=60, 0u64..1000),
            1..8,
        ),
        "[0-9]{11}",
    )
        .prop_map(|(root, specs, tail)| {
            let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
            let number = format!("{root}{tail}");
            let mut rows = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for (rate, extra, initial, next, fee) in specs {
                let prefix = &number[..(root.len() + extra as usize).min(15)];
                if !seen.insert(prefix.to_string()) {
                    continue;
                }
                let mut row = RateRow::new(
                    Prefix::parse(prefix).unwrap(),
                    prefix,
                    Rate::new(Decimal::new(rate as i64, 6)).unwrap(),
                    start,
                );
                row.increment = Increment::new(initial, next).unwrap();
                row.connection_fee = Decimal::new(fee as i64, 4);
                rows.push(row);
            }
            (
                RateDeck::new(Currency::USD, rows).unwrap(),
                number[..15.min(number.len())].to_string(),
            )
        })
}

proptest! {
    #[test]
    fn rating_invariants((deck, number) in deck_strategy(), d in 0u32..20_000) {
        let n = E164::parse(&number).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 2, 1, 12, 0, 0).unwrap();
        let a = rate_call(&deck, n, at, d).unwrap();
        let b = rate_call(&deck, n, at, d + 1).unwrap();
        prop_assert!(a.total.amount >= Decimal::ZERO);
        prop_assert!(b.unrounded >= a.unrounded);
        prop_assert!(b.total.amount >= a.total.amount);
        prop_assert_eq!(a.billed_secs, a.increment.billed_seconds(d));
        if d == 0 {
            prop_assert_eq!(a.total.amount, Decimal::ZERO);
        }
        let longest = deck.rows().iter().filter(|r| n.starts_with(r.prefix)).map(|r| r.prefix.len()).max();
        prop_assert_eq!(Some(a.row.prefix.len()), longest);
    }
}
