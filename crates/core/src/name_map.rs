//! [`NameMap`]: a map from names to values in name order, for the maps a user's file can make
//! large (a vhost's exchanges and queues: an export may hold 100,000 queues). Lookups, inserts
//! and removes are O(log n), as a `BTreeMap`'s; a sorted `Vec` ([`crate::vec_map::VecMap`])
//! would move half the map at each insert, and took 4.3 s instead of 0.5 s to read an export of
//! 100,000 queues in random order.
//!
//! For the size of the browser bundle, the B-tree is always one of names to indices
//! (`BTreeMap<String, u32>`), compiled once whatever the value type; the values live in a `Vec`
//! whose freed places are reused.

use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct NameMap<V> {
    /// Each name's place in `values`.
    index: BTreeMap<String, u32>,
    values: Vec<Option<V>>,
    /// Places in `values` freed by a remove.
    free: Vec<u32>,
}

impl<V> Default for NameMap<V> {
    fn default() -> Self {
        NameMap {
            index: BTreeMap::new(),
            values: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<V> NameMap<V> {
    pub fn new() -> Self {
        NameMap::default()
    }

    fn at(&self, place: u32) -> Option<&V> {
        self.values.get(place as usize)?.as_ref()
    }

    pub fn get(&self, name: &str) -> Option<&V> {
        self.at(*self.index.get(name)?)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut V> {
        let place = *self.index.get(name)?;
        self.values.get_mut(place as usize)?.as_mut()
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// Sets `name` to `value`; gives the value it replaces.
    pub fn insert(&mut self, name: String, value: V) -> Option<V> {
        if let Some(&place) = self.index.get(name.as_str()) {
            return self.values.get_mut(place as usize)?.replace(value);
        }
        let place = match self.free.pop() {
            Some(place) => {
                if let Some(slot) = self.values.get_mut(place as usize) {
                    *slot = Some(value);
                }
                place
            }
            None => {
                self.values.push(Some(value));
                // A map of more than 4 billion names does not fit in memory first.
                (self.values.len() - 1) as u32
            }
        };
        self.index.insert(name, place);
        None
    }

    pub fn remove(&mut self, name: &str) -> Option<V> {
        let place = self.index.remove(name)?;
        self.free.push(place);
        self.values.get_mut(place as usize)?.take()
    }

    /// Values in name order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.index.values().filter_map(|&place| self.at(place))
    }

    /// Values in name order, to change.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        let mut places: Vec<Option<&mut V>> = self.values.iter_mut().map(Option::as_mut).collect();
        (self.index.values()).filter_map(move |&place| places.get_mut(place as usize)?.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_keeps_name_order_and_reuses_freed_places() {
        let mut map = NameMap::new();
        for (i, name) in ["q3", "q1", "q2"].iter().enumerate() {
            assert_eq!(map.insert((*name).to_owned(), i), None);
        }
        assert_eq!(map.insert("q1".to_owned(), 10), Some(1));
        let names: Vec<&str> = map.index.keys().map(String::as_str).collect();
        assert_eq!(names, ["q1", "q2", "q3"]);
        assert_eq!(map.values().copied().collect::<Vec<_>>(), [10, 2, 0]);
        assert_eq!(map.remove("q2"), Some(2));
        assert_eq!(map.remove("q2"), None);
        assert!(!map.contains_key("q2"));
        map.insert("q0".to_owned(), 7);
        assert_eq!(map.values.len(), 3, "the freed place is reused");
        for v in map.values_mut() {
            *v += 1;
        }
        assert_eq!(map.values().copied().collect::<Vec<_>>(), [8, 11, 1]);
        assert_eq!((map.index.len(), map.get("q3")), (3, Some(&1)));
        assert_eq!(map.get_mut("q9"), None);
    }
}
