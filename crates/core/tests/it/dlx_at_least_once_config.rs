//! `x-dead-letter-strategy: at-least-once` when the configuration changes or the broker
//! restarts, under both profiles, each rule checked against RabbitMQ's source (see
//! `dlx_at_least_once` for the setup): the `drop-head` fallback, leaving the strategy or
//! deleting the source, a new dead-letter exchange, `x-death`, and a restart's new worker.

use serde_json::{Value as Json, json};
use switchyard_core::policy::{ApplyTo, Policy};
use switchyard_core::{Broker, Event, Profile, Table, Value};

use crate::dlx_at_least_once::{
    FULL, RETRY, VHOST, args, bind, broker, declare, die, drain, exchange, full, held, ready,
    source_args,
};

/// `dlh/5` (rabbit_quorum_queue v3.10.8 l. 1311-1317): with `drop-head` the strategy falls
/// back to at-most-once, so a refused dead letter is lost and nothing is held.
#[test]
fn drop_head_falls_back_to_at_most_once() {
    for profile in Profile::ALL {
        let full_target = [("t", FULL())];
        let mut b = broker(profile, json!({"x-overflow": "drop-head"}), &full_target);
        full(&mut b, "t", 0);
        die(&mut b, "m", 1);
        assert_eq!(held(&b), 0, "{profile}");
        b.advance(2 * RETRY).unwrap();
        assert_eq!(drain(&mut b, "t", 2 * RETRY), ["filler"], "{profile}");
    }
}

fn policy(name: &str, definition: Json) -> Policy {
    Policy::new(VHOST, name, "^src$", ApplyTo::Queues, 0, args(definition)).unwrap()
}

/// `rabbit_fifo_dlx:update_config/4` and `switch_from/3` (v3.10.8 l. 306-325): leaving
/// at-least-once (here the policy that asked for it is removed) deletes every held message
/// ("Deleted ~b dead-lettered messages").
#[test]
fn removing_the_strategy_deletes_what_the_queue_held() {
    for profile in Profile::ALL {
        let mut b = Broker::new(profile);
        exchange(&mut b, "dlx");
        let mut arguments = source_args(json!({}));
        arguments
            .as_object_mut()
            .unwrap()
            .remove("x-dead-letter-strategy");
        declare(&mut b, "src", arguments);
        declare(&mut b, "t", FULL());
        bind(&mut b, "dlx", "t");
        b.set_policy(policy(
            "alo",
            json!({"dead-letter-strategy": "at-least-once"}),
        ));
        full(&mut b, "t", 0);
        let m = die(&mut b, "m", 1);
        assert_eq!(held(&b), 1, "{profile}");
        b.drain_events();
        assert!(b.clear_policy(VHOST, "alo"));
        let deleted = b.drain_events().into_iter().find_map(|e| match e {
            Event::DeadLettersDeleted { messages, .. } => Some(messages),
            _ => None,
        });
        assert_eq!(deleted, Some(vec![m]), "{profile}");
        assert_eq!(held(&b), 0, "{profile}");
        drain(&mut b, "t", 2);
        b.advance(2 * RETRY).unwrap();
        assert_eq!(ready(&b, "t"), 0, "{profile}: never delivered");
        // Deleting the source deletes what it held, too.
        b.set_policy(policy(
            "alo",
            json!({"dead-letter-strategy": "at-least-once"}),
        ));
        full(&mut b, "t", 2 * RETRY);
        let n = die(&mut b, "n", 2 * RETRY);
        b.drain_events();
        b.delete_queue(VHOST, "src").unwrap();
        let deleted = b.drain_events().into_iter().find_map(|e| match e {
            Event::DeadLettersDeleted { messages, .. } => Some(messages),
            _ => None,
        });
        assert_eq!(deleted, Some(vec![n]), "{profile}");
    }
}

/// While at-least-once stays, a new dead-letter exchange reaches the worker
/// (`update_config(at_least_once, at_least_once, ...)` sends `lookup_topology`, l. 296-303)
/// and the next retry goes through it (`redeliver0` uses the current `exchange_ref`). The
/// `x-death` entry is recorded once, when the worker first took the message (`forward/6`
/// calls `rabbit_dead_letter:make_msg`; `redeliver0` changes only exchange and routing keys).
#[test]
fn a_changed_exchange_applies_to_the_retry_and_x_death_is_written_once() {
    for profile in Profile::ALL {
        let mut b = Broker::new(profile);
        exchange(&mut b, "dlx");
        exchange(&mut b, "dlx2");
        let mut arguments = source_args(json!({}));
        arguments
            .as_object_mut()
            .unwrap()
            .remove("x-dead-letter-exchange");
        declare(&mut b, "src", arguments);
        declare(&mut b, "t", FULL());
        declare(&mut b, "t2", json!({}));
        bind(&mut b, "dlx", "t");
        bind(&mut b, "dlx2", "t2");
        b.set_policy(policy("x", json!({"dead-letter-exchange": "dlx"})));
        full(&mut b, "t", 0);
        die(&mut b, "m", 2_000);
        // Two retries, both refused by the full `t`.
        b.advance(2_000 + 2 * RETRY).unwrap();
        assert_eq!(held(&b), 1, "{profile}");
        b.set_policy(policy("x", json!({"dead-letter-exchange": "dlx2"})));
        assert_eq!(held(&b), 1, "{profile}: still at-least-once, still held");
        b.advance(2_000 + 3 * RETRY).unwrap();
        assert_eq!(held(&b), 0, "{profile}");
        let got = b.queue(VHOST, "t2").unwrap().messages();
        assert_eq!(got.len(), 1, "{profile}");
        let headers = &got[0].properties.headers;
        assert_eq!(
            x_death_count(headers),
            1,
            "{profile}: one death, however many retries"
        );
        let Some(Value::Array(deaths)) = headers.get("x-death") else {
            panic!("{profile}: no x-death");
        };
        let Value::Table(death) = &deaths[0] else {
            panic!("{profile}: {deaths:?}");
        };
        // `time` is when the worker first took it (2 s), not a retry's.
        assert_eq!(death.get("time"), Some(&Value::Timestamp(2)), "{profile}");
        assert_eq!(death.get_str("reason"), Some("rejected"), "{profile}");
        assert_eq!(death.get_str("queue"), Some("src"), "{profile}");
    }
}

/// A restart gives the source a new worker: `rabbit_fifo_dlx:apply` for a second
/// `#checkout{}` (v3.10.8 l. 114-137) returns what the old worker held to the discards, in
/// order, and the new one publishes it again to every target, so a target that had confirmed
/// gets it twice: at least once, not exactly once.
#[test]
fn a_restart_publishes_held_dead_letters_again_to_every_target() {
    for profile in Profile::ALL {
        let never = json!({"x-max-length": 0, "x-overflow": "reject-publish"});
        let targets = [("t", never), ("t2", json!({"x-queue-type": "quorum"}))];
        let mut b = broker(profile, json!({}), &targets);
        die(&mut b, "m", 0);
        assert_eq!((held(&b), ready(&b, "t2")), (1, 1), "{profile}");
        b.restart(5).unwrap();
        assert_eq!((held(&b), ready(&b, "t2")), (1, 2), "{profile}");
        let t2 = b.queue(VHOST, "t2").unwrap().messages();
        let counts: Vec<i64> = t2
            .iter()
            .map(|m| x_death_count(&m.properties.headers))
            .collect();
        assert_eq!(
            counts,
            [1, 1],
            "{profile}: each copy made from the original"
        );
    }
}

fn x_death_count(headers: &Table) -> i64 {
    match headers.get("x-death") {
        Some(Value::Array(entries)) => entries
            .iter()
            .map(|e| match e {
                Value::Table(t) => t.get("count").and_then(Value::as_i64).unwrap_or(0),
                _ => 0,
            })
            .sum(),
        _ => 0,
    }
}
