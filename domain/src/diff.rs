//! Differences between a carrier's current deck and a new one, with notice checks.
//!
//! Rates change with an effective date; increases usually need 7 days' notice, decreases apply at
//! once (design/domain.md "Rate deck"). An increase whose effective date is earlier than the time
//! the deck was received plus the notice period is flagged `short_notice`.

use crate::deck::{RateDeck, RateStatus, version_at};
use crate::money::Rate;
use crate::number::Prefix;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// What happened to a prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Not in the old deck.
    New,
    /// In force in the old deck, absent (or deleted) in the new one.
    Removed,
    /// Higher rate per minute.
    Increased,
    /// Lower rate per minute.
    Decreased,
    /// Same rate per minute.
    Unchanged,
}

/// How much notice a rate increase needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticePolicy {
    /// Days between receiving an increase and its effective date (default 7).
    pub days: u32,
}

impl Default for NoticePolicy {
    fn default() -> Self {
        NoticePolicy { days: 7 }
    }
}

/// One prefix's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffEntry {
    /// The prefix.
    pub prefix: Prefix,
    /// Destination name (new deck's, or old deck's for removals).
    pub destination: String,
    /// The change.
    pub change: Change,
    /// Rate per minute before, if any.
    pub old_rate: Option<Rate>,
    /// Rate per minute after, if any.
    pub new_rate: Option<Rate>,
    /// When the change takes effect (the received time for removals).
    pub effective_from: DateTime<Utc>,
    /// An increase effective before `received_at + notice`.
    pub short_notice: bool,
}

/// All changes, in prefix order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeckDiff {
    /// One entry per prefix of either deck.
    pub entries: Vec<DiffEntry>,
}

impl DeckDiff {
    /// Number of entries with `change`.
    pub fn count(&self, change: Change) -> usize {
        self.entries.iter().filter(|e| e.change == change).count()
    }

    /// The increases that arrive with less notice than the policy asks.
    pub fn short_notice(&self) -> impl Iterator<Item = &DiffEntry> {
        self.entries.iter().filter(|e| e.short_notice)
    }
}

/// Compares `new` (received at `received_at`) with `old`: for each prefix of `new`, its latest row
/// against the row of `old` in force when that row takes effect; prefixes of `old` in force at
/// `received_at` and missing from `new` are removals.
pub fn diff_decks(
    old: &RateDeck,
    new: &RateDeck,
    received_at: DateTime<Utc>,
    notice: NoticePolicy,
) -> DeckDiff {
    let notice_until = received_at + Duration::days(i64::from(notice.days));
    let mut entries = Vec::new();
    for (prefix, versions) in new.prefix_groups() {
        let latest = versions.last().expect("groups are not empty");
        let when = latest.effective_from.max(received_at);
        let before = version_at(old.versions(prefix), when)
            .or_else(|| version_at(old.versions(prefix), received_at));
        let (change, new_rate) = match (before, latest.status) {
            (None, Some(RateStatus::Deleted)) => continue,
            (Some(_), Some(RateStatus::Deleted)) => (Change::Removed, None),
            (None, _) => (Change::New, Some(latest.rate)),
            (Some(old_row), _) => {
                let change = match latest.rate.cmp(&old_row.rate) {
                    std::cmp::Ordering::Greater => Change::Increased,
                    std::cmp::Ordering::Less => Change::Decreased,
                    std::cmp::Ordering::Equal => Change::Unchanged,
                };
                (change, Some(latest.rate))
            }
        };
        entries.push(DiffEntry {
            prefix,
            destination: latest.destination.clone(),
            change,
            old_rate: before.map(|r| r.rate),
            new_rate,
            effective_from: latest.effective_from,
            short_notice: change == Change::Increased && latest.effective_from < notice_until,
        });
    }
    for (prefix, versions) in old.prefix_groups() {
        if new.versions(prefix).is_empty()
            && let Some(row) = version_at(versions, received_at)
        {
            entries.push(DiffEntry {
                prefix,
                destination: row.destination.clone(),
                change: Change::Removed,
                old_rate: Some(row.rate),
                new_rate: None,
                effective_from: received_at,
                short_notice: false,
            });
        }
    }
    entries.sort_by_key(|e| e.prefix);
    DeckDiff { entries }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deck::RateRow;
    use crate::money::Currency;
    use chrono::TimeZone;

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, 0, 0, 0).unwrap()
    }

    fn deck(rows: &[(&str, &str, u32)]) -> RateDeck {
        let rows = rows
            .iter()
            .map(|(p, r, d)| {
                RateRow::new(
                    Prefix::parse(p).unwrap(),
                    *p,
                    Rate::parse(r).unwrap(),
                    day(*d),
                )
            })
            .collect();
        RateDeck::new(Currency::USD, rows).unwrap()
    }

    #[test]
    fn lists_every_kind_of_change_and_flags_short_notice() {
        let old = deck(&[
            ("33", "0.02", 1),
            ("34", "0.03", 1),
            ("44", "0.01", 1),
            ("49", "0.05", 1),
        ]);
        let new = deck(&[
            ("33", "0.02", 10),
            ("34", "0.04", 12),
            ("44", "0.02", 20),
            ("49", "0.04", 10),
            ("39", "0.06", 10),
        ]);
        let diff = diff_decks(&old, &new, day(10), NoticePolicy::default());
        let summary: Vec<(String, Change, bool)> = diff
            .entries
            .iter()
            .map(|e| (e.prefix.to_string(), e.change, e.short_notice))
            .collect();
        assert_eq!(
            summary,
            [
                ("33".into(), Change::Unchanged, false),
                ("34".into(), Change::Increased, true),
                ("39".into(), Change::New, false),
                ("44".into(), Change::Increased, false),
                ("49".into(), Change::Decreased, false),
            ]
        );
        let removed = diff_decks(
            &new,
            &deck(&[("33", "0.02", 10)]),
            day(25),
            NoticePolicy { days: 3 },
        );
        assert_eq!(removed.count(Change::Removed), 4);
        assert_eq!(removed.count(Change::Unchanged), 1);
        assert_eq!(removed.short_notice().count(), 0);
    }
}
