//! A decimal digit trie over prefixes, for longest-prefix lookups that follow a number's digits
//! instead of hashing each of its prefix lengths (the hot path of rating and LCR).
//!
//! Node 0 is the root (the empty prefix); a child index of 0 means "no child". Each node is one
//! cache line: its ten children and the `first..end` range of the caller's data for its prefix
//! (entries, rows). A table over the first four digits gives the nodes of lengths 1 to 4 in one
//! load, so a lookup walks only the digits after the fourth.

use crate::number::{E164, MAX_DIGITS, Prefix};

/// Digits resolved by the top table.
const TOP_DIGITS: usize = 4;
const TOP_SIZE: usize = 10_000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C, align(64))]
struct Node<T> {
    children: [u32; 10],
    first: u32,
    end: u32,
    /// A copy of the data item when the range holds exactly one (saves a cache miss).
    single: T,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DigitTrie<T> {
    nodes: Vec<Node<T>>,
    /// For each 4-digit start, the nodes of its first 1..=4 digits (0 after the first missing).
    top: Vec<[u32; TOP_DIGITS]>,
}

impl<T: Copy + Default> Default for DigitTrie<T> {
    fn default() -> Self {
        DigitTrie {
            nodes: vec![Node::default()],
            top: Vec::new(),
        }
    }
}

impl<T: Copy + Default> DigitTrie<T> {
    /// The node of `prefix`, created with its ancestors when absent.
    pub(crate) fn insert(&mut self, prefix: Prefix) -> u32 {
        self.top.clear();
        let digits = prefix.digits();
        let mut node = 0usize;
        for &digit in &digits[..prefix.len()] {
            let child = self.nodes[node].children[usize::from(digit)];
            node = if child == 0 {
                let id = self.nodes.len();
                self.nodes.push(Node::default());
                self.nodes[node].children[usize::from(digit)] = id as u32;
                id
            } else {
                child as usize
            };
        }
        node as u32
    }

    /// Sets the data range of `node` and, for a range of one item, its copy.
    pub(crate) fn set_range(&mut self, node: u32, first: u32, end: u32, single: T) {
        let node = &mut self.nodes[node as usize];
        node.first = first;
        node.end = end;
        node.single = single;
    }

    /// Renumbers the nodes in breadth-first order (so the short, shared prefixes and their data
    /// are packed together and stay cached) and builds the table of the first four digits; call after the last insert and
    /// before [`DigitTrie::set_range`]. Returns the new id of each old node id.
    pub(crate) fn finish(&mut self) -> Vec<u32> {
        let mut new_id = vec![0u32; self.nodes.len()];
        let mut order = Vec::with_capacity(self.nodes.len());
        order.push(0u32);
        let mut next = 0;
        while next < order.len() {
            let old = order[next];
            new_id[old as usize] = next as u32;
            next += 1;
            order.extend(
                self.nodes[old as usize]
                    .children
                    .iter()
                    .copied()
                    .filter(|&c| c != 0),
            );
        }
        self.nodes = order
            .iter()
            .map(|&old| {
                let mut node = self.nodes[old as usize];
                for child in node.children.iter_mut().filter(|c| **c != 0) {
                    *child = new_id[*child as usize];
                }
                node
            })
            .collect();
        let mut top = vec![[0u32; TOP_DIGITS]; TOP_SIZE];
        for (start, slot) in top.iter_mut().enumerate() {
            let mut node = 0usize;
            let mut divisor = TOP_SIZE / 10;
            for entry in slot.iter_mut() {
                let digit = (start / divisor) % 10;
                divisor /= 10;
                let child = self.nodes[node].children[digit];
                if child == 0 {
                    break;
                }
                *entry = child;
                node = child as usize;
            }
        }
        self.top = top;
        new_id
    }

    /// Writes into `path` the data of the number's leading digits that have nodes, shortest
    /// first (`path[i]` is for the first `i + 1` digits): each node's data range and its single
    /// item. Returns how many there are. The nodes of the first four digits are read before the
    /// walk down the rest, so their loads overlap it.
    #[inline]
    pub(crate) fn path(&self, number: E164, path: &mut [NodeData<T>; MAX_DIGITS]) -> usize {
        let digits = number.digits();
        let len = number.len().min(MAX_DIGITS);
        let mut depth = 0;
        let mut node = 0usize;
        if len >= TOP_DIGITS && !self.top.is_empty() {
            let start = digits[..TOP_DIGITS]
                .iter()
                .fold(0usize, |acc, &d| acc * 10 + usize::from(d));
            for &entry in &self.top[start] {
                if entry == 0 {
                    return depth;
                }
                path[depth] = NodeData::of(&self.nodes[entry as usize]);
                node = entry as usize;
                depth += 1;
            }
        }
        while depth < len {
            let child = self.nodes[node].children[usize::from(digits[depth])];
            if child == 0 {
                break;
            }
            node = child as usize;
            path[depth] = NodeData::of(&self.nodes[node]);
            depth += 1;
        }
        depth
    }
}

/// A node's data range and, when the range holds one item, a copy of it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NodeData<T> {
    /// First data index.
    pub(crate) first: u32,
    /// One past the last.
    pub(crate) end: u32,
    /// The item, when `end - first == 1`.
    pub(crate) single: T,
}

impl<T: Copy> NodeData<T> {
    #[inline]
    fn of(node: &Node<T>) -> Self {
        NodeData {
            first: node.first,
            end: node.end,
            single: node.single,
        }
    }
}
