//! Money, per-minute rates and the single rounding step of rating.
//!
//! Amounts are [`rust_decimal::Decimal`], never `f64` (cgrates master priced calls in float64 and had
//! to move to decimals). A [`Money`] carries its ISO 4217 currency; a [`Rate`] is a price per minute
//! kept with 4 to 8 decimals. Rating keeps full precision throughout and rounds once, at the end,
//! with a stated [`Rounding`] mode to the currency's sub-unit precision or a platform-chosen one
//! (design/domain.md, "Billing increments").

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

pub use iso_currency::Currency;

/// Errors of [`Money`], [`Rate`] and currency parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The text is not a decimal number (e.g. `"abc"`, `"1.2.3"`).
    #[error("`{0}` is not a decimal number")]
    NotANumber(String),
    /// A rate or price may not be negative.
    #[error("`{0}` is negative")]
    Negative(String),
    /// A rate has more than [`Rate::MAX_DECIMALS`] significant decimals.
    #[error("`{0}` has more than 8 decimals")]
    TooPrecise(String),
    /// The code is not an ISO 4217 currency code.
    #[error("`{0}` is not an ISO 4217 currency code")]
    UnknownCurrency(String),
    /// Two amounts in different currencies were combined.
    #[error("currency mismatch: {0} and {1}")]
    CurrencyMismatch(&'static str, &'static str),
}

/// Parses an ISO 4217 code such as `"USD"` (case-insensitive).
///
/// Errors: [`MoneyError::UnknownCurrency`].
pub fn parse_currency(code: &str) -> Result<Currency, MoneyError> {
    Currency::from_code(&code.trim().to_ascii_uppercase())
        .ok_or_else(|| MoneyError::UnknownCurrency(code.to_string()))
}

/// The number of decimals of a currency's minor unit (USD 2, JPY 0, BHD 3); 2 for currencies that
/// ISO 4217 gives no exponent (e.g. XAU).
pub fn minor_unit_decimals(currency: Currency) -> u32 {
    currency.exponent().map(u32::from).unwrap_or(2)
}

/// How the single rounding step of a price goes.
///
/// Half-up is the default for costs (buy side); [`Rounding::Up`] is used for sell prices so that
/// rounding never loses margin (issue 4, "Rating").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Nearest, halves away from zero: 0.125 -> 0.13.
    #[default]
    HalfUp,
    /// Nearest, halves to even (banker's rounding): 0.125 -> 0.12.
    HalfEven,
    /// Towards positive infinity for positive amounts: 0.121 -> 0.13.
    Up,
    /// Towards zero (truncation): 0.129 -> 0.12.
    Down,
}

impl Rounding {
    /// Rounds `value` to `decimals` decimal places with this mode; the result always shows exactly
    /// `decimals` places (0 -> 0.00).
    pub fn apply(self, value: Decimal, decimals: u32) -> Decimal {
        let strategy = match self {
            Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
            Rounding::Up => RoundingStrategy::AwayFromZero,
            Rounding::Down => RoundingStrategy::ToZero,
        };
        let mut rounded = value.round_dp_with_strategy(decimals, strategy);
        rounded.rescale(decimals);
        rounded
    }
}

/// An amount of money in one currency, e.g. `Money::new(dec!(1.25), Currency::USD)`.
///
/// The amount keeps whatever precision it was given; [`Money::rounded`] is the one place precision
/// is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The amount in major units (dollars, euros), exact.
    pub amount: Decimal,
    /// The ISO 4217 currency.
    pub currency: Currency,
}

impl Money {
    /// Money of `amount` major units in `currency`.
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Self {
        Money::new(Decimal::ZERO, currency)
    }

    /// Parses a decimal amount such as `"12.3456"` in `currency`.
    ///
    /// Errors: [`MoneyError::NotANumber`].
    pub fn parse(amount: &str, currency: Currency) -> Result<Self, MoneyError> {
        let amount = Decimal::from_str(amount.trim())
            .map_err(|_| MoneyError::NotANumber(amount.to_string()))?;
        Ok(Money::new(amount, currency))
    }

    /// This amount rounded to `decimals` places with `mode`.
    pub fn rounded(self, decimals: u32, mode: Rounding) -> Self {
        Money::new(mode.apply(self.amount, decimals), self.currency)
    }

    /// This amount rounded to the currency's minor unit (cents for USD) with `mode`.
    pub fn rounded_to_minor(self, mode: Rounding) -> Self {
        self.rounded(minor_unit_decimals(self.currency), mode)
    }

    /// The amount in minor units (cents), after rounding to them with `mode`; `None` if it does
    /// not fit in an `i64`.
    pub fn to_minor_units(self, mode: Rounding) -> Option<i64> {
        let decimals = minor_unit_decimals(self.currency);
        let scaled = mode.apply(self.amount, decimals) * Decimal::from(10i64.pow(decimals));
        i64::try_from(scaled.trunc()).ok()
    }

    /// The sum of two amounts of the same currency.
    ///
    /// Errors: [`MoneyError::CurrencyMismatch`].
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        Ok(Money::new(self.amount + other.amount, self.currency))
    }

    /// `self - other` in the same currency (may be negative, e.g. a margin).
    ///
    /// Errors: [`MoneyError::CurrencyMismatch`].
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        Ok(Money::new(self.amount - other.amount, self.currency))
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(
                self.currency.code(),
                other.currency.code(),
            ))
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency.code())
    }
}

/// A price per minute, at least 0, kept with 4 to 8 decimals (`"0.1"` is held as `0.1000`).
///
/// The currency is the deck's; a rate alone has none. Source: design/domain.md ("keep 4+ decimals
/// in rates") and issue 4 ("at least 4, up to 8, decimals").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Rate(Decimal);

impl Rate {
    /// Decimals every rate is shown with at least.
    pub const MIN_DECIMALS: u32 = 4;
    /// Most significant decimals a rate may have.
    pub const MAX_DECIMALS: u32 = 8;
    /// A rate of zero per minute (free destinations such as emergency numbers).
    pub const ZERO: Rate = Rate(Decimal::ZERO);

    /// A rate from a decimal per minute.
    ///
    /// Errors: [`MoneyError::Negative`], [`MoneyError::TooPrecise`] (more than 8 significant decimals).
    pub fn new(per_minute: Decimal) -> Result<Self, MoneyError> {
        if per_minute.is_sign_negative() && !per_minute.is_zero() {
            return Err(MoneyError::Negative(per_minute.to_string()));
        }
        let mut value = per_minute.normalize();
        if value.scale() > Self::MAX_DECIMALS {
            return Err(MoneyError::TooPrecise(per_minute.to_string()));
        }
        if value.scale() < Self::MIN_DECIMALS {
            value.rescale(Self::MIN_DECIMALS);
        }
        Ok(Rate(value))
    }

    /// Parses a plain decimal per minute such as `"0.0123"`.
    ///
    /// Errors: [`MoneyError::NotANumber`], [`MoneyError::Negative`], [`MoneyError::TooPrecise`].
    pub fn parse(text: &str) -> Result<Self, MoneyError> {
        let value =
            Decimal::from_str(text.trim()).map_err(|_| MoneyError::NotANumber(text.to_string()))?;
        Rate::new(value)
    }

    /// The price per minute.
    pub fn per_minute(self) -> Decimal {
        self.0
    }

    /// The unrounded price of `seconds` billed seconds: `per_minute * seconds / 60`.
    pub fn cost_of(self, seconds: u32) -> Decimal {
        self.0 * Decimal::from(seconds) / Decimal::from(60)
    }
}

impl TryFrom<Decimal> for Rate {
    type Error = MoneyError;
    fn try_from(value: Decimal) -> Result<Self, Self::Error> {
        Rate::new(value)
    }
}

impl From<Rate> for Decimal {
    fn from(rate: Rate) -> Self {
        rate.0
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Rate {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rate::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn rate_keeps_four_to_eight_decimals() {
        assert_eq!(Rate::parse("0.1").unwrap().to_string(), "0.1000");
        assert_eq!(Rate::parse("0.12345678").unwrap().to_string(), "0.12345678");
        assert_eq!(Rate::parse("1.500000000").unwrap().to_string(), "1.5000");
        assert!(matches!(
            Rate::parse("0.123456789"),
            Err(MoneyError::TooPrecise(_))
        ));
        assert!(matches!(Rate::parse("-0.1"), Err(MoneyError::Negative(_))));
        assert!(matches!(Rate::parse("x"), Err(MoneyError::NotANumber(_))));
    }

    #[test]
    fn rounding_modes_differ_on_halves_and_remainders() {
        assert_eq!(Rounding::HalfUp.apply(d("0.125"), 2), d("0.13"));
        assert_eq!(Rounding::HalfEven.apply(d("0.125"), 2), d("0.12"));
        assert_eq!(Rounding::Up.apply(d("0.121"), 2), d("0.13"));
        assert_eq!(Rounding::Down.apply(d("0.129"), 2), d("0.12"));
    }

    #[test]
    fn money_rounds_to_the_currency_minor_unit() {
        let usd = Money::new(d("1.23456"), Currency::USD);
        assert_eq!(usd.rounded_to_minor(Rounding::HalfUp).amount, d("1.23"));
        assert_eq!(usd.to_minor_units(Rounding::Up), Some(124));
        let jpy = Money::new(d("100.5"), Currency::JPY);
        assert_eq!(jpy.rounded_to_minor(Rounding::HalfUp).amount, d("101"));
        assert_eq!(
            Money::zero(Currency::USD).checked_add(Money::zero(Currency::EUR)),
            Err(MoneyError::CurrencyMismatch("USD", "EUR"))
        );
        assert_eq!(parse_currency("eur"), Ok(Currency::EUR));
        assert!(parse_currency("XYZ").is_err());
    }

    #[test]
    fn rate_cost_is_per_minute_pro_rata() {
        let rate = Rate::parse("0.06").unwrap();
        assert_eq!(rate.cost_of(30), d("0.03"));
        assert_eq!(rate.cost_of(0), Decimal::ZERO);
    }
}
