//! One sort for the whole program, for the size of the browser bundle. Each `sort_by` (and each
//! `collect` into a `BTreeMap` or a JSON object, which sorts) of a new element type compiles a
//! new copy of the standard library's sort: about 5 KB of WebAssembly each, 14 copies in the app.
//! [`sort_by`] sorts a permutation of indices with a dynamic comparison, so the standard sort is
//! compiled once, and then moves the items along the permutation's cycles. It is stable.
//! [`object`] builds a JSON object by inserting (the last of equal keys wins, as in `collect`).
//! [`json_text`] writes JSON as `Display` does, without linking `Display for Value` (a third
//! and fourth copy of serde_json's writer: through a `fmt::Formatter`, compact and pretty).
//!
//! Not for hot paths: each comparison is a dynamic call through the indices.

use std::cmp::Ordering;

use serde_json::{Map, Value as Json};

/// Sorts `items` by `cmp`, keeping equal items in their order (as `slice::sort_by`).
pub fn sort_by<T>(items: &mut [T], cmp: impl Fn(&T, &T) -> Ordering) {
    let compare = |a: usize, b: usize| match (items.get(a), items.get(b)) {
        (Some(x), Some(y)) => cmp(x, y),
        _ => Ordering::Equal,
    };
    let order = permutation(items.len(), &compare);
    apply(items, &order);
}

/// Sorts `items` by the key `key` gives, stably (as `slice::sort_by_key`).
pub fn sort_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// A JSON object of these pairs; of equal keys the last wins.
pub fn object(pairs: impl IntoIterator<Item = (String, Json)>) -> Json {
    Json::Object(map(pairs))
}

/// A JSON map of these pairs; of equal keys the last wins.
pub fn map(pairs: impl IntoIterator<Item = (String, Json)>) -> Map<String, Json> {
    let mut map = Map::new();
    for (k, v) in pairs {
        map.insert(k, v);
    }
    map
}

/// `json` as compact text: what `json.to_string()` gives (a `Value` always serializes).
pub fn json_text(json: &Json) -> String {
    serde_json::to_string(json).unwrap_or_default()
}

/// The indices `0..len` in sorted order: the one compiled copy of the standard sort.
fn permutation(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

/// Rearranges `items` so that position `k` holds what was at `order[k]`, following each cycle
/// of the permutation once (linear time, no clone).
fn apply<T>(items: &mut [T], order: &[usize]) {
    let mut done = vec![false; items.len()];
    for start in 0..items.len() {
        if done.get(start).copied() == Some(true) {
            continue;
        }
        let mut at = start;
        loop {
            if let Some(d) = done.get_mut(at) {
                *d = true;
            }
            let Some(&from) = order.get(at) else { break };
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_as_the_standard_stable_sort(items in prop::collection::vec((0u8..6, any::<u16>()), 0..200)) {
            let mut ours = items.clone();
            let mut std_sorted = items;
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            std_sorted.sort_by_key(|a| a.0);
            prop_assert_eq!(ours, std_sorted);
        }

        #[test]
        fn objects_keep_the_last_of_equal_keys(pairs in prop::collection::vec((0u8..5, any::<u8>()), 0..30)) {
            let pairs: Vec<(String, Json)> =
                pairs.into_iter().map(|(k, v)| (k.to_string(), Json::from(v))).collect();
            let expected = Json::Object(pairs.iter().cloned().collect());
            prop_assert_eq!(object(pairs), expected);
        }
    }

    #[test]
    fn moves_items_that_are_not_clone() {
        struct Item(u32, String);
        let mut items: Vec<Item> = [3, 1, 2, 1, 0]
            .iter()
            .enumerate()
            .map(|(i, &k)| Item(k, i.to_string()))
            .collect();
        sort_by_key(&mut items, |i| i.0);
        let got: Vec<(u32, &str)> = items.iter().map(|i| (i.0, i.1.as_str())).collect();
        assert_eq!(got, [(0, "4"), (1, "1"), (1, "3"), (2, "2"), (3, "0")]);
    }
}
