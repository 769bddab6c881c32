//! The patterns built from the broker: topology changes while running (a subscriber added
//! with no change to the publisher), each checked through the trace, and the scenario errors
//! their fields give.

use serde_json::{Value as Json, json};
use switchyard_core::sim::{Options, Scenario, SimTime, Simulation, TraceKind};

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
            "script[0].definitions: declares no exchange, queue or binding",
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
