//! Property: whatever the operations (publish to random exchanges and queues with random
//! limits, overflow, TTL and dead-letter topologies; get, ack, nack, reject, consume, cancel,
//! advance, purge, close, restart), every copy a queue accepted is accounted for exactly once —
//! ready, unacked, or ended by exactly one of acked, dead-lettered / rejected / dropped /
//! expired / delivery limit / purged / lost on restart — and no queue ever holds two copies of
//! one publish; and the dead letters an at-least-once quorum source holds are exactly those it
//! reported held and has not reported confirmed or deleted. The accounting is derived from the
//! event stream and checked against the state.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use switchyard_core::{
    BindingDecl, Broker, ChannelId, Confirm, ConsumeOptions, Destination, Event, ExchangeDecl,
    ExchangeType, MessageId, Profile, Publish, QueueDecl, Table, Value,
};

const VHOST: &str = "/";
const QUEUES: [&str; 3] = ["q0", "q1", "q2"];
const CH: ChannelId = ChannelId::FIRST;

#[derive(Debug, Clone)]
struct QueueSpec {
    quorum: bool,
    durable: bool,
    max_length: Option<i64>,
    overflow: &'static str,
    ttl: Option<i64>,
    dlx: Option<&'static str>,
    dlrk: Option<usize>,
    delivery_limit: Option<i64>,
    max_priority: Option<i64>,
    single_active: bool,
    /// Quorum: `x-dead-letter-strategy: at-least-once` (applies with `reject-publish`).
    at_least_once: bool,
}

fn queue_spec() -> impl Strategy<Value = QueueSpec> {
    (
        (any::<bool>(), any::<bool>(), prop::option::of(0..4i64)),
        prop::sample::select(vec!["drop-head", "reject-publish", "reject-publish-dlx"]),
        prop::option::of(prop::sample::select(vec![0i64, 50, 200])),
        prop::option::of(prop::sample::select(vec!["", "dlx", "missing"])),
        prop::option::of(0..3usize),
        prop::option::of(0..3i64),
        (prop::option::of(0..5i64), any::<bool>(), any::<bool>()),
    )
        .prop_map(
            |(
                (quorum, durable, max_length),
                overflow,
                ttl,
                dlx,
                dlrk,
                delivery_limit,
                (max_priority, single_active, at_least_once),
            )| QueueSpec {
                quorum,
                durable: durable || quorum,
                max_length,
                overflow,
                ttl,
                dlx,
                dlrk: dlx.and(dlrk),
                delivery_limit,
                max_priority,
                single_active,
                at_least_once,
            },
        )
}

#[derive(Debug, Clone)]
enum Op {
    /// To exchange 0 = default (routing key = queue), 1 = fanout `fan`, 2 = topic `top`.
    Publish {
        exchange: usize,
        queue: usize,
        ttl: Option<u8>,
        persistent: bool,
        priority: Option<u8>,
    },
    Get {
        queue: usize,
        auto_ack: bool,
    },
    Settle {
        nth: usize,
        kind: u8,
        multiple: bool,
        requeue: bool,
    },
    Consume {
        queue: usize,
        prefetch: u32,
        auto_ack: bool,
        exclusive: bool,
        priority: i64,
    },
    Cancel {
        nth: usize,
    },
    Advance {
        ms: u64,
    },
    Purge {
        queue: usize,
    },
    Close,
    Restart,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..3usize, 0..3usize, prop::option::of(0..3u8), any::<bool>(), prop::option::of(0..6u8))
            .prop_map(|(exchange, queue, ttl, persistent, priority)| Op::Publish { exchange, queue, ttl, persistent, priority }),
        3 => (0..3usize, any::<bool>()).prop_map(|(queue, auto_ack)| Op::Get { queue, auto_ack }),
        4 => (0..4usize, 0..3u8, any::<bool>(), any::<bool>())
            .prop_map(|(nth, kind, multiple, requeue)| Op::Settle { nth, kind, multiple, requeue }),
        2 => (0..3usize, 0..3u32, any::<bool>(), any::<bool>(), 0..3i64).prop_map(
            |(queue, prefetch, auto_ack, exclusive, priority)| Op::Consume {
                queue, prefetch, auto_ack, exclusive, priority,
            }
        ),
        1 => (0..3usize).prop_map(|nth| Op::Cancel { nth }),
        2 => prop::sample::select(vec![0u64, 10, 60, 250]).prop_map(|ms| Op::Advance { ms }),
        1 => (0..3usize).prop_map(|queue| Op::Purge { queue }),
        1 => Just(Op::Close),
        1 => Just(Op::Restart),
    ]
}

fn declare(broker: &mut Broker, specs: &[QueueSpec]) {
    for (name, spec) in QUEUES.iter().zip(specs) {
        let mut args = Table::new();
        let mut set = |k: &str, v: Value| args.insert(k, v);
        if spec.quorum {
            set("x-queue-type", Value::Str("quorum".into()));
            if let Some(n) = spec.delivery_limit {
                set("x-delivery-limit", Value::Int(n));
            }
            if spec.at_least_once {
                set("x-dead-letter-strategy", Value::Str("at-least-once".into()));
            }
        } else if let Some(p) = spec.max_priority {
            set("x-max-priority", Value::Int(p));
        }
        if let Some(n) = spec.max_length {
            set("x-max-length", Value::Int(n));
            set("x-overflow", Value::Str(spec.overflow.into()));
        }
        if spec.single_active {
            set("x-single-active-consumer", Value::Bool(true));
        }
        if let Some(ttl) = spec.ttl {
            set("x-message-ttl", Value::Int(ttl));
        }
        if let Some(dlx) = spec.dlx {
            set("x-dead-letter-exchange", Value::Str(dlx.into()));
        }
        if let Some(i) = spec.dlrk {
            set("x-dead-letter-routing-key", Value::Str(QUEUES[i].into()));
        }
        let mut decl = QueueDecl::new(*name);
        decl.durable = spec.durable;
        decl.arguments = args;
        broker.declare_queue(VHOST, decl).unwrap();
    }
    for (name, kind) in [
        ("fan", ExchangeType::Fanout),
        ("top", ExchangeType::Topic),
        ("dlx", ExchangeType::Fanout),
    ] {
        broker
            .declare_exchange(VHOST, ExchangeDecl::new(name, kind))
            .unwrap();
    }
    for (source, queue, key) in [
        ("fan", "q0", ""),
        ("fan", "q1", ""),
        ("top", "q1", "*.q1"),
        ("top", "q2", "#"),
        ("dlx", "q2", ""),
    ] {
        let decl = BindingDecl {
            source: source.into(),
            destination: Destination::Queue(queue.into()),
            routing_key: key.into(),
            arguments: Table::new(),
        };
        broker.bind(VHOST, decl).unwrap();
    }
}

/// Per copy (message, queue): accepted minus ended, from the events; and the dead letters
/// each at-least-once source holds (held until confirmed, or deleted with the strategy).
#[derive(Default)]
struct Ledger {
    open: BTreeMap<(MessageId, String), i64>,
    dlx: BTreeSet<(MessageId, String)>,
}

impl Ledger {
    fn add(&mut self, message: MessageId, queue: &str, n: i64) {
        *self.open.entry((message, queue.to_owned())).or_default() += n;
    }

    fn record(&mut self, events: &[Event]) {
        for event in events {
            match event {
                Event::Enqueued { message, queue, .. } => self.add(*message, queue, 1),
                Event::Delivered {
                    auto_ack: true,
                    delivery,
                    queue,
                    ..
                } => self.add(delivery.message.message, queue, -1),
                Event::Nacked {
                    requeue: false,
                    message,
                    queue,
                    ..
                }
                | Event::Rejected {
                    requeue: false,
                    message,
                    queue,
                    ..
                }
                | Event::Acked { message, queue, .. }
                | Event::Expired { message, queue, .. }
                | Event::DroppedOnOverflow { message, queue, .. }
                | Event::DeliveryLimitExceeded { message, queue, .. }
                | Event::Purged { message, queue, .. }
                | Event::LostOnRestart { message, queue, .. } => self.add(*message, queue, -1),
                Event::DeadLetterHeld { message, queue, .. } => {
                    self.dlx.insert((*message, queue.to_string()));
                }
                Event::DeadLetterConfirmed { message, queue, .. } => {
                    self.dlx.remove(&(*message, queue.to_string()));
                }
                Event::DeadLettersDeleted {
                    messages, queue, ..
                } => {
                    for message in messages {
                        self.dlx.remove(&(*message, queue.to_string()));
                    }
                }
                _ => {}
            }
        }
    }
}

/// The dead letters at-least-once sources hold now.
fn held_dead_letters(broker: &Broker) -> BTreeSet<(MessageId, String)> {
    broker
        .queue_states(VHOST)
        .flat_map(|q| {
            q.dlx_messages()
                .into_iter()
                .map(|id| (id, q.name().to_owned()))
        })
        .collect()
}

fn held(broker: &Broker) -> BTreeMap<(MessageId, String), i64> {
    let mut held: BTreeMap<(MessageId, String), i64> = BTreeMap::new();
    for q in broker.queue_states(VHOST) {
        for id in q.message_ids() {
            *held.entry((id, q.name().to_owned())).or_default() += 1;
        }
    }
    for (_, _, id, _, queue) in broker.unsettled() {
        *held.entry((id, queue.to_owned())).or_default() += 1;
    }
    held
}

/// The publish's own refusals (not those of dead letters that fell due before it) decide
/// its confirm.
fn check_publish_confirm(events: &[Event]) {
    let mut published = None;
    let mut refused = false;
    for event in events {
        match event {
            Event::Published { message, .. } => published = Some(*message),
            Event::PublishRejected { message, .. } if Some(*message) == published => refused = true,
            Event::Confirmed { confirm, .. } => {
                assert_eq!(
                    *confirm == Confirm::Nack,
                    refused,
                    "nack iff a queue refused: {events:?}"
                );
                return;
            }
            _ => {}
        }
    }
}

fn apply(broker: &mut Broker, op: &Op, now: &mut u64, consumers: &mut Vec<String>, next: &mut u32) {
    let unsettled: Vec<u64> = broker.unsettled().iter().map(|u| u.1).collect();
    match op {
        Op::Publish {
            exchange,
            queue,
            ttl,
            persistent,
            priority,
        } => {
            let (x, key) = match exchange {
                0 => ("", QUEUES[*queue].to_owned()),
                1 => ("fan", String::new()),
                _ => ("top", format!("a.{}", QUEUES[*queue])),
            };
            let mut publish = Publish::new(x, key).with_body("body");
            publish.properties.expiration = ttl.map(|t| (u64::from(t) * 40).to_string());
            publish.properties.delivery_mode = Some(if *persistent { 2 } else { 1 });
            publish.properties.priority = *priority;
            broker.publish(VHOST, &publish, *now).unwrap();
        }
        Op::Get { queue, auto_ack } => {
            // Queues that are not durable are gone after a restart (404); quorum queues with
            // single active consumer refuse basic.get (405).
            if let Err(e) = broker.get(VHOST, QUEUES[*queue], CH, *auto_ack, *now) {
                assert!([404, 405].contains(&e.code().number()), "{e}");
            }
        }
        Op::Settle {
            nth,
            kind,
            multiple,
            requeue,
        } => {
            let Some(tag) = unsettled.get(*nth % unsettled.len().max(1)).copied() else {
                return;
            };
            match kind {
                0 => broker.ack(CH, tag, *multiple, *now),
                1 => broker.nack(CH, tag, *multiple, *requeue, *now),
                _ => broker.reject(CH, tag, *requeue, *now),
            }
            .unwrap();
        }
        Op::Consume {
            queue,
            prefetch,
            auto_ack,
            exclusive,
            priority,
        } => {
            *next += 1;
            let tag = format!("c{next}");
            let options = ConsumeOptions {
                prefetch: *prefetch,
                auto_ack: *auto_ack,
                exclusive: *exclusive,
                priority: *priority,
                ..ConsumeOptions::new(CH, tag.clone())
            };
            if broker.consume(VHOST, QUEUES[*queue], options, *now).is_ok() {
                consumers.push(tag);
            }
        }
        Op::Cancel { nth } => {
            if !consumers.is_empty() {
                let tag = consumers.remove(nth % consumers.len());
                broker.cancel(CH, &tag, *now).unwrap();
            }
        }
        Op::Advance { ms } => {
            *now += ms;
            broker.advance(*now).unwrap();
        }
        Op::Purge { queue } => {
            if let Err(e) = broker.purge(VHOST, QUEUES[*queue], *now) {
                assert_eq!(e.code().number(), 404, "{e}");
            }
        }
        Op::Close => {
            consumers.clear();
            broker.close_channel(CH, *now).unwrap();
        }
        Op::Restart => {
            consumers.clear();
            broker.restart(*now).unwrap();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_copy_is_accounted_for_exactly_once(
        specs in prop::collection::vec(queue_spec(), 3),
        ops in prop::collection::vec(op(), 1..40),
        v4 in any::<bool>(),
    ) {
        let profile = if v4 { Profile::RabbitMq4 } else { Profile::RabbitMq310 };
        let mut broker = Broker::new(profile);
        declare(&mut broker, &specs);
        broker.drain_events();
        let mut ledger = Ledger::default();
        let (mut now, mut consumers, mut next) = (0, Vec::new(), 0);
        for op in &ops {
            apply(&mut broker, op, &mut now, &mut consumers, &mut next);
            let events = broker.drain_events();
            if matches!(op, Op::Publish { .. }) {
                check_publish_confirm(&events);
            }
            ledger.record(&events);
            let held = held(&broker);
            for (copy, n) in &held {
                prop_assert!(*n <= 1, "two copies of {copy:?} after {op:?}");
            }
            for (copy, open) in &ledger.open {
                let n = held.get(copy).copied().unwrap_or(0);
                prop_assert_eq!(*open, n, "copy {:?} after {:?}", copy, op);
            }
            for copy in held.keys() {
                prop_assert!(ledger.open.contains_key(copy), "{copy:?} held but never enqueued");
            }
            prop_assert_eq!(&ledger.dlx, &held_dead_letters(&broker), "after {:?}", op);
        }
    }
}
