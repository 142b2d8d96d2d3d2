//! Building an [`LcrIndex`]: the carriers' decks merged by prefix into per-start blocks,
//! resolved blocks and hash tables of the longer prefixes.

use super::{
    BITS_WIDTH, Bucket, Carrier, DeepSlot, Entry, INLINE_MAX, INLINE_SHIFT, LINE_ENTRIES, LcrIndex,
    MULTI, Pages, TOP_DIGITS, TOP_SIZE,
};
use crate::deck::{RateRow, RateStatus};
use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;

/// Unix nanoseconds of `at`, saturated to the `i64` range.
fn saturated_nanos(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt().unwrap_or(if at.timestamp() < 0 {
        i64::MIN
    } else {
        i64::MAX
    })
}

/// The window `from_ns..to_ns` (Unix nanoseconds, saturated) in which a single row is in force:
/// for `at_ns` strictly inside the `i64` range, `from_ns <= at_ns < to_ns` iff `row.in_force(at)`.
fn window_of(row: &RateRow) -> (i64, i64) {
    if row.status == Some(RateStatus::Deleted) {
        // Never in force: an empty window.
        (i64::MAX, i64::MIN)
    } else {
        (
            saturated_nanos(row.effective_from),
            row.effective_to.map_or(i64::MAX, saturated_nanos),
        )
    }
}

/// Interns `window` in `windows` (deduplicated through `ids`) and returns its index.
fn intern_window(
    windows: &mut Vec<(i64, i64)>,
    ids: &mut FxHashMap<(i64, i64), u32>,
    window: (i64, i64),
) -> u32 {
    *ids.entry(window).or_insert_with(|| {
        windows.push(window);
        (windows.len() - 1) as u32
    })
}

impl LcrIndex {
    /// Indexes the carriers' decks.
    ///
    /// Panics with more than 2^20 (about a million) carriers.
    pub fn new(carriers: Vec<Carrier>) -> Self {
        let mut windows: Vec<(i64, i64)> = Vec::new();
        let mut window_ids: FxHashMap<(i64, i64), u32> = FxHashMap::default();
        let mut keyed: Vec<(u64, Entry)> = Vec::new();
        for (position, carrier) in carriers.iter().enumerate() {
            let rows = carrier.deck.rows();
            let mut start = 0usize;
            for (prefix, group) in carrier.deck.prefix_groups() {
                let window = match group {
                    [row] => intern_window(&mut windows, &mut window_ids, window_of(row)),
                    _ => MULTI,
                };
                let mut entry = Entry::new(position, window);
                entry.start = start as u32;
                keyed.push((prefix.key(), entry));
                start += group.len();
            }
            debug_assert_eq!(start, rows.len());
        }
        // Stable: within a prefix, entries stay in carrier position order.
        keyed.sort_by_key(|(key, _)| *key);
        // Every prefix's entries, by key; the longer prefixes grouped by 4-digit start.
        let mut all: Vec<Entry> = Vec::with_capacity(keyed.len());
        let mut ranges: FxHashMap<u64, (u32, u32)> = FxHashMap::default();
        let mut deep: Vec<Vec<(u64, u32, u32)>> = vec![Vec::new(); TOP_SIZE];
        for group in keyed.chunk_by(|a, b| a.0 == b.0) {
            let key = group[0].0;
            let first = all.len() as u32;
            all.extend(group.iter().map(|(_, entry)| *entry));
            let (len, value) = ((key & 0xf) as usize, key >> 4);
            if len > TOP_DIGITS {
                let start = value / 10u64.pow((len - TOP_DIGITS) as u32);
                deep[start as usize].push((key, first, all.len() as u32));
            } else {
                ranges.insert(key, (first, all.len() as u32));
            }
        }
        let mut buckets = Vec::with_capacity(TOP_SIZE);
        let mut slots = Vec::new();
        let mut entries = Vec::new();
        let mut block = Vec::new();
        let mut firsts = Vec::new();
        let mut taken = rustc_hash::FxHashSet::default();
        for (start, prefixes) in deep.iter().enumerate() {
            block.clear();
            for len in (1..=TOP_DIGITS).rev() {
                let prefix = start as u64 / 10u64.pow((TOP_DIGITS - len) as u32);
                if let Some(&(a, b)) = ranges.get(&(prefix << 4 | len as u64)) {
                    block.extend_from_slice(&all[a as usize..b as usize]);
                }
            }
            taken.clear();
            firsts.clear();
            firsts.extend(
                block
                    .iter()
                    .filter(|entry| taken.insert(entry.carrier()))
                    .copied(),
            );
            // Each start's run begins on a cache line (in the page-aligned mapping): a lookup
            // reads the fewest lines of it.
            entries.resize(
                entries.len().next_multiple_of(LINE_ENTRIES),
                Entry::default(),
            );
            let resolved = entries.len() as u32;
            if firsts.len() < block.len() {
                entries.extend_from_slice(&firsts);
            }
            let first = entries.len() as u32;
            entries.extend_from_slice(&block);
            let table = slots.len() as u32;
            assert!(
                table < 1 << (32 - BITS_WIDTH),
                "LcrIndex holds at most 2^27 longer prefixes"
            );
            let bits = if prefixes.is_empty() {
                0
            } else {
                (prefixes.len() * 2).next_power_of_two().trailing_zeros()
            };
            slots.resize(
                slots.len() + (1usize << bits) * usize::from(bits > 0),
                DeepSlot::default(),
            );
            let bucket = Bucket {
                resolved,
                block: first,
                end: entries.len() as u32,
                table: table << BITS_WIDTH | bits,
                lengths: prefixes
                    .iter()
                    .fold(0, |lengths, &(key, _, _)| lengths | 1 << (key & 0xf)),
            };
            for &(key, a, b) in prefixes {
                let group = &all[a as usize..b as usize];
                let slot = if group.len() <= INLINE_MAX {
                    let mut slot = DeepSlot {
                        key: key | (group.len() as u64) << INLINE_SHIFT,
                        entries: [Entry::default(); INLINE_MAX],
                    };
                    slot.entries[..group.len()].copy_from_slice(group);
                    slot
                } else {
                    let first = entries.len() as u32;
                    entries.extend_from_slice(group);
                    let mut slot = DeepSlot {
                        key,
                        entries: [Entry::default(); INLINE_MAX],
                    };
                    slot.entries[0] = Entry {
                        start: first,
                        meta: entries.len() as u32,
                    };
                    slot
                };
                let mut i = bucket.home(key);
                let table = &mut slots[table as usize..];
                while table[i].key != 0 {
                    i = (i + 1) & ((1 << bits) - 1);
                }
                table[i] = slot;
            }
            buckets.push(bucket);
        }
        let mut short = FxHashMap::default();
        for (&key, &(a, b)) in ranges
            .iter()
            .filter(|(key, _)| (*key & 0xf) < TOP_DIGITS as u64)
        {
            let first = entries.len() as u32;
            entries.extend_from_slice(&all[a as usize..b as usize]);
            short.insert(key, (first, entries.len() as u32));
        }
        LcrIndex {
            carriers,
            buckets,
            slots: Pages::new(slots),
            entries: Pages::new(entries),
            short,
            windows,
        }
    }
}
