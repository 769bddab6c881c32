//! Topic exchange, as `rabbit_db_topic_exchange.erl`: binding keys are patterns of `.`-separated
//! words where a whole-word `*` takes exactly one word and a whole-word `#` takes zero or more.
//! The empty key is zero words; otherwise every `.` splits, so empty words are real words.
//! Routing walks a trie of binding-key words (`trie`, `children`, `walk`, `word`); `explain`
//! aligns one binding against a message word by word for the UI. None of them knows queues or
//! the route walk above exchanges.

mod children;
mod explain;
#[cfg(test)]
mod proptests;
mod trie;
mod walk;
mod word;

pub use explain::{Explanation, Failure, KeyAlignment, Step};

use super::{BindingSlot, Matcher, RoutingInput};
use crate::error::BrokerError;
use crate::profile::Profile;
use crate::value::Table;

/// One topic exchange's bindings, indexed as a trie of their binding-key words.
#[derive(Debug, Clone, Default)]
pub struct Topic {
    trie: trie::Trie,
}

/// Splits a key into words: `""` is zero words, otherwise every `.` splits (empty words count).
pub fn words(key: &str) -> Vec<&str> {
    if key.is_empty() {
        Vec::new()
    } else {
        key.split('.').collect()
    }
}

impl Matcher for Topic {
    type Explanation = Explanation;

    fn validate(key: &str, _args: &Table, profile: Profile) -> Result<(), BrokerError> {
        super::check_key_length(key, "binding key")?;
        let hashes = words(key).iter().filter(|w| **w == "#").count();
        match profile.max_hash_words() {
            Some(limit) if hashes > limit => Err(BrokerError::TooManyHashWords {
                key: key.to_owned(),
                given: hashes,
                limit,
            }),
            _ => Ok(()),
        }
    }

    fn insert(&mut self, slot: BindingSlot, key: &str, _args: &Table) {
        self.trie.insert(slot, key);
    }

    fn remove(&mut self, slot: BindingSlot, key: &str, _args: &Table) {
        self.trie.remove(slot, key);
    }

    fn matches(&self, msg: &RoutingInput<'_>, _profile: Profile, out: &mut Vec<BindingSlot>) {
        for key in msg.keys {
            self.trie.collect(key, out);
        }
    }

    fn explain(
        key: &str,
        _args: &Table,
        msg: &RoutingInput<'_>,
        _profile: Profile,
    ) -> (bool, Explanation) {
        let explanation = explain::explain(key, msg.keys);
        (explanation.matched(), explanation)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::exchange::testing::route;

    /// Routes `routing_key` through an index of `bindings` (slot = position) and checks that
    /// exactly the `expected` bindings match, and that `explain` agrees binding by binding.
    fn check(bindings: &[&str], routing_key: &str, expected: &[u32]) {
        let mut index = Topic::default();
        for (i, key) in bindings.iter().enumerate() {
            index.insert(BindingSlot(i as u32), key, &Table::new());
        }
        let keys = vec![routing_key.to_owned()];
        let headers = Table::new();
        let msg = RoutingInput {
            keys: &keys,
            headers: &headers,
        };
        let mut out = Vec::new();
        index.matches(&msg, Profile::default(), &mut out);
        out.sort();
        out.dedup();
        let want: Vec<_> = expected.iter().map(|&i| BindingSlot(i)).collect();
        assert_eq!(
            out, want,
            "bindings {bindings:?}, routing key {routing_key:?}"
        );
        for (i, key) in bindings.iter().enumerate() {
            let (matched, why) = Topic::explain(key, &Table::new(), &msg, Profile::default());
            assert_eq!(matched, expected.contains(&(i as u32)), "explain: {why}");
        }
    }

    #[test]
    fn topic_matching_follows_the_semantics_document() {
        check(&["a.#.b"], "a.b", &[0]);
        check(&["#.#", "#"], "", &[0, 1]);
        check(&["*"], "", &[]);
        check(&["*.*", "#", "*"], ".", &[0, 1]);
        check(&["*.*", "*", "a"], "a.", &[0]);
        check(&["a.*", "a.", "*.", "a.#"], "a.", &[0, 1, 2, 3]);
        check(&[".a", "*.a", "#.a", "a"], ".a", &[0, 1, 2]);
        check(&["#.*.#"], "", &[]);
        check(&["#.*.#"], "a", &[0]);
        check(&["#.*.#"], "a.b.c.d", &[0]);
        check(&["#.*.#"], ".", &[0]);
        check(&[""], "", &[0]);
        check(&[""], "a", &[]);
        check(&["", "#"], ".", &[1]);
        check(&["*.#"], "", &[]);
        check(&["*.#"], "a", &[0]);
        check(&["*.#"], "a.b.c", &[0]);
        check(&["a#b", "a.#.b", "*"], "a#b", &[0, 2]);
        check(&["a#b"], "axb", &[]);
        check(&["##", "#"], "##", &[0, 1]);
        check(&["##"], "a", &[]);
        check(&["a.*#"], "a.b", &[]);
        check(&["a.*"], "a.*", &[0]);
        check(&["#"], "#", &[0]);
        check(&["a.#"], "a", &[0]);
        check(&["#.a"], "a", &[0]);
        check(&["#.a.#"], "a", &[0]);
        check(&["#.a.#"], "b.a.c", &[0]);
        check(&["#.a.#"], "b.c", &[]);
        check(&["a.*.c"], "a.b.c", &[0]);
        check(&["a.*.c"], "a.c", &[]);
        check(&["a.*.c"], "a..c", &[0]);
        check(&["a.b"], "A.b", &[]);
        check(&["café.*", "*.日本"], "café.日本", &[0, 1]);
        check(
            &["0123456789abcdefX.*", "0123456789abcdefY.*"],
            "0123456789abcdefY.z",
            &[1],
        );
        check(&["a\0", "a"], "a", &[1]);
        check(&["#.#.#.#"], "a.b", &[0]);
        check(&["*.*.*"], "a.b", &[]);
        check(&["#.b.#.b.#"], "b.b", &[0]);
        check(&["#.b.#.b.#"], "b", &[]);
    }

    #[test]
    fn several_bindings_share_trie_paths() {
        let bindings = ["a.b", "a.*", "a.#", "#", "*.b", "a.b.c", "#.c", "a"];
        check(&bindings, "a.b", &[0, 1, 2, 3, 4]);
        check(&bindings, "a.b.c", &[2, 3, 5, 6]);
        check(&bindings, "a", &[2, 3, 7]);
        check(&bindings, "", &[3]);
        check(&bindings, "x.b", &[3, 4]);
        check(&["a", "a", "a.b"], "a", &[0, 1]);
    }

    #[test]
    fn cc_keys_route_as_a_union() {
        let mut index = Topic::default();
        index.insert(BindingSlot(0), "a.*", &Table::new());
        index.insert(BindingSlot(1), "#.z", &Table::new());
        index.insert(BindingSlot(2), "q", &Table::new());
        let out = route(&index, &["a.b", "y.z"], &Table::new(), Profile::default());
        assert_eq!(out, vec![BindingSlot(0), BindingSlot(1)]);
    }

    /// `validate` for `key` under `profile`: `Ok(())`, or the error's reply text.
    fn check_validate(key: &str, profile: Profile, expected: Result<(), &str>) {
        let got = Topic::validate(key, &Table::new(), profile).map_err(|e| e.reply_text());
        assert_eq!(
            got,
            expected.map_err(str::to_owned),
            "{key:?} under {profile}"
        );
    }

    #[test]
    fn validation_by_profile() {
        use Profile::{RabbitMq4 as V4, RabbitMq310 as V310};
        let too_many =
            "PRECONDITION_FAILED - binding key '#.#.#' has 3 '#' words; at most 2 are allowed";
        check_validate("#.#.#", V4, Err(too_many));
        check_validate("#.#.#", V310, Ok(()));
        check_validate("#.a.#", V4, Ok(()));
        check_validate("#.#", V4, Ok(()));
        check_validate("##.##.##", V4, Ok(()));
        check_validate("a#b.#.#.c#", V4, Ok(()));
        check_validate("#.*.#.*.#.*.#", V310, Ok(()));
        check_validate("", V4, Ok(()));
        let long = "PRECONDITION_FAILED - binding key is 256 bytes long; AMQP allows at most 255";
        check_validate(&"a".repeat(255), V4, Ok(()));
        check_validate(&"a".repeat(256), V4, Err(long));
        check_validate(&"a".repeat(256), V310, Err(long));
    }

    #[test]
    fn longest_keys_route() {
        let long = format!("{}.*", "a".repeat(253));
        assert_eq!(long.len(), 255);
        check(
            &[long.as_str(), "#"],
            &format!("{}.b", "a".repeat(253)),
            &[0, 1],
        );
        // Around the 16 words routing splits without allocating.
        let star = format!("{}.#", vec!["*"; 16].join("."));
        for (n, expected) in [(15, &[0, 2][..]), (16, &[0, 1, 2]), (17, &[0, 1, 2])] {
            let key = vec!["x"; n].join(".");
            check(&["#.x", &star, &key], &key, expected);
        }
        let dots = ".".repeat(255);
        check(&["#", "*.#", "#.*", &dots], &dots, &[0, 1, 2, 3]);
    }

    #[test]
    fn removing_prunes_and_keeps_the_others() {
        let mut index = Topic::default();
        let t = Table::new();
        index.insert(BindingSlot(0), "a.*.#", &t);
        index.insert(BindingSlot(1), "a.*.#", &t);
        index.insert(BindingSlot(2), "a.b", &t);
        assert_eq!(index.trie.live_nodes(), 5);
        index.remove(BindingSlot(0), "a.*.#", &t);
        assert_eq!(index.trie.live_nodes(), 5);
        let out = route(&index, &["a.b"], &Table::new(), Profile::default());
        assert_eq!(out, vec![BindingSlot(1), BindingSlot(2)]);
        index.remove(BindingSlot(1), "a.*.#", &t);
        assert_eq!(index.trie.live_nodes(), 3);
        index.remove(BindingSlot(7), "a.b", &t);
        index.remove(BindingSlot(2), "x.y", &t);
        assert_eq!(index.trie.live_nodes(), 3);
        index.remove(BindingSlot(2), "a.b", &t);
        assert_eq!(index.trie.live_nodes(), 1);
        index.insert(BindingSlot(3), "c.d.e", &t);
        assert_eq!(index.trie.live_nodes(), 4);
    }

    #[test]
    fn many_hashes_against_a_long_key_stay_polynomial() {
        let binding = vec!["#"; 15].join(".");
        let spread = format!("#.{}", vec!["a.#"; 14].join("."));
        let routing = vec!["a"; 31].join(".");
        check(&[&binding, &spread, "#.b.#"], &routing, &[0, 1]);
        let miss = format!("{}.b", vec!["a"; 30].join("."));
        check(&[&spread, &format!("{spread}.c")], &miss, &[0]);
        // Backtracking would take longer than the universe's age here.
        let wide = format!("#.{}", vec!["*.#"; 40].join("."));
        let long = vec!["a"; 120].join(".");
        check(
            &[&wide, &format!("{wide}.b"), &vec!["#"; 60].join(".")],
            &long,
            &[0, 2],
        );
    }
}
