//! `x-dead-letter-strategy: at-least-once` on quorum queues, under both profiles, each rule
//! checked against RabbitMQ's source (v3.10.8 and v4.3.5 agree on all of them):
//! `deps/rabbit/src/rabbit_fifo_dlx.erl`, `rabbit_fifo_dlx_worker.erl`, `rabbit_fifo.erl` and
//! `rabbit_quorum_queue.erl`. The source is a quorum queue `src` whose messages die by
//! `basic.reject` without requeue; its dead-letter exchange `dlx` is a fanout.

use serde_json::{Value as Json, json};
use switchyard_core::policy::{ApplyTo, Policy};
use switchyard_core::sim::{Options, Scenario, SimTime, Simulation, TraceKind};
use switchyard_core::{
    BindingDecl, Broker, ChannelId, Destination, Event, ExchangeDecl, ExchangeType, MessageId,
    Name, Profile, Publish, QueueDecl, Table, Value,
};

const VHOST: &str = "/";
const CH: ChannelId = ChannelId::FIRST;
/// `dead_letter_worker_publisher_confirm_timeout` (deps/rabbit/Makefile, both tags).
const RETRY: u64 = 180_000;

fn args(json: Json) -> Table {
    Table::from_json(&json).unwrap()
}

fn source_args(extra: Json) -> Json {
    let mut base = json!({"x-queue-type": "quorum", "x-dead-letter-exchange": "dlx",
        "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"});
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

fn declare(b: &mut Broker, name: &str, arguments: Json) {
    let mut decl = QueueDecl::new(name);
    decl.arguments = args(arguments);
    b.declare_queue(VHOST, decl).unwrap();
}

fn exchange(b: &mut Broker, name: &str) {
    let decl = ExchangeDecl::new(name, ExchangeType::Fanout);
    b.declare_exchange(VHOST, decl).unwrap();
}

fn bind(b: &mut Broker, exchange: &str, queue: &str) {
    let decl = BindingDecl {
        source: exchange.into(),
        destination: Destination::Queue(queue.into()),
        routing_key: String::new(),
        arguments: Table::new(),
    };
    b.bind(VHOST, decl).unwrap();
}

/// `src` with `extra` arguments, exchange `dlx`, and each target `(name, arguments)` bound.
fn broker(profile: Profile, extra: Json, targets: &[(&str, Json)]) -> Broker {
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
fn full(b: &mut Broker, name: &str, now: u64) {
    b.publish(VHOST, &Publish::new("", name).with_body("filler"), now)
        .unwrap();
}

const FULL: fn() -> Json = || json!({"x-max-length": 1, "x-overflow": "reject-publish"});

/// Publishes `body` to `src` and rejects it (no requeue) at `now`: the id of the message.
fn die(b: &mut Broker, body: &str, now: u64) -> MessageId {
    let out = b
        .publish(VHOST, &Publish::new("", "src").with_body(body), now)
        .unwrap();
    let got = b.get(VHOST, "src", CH, false, now).unwrap().unwrap();
    b.reject(CH, got.delivery.delivery_tag, false, now).unwrap();
    out.message
}

fn held(b: &Broker) -> usize {
    b.queue(VHOST, "src").unwrap().messages_dlx().0
}

fn ready(b: &Broker, queue: &str) -> usize {
    b.queue(VHOST, queue).unwrap().message_count()
}

/// Empties `queue` by `basic.get` with auto-ack: the bodies.
fn drain(b: &mut Broker, queue: &str, now: u64) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(got) = b.get(VHOST, queue, CH, true, now).unwrap() {
        out.push(String::from_utf8_lossy(&got.delivery.message.body).into_owned());
    }
    out
}

fn names(list: &[&str]) -> Vec<Name> {
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

/// The simulation: a consumer rejects everything from `src`; the dead letters go to `target`
/// (`x-max-length 1`, `reject-publish`), whose consumer starts only at 100 s. The second dead
/// letter is refused and held; the worker's timer (180 s after the hold) retries it once room
/// has appeared, and it is delivered.
#[test]
fn simulation_retries_a_refused_dead_letter_once_the_target_has_room() {
    let scenario = json!({
        "switchyard": 1,
        "name": "at-least-once",
        "topology": {
            "exchanges": [{"name": "dlx", "vhost": "/", "type": "fanout", "durable": true,
                "auto_delete": false, "internal": false, "arguments": {}}],
            "queues": [
                {"name": "src", "vhost": "/", "durable": true, "auto_delete": false,
                 "arguments": source_args(json!({}))},
                {"name": "target", "vhost": "/", "durable": true, "auto_delete": false,
                 "arguments": FULL()}
            ],
            "bindings": [{"source": "dlx", "vhost": "/", "destination": "target",
                "destination_type": "queue", "routing_key": "", "arguments": {}}]
        },
        "actors": {
            "producers": [{"name": "p", "routing_key": "src",
                "rate": {"kind": "script", "at_ms": [0, 10]}}],
            "consumers": [
                {"name": "rejecter", "queue": "src", "failure_probability": 1,
                 "on_failure": "reject"},
                {"name": "reader", "queue": "target", "start_ms": 100000, "auto_ack": true}
            ]
        }
    });
    let scenario = Scenario::from_json_text(&scenario.to_string()).unwrap();
    let mut sim = Simulation::new(scenario, Options::default()).unwrap();
    sim.run_until(SimTime::from_ms(150_000)).unwrap();
    let held_now = sim.broker().queue(VHOST, "src").unwrap().messages_dlx().0;
    assert_eq!(
        held_now, 1,
        "refused while the target was full, kept after room appeared"
    );
    sim.run_until(SimTime::from_ms(200_000)).unwrap();
    let b = sim.broker();
    assert_eq!(b.queue(VHOST, "src").unwrap().messages_dlx().0, 0);
    assert_eq!(b.queue(VHOST, "target").unwrap().message_count(), 0);
    let retries: Vec<SimTime> = sim
        .trace()
        .events()
        .filter(|e| matches!(e.kind, TraceKind::DeadLetter { .. }))
        .map(|e| e.time)
        .collect();
    assert_eq!(
        retries.len(),
        3,
        "two dead letters and one retry: {retries:?}"
    );
    let delivered = sim
        .trace()
        .events()
        .filter(|e| matches!(e.kind, TraceKind::Deliver { .. }))
        .filter(|e| e.time >= SimTime::from_ms(180_000))
        .count();
    assert_eq!(delivered, 1, "the retried dead letter reached the reader");
}
