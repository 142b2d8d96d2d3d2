//! Rating one call against a deck into an itemised [`Breakdown`].
//!
//! cost = connection fee + rate per minute x billed seconds / 60, computed exactly and rounded
//! once, at the end, to the currency's sub-unit (or a platform-chosen number of decimals) with a
//! stated [`Rounding`] (design/domain.md "Billing increments"; cgrates 1.0 rates/librates.go for the
//! idea of an itemised result). Zero duration is free unless the deck charges its fee on answer.

use crate::deck::{ConnectionFeePolicy, Period, RateDeck, RateRow};
use crate::increment::Increment;
use crate::money::{Money, Rate, Rounding, minor_unit_decimals};
use crate::number::E164;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::fmt;

/// Errors of rating.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingError {
    /// No prefix of the number has a rate in force at the call's start.
    #[error("no rate for {number} at {at}")]
    NoRate {
        /// The dialled number.
        number: E164,
        /// The call's start.
        at: DateTime<Utc>,
    },
}

/// How the final amount is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RatingOptions {
    /// Decimals of the result; `None` for the currency's minor unit (2 for USD).
    pub decimals: Option<u32>,
    /// Rounding mode: half-up for costs (the default), up for sell prices.
    pub rounding: Rounding,
}

impl RatingOptions {
    /// Sell-side options: round up to `decimals` (or the minor unit), so rounding never loses margin.
    pub fn sell(decimals: Option<u32>) -> Self {
        RatingOptions {
            decimals,
            rounding: Rounding::Up,
        }
    }
}

/// A call to rate: number, start, duration in seconds and whether it was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    /// Dialled number (B number).
    pub number: E164,
    /// Start of the call (the rate in force then applies, and its time band).
    pub start: DateTime<Utc>,
    /// Connected duration in whole seconds.
    pub duration_secs: u32,
    /// Whether the call was answered (matters for fees charged on answer at 0 s).
    pub answered: bool,
}

/// The itemised price of one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakdown<'a> {
    /// The deck row that matched (prefix, destination, effective date, source line).
    pub row: &'a RateRow,
    /// Time band the call started in.
    pub period: Period,
    /// Price per minute applied (the band's rate).
    pub rate: Rate,
    /// Increments applied.
    pub increment: Increment,
    /// Connected seconds.
    pub duration_secs: u32,
    /// Billed seconds after increments (0 within grace time).
    pub billed_secs: u32,
    /// Connection fee charged (0 when not charged), unrounded.
    pub connection_fee: Decimal,
    /// rate x billed seconds / 60, unrounded.
    pub usage: Decimal,
    /// Fee + usage, before rounding.
    pub unrounded: Decimal,
    /// The amount after the single rounding.
    pub total: Money,
    /// The rounding used.
    pub rounding: Rounding,
    /// Decimals rounded to.
    pub decimals: u32,
}

/// Prices `call` against one deck row (the caller has chosen the row), in `deck`'s currency,
/// schedule and fee policy.
pub fn price_row<'a>(
    deck: &RateDeck,
    row: &'a RateRow,
    call: &Call,
    options: &RatingOptions,
) -> Breakdown<'a> {
    let period = if row.has_profile() {
        deck.schedule.period_at(call.start)
    } else {
        Period::Peak
    };
    let rate = row.rate_for(period);
    let in_grace = row.grace_seconds > 0 && call.duration_secs <= row.grace_seconds;
    let billed_secs = if in_grace {
        0
    } else {
        row.increment.billed_seconds(call.duration_secs)
    };
    let fee_due = !in_grace
        && (billed_secs > 0 || (deck.fee_policy == ConnectionFeePolicy::OnAnswer && call.answered));
    let connection_fee = if fee_due {
        row.connection_fee
    } else {
        Decimal::ZERO
    };
    let usage = rate.cost_of(billed_secs);
    let unrounded = connection_fee + usage;
    let decimals = options
        .decimals
        .unwrap_or_else(|| minor_unit_decimals(deck.currency()));
    let total = Money::new(unrounded, deck.currency()).rounded(decimals, options.rounding);
    Breakdown {
        row,
        period,
        rate,
        increment: row.increment,
        duration_secs: call.duration_secs,
        billed_secs,
        connection_fee,
        usage,
        unrounded,
        total,
        rounding: options.rounding,
        decimals,
    }
}

/// Rates `call` against `deck`: the longest prefix with a rate in force at the start wins.
///
/// Errors: [`RatingError::NoRate`].
pub fn rate<'a>(
    deck: &'a RateDeck,
    call: &Call,
    options: &RatingOptions,
) -> Result<Breakdown<'a>, RatingError> {
    let row = deck
        .lookup(call.number, call.start)
        .ok_or(RatingError::NoRate {
            number: call.number,
            at: call.start,
        })?;
    Ok(price_row(deck, row, call, options))
}

/// Rates `call` against the rates `deck` will have in force at `as_of` (a pending deck or card
/// not yet in force), with the call's own start for the time band: what the call would have
/// cost had those rates applied. Longest prefix wins, as in [`rate`].
///
/// Errors: [`RatingError::NoRate`] when the deck has no rate for the number then.
pub fn rate_as_of<'a>(
    deck: &'a RateDeck,
    call: &Call,
    as_of: DateTime<Utc>,
    options: &RatingOptions,
) -> Result<Breakdown<'a>, RatingError> {
    let at = as_of.max(call.start);
    let row = deck.lookup(call.number, at).ok_or(RatingError::NoRate {
        number: call.number,
        at,
    })?;
    Ok(price_row(deck, row, call, options))
}

/// Rates a call of `duration_secs` seconds to `number` starting at `start`, answered when the
/// duration is above 0, with half-up rounding to the currency's minor unit.
///
/// Errors: [`RatingError::NoRate`].
pub fn rate_call(
    deck: &RateDeck,
    number: E164,
    start: DateTime<Utc>,
    duration_secs: u32,
) -> Result<Breakdown<'_>, RatingError> {
    let call = Call {
        number,
        start,
        duration_secs,
        answered: duration_secs > 0,
    };
    rate(deck, &call, &RatingOptions::default())
}

/// The longest answered call to `number` priced by `row` of `deck` starting at `start`, in whole connected seconds
/// up to `cap`, whose price (fee and usage, rounded as `options` says) stays within `budget`, in
/// the deck's currency: what a switch may let a prepaid customer talk for. `0` when not even the
/// first billed increment fits (or `budget` is negative).
///
/// A price never falls as a call gets longer, so this is a binary search over [`price_row`]:
/// the answer `d` has `price(d) <= budget` and, below `cap`, `price(d + 1) > budget`.
pub fn max_duration(
    deck: &RateDeck,
    row: &RateRow,
    number: E164,
    start: DateTime<Utc>,
    budget: Decimal,
    options: &RatingOptions,
    cap: u32,
) -> u32 {
    let fits = |secs: u32| {
        let call = Call {
            number,
            start,
            duration_secs: secs,
            answered: true,
        };
        price_row(deck, row, &call, options).total.amount <= budget
    };
    if budget < Decimal::ZERO || !fits(0) {
        return 0;
    }
    if fits(cap) {
        return cap;
    }
    // Invariant: fits(lo), !fits(hi).
    let (mut lo, mut hi) = (0u32, cap);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

impl fmt::Display for Breakdown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "prefix          {} ({})",
            self.row.prefix, self.row.destination
        )?;
        writeln!(
            f,
            "rate in force   from {} (line {})",
            self.row.effective_from.format("%Y-%m-%d %H:%M"),
            self.row.line
        )?;
        writeln!(f, "period          {:?}", self.period)?;
        writeln!(f, "rate            {}/min", self.rate)?;
        writeln!(f, "increment       {}", self.increment)?;
        writeln!(
            f,
            "duration        {} s -> billed {} s",
            self.duration_secs, self.billed_secs
        )?;
        writeln!(f, "connection fee  {}", self.connection_fee)?;
        writeln!(f, "usage           {}", self.usage)?;
        writeln!(f, "unrounded       {}", self.unrounded)?;
        write!(
            f,
            "total           {} ({:?} to {} decimals)",
            self.total, self.rounding, self.decimals
        )
    }
}
