//! Least-cost routing: which carriers may take a call, in what order, and why others may not.
//!
//! [`LcrIndex`] merges many carriers' decks into one prefix map, so a lookup probes each prefix
//! length of the number once for all carriers and keeps, per carrier, its longest prefix with a rate
//! in force. A [`Tier`] (a routing plan: Premium, Standard, Economy...) filters and orders them with
//! a [`Strategy`], reports every [`Exclusion`] with its reason, and applies margin protection against
//! the customer's sell rate (design/domain.md "LCR", issue 4 §5).

mod failover;
mod strategy;

pub use failover::{CALLEE_ANSWERS, CallOutcome, FailoverDecision, FailoverPolicy};
pub use strategy::{Quality, Strategy, split_hash};

use crate::deck::{RateDeck, RateRow, RateStatus, version_at};
use crate::money::Rate;
use crate::number::{E164, MAX_DIGITS, Prefix};
use crate::rating::{Call, RatingOptions, price_row};
use crate::trie::{DigitTrie, NodeData};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

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
#[derive(Debug, Clone)]
pub struct LcrIndex {
    carriers: Vec<Carrier>,
    /// Digit trie over every carrier's prefixes; a node's range indexes `entries`.
    trie: DigitTrie<Entry>,
    /// One per (prefix, carrier), contiguous per prefix.
    entries: Vec<Entry>,
    /// Distinct validity windows of single-row prefixes (usually a handful).
    windows: Vec<(i64, i64)>,
}

/// A carrier's rows for one prefix (12 bytes, so one prefix's carriers share few cache lines).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Entry {
    /// Carrier position in `carriers`.
    carrier: u32,
    /// First row in the carrier's deck.
    start: u32,
    /// Index in `windows` of the single row's validity window, or [`MULTI`] when the prefix has
    /// several rows (then `version_at` decides).
    window: u32,
}

/// [`Entry::window`] of a prefix with several rows.
const MULTI: u32 = u32::MAX;

/// Unix nanoseconds of `at`, saturated to the `i64` range.
fn saturated_nanos(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt().unwrap_or(if at.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// The window `from_ns..to_ns` (Unix nanoseconds, saturated) in which a single row is in force:
/// for `at_ns` strictly inside the `i64` range, `from_ns <= at_ns < to_ns` iff `row.in_force(at)`.
fn window_of(row: &RateRow) -> (i64, i64) {
    if row.status == Some(RateStatus::Deleted) {
        // Never in force: an empty window.
        (i64::MAX, i64::MIN)
    } else {
        (
            saturated_nanos(row.effective_from),
            row.effective_to.map_or(i64::MAX, saturated_nanos),
        )
    }
}

/// `at` in Unix nanoseconds when strictly inside the `i64` range (where windows are exact).
#[inline]
fn window_instant(at: DateTime<Utc>) -> Option<i64> {
    at.timestamp_nanos_opt()
        .filter(|&ns| ns != i64::MIN && ns != i64::MAX)
}

/// Interns `window` in `windows` (deduplicated through `ids`) and returns its index.
fn intern_window(
    windows: &mut Vec<(i64, i64)>,
    ids: &mut FxHashMap<(i64, i64), u32>,
    window: (i64, i64),
) -> u32 {
    *ids.entry(window).or_insert_with(|| {
        windows.push(window);
        (windows.len() - 1) as u32
    })
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
    /// Indexes the carriers' decks.
    pub fn new(carriers: Vec<Carrier>) -> Self {
        let mut trie = DigitTrie::default();
        let mut windows: Vec<(i64, i64)> = Vec::new();
        let mut window_ids: FxHashMap<(i64, i64), u32> = FxHashMap::default();
        let mut keyed: Vec<(u32, Entry)> = Vec::new();
        for (position, carrier) in carriers.iter().enumerate() {
            let rows = carrier.deck.rows();
            let mut start = 0usize;
            for (prefix, group) in carrier.deck.prefix_groups() {
                let node = trie.insert(prefix);
                let window = match group {
                    [row] => intern_window(&mut windows, &mut window_ids, window_of(row)),
                    _ => MULTI,
                };
                keyed.push((
                    node,
                    Entry {
                        carrier: position as u32,
                        start: start as u32,
                        window,
                    },
                ));
                start += group.len();
            }
            debug_assert_eq!(start, rows.len());
        }
        let new_id = trie.finish();
        for (node, _) in &mut keyed {
            *node = new_id[*node as usize];
        }
        // Stable: within a node, entries stay in carrier position order.
        keyed.sort_by_key(|(node, _)| *node);
        let mut entries = Vec::with_capacity(keyed.len());
        for group in keyed.chunk_by(|a, b| a.0 == b.0) {
            let first = entries.len() as u32;
            entries.extend(group.iter().map(|(_, entry)| *entry));
            trie.set_range(group[0].0, first, entries.len() as u32, group[0].1);
        }
        LcrIndex {
            carriers,
            trie,
            entries,
            windows,
        }
    }

    /// The indexed carriers.
    pub fn carriers(&self) -> &[Carrier] {
        &self.carriers
    }

    /// Appends to `out` each carrier's longest-prefix row in force for `number` at `at` (clearing
    /// `out` first), in no particular order. Reusing `out` avoids an allocation per lookup.
    pub fn candidates_into<'a>(
        &'a self,
        number: E164,
        at: DateTime<Utc>,
        out: &mut Vec<Candidate<'a>>,
    ) {
        out.clear();
        // Outside the i64 nanosecond range every entry takes the exact path.
        let at_ns = window_instant(at);
        let mut path = [NodeData::default(); MAX_DIGITS];
        let depth = self.trie.path(number, &mut path);
        let mut seen = 0u64;
        for node in path[..depth].iter().rev() {
            let entries = match node.end - node.first {
                1 => std::slice::from_ref(&node.single),
                _ => &self.entries[node.first as usize..node.end as usize],
            };
            for entry in entries {
                let position = entry.carrier as usize;
                let already = if position < 64 {
                    seen & (1 << position) != 0
                } else {
                    let carrier = &self.carriers[position];
                    out.iter().any(|c| std::ptr::eq(c.carrier, carrier))
                };
                if already {
                    continue;
                }
                let carrier = &self.carriers[position];
                let rows = carrier.deck.rows();
                let start = entry.start as usize;
                let row = match at_ns {
                    Some(ns) if entry.window != MULTI => {
                        let (from, to) = self.windows[entry.window as usize];
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
                };
                if let Some(row) = row {
                    if position < 64 {
                        seen |= 1 << position;
                    }
                    out.push(Candidate { carrier, row });
                }
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

/// Compares buy cost and sell price at typical call durations, with both sides' increments and
/// connection fees: a route cheaper per minute can still lose money on short calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarginProtection {
    /// Durations to check, in seconds (e.g. 15 and 60).
    pub durations_secs: Vec<u32>,
    /// Also check the destination's ACD from the query's quality figures, when known.
    pub include_acd: bool,
    /// Exclude losing routes (true) or keep them with [`Route::margin_flags`] (false).
    pub exclude: bool,
}

impl Default for MarginProtection {
    /// 15 s and 60 s plus the ACD, excluding losing routes.
    fn default() -> Self {
        MarginProtection {
            durations_secs: vec![15, 60],
            include_acd: true,
            exclude: true,
        }
    }
}

impl MarginProtection {
    fn losses(
        &self,
        buy_deck: &RateDeck,
        buy: &RateRow,
        sell_deck: &RateDeck,
        sell: &RateRow,
        query: &RouteQuery<'_>,
    ) -> Vec<ExclusionReason> {
        let mut durations = self.durations_secs.clone();
        if self.include_acd
            && let Some(acd) = query.acd_secs
        {
            durations.push(acd);
        }
        let options = RatingOptions::default();
        durations
            .into_iter()
            .filter_map(|secs| {
                let call = Call {
                    number: query.number,
                    start: query.at,
                    duration_secs: secs,
                    answered: true,
                };
                let cost = price_row(buy_deck, buy, &call, &options).unrounded;
                let price = price_row(sell_deck, sell, &call, &options).unrounded;
                (cost > price).then_some(ExclusionReason::LosesMoneyAt {
                    duration_secs: secs,
                    cost,
                    price,
                })
            })
            .collect()
    }
}

/// A routing plan for one quality tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    /// Its name ("Premium").
    pub name: String,
    /// Carriers allowed to carry its calls.
    pub carriers: Vec<CarrierId>,
    /// How they are ordered.
    pub strategy: Strategy,
    /// When to try the next route.
    pub failover: FailoverPolicy,
    /// Destinations it never routes (fraud-prone ranges, premium-rate numbers).
    pub blocked: Vec<Prefix>,
    /// Margin protection; `None` checks only rate per minute against the sell rate.
    pub margin: Option<MarginProtection>,
}

/// What is being routed.
#[derive(Debug, Clone, Copy)]
pub struct RouteQuery<'a> {
    /// The dialled number.
    pub number: E164,
    /// The call's start (rates in force then).
    pub at: DateTime<Utc>,
    /// The call id, for percentage splits.
    pub call_id: &'a str,
    /// The customer's sell card; routes dearer than it are excluded.
    pub sell: Option<&'a RateDeck>,
    /// ASR/ACD per carrier for this destination.
    pub quality: &'a HashMap<CarrierId, Quality>,
    /// The destination's ACD in seconds, for margin protection.
    pub acd_secs: Option<u32>,
}

/// A usable route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route<'a> {
    /// The carrier.
    pub carrier: CarrierId,
    /// The carrier's matched row.
    pub row: &'a RateRow,
    /// Its rate per minute in the call's time band.
    pub rate: Rate,
    /// Durations at which it loses money, when margin protection only flags.
    pub margin_flags: Vec<ExclusionReason>,
}

/// Why a carrier that has a rate for the number was left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionReason {
    /// The tier blocks this prefix.
    BlockedDestination(Prefix),
    /// The carrier is disabled.
    CarrierDisabled,
    /// The carrier is not in the tier.
    NotInTier,
    /// Its rate per minute is above the sell rate.
    NegativeMargin {
        /// Buy rate per minute.
        buy: Rate,
        /// Sell rate per minute.
        sell: Rate,
    },
    /// A call of this duration costs more than it sells for (increments and fees included).
    LosesMoneyAt {
        /// The duration checked, in seconds.
        duration_secs: u32,
        /// Buy cost, unrounded.
        cost: Decimal,
        /// Sell price, unrounded.
        price: Decimal,
    },
}

/// A carrier left out, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusion {
    /// The carrier.
    pub carrier: CarrierId,
    /// Why.
    pub reason: ExclusionReason,
}

/// The answer to a routing query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoutePlan<'a> {
    /// Routes to try, in order.
    pub routes: Vec<Route<'a>>,
    /// Carriers with a rate that were left out, by carrier id.
    pub excluded: Vec<Exclusion>,
}

impl<'a> RoutePlan<'a> {
    /// The route to try after route `attempt` (0-based) ended with `outcome`, per `policy`;
    /// `None` when the policy says stop or no route is left.
    pub fn next_after(
        &self,
        attempt: usize,
        outcome: CallOutcome,
        policy: &FailoverPolicy,
    ) -> Option<&Route<'a>> {
        match policy.decide(outcome) {
            FailoverDecision::TryNext => self.routes.get(attempt + 1),
            FailoverDecision::Stop => None,
        }
    }
}

#[cfg(test)]
mod tests;
