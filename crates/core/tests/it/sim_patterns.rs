//! The patterns built from the broker: topology changes while running (a subscriber added
//! with no change to the publisher), each checked through the trace, and the scenario errors
//! their fields give.

use serde_json::{Value as Json, json};
use switchyard_core::sim::messages::Origin;
use switchyard_core::sim::scenario::Action;
use switchyard_core::sim::{ConsumerId, Options, Scenario, SimTime, Simulation, TraceKind};

fn build(text: &Json) -> Result<Simulation, String> {
    Scenario::from_json(text)
        .and_then(|s| Simulation::new(s, Options::default()))
        .map_err(|e| e.to_string())
}

fn fanout_with(consumer_start: u64, script: Json) -> Json {
    json!({"switchyard": 1, "name": "t", "seed": 1,
        "topology": {"exchanges": [{"name": "x", "type": "fanout"}], "queues": [{"name": "a"}],
            "bindings": [{"source": "x", "destination": "a", "destination_type": "queue"}]},
        "actors": {
            "producers": [{"name": "p", "exchange": "x", "rate": {"kind": "fixed", "per_second": 10}}],
            "consumers": [{"name": "ca", "queue": "a"}, {"name": "cb", "queue": "b", "start_ms": consumer_start}]},
        "script": script})
}

fn declare_b(at: u64) -> Json {
    json!([{"at_ms": at, "action": "declare", "definitions": {
        "queues": [{"name": "b"}],
        "bindings": [{"source": "x", "destination": "b", "destination_type": "queue"}]}}])
}

#[test]
fn a_queue_declared_while_running_gets_copies_from_then_on() {
    let mut sim = build(&fanout_with(1000, declare_b(1000))).unwrap();
    sim.run_until(SimTime::from_ms(3000)).unwrap();
    let b = sim.world().queue("/", "b").unwrap();
    let kinds: Vec<(TraceKind, u64)> = sim
        .trace()
        .events()
        .filter(|e| e.node == Some(b) || e.edge.is_some_and(|h| h.to == b))
        .map(|e| (e.kind, e.time.0))
        .collect();
    assert_eq!(kinds.first(), Some(&(TraceKind::Declared, 1_000_000)));
    assert_eq!(kinds.get(1), Some(&(TraceKind::Bound, 1_000_000)));
    let enqueued = kinds
        .iter()
        .filter(|(k, _)| *k == TraceKind::Enqueue)
        .count();
    // 10 a second, at 0, 100, ..., 3000 ms: those before the binding never reached b.
    assert_eq!(enqueued, 21);
    let a = sim.world().queue("/", "a").unwrap();
    assert_eq!(sim.metrics().queue(a).enqueued, 31);
    // Seeking back before the declaration undoes it; running again redoes it the same way.
    let before = sim.trace().events().count();
    sim.seek(SimTime::from_ms(500)).unwrap();
    assert!(sim.broker().queue("/", "b").is_none());
    sim.run_until(SimTime::from_ms(3000)).unwrap();
    assert_eq!(sim.trace().events().count(), before);
}

#[test]
fn an_unbind_stops_the_copies() {
    let mut script = declare_b(0);
    script
        .as_array_mut()
        .unwrap()
        .push(json!({"at_ms": 1000, "action": "unbind", "definitions": {
        "bindings": [{"source": "x", "destination": "b", "destination_type": "queue"}]}}));
    let mut sim = build(&fanout_with(0, script)).unwrap();
    sim.run_until(SimTime::from_ms(3000)).unwrap();
    let b = sim.world().queue("/", "b").unwrap();
    assert_eq!(sim.metrics().queue(b).enqueued, 10);
    let unbound = sim
        .trace()
        .events()
        .filter(|e| e.kind == TraceKind::Unbound)
        .count();
    assert_eq!(unbound, 1);
}

#[test]
fn topology_steps_are_checked_with_paths() {
    let cases = [
        (
            fanout_with(0, json!([])),
            "actors.consumers[1].queue: queue `b` is not declared in vhost `/`",
        ),
        (
            fanout_with(500, declare_b(1000)),
            "actors.consumers[1].queue: queue `b` is declared by script[0] at 1000 ms, after this actor starts at 500 ms",
        ),
        (
            fanout_with(
                0,
                json!([{"at_ms": 0, "action": "declare", "definitions": {}}]),
            ),
            "script[0].definitions: declares no exchange, queue, binding or policy",
        ),
        (
            fanout_with(
                0,
                json!([{"at_ms": 0, "action": "unbind", "definitions": {"queues": [{"name": "b"}]}}]),
            ),
            "script[0].definitions: an unbind lists `bindings` only",
        ),
        (
            fanout_with(
                0,
                json!([{"at_ms": 0, "action": "declare", "definitions": {"queues": [{"nam": "b"}]}}]),
            ),
            "script[0].definitions.queues[0].name: is missing",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(build(&text).err().as_deref(), Some(expected));
    }
}

fn direct_queues(queues: Json, bindings: Json, producer: Json, consumers: Json) -> Json {
    json!({"switchyard": 1, "name": "t", "seed": 1,
        "topology": {"exchanges": [{"name": "x", "type": "direct"}, {"name": "x.retry", "type": "direct"}],
            "queues": queues, "bindings": bindings},
        "actors": {"producers": [producer], "consumers": consumers}})
}

fn bind(source: &str, queue: &str, key: &str) -> Json {
    json!({"source": source, "destination": queue, "destination_type": "queue", "routing_key": key})
}

#[test]
fn a_cloudevents_body_is_the_envelope() {
    let producer = json!({"name": "hr", "exchange": "x", "routing_key": "k",
        "choices": {"dept": ["sales"]}, "rate": {"kind": "script", "at_ms": [1500, 2000]},
        "cloudevents": {"source": "/hr", "type": "com.example.created.v1",
            "data": {"id": "E{seq}", "dept": "{dept}", "n": 1}}});
    let text = direct_queues(
        json!([{"name": "q"}]),
        json!([bind("x", "q", "k")]),
        producer,
        json!([]),
    );
    let mut sim = build(&text).unwrap();
    sim.run_until(SimTime::from_ms(3000)).unwrap();
    let messages = sim.broker().queue("/", "q").unwrap().messages();
    let bodies: Vec<Json> = messages
        .iter()
        .map(|m| serde_json::from_slice(&m.body).unwrap())
        .collect();
    assert_eq!(
        bodies[1],
        json!({"specversion": "1.0", "id": "2", "source": "/hr", "type": "com.example.created.v1",
            "time": "2026-01-01T00:00:02.000Z", "datacontenttype": "application/json",
            "data": {"id": "E2", "dept": "sales", "n": 1}})
    );
    let p = &messages[0].properties;
    assert_eq!(
        p.content_type.as_deref(),
        Some("application/cloudevents+json")
    );
    assert_eq!(p.message_id.as_deref(), Some("1"));
}

#[test]
fn an_rpc_reply_comes_back_with_the_correlation_id() {
    let producer = json!({"name": "client", "exchange": "", "routing_key": "rpc",
        "rate": {"kind": "fixed", "per_second": 10}, "rpc": {"reply_to": "replies"}});
    let server = json!({"name": "server", "queue": "rpc", "processing_ms": 20, "replies": true});
    let client =
        json!({"name": "client-replies", "queue": "replies", "auto_ack": true, "exclusive": true});
    let queues = json!([{"name": "rpc"}, {"name": "replies", "exclusive": true}]);
    // Without the client consuming, the replies wait in its queue with the request's id.
    let mut sim = build(&direct_queues(
        queues.clone(),
        json!([]),
        producer.clone(),
        json!([server]),
    ))
    .unwrap();
    sim.run_until(SimTime::from_ms(1000)).unwrap();
    let replies = sim.broker().queue("/", "replies").unwrap().messages();
    let ids: Vec<&str> = replies
        .iter()
        .filter_map(|m| m.properties.correlation_id.as_deref())
        .collect();
    assert_eq!(ids.first(), Some(&"client-1"));
    assert_eq!(ids.len(), replies.len());
    // The inspector's table knows who published the reply.
    let info = sim.message(replies[0].message).unwrap();
    assert_eq!(info.origin, Origin::Consumer(ConsumerId(0)));
    assert_eq!(info.routing_key(), "replies");
    // With the client consuming, each round trip is timed: 20 ms of work, no latency.
    let mut sim = build(&direct_queues(
        queues,
        json!([]),
        producer,
        json!([server, client]),
    ))
    .unwrap();
    sim.run_until(SimTime::from_ms(1000)).unwrap();
    let rpc = &sim.summary()["rpc_round_trip_ms"];
    assert_eq!(rpc["count"], json!(10));
    assert_eq!(rpc["max"], json!(20.0));
}

#[test]
fn retry_goes_through_the_delay_queues_then_parks() {
    let producer = json!({"name": "p", "exchange": "x", "routing_key": "new",
        "rate": {"kind": "script", "at_ms": [0]}});
    let retry = json!({"retry": {"max_attempts": 3, "parking_lot": "parked", "delay_queues": ["d1", "d2"]}});
    let worker = json!({"name": "w", "queue": "work", "failure_probability": 1.0, "processing_ms": 10, "on_failure": retry});
    let queues = json!([{"name": "work", "arguments": {"x-dead-letter-exchange": "x.retry"}},
        {"name": "d1", "arguments": {"x-message-ttl": 1000, "x-dead-letter-exchange": "x", "x-dead-letter-routing-key": "r2"}},
        {"name": "d2", "arguments": {"x-message-ttl": 5000, "x-dead-letter-exchange": "x", "x-dead-letter-routing-key": "r3"}},
        {"name": "parked"}]);
    let bindings = json!([
        bind("x", "work", "new"),
        bind("x", "work", "r2"),
        bind("x", "work", "r3"),
        bind("x.retry", "d1", "new"),
        bind("x.retry", "d2", "r2")
    ]);
    let mut sim = build(&direct_queues(queues, bindings, producer, json!([worker]))).unwrap();
    sim.run_until(SimTime::from_ms(10_000)).unwrap();
    let name = |id| sim.world().node(id).unwrap().name.clone();
    let story: Vec<String> = sim
        .trace()
        .lifecycle(switchyard_core::MessageId(1))
        .iter()
        .filter(|e| matches!(e.kind, TraceKind::Enqueue | TraceKind::Expire))
        .map(|e| match e.edge {
            Some(h) => format!("{} {} {}ms", e.kind.name(), name(h.to), e.time.0 / 1000),
            None => format!(
                "{} {} {}ms",
                e.kind.name(),
                name(e.node.unwrap()),
                e.time.0 / 1000
            ),
        })
        .collect();
    assert_eq!(
        story,
        [
            "enqueue work 0ms",
            "enqueue d1 10ms",
            "expire d1 1010ms",
            "enqueue work 1010ms",
            "enqueue d2 1020ms",
            "expire d2 6020ms",
            "enqueue work 6020ms"
        ]
    );
    // The third failure parks a copy (a new publish) that keeps the broker's x-death.
    let parked = sim.broker().queue("/", "parked").unwrap().messages();
    assert_eq!(parked.len(), 1);
    let deaths = format!("{:?}", parked[0].properties.headers.get("x-death"));
    assert!(
        deaths.contains("Str(\"work\")") && deaths.contains("Int(2)"),
        "{deaths}"
    );
    assert_eq!(sim.broker().queue("/", "work").unwrap().message_count(), 0);
}

#[test]
fn pattern_fields_are_checked_with_paths() {
    let producer = json!({"name": "p", "exchange": "x", "routing_key": "k", "rate": {"kind": "fixed", "per_second": 1}});
    let with = |p: Json, c: Json| direct_queues(json!([{"name": "q"}]), json!([]), p, json!([c]));
    let consumer = json!({"name": "c", "queue": "q"});
    let retry = |r: Json| json!({"name": "c", "queue": "q", "on_failure": r});
    let cases = [
        (
            with(
                producer.clone(),
                retry(json!({"retry": {"max_attempts": 3, "parking_lot": "q"}})),
            ),
            "actors.consumers[0].on_failure.retry: queue `q` has no dead-letter exchange (x-dead-letter-exchange): a rejected message would be dropped, not retried",
        ),
        (
            with(
                producer.clone(),
                json!({"name": "c", "queue": "q", "auto_ack": true,
                    "on_failure": {"retry": {"max_attempts": 3, "parking_lot": "q"}}}),
            ),
            "actors.consumers[0].on_failure.retry: needs manual acknowledgement: with auto_ack nothing can be rejected",
        ),
        (
            with(
                producer.clone(),
                retry(json!({"retry": {"max_attempts": 3, "parking_lot": "nope"}})),
            ),
            "actors.consumers[0].on_failure.retry.parking_lot: queue `nope` is not declared in vhost `/`",
        ),
        (
            with(
                producer.clone(),
                retry(
                    json!({"retry": {"max_attempts": 3, "parking_lot": "q", "delay_queues": ["q"]}}),
                ),
            ),
            "actors.consumers[0].on_failure.retry.delay_queues[0]: queue `q` needs a message TTL (x-message-ttl) and a dead-letter exchange to send messages back after the delay",
        ),
        (
            with(
                producer.clone(),
                retry(
                    json!({"retry": {"max_attempts": 3, "parking_lot": "q", "delay_queues": [5]}}),
                ),
            ),
            "actors.consumers[0].on_failure.retry.delay_queues[0]: expected a queue name",
        ),
        (
            with(
                producer.clone(),
                retry(json!({"retry": {"max_attempts": 0, "parking_lot": "q"}})),
            ),
            "actors.consumers[0].on_failure.retry.max_attempts: expected a number from 1 to 100",
        ),
        (
            with(producer.clone(), retry(json!({"retry": {"attempts": 3}}))),
            "actors.consumers[0].on_failure.retry.attempts: unknown field (expected one of: max_attempts, parking_lot, delay_queues)",
        ),
        (
            with(
                json!({"name": "p", "exchange": "x", "rate": {"kind": "fixed", "per_second": 1}, "rpc": {"reply_to": "r"}}),
                consumer.clone(),
            ),
            "actors.producers[0].rpc.reply_to: queue `r` is not declared in vhost `/`",
        ),
        (
            with(
                json!({"name": "p", "exchange": "x", "rate": {"kind": "fixed", "per_second": 1},
                "cloudevents": {"source": "/a", "type": "t", "data": {"who": ["{nobody}"]}}}),
                consumer.clone(),
            ),
            "actors.producers[0].cloudevents.data.who[0]: `{nobody}` is not one of the producer's choices",
        ),
        (
            with(
                json!({"name": "p", "exchange": "x", "rate": {"kind": "fixed", "per_second": 1},
                "cloudevents": {"source": "", "type": "t"}}),
                consumer,
            ),
            "actors.producers[0].cloudevents.source: must not be empty",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(build(&text).err().as_deref(), Some(expected));
    }
}

fn event_sourcing() -> Simulation {
    let text = include_str!("../../../../scenarios/event-sourcing.json");
    Simulation::new(Scenario::from_json_text(text).unwrap(), Options::default()).unwrap()
}

#[test]
fn the_event_store_keeps_each_message_once_and_projections_agree() {
    let mut sim = event_sourcing();
    sim.run_until(SimTime::from_ms(45_000)).unwrap();
    // At the replay the balance projection starts again from version 0.
    let balance = sim
        .world()
        .nodes()
        .iter()
        .position(|n| n.name == "balance")
        .unwrap();
    let reads: Vec<TraceKind> = sim
        .trace()
        .events()
        .filter(|e| e.edge.is_some_and(|h| h.to.0 as usize == balance))
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        reads.last(),
        Some(&TraceKind::ProjectionRead {
            from: 0,
            events: 100
        })
    );
    sim.run_until(SimTime::from_ms(60_000)).unwrap();
    let store = sim.event_store();
    let version = store.version("account-42");
    assert!(version > 200 && store.conflicts() > 0);
    // Every appended message is in the stream exactly once, in version order.
    let appended: Vec<(u64, u64)> = sim
        .trace()
        .events()
        .filter_map(|e| match e.kind {
            TraceKind::Appended { version } => Some((e.message.unwrap().0, version)),
            _ => None,
        })
        .collect();
    let mut ids: Vec<u64> = appended.iter().map(|(m, _)| *m).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len() as u64, version);
    assert!(appended.iter().zip(1..).all(|((_, v), n)| *v == n));
    // Replaying the whole stream gives the state both projections hold.
    let mut replayed = switchyard_core::sim::event_store::ProjectionState::default();
    for e in store.read("account-42", 0, usize::MAX) {
        replayed.apply(e, Some("amount"));
    }
    let (balance, audit) = (
        sim.projection_state("balance").unwrap(),
        sim.projection_state("audit").unwrap(),
    );
    assert_eq!(balance, &replayed);
    assert_eq!(audit, &replayed);
    assert_eq!(
        sim.summary()["event_store"]["streams"]["account-42"],
        json!(version)
    );
}

#[test]
fn seeking_back_restores_the_event_store() {
    let mut sim = event_sourcing();
    sim.run_until(SimTime::from_ms(40_000)).unwrap();
    sim.seek(SimTime::from_ms(31_000)).unwrap();
    let mut fresh = event_sourcing();
    fresh.run_until(SimTime::from_ms(31_000)).unwrap();
    assert_eq!(sim.event_store(), fresh.event_store());
    assert_eq!(
        sim.projection_state("audit"),
        fresh.projection_state("audit")
    );
    assert_eq!(sim.summary(), fresh.summary());
}

#[test]
fn event_store_fields_are_checked_with_paths() {
    let base = |actors: Json, script: Json| {
        json!({"switchyard": 1, "name": "t", "topology": {"queues": [{"name": "q"}]},
            "actors": actors, "script": script})
    };
    let p = json!({"name": "p", "routing_key": "q", "rate": {"kind": "fixed", "per_second": 1}});
    let proj = json!({"name": "v", "stream": "s"});
    let cases = [
        (
            base(
                json!({"producers": [p], "projections": [proj]}),
                json!([{"at_ms": 1, "action": "replay_projection", "projection": "w"}]),
            ),
            "script[0].projection: no projection is named `w`",
        ),
        (
            base(
                json!({"producers": [p], "projections": [proj, proj]}),
                json!([]),
            ),
            "actors.projections[1].name: `v` is used twice",
        ),
        (
            base(
                json!({"producers": [p], "projections": [{"name": "v", "stream": "s", "batch": 0}]}),
                json!([]),
            ),
            "actors.projections[0].batch: expected a number from 1 to 10000",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(build(&text).err().as_deref(), Some(expected));
    }
}

#[test]
fn a_topology_change_injected_on_demand_applies_now_and_seeking_back_undoes_it() {
    let mut sim = build(&fanout_with(0, declare_b(0))).unwrap();
    sim.run_until(SimTime::from_ms(1000)).unwrap();
    let late = json!({"queues": [{"name": "late"}],
        "bindings": [{"source": "x", "destination": "late", "destination_type": "queue"}]});
    let definitions = switchyard_core::definitions::Definitions::from_json(&late).unwrap();
    sim.inject_topology(Action::Declare { definitions })
        .unwrap();
    sim.run_until(SimTime::from_ms(2000)).unwrap();
    let late = sim.world().queue("/", "late").unwrap();
    // 10 a second: the copy at 1000 ms went out before the injection; 1100 to 2000 ms came in.
    assert_eq!(sim.metrics().queue(late).enqueued, 10);
    assert!(
        sim.trace()
            .events()
            .any(|e| e.kind == TraceKind::Declared && e.node == Some(late))
    );
    sim.seek(SimTime::from_ms(900)).unwrap();
    sim.run_until(SimTime::from_ms(2000)).unwrap();
    assert!(sim.broker().queue("/", "late").is_none());
    assert_eq!(sim.metrics().queue(late).enqueued, 0);
    let err = sim.inject_topology(Action::RestartBroker).unwrap_err();
    assert_eq!(
        err.to_string(),
        "action: expected a declare, unbind, delete_queue or delete_exchange step"
    );
}
