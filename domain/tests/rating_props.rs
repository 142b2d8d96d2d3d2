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

proptest! {
    /// `max_duration` is the longest call the budget pays for: that call fits, one second more
    /// does not (below the cap).
    #[test]
    fn max_duration_is_the_longest_call_the_budget_pays(
        (deck, number) in deck_strategy(),
        budget in 0i64..5_000_000,
    ) {
        use domain::rating::{RatingOptions, max_duration, rate};
        let n = E164::parse(&number).unwrap();
        let at = Utc.with_ymd_and_hms(2026, 2, 1, 12, 0, 0).unwrap();
        let row = deck.lookup(n, at).unwrap();
        let budget = Decimal::new(budget, 4);
        let options = RatingOptions::sell(Some(4));
        let cap = 86_400;
        let d = max_duration(&deck, row, n, at, budget, &options, cap);
        let price = |secs: u32| {
            let call = domain::rating::Call { number: n, start: at, duration_secs: secs, answered: true };
            rate(&deck, &call, &options).unwrap().total.amount
        };
        if d > 0 {
            prop_assert!(price(d) <= budget, "{d} s costs {} > {budget}", price(d));
        }
        if d < cap {
            prop_assert!(price(d + 1) > budget, "{} s costs {} <= {budget}", d + 1, price(d + 1));
        }
    }
}

#[test]
fn max_duration_follows_the_increments_and_the_fee() {
    use domain::rating::{RatingOptions, max_duration};
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let at = Utc.with_ymd_and_hms(2026, 2, 1, 12, 0, 0).unwrap();
    let n = E164::parse("+447700900123").unwrap();
    let make = |inc: &str, fee: &str| {
        let mut row = RateRow::new(
            Prefix::parse("44").unwrap(),
            "UK",
            Rate::parse("0.60").unwrap(),
            start,
        );
        row.increment = Increment::parse(inc).unwrap();
        row.connection_fee = fee.parse().unwrap();
        RateDeck::new(Currency::USD, vec![row]).unwrap()
    };
    let budget = |s: &str| s.parse::<Decimal>().unwrap();
    let options = RatingOptions::sell(Some(4));
    let max = |deck: &RateDeck, b: &str| {
        max_duration(deck, &deck.rows()[0], n, at, budget(b), &options, 86_400)
    };
    // 0.60 a minute is 0.01 a second.
    let per_second = make("1/1", "0");
    assert_eq!(max(&per_second, "0.10"), 10);
    assert_eq!(max(&per_second, "0.105"), 10);
    assert_eq!(max(&per_second, "0.009"), 0);
    let per_minute = make("60/60", "0");
    assert_eq!(max(&per_minute, "0.59"), 0);
    assert_eq!(max(&per_minute, "0.60"), 60);
    assert_eq!(max(&per_minute, "1.19"), 60);
    let thirty_six = make("30/6", "0.05");
    // 0.05 fee + 30 s (0.30) = 0.35, then 0.06 a block of 6 s.
    assert_eq!(max(&thirty_six, "0.34"), 0);
    assert_eq!(max(&thirty_six, "0.35"), 30);
    assert_eq!(max(&thirty_six, "0.47"), 42);
    assert_eq!(max(&per_second, "100000"), 86_400);
    assert_eq!(max(&per_second, "-1"), 0);
}

#[test]
fn a_pending_deck_prices_past_calls_as_of_its_date() {
    use domain::rating::{Call, RatingOptions, rate, rate_as_of};
    let next_week = Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap();
    let row = RateRow::new(
        Prefix::parse("44").unwrap(),
        "UK",
        Rate::parse("0.60").unwrap(),
        next_week,
    );
    let deck = RateDeck::new(Currency::USD, vec![row]).unwrap();
    let call = Call {
        number: E164::parse("+442079460000").unwrap(),
        start: Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap(),
        duration_secs: 90,
        answered: true,
    };
    let options = RatingOptions::default();
    // Not in force at the call's start...
    assert!(rate(&deck, &call, &options).is_err());
    // ...but as of its date: 90 s billed as two minutes (60/60) at 0.60.
    let priced = rate_as_of(&deck, &call, next_week, &options).unwrap();
    assert_eq!(priced.total.amount, Decimal::new(120, 2));
}
