//! An open-addressing hash table from prefix keys ([`Prefix::key`](crate::number::Prefix::key))
//! to the first of a prefix's rows, laid out so that all of a number's prefix lengths are probed
//! at once.
//!
//! Each slot is one `u64`: 24 bits of the key's hash (top bit set, so an occupied slot is never
//! 0), the prefix's row count (up to 255; more are counted from the rows) and the index of its
//! first row. The table is a power of two kept at most half full,
//! with linear probing. A slot whose hash bits match is confirmed by the key of the row it points
//! to, so a hit costs the row read the caller needs anyway and no separate key array. A
//! longest-prefix lookup first reads the home slot of every candidate length (independent loads the
//! CPU overlaps), then checks them longest first: about one memory latency for all the lengths,
//! then one for the row.

/// Prefix key to the index of its first row and its row count; the rows (owned by the caller) give
/// the keys back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PrefixTable {
    /// Power-of-two length (or empty for a table that was never built); 0 is an empty slot.
    slots: Vec<u64>,
    /// `64 - log2(slots.len())`: the home slot is the top bits of the hash.
    shift: u32,
    len: usize,
}

/// Fibonacci hashing: the high bits of `key * 2^64 / phi` are well spread.
#[inline]
fn hash(key: u64) -> u64 {
    key.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// The top 24 bits of a slot for `hash`: 23 low bits of the hash with the top bit set. The home
/// index uses the top bits of the hash, so these are (nearly) independent of it.
#[inline]
fn check(hash: u64) -> u64 {
    ((hash & 0x7f_ffff) | 0x80_0000) << 40
}

/// The check bits of a slot.
const CHECK: u64 = !0 << 40;
/// The row index bits of a slot.
const ROW: u64 = 0xffff_ffff;
/// [`PrefixTable::insert`] saturates the stored row count here; the caller counts such groups.
pub(crate) const MANY: u32 = 255;

#[inline]
fn unpack(slot: u64) -> (u32, u32) {
    ((slot & ROW) as u32, ((slot >> 32) & 0xff) as u32)
}

impl PrefixTable {
    /// An empty table with room for `capacity` keys (it does not grow).
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let size = (capacity.max(4) * 2).next_power_of_two();
        PrefixTable {
            slots: vec![0; size],
            shift: 64 - size.trailing_zeros(),
            len: 0,
        }
    }

    /// Number of keys.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Adds `key` with first row `row` and `count` rows (stored up to [`MANY`]); `key_of(row)`
    /// gives the key of a stored row. The key must not be present yet, and the table must have
    /// room (see [`PrefixTable::with_capacity`]).
    pub(crate) fn insert(&mut self, key: u64, row: u32, count: u32, key_of: impl Fn(u32) -> u64) {
        assert!(
            (self.len + 1) * 2 <= self.slots.len(),
            "PrefixTable is full"
        );
        let h = hash(key);
        let mask = self.slots.len() - 1;
        let mut i = (h >> self.shift) as usize;
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                self.slots[i] = check(h) | u64::from(count.min(MANY)) << 32 | u64::from(row);
                self.len += 1;
                return;
            }
            debug_assert!(
                slot & CHECK != check(h) || key_of((slot & ROW) as u32) != key,
                "key inserted twice"
            );
            i = (i + 1) & mask;
        }
    }

    /// The first row of `key` (hash `h`), probing from slot `i` whose value is `first` (already
    /// read); `key_of` gives a row's key.
    #[inline]
    fn probe_from(
        &self,
        key: u64,
        h: u64,
        mut i: usize,
        first: u64,
        key_of: &impl Fn(u32) -> u64,
    ) -> Option<(u32, u32)> {
        let mask = self.slots.len() - 1;
        let wanted = check(h);
        let mut slot = first;
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
            slot = self.slots[i];
        }
    }

    /// The first row and row count (at most [`MANY`]) of `key`, if present; `key_of` gives a
    /// row's key.
    #[inline]
    pub(crate) fn get(&self, key: u64, key_of: impl Fn(u32) -> u64) -> Option<(u32, u32)> {
        if self.slots.is_empty() {
            return None;
        }
        let h = hash(key);
        let i = (h >> self.shift) as usize;
        self.probe_from(key, h, i, self.slots[i], &key_of)
    }

    /// Reads the home slots of `keys` (at most 16; all loads issued before any is needed), then
    /// calls `found` with the first row and row count (at most [`MANY`]) of each present key in
    /// order, until it returns `Some`.
    #[inline]
    pub(crate) fn find_first<R>(
        &self,
        keys: &[u64],
        key_of: impl Fn(u32) -> u64,
        mut found: impl FnMut((u32, u32)) -> Option<R>,
    ) -> Option<R> {
        if self.slots.is_empty() {
            return None;
        }
        let mut homes = [(0u64, 0usize, 0u64); 16];
        for (home, &key) in homes.iter_mut().zip(keys) {
            let h = hash(key);
            let i = (h >> self.shift) as usize;
            *home = (h, i, self.slots[i]);
        }
        for (&(h, i, first), &key) in homes.iter().zip(keys) {
            if let Some(row) = self.probe_from(key, h, i, first, &key_of)
                && let Some(result) = found(row)
            {
                return Some(result);
            }
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
        #[test]
        fn behaves_like_a_map(keys in proptest::collection::hash_set(1u64..5_000, 0..300), probes in proptest::collection::vec(1u64..5_000, 0..50)) {
            let keys: Vec<u64> = keys.into_iter().collect();
            let mut table = PrefixTable::with_capacity(keys.len());
            let mut map = HashMap::new();
            let key_of = |row: u32| keys[row as usize];
            for (n, &key) in keys.iter().enumerate() {
                table.insert(key, n as u32, 1 + n as u32 % 300, key_of);
                prop_assert_eq!(table.get(key, key_of), Some((n as u32, (1 + n as u32 % 300).min(MANY))));
                map.insert(key, n as u32);
            }
            prop_assert_eq!(table.len(), map.len());
            for key in keys.iter().chain(&probes) {
                prop_assert_eq!(table.get(*key, key_of).map(|r| r.0), map.get(key).copied());
            }
            let wanted: Vec<u64> = probes.iter().copied().take(16).collect();
            let first = table.find_first(&wanted, key_of, |(row, _)| Some(row));
            let expected = wanted.iter().find_map(|k| map.get(k).copied());
            prop_assert_eq!(first, expected);
        }
    }
}
