//! Sell rates: a customer rate card derived from carriers' buy decks.
//!
//! Per tier and per customer category a [`SellRule`] picks the base buy rate (lowest, Nth lowest,
//! or the average of the N lowest), applies a markup (percent, fixed per minute, or a target
//! margin), enforces a floor, and rounds up to the sell precision, so rounding never eats margin
//! (design/domain.md "Sell rate").

use crate::deck::{DeckError, RateDeck, RateRow};
use crate::increment::Increment;
use crate::money::{Currency, MoneyError, Rate, Rounding};
use crate::number::Prefix;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// Errors of sell-rate generation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SellError {
    /// A target margin must be below 100 percent.
    #[error("target margin {0}% is not below 100%")]
    MarginTooHigh(Decimal),
    /// A computed rate is not a valid rate.
    #[error("sell rate for {prefix}: {source}")]
    Rate {
        /// The prefix.
        prefix: Prefix,
        /// Why.
        source: MoneyError,
    },
    /// Buy decks in another currency than the card.
    #[error("buy deck in {found}, sell card in {expected}")]
    Currency {
        /// The card's currency code.
        expected: &'static str,
        /// The deck's.
        found: &'static str,
    },
    /// The rows do not form a deck.
    #[error(transparent)]
    Deck(#[from] DeckError),
}

/// How the sell rate is raised above the base buy rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Markup {
    /// base x (1 + p / 100); `Percent(20)` adds 20 %.
    Percent(Decimal),
    /// base + amount per minute.
    FixedPerMinute(Decimal),
    /// base / (1 - m / 100): `TargetMargin(20)` makes margin 20 % of the sell price.
    TargetMargin(Decimal),
}

/// Which buy rate the markup starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseRate {
    /// The cheapest carrier.
    Lowest,
    /// The Nth cheapest (1 = cheapest); the dearest available when fewer carriers have the prefix.
    NthLowest(usize),
    /// The average of the N cheapest (of all, when fewer).
    AverageOfLowest(usize),
}

/// One tier's and category's pricing rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellRule {
    /// The base.
    pub base: BaseRate,
    /// The markup.
    pub markup: Markup,
    /// Lowest sell rate per minute allowed.
    pub floor: Option<Decimal>,
    /// Decimals of sell rates (4 to 8); rounded up.
    pub decimals: u32,
    /// Increments of the card; `None` keeps the base carrier's.
    pub increment: Option<Increment>,
}

/// Rules per (tier, customer category), with a default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellRules {
    /// Specific rules keyed by tier name and customer category.
    pub rules: HashMap<(String, String), SellRule>,
    /// The rule for pairs without one.
    pub default: SellRule,
}

impl SellRules {
    /// The rule for `tier` and `category`.
    pub fn rule_for(&self, tier: &str, category: &str) -> &SellRule {
        self.rules
            .get(&(tier.to_string(), category.to_string()))
            .unwrap_or(&self.default)
    }
}

impl SellRule {
    /// The sell rate per minute for `buy_rates` (sorted ascending, not empty).
    ///
    /// Errors: [`SellError::MarginTooHigh`].
    pub fn price(&self, buy_rates: &[Decimal]) -> Result<Decimal, SellError> {
        let base = match self.base {
            BaseRate::Lowest => buy_rates[0],
            BaseRate::NthLowest(n) => buy_rates[n.clamp(1, buy_rates.len()) - 1],
            BaseRate::AverageOfLowest(n) => {
                let top = &buy_rates[..n.clamp(1, buy_rates.len())];
                top.iter().sum::<Decimal>() / Decimal::from(top.len())
            }
        };
        let hundred = Decimal::ONE_HUNDRED;
        let sell = match self.markup {
            Markup::Percent(p) => base * (Decimal::ONE + p / hundred),
            Markup::FixedPerMinute(amount) => base + amount,
            Markup::TargetMargin(m) if m >= hundred => return Err(SellError::MarginTooHigh(m)),
            Markup::TargetMargin(m) => base / (Decimal::ONE - m / hundred),
        };
        let sell = self.floor.map_or(sell, |floor| sell.max(floor));
        Ok(Rounding::Up.apply(
            sell,
            self.decimals.clamp(Rate::MIN_DECIMALS, Rate::MAX_DECIMALS),
        ))
    }
}

/// Builds a sell card in `currency` from `buy` decks: one row per prefix that any deck has in force
/// at `at`, priced from every deck's longest-prefix rate for it, effective from `at`.
///
/// Errors: [`SellError`].
pub fn generate_sell_card(
    buy: &[&RateDeck],
    rule: &SellRule,
    currency: Currency,
    at: DateTime<Utc>,
) -> Result<RateDeck, SellError> {
    if let Some(deck) = buy.iter().find(|d| d.currency() != currency) {
        return Err(SellError::Currency {
            expected: currency.code(),
            found: deck.currency().code(),
        });
    }
    let prefixes: BTreeSet<Prefix> = buy
        .iter()
        .flat_map(|deck| {
            deck.rows()
                .iter()
                .filter(|r| r.in_force(at))
                .map(|r| r.prefix)
        })
        .collect();
    let mut rows = Vec::with_capacity(prefixes.len());
    let mut matches: Vec<&RateRow> = Vec::with_capacity(buy.len());
    for prefix in prefixes {
        matches.clear();
        matches.extend(
            buy.iter()
                .filter_map(|deck| deck.lookup(prefix.as_number(), at)),
        );
        matches.sort_by_key(|r| r.rate);
        let rates: Vec<Decimal> = matches.iter().map(|r| r.rate.per_minute()).collect();
        let sell = rule.price(&rates)?;
        let base = matches[0];
        let mut row = RateRow::new(
            prefix,
            base.destination.clone(),
            Rate::new(sell).map_err(|source| SellError::Rate { prefix, source })?,
            at,
        );
        row.increment = rule.increment.unwrap_or(base.increment);
        row.connection_fee = matches
            .iter()
            .map(|r| r.connection_fee)
            .max()
            .unwrap_or_default();
        rows.push(row);
    }
    Ok(RateDeck::new(currency, rows)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn rule(base: BaseRate, markup: Markup) -> SellRule {
        SellRule {
            base,
            markup,
            floor: None,
            decimals: 4,
            increment: None,
        }
    }

    #[test]
    fn markups_bases_floor_and_round_up() {
        let rates = [d("0.0100"), d("0.0120"), d("0.0200")];
        let p = |r: SellRule| r.price(&rates).unwrap().to_string();
        assert_eq!(
            p(rule(BaseRate::Lowest, Markup::Percent(d("15")))),
            "0.0115"
        );
        assert_eq!(
            p(rule(
                BaseRate::NthLowest(2),
                Markup::FixedPerMinute(d("0.001"))
            )),
            "0.0130"
        );
        assert_eq!(
            p(rule(BaseRate::NthLowest(9), Markup::Percent(d("0")))),
            "0.0200"
        );
        // (0.01 + 0.012) / 2 = 0.011 / 0.7 = 0.0157142..., rounded up.
        assert_eq!(
            p(rule(
                BaseRate::AverageOfLowest(2),
                Markup::TargetMargin(d("30"))
            )),
            "0.0158"
        );
        let floored = SellRule {
            floor: Some(d("0.05")),
            ..rule(BaseRate::Lowest, Markup::Percent(d("10")))
        };
        assert_eq!(p(floored), "0.0500");
        assert!(
            rule(BaseRate::Lowest, Markup::TargetMargin(d("100")))
                .price(&rates)
                .is_err()
        );
    }

    #[test]
    fn card_covers_every_prefix_with_each_carriers_longest_match() {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let row = |p: &str, r: &str| {
            RateRow::new(Prefix::parse(p).unwrap(), p, Rate::parse(r).unwrap(), at)
        };
        let a = RateDeck::new(
            Currency::USD,
            vec![row("44", "0.010"), row("4477", "0.030")],
        )
        .unwrap();
        let b = RateDeck::new(Currency::USD, vec![row("44", "0.012")]).unwrap();
        let card = generate_sell_card(
            &[&a, &b],
            &rule(BaseRate::Lowest, Markup::Percent(d("10"))),
            Currency::USD,
            at,
        )
        .unwrap();
        let rows: Vec<String> = card
            .rows()
            .iter()
            .map(|r| format!("{} {}", r.prefix, r.rate))
            .collect();
        // 4477: carrier B's rate for it is its 44 rate (0.012), cheaper than A's 0.030.
        assert_eq!(rows, ["44 0.0110", "4477 0.0132"]);
        let eur = RateDeck::new(Currency::EUR, vec![]).unwrap();
        assert!(matches!(
            generate_sell_card(
                &[&eur],
                &rule(BaseRate::Lowest, Markup::Percent(d("10"))),
                Currency::USD,
                at
            ),
            Err(SellError::Currency { .. })
        ));
    }
}
