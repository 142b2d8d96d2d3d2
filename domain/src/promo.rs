//! Promo (bonus) codes on top-ups: what a code gives for a top-up, and whether it may be used.
//!
//! A code adds bonus credit to a top-up: a percentage of it or a fixed amount, optionally
//! capped, from a minimum top-up. The bonus is rounded down to the currency's minor unit (a
//! bonus is never a fraction of a cent). Amounts are micro-units (see [`crate::ledger`]).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// What a code gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reward {
    /// This percentage of the top-up, e.g. `10` for 10 %; more than 0, at most 100.
    Percent(Decimal),
    /// This many micro-units, in the code's currency.
    Fixed(i64),
}

/// A code's rules, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromoRules {
    /// What it gives.
    pub reward: Reward,
    /// The smallest top-up it applies to, micro-units (0: any).
    pub min_top_up: i64,
    /// The largest bonus it gives, micro-units; `None`: no cap.
    pub max_bonus: Option<i64>,
    /// First moment it may be used; `None`: from its creation.
    pub valid_from: Option<DateTime<Utc>>,
    /// Moment from which it may no longer be used; `None`: no end.
    pub valid_to: Option<DateTime<Utc>>,
    /// Uses allowed in all; `None`: no limit.
    pub max_uses: Option<i64>,
    /// Uses allowed per customer; `None`: no limit.
    pub max_uses_per_customer: Option<i64>,
    /// Whether staff turned it on.
    pub active: bool,
}

/// Why a code cannot be used for a top-up; the messages are for the customer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromoError {
    /// Turned off by staff.
    #[error("this code is not active")]
    Inactive,
    /// Before its first day.
    #[error("this code can be used from {0}")]
    NotYet(String),
    /// Past its last day.
    #[error("this code expired on {0}")]
    Expired(String),
    /// Below the minimum top-up.
    #[error("this code needs a top-up of at least {0}")]
    BelowMinimum(String),
    /// Every use taken.
    #[error("this code has been used as often as it may be")]
    Exhausted,
    /// This customer's uses taken.
    #[error("you have already used this code as often as it may be")]
    ExhaustedForCustomer,
    /// The rounded bonus would be nothing.
    #[error("this code adds nothing to a top-up of this amount")]
    Nothing,
}

/// The bonus of a top-up of `amount` micro-units under `rules`, rounded down to
/// `minor_decimals` (2 for USD), at `now`; `used` and `used_by_customer` are the uses already
/// taken (not counting this one).
///
/// Errors: [`PromoError`], checked in this order: inactive, not yet valid, expired, below the
/// minimum, exhausted, exhausted for the customer, nothing to add. `display` writes amounts for
/// the messages (micro-units to text with the currency).
#[allow(clippy::too_many_arguments)]
pub fn bonus(
    rules: &PromoRules,
    amount: i64,
    minor_decimals: u32,
    now: DateTime<Utc>,
    used: i64,
    used_by_customer: i64,
    display: impl Fn(i64) -> String,
) -> Result<i64, PromoError> {
    if !rules.active {
        return Err(PromoError::Inactive);
    }
    if let Some(from) = rules.valid_from
        && now < from
    {
        return Err(PromoError::NotYet(
            from.format("%Y-%m-%d %H:%M UTC").to_string(),
        ));
    }
    if let Some(to) = rules.valid_to
        && now >= to
    {
        return Err(PromoError::Expired(
            to.format("%Y-%m-%d %H:%M UTC").to_string(),
        ));
    }
    if amount < rules.min_top_up {
        return Err(PromoError::BelowMinimum(display(rules.min_top_up)));
    }
    if rules.max_uses.is_some_and(|max| used >= max) {
        return Err(PromoError::Exhausted);
    }
    if rules
        .max_uses_per_customer
        .is_some_and(|max| used_by_customer >= max)
    {
        return Err(PromoError::ExhaustedForCustomer);
    }
    let raw = match rules.reward {
        Reward::Fixed(micros) => micros,
        Reward::Percent(percent) => crate::ledger::percent_of(amount, percent),
    };
    let capped = rules.max_bonus.map_or(raw, |cap| raw.min(cap));
    let rounded = crate::ledger::floor_to_minor(capped, minor_decimals);
    if rounded <= 0 {
        return Err(PromoError::Nothing);
    }
    Ok(rounded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn rules(reward: Reward) -> PromoRules {
        PromoRules {
            reward,
            min_top_up: 0,
            max_bonus: None,
            valid_from: None,
            valid_to: None,
            max_uses: None,
            max_uses_per_customer: None,
            active: true,
        }
    }

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, 12, 0, 0).unwrap()
    }

    fn usd(m: i64) -> String {
        format!("{} USD", crate::ledger::display(m, 2))
    }

    fn pct(p: &str) -> Reward {
        Reward::Percent(p.parse().unwrap())
    }

    #[test]
    fn percent_and_fixed_bonuses_round_down_to_the_cent() {
        // 7.5 % of 33.33 is 2.49975: 2.49.
        assert_eq!(
            bonus(&rules(pct("7.5")), 33_330_000, 2, at(1), 0, 0, usd),
            Ok(2_490_000)
        );
        assert_eq!(
            bonus(&rules(pct("10")), 50_000_000, 2, at(1), 0, 0, usd),
            Ok(5_000_000)
        );
        assert_eq!(
            bonus(
                &rules(Reward::Fixed(5_000_000)),
                10_000_000,
                2,
                at(1),
                0,
                0,
                usd
            ),
            Ok(5_000_000)
        );
        // JPY has no minor unit: 10 % of 155 yen is 15 yen.
        assert_eq!(
            bonus(&rules(pct("10")), 155_000_000, 0, at(1), 0, 0, usd),
            Ok(15_000_000)
        );
        let capped = PromoRules {
            max_bonus: Some(20_000_000),
            ..rules(pct("10"))
        };
        assert_eq!(
            bonus(&capped, 1_000_000_000, 2, at(1), 0, 0, usd),
            Ok(20_000_000)
        );
        assert_eq!(
            bonus(&rules(pct("0.01")), 10_000_000, 2, at(1), 0, 0, usd),
            Err(PromoError::Nothing)
        );
    }

    #[test]
    fn each_rule_refuses_with_its_reason() {
        let r = PromoRules {
            min_top_up: 20_000_000,
            valid_from: Some(at(5)),
            valid_to: Some(at(20)),
            max_uses: Some(100),
            max_uses_per_customer: Some(1),
            ..rules(pct("10"))
        };
        assert_eq!(
            bonus(
                &PromoRules {
                    active: false,
                    ..r.clone()
                },
                50_000_000,
                2,
                at(10),
                0,
                0,
                usd
            ),
            Err(PromoError::Inactive)
        );
        assert_eq!(
            bonus(&r, 50_000_000, 2, at(1), 0, 0, usd),
            Err(PromoError::NotYet("2026-12-05 12:00 UTC".into()))
        );
        assert_eq!(
            bonus(&r, 50_000_000, 2, at(20), 0, 0, usd),
            Err(PromoError::Expired("2026-12-20 12:00 UTC".into()))
        );
        assert_eq!(
            bonus(&r, 19_990_000, 2, at(10), 0, 0, usd),
            Err(PromoError::BelowMinimum("20.00 USD".into()))
        );
        assert_eq!(
            bonus(&r, 50_000_000, 2, at(10), 100, 0, usd),
            Err(PromoError::Exhausted)
        );
        assert_eq!(
            bonus(&r, 50_000_000, 2, at(10), 3, 1, usd),
            Err(PromoError::ExhaustedForCustomer)
        );
        assert_eq!(bonus(&r, 50_000_000, 2, at(10), 99, 0, usd), Ok(5_000_000));
    }
}
