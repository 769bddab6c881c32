//! [`VecMap`]: a map kept as a `Vec` sorted by key, for the core's small maps (a broker's
//! vhosts, a vhost's exchanges and queues, a flow's pending calls). For the size of the browser
//! bundle: each `BTreeMap<K, V>` of a new key and value type compiles its own copy of the B-tree
//! (insert, remove with its rebalancing, clone, drop: several KB of WebAssembly each), where this
//! is a binary search and a `Vec` insert or remove. It iterates in key order, as a `BTreeMap`.
//!
//! Not for large maps that grow in the middle: an insert or a remove moves the entries after it.
//! [`DequeMap`] is the same on a `VecDeque`, for keys that come in increasing order and mostly
//! leave oldest first.

use std::borrow::Borrow;
use std::collections::VecDeque;

/// A map sorted by key, no repeats; the subset of `BTreeMap`'s methods the core uses.
#[derive(Debug, Clone, PartialEq)]
pub struct VecMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap(Vec::new())
    }
}

impl<K: Ord, V> VecMap<K, V> {
    pub const fn new() -> Self {
        VecMap(Vec::new())
    }

    /// Where `key` is (`Ok`), or where it would go (`Err`).
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        self.0.get(i).map(|(_, v)| v)
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        self.0.get_mut(i).map(|(_, v)| v)
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`; gives the value it replaces.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => self.0.get_mut(i).map(|(_, v)| std::mem::replace(v, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let i = self.find(key).ok()?;
        Some(self.0.remove(i).1)
    }

    /// Keeps the entries `keep` says yes to, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.0.iter_mut().map(|(_, v)| v)
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

/// A map sorted by key on a `VecDeque`: for keys that arrive in increasing order (delivery tags,
/// message ids) and mostly leave oldest first, where an insert or a remove at either end moves
/// nothing. Any order stays correct, only slower.
#[derive(Debug, Clone)]
pub struct DequeMap<K, V>(VecDeque<(K, V)>);

impl<K, V> Default for DequeMap<K, V> {
    fn default() -> Self {
        DequeMap(VecDeque::new())
    }
}

impl<K: Ord, V> DequeMap<K, V> {
    pub const fn new() -> Self {
        DequeMap(VecDeque::new())
    }

    /// Sets `key` to `value`; gives the value it replaces.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.0.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => self.0.get_mut(i).map(|(_, v)| std::mem::replace(v, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &K) -> Option<V> {
        // Most maps of this kind are empty: no search set up for nothing.
        if self.0.is_empty() {
            return None;
        }
        let i = self.0.binary_search_by(|(k, _)| k.cmp(key)).ok()?;
        self.0.remove(i).map(|(_, v)| v)
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }
}

/// Makes `items` a sorted set: in order, each item once. Without the standard library's sorts
/// (each sort of a new element type compiles another copy of one into the bundle): a few items,
/// as a route usually reaches, are sorted by insertion; more go through the crate's one merge
/// sort, so a fanout to 50,000 queues is not sorted in quadratic time.
pub fn sort_dedup<T: Ord>(items: &mut Vec<T>) {
    const FEW: usize = 32;
    if items.len() <= FEW {
        for i in 1..items.len() {
            let mut j = i;
            while j > 0 && items.get(j - 1) > items.get(j) {
                items.swap(j - 1, j);
                j -= 1;
            }
        }
    } else {
        crate::order::sort_by(items, T::cmp);
    }
    items.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_dedup_gives_each_item_once_in_order_few_or_many() {
        for n in [0, 1, 3, 32, 33, 1000] {
            // Every number below n/2 twice, in a scrambled order.
            let mut items: Vec<usize> = (0..n).map(|i| (i * 7919) % n.max(1) / 2).collect();
            sort_dedup(&mut items);
            let expected: Vec<usize> = (0..n.div_ceil(2)).collect();
            assert_eq!(items, expected, "n = {n}");
        }
    }
}
