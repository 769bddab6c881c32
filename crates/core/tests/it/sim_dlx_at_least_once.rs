//! The simulation with `x-dead-letter-strategy: at-least-once`: a dead letter refused by a full
//! `reject-publish` target is held by its source and delivered by the worker's retry once the
//! target has room (the broker-level rules are in `dlx_at_least_once`).

use serde_json::json;
use switchyard_core::sim::{Options, Scenario, SimTime, Simulation, TraceKind};

use crate::dlx_at_least_once::{FULL, source_args};

const VHOST: &str = "/";

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
    // End-to-end latency runs from the original's send (0 and 10 ms), the retried dead letter's
    // included: it was read at 180 s or later.
    let m = sim.metrics();
    assert_eq!(m.latency_count(), 2);
    assert!(
        m.latency_max() >= 180_000_000 - 10_000,
        "{}",
        m.latency_max()
    );
}
