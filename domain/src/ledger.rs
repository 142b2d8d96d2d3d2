//! Prepaid ledger rules: what kinds of entries move a customer's balance, which way, in what
//! unit, and when a debit is refused.
//!
//! Every balance change is an entry with an idempotency key; a balance is the sum of its entries
//! (design/domain.md, "Money and ledgers"). Amounts are exact: stored as whole micro-units
//! (millionths of the currency's major unit, so `1.25 USD` is `1_250_000`), which sum exactly as
//! integers on SQLite and PostgreSQL alike. A wholesale call often costs a fraction of a cent
//! (10 s at 0.0120/min is 0.002 USD), so charges are kept to 6 decimals, not rounded to cents.

use rust_decimal::Decimal;
use std::fmt;

/// Decimals of a ledger amount: micro-units.
pub const DECIMALS: u32 = 6;

/// Errors of ledger amounts and postings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// More decimals than the ledger keeps.
    #[error("`{0}` has more than 6 decimals")]
    TooPrecise(String),
    /// Beyond what a 64-bit count of micro-units holds (about 9.2 million million).
    #[error("`{0}` is too large")]
    TooLarge(String),
    /// Zero moves nothing.
    #[error("the amount is zero")]
    Zero,
    /// A credit kind with a debit amount or the other way round.
    #[error("a {kind} must be {sign}")]
    WrongSign {
        /// The entry kind's label.
        kind: &'static str,
        /// `positive (a credit)` or `negative (a debit)`.
        sign: &'static str,
    },
    /// The debit would take the balance below the credit limit allows.
    #[error(
        "the balance is {balance} {currency} and the credit limit {limit} {currency}: a debit of {amount} {currency} would leave {after} {currency}; top up first"
    )]
    InsufficientBalance {
        /// Balance before, major units as text (see [`display`]).
        balance: String,
        /// The debit, major units (positive).
        amount: String,
        /// Balance after it would be.
        after: String,
        /// The credit limit (how far below zero the balance may go).
        limit: String,
        /// ISO 4217 code.
        currency: String,
    },
    /// An entry kind this version does not know.
    #[error("`{0}` is not a ledger entry kind")]
    UnknownKind(String),
}

/// `amount` in micro-units.
///
/// Errors: [`LedgerError::TooPrecise`] past 6 decimals (after dropping trailing zeros),
/// [`LedgerError::TooLarge`].
pub fn to_micros(amount: Decimal) -> Result<i64, LedgerError> {
    let normal = amount.normalize();
    if normal.scale() > DECIMALS {
        return Err(LedgerError::TooPrecise(amount.to_string()));
    }
    let scaled = normal
        .checked_mul(Decimal::from(1_000_000))
        .ok_or_else(|| LedgerError::TooLarge(amount.to_string()))?;
    i64::try_from(scaled).map_err(|_| LedgerError::TooLarge(amount.to_string()))
}

/// Micro-units as an exact decimal of major units (`1_250_000` -> `1.250000`).
pub fn from_micros(micros: i64) -> Decimal {
    Decimal::new(micros, DECIMALS)
}

/// Micro-units as text for people, with the currency's minor-unit decimals at least and more only
/// when the amount has them: `1_250_000` with 2 -> `1.25`, `2_000` -> `0.002`.
pub fn display(micros: i64, minor_decimals: u32) -> String {
    let mut d = from_micros(micros).normalize();
    if d.scale() < minor_decimals {
        d.rescale(minor_decimals);
    }
    d.to_string()
}

/// `percent` % of `micros`, rounded down to the micro-unit (e.g. 10 % of 5.555555 is
/// 0.555555); saturates past what an `i64` holds.
pub fn percent_of(micros: i64, percent: Decimal) -> i64 {
    let exact = Decimal::from(micros) * percent / Decimal::from(100);
    i64::try_from(exact.floor()).unwrap_or(if exact.is_sign_negative() {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// `micros` rounded down to a whole minor unit of a currency with `minor_decimals` (a bonus or
/// a reward is never a fraction of a cent).
pub fn floor_to_minor(micros: i64, minor_decimals: u32) -> i64 {
    let step = 10i64.pow(DECIMALS.saturating_sub(minor_decimals));
    micros - micros.rem_euclid(step)
}

/// Micro-units as whole minor units of a currency with `minor_decimals` (cents for USD, yen
/// for JPY), as payment providers take amounts (Stripe: "a positive integer representing how
/// much to charge in the smallest currency unit", <https://docs.stripe.com/currencies>).
///
/// `None` when the amount has a fraction of a minor unit (`1_234_500` micro-units is 1.2345
/// USD: not a whole number of cents).
pub fn to_minor_units(micros: i64, minor_decimals: u32) -> Option<i64> {
    let per_minor = 10i64.checked_pow(DECIMALS.checked_sub(minor_decimals)?)?;
    (micros % per_minor == 0).then_some(micros / per_minor)
}

/// Whole minor units of a currency with `minor_decimals` as micro-units (`1999` cents ->
/// `19_990_000`); `None` past what an `i64` holds.
pub fn from_minor_units(minor: i64, minor_decimals: u32) -> Option<i64> {
    minor.checked_mul(10i64.checked_pow(DECIMALS.checked_sub(minor_decimals)?)?)
}

/// What an entry is for, and so which way it may move the balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// Money paid in (card, PayPal, bank transfer): a credit.
    TopUp,
    /// A rated call: a debit.
    CallCharge,
    /// A DID's daily charge or setup fee: a debit.
    DidCharge,
    /// Money given back: a credit.
    Refund,
    /// A promotional credit: a credit.
    Bonus,
    /// A referral programme's reward: a credit.
    ReferralReward,
    /// A staff correction, with a reason: either way.
    Adjustment,
    /// The difference of a re-rated period: either way.
    Rerate,
    /// A top-up taken back by its payment provider (a refund to the card or account, a
    /// dispute), or given back when the merchant wins the dispute: either way.
    PaymentReversal,
}

impl EntryKind {
    /// Every kind, in the order pages list them.
    pub const ALL: [EntryKind; 9] = [
        EntryKind::TopUp,
        EntryKind::CallCharge,
        EntryKind::DidCharge,
        EntryKind::Refund,
        EntryKind::Bonus,
        EntryKind::ReferralReward,
        EntryKind::Adjustment,
        EntryKind::Rerate,
        EntryKind::PaymentReversal,
    ];

    /// The stored key, e.g. `top_up`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::TopUp => "top_up",
            EntryKind::CallCharge => "call_charge",
            EntryKind::DidCharge => "did_charge",
            EntryKind::Refund => "refund",
            EntryKind::Bonus => "bonus",
            EntryKind::ReferralReward => "referral_reward",
            EntryKind::Adjustment => "adjustment",
            EntryKind::Rerate => "rerate",
            EntryKind::PaymentReversal => "payment_reversal",
        }
    }

    /// The label pages show, e.g. `Top-up`.
    pub fn label(self) -> &'static str {
        match self {
            EntryKind::TopUp => "Top-up",
            EntryKind::CallCharge => "Call charge",
            EntryKind::DidCharge => "DID charge",
            EntryKind::Refund => "Refund",
            EntryKind::Bonus => "Bonus",
            EntryKind::ReferralReward => "Referral reward",
            EntryKind::Adjustment => "Adjustment",
            EntryKind::Rerate => "Re-rating",
            EntryKind::PaymentReversal => "Payment reversal",
        }
    }

    /// A stored key back to its kind.
    ///
    /// Errors: [`LedgerError::UnknownKind`].
    pub fn parse(key: &str) -> Result<Self, LedgerError> {
        EntryKind::ALL
            .into_iter()
            .find(|k| k.as_str() == key)
            .ok_or_else(|| LedgerError::UnknownKind(key.to_owned()))
    }

    /// Whether a debit of this kind is refused past the credit limit. A re-rating is not: it
    /// settles calls already made, so what they cost is owed whatever the balance. Nor is a
    /// payment reversal: the provider has already taken the money back.
    pub fn bound_by_credit_limit(self) -> bool {
        !matches!(self, EntryKind::Rerate | EntryKind::PaymentReversal)
    }

    /// Checks the sign of `micros` for this kind: credits positive, charges negative,
    /// adjustments and re-ratings either way; never zero.
    ///
    /// Errors: [`LedgerError::Zero`], [`LedgerError::WrongSign`].
    pub fn check_sign(self, micros: i64) -> Result<(), LedgerError> {
        if micros == 0 {
            return Err(LedgerError::Zero);
        }
        let credit = |ok: bool| {
            ok.then_some(()).ok_or(LedgerError::WrongSign {
                kind: self.label(),
                sign: "positive (a credit)",
            })
        };
        let debit = |ok: bool| {
            ok.then_some(()).ok_or(LedgerError::WrongSign {
                kind: self.label(),
                sign: "negative (a debit)",
            })
        };
        match self {
            EntryKind::TopUp | EntryKind::Refund | EntryKind::Bonus | EntryKind::ReferralReward => {
                credit(micros > 0)
            }
            EntryKind::CallCharge | EntryKind::DidCharge => debit(micros < 0),
            EntryKind::Adjustment | EntryKind::Rerate | EntryKind::PaymentReversal => Ok(()),
        }
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The lowest balance a customer may reach, in micro-units: minus its credit limit (0 for a
/// prepaid customer without credit).
pub fn floor(credit_limit_micros: i64) -> i64 {
    -credit_limit_micros.max(0)
}

/// Whether a debit of `amount` (negative micro-units) may post on `balance`: credits always may;
/// a debit may not take the balance below [`floor`].
///
/// Errors: [`LedgerError::InsufficientBalance`] with the figures in major units.
pub fn check_debit(
    balance: i64,
    amount: i64,
    credit_limit: i64,
    currency: &str,
) -> Result<i64, LedgerError> {
    let after = balance.saturating_add(amount);
    if amount >= 0 || after >= floor(credit_limit) {
        return Ok(after);
    }
    Err(insufficient(balance, amount, credit_limit, currency))
}

/// The refusal of a debit of `amount` (negative micro-units) on `balance` with `credit_limit`,
/// its figures written with the currency's minor-unit decimals.
pub fn insufficient(balance: i64, amount: i64, credit_limit: i64, currency: &str) -> LedgerError {
    let decimals =
        crate::money::parse_currency(currency).map_or(2, crate::money::minor_unit_decimals);
    LedgerError::InsufficientBalance {
        balance: display(balance, decimals),
        amount: display(amount.saturating_neg(), decimals),
        after: display(balance.saturating_add(amount), decimals),
        limit: display(credit_limit.max(0), decimals),
        currency: currency.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn minor_units_are_whole_cents_or_yen() {
        assert_eq!(to_minor_units(19_990_000, 2), Some(1999));
        assert_eq!(to_minor_units(1_234_500, 2), None);
        assert_eq!(to_minor_units(5_000_000, 0), Some(5));
        assert_eq!(to_minor_units(1_500_000, 3), Some(1500));
        assert_eq!(from_minor_units(1999, 2), Some(19_990_000));
        assert_eq!(from_minor_units(5, 0), Some(5_000_000));
        assert_eq!(from_minor_units(i64::MAX, 2), None);
    }

    #[test]
    fn amounts_become_exact_micro_units() {
        assert_eq!(to_micros(dec("1.25")), Ok(1_250_000));
        assert_eq!(to_micros(dec("-0.002")), Ok(-2_000));
        assert_eq!(to_micros(dec("0.1200000")), Ok(120_000));
        assert_eq!(
            to_micros(dec("0.0000001")),
            Err(LedgerError::TooPrecise("0.0000001".into()))
        );
        assert!(matches!(
            to_micros(dec("99999999999999")),
            Err(LedgerError::TooLarge(_))
        ));
        assert_eq!(from_micros(1_250_000), dec("1.25"));
        assert_eq!(display(1_250_000, 2), "1.25");
        assert_eq!(display(2_000, 2), "0.002");
        assert_eq!(display(-5_000_000, 2), "-5.00");
        assert_eq!(display(7, 0), "0.000007");
    }

    #[test]
    fn kinds_move_the_balance_their_way() {
        assert_eq!(EntryKind::TopUp.check_sign(1), Ok(()));
        assert!(matches!(
            EntryKind::TopUp.check_sign(-1),
            Err(LedgerError::WrongSign { .. })
        ));
        assert_eq!(EntryKind::CallCharge.check_sign(-1), Ok(()));
        assert!(EntryKind::CallCharge.check_sign(1).is_err());
        assert_eq!(EntryKind::Adjustment.check_sign(-1), Ok(()));
        assert_eq!(EntryKind::Adjustment.check_sign(1), Ok(()));
        assert_eq!(EntryKind::Rerate.check_sign(0), Err(LedgerError::Zero));
        for kind in EntryKind::ALL {
            assert_eq!(EntryKind::parse(kind.as_str()), Ok(kind));
        }
        assert!(EntryKind::parse("subscription").is_err());
    }

    #[test]
    fn a_debit_stops_at_the_credit_limit() {
        // 10.00 USD prepaid, no credit: 10.00 may be spent, 10.01 may not.
        assert_eq!(check_debit(10_000_000, -10_000_000, 0, "USD"), Ok(0));
        let err = check_debit(10_000_000, -10_010_000, 0, "USD").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the balance is 10.00 USD and the credit limit 0.00 USD: a debit of 10.01 USD would leave -0.01 USD; top up first"
        );
        // 50.00 of credit lets the balance reach -50.00.
        assert_eq!(
            check_debit(0, -50_000_000, 50_000_000, "EUR"),
            Ok(-50_000_000)
        );
        assert!(check_debit(0, -50_000_001, 50_000_000, "EUR").is_err());
        // Credits always post, even on an overdrawn balance.
        assert_eq!(check_debit(-1, 5, 0, "USD"), Ok(4));
    }

    proptest! {
        #[test]
        fn micro_units_round_trip(micros in -9_000_000_000_000_000_i64..9_000_000_000_000_000) {
            prop_assert_eq!(to_micros(from_micros(micros)), Ok(micros));
        }

        #[test]
        fn an_allowed_debit_never_goes_below_the_floor(
            balance in -1_000_000_000_i64..1_000_000_000,
            amount in -1_000_000_000_i64..0,
            limit in 0_i64..1_000_000_000,
        ) {
            if let Ok(after) = check_debit(balance, amount, limit, "USD") {
                prop_assert!(after >= floor(limit));
                prop_assert_eq!(after, balance + amount);
            }
        }
    }
}
