//! Rating core benchmarks (issue 4): (a) import a 500,000-row deck, (b) LCR lookup over 20
//! carriers x 100,000 prefixes, (c) rating CDRs against a 500,000-row deck, (d) the same
//! longest-prefix lookups as a SQL query on SQLite, for the speed-up ratio.
//!
//! Decks come from a seeded generator shaped like the real decks in shared/data/decks: country codes
//! of 1-3 digits with sub-prefix trees up to 8 digits, rates of 4 decimals, a few outliers.

use chrono::{TimeZone, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use domain::deck::RateDeck;
use domain::deck_import::{ImportOptions, import_csv};
use domain::lcr::{Carrier, CarrierId, FailoverPolicy, LcrIndex, RouteQuery, Strategy, Tier};
use domain::money::Currency;
use domain::rating::{Call, RatingOptions, rate};
use domain::sample::{deck_csv, numbers};
use std::collections::HashMap;
use std::hint::black_box;

fn options() -> ImportOptions {
    ImportOptions::new(
        Currency::USD,
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    )
}

fn deck(seed: u64, count: usize) -> RateDeck {
    let report = import_csv(deck_csv(seed, count).as_bytes(), &options()).unwrap();
    assert!(report.errors.is_empty());
    report.deck
}

fn benches(c: &mut Criterion) {
    let at = Utc.with_ymd_and_hms(2026, 2, 1, 12, 0, 0).unwrap();

    // (a) parse + validate + index a 500,000-row deck.
    let big_csv = deck_csv(1, 500_000);
    let mut group = c.benchmark_group("a_import");
    group.sample_size(10);
    group.throughput(Throughput::Elements(500_000));
    group.bench_function("import_csv_500k_rows", |b| {
        b.iter(|| import_csv(black_box(big_csv.as_bytes()), &options()).unwrap())
    });
    group.finish();

    // (c) rating CDRs against the 500,000-row deck.
    let big = import_csv(big_csv.as_bytes(), &options()).unwrap().deck;
    drop(big_csv);
    let calls: Vec<Call> = numbers(3, 10_000)
        .into_iter()
        .enumerate()
        .map(|(i, number)| Call {
            number,
            start: at,
            duration_secs: (i % 600) as u32,
            answered: true,
        })
        .collect();
    let rated = calls
        .iter()
        .filter(|c| rate(&big, c, &RatingOptions::default()).is_ok())
        .count();
    assert!(
        rated > 9_000,
        "most generated numbers have a rate ({rated})"
    );
    let mut group = c.benchmark_group("c_rating");
    group.throughput(Throughput::Elements(calls.len() as u64));
    group.bench_function("rate_10k_cdrs_500k_deck", |b| {
        b.iter(|| {
            let mut total = rust_decimal::Decimal::ZERO;
            for call in &calls {
                if let Ok(breakdown) = rate(&big, call, &RatingOptions::default()) {
                    total += breakdown.total.amount;
                }
            }
            black_box(total)
        })
    });
    group.finish();
    drop(big);

    // (b) LCR over 20 carriers x 100,000 prefixes.
    let carriers: Vec<Carrier> = (0..20u32)
        .map(|i| Carrier {
            id: CarrierId(i),
            name: format!("c{i}"),
            enabled: true,
            deck: deck(100 + u64::from(i), 100_000),
        })
        .collect();
    let index = LcrIndex::new(carriers);
    let lookups = numbers(5, 4_096);
    let mut group = c.benchmark_group("b_lcr");
    group.throughput(Throughput::Elements(1));
    let mut i = 0usize;
    let mut out = Vec::with_capacity(32);
    group.bench_function("candidates_20x100k", |b| {
        b.iter(|| {
            i = (i + 1) & 4095;
            index.candidates_into(black_box(lookups[i]), at, &mut out);
            black_box(out.len())
        })
    });
    let tier = Tier {
        name: "Standard".into(),
        carriers: (0..20).map(CarrierId).collect(),
        strategy: Strategy::LowestCost,
        failover: FailoverPolicy::default(),
        blocked: vec![],
        margin: None,
    };
    let quality = HashMap::new();
    group.bench_function("route_lowest_cost_20x100k", |b| {
        b.iter(|| {
            i = (i + 1) & 4095;
            let query = RouteQuery {
                number: lookups[i],
                at,
                call_id: "bench",
                sell: None,
                quality: &quality,
                acd_secs: None,
            };
            black_box(index.route(&tier, &query).routes.len())
        })
    });
    group.finish();

    // (d) the same longest-prefix lookup in SQLite, against one 100,000-prefix deck.
    let one = &index.carriers()[0].deck;
    let db = rusqlite::Connection::open_in_memory().unwrap();
    db.execute_batch("CREATE TABLE rates (prefix TEXT NOT NULL, rate TEXT NOT NULL); CREATE INDEX rates_prefix ON rates(prefix);")
        .unwrap();
    {
        let tx = db.unchecked_transaction().unwrap();
        let mut insert = tx.prepare("INSERT INTO rates VALUES (?1, ?2)").unwrap();
        for row in one.rows() {
            insert
                .execute((row.prefix.to_string(), row.rate.to_string()))
                .unwrap();
        }
        drop(insert);
        tx.commit().unwrap();
    }
    let mut query = db
        .prepare("SELECT prefix, rate FROM rates WHERE ?1 LIKE prefix || '%' ORDER BY length(prefix) DESC LIMIT 1")
        .unwrap();
    let texts: Vec<String> = lookups.iter().map(|n| n.to_string()).collect();
    for (n, text) in lookups.iter().zip(&texts).take(50) {
        let sql: Option<String> = query.query_row([text], |r| r.get(0)).ok();
        assert_eq!(
            sql,
            one.lookup(*n, at).map(|r| r.prefix.to_string()),
            "same answer for {text}"
        );
    }
    let mut group = c.benchmark_group("d_sqlite_vs_index");
    group.sample_size(10);
    group.throughput(Throughput::Elements(1));
    group.bench_function("sqlite_like_longest_prefix_100k", |b| {
        b.iter_batched(
            || {
                i = (i + 1) & 4095;
                texts[i].clone()
            },
            |text| query.query_row([text], |r| r.get::<_, String>(0)).ok(),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("deck_lookup_100k", |b| {
        b.iter(|| {
            i = (i + 1) & 4095;
            black_box(one.lookup(black_box(lookups[i]), at).map(|r| r.rate))
        })
    });
    group.finish();
}

criterion_group!(rating_core, benches);
criterion_main!(rating_core);
