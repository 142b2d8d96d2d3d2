//! Rate decks: effective-dated rates per prefix, indexed for longest-prefix lookup.
//!
//! A [`RateDeck`] is a set of [`RateRow`]s in one currency. A prefix may have several rows over
//! time (effective-from, optional effective-to); the row in force for a call is the one effective at
//! the call's start (design/domain.md "Rate deck"). Lookups check the number's prefixes from the
//! longest present length down; the index (`prefix_table`) reads the slots of all those lengths at
//! once, within the table of the number's first four digits.

use crate::increment::Increment;
use crate::money::{Currency, Rate};
use crate::number::{E164, Prefix};
use crate::prefix_table::{MANY, PrefixTable};
use chrono::{DateTime, Datelike, NaiveTime, Timelike, Utc, Weekday};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Errors of building a [`RateDeck`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeckError {
    /// Two rows with the same prefix and effective date (lines are 1-based source lines, 0 if none).
    #[error(
        "prefix {prefix} appears twice with effective date {effective_from}: lines {first_line} and {second_line}"
    )]
    DuplicatePrefix {
        /// The repeated prefix.
        prefix: Prefix,
        /// Their common effective-from.
        effective_from: DateTime<Utc>,
        /// Source line of the first row.
        first_line: u64,
        /// Source line of the second row.
        second_line: u64,
    },
    /// A row ends before or when it starts.
    #[error("prefix {prefix} (line {line}) ends at or before its effective date")]
    EndsBeforeStart {
        /// The row's prefix.
        prefix: Prefix,
        /// Its source line.
        line: u64,
    },
}

/// The change a carrier declares for a row (a deck's "status" column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateStatus {
    /// A prefix not in the previous deck.
    New,
    /// The rate went up (needs notice, usually 7 days).
    Increase,
    /// The rate went down (applies at once).
    Decrease,
    /// Same rate as before.
    Unchanged,
    /// The prefix is withdrawn from its effective date; lookups skip such rows.
    Deleted,
}

impl RateStatus {
    /// Reads the words carriers use: NEW, INCREASE/INC/UP, DECREASE/DEC/DOWN, UNCHANGED/SAME/
    /// CURRENT, DELETED/DELETE/CLOSED/REMOVED (case-insensitive); `None` for anything else.
    pub fn from_word(word: &str) -> Option<Self> {
        match word.trim().to_ascii_lowercase().as_str() {
            "new" | "added" => Some(RateStatus::New),
            "increase" | "increased" | "inc" | "up" => Some(RateStatus::Increase),
            "decrease" | "decreased" | "dec" | "down" => Some(RateStatus::Decrease),
            "unchanged" | "same" | "current" | "no change" => Some(RateStatus::Unchanged),
            "deleted" | "delete" | "closed" | "removed" | "blocked" => Some(RateStatus::Deleted),
            _ => None,
        }
    }
}

/// The time-of-day band a call starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// Working-day hours (the standard rate).
    Peak,
    /// Working days outside peak hours.
    OffPeak,
    /// The weekend days.
    Weekend,
}

/// When peak, off-peak and weekend rates apply, in the deck's local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeakSchedule {
    /// Offset of the deck's local time from UTC, in seconds (3600 for CET).
    pub utc_offset_seconds: i32,
    /// Start of peak hours on working days (inclusive).
    pub peak_from: NaiveTime,
    /// End of peak hours (exclusive).
    pub peak_until: NaiveTime,
    /// Days charged at the weekend rate.
    pub weekend_days: Vec<Weekday>,
}

impl Default for PeakSchedule {
    /// Peak 08:00-18:00 UTC Monday to Friday, weekend Saturday and Sunday (the usual UK bands).
    fn default() -> Self {
        PeakSchedule {
            utc_offset_seconds: 0,
            peak_from: NaiveTime::from_hms_opt(8, 0, 0).expect("valid time"),
            peak_until: NaiveTime::from_hms_opt(18, 0, 0).expect("valid time"),
            weekend_days: vec![Weekday::Sat, Weekday::Sun],
        }
    }
}

impl PeakSchedule {
    /// The band a call starting at `at` falls in.
    pub fn period_at(&self, at: DateTime<Utc>) -> Period {
        let local = at.naive_utc() + chrono::Duration::seconds(i64::from(self.utc_offset_seconds));
        if self.weekend_days.contains(&local.weekday()) {
            return Period::Weekend;
        }
        let time =
            NaiveTime::from_num_seconds_from_midnight_opt(local.num_seconds_from_midnight(), 0)
                .expect("seconds from midnight are in range");
        if time >= self.peak_from && time < self.peak_until {
            Period::Peak
        } else {
            Period::OffPeak
        }
    }
}

/// When a deck's connection fee is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionFeePolicy {
    /// Only when the call bills at least one second (the default).
    #[default]
    OnBilledDuration,
    /// On every answered call, even one of 0 seconds.
    OnAnswer,
}

/// One rate of a deck: a prefix's price from an effective date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateRow {
    /// The dial code the rate applies to.
    pub prefix: Prefix,
    /// Destination name as the carrier wrote it ("Afghanistan Mobile").
    pub destination: String,
    /// Price per minute (the peak or only rate).
    pub rate: Rate,
    /// Off-peak price per minute, when the deck has one.
    pub off_peak: Option<Rate>,
    /// Weekend price per minute, when the deck has one (falls back to off-peak, then `rate`).
    pub weekend: Option<Rate>,
    /// Fee per connected call, in the deck's currency, unrounded.
    pub connection_fee: Decimal,
    /// Billing increments.
    pub increment: Increment,
    /// Calls of at most this many seconds are free (ASTPP "grace time"); 0 for none.
    pub grace_seconds: u32,
    /// First instant the rate is in force.
    pub effective_from: DateTime<Utc>,
    /// First instant it is no longer in force, if it ends.
    pub effective_to: Option<DateTime<Utc>>,
    /// The change the carrier declared, if the deck says.
    pub status: Option<RateStatus>,
    /// 1-based line (or spreadsheet row) it came from; 0 when built in code.
    pub line: u64,
}

impl RateRow {
    /// A row with the given price per minute, no fee, 60/60, no end, no profile.
    pub fn new(
        prefix: Prefix,
        destination: impl Into<String>,
        rate: Rate,
        effective_from: DateTime<Utc>,
    ) -> Self {
        RateRow {
            prefix,
            destination: destination.into(),
            rate,
            off_peak: None,
            weekend: None,
            connection_fee: Decimal::ZERO,
            increment: Increment::PER_MINUTE,
            grace_seconds: 0,
            effective_from,
            effective_to: None,
            status: None,
            line: 0,
        }
    }

    /// True when the row is in force at `at` (from inclusive, to exclusive) and not deleted.
    pub fn in_force(&self, at: DateTime<Utc>) -> bool {
        self.effective_from <= at
            && self.effective_to.is_none_or(|to| at < to)
            && self.status != Some(RateStatus::Deleted)
    }

    /// The price per minute for `period`.
    pub fn rate_for(&self, period: Period) -> Rate {
        match period {
            Period::Peak => self.rate,
            Period::OffPeak => self.off_peak.unwrap_or(self.rate),
            Period::Weekend => self.weekend.or(self.off_peak).unwrap_or(self.rate),
        }
    }

    /// True when the row has off-peak or weekend rates.
    pub fn has_profile(&self) -> bool {
        self.off_peak.is_some() || self.weekend.is_some()
    }
}

/// The row of `versions` (one prefix's rows sorted by effective-from) in force at `at`.
pub fn version_at(versions: &[RateRow], at: DateTime<Utc>) -> Option<&RateRow> {
    versions.iter().rev().find(|row| row.in_force(at))
}

/// A rate deck: rows in one currency, indexed by prefix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateDeck {
    currency: Currency,
    /// Peak / off-peak / weekend bands for rows that have profiles.
    pub schedule: PeakSchedule,
    /// When connection fees are charged.
    pub fee_policy: ConnectionFeePolicy,
    rows: Vec<RateRow>,
    #[serde(skip)]
    index: PrefixTable,
    #[serde(skip)]
    length_mask: u16,
}

impl RateDeck {
    /// Builds a deck from rows, sorting them by prefix and effective date.
    ///
    /// Errors: [`DeckError::DuplicatePrefix`] when two rows share prefix and effective date
    /// (naming both lines), [`DeckError::EndsBeforeStart`].
    pub fn new(currency: Currency, mut rows: Vec<RateRow>) -> Result<Self, DeckError> {
        let order = |a: &RateRow, b: &RateRow| {
            (a.prefix.key(), a.effective_from, a.line).cmp(&(
                b.prefix.key(),
                b.effective_from,
                b.line,
            ))
        };
        // Imports hand over rows already in order: checking is one pass, sorting moves every row.
        if !rows.is_sorted_by(|a, b| order(a, b).is_le()) {
            rows.sort_by(order);
        }
        let mut groups: Vec<(u64, u32, u32)> = Vec::with_capacity(rows.len());
        let mut length_mask = 0u16;
        let mut start = 0usize;
        for i in 0..rows.len() {
            let row = &rows[i];
            if row.effective_to.is_some_and(|to| to <= row.effective_from) {
                return Err(DeckError::EndsBeforeStart {
                    prefix: row.prefix,
                    line: row.line,
                });
            }
            if i > start {
                let prev = &rows[i - 1];
                if prev.effective_from == row.effective_from {
                    return Err(DeckError::DuplicatePrefix {
                        prefix: row.prefix,
                        effective_from: row.effective_from,
                        first_line: prev.line,
                        second_line: row.line,
                    });
                }
            }
            let last_of_group = rows.get(i + 1).is_none_or(|n| n.prefix != row.prefix);
            if last_of_group {
                groups.push((row.prefix.key(), start as u32, (i + 1 - start) as u32));
                length_mask |= 1 << row.prefix.len();
                start = i + 1;
            }
        }
        let index = PrefixTable::build(&groups, |r| rows[r as usize].prefix.key());
        Ok(RateDeck {
            currency,
            schedule: PeakSchedule::default(),
            fee_policy: ConnectionFeePolicy::default(),
            rows,
            index,
            length_mask,
        })
    }

    /// The deck's currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// All rows, sorted by prefix then effective date.
    pub fn rows(&self) -> &[RateRow] {
        &self.rows
    }

    /// Number of rows (all versions of all prefixes).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the deck has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Number of distinct prefixes.
    pub fn prefix_count(&self) -> usize {
        self.index.len()
    }

    /// Every prefix with its rows (sorted by effective date), in prefix order.
    pub fn prefix_groups(&self) -> impl Iterator<Item = (Prefix, &[RateRow])> + '_ {
        self.rows
            .chunk_by(|a, b| a.prefix == b.prefix)
            .map(|group| (group[0].prefix, group))
    }

    /// The rows of exactly `prefix`, sorted by effective date (empty if absent).
    pub fn versions(&self, prefix: Prefix) -> &[RateRow] {
        match self
            .index
            .get(prefix, |r| self.rows[r as usize].prefix.key())
        {
            Some((start, count)) => self.group(start, count),
            None => &[],
        }
    }

    /// Bit `n` is set when the deck has a prefix of `n` digits.
    pub fn length_mask(&self) -> u16 {
        self.length_mask
    }

    /// The row for `number` at `at`: the longest prefix that has a row in force then. A prefix
    /// whose rows have all ended (or are deleted) gives way to a shorter one.
    pub fn lookup(&self, number: E164, at: DateTime<Utc>) -> Option<&RateRow> {
        // The table reads the slots of all the lengths the deck has before checking any (one
        // overlapped memory latency, not one per length), longest first.
        self.index.find_longest(
            number,
            self.length_mask,
            |r| self.rows[r as usize].prefix.key(),
            |(start, count)| version_at(self.group(start, count), at),
        )
    }

    /// The rows of the prefix group starting at `start`, of `count` rows as the index stores it
    /// (saturated at [`MANY`], then counted).
    #[inline]
    fn group(&self, start: u32, count: u32) -> &[RateRow] {
        let start = start as usize;
        let end = if count < MANY {
            start + count as usize
        } else {
            let prefix = self.rows[start].prefix;
            start
                + self.rows[start..]
                    .iter()
                    .take_while(|r| r.prefix == prefix)
                    .count()
        };
        &self.rows[start..end]
    }

    /// Rebuilds the index after deserialising (serde skips it).
    ///
    /// Errors: as [`RateDeck::new`].
    pub fn reindexed(self) -> Result<Self, DeckError> {
        let RateDeck {
            currency,
            schedule,
            fee_policy,
            rows,
            ..
        } = self;
        let mut deck = RateDeck::new(currency, rows)?;
        deck.schedule = schedule;
        deck.fee_policy = fee_policy;
        Ok(deck)
    }
}

impl fmt::Display for RateRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}/min {} from {}",
            self.prefix,
            self.destination,
            self.rate,
            self.increment,
            self.effective_from.format("%Y-%m-%d %H:%M")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn row(prefix: &str, rate: &str, from: DateTime<Utc>, line: u64) -> RateRow {
        let mut r = RateRow::new(
            Prefix::parse(prefix).unwrap(),
            prefix,
            Rate::parse(rate).unwrap(),
            from,
        );
        r.line = line;
        r
    }

    #[test]
    fn longest_prefix_in_force_wins() {
        let t0 = at(2026, 1, 1, 0);
        let mut ended = row("4477", "0.30", t0, 3);
        ended.effective_to = Some(at(2026, 2, 1, 0));
        let deck = RateDeck::new(
            Currency::USD,
            vec![row("44", "0.10", t0, 1), row("447", "0.20", t0, 2), ended],
        )
        .unwrap();
        let n = E164::parse("447700900123").unwrap();
        assert_eq!(deck.lookup(n, at(2026, 1, 15, 0)).unwrap().line, 3);
        assert_eq!(deck.lookup(n, at(2026, 2, 1, 0)).unwrap().line, 2);
        assert!(deck.lookup(n, at(2025, 12, 31, 23)).is_none());
        assert_eq!(deck.prefix_count(), 3);
    }

    #[test]
    fn rate_change_at_midnight_switches_versions() {
        let deck = RateDeck::new(
            Currency::EUR,
            vec![
                row("33", "0.02", at(2026, 1, 1, 0), 1),
                row("33", "0.03", at(2026, 3, 1, 0), 2),
            ],
        )
        .unwrap();
        let n = E164::parse("33123456789").unwrap();
        let before = Utc.with_ymd_and_hms(2026, 2, 28, 23, 59, 59).unwrap();
        assert_eq!(deck.lookup(n, before).unwrap().line, 1);
        assert_eq!(deck.lookup(n, at(2026, 3, 1, 0)).unwrap().line, 2);
    }

    #[test]
    fn duplicate_prefix_names_both_lines() {
        let t0 = at(2026, 1, 1, 0);
        let err = RateDeck::new(
            Currency::USD,
            vec![row("44", "0.1", t0, 7), row("44", "0.2", t0, 9)],
        )
        .unwrap_err();
        assert!(matches!(
            err,
            DeckError::DuplicatePrefix {
                first_line: 7,
                second_line: 9,
                ..
            }
        ));
    }

    #[test]
    fn schedule_bands() {
        let s = PeakSchedule::default();
        assert_eq!(s.period_at(at(2026, 3, 2, 9)), Period::Peak); // Monday
        assert_eq!(s.period_at(at(2026, 3, 2, 18)), Period::OffPeak);
        assert_eq!(s.period_at(at(2026, 3, 7, 9)), Period::Weekend); // Saturday
        let cet = PeakSchedule {
            utc_offset_seconds: 3600,
            ..PeakSchedule::default()
        };
        assert_eq!(cet.period_at(at(2026, 3, 2, 7)), Period::Peak);
        let mut r = row("44", "0.10", at(2026, 1, 1, 0), 1);
        r.off_peak = Some(Rate::parse("0.05").unwrap());
        assert_eq!(r.rate_for(Period::Weekend).to_string(), "0.0500");
    }
}
