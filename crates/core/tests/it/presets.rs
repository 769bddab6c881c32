//! Every preset in `scenarios/` (all files but the benchmark's `reference.json`, read from the
//! directory so a new file is covered without touching this test): it loads, runs to 60 s of
//! virtual time twice with the same seed to the same trace and summary, and every copy a queue
//! accepted is accounted for (ended once, or still ready or unacked). A preset the engine cannot
//! run fails. Each is also registered in the app's `src/presets.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use switchyard_core::MessageId;
use switchyard_core::sim::trace::to_json;
use switchyard_core::sim::{NodeId, Options, Scenario, SimTime, Simulation, TraceKind};

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

/// Every preset file: (file name, text).
fn presets() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(scenarios_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|e| e == "json") && name != "reference.json" {
            out.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
    out.sort();
    assert!(!out.is_empty());
    out
}

fn run(name: &str, text: &str) -> Simulation {
    let scenario = Scenario::from_json_text(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut sim =
        Simulation::new(scenario, Options::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    sim.run_until(SimTime::from_ms(60_000))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    sim
}

fn trace_text(sim: &Simulation) -> String {
    sim.trace()
        .events()
        .map(|e| to_json(e, sim.world()).to_string() + "\n")
        .collect()
}

#[test]
fn every_preset_runs_the_same_twice() {
    for (name, text) in presets() {
        let a = run(&name, &text);
        let b = run(&name, &text);
        let first = a.trace().events().next().map(|e| e.seq);
        assert_eq!(first, Some(0), "{name}: the trace ring overflowed");
        assert!(a.metrics().total.published > 0, "{name}: nothing published");
        assert_eq!(trace_text(&a), trace_text(&b), "{name}");
        assert_eq!(a.summary(), b.summary(), "{name}");
    }
}

/// Where a copy ends, if `e` ends one: the queue it leaves.
fn ends_at(e: &switchyard_core::sim::TraceEvent, auto_ack: &BTreeSet<NodeId>) -> Option<NodeId> {
    match e.kind {
        TraceKind::Ack
        | TraceKind::Nack { requeue: false }
        | TraceKind::Reject { requeue: false } => e.edge.map(|h| h.to),
        TraceKind::Expire
        | TraceKind::DropOnOverflow
        | TraceKind::DeliveryLimit
        | TraceKind::Purge
        | TraceKind::LostOnRestart => e.node,
        TraceKind::Deliver { .. } => e.edge.filter(|h| auto_ack.contains(&h.to)).map(|h| h.from),
        _ => None,
    }
}

#[test]
fn every_preset_conserves_messages() {
    for (name, text) in presets() {
        let sim = run(&name, &text);
        let auto_ack: BTreeSet<NodeId> = sim
            .scenario()
            .consumers
            .iter()
            .enumerate()
            .filter(|(_, c)| c.auto_ack)
            .filter_map(|(i, _)| sim.consumer_node(switchyard_core::sim::ConsumerId(i as u32)))
            .collect();
        // Per copy (message, queue): how many times it entered and how many times it ended.
        let mut copies: BTreeMap<(MessageId, NodeId), (u32, u32)> = BTreeMap::new();
        for e in sim.trace().events() {
            let Some(m) = e.message else { continue };
            if e.kind == TraceKind::Enqueue {
                let q = e.edge.unwrap().to;
                copies.entry((m, q)).or_default().0 += 1;
            } else if e.kind == TraceKind::Requeue {
                // An ack sent just before its consumer crashed never arrived: the copy is back.
                let c = copies.entry((m, e.node.unwrap())).or_default();
                c.1 = c.1.saturating_sub(1);
            } else if let Some(q) = ends_at(e, &auto_ack) {
                copies.entry((m, q)).or_default().1 += 1;
            }
        }
        let world = sim.world();
        let b = sim.broker();
        let mut held = BTreeSet::new();
        for q in world.queue_ids() {
            let node = world.node(q).unwrap();
            if let Some(queue) = b.queue(&node.vhost, &node.name) {
                held.extend(queue.message_ids().into_iter().map(|m| (m, q)));
            }
        }
        for (_, _, m, vhost, queue) in b.unsettled() {
            held.insert((m, world.queue(vhost, queue).unwrap()));
        }
        assert!(!copies.is_empty(), "{name}: no copy was enqueued");
        for (copy, (entered, ended)) in &copies {
            assert_eq!(*entered, 1, "{name}: {copy:?} entered {entered} times");
            assert!(*ended <= 1, "{name}: {copy:?} ended {ended} times");
            assert!(
                *ended == 1 || held.contains(copy),
                "{name}: {copy:?} is neither ended nor held"
            );
        }
        for copy in &held {
            assert!(
                copies.contains_key(copy),
                "{name}: {copy:?} held, never enqueued"
            );
        }
    }
}

#[test]
fn every_preset_is_registered_in_the_app() {
    let registry = std::fs::read_to_string(scenarios_dir().join("../src/presets.rs")).unwrap();
    for (name, _) in presets() {
        let line = format!("include_str!(\"../scenarios/{name}\")");
        assert!(registry.contains(&line), "{name} is not in src/presets.rs");
    }
}

#[test]
fn every_preset_reads_back_the_same_after_writing() {
    for (name, text) in presets() {
        let scenario = Scenario::from_json_text(&text).unwrap();
        let written = scenario.to_json().unwrap();
        let again = Scenario::from_json(&written).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(again.to_json().unwrap(), written, "{name}");
        assert_eq!(again.consumers, scenario.consumers, "{name}");
        assert_eq!(again.producers, scenario.producers, "{name}");
        assert_eq!(again.script, scenario.script, "{name}");
    }
}
