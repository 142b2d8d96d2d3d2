//! Storage for the index's large arrays that asks the kernel for transparent huge pages.
//!
//! A lookup reads a few random cache lines of tables that take tens of megabytes (20 carriers x
//! 100,000 prefixes: about 140 MB of slots). With 4 KiB pages nearly every such read is also a
//! TLB miss, and the page walk behind it is two-dimensional under a hypervisor. On Linux the
//! arrays of 4 MiB or more live in an anonymous mapping advised with `MADV_HUGEPAGE`
//! (madvise(2)), which the kernel backs with 2 MiB pages under its default THP setting
//! (`madvise`, see the kernel's admin-guide/mm/transhuge); smaller arrays, other systems, and a
//! refused mapping use an ordinary `Vec` (the same data, only the pages differ).

use std::fmt;
use std::ops::Deref;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Arrays smaller than this (in bytes) stay on the heap: they cannot fill a huge page.
#[cfg(target_os = "linux")]
const MIN_MAPPED: usize = 4 << 20;

/// A read-only array of `T`, on huge pages where the system grants them.
pub(super) struct Pages<T> {
    store: Store<T>,
}

enum Store<T> {
    Heap(Vec<T>),
    #[cfg(target_os = "linux")]
    Mapped {
        map: memmap2::Mmap,
        len: usize,
    },
}

impl<T> Pages<T>
where
    T: Copy + FromBytes + IntoBytes + Immutable + KnownLayout,
{
    /// Holds `items`, copied into an advised mapping when they are large enough.
    pub(super) fn new(items: Vec<T>) -> Self {
        #[cfg(target_os = "linux")]
        if let Some(map) = mapped(items.as_bytes()) {
            return Pages {
                store: Store::Mapped {
                    map,
                    len: items.len(),
                },
            };
        }
        Pages {
            store: Store::Heap(items),
        }
    }

    /// True when the items live in the advised mapping (for tests and diagnostics).
    #[allow(dead_code)]
    pub(super) fn is_mapped(&self) -> bool {
        !matches!(self.store, Store::Heap(_))
    }

    /// The items.
    #[inline]
    pub(super) fn as_slice(&self) -> &[T] {
        match &self.store {
            Store::Heap(items) => items,
            #[cfg(target_os = "linux")]
            Store::Mapped { map, len } => {
                // A mapping is page aligned and was filled from exactly `len` items.
                <[T]>::ref_from_bytes_with_elems(&map[..*len * size_of::<T>()], *len)
                    .expect("a page-aligned mapping holds its items")
            }
        }
    }
}

/// An anonymous mapping advised for huge pages holding `bytes`, or None when too small or
/// refused (then the caller keeps the heap copy).
#[cfg(target_os = "linux")]
fn mapped(bytes: &[u8]) -> Option<memmap2::Mmap> {
    if bytes.len() < MIN_MAPPED {
        return None;
    }
    let mut map = memmap2::MmapMut::map_anon(bytes.len()).ok()?;
    // Advice before the first write, so the page faults that fill the mapping take huge pages.
    // A kernel without THP refuses it; the mapping then works with small pages.
    let _ = map.advise(memmap2::Advice::HugePage);
    map.copy_from_slice(bytes);
    map.make_read_only().ok()
}

impl<T> Deref for Pages<T>
where
    T: Copy + FromBytes + IntoBytes + Immutable + KnownLayout,
{
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T> Clone for Pages<T>
where
    T: Copy + FromBytes + IntoBytes + Immutable + KnownLayout,
{
    fn clone(&self) -> Self {
        Pages::new(self.as_slice().to_vec())
    }
}

impl<T> fmt::Debug for Pages<T>
where
    T: Copy + FromBytes + IntoBytes + Immutable + KnownLayout,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("len", &self.as_slice().len())
            .field("mapped", &self.is_mapped())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_arrays_are_mapped_small_ones_stay_on_the_heap_and_both_read_back() {
        let large: Vec<u64> = (0..(5 << 20) / 8).map(|i| i * 3 + 1).collect();
        let pages = Pages::new(large.clone());
        assert_eq!(pages.is_mapped(), cfg!(target_os = "linux"));
        assert_eq!(&pages[..], &large[..]);
        let copy = pages.clone();
        assert_eq!(copy.is_mapped(), pages.is_mapped());
        assert_eq!(&copy[..], &large[..]);

        let small = Pages::new(vec![7u32, 8, 9]);
        assert!(!small.is_mapped());
        assert_eq!(&small[..], &[7, 8, 9]);
        assert!(format!("{small:?}").contains("len: 3"));

        let empty: Pages<u64> = Pages::new(Vec::new());
        assert!(empty.is_empty());
    }
}
