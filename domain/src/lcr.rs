//! Least-cost routing: which carriers may take a call, in what order, and why others may not.
//!
//! [`LcrIndex`] merges many carriers' decks into one prefix map, so a lookup probes each prefix
//! length of the number once for all carriers and keeps, per carrier, its longest prefix with a rate
//! in force. A [`Tier`] (a routing plan: Premium, Standard, Economy...) filters and orders them with
//! a [`Strategy`], reports every [`Exclusion`] with its reason, and applies margin protection against
//! the customer's sell rate (design/domain.md "LCR", issue 4 §5).

mod build;
mod collect;
mod failover;
mod pages;
mod plan;
mod strategy;

pub use failover::{CALLEE_ANSWERS, CallOutcome, FailoverDecision, FailoverPolicy};
pub use plan::{Exclusion, ExclusionReason, MarginProtection, Route, RoutePlan, RouteQuery, Tier};
pub use strategy::{Quality, Strategy, split_hash};

use crate::deck::{RateDeck, RateRow, version_at};
use crate::number::{E164, MAX_DIGITS};
use chrono::{DateTime, Utc};
use collect::{Collect, Exact, PICKS, Picks};
use pages::Pages;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// A carrier's id (the services layer maps its database ids onto these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CarrierId(pub u32);

/// A carrier as routing sees it: whether it may carry traffic, and its buy deck.
#[derive(Debug, Clone, PartialEq)]
pub struct Carrier {
    /// Its id.
    pub id: CarrierId,
    /// Display name.
    pub name: String,
    /// False when an operator or an alert disabled it.
    pub enabled: bool,
    /// Its buy rates.
    pub deck: RateDeck,
}

/// Rates of several carriers merged by prefix.
///
/// Everything a number needs beyond its first four digits sits in that 4-digit start's
/// `Bucket`: a small hash table of the longer prefixes under the start, and in `entries` one
/// contiguous run holding the start's block of short-prefix entries and the entries of its longer
/// prefixes. A lookup touches the bucket and a few nearby cache lines and pages instead of lines
/// scattered over the whole index (page walks are expensive, in virtual machines above all).
///
/// The block holds every carrier's 1- to 4-digit prefixes, deepest first, so most of its
/// entries are shadowed by a deeper one of the same carrier. Before the block sits its resolved
/// form: each carrier's first (deepest) entry only. A lookup takes the resolved block, and falls
/// back to the full block only when one of those deepest rows is not in force at the call's time
/// (a rate not yet effective, ended or deleted), so the answer is the same either way.
///
/// With up to 64 carriers a lookup checks each entry without a branch: the validity windows are
/// tested once per lookup, each carrier has a bit, and entries are written to a fixed buffer
/// and kept or overwritten. The slot and entry arrays ask Linux for transparent huge pages
/// (`pages`). Figures: docs/benchmarks.md.
#[derive(Debug, Clone)]
pub struct LcrIndex {
    carriers: Vec<Carrier>,
    /// One per 4-digit start `0000`..`9999`.
    buckets: Vec<Bucket>,
    /// The buckets' hash tables, concatenated in start order.
    slots: Pages<DeepSlot>,
    /// Per start, in start order: its resolved block (each carrier's first entry in the block;
    /// absent when that is the whole block), its block (the entries of its prefixes of 4, 3, 2
    /// and 1 digits, in that order; a short prefix's entries repeat in every start under it),
    /// then the entries of its longer prefixes that have more carriers than a slot holds inline,
    /// contiguous per prefix.
    entries: Pages<Entry>,
    /// Prefixes of 1 to 3 digits, for numbers shorter than 4 digits: key to range in `entries`.
    short: FxHashMap<u64, (u32, u32)>,
    /// Distinct validity windows of single-row prefixes (usually a handful).
    windows: Vec<(i64, i64)>,
}

/// What an [`LcrIndex`] holds for one 4-digit start (20 bytes).
#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    /// First entry of the start's resolved block in `entries`; equal to `block` when the block
    /// has no shadowed entry (then the block is its own resolved form).
    resolved: u32,
    /// The start's block in `entries` (`block..end`): entries of its prefixes of 4, 3, 2 and 1
    /// digits. The resolved block, when stored, is `resolved..block`.
    block: u32,
    end: u32,
    /// First slot of its hash table in `slots` (above [`BITS_WIDTH`] bits), and log2 of the
    /// table's size (the low bits; 0 when the start has no longer prefixes and no table).
    table: u32,
    /// Bit `n` set when some carrier has a prefix of `n` digits (more than 4) under the start:
    /// a lookup probes only those lengths.
    lengths: u32,
}

/// Entries in a 64-byte cache line.
const LINE_ENTRIES: usize = 8;

/// Low bits of [`Bucket::table`] holding the table's log2 size.
const BITS_WIDTH: u32 = 5;

/// A carrier's rows for one prefix (8 bytes, so one prefix's carriers share few cache lines).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C)]
struct Entry {
    /// First row in the carrier's deck.
    start: u32,
    /// Carrier position in `carriers` (low [`CARRIER_BITS`] bits), and above it the index in
    /// `windows` of the single row's validity window, or [`MULTI`] when the prefix has several
    /// rows or the window has no short index (then `version_at` decides).
    meta: u32,
}

/// Bits of [`Entry::meta`] holding the carrier position.
const CARRIER_BITS: u32 = 20;
/// [`Entry::meta`]'s window of a prefix with several rows (or a window past the short indexes).
const MULTI: u32 = (1 << (32 - CARRIER_BITS)) - 1;

impl Entry {
    fn new(carrier: usize, window: u32) -> Self {
        assert!(
            carrier < 1 << CARRIER_BITS,
            "LcrIndex holds at most 2^20 carriers"
        );
        Entry {
            start: 0,
            meta: carrier as u32 | window.min(MULTI) << CARRIER_BITS,
        }
    }

    #[inline]
    fn carrier(self) -> usize {
        (self.meta & ((1 << CARRIER_BITS) - 1)) as usize
    }

    #[inline]
    fn window(self) -> u32 {
        self.meta >> CARRIER_BITS
    }
}

/// A slot of a [`Bucket`]'s hash table (32 bytes, two to a cache line): the prefix key (0 when
/// empty) with, from bit [`INLINE_SHIFT`], how many of its entries are held inline (1 to
/// [`INLINE_MAX`]); with 0 there, `entries[0]` holds the prefix's `first..end` range in
/// [`LcrIndex::entries`] instead (start and meta fields).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[repr(C, align(32))]
struct DeepSlot {
    key: u64,
    entries: [Entry; INLINE_MAX],
}

/// Entries a [`DeepSlot`] holds inline.
const INLINE_MAX: usize = 3;
/// Bit of [`DeepSlot::key`] where the inline count starts (prefix keys use fewer than 60 bits).
const INLINE_SHIFT: u32 = 60;
/// The prefix key bits of [`DeepSlot::key`].
const KEY_BITS: u64 = (1 << INLINE_SHIFT) - 1;

impl Bucket {
    /// log2 of the table's size; 0 without a table.
    #[inline]
    fn bits(self) -> u32 {
        self.table & ((1 << BITS_WIDTH) - 1)
    }

    /// First slot of the table in `slots`.
    #[inline]
    fn first_slot(self) -> usize {
        (self.table >> BITS_WIDTH) as usize
    }

    /// The home slot of `key` in this bucket's table (which must exist): the top `bits` bits of
    /// its Fibonacci hash (see `prefix_table`).
    #[inline]
    fn home(self, key: u64) -> usize {
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - self.bits())) as usize
    }
}

/// Digits of the start that picks an [`LcrIndex`] bucket.
const TOP_DIGITS: usize = 4;
const TOP_SIZE: usize = 10_000;

/// `at` in Unix nanoseconds when strictly inside the `i64` range (where windows are exact).
#[inline]
fn window_instant(at: DateTime<Utc>) -> Option<i64> {
    at.timestamp_nanos_opt()
        .filter(|&ns| ns != i64::MIN && ns != i64::MAX)
}

/// One carrier's match for a number: its longest prefix in force.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate<'a> {
    /// The carrier.
    pub carrier: &'a Carrier,
    /// Its row.
    pub row: &'a RateRow,
}

impl LcrIndex {
    /// The indexed carriers.
    pub fn carriers(&self) -> &[Carrier] {
        &self.carriers
    }

    /// The entries of the prefix with key `key` in the table starting at slot `table` of `bits`
    /// bits of `slots`, probing from slot `i` whose value is `slot` (already read); empty when
    /// absent. `slots` and `entries` are the index's own (read once per lookup).
    #[inline]
    fn probe<'s>(
        slots: &'s [DeepSlot],
        entries: &'s [Entry],
        key: u64,
        table: usize,
        bits: u32,
        mut i: usize,
        mut slot_key: u64,
    ) -> &'s [Entry] {
        let mask = (1 << bits) - 1;
        loop {
            if slot_key & KEY_BITS == key {
                let slot = &slots[table + i];
                let inline = (slot_key >> INLINE_SHIFT) as usize;
                return if inline > 0 {
                    &slot.entries[..inline]
                } else {
                    let range = slot.entries[0];
                    &entries[range.start as usize..range.meta as usize]
                };
            }
            if slot_key == 0 {
                return &[];
            }
            i = (i + 1) & mask;
            slot_key = slots[table + i].key;
        }
    }

    /// Appends to `out` each carrier's longest-prefix row in force for `number` at `at` (clearing
    /// `out` first): deepest prefix first, in carrier order within a prefix. Reusing `out` avoids
    /// an allocation per lookup.
    pub fn candidates_into<'a>(
        &'a self,
        number: E164,
        at: DateTime<Utc>,
        out: &mut Vec<Candidate<'a>>,
    ) {
        out.clear();
        match window_instant(at) {
            Some(at_ns) if self.carriers.len() <= PICKS => {
                let mut picks = Picks {
                    index: self,
                    at,
                    live: self.live_windows(at_ns),
                    seen: 0,
                    count: 0,
                    entries: [Entry::default(); PICKS + 1],
                };
                self.visit(number, &mut picks);
                out.reserve(picks.count);
                for &entry in &picks.entries[..picks.count] {
                    let carrier = &self.carriers[entry.carrier()];
                    let row = if entry.window() == MULTI {
                        self.row_at(entry, at)
                    } else {
                        Some(&carrier.deck.rows()[entry.start as usize])
                    };
                    if let Some(row) = row {
                        out.push(Candidate { carrier, row });
                    }
                }
            }
            // Many carriers, or a time outside the nanosecond range: the exact path.
            _ => self.visit(
                number,
                &mut Exact {
                    index: self,
                    at,
                    seen: 0,
                    out,
                },
            ),
        }
    }

    /// Feeds `into` the entries that can match `number`, deepest prefix first: the longer
    /// prefixes' entries, then the start's resolved block (or its full block when a carrier's
    /// deepest row there is not in force).
    #[inline]
    fn visit(&self, number: E164, into: &mut impl Collect) {
        let (slots, entries) = (self.slots.as_slice(), self.entries.as_slice());
        let len = number.len().min(MAX_DIGITS);
        if len < TOP_DIGITS {
            let mut prefix = number.prefix(len);
            for _ in 0..len {
                if let Some(&(a, b)) = self.short.get(&prefix.key()) {
                    into.take(&entries[a as usize..b as usize]);
                }
                prefix = prefix.parent();
            }
            return;
        }
        let bucket = self.buckets[(number.prefix(TOP_DIGITS).key() >> 4) as usize];
        // Start loading the resolved block now, so its miss overlaps the probes below.
        std::hint::black_box(entries.get(bucket.resolved as usize).copied());
        let bits = bucket.bits();
        if bits > 0 {
            // The longer prefixes: read the home slot of every length first, so the loads
            // overlap, then take them deepest first.
            let table = bucket.first_slot();
            let mut probes = [(0u64, 0usize, 0u64); MAX_DIGITS];
            let mut count = 0;
            let mut prefix = number.prefix(len);
            for n in (TOP_DIGITS + 1..=len).rev() {
                if bucket.lengths & (1 << n) != 0 {
                    let key = prefix.key();
                    let i = bucket.home(key);
                    probes[count] = (key, i, slots[table + i].key);
                    count += 1;
                }
                prefix = prefix.parent();
            }
            for &(key, i, slot_key) in &probes[..count] {
                into.take(Self::probe(slots, entries, key, table, bits, i, slot_key));
            }
        }
        let (block, end) = (bucket.block as usize, bucket.end as usize);
        if bucket.resolved == bucket.block {
            into.take(&entries[block..end]);
            return;
        }
        let mark = into.mark();
        if !into.take(&entries[bucket.resolved as usize..block]) {
            // A carrier's deepest row is not in force: its answer may be a shorter prefix, so
            // take the full block instead.
            into.rollback(mark);
            into.take(&entries[block..end]);
        }
    }

    /// Bit `w` set when window `w` (of the first 64) holds `at_ns`.
    fn live_windows(&self, at_ns: i64) -> u64 {
        self.windows
            .iter()
            .take(64)
            .enumerate()
            .fold(0, |live, (w, &(from, to))| {
                live | u64::from(from <= at_ns && at_ns < to) << w
            })
    }

    /// The row of `entry` in force at `at`, if any.
    fn row_at(&self, entry: Entry, at: DateTime<Utc>) -> Option<&RateRow> {
        let rows = self.carriers[entry.carrier()].deck.rows();
        let start = entry.start as usize;
        match window_instant(at) {
            Some(ns) if entry.window() != MULTI => {
                let (from, to) = self.windows[entry.window() as usize];
                (from <= ns && ns < to).then(|| &rows[start])
            }
            _ => {
                let prefix = rows[start].prefix;
                let count = rows[start..]
                    .iter()
                    .take_while(|r| r.prefix == prefix)
                    .count();
                version_at(&rows[start..start + count], at)
            }
        }
    }
    /// Routes a call in `tier`: the ordered routes and the excluded carriers with reasons.
    pub fn route<'a>(&'a self, tier: &Tier, query: &RouteQuery<'a>) -> RoutePlan<'a> {
        let mut candidates = Vec::with_capacity(8);
        self.candidates_into(query.number, query.at, &mut candidates);
        let sell_row = query
            .sell
            .and_then(|deck| deck.lookup(query.number, query.at));
        let blocked = tier
            .blocked
            .iter()
            .copied()
            .filter(|p| query.number.starts_with(*p))
            .max_by_key(|p| p.len());
        let mut plan = RoutePlan {
            routes: Vec::with_capacity(candidates.len()),
            excluded: Vec::new(),
        };
        for candidate in candidates {
            let carrier = candidate.carrier;
            let exclude = |reason| Exclusion {
                carrier: carrier.id,
                reason,
            };
            if !tier.carriers.contains(&carrier.id) {
                plan.excluded.push(exclude(ExclusionReason::NotInTier));
                continue;
            }
            if let Some(prefix) = blocked {
                plan.excluded
                    .push(exclude(ExclusionReason::BlockedDestination(prefix)));
                continue;
            }
            if !carrier.enabled {
                plan.excluded
                    .push(exclude(ExclusionReason::CarrierDisabled));
                continue;
            }
            let period = if candidate.row.has_profile() {
                carrier.deck.schedule.period_at(query.at)
            } else {
                crate::deck::Period::Peak
            };
            let mut route = Route {
                carrier: carrier.id,
                row: candidate.row,
                rate: candidate.row.rate_for(period),
                margin_flags: Vec::new(),
            };
            if let (Some(sell_deck), Some(sell)) = (query.sell, sell_row) {
                let sell_rate = sell.rate_for(if sell.has_profile() {
                    sell_deck.schedule.period_at(query.at)
                } else {
                    crate::deck::Period::Peak
                });
                if route.rate > sell_rate {
                    plan.excluded.push(exclude(ExclusionReason::NegativeMargin {
                        buy: route.rate,
                        sell: sell_rate,
                    }));
                    continue;
                }
                if let Some(protection) = &tier.margin {
                    let losses =
                        protection.losses(&carrier.deck, candidate.row, sell_deck, sell, query);
                    if let Some(first) = losses.first().cloned() {
                        if protection.exclude {
                            plan.excluded.push(exclude(first));
                            continue;
                        }
                        route.margin_flags = losses;
                    }
                }
            }
            plan.routes.push(route);
        }
        strategy::order(
            &mut plan.routes,
            &tier.strategy,
            query.quality,
            query.call_id,
        );
        plan.excluded.sort_by_key(|e| e.carrier);
        plan
    }
}

#[cfg(test)]
mod tests;
