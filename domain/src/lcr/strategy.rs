//! Route ordering strategies.

use super::{CarrierId, Route};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Quality figures of a carrier for a destination, measured elsewhere and passed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quality {
    /// Answer seizure ratio, 0 to 1 (answered / attempted).
    pub asr: Decimal,
    /// Average call duration of answered calls, in seconds.
    pub acd_secs: u32,
}

/// How a tier orders the carriers that can take a call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Cheapest rate per minute first; ties by carrier id.
    LowestCost,
    /// Cheapest per unit of quality first: rate / (ASR x min(ACD / `target_acd_secs`, 1)), the
    /// quality floored at 0.01. Carriers without figures use `default_quality`.
    QualityWeighted {
        /// ACD at and above which a carrier gets full marks, in seconds.
        target_acd_secs: u32,
        /// Figures for carriers that have none yet.
        default_quality: Quality,
    },
    /// Carriers in the listed order; unlisted ones after, cheapest first.
    Priority(Vec<CarrierId>),
    /// The first carrier is drawn by weight, deterministically from the call id; the others follow
    /// cheapest first for failover. Weights are relative (e.g. 70 / 30).
    PercentageSplit(Vec<(CarrierId, u32)>),
}

/// FNV-1a, 64 bit: a stable hash of the call id, so the same call id always draws the same carrier,
/// on every machine and version.
pub fn split_hash(call_id: &str) -> u64 {
    call_id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn quality_score(q: &Quality, target_acd_secs: u32) -> Decimal {
    let acd = if target_acd_secs == 0 {
        Decimal::ONE
    } else {
        (Decimal::from(q.acd_secs) / Decimal::from(target_acd_secs)).min(Decimal::ONE)
    };
    (q.asr.clamp(Decimal::ZERO, Decimal::ONE) * acd).max(Decimal::new(1, 2))
}

/// Orders `routes` by `strategy` (stable; cost then carrier id break ties).
pub(crate) fn order(
    routes: &mut [Route<'_>],
    strategy: &Strategy,
    quality: &HashMap<CarrierId, Quality>,
    call_id: &str,
) {
    routes.sort_by_key(|r| (r.rate, r.carrier));
    match strategy {
        Strategy::LowestCost => {}
        Strategy::QualityWeighted {
            target_acd_secs,
            default_quality,
        } => {
            let score = |r: &Route<'_>| {
                let q = quality.get(&r.carrier).unwrap_or(default_quality);
                r.rate.per_minute() / quality_score(q, *target_acd_secs)
            };
            routes.sort_by_cached_key(|r| (score(r), r.carrier));
        }
        Strategy::Priority(list) => {
            routes.sort_by_key(|r| {
                list.iter()
                    .position(|c| *c == r.carrier)
                    .unwrap_or(usize::MAX)
            });
        }
        Strategy::PercentageSplit(weights) => {
            let total: u64 = weights
                .iter()
                .filter(|(c, _)| routes.iter().any(|r| r.carrier == *c))
                .map(|(_, w)| u64::from(*w))
                .sum();
            if total == 0 {
                return;
            }
            let mut draw = split_hash(call_id) % total;
            let chosen = weights
                .iter()
                .filter(|(c, _)| routes.iter().any(|r| r.carrier == *c))
                .find(|(_, w)| {
                    if draw < u64::from(*w) {
                        true
                    } else {
                        draw -= u64::from(*w);
                        false
                    }
                })
                .map(|(c, _)| *c);
            if let Some(pos) = routes.iter().position(|r| Some(r.carrier) == chosen) {
                routes[..=pos].rotate_right(1);
            }
        }
    }
}
