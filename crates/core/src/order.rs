//! One sort for the whole program, for the size of the browser bundle. Each `sort_by` (and each
//! `collect` into a `BTreeMap` or a JSON object, which sorts) of a new element type compiles a
//! new copy of the standard library's sort: about 5 KB of WebAssembly each, 14 copies in the app.
//! [`sort_by`] sorts a permutation of indices with a dynamic comparison, by a merge sort compiled
//! once (not the standard sort, about 4 KB even once), and then moves the items along the
//! permutation's cycles. It is stable.
//! [`object`] builds a JSON object by inserting (the last of equal keys wins, as in `collect`).
//! [`json_text`] writes JSON as `Display` does, without linking `Display for Value` (a third
//! and fourth copy of serde_json's writer: through a `fmt::Formatter`, compact and pretty);
//! [`json_pretty`] indents that compact text as `to_string_pretty` would (no second writer).
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

/// `json` as indented text: what `serde_json::to_string_pretty` gives, made from the compact
/// text so that the bundle holds one serde_json writer, not a second one for the pretty layout.
pub fn json_pretty(json: &Json) -> String {
    indent(&json_text(json))
}

/// Compact JSON text laid out as serde_json's `PrettyFormatter` does: two spaces a level, `": "`
/// after a key, each item on its own line, `[]` and `{}` when empty.
fn indent(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut chars = compact.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    while let Some(c) = chars.next() {
        out.push(c);
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' if matches!(chars.peek(), Some(']' | '}')) => {
                out.extend(chars.next());
            }
            '[' | '{' => {
                depth += 1;
                newline(&mut out, depth);
            }
            ',' => newline(&mut out, depth),
            ':' => out.push(' '),
            ']' | '}' => {
                out.pop();
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            _ => {}
        }
    }
    out
}

/// The indices `0..len` in stable sorted order. A bottom-up merge sort written out here, on
/// `usize` with a dynamic comparison, so it compiles once and small: the standard library's
/// stable sort (driftsort) is about 4 KB of WebAssembly even for one element type.
fn permutation(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    let mut spare = vec![0; len];
    let mut width = 1;
    while width < len {
        for (from, to) in order.chunks(2 * width).zip(spare.chunks_mut(2 * width)) {
            let (left, right) = from.split_at(width.min(from.len()));
            merge(left, right, to, compare);
        }
        std::mem::swap(&mut order, &mut spare);
        width *= 2;
    }
    order
}

/// Merges the sorted runs `left` and `right` into `out`; of equal items, `left`'s go first.
fn merge(
    left: &[usize],
    right: &[usize],
    out: &mut [usize],
    compare: &dyn Fn(usize, usize) -> Ordering,
) {
    let (mut l, mut r) = (left.iter().peekable(), right.iter().peekable());
    for slot in out {
        let take_right = match (l.peek(), r.peek()) {
            (Some(&&a), Some(&&b)) => compare(b, a) == Ordering::Less,
            (None, _) => true,
            (Some(_), None) => false,
        };
        let next = if take_right { r.next() } else { l.next() };
        *slot = next.copied().unwrap_or_default();
    }
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
    fn pretty_text_is_serde_jsons() {
        let cases = [
            r#"{}"#,
            r#"[]"#,
            r#"{"a":[],"b":{},"c":[1,2.5,-3e-7,null,true,false]}"#,
            r#"{"specversion":"1.0","data":{"id":"o-1","items":[{"sku":"A","n":2}],"note":"a, b: [c] {d}"}}"#,
            r#"["quote \" and \\ backslash","\u0001 ctl \n nl","é ✓"]"#,
            r#"[[[]],[{}],[[1],[2,[3]]]]"#,
            r#""just a string""#,
            r#"42"#,
        ];
        for case in cases {
            let json: Json = serde_json::from_str(case).unwrap();
            assert_eq!(
                json_pretty(&json),
                serde_json::to_string_pretty(&json).unwrap(),
                "{case}"
            );
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
