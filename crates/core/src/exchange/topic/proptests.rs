//! Property tests: the trie, the explanation and a tiny backtracking reference matcher (RabbitMQ's
//! `ref_match/2` in `rabbit_db_topic_exchange_SUITE.erl`) agree on random small keys, and every
//! explanation is a consistent alignment.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use proptest::prelude::*;

use super::*;

fn ref_match(binding: &[&str], routing: &[&str]) -> bool {
    match binding.split_first() {
        None => routing.is_empty(),
        Some((&"#", rest)) => (0..=routing.len()).any(|i| ref_match(rest, &routing[i..])),
        Some((&"*", rest)) => !routing.is_empty() && ref_match(rest, &routing[1..]),
        Some((word, rest)) => routing.first() == Some(word) && ref_match(rest, &routing[1..]),
    }
}

fn key(max_words: usize) -> impl Strategy<Value = String> {
    let word = prop::sample::select(vec!["a", "b", "", "#", "*", "ab"]);
    prop::collection::vec(word, 0..=max_words).prop_map(|w| w.join("."))
}

/// Checks that `alignment` is a well-formed alignment of `binding` against its routing key.
fn check_alignment(binding: &[&str], a: &KeyAlignment) {
    let routing = words(&a.routing_key);
    assert_eq!(a.routing_words, routing);
    let mut next = 0;
    for (step, word) in a.steps.iter().zip(binding) {
        match step {
            Step::Literal { word: w, at } => {
                assert!(*word != "#" && *word != "*" && w == word && *at == next);
                assert_eq!(routing[*at], w);
                next += 1;
            }
            Step::Star { word: w, at } => {
                assert!(*word == "*" && *at == next && routing[*at] == w);
                next += 1;
            }
            Step::Hash { words: ws, range } => {
                assert!(*word == "#" && range.start == next);
                assert_eq!(ws.as_slice(), &routing[range.clone()]);
                next = range.end;
            }
        }
    }
    let done = a.steps.len();
    match &a.failure {
        None => assert!(done == binding.len() && next == routing.len()),
        Some(Failure::LiteralDiffers {
            expected,
            binding_at,
            found,
            at,
        }) => {
            assert!(*binding_at == done && *at == next && expected != found);
            assert!(binding[done] == expected && routing[next] == found && expected != "*");
        }
        Some(Failure::RoutingKeyTooShort {
            binding_at,
            remaining,
        }) => {
            assert!(*binding_at == done && next == routing.len());
            assert_eq!(remaining.as_slice(), &binding[done..]);
        }
        Some(Failure::RoutingKeyTooLong { from, left_over }) => {
            assert!(done == binding.len() && *from == next && next < routing.len());
            assert_eq!(left_over.as_slice(), &routing[next..]);
        }
    }
}

fn route(index: &Topic, routing_key: &str) -> Vec<BindingSlot> {
    let mut out =
        crate::exchange::testing::route(index, &[routing_key], &Table::new(), Profile::default());
    let emitted = out.len();
    out.dedup();
    // Memoisation visits each (node, position) once, so one key never yields a slot twice.
    assert_eq!(out.len(), emitted, "duplicate slots for {routing_key:?}");
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn trie_explain_and_reference_agree(
        bindings in prop::collection::vec(key(5), 1..8),
        routing_key in key(6),
    ) {
        let mut index = Topic::default();
        for (i, b) in bindings.iter().enumerate() {
            index.insert(BindingSlot(i as u32), b, &Table::new());
        }
        let routed = route(&index, &routing_key);
        let keys = vec![routing_key.clone()];
        let headers = Table::new();
        let msg = RoutingInput { keys: &keys, headers: &headers };
        let mut expected = Vec::new();
        for (i, b) in bindings.iter().enumerate() {
            let reference = ref_match(&words(b), &words(&routing_key));
            let (matched, why) = Topic::explain(b, &Table::new(), &msg, Profile::default());
            prop_assert_eq!(matched, reference, "{}", why);
            check_alignment(&words(b), &why.per_key[0]);
            if reference {
                expected.push(BindingSlot(i as u32));
            }
        }
        prop_assert_eq!(routed, expected);
    }

    #[test]
    fn removal_keeps_the_rest_and_prunes(
        bindings in prop::collection::vec(key(4), 1..10),
        removed in prop::collection::vec(any::<bool>(), 10),
        routing_key in key(5),
    ) {
        let mut index = Topic::default();
        for (i, b) in bindings.iter().enumerate() {
            index.insert(BindingSlot(i as u32), b, &Table::new());
        }
        let mut expected = Vec::new();
        for (i, b) in bindings.iter().enumerate() {
            if removed[i] {
                index.remove(BindingSlot(i as u32), b, &Table::new());
            } else if ref_match(&words(b), &words(&routing_key)) {
                expected.push(BindingSlot(i as u32));
            }
        }
        prop_assert_eq!(route(&index, &routing_key), expected);
        for (i, b) in bindings.iter().enumerate() {
            index.remove(BindingSlot(i as u32), b, &Table::new());
        }
        prop_assert_eq!(index.trie.live_nodes(), 1);
    }
}
