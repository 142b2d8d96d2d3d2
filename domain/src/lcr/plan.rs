//! A routing plan's types: the [`Tier`] that filters and orders carriers, the [`RouteQuery`] it
//! answers, the [`RoutePlan`] of routes and [`Exclusion`]s with their reasons, and
//! [`MarginProtection`], which prices typical calls on both sides.

use super::{CallOutcome, CarrierId, FailoverDecision, FailoverPolicy, Quality, Strategy};
use crate::deck::{RateDeck, RateRow};
use crate::money::Rate;
use crate::number::{E164, Prefix};
use crate::rating::{Call, RatingOptions, price_row};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

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
    pub(super) fn losses(
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
