//! Currency conversion of charges with stored exchange rates.
//!
//! Rates come as Open Exchange Rates publishes them (<https://docs.openexchangerates.org/reference/latest-json>):
//! against one base currency, `1 base = rate quote`. The rate from one currency to another is
//! the cross rate `rate(to) / rate(from)` (the base's own rate is 1), rounded to
//! [`RATE_DECIMALS`] decimals half away from zero; that rounded rate is the one applied and
//! stored beside the converted amount, so anyone can redo the sum. A converted amount is
//! rounded to the caller's decimals half away from zero, as rated amounts are
//! ([`crate::money::Rounding::HalfUp`]).
//!
//! Rates older than the caller's limit are refused rather than used: charging a customer at a
//! rate from last month is a billing error, not a convenience.

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::HashMap;

/// Decimals of a cross rate as applied and stored (e.g. `1.08430000`).
pub const RATE_DECIMALS: u32 = 8;

/// Why an amount cannot be converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FxError {
    /// No rate is known for one of the currencies.
    #[error("no {from}→{to} exchange rate is known: the FX job has not fetched {missing}")]
    Missing {
        /// ISO 4217 code converted from.
        from: String,
        /// ISO 4217 code converted to.
        to: String,
        /// The currency without a rate.
        missing: String,
    },
    /// The newest rates are older than allowed.
    #[error(
        "the {from}→{to} exchange rate is from {as_of}, older than {max_age_hours} h: the FX job must fetch fresh rates"
    )]
    Stale {
        /// ISO 4217 code converted from.
        from: String,
        /// ISO 4217 code converted to.
        to: String,
        /// When the rates were published (`YYYY-MM-DD HH:MM UTC`).
        as_of: String,
        /// The limit, hours.
        max_age_hours: i64,
    },
    /// A rate is zero or negative, or the amount overflows.
    #[error("the {from}→{to} conversion is not usable (a zero rate or an amount too large)")]
    Unusable {
        /// ISO 4217 code converted from.
        from: String,
        /// ISO 4217 code converted to.
        to: String,
    },
}

/// The rates of one fetch: `1 base = rates[quote] quote`, published at `as_of`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FxRates {
    base: String,
    as_of: DateTime<Utc>,
    rates: HashMap<String, Decimal>,
}

/// An amount converted, with the rate applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Converted {
    /// The amount in the target currency, rounded.
    pub amount: Decimal,
    /// `1 from = rate to`, rounded to [`RATE_DECIMALS`].
    pub rate: Decimal,
}

impl FxRates {
    /// Rates against `base` (ISO 4217, e.g. `USD`) published at `as_of`.
    pub fn new(base: &str, as_of: DateTime<Utc>) -> Self {
        FxRates {
            base: base.to_ascii_uppercase(),
            as_of,
            rates: HashMap::new(),
        }
    }

    /// Adds `1 base = rate quote`.
    pub fn insert(&mut self, quote: &str, rate: Decimal) {
        self.rates.insert(quote.to_ascii_uppercase(), rate);
    }

    /// When the rates were published.
    pub fn as_of(&self) -> DateTime<Utc> {
        self.as_of
    }

    /// The base currency.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn of(&self, currency: &str) -> Option<Decimal> {
        if currency == self.base {
            Some(Decimal::ONE)
        } else {
            self.rates.get(currency).copied()
        }
    }

    /// `1 from = x to` at `now`, rounded to [`RATE_DECIMALS`]; 1 for the same currency.
    ///
    /// # Errors
    /// [`FxError::Missing`] without a rate for either currency, [`FxError::Stale`] when the
    /// rates are more than `max_age_hours` older than `now`, [`FxError::Unusable`] for a rate
    /// that is not positive.
    pub fn cross(
        &self,
        from: &str,
        to: &str,
        now: DateTime<Utc>,
        max_age_hours: i64,
    ) -> Result<Decimal, FxError> {
        let (from, to) = (from.to_ascii_uppercase(), to.to_ascii_uppercase());
        if from == to {
            return Ok(Decimal::ONE);
        }
        let missing = |c: &str| FxError::Missing {
            from: from.clone(),
            to: to.clone(),
            missing: c.to_owned(),
        };
        let rate_from = self.of(&from).ok_or_else(|| missing(&from))?;
        let rate_to = self.of(&to).ok_or_else(|| missing(&to))?;
        if now - self.as_of > chrono::Duration::hours(max_age_hours) {
            return Err(FxError::Stale {
                from,
                to,
                as_of: self.as_of.format("%Y-%m-%d %H:%M UTC").to_string(),
                max_age_hours,
            });
        }
        let unusable = || FxError::Unusable {
            from: from.clone(),
            to: to.clone(),
        };
        if rate_from <= Decimal::ZERO || rate_to <= Decimal::ZERO {
            return Err(unusable());
        }
        let rate = rate_to
            .checked_div(rate_from)
            .ok_or_else(unusable)?
            .round_dp_with_strategy(RATE_DECIMALS, RoundingStrategy::MidpointAwayFromZero);
        if rate.is_zero() {
            return Err(unusable());
        }
        Ok(rate.normalize())
    }

    /// `amount` of `from` in `to`, rounded to `decimals` half away from zero, with the rate
    /// applied (see [`FxRates::cross`]).
    ///
    /// # Errors
    /// As [`FxRates::cross`]; [`FxError::Unusable`] when the product overflows.
    pub fn convert(
        &self,
        amount: Decimal,
        from: &str,
        to: &str,
        decimals: u32,
        now: DateTime<Utc>,
        max_age_hours: i64,
    ) -> Result<Converted, FxError> {
        let rate = self.cross(from, to, now, max_age_hours)?;
        let amount = amount
            .checked_mul(rate)
            .ok_or_else(|| FxError::Unusable {
                from: from.to_ascii_uppercase(),
                to: to.to_ascii_uppercase(),
            })?
            .round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero);
        Ok(Converted { amount, rate })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn rates() -> FxRates {
        let mut r = FxRates::new("USD", Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap());
        r.insert("EUR", dec("0.922337"));
        r.insert("GBP", dec("0.787654"));
        r.insert("JPY", dec("151.42"));
        r
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap()
    }

    #[test]
    fn cross_rates_divide_and_round_to_eight_decimals() {
        let r = rates();
        assert_eq!(r.cross("USD", "EUR", now(), 48).unwrap(), dec("0.922337"));
        // 1 / 0.922337 = 1.0842024119...
        assert_eq!(r.cross("eur", "usd", now(), 48).unwrap(), dec("1.08420241"));
        // 0.787654 / 0.922337 = 0.8539763665...
        assert_eq!(r.cross("EUR", "GBP", now(), 48).unwrap(), dec("0.85397637"));
        assert_eq!(r.cross("GBP", "GBP", now(), 0).unwrap(), Decimal::ONE);
    }

    #[test]
    fn amounts_round_half_away_from_zero_at_the_callers_decimals() {
        let r = rates();
        // 0.0125 EUR × 1.08420241 = 0.0135525301... → 0.0136 at 4 decimals.
        let c = r
            .convert(dec("0.0125"), "EUR", "USD", 4, now(), 48)
            .unwrap();
        assert_eq!((c.amount, c.rate), (dec("0.0136"), dec("1.08420241")));
        let c = r.convert(dec("-2.5"), "USD", "JPY", 0, now(), 48).unwrap();
        assert_eq!(c.amount, dec("-379")); // -378.55
    }

    #[test]
    fn missing_stale_and_zero_rates_say_why() {
        let mut r = rates();
        assert_eq!(
            r.cross("EUR", "CHF", now(), 48).unwrap_err().to_string(),
            "no EUR→CHF exchange rate is known: the FX job has not fetched CHF"
        );
        let late = Utc.with_ymd_and_hms(2026, 12, 3, 0, 0, 1).unwrap();
        assert_eq!(
            r.cross("EUR", "USD", late, 48).unwrap_err().to_string(),
            "the EUR→USD exchange rate is from 2026-11-30 12:00 UTC, older than 48 h: the FX job must fetch fresh rates"
        );
        r.insert("XXX", Decimal::ZERO);
        assert!(matches!(
            r.cross("XXX", "USD", now(), 48),
            Err(FxError::Unusable { .. })
        ));
    }

    proptest! {
        /// Converting there and back lands within the rounding of both legs.
        #[test]
        fn there_and_back_stays_within_rounding(cents in 1i64..10_000_000, eur in 500i64..2_000_000) {
            let mut r = FxRates::new("USD", now());
            r.insert("EUR", Decimal::new(eur, 6));
            let amount = Decimal::new(cents, 2);
            let there = r.convert(amount, "USD", "EUR", 4, now(), 1).unwrap();
            let back = r.convert(there.amount, "EUR", "USD", 4, now(), 1).unwrap();
            let tolerance = (Decimal::new(5, 5) * back.rate + Decimal::new(5, 5))
                + amount * (Decimal::ONE - there.rate * back.rate).abs();
            prop_assert!((back.amount - amount).abs() <= tolerance + Decimal::new(1, 4));
        }
    }
}
