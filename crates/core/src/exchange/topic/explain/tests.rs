//! Explanation tables: the terminal text and the data for typical matches and failures.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use super::*;

fn check(binding_key: &str, routing_key: &str, expected: &str) {
    let explanation = explain(binding_key, &[routing_key.to_owned()]);
    assert_eq!(explanation.to_string(), expected);
}

#[test]
fn explanations_read_word_by_word() {
    check(
        "a.*.#",
        "a.b.c.d",
        "binding key `a.*.#` matches routing key `a.b.c.d`: `a`=`a`, `*` took `b`, `#` absorbed `c.d`",
    );
    check(
        "a.#.b",
        "a.b",
        "binding key `a.#.b` matches routing key `a.b`: `a`=`a`, `#` absorbed nothing, `b`=`b`",
    );
    check(
        "#.b",
        "b.b.b",
        "binding key `#.b` matches routing key `b.b.b`: `#` absorbed `b.b`, `b`=`b`",
    );
    check(
        "#.#",
        "a.b",
        "binding key `#.#` matches routing key `a.b`: `#` absorbed nothing, `#` absorbed `a.b`",
    );
    check(
        "*.*",
        ".",
        "binding key `*.*` matches routing key `.`: `*` took (empty word), `*` took (empty word)",
    );
    check(
        "",
        "",
        "binding key (empty key) matches routing key (empty key)",
    );
    check(
        "a.b.c",
        "a.x.c",
        "binding key `a.b.c` does not match routing key `a.x.c`: `a`=`a`, `b`≠`x` (routing word 2)",
    );
    check(
        "*",
        "",
        "binding key `*` does not match routing key (empty key): the routing key ran out of words while the binding still had `*`",
    );
    check(
        "a.",
        "a",
        "binding key `a.` does not match routing key `a`: `a`=`a`, the routing key ran out of words while the binding still had (empty word)",
    );
    check(
        "a.*",
        "a.b.c",
        "binding key `a.*` does not match routing key `a.b.c`: `a`=`a`, `*` took `b`, the binding key ended with `c` left over in the routing key",
    );
    check(
        "",
        "a",
        "binding key (empty key) does not match routing key `a`: the binding key ended with `a` left over in the routing key",
    );
    check(
        "#.b.x",
        "q.b.y",
        "binding key `#.b.x` does not match routing key `q.b.y`: `#` absorbed `q`, `b`=`b`, `x`≠`y` (routing word 3)",
    );
    check(
        "a.#.b",
        "a.x.y",
        "binding key `a.#.b` does not match routing key `a.x.y`: `a`=`a`, `#` absorbed `x.y`, the routing key ran out of words while the binding still had `b`",
    );
}

#[test]
fn explanations_are_data() {
    let e = explain("a.#", &["a.b.c".to_owned(), "x".to_owned()]);
    assert!(e.matched());
    assert_eq!(e.binding_words, ["a", "#"]);
    assert_eq!(
        e.per_key[0].steps,
        [
            Step::Literal {
                word: "a".into(),
                at: 0
            },
            Step::Hash {
                words: vec!["b".into(), "c".into()],
                range: 1..3
            },
        ]
    );
    let expected = Failure::LiteralDiffers {
        expected: "a".into(),
        binding_at: 0,
        found: "x".into(),
        at: 0,
    };
    assert_eq!(e.per_key[1].failure, Some(expected));
    assert_eq!(
        e.to_string(),
        "binding key `a.#` matches routing key `a.b.c`: `a`=`a`, `#` absorbed `b.c`\n\
         binding key `a.#` does not match routing key `x`: `a`≠`x` (routing word 1)"
    );
    let none = explain("a", &[]);
    assert!(!none.matched());
    assert_eq!(
        none.to_string(),
        "binding key `a` matches nothing: the message has no routing key"
    );
}
