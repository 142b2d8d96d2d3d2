//! A hash index from prefixes to their rows, laid out so that all of a number's prefix lengths
//! are probed at once and within a few nearby cache lines and pages.
//!
//! Prefixes of 1 to 3 digits sit in a direct table (1,110 entries). Longer prefixes are grouped by
//! their first four digits: each of the 10,000 starts has its own small open-addressing table (a
//! power of two kept at most half full, linear probing), so every length of one number probes the
//! same few lines. A slot is one `u64`: 23 bits of the key's hash with the top bit set (so an
//! occupied slot is never 0), the prefix's row count (up to 255; more are counted from the rows)
//! and the index of its first row. A slot whose hash bits match is confirmed by the key of the row
//! it points to, so a hit costs the row read the caller needs anyway and no key array. A
//! longest-prefix lookup first reads the home slot of every candidate length (independent loads
//! the CPU overlaps), then checks them longest first.

use crate::number::{E164, MAX_DIGITS, Prefix};

/// Digits of the start that picks a bucket.
const START_DIGITS: usize = 4;
const STARTS: usize = 10_000;
/// Direct-table offsets of prefixes of 1, 2 and 3 digits (index `OFFSET[len] + value`).
const OFFSET: [usize; START_DIGITS] = [0, 0, 10, 110];
const SHORT: usize = 1_110;

/// Prefix key to the index of its first row and its row count; the rows (owned by the caller)
/// give the keys back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PrefixTable {
    /// `(first row, count)` of each prefix of 1-3 digits (count 0 when absent); empty for an
    /// unbuilt table.
    short: Vec<(u32, u32)>,
    /// Per 4-digit start: first slot of its table in `slots` and log2 of its size (0: no table).
    buckets: Vec<(u32, u32)>,
    /// The starts' tables, concatenated in start order; 0 is an empty slot.
    slots: Vec<u64>,
    len: usize,
}

/// Fibonacci hashing: the high bits of `key * 2^64 / phi` are well spread.
#[inline]
fn hash(key: u64) -> u64 {
    key.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The top 24 bits of a slot for `hash`: 23 low bits of the hash with the top bit set (the home
/// index uses the top bits of the hash, so these are nearly independent of it).
#[inline]
fn check(hash: u64) -> u64 {
    ((hash & 0x7f_ffff) | 0x80_0000) << 40
}

/// The check bits of a slot.
const CHECK: u64 = !0 << 40;
/// The row index bits of a slot.
const ROW: u64 = 0xffff_ffff;
/// Stored row counts saturate here; the caller counts such groups from the rows.
pub(crate) const MANY: u32 = 255;

#[inline]
fn unpack(slot: u64) -> (u32, u32) {
    ((slot & ROW) as u32, ((slot >> 32) & 0xff) as u32)
}

/// The 4-digit start of a prefix of at least 4 digits, from its key.
#[inline]
fn start_of(key: u64) -> usize {
    let len = (key & 0xf) as usize;
    ((key >> 4) / 10u64.pow((len - START_DIGITS) as u32)) as usize
}

impl PrefixTable {
    /// Indexes `groups`: each prefix's key, first row and row count, keys distinct; `key_of`
    /// gives the key of a row.
    pub(crate) fn build(groups: &[(u64, u32, u32)], key_of: impl Fn(u32) -> u64) -> Self {
        let mut short = vec![(0u32, 0u32); SHORT];
        let mut sizes = vec![0usize; STARTS];
        for &(key, _, _) in groups {
            if (key & 0xf) as usize >= START_DIGITS {
                sizes[start_of(key)] += 1;
            }
        }
        let mut buckets = Vec::with_capacity(STARTS);
        let mut total = 0usize;
        for &count in &sizes {
            let bits = if count == 0 {
                0
            } else {
                (count * 2).next_power_of_two().trailing_zeros()
            };
            buckets.push((total as u32, bits));
            total += if bits == 0 { 0 } else { 1 << bits };
        }
        let mut slots = vec![0u64; total];
        for &(key, row, count) in groups {
            let len = (key & 0xf) as usize;
            if len < START_DIGITS {
                short[OFFSET[len] + (key >> 4) as usize] = (row, count.min(MANY));
                continue;
            }
            let (offset, bits) = buckets[start_of(key)];
            let table = &mut slots[offset as usize..(offset as usize + (1 << bits))];
            let h = hash(key);
            let mut i = (h >> (64 - bits)) as usize;
            while table[i] != 0 {
                debug_assert!(key_of(unpack(table[i]).0) != key, "key inserted twice");
                i = (i + 1) & (table.len() - 1);
            }
            table[i] = check(h) | u64::from(count.min(MANY)) << 32 | u64::from(row);
        }
        PrefixTable {
            short,
            buckets,
            slots,
            len: groups.len(),
        }
    }

    /// Number of keys.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The first row and row count (at most [`MANY`]) of `key` in the table starting at slot
    /// `offset` with `bits` bits, probing from slot `i` whose value is `slot` (already read).
    #[inline]
    fn probe_from(
        &self,
        key: u64,
        offset: usize,
        bits: u32,
        mut i: usize,
        mut slot: u64,
        key_of: &impl Fn(u32) -> u64,
    ) -> Option<(u32, u32)> {
        let mask = (1usize << bits) - 1;
        let wanted = check(hash(key));
        loop {
            if slot == 0 {
                return None;
            }
            if slot & CHECK == wanted {
                let (row, count) = unpack(slot);
                if key_of(row) == key {
                    return Some((row, count));
                }
            }
            i = (i + 1) & mask;
            slot = self.slots[offset + i];
        }
    }

    /// The first row and row count (at most [`MANY`]) of `prefix`, if present; `key_of` gives a
    /// row's key.
    pub(crate) fn get(&self, prefix: Prefix, key_of: impl Fn(u32) -> u64) -> Option<(u32, u32)> {
        if self.short.is_empty() {
            return None;
        }
        let key = prefix.key();
        let len = prefix.len();
        if len < START_DIGITS {
            let (row, count) = self.short[OFFSET[len] + (key >> 4) as usize];
            return (count > 0).then_some((row, count));
        }
        let (offset, bits) = self.buckets[start_of(key)];
        if bits == 0 {
            return None;
        }
        let i = (hash(key) >> (64 - bits)) as usize;
        let offset = offset as usize;
        self.probe_from(key, offset, bits, i, self.slots[offset + i], &key_of)
    }

    /// For the prefixes of `number` whose lengths are set in `lengths` (bit `n` for `n` digits),
    /// longest first: calls `found` with each present one's first row and row count (at most
    /// [`MANY`]) until it returns `Some`. The home slots of all lengths are read before any is
    /// checked, so their loads overlap; `key_of` gives a row's key.
    #[inline]
    pub(crate) fn find_longest<R>(
        &self,
        number: E164,
        lengths: u16,
        key_of: impl Fn(u32) -> u64,
        mut found: impl FnMut((u32, u32)) -> Option<R>,
    ) -> Option<R> {
        if self.short.is_empty() {
            return None;
        }
        let max = number.len().min(MAX_DIGITS);
        let mut prefix = number.prefix(max);
        if max >= START_DIGITS {
            let (offset, bits) = self.buckets[(number.prefix(START_DIGITS).key() >> 4) as usize];
            let offset = offset as usize;
            if bits > 0 {
                let mut homes = [(0u64, 0usize, 0u64); MAX_DIGITS];
                let mut count = 0;
                for len in (START_DIGITS..=max).rev() {
                    if lengths & (1 << len) != 0 {
                        let key = prefix.key();
                        let i = (hash(key) >> (64 - bits)) as usize;
                        homes[count] = (key, i, self.slots[offset + i]);
                        count += 1;
                    }
                    prefix = prefix.parent();
                }
                for &(key, i, slot) in &homes[..count] {
                    if let Some(range) = self.probe_from(key, offset, bits, i, slot, &key_of)
                        && let Some(result) = found(range)
                    {
                        return Some(result);
                    }
                }
            } else {
                prefix = number.prefix(START_DIGITS - 1);
            }
        }
        for len in (1..=prefix.len().min(START_DIGITS - 1)).rev() {
            if lengths & (1 << len) != 0 {
                let (row, count) = self.short[OFFSET[len] + (prefix.key() >> 4) as usize];
                if count > 0
                    && let Some(result) = found((row, count))
                {
                    return Some(result);
                }
            }
            prefix = prefix.parent();
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    proptest! {
        /// Lookups agree with a map of every prefix, longest present prefix first.
        #[test]
        fn behaves_like_a_map(
            prefixes in proptest::collection::hash_set("[0-9]{1,8}", 0..300),
            numbers in proptest::collection::vec("[1-9][0-9]{0,14}", 1..30),
        ) {
            let keys: Vec<u64> = prefixes.iter().map(|p| Prefix::parse(p).unwrap().key()).collect();
            let groups: Vec<(u64, u32, u32)> = keys
                .iter()
                .enumerate()
                .map(|(n, &key)| (key, n as u32, 1 + n as u32 % 300))
                .collect();
            let key_of = |row: u32| keys[row as usize];
            let table = PrefixTable::build(&groups, key_of);
            prop_assert_eq!(table.len(), keys.len());
            let map: HashMap<u64, (u32, u32)> = groups
                .iter()
                .map(|&(key, row, count)| (key, (row, count.min(MANY))))
                .collect();
            let mut lengths = 0u16;
            for p in &prefixes {
                let p = Prefix::parse(p).unwrap();
                prop_assert_eq!(table.get(p, key_of), map.get(&p.key()).copied());
                lengths |= 1 << p.len();
            }
            for n in &numbers {
                let number = Prefix::parse(n).unwrap().as_number();
                prop_assert_eq!(table.get(Prefix::parse(n).unwrap(), key_of), map.get(&Prefix::parse(n).unwrap().key()).copied());
                let expected = (1..=number.len())
                    .rev()
                    .find_map(|len| map.get(&number.prefix(len).key()).copied());
                let got = table.find_longest(number, lengths, key_of, Some);
                prop_assert_eq!(got, expected);
                // With every length asked for, absent lengths are skipped the same way.
                let got = table.find_longest(number, u16::MAX, key_of, Some);
                prop_assert_eq!(got, expected);
            }
        }
    }
}
