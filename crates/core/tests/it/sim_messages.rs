//! The message table: what each publish and each dead letter was published with, the route
//! explanation of a message by id, consistency with step back, seek and injected actions, and
//! the bound.

use serde_json::json;
use switchyard_core::MessageId;
use switchyard_core::explain::Outcome;
use switchyard_core::sim::{Control, Options, Origin, Scenario, SimTime, Simulation};
use switchyard_core::value::Value;

fn sim(topology: serde_json::Value, actors: serde_json::Value) -> Simulation {
    let text = json!({"switchyard": 1, "name": "t", "seed": 3, "topology": topology,
        "actors": actors, "sample_every_ms": 1});
    Simulation::new(Scenario::from_json(&text).unwrap(), Options::default()).unwrap()
}

fn x(name: &str, kind: &str) -> serde_json::Value {
    json!({"name": name, "vhost": "/", "type": kind, "durable": true})
}

fn q(name: &str, arguments: serde_json::Value) -> serde_json::Value {
    json!({"name": name, "vhost": "/", "durable": true, "arguments": arguments})
}

fn bind(source: &str, dest: &str, key: &str) -> serde_json::Value {
    json!({"source": source, "vhost": "/", "destination": dest, "destination_type": "queue", "routing_key": key})
}

/// Orders on a topic exchange: `order.{region}` with a `region` header, at 0, 1 and 2 ms.
fn orders() -> Simulation {
    let topology = json!({"exchanges": [x("orders", "topic")],
        "queues": [q("eu", json!({})), q("all", json!({}))],
        "bindings": [bind("orders", "eu", "order.eu"), bind("orders", "all", "order.#")]});
    let actors = json!({"producers": [{"name": "p", "exchange": "orders",
        "routing_key": "order.{region}", "choices": {"region": ["eu"]},
        "headers": {"region": "{region}"}, "persistent": true,
        "rate": {"kind": "script", "at_ms": [0, 1, 2]}}]});
    sim(topology, actors)
}

/// `jobs` expires its messages after 5 ms into `dlx` → `parked`, which expires them after
/// 5 ms into `dlx2` → `graveyard`: two deaths, two dead letters per message.
fn expiring() -> Simulation {
    let topology = json!({"exchanges": [x("work", "direct"), x("dlx", "fanout"), x("dlx2", "fanout")],
        "queues": [q("jobs", json!({"x-message-ttl": 5, "x-dead-letter-exchange": "dlx"})),
                   q("parked", json!({"x-message-ttl": 5, "x-dead-letter-exchange": "dlx2",
                                      "x-dead-letter-routing-key": "late"})),
                   q("graveyard", json!({}))],
        "bindings": [bind("work", "jobs", "job"), bind("dlx", "parked", ""), bind("dlx2", "graveyard", "")]});
    let actors = json!({"producers": [{"name": "p", "exchange": "work", "routing_key": "job",
        "rate": {"kind": "script", "at_ms": [0]}}]});
    sim(topology, actors)
}

#[test]
fn a_publish_is_recorded_with_its_exchange_key_and_headers() {
    let mut s = orders();
    s.run_until(SimTime::from_ms(10)).unwrap();
    let m = s.message(MessageId(2)).unwrap();
    assert_eq!((m.exchange(), m.routing_key()), ("orders", "order.eu"));
    assert_eq!(
        m.properties().headers.get("region"),
        Some(&Value::Str("eu".into()))
    );
    assert_eq!(m.properties().delivery_mode, Some(2));
    assert_eq!(m.exchange_node, s.world().exchange("/", "orders"));
    assert!(matches!(m.origin, Origin::Producer(_)));
    assert!(s.message(MessageId(4)).is_none());
}

#[test]
fn a_message_is_explained_against_the_current_topology() {
    let mut s = orders();
    s.run_until(SimTime::from_ms(10)).unwrap();
    let explanation = s.explain_message(MessageId(1)).unwrap().unwrap();
    assert_eq!(
        explanation.outcome,
        Outcome::Routed {
            queues: vec!["all".into(), "eu".into()]
        }
    );
    let matched: Vec<bool> = explanation.visits[0]
        .bindings
        .iter()
        .map(|b| b.matched)
        .collect();
    assert_eq!(matched, [true, true]);
    assert!(s.explain_message(MessageId(9)).is_none());
}

#[test]
fn dead_letters_carry_the_headers_the_broker_gave_them() {
    let mut s = expiring();
    s.run_until(SimTime::from_ms(30)).unwrap();
    let graveyard = s.broker().queue("/", "graveyard").unwrap().messages();
    assert_eq!(graveyard.len(), 1);
    let last = graveyard[0].message;
    assert_eq!(last, MessageId(3));
    let info = s.message(last).unwrap();
    assert_eq!(info.properties(), &*graveyard[0].properties);
    assert_eq!((info.exchange(), info.routing_key()), ("dlx2", "late"));
    let deaths = match info.properties().headers.get("x-death") {
        Some(Value::Array(items)) => items.len(),
        other => panic!("x-death: {other:?}"),
    };
    assert_eq!(deaths, 2);
    let origins: Vec<Origin> = (2..=3)
        .map(|id| s.message(MessageId(id)).unwrap().origin.clone())
        .collect();
    let died = |from, queue: &str| Origin::DeadLetter {
        from: MessageId(from),
        queue: queue.into(),
        reason: switchyard_core::queue::death::DeathReason::Expired,
    };
    assert_eq!(origins, [died(1, "jobs"), died(2, "parked")]);
    assert_eq!(s.message(MessageId(2)).unwrap().exchange(), "dlx");
}

#[test]
fn stepping_back_hides_what_was_not_yet_published_and_a_re_run_records_the_same() {
    let mut s = expiring();
    s.run_until(SimTime::from_ms(30)).unwrap();
    let before = s.message(MessageId(3)).unwrap().clone();
    s.seek(SimTime::from_ms(7)).unwrap();
    assert!(s.message(MessageId(1)).is_some() && s.message(MessageId(2)).is_some());
    assert!(s.message(MessageId(3)).is_none());
    s.seek_step(0);
    assert!(s.message(MessageId(1)).is_none());
    s.run_until(SimTime::from_ms(30)).unwrap();
    assert_eq!(s.message(MessageId(3)), Some(&before));
    while s.message(MessageId(3)).is_some() {
        assert!(s.step_back());
    }
    assert!(s.message(MessageId(2)).is_some());
}

#[test]
fn an_injected_action_drops_the_recorded_future() {
    let topology = json!({"queues": [q("q", json!({}))]});
    let actors = json!({"producers": [{"name": "p", "exchange": "", "routing_key": "q",
            "rate": {"kind": "script", "at_ms": [0, 10, 20]}}],
        "consumers": [{"name": "c", "queue": "q"}]});
    let mut s = sim(topology, actors);
    s.run_until(SimTime::from_ms(25)).unwrap();
    s.seek(SimTime::from_ms(5)).unwrap();
    assert_eq!(s.messages_held(), 3, "the known future is kept");
    assert!(s.message(MessageId(2)).is_none());
    let c = s.consumer_id("c").unwrap();
    s.inject(Control::CrashConsumer(c));
    assert_eq!(s.messages_held(), 1);
    s.step();
    // Seeking forward re-simulates; id 2 is published again at 10 ms and recorded again.
    s.run_until(SimTime::from_ms(12)).unwrap();
    assert!(s.message(MessageId(2)).is_some());
    assert!(s.message(MessageId(3)).is_none());
}

#[test]
fn the_table_keeps_the_newest_messages() {
    for (capacity, held) in [(1, &[3][..]), (2, &[2, 3]), (10, &[1, 2, 3])] {
        let mut s = orders();
        s.keep_messages(capacity);
        s.run_until(SimTime::from_ms(10)).unwrap();
        let kept: Vec<u64> = (1..=3)
            .filter(|id| s.message(MessageId(*id)).is_some())
            .collect();
        assert_eq!(kept, held, "capacity {capacity}");
    }
}

#[test]
fn a_consumer_view_shows_what_it_holds() {
    let topology = json!({"queues": [q("q", json!({}))]});
    let actors = json!({"producers": [{"name": "p", "exchange": "", "routing_key": "q",
            "rate": {"kind": "script", "at_ms": [0, 1]}}],
        "consumers": [{"name": "c", "queue": "q", "processing_ms": 10}]});
    let mut s = sim(topology, actors);
    let c = s.consumer_id("c").unwrap();
    let seen = |s: &Simulation| {
        let v = s.consumer_view(c).unwrap();
        (v.status, v.processed, v.in_hand)
    };
    s.run_until(SimTime::from_ms(2)).unwrap();
    assert_eq!(seen(&s), ("running", 0, vec![MessageId(1), MessageId(2)]));
    s.run_until(SimTime::from_ms(15)).unwrap();
    assert_eq!(seen(&s), ("running", 1, vec![MessageId(2)]));
    assert!(
        s.consumer_view(switchyard_core::sim::ConsumerId(5))
            .is_none()
    );
}

#[test]
fn rates_count_the_hops_of_the_last_window() {
    let topology = json!({"queues": [q("q", json!({}))]});
    let actors = json!({"producers": [{"name": "p", "exchange": "", "routing_key": "q",
            "rate": {"kind": "fixed", "per_second": 100}}],
        "consumers": [{"name": "c", "queue": "q"}]});
    let mut s = sim(topology, actors);
    s.run_until(SimTime::from_ms(5000)).unwrap();
    let world = s.world();
    let (queue, exchange) = (
        world.queue("/", "q").unwrap(),
        world.exchange("/", "").unwrap(),
    );
    let consumer = s.consumer_node(s.consumer_id("c").unwrap()).unwrap();
    let r = s.rates(queue, 1_000_000);
    assert_eq!(
        (r.incoming, r.deliver, r.ack, r.redeliver),
        (100.0, 100.0, 100.0, 0.0)
    );
    assert_eq!(r.outgoing, 100.0, "deliveries leave the queue");
    let x = s.rates(exchange, 1_000_000);
    assert_eq!((x.incoming, x.outgoing, x.deliver), (100.0, 100.0, 0.0));
    let c = s.rates(consumer, 500_000);
    assert_eq!((c.incoming, c.deliver, c.ack), (100.0, 100.0, 100.0));
}
