//! What a lookup does with the entries it visits: keep each carrier's first entry in force.

use super::{Candidate, DateTime, Entry, LcrIndex, Utc};

/// Carriers up to which a lookup picks entries into a fixed buffer, without branching on
/// each entry (a bit per carrier in a `u64`).
pub(super) const PICKS: usize = 64;

/// What a lookup does with the entries [`LcrIndex::visit`] feeds it, deepest first: keep each
/// carrier's first entry with a row in force.
pub(super) trait Collect {
    /// What [`Collect::rollback`] returns to.
    type Mark;
    /// Takes the candidates of `entries` for carriers not yet taken. False when an entry of a
    /// carrier not yet taken had no row in force.
    fn take(&mut self, entries: &[Entry]) -> bool;
    /// The state now.
    fn mark(&self) -> Self::Mark;
    /// Forgets what was taken since `mark`.
    fn rollback(&mut self, mark: Self::Mark);
}

/// The collector for at most [`PICKS`] carriers, with the rows' validity windows (the first 64)
/// checked once per lookup: `live` has bit `w` set when window `w` holds the call's time.
pub(super) struct Picks<'a> {
    pub(super) index: &'a LcrIndex,
    pub(super) at: DateTime<Utc>,
    pub(super) live: u64,
    /// Bit per carrier position already taken.
    pub(super) seen: u64,
    /// Entries taken, in order, in `entries[..count]` (one spare slot for branch-free writes).
    pub(super) count: usize,
    pub(super) entries: [Entry; PICKS + 1],
}

impl Collect for Picks<'_> {
    type Mark = (u64, usize);

    #[inline]
    fn take(&mut self, entries: &[Entry]) -> bool {
        let mut missed = 0u64;
        for &entry in entries {
            let window = entry.window();
            let in_force = if window < 64 {
                self.live >> window & 1
            } else {
                u64::from(self.index.row_at(entry, self.at).is_some())
            };
            let fresh = !self.seen >> entry.carrier() & 1;
            let take = fresh & in_force;
            // Written always, kept only when taken: no branch to mispredict.
            self.entries[self.count] = entry;
            self.count += take as usize;
            self.seen |= take << entry.carrier();
            missed |= fresh & !in_force;
        }
        missed & 1 == 0
    }

    fn mark(&self) -> Self::Mark {
        (self.seen, self.count)
    }

    fn rollback(&mut self, (seen, count): Self::Mark) {
        (self.seen, self.count) = (seen, count);
    }
}

/// The collector for any number of carriers and any time: appends to `out` directly.
pub(super) struct Exact<'a, 'o> {
    pub(super) index: &'a LcrIndex,
    pub(super) at: DateTime<Utc>,
    /// Bit per carrier position below 64 already taken (above, `out` is searched).
    pub(super) seen: u64,
    pub(super) out: &'o mut Vec<Candidate<'a>>,
}

impl Collect for Exact<'_, '_> {
    type Mark = (u64, usize);

    fn take(&mut self, entries: &[Entry]) -> bool {
        let mut all_in_force = true;
        for &entry in entries {
            let position = entry.carrier();
            let carrier = &self.index.carriers[position];
            let already = if position < 64 {
                self.seen & (1 << position) != 0
            } else {
                self.out.iter().any(|c| std::ptr::eq(c.carrier, carrier))
            };
            if already {
                continue;
            }
            if let Some(row) = self.index.row_at(entry, self.at) {
                if position < 64 {
                    self.seen |= 1 << position;
                }
                self.out.push(Candidate { carrier, row });
            } else {
                all_in_force = false;
            }
        }
        all_in_force
    }

    fn mark(&self) -> Self::Mark {
        (self.seen, self.out.len())
    }

    fn rollback(&mut self, (seen, len): Self::Mark) {
        self.seen = seen;
        self.out.truncate(len);
    }
}
