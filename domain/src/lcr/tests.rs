use super::*;
use crate::deck::RateRow;
use crate::money::{Currency, Rate};
use crate::number::Prefix;
use chrono::TimeZone;
use rust_decimal::Decimal;
use std::collections::HashMap;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

fn row(prefix: &str, rate: &str) -> RateRow {
    RateRow::new(
        Prefix::parse(prefix).unwrap(),
        prefix,
        Rate::parse(rate).unwrap(),
        t0(),
    )
}

fn carrier(id: u32, enabled: bool, rows: Vec<RateRow>) -> Carrier {
    Carrier {
        id: CarrierId(id),
        name: format!("carrier {id}"),
        enabled,
        deck: RateDeck::new(Currency::USD, rows).unwrap(),
    }
}

fn index() -> LcrIndex {
    let mut with_fee = row("44", "0.010");
    with_fee.connection_fee = Decimal::new(2, 2);
    LcrIndex::new(vec![
        carrier(1, true, vec![row("44", "0.010"), row("4477", "0.020")]),
        carrier(2, true, vec![row("44", "0.008")]),
        carrier(3, false, vec![row("447", "0.015")]),
        carrier(4, true, vec![row("44", "0.005")]),
        carrier(5, true, vec![row("4477", "0.030")]),
        carrier(6, true, vec![with_fee]),
    ])
}

fn sell_deck() -> RateDeck {
    RateDeck::new(Currency::USD, vec![row("44", "0.025")]).unwrap()
}

fn tier(strategy: Strategy) -> Tier {
    Tier {
        name: "Standard".into(),
        carriers: [1, 2, 3, 5, 6].map(CarrierId).to_vec(),
        strategy,
        failover: FailoverPolicy::default(),
        blocked: vec![],
        margin: Some(MarginProtection::default()),
    }
}

fn query<'a>(
    sell: &'a RateDeck,
    quality: &'a HashMap<CarrierId, Quality>,
    call_id: &'a str,
) -> RouteQuery<'a> {
    RouteQuery {
        number: E164::parse("447700900123").unwrap(),
        at: t0(),
        call_id,
        sell: Some(sell),
        quality,
        acd_secs: None,
    }
}

fn order(plan: &RoutePlan<'_>) -> Vec<u32> {
    plan.routes.iter().map(|r| r.carrier.0).collect()
}

#[test]
fn candidates_take_each_carriers_longest_prefix() {
    let index = index();
    let mut out = Vec::new();
    index.candidates_into(E164::parse("447700900123").unwrap(), t0(), &mut out);
    let mut found: Vec<(u32, String)> = out
        .iter()
        .map(|c| (c.carrier.id.0, c.row.prefix.to_string()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (1, "4477"),
            (2, "44"),
            (3, "447"),
            (4, "44"),
            (5, "4477"),
            (6, "44")
        ]
        .map(|(c, p)| (c, p.to_string()))
    );
}

#[test]
fn lowest_cost_with_every_exclusion_reason() {
    let (index, sell, quality) = (index(), sell_deck(), HashMap::new());
    let plan = index.route(&tier(Strategy::LowestCost), &query(&sell, &quality, "c1"));
    assert_eq!(order(&plan), [2, 1]);
    let reasons: Vec<(u32, &ExclusionReason)> = plan
        .excluded
        .iter()
        .map(|e| (e.carrier.0, &e.reason))
        .collect();
    assert_eq!(reasons[0], (3, &ExclusionReason::CarrierDisabled));
    assert_eq!(reasons[1], (4, &ExclusionReason::NotInTier));
    assert_eq!(
        reasons[2],
        (
            5,
            &ExclusionReason::NegativeMargin {
                buy: Rate::parse("0.03").unwrap(),
                sell: Rate::parse("0.025").unwrap()
            }
        )
    );
    // Carrier 6 is cheaper per minute than the sell rate, but with its 0.02 fee a 15 s call costs
    // 0.02 + 0.01 = 0.03 and sells for 0.025 (both 60/60).
    assert_eq!(
        reasons[3],
        (
            6,
            &ExclusionReason::LosesMoneyAt {
                duration_secs: 15,
                cost: Decimal::new(3, 2),
                price: Decimal::new(25, 3),
            }
        )
    );
}

#[test]
fn margin_protection_can_flag_instead_of_excluding() {
    let (index, sell, quality) = (index(), sell_deck(), HashMap::new());
    let mut t = tier(Strategy::LowestCost);
    t.margin = Some(MarginProtection {
        durations_secs: vec![15, 60, 300],
        include_acd: false,
        exclude: false,
    });
    let plan = index.route(&t, &query(&sell, &quality, "c1"));
    assert_eq!(order(&plan), [2, 6, 1]);
    let flagged: Vec<u32> = plan.routes[1]
        .margin_flags
        .iter()
        .map(|f| match f {
            ExclusionReason::LosesMoneyAt { duration_secs, .. } => *duration_secs,
            _ => 0,
        })
        .collect();
    // At 300 s: 0.02 + 0.05 = 0.07 < 0.125, profitable.
    assert_eq!(flagged, [15, 60]);
}

#[test]
fn priority_and_quality_strategies() {
    let (index, sell) = (index(), sell_deck());
    let mut quality = HashMap::new();
    let plan = index.route(
        &tier(Strategy::Priority(vec![CarrierId(1)])),
        &query(&sell, &quality, "c1"),
    );
    assert_eq!(order(&plan), [1, 2]);
    quality.insert(
        CarrierId(2),
        Quality {
            asr: Decimal::new(20, 2),
            acd_secs: 30,
        },
    );
    quality.insert(
        CarrierId(1),
        Quality {
            asr: Decimal::new(60, 2),
            acd_secs: 180,
        },
    );
    let weighted = Strategy::QualityWeighted {
        target_acd_secs: 120,
        default_quality: Quality {
            asr: Decimal::new(50, 2),
            acd_secs: 120,
        },
    };
    let plan = index.route(&tier(weighted), &query(&sell, &quality, "c1"));
    assert_eq!(order(&plan), [1, 2]);
}

#[test]
fn percentage_split_is_deterministic_and_weighted() {
    let (index, sell, quality) = (index(), sell_deck(), HashMap::new());
    let split = tier(Strategy::PercentageSplit(vec![
        (CarrierId(1), 70),
        (CarrierId(2), 30),
    ]));
    let mut firsts = [0u32; 2];
    for i in 0..1000 {
        let id = format!("call-{i}");
        let plan = index.route(&split, &query(&sell, &quality, &id));
        let again = index.route(&split, &query(&sell, &quality, &id));
        assert_eq!(order(&plan), order(&again));
        assert_eq!(plan.routes.len(), 2);
        firsts[(plan.routes[0].carrier.0 - 1) as usize] += 1;
    }
    assert!((620..=780).contains(&firsts[0]), "{firsts:?}");
}

#[test]
fn blocked_destinations_and_failover() {
    let (index, sell, quality) = (index(), sell_deck(), HashMap::new());
    let mut t = tier(Strategy::LowestCost);
    let plan = index.route(&t, &query(&sell, &quality, "c1"));
    assert_eq!(
        plan.next_after(0, CallOutcome::Sip(503), &t.failover)
            .unwrap()
            .carrier,
        CarrierId(1)
    );
    assert_eq!(
        plan.next_after(0, CallOutcome::Timeout, &t.failover)
            .unwrap()
            .carrier,
        CarrierId(1)
    );
    assert!(
        plan.next_after(0, CallOutcome::Sip(486), &t.failover)
            .is_none()
    );
    assert!(
        plan.next_after(1, CallOutcome::Sip(503), &t.failover)
            .is_none()
    );

    t.blocked = vec![Prefix::parse("4477").unwrap()];
    let plan = index.route(&t, &query(&sell, &quality, "c1"));
    assert!(plan.routes.is_empty());
    assert!(plan.excluded.iter().any(|e| e.carrier == CarrierId(1)
        && e.reason == ExclusionReason::BlockedDestination(Prefix::parse("4477").unwrap())));
}

/// The flattened index gives, per carrier, exactly what its own deck's lookup gives (longest
/// prefix in force, with several versions, ended and deleted rows), deepest prefix first.
#[test]
fn candidates_match_each_decks_own_lookup() {
    let t = |d: u32| Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap();
    let mut carriers = Vec::new();
    for id in 0..70u32 {
        let mut rows = Vec::new();
        for (i, p) in ["4", "44", "447", "4477", "44770", "1", "12", "123"]
            .iter()
            .enumerate()
        {
            let i = i as u32;
            if (id + i).is_multiple_of(3) {
                continue;
            }
            let mut r = row(p, "0.01");
            r.effective_from = t(1 + (id + i) % 5);
            r.line = u64::from(i);
            match (id * 7 + i) % 4 {
                0 => r.effective_to = Some(t(10 + (id % 3))),
                1 => r.status = Some(crate::deck::RateStatus::Deleted),
                2 => {
                    let mut later = r.clone();
                    later.effective_from = t(12);
                    later.line += 100;
                    rows.push(later);
                }
                _ => {}
            }
            rows.push(r);
        }
        carriers.push(carrier(id, true, rows));
    }
    let index = LcrIndex::new(carriers.clone());
    let mut out = Vec::new();
    for number in ["447700900123", "44123456", "12345678", "99999999", "123"] {
        let number = Prefix::parse(number).unwrap().as_number();
        for day in 1..=20 {
            index.candidates_into(number, t(day), &mut out);
            let mut got: Vec<(u32, u64)> =
                out.iter().map(|c| (c.carrier.id.0, c.row.line)).collect();
            let lengths: Vec<usize> = out.iter().map(|c| c.row.prefix.len()).collect();
            assert!(lengths.windows(2).all(|w| w[0] >= w[1]), "deepest first");
            got.sort();
            let want: Vec<(u32, u64)> = carriers
                .iter()
                .filter_map(|c| c.deck.lookup(number, t(day)).map(|r| (c.id.0, r.line)))
                .collect();
            assert_eq!(got, want, "{number} on day {day}");
        }
    }
}

mod generated {
    use super::*;
    use proptest::prelude::*;

    /// A carrier's rows from `(prefix, from day, shape)`: shape 0 always in force from its day,
    /// 1 ended on day 12, 2 deleted, 3 a second version from day 9.
    fn rows(spec: &[(String, u32, u8)]) -> Vec<RateRow> {
        let t = |d: u32| Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap();
        let mut rows = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (line, (prefix, day, shape)) in spec.iter().enumerate() {
            if !seen.insert(prefix.clone()) {
                continue;
            }
            let mut r = row(prefix, "0.01");
            r.effective_from = t(*day);
            r.line = line as u64;
            match shape {
                1 => r.effective_to = Some(t(12)),
                2 => r.status = Some(crate::deck::RateStatus::Deleted),
                3 => {
                    let mut later = r.clone();
                    later.effective_from = t(9.max(*day + 1));
                    later.line += 1_000;
                    rows.push(later);
                }
                _ => {}
            }
            rows.push(r);
        }
        rows
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Over prefixes crowded under a few starts (so blocks, resolved blocks and deep tables
        /// all fill), every lookup gives per carrier exactly its own deck's answer, deepest
        /// prefix first and in carrier order within a prefix, at times before, inside and after
        /// the rows' windows.
        #[test]
        fn candidates_are_each_decks_lookup(
            decks in proptest::collection::vec(
                proptest::collection::vec(("(44|4|1)[0-2]{0,6}", 1u32..6, 0u8..4), 0..24),
                1..70,
            ),
            numbers in proptest::collection::vec("(44|4|1)[0-2]{0,9}", 1..12),
            day in 1u32..20,
        ) {
            let at = Utc.with_ymd_and_hms(2026, 1, day, 0, 0, 0).unwrap();
            let carriers: Vec<Carrier> = decks
                .iter()
                .enumerate()
                .map(|(id, spec)| carrier(id as u32, true, rows(spec)))
                .collect();
            let index = LcrIndex::new(carriers.clone());
            let mut out = Vec::new();
            for number in &numbers {
                let number = Prefix::parse(number).unwrap().as_number();
                index.candidates_into(number, at, &mut out);
                let got: Vec<(u32, u64)> =
                    out.iter().map(|c| (c.carrier.id.0, c.row.line)).collect();
                let mut want: Vec<(usize, u32, u64)> = carriers
                    .iter()
                    .filter_map(|c| {
                        c.deck
                            .lookup(number, at)
                            .map(|r| (usize::MAX - r.prefix.len(), c.id.0, r.line))
                    })
                    .collect();
                want.sort();
                let want: Vec<(u32, u64)> = want.into_iter().map(|(_, c, l)| (c, l)).collect();
                prop_assert_eq!(got, want, "{} on day {}", number, day);
            }
        }
    }
}
