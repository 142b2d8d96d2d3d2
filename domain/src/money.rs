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

    /// The unrounded price of `seconds` billed seconds: `per_minute * seconds / 60`, exactly as
    /// `Decimal` arithmetic gives it (value and scale), computed on integers when it can be.
    pub fn cost_of(self, seconds: u32) -> Decimal {
        per_minute_cost(self.0, seconds)
            .unwrap_or_else(|| self.0 * Decimal::from(seconds) / Decimal::from(60))
    }
}

/// `per_minute * seconds / 60` as `rust_decimal` computes it (the product keeps the rate's scale;
/// the quotient follows rust_decimal 1.x's division: exact quotients keep the dividend's scale,
/// others take up to 28 decimals, round half-even and drop some trailing zeros), on integers.
/// `None` (use `Decimal`) for a negative rate, a product of 64 bits or more, and the overflow
/// paths of the division, which prices never reach.
fn per_minute_cost(per_minute: Decimal, seconds: u32) -> Option<Decimal> {
    const MAX_SCALE: i32 = 28;
    const MAX96: u128 = (1 << 96) - 1;
    const DIVISOR: u128 = 60;
    if per_minute.is_sign_negative() {
        return None;
    }
    let mantissa = u64::try_from(per_minute.mantissa()).ok()?;
    let product = u64::try_from(u128::from(mantissa) * u128::from(seconds)).ok()?;
    if product == 0 {
        // rust_decimal returns its ZERO (scale 0) for a zero product and for 0 / x.
        return Some(Decimal::ZERO);
    }
    let mut scale = per_minute.scale() as i32;
    // 64-bit arithmetic where it fits (u128 division is a library call).
    let mut quotient = u128::from(product / DIVISOR as u64);
    let mut remainder = u128::from(product % DIVISOR as u64);
    if remainder == 0 {
        // Exact at the dividend's scale: no further scaling, no trailing zeros dropped.
        return Some(Decimal::from_i128_with_scale(
            quotient as i128,
            scale as u32,
        ));
    }
    // rust_decimal's remainder loop for a 32-bit divisor (`div_remainder_32`).
    while remainder != 0 {
        let power_scale = if scale == MAX_SCALE {
            0
        } else {
            find_scale(quotient, scale)?
        };
        if power_scale == 0 {
            // No room for more digits: round the last one half-even.
            let twice = remainder << 1;
            if twice >= DIVISOR && (twice > DIVISOR || quotient & 1 == 1) {
                quotient += 1;
                if quotient > MAX96 {
                    return None;
                }
            }
            break;
        }
        let power = 10u128.pow(power_scale);
        scale += power_scale as i32;
        quotient *= power;
        // remainder < 60 and power <= 10^9: fits in 64 bits.
        let scaled = (remainder * power) as u64;
        quotient += u128::from(scaled / DIVISOR as u64);
        remainder = u128::from(scaled % DIVISOR as u64);
        if quotient > MAX96 {
            return None;
        }
    }
    // rust_decimal's `unscale`: drops trailing zeros in steps of 8 (while the low 32 bits are 0),
    // then 4, 2 and 1, each tried once behind a quick test of the low bits.
    let low = |q: u128| q as u32;
    // Divisibility on 64 bits when the quotient fits.
    let divides = |q: u128, d: u64| match u64::try_from(q) {
        Ok(q) => q.is_multiple_of(d),
        Err(_) => q.is_multiple_of(u128::from(d)),
    };
    while low(quotient) == 0 && scale >= 8 && divides(quotient, 100_000_000) {
        quotient /= 100_000_000;
        scale -= 8;
    }
    if low(quotient) & 0xf == 0 && scale >= 4 && divides(quotient, 10_000) {
        quotient /= 10_000;
        scale -= 4;
    }
    if low(quotient) & 0x3 == 0 && scale >= 2 && divides(quotient, 100) {
        quotient /= 100;
        scale -= 2;
    }
    if low(quotient) & 0x1 == 0 && scale >= 1 && divides(quotient, 10) {
        quotient /= 10;
        scale -= 1;
    }
    Some(Decimal::from_i128_with_scale(
        quotient as i128,
        scale as u32,
    ))
}

/// rust_decimal's `Buf12::find_scale`: the power of ten (at most 9) by which a 96-bit `quotient`
/// at `scale` can still be scaled up, with its exact tests and table.
fn find_scale(quotient: u128, scale: i32) -> Option<u32> {
    const MAX_SCALE: i32 = 28;
    const MAX96: u128 = (1 << 96) - 1;
    // The largest values that do not overflow 96 bits when multiplied by 10^(i + 1).
    let overflow = |i: u32| MAX96 / 10u128.pow(i + 1);
    let hi = (quotient >> 64) as u32;
    let low64 = quotient as u64;
    let hi_of = |v: u128| (v >> 64) as u32;
    if hi > 429_496_729 {
        return if scale < 0 { None } else { Some(0) };
    }
    if scale > MAX_SCALE - 9 {
        let x = (MAX_SCALE - scale) as u32;
        if hi < hi_of(overflow(x - 1)) {
            return if x as i32 + scale < 0 { None } else { Some(x) };
        }
    } else if hi < 4 || hi == 4 && low64 <= 5_441_186_219_426_131_129 {
        return Some(9);
    }
    let mut x = if hi > 42_949 {
        if hi > 4_294_967 {
            if hi > 42_949_672 { 1 } else { 2 }
        } else if hi > 429_496 {
            3
        } else {
            4
        }
    } else if hi > 429 {
        if hi > 4_294 { 5 } else { 6 }
    } else if hi > 42 {
        7
    } else {
        8
    };
    let limit = overflow(x - 1);
    if hi == hi_of(limit) && low64 > limit as u64 {
        x -= 1;
    }
    if x as i32 + scale < 0 { None } else { Some(x) }
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

    proptest::proptest! {
        /// The integer path of `cost_of` gives exactly `Decimal`'s result: same value, same
        /// scale (so the same text), for any mantissa, scale and duration it accepts.
        #[test]
        fn integer_cost_matches_decimal(
            mantissa in proptest::prop_oneof![0u64..1_000_000, 0u64..u64::MAX, 0u64..100_000_000_000_000],
            scale in 0u32..=28,
            seconds in proptest::prop_oneof![0u32..7_200, proptest::num::u32::ANY],
        ) {
            let rate = Decimal::from_i128_with_scale(i128::from(mantissa), scale);
            let reference = rate
                .checked_mul(Decimal::from(seconds))
                .and_then(|p| p.checked_div(Decimal::from(60)));
            if let Some(fast) = per_minute_cost(rate, seconds) {
                let reference = reference.expect("the integer path only takes computable cases");
                proptest::prop_assert_eq!(fast, reference);
                proptest::prop_assert_eq!(fast.scale(), reference.scale());
                proptest::prop_assert_eq!(fast.to_string(), reference.to_string());
            }
        }

        /// Rates as decks hold them (4 to 8 decimals, under 10,000 a minute) always take the
        /// integer path for calls of up to a day.
        #[test]
        fn deck_rates_take_the_integer_path(mantissa in 0u64..1_000_000_000_000, scale in 4u32..=8, seconds in 0u32..=86_400) {
            let rate = Decimal::from_i128_with_scale(i128::from(mantissa), scale);
            let fast = per_minute_cost(rate, seconds);
            proptest::prop_assert!(fast.is_some());
            let reference = rate * Decimal::from(seconds) / Decimal::from(60);
            proptest::prop_assert_eq!(fast.unwrap().to_string(), reference.to_string());
        }
    }

    #[test]
    fn integer_cost_edge_cases_match_decimal() {
        for (mantissa, scale) in [
            (1u64, 4u32),
            (1, 28),
            (7, 27),
            (u64::MAX / 4_000_000_000, 20),
            (999_999_999_999, 8),
            (123_456_789, 19),
        ] {
            for seconds in [0u32, 1, 6, 7, 30, 59, 60, 61, 3_599, 86_400, u32::MAX] {
                let rate = Decimal::from_i128_with_scale(i128::from(mantissa), scale);
                let reference = rate
                    .checked_mul(Decimal::from(seconds))
                    .and_then(|p| p.checked_div(Decimal::from(60)));
                if let Some(fast) = per_minute_cost(rate, seconds) {
                    assert_eq!(
                        Some(fast.to_string()),
                        reference.map(|r| r.to_string()),
                        "{rate} x {seconds}"
                    );
                }
            }
        }
    }

    #[test]
    fn rate_cost_is_per_minute_pro_rata() {
        let rate = Rate::parse("0.06").unwrap();
        assert_eq!(rate.cost_of(30), d("0.03"));
        assert_eq!(rate.cost_of(0), Decimal::ZERO);
    }
}
