//! A consumer's queue that went while the consumer was away (an exclusive queue with the
//! consumer's connection, queues and exchanges that are not durable with a broker restart) is
//! declared again when the consumer reconnects, as the clients of RabbitMQ's tutorials do.

use serde_json::{Value as Json, json};
use switchyard_core::sim::world::NodeId;
use switchyard_core::sim::{Options, Scenario, SimTime, Simulation, TraceEvent, TraceKind};

/// A preset's simulation, its JSON changed first by `change`.
pub(crate) fn tutorial(text: &str, change: impl FnOnce(&mut Json)) -> Simulation {
    let mut json: Json = serde_json::from_str(text).unwrap();
    change(&mut json);
    let scenario = Scenario::from_json_text(&json.to_string()).unwrap();
    Simulation::new(scenario, Options::default()).unwrap()
}

/// The node named `name` (the first, if an exchange and a queue share it).
fn named(sim: &Simulation, name: &str) -> Option<NodeId> {
    let nodes = sim.world().nodes();
    let i = nodes.iter().position(|n| n.name == name)?;
    Some(NodeId(u32::try_from(i).unwrap()))
}

fn at_node(sim: &Simulation, name: &str, kind: TraceKind) -> Vec<SimTime> {
    let node = named(sim, name);
    sim.trace()
        .events()
        .filter(|e| e.kind == kind && e.node.is_some() && e.node == node)
        .map(|e| e.time)
        .collect()
}

/// Deliveries to `consumer` after `after`.
fn delivered_to(sim: &Simulation, consumer: &str, after: SimTime) -> usize {
    let node = named(sim, consumer);
    sim.trace()
        .events()
        .filter(|e: &TraceEvent| {
            matches!(e.kind, TraceKind::Deliver { .. })
                && e.time > after
                && e.edge.is_some_and(|h| Some(h.to) == node)
        })
        .count()
}

#[test]
fn an_rpc_client_that_crashes_loses_its_exclusive_reply_queue_and_declares_it_again() {
    let client = "rpc_client.py (replies)";
    let mut sim = tutorial(
        include_str!("../../../../scenarios/tutorial-6-rpc.json"),
        |s| {
            // Exclusive only: the queue goes because its connection does, not for auto-delete.
            s["topology"]["queues"][1]["auto_delete"] = json!(false);
            s["actors"]["consumers"][2]["recover_after_ms"] = json!(2000);
            s["script"] = json!([{"at_ms": 10000, "action": "crash_consumer", "consumer": client}]);
        },
    );
    sim.run_until(SimTime::from_ms(20_000)).unwrap();
    let deleted = at_node(&sim, "rpc_client.replies", TraceKind::Deleted);
    let declared = at_node(&sim, "rpc_client.replies", TraceKind::Declared);
    assert_eq!(deleted, [SimTime::from_ms(10_000)]);
    assert_eq!(declared, [SimTime::from_ms(12_000)]);
    assert!(sim.broker().queue("/", "rpc_client.replies").is_some());
    // Replies sent while it was gone had nowhere to go; afterwards they reach the client.
    let unroutable = sim
        .trace()
        .events()
        .filter(|e| e.kind == TraceKind::Unroutable);
    assert!(unroutable.count() > 5);
    assert!(delivered_to(&sim, client, SimTime::from_ms(12_000)) > 20);
}

#[test]
fn after_a_restart_consumers_declare_their_exchange_queue_and_binding_again() {
    let mut sim = tutorial(
        include_str!("../../../../scenarios/tutorial-3-publish-subscribe.json"),
        |s| s["script"] = json!([{"at_ms": 10000, "action": "restart_broker"}]),
    );
    sim.run_until(SimTime::from_ms(20_000)).unwrap();
    let restart = SimTime::from_ms(10_000);
    // Nothing of the tutorial is durable: all of it is lost, then declared again at once.
    for name in ["logs", "logs.disk", "logs.screen"] {
        assert_eq!(
            at_node(&sim, name, TraceKind::Declared),
            [restart],
            "{name}"
        );
    }
    let bound = sim.trace().events().filter(|e| e.kind == TraceKind::Bound);
    assert_eq!(bound.count(), 2);
    for consumer in sim.scenario().consumers.iter().map(|c| c.name.clone()) {
        assert!(delivered_to(&sim, &consumer, restart) > 20, "{consumer}");
    }
}

#[test]
fn a_durable_queue_gets_back_the_bindings_a_restart_took_with_their_exchange() {
    let mut sim = tutorial(
        include_str!("../../../../scenarios/tutorial-4-routing.json"),
        |s| {
            for q in s["topology"]["queues"].as_array_mut().unwrap() {
                q["durable"] = json!(true);
            }
            s["script"] = json!([{"at_ms": 10000, "action": "restart_broker"}]);
        },
    );
    let bindings = |sim: &Simulation| {
        let topology = sim.broker().topology("/").unwrap();
        topology
            .exchange("direct_logs")
            .map_or(0, |x| x.bindings().count())
    };
    sim.run_until(SimTime::from_ms(9_000)).unwrap();
    let before = bindings(&sim);
    assert_eq!(before, 4);
    sim.run_until(SimTime::from_ms(20_000)).unwrap();
    let restart = SimTime::from_ms(10_000);
    // The queues survived; the exchange and its bindings did not, and are back.
    assert!(at_node(&sim, "Q1", TraceKind::Declared).is_empty());
    assert_eq!(at_node(&sim, "direct_logs", TraceKind::Declared), [restart]);
    assert_eq!(bindings(&sim), before);
    for consumer in ["C1", "C2"] {
        assert!(delivered_to(&sim, consumer, restart) > 10, "{consumer}");
    }
}

#[test]
fn a_consumer_that_starts_with_everything_in_place_declares_nothing() {
    let mut sim = tutorial(
        include_str!("../../../../scenarios/tutorial-4-routing.json"),
        |_| {},
    );
    sim.run_until(SimTime::from_ms(5_000)).unwrap();
    let declared = sim
        .trace()
        .events()
        .filter(|e| matches!(e.kind, TraceKind::Declared | TraceKind::Bound));
    assert_eq!(declared.count(), 0);
}

#[test]
fn after_a_restart_a_publisher_declares_its_exchange_again() {
    // Both subscribers stopped: only the publisher, emit_log.py, brings `logs` back.
    let mut sim = tutorial(
        include_str!("../../../../scenarios/tutorial-3-publish-subscribe.json"),
        |s| {
            let names: Vec<Json> = (s["actors"]["consumers"].as_array().unwrap().iter())
                .map(|c| c["name"].clone())
                .collect();
            let mut script: Vec<Json> = names
                .into_iter()
                .map(|name| json!({"at_ms": 5000, "action": "stop_consumer", "consumer": name}))
                .collect();
            script.push(json!({"at_ms": 10000, "action": "restart_broker"}));
            s["script"] = Json::Array(script);
        },
    );
    sim.run_until(SimTime::from_ms(20_000)).unwrap();
    let restart = SimTime::from_ms(10_000);
    assert_eq!(at_node(&sim, "logs", TraceKind::Declared), [restart]);
    assert!(at_node(&sim, "logs.disk", TraceKind::Declared).is_empty());
    let refused = sim
        .trace()
        .events()
        .filter(|e| e.kind == TraceKind::Refused);
    assert_eq!(refused.count(), 0);
    let unroutable = sim
        .trace()
        .events()
        .filter(|e| e.kind == TraceKind::Unroutable);
    assert!(
        unroutable.count() > 10,
        "published to `logs`, which has no queue now"
    );
}
