//! Seeded sample decks shaped like the real decks of shared/data/decks (country codes of 1-3
//! digits with sub-prefix trees up to 8 digits, 4-decimal rates with 0.1 % outliers, mixed
//! 60/60, 30/6 and 1/1 increments), for the benchmarks and load scripts: the same seed gives the
//! same deck on every machine.

use crate::number::E164;
use std::collections::HashSet;

/// splitmix64: a tiny seeded generator, so every run builds the same decks.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const COUNTRY_CODES: &[&str] = &[
    "1", "7", "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45",
    "46", "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
    "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98", "211",
    "212", "213", "216", "218", "220", "221", "225", "233", "234", "237", "244", "254", "255",
    "256", "260", "263", "351", "352", "353", "355", "358", "359", "370", "371", "372", "380",
    "381", "385", "386", "420", "421", "852", "880", "886", "960", "961", "962", "963", "964",
    "965", "966", "967", "968", "971", "972", "973", "974", "975", "976", "977", "992", "994",
];

/// `count` distinct prefixes (digits), the same for the same `seed`.
pub fn prefixes(seed: u64, count: usize) -> Vec<String> {
    let mut rng = Seeded(seed);
    let mut set = HashSet::with_capacity(count);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let cc = COUNTRY_CODES[rng.below(COUNTRY_CODES.len() as u64) as usize];
        let extra = 1 + rng.below(6) as usize;
        let mut p = cc.to_string();
        for _ in 0..extra {
            p.push(char::from(b'0' + rng.below(10) as u8));
        }
        if set.insert(p.clone()) {
            out.push(p);
        }
    }
    out
}

/// A CSV deck of `count` rows (header `Prefix,Destination,Rate,Connection fee,Increment,
/// Effective date`, all rows effective 2026-01-01), the same for the same `seed`.
pub fn deck_csv(seed: u64, count: usize) -> String {
    let mut rng = Seeded(seed ^ 0xdead_beef);
    let mut csv = String::with_capacity(count * 48);
    csv.push_str("Prefix,Destination,Rate,Connection fee,Increment,Effective date\n");
    for p in prefixes(seed, count) {
        let rate = if rng.below(1000) == 0 {
            10_000_000 + rng.below(20_000_000)
        } else {
            50 + rng.below(9_000)
        };
        csv.push_str(&format!(
            "{p},Destination {},{}.{:04},0,{},2026-01-01\n",
            &p[..2.min(p.len())],
            rate / 10_000,
            rate % 10_000,
            ["60/60", "30/6", "1/1"][rng.below(3) as usize]
        ));
    }
    csv
}

/// `count` 11-digit numbers under 5,000 prefixes of the same shape (most of them covered by a
/// deck of [`deck_csv`]), the same for the same `seed`.
pub fn numbers(seed: u64, count: usize) -> Vec<E164> {
    let mut rng = Seeded(seed);
    let pool = prefixes(seed ^ 7, 5_000);
    (0..count)
        .map(|_| {
            let mut n = pool[rng.below(pool.len() as u64) as usize].clone();
            while n.len() < 11 {
                n.push(char::from(b'0' + rng.below(10) as u8));
            }
            E164::parse(&n).unwrap()
        })
        .collect()
}
