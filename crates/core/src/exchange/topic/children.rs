//! A trie node's literal children: an open-addressing table (linear probing, at most half full)
//! from word hash to child node. One probe usually finds a child or proves it absent, where a
//! binary search over a sorted list of 300 children took eight dependent cache misses and half
//! of routing time. Equal hashes may sit side by side; the caller tells them apart by word.

use super::trie::NodeId;

#[derive(Debug, Clone, Default)]
pub(super) struct Children {
    /// A power-of-two number of places (or none); `None` marks a free place.
    places: Vec<(u64, Option<NodeId>)>,
    len: usize,
}

impl Children {
    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first child with word hash `hash` that `is_it` accepts.
    pub(super) fn find(&self, hash: u64, mut is_it: impl FnMut(NodeId) -> bool) -> Option<NodeId> {
        let mask = self.places.len().checked_sub(1)?;
        let mut at = home(hash, mask);
        loop {
            let (h, id) = self.places.get(at)?;
            let id = (*id)?;
            if *h == hash && is_it(id) {
                return Some(id);
            }
            at = (at + 1) & mask;
        }
    }

    pub(super) fn insert(&mut self, hash: u64, id: NodeId) {
        if 2 * (self.len + 1) > self.places.len() {
            self.rebuild((2 * (self.len + 1)).next_power_of_two());
        }
        self.place(hash, id);
        self.len += 1;
    }

    /// Removes child `id`. Rebuilds the table, which keeps probing simple and is cheap next to
    /// the routing it speeds up; shrinks it when it is mostly empty.
    pub(super) fn remove(&mut self, id: NodeId) {
        let Some(i) = self.places.iter().position(|(_, c)| *c == Some(id)) else {
            return;
        };
        if let Some(place) = self.places.get_mut(i) {
            place.1 = None;
        }
        self.len -= 1;
        let wanted = (2 * self.len).next_power_of_two();
        self.rebuild(if self.len == 0 { 0 } else { wanted });
    }

    fn rebuild(&mut self, capacity: usize) {
        let old = std::mem::replace(&mut self.places, vec![(0, None); capacity]);
        for (hash, id) in old {
            if let Some(id) = id {
                self.place(hash, id);
            }
        }
    }

    /// Puts an entry in the first free place from its home; the table is never full.
    fn place(&mut self, hash: u64, id: NodeId) {
        let Some(mask) = self.places.len().checked_sub(1) else {
            return;
        };
        let mut at = home(hash, mask);
        while let Some(place) = self.places.get_mut(at) {
            if place.1.is_none() {
                *place = (hash, Some(id));
                return;
            }
            at = (at + 1) & mask;
        }
    }
}

/// Where probing for `hash` starts: its low bits (FxHash's `finish` rotates the well-mixed
/// high bits of its product there).
fn home(hash: u64, mask: usize) -> usize {
    (hash as usize) & mask
}
