//! `x-dead-letter-strategy: at-least-once` on quorum queues: holding, confirming, retrying and
//! counting, under both profiles, each rule checked against RabbitMQ's source at v3.10.8 and
//! v4.3.5 (`deps/rabbit/src/rabbit_fifo_dlx.erl`, `rabbit_fifo_dlx_worker.erl`, `rabbit_fifo.erl`,
//! `rabbit_quorum_queue.erl`), which agree on all but the retry's routing keys. The source is a
//! quorum queue `src` whose messages die by `basic.reject` without requeue; its dead-letter
//! exchange `dlx` is a fanout. Configuration changes and restarts: `dlx_at_least_once_config`.

use serde_json::{Value as Json, json};
use switchyard_core::{
    BindingDecl, Broker, ChannelId, Destination, Event, ExchangeDecl, ExchangeType, MessageId,
    Name, Profile, Publish, QueueDecl, Table,
};

pub(crate) const VHOST: &str = "/";
pub(crate) const CH: ChannelId = ChannelId::FIRST;
/// `dead_letter_worker_publisher_confirm_timeout` (deps/rabbit/Makefile, both tags).
pub(crate) const RETRY: u64 = 180_000;

pub(crate) fn args(json: Json) -> Table {
    Table::from_json(&json).unwrap()
}

pub(crate) fn source_args(extra: Json) -> Json {
    let mut base = json!({"x-queue-type": "quorum", "x-dead-letter-exchange": "dlx",
        "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"});
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

pub(crate) fn declare(b: &mut Broker, name: &str, arguments: Json) {
    let mut decl = QueueDecl::new(name);
    decl.arguments = args(arguments);
    b.declare_queue(VHOST, decl).unwrap();
}

pub(crate) fn exchange(b: &mut Broker, name: &str) {
    let decl = ExchangeDecl::new(name, ExchangeType::Fanout);
    b.declare_exchange(VHOST, decl).unwrap();
}

pub(crate) fn bind(b: &mut Broker, exchange: &str, queue: &str) {
    let decl = BindingDecl {
        source: exchange.into(),
        destination: Destination::Queue(queue.into()),
        routing_key: String::new(),
        arguments: Table::new(),
    };
    b.bind(VHOST, decl).unwrap();
}

/// `src` with `extra` arguments, exchange `dlx`, and each target `(name, arguments)` bound.
pub(crate) fn broker(profile: Profile, extra: Json, targets: &[(&str, Json)]) -> Broker {
    let mut b = Broker::new(profile);
    exchange(&mut b, "dlx");
    declare(&mut b, "src", source_args(extra));
    for (name, arguments) in targets {
        declare(&mut b, name, arguments.clone());
        bind(&mut b, "dlx", name);
    }
    b.drain_events();
    b
}

/// A full classic target: `x-max-length 1`, `reject-publish`, one message in it already.
pub(crate) fn full(b: &mut Broker, name: &str, now: u64) {
    b.publish(VHOST, &Publish::new("", name).with_body("filler"), now)
        .unwrap();
}

pub(crate) const FULL: fn() -> Json = || json!({"x-max-length": 1, "x-overflow": "reject-publish"});

/// Publishes `body` to `src` and rejects it (no requeue) at `now`: the id of the message.
pub(crate) fn die(b: &mut Broker, body: &str, now: u64) -> MessageId {
    let out = b
        .publish(VHOST, &Publish::new("", "src").with_body(body), now)
        .unwrap();
    let got = b.get(VHOST, "src", CH, false, now).unwrap().unwrap();
    b.reject(CH, got.delivery.delivery_tag, false, now).unwrap();
    out.message
}

pub(crate) fn held(b: &Broker) -> usize {
    b.queue(VHOST, "src").unwrap().messages_dlx().0
}

pub(crate) fn ready(b: &Broker, queue: &str) -> usize {
    b.queue(VHOST, queue).unwrap().message_count()
}

/// Empties `queue` by `basic.get` with auto-ack: the bodies.
pub(crate) fn drain(b: &mut Broker, queue: &str, now: u64) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(got) = b.get(VHOST, queue, CH, true, now).unwrap() {
        out.push(String::from_utf8_lossy(&got.delivery.message.body).into_owned());
    }
    out
}

pub(crate) fn names(list: &[&str]) -> Vec<Name> {
    list.iter().map(|s| Name::from(*s)).collect()
}

/// rabbit_fifo_dlx_worker `forward/6` and `handle_settled0` (v3.10.8 l. 299-346, 371-396): the
/// source settles a dead letter only once every target confirmed it; `redeliver0` (l. 449-506)
/// publishes again, after `settle_timeout`, only to the targets that did not confirm.
#[test]
fn held_until_every_target_confirms_then_retried_to_the_refusing_one_only() {
    for profile in Profile::ALL {
        let targets = [("t", FULL()), ("t2", json!({}))];
        let mut b = broker(profile, json!({}), &targets);
        full(&mut b, "t", 0);
        let m = die(&mut b, "m", 10);
        let events = b.drain_events();
        let held_event = events.iter().find_map(|e| match e {
            Event::DeadLetterHeld {
                message, refused, ..
            } => Some((*message, refused.clone())),
            _ => None,
        });
        assert_eq!(held_event, Some((m, names(&["t"]))), "{profile}");
        assert_eq!((held(&b), ready(&b, "src")), (1, 0), "{profile}");
        assert_eq!(ready(&b, "t2"), 1, "{profile}: t2 confirmed at once");
        assert_eq!(drain(&mut b, "t", 20), ["filler"], "{profile}");
        // The timer was set at the first hold (10 ms); nothing moves before it fires.
        b.advance(10 + RETRY - 1).unwrap();
        assert_eq!((held(&b), ready(&b, "t")), (1, 0), "{profile}");
        b.advance(10 + RETRY).unwrap();
        let events = b.drain_events();
        let retried = events.iter().position(
            |e| matches!(e, Event::DeadLetterRetried { queues, .. } if *queues == names(&["t"])),
        );
        let enqueued = events
            .iter()
            .position(|e| matches!(e, Event::Enqueued { .. }));
        assert!(
            retried.is_some(),
            "{profile}: to t only, not t2 again: {events:?}"
        );
        assert!(
            retried < enqueued,
            "{profile}: the retry comes before its copy"
        );
        assert!(
            events
                .iter()
                .any(|e| matches!(e, Event::DeadLetterConfirmed { message, .. } if *message == m)),
            "{profile}"
        );
        assert_eq!(held(&b), 0, "{profile}");
        assert_eq!(drain(&mut b, "t", RETRY + 20), ["m"], "{profile}");
        assert_eq!(
            drain(&mut b, "t2", RETRY + 20),
            ["m"],
            "{profile}: no duplicate"
        );
    }
}

/// `forward/6` with no target (l. 332-337) or a missing exchange (`lookup_dlx`, l. 287-293):
/// kept and tried again every `settle_timeout` (`redeliver_messages`, l. 412-432; while the
/// exchange is missing nothing is published), default 180000 ms (deps/rabbit/Makefile l. 128).
#[test]
fn no_route_and_missing_exchange_wait_for_the_timer() {
    for profile in Profile::ALL {
        for missing_exchange in [false, true] {
            let extra = match missing_exchange {
                true => json!({"x-dead-letter-exchange": "later"}),
                false => json!({}),
            };
            let mut b = broker(profile, extra, &[]);
            declare(&mut b, "t", json!({}));
            die(&mut b, "m", 0);
            assert_eq!(held(&b), 1, "{profile}");
            let x = if missing_exchange { "later" } else { "dlx" };
            if missing_exchange {
                exchange(&mut b, x);
            }
            bind(&mut b, x, "t");
            b.advance(RETRY - 1).unwrap();
            assert_eq!((held(&b), ready(&b, "t")), (1, 0), "{profile}");
            b.advance(RETRY).unwrap();
            assert_eq!((held(&b), ready(&b, "t")), (0, 1), "{profile} {x}");
        }
    }
}

/// A retry without a dead-letter routing key: 3.10.8 routes with the `routing-keys` of the
/// latest `x-death` entry (`redeliver/4`, v3.10.8 l. 434-447), which leave BCC out; 4.3.5 with
/// the message's original keys, BCC included (`original_routing_keys`). A dead letter that
/// reached its target only through a BCC key is therefore retried there only by 4.x.
#[test]
fn a_retry_routes_by_x_death_keys_in_3_10_and_by_the_original_keys_in_4() {
    for (profile, delivered) in [(Profile::RabbitMq4, 1), (Profile::RabbitMq310, 0)] {
        let mut b = Broker::new(profile);
        for name in ["in", "dlx"] {
            let decl = ExchangeDecl::new(name, ExchangeType::Direct);
            b.declare_exchange(VHOST, decl).unwrap();
        }
        declare(&mut b, "src", source_args(json!({})));
        declare(&mut b, "t", FULL());
        for (x, q, key) in [("in", "src", "k"), ("dlx", "t", "bk")] {
            let decl = BindingDecl {
                source: x.into(),
                destination: Destination::Queue(q.into()),
                routing_key: key.into(),
                arguments: Table::new(),
            };
            b.bind(VHOST, decl).unwrap();
        }
        full(&mut b, "t", 0);
        let publish = Publish::new("in", "k")
            .with_body("m")
            .with_headers(args(json!({"BCC": ["bk"]})));
        b.publish(VHOST, &publish, 0).unwrap();
        let got = b.get(VHOST, "src", CH, false, 0).unwrap().unwrap();
        b.reject(CH, got.delivery.delivery_tag, false, 0).unwrap();
        assert_eq!(held(&b), 1, "{profile}: refused through its BCC key");
        drain(&mut b, "t", 1);
        b.advance(RETRY).unwrap();
        assert_eq!(ready(&b, "t"), delivered, "{profile}");
        assert_eq!(held(&b), 1 - delivered, "{profile}");
    }
}

/// `rabbit_fifo:is_over_limit/1` and `is_below_soft_limit/1` (v3.10.8 l. 2175-2195, v4.3.5
/// l. 3323-3343) add `rabbit_fifo_dlx:stat/1` (held messages and bytes) to the ready ones;
/// `messages_total/1` counts them (the management UI's Total) while `messages_ready/1` does not,
/// and `messages_dlx` / `message_bytes_dlx` show them (rabbit_quorum_queue `i/2`).
#[test]
fn held_dead_letters_count_toward_the_source_limits_not_ready() {
    for profile in Profile::ALL {
        for (limit, body) in [
            (json!({"x-max-length": 2}), "m"),
            (json!({"x-max-length-bytes": 20}), "tenbytes!!"),
        ] {
            let mut b = broker(
                profile,
                limit.clone(),
                &[(
                    "t",
                    json!({"x-max-length": 0, "x-overflow": "reject-publish"}),
                )],
            );
            die(&mut b, body, 0);
            die(&mut b, body, 1);
            let size = body.len();
            assert_eq!(b.queue(VHOST, "src").unwrap().messages_dlx(), (2, 2 * size));
            assert_eq!(ready(&b, "src"), 0, "{profile}: held is not ready");
            let publish = Publish::new("", "src").with_body(body);
            // Ready 1 + held 2 is over the limit: the channel is blocked from now on.
            let first = b.publish(VHOST, &publish, 2).unwrap();
            let second = b.publish(VHOST, &publish, 3).unwrap();
            assert_eq!(
                (first.rejected.len(), second.rejected.len()),
                (0, 1),
                "{profile} {limit}"
            );
        }
    }
}

/// `rabbit_fifo_dlx:discard/4` (v3.10.8 l. 159-177) holds every reason but `maxlen` (which
/// cannot happen with `reject-publish`): expiry and the delivery limit as well as rejection.
#[test]
fn expired_and_delivery_limit_dead_letters_are_held_too() {
    let never = || json!({"x-max-length": 0, "x-overflow": "reject-publish"});
    for profile in Profile::ALL {
        let mut b = broker(profile, json!({"x-message-ttl": 10}), &[("t", never())]);
        b.publish(VHOST, &Publish::new("", "src").with_body("m"), 0)
            .unwrap();
        b.advance(20).unwrap();
        assert_eq!(held(&b), 1, "{profile}: expired");
        let extra = json!({"x-delivery-limit": 0});
        let mut b = broker(profile, extra, &[("t", never())]);
        b.publish(VHOST, &Publish::new("", "src").with_body("m"), 0)
            .unwrap();
        let got = b.get(VHOST, "src", CH, false, 1).unwrap().unwrap();
        b.reject(CH, got.delivery.delivery_tag, true, 2).unwrap();
        assert_eq!(
            (held(&b), ready(&b, "src")),
            (1, 0),
            "{profile}: delivery limit"
        );
    }
}

/// `checkout_one/1` (v3.10.8 l. 193-214): the worker takes at most
/// `dead_letter_worker_consumer_prefetch` (32, deps/rabbit/Makefile l. 127) dead letters; the
/// rest wait in the queue (still counted) until settled ones make room, and are made into dead
/// letters (their `x-death` written) only then.
#[test]
fn the_worker_holds_at_most_32_the_rest_wait_in_the_queue() {
    for profile in Profile::ALL {
        let mut b = broker(profile, json!({}), &[]);
        declare(&mut b, "t", json!({}));
        for i in 0..40 {
            die(&mut b, &format!("m{i}"), 0);
        }
        let taken = |events: &[Event]| {
            let dead_lettered = events
                .iter()
                .filter(|e| matches!(e, Event::DeadLettered { .. }));
            dead_lettered.count()
        };
        assert_eq!(taken(&b.drain_events()), 32, "{profile}");
        assert_eq!(held(&b), 40, "{profile}");
        bind(&mut b, "dlx", "t");
        b.advance(RETRY).unwrap();
        assert_eq!(
            taken(&b.drain_events()),
            8,
            "{profile}: taken once room was made"
        );
        assert_eq!((held(&b), ready(&b, "t")), (0, 40), "{profile}");
    }
}

/// A quorum target tracks the worker as an enqueuer (it publishes with confirms through
/// `rabbit_queue_type:deliver/3`), so once over its limit it refuses the worker until it is
/// at or below 80% (`rabbit_fifo` `reject_publish`); the refused dead letter waits for the
/// retry after room appeared.
#[test]
fn a_full_quorum_target_refuses_the_worker_until_it_has_room() {
    for profile in Profile::ALL {
        let target = json!({"x-queue-type": "quorum", "x-max-length": 1,
            "x-overflow": "reject-publish"});
        let mut b = broker(profile, json!({}), &[("t", target)]);
        die(&mut b, "a", 0);
        die(&mut b, "b", 1);
        assert_eq!(
            (held(&b), ready(&b, "t")),
            (0, 2),
            "{profile}: over only after b"
        );
        die(&mut b, "c", 2);
        assert_eq!(held(&b), 1, "{profile}: the worker is blocked");
        assert_eq!(drain(&mut b, "t", 3), ["a", "b"], "{profile}");
        b.advance(RETRY + 2).unwrap();
        assert_eq!(
            (held(&b), drain(&mut b, "t", RETRY + 2)),
            (0, vec!["c".to_owned()])
        );
    }
}
