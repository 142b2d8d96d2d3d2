//! Referrals: a customer's sign-up link brings a new customer (the referee), and the referrer
//! earns a share of the referee's first top-ups as credit.
//!
//! A reward is `share %` of a paid top-up, rounded down to the currency's minor unit (never a
//! fraction of a cent), for the referee's first `rewarded_top_ups` paid top-ups, and at most
//! `max_reward` in all per referee when the programme caps it. Amounts are micro-units (see
//! [`crate::ledger`]).
//!
//! Two guards keep a customer from referring itself: a sign-up whose e-mail is one of the
//! referrer's, or on the referrer's own company domain, is refused ([`same_owner`]; free-mail
//! domains such as gmail.com do not count as a company's), and a top-up paid with a payment
//! method the referrer also paid with earns nothing (the caller compares the providers' payment
//! fingerprints).

use crate::ledger::{floor_to_minor, percent_of};
use rust_decimal::Decimal;

/// A tenant's programme, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programme {
    /// Whether new rewards are earned.
    pub enabled: bool,
    /// The referrer's share of each rewarded top-up, percent (e.g. `10`); above 0, at most 100.
    pub share_percent: Decimal,
    /// How many of the referee's first paid top-ups earn a reward (at least 1).
    pub rewarded_top_ups: i64,
    /// The most a referrer earns from one referee, micro-units; `None`: no cap.
    pub max_reward: Option<i64>,
}

/// Web-mail domains anyone can have an address on: sharing one says nothing about who owns a
/// company.
pub const FREE_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "ymail.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.com",
    "mail.ru",
    "yandex.ru",
    "yandex.com",
    "qq.com",
    "163.com",
    "126.com",
    "zoho.com",
];

fn domain_of(email: &str) -> Option<String> {
    email
        .trim()
        .rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase())
        .filter(|d| !d.is_empty())
}

/// Why a sign-up with `email` is the referrer's own, or `None`: `email` is one of
/// `referrer_emails` (case-insensitive), or shares a domain with one of them that is not a
/// [`FREE_MAIL_DOMAINS`] one. The reason is a sentence for the person signing up.
pub fn same_owner(email: &str, referrer_emails: &[&str]) -> Option<String> {
    let email = email.trim().to_ascii_lowercase();
    if referrer_emails
        .iter()
        .any(|e| e.trim().eq_ignore_ascii_case(&email))
    {
        return Some("is your own account's".to_owned());
    }
    let domain = domain_of(&email)?;
    if FREE_MAIL_DOMAINS.contains(&domain.as_str()) {
        return None;
    }
    referrer_emails
        .iter()
        .filter_map(|e| domain_of(e))
        .any(|d| d == domain)
        .then(|| format!("belongs to a company on your own domain ({domain})"))
}

/// The reward for the `nth` (1-based) paid top-up of `top_up` micro-units by a referee whose
/// earlier top-ups earned `earned` micro-units, in a currency with `minor_decimals`; 0 when the
/// programme is off, the top-up is past the rewarded ones, or the cap is reached.
pub fn reward(
    programme: &Programme,
    top_up: i64,
    nth: i64,
    earned: i64,
    minor_decimals: u32,
) -> i64 {
    if !programme.enabled || nth < 1 || nth > programme.rewarded_top_ups || top_up <= 0 {
        return 0;
    }
    let share = percent_of(top_up, programme.share_percent);
    let left = programme
        .max_reward
        .map_or(share, |max| share.min(max.saturating_sub(earned)));
    floor_to_minor(left.max(0), minor_decimals)
}

/// Checks a share typed by staff: a number above 0 and at most 100.
///
/// # Errors
/// A sentence naming what is wrong.
pub fn check_share(text: &str) -> Result<Decimal, String> {
    let share: Decimal = text
        .trim()
        .trim_end_matches('%')
        .trim()
        .parse()
        .map_err(|_| "give a percentage like 10".to_owned())?;
    if share <= Decimal::ZERO || share > Decimal::from(100) {
        return Err("give a percentage above 0 and at most 100".to_owned());
    }
    Ok(share.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programme(share: &str, top_ups: i64, max: Option<i64>) -> Programme {
        Programme {
            enabled: true,
            share_percent: share.parse().unwrap(),
            rewarded_top_ups: top_ups,
            max_reward: max,
        }
    }

    #[test]
    fn rewards_round_down_to_the_cent_and_stop_at_the_cap() {
        let p = programme("10", 3, Some(12_000_000));
        // 10 % of 55.55 is 5.555: 5.55.
        assert_eq!(reward(&p, 55_550_000, 1, 0, 2), 5_550_000);
        // 10 % of 100.00 after 5.55 earned: 10.00, capped at 12.00 - 5.55 = 6.45.
        assert_eq!(reward(&p, 100_000_000, 2, 5_550_000, 2), 6_450_000);
        assert_eq!(reward(&p, 100_000_000, 3, 12_000_000, 2), 0);
        // The fourth top-up earns nothing; nor does anything when the programme is off.
        assert_eq!(reward(&p, 100_000_000, 4, 0, 2), 0);
        let off = Programme {
            enabled: false,
            ..p.clone()
        };
        assert_eq!(reward(&off, 100_000_000, 1, 0, 2), 0);
        // Yen have no minor unit: 7.5 % of 1,001 yen is 75.075: 75.
        assert_eq!(
            reward(&programme("7.5", 1, None), 1_001_000_000, 1, 0, 0),
            75_000_000
        );
    }

    #[test]
    fn the_referrers_own_addresses_and_domain_are_refused() {
        let referrer = ["noc@acme-telecom.example", "Billing@Acme-Telecom.example"];
        assert_eq!(
            same_owner("BILLING@acme-telecom.example", &referrer).as_deref(),
            Some("is your own account's")
        );
        assert_eq!(
            same_owner("new.person@acme-telecom.example", &referrer).as_deref(),
            Some("belongs to a company on your own domain (acme-telecom.example)")
        );
        assert_eq!(same_owner("ops@other-carrier.example", &referrer), None);
        // A shared web-mail domain says nothing.
        assert_eq!(same_owner("a@gmail.com", &["b@gmail.com"]), None);
        assert!(same_owner("b@gmail.com", &["b@gmail.com"]).is_some());
    }

    #[test]
    fn shares_must_be_a_percentage() {
        assert_eq!(check_share(" 10 % "), Ok(Decimal::from(10)));
        assert_eq!(
            check_share("ten"),
            Err("give a percentage like 10".to_owned())
        );
        assert!(check_share("0").is_err() && check_share("100.5").is_err());
    }
}
