//! Every preset in `scenarios/` (all files but the benchmark's `reference.json`, read from the
//! directory so a new file is covered without touching this test): it loads, runs to 60 s of
//! virtual time twice with the same seed to the same trace and summary, and every copy a queue
//! accepted is accounted for (ended once, or still ready or unacked). A preset the engine cannot
//! run fails. Each is registered in the app's `src/presets.rs` and reads back the same after
//! being written.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use switchyard_core::MessageId;
use switchyard_core::sim::trace::to_json;
use switchyard_core::sim::{
    ConsumerId, NodeId, Options, Scenario, SimTime, Simulation, TraceEvent, TraceKind,
};

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

/// Every preset file: (file name, text).
pub(crate) fn presets() -> Vec<(String, String)> {
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

/// One run to 60 s, read second by second as the animation reads it (so a preset with more
/// events than the trace ring holds is still seen whole): a hash of every trace line, and per
/// copy (message, queue) how many times it entered and ended.
struct Played {
    sim: Simulation,
    trace_hash: u64,
    events: u64,
    copies: BTreeMap<(MessageId, NodeId), (u32, u32)>,
}

fn play(name: &str, text: &str) -> Played {
    let scenario = Scenario::from_json_text(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut sim =
        Simulation::new(scenario, Options::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    let auto_ack: BTreeSet<NodeId> = sim
        .scenario()
        .consumers
        .iter()
        .enumerate()
        .filter(|(_, c)| c.auto_ack)
        .filter_map(|(i, _)| sim.consumer_node(ConsumerId(i as u32)))
        .collect();
    let mut hasher = DefaultHasher::new();
    let mut copies = BTreeMap::new();
    let mut next = 0;
    for second in 1..=60 {
        sim.run_until(SimTime::from_ms(second * 1000))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        for e in sim.trace().since(next) {
            assert_eq!(
                e.seq, next,
                "{name}: the trace ring lost events in one second"
            );
            next += 1;
            to_json(&e, sim.world()).to_string().hash(&mut hasher);
            account(&e, &auto_ack, &mut copies);
        }
    }
    Played {
        sim,
        trace_hash: hasher.finish(),
        events: next,
        copies,
    }
}

/// Where a copy ends, if `e` ends one: the queue it leaves.
fn ends_at(e: &TraceEvent, auto_ack: &BTreeSet<NodeId>) -> Option<NodeId> {
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

fn account(
    e: &TraceEvent,
    auto_ack: &BTreeSet<NodeId>,
    copies: &mut BTreeMap<(MessageId, NodeId), (u32, u32)>,
) {
    let Some(m) = e.message else { return };
    if e.kind == TraceKind::Enqueue {
        copies.entry((m, e.edge.unwrap().to)).or_default().0 += 1;
    } else if e.kind == TraceKind::Requeue {
        // An ack sent just before its consumer crashed never arrived: the copy is back.
        let c = copies.entry((m, e.node.unwrap())).or_default();
        c.1 = c.1.saturating_sub(1);
    } else if let Some(q) = ends_at(e, auto_ack) {
        copies.entry((m, q)).or_default().1 += 1;
    }
}

/// Every copy held at the end (ready or unacked), by (message, queue node).
fn held(sim: &Simulation) -> BTreeSet<(MessageId, NodeId)> {
    let (world, b) = (sim.world(), sim.broker());
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
    held
}

#[test]
fn every_preset_runs_the_same_twice_and_conserves_messages() {
    for (name, text) in presets() {
        let a = play(&name, &text);
        let b = play(&name, &text);
        // A flow run as orchestration calls services without broker messages: its trace
        // still moves.
        assert!(a.events > 0, "{name}: nothing happened");
        assert_eq!(
            (a.events, a.trace_hash),
            (b.events, b.trace_hash),
            "{name}: traces differ"
        );
        assert_eq!(a.sim.summary(), b.sim.summary(), "{name}");
        let held = held(&a.sim);
        for (copy, (entered, ended)) in &a.copies {
            assert_eq!(*entered, 1, "{name}: {copy:?} entered {entered} times");
            assert!(*ended <= 1, "{name}: {copy:?} ended {ended} times");
            assert!(
                *ended == 1 || held.contains(copy),
                "{name}: {copy:?} is neither ended nor held"
            );
        }
        for copy in &held {
            assert!(
                a.copies.contains_key(copy),
                "{name}: {copy:?} held, never enqueued"
            );
        }
        // The depths the stage and the metrics draw count exactly the copies held.
        for (q, ready, unacked) in a.sim.queue_depths() {
            let copies = held.iter().filter(|(_, node)| *node == q).count() as u64;
            assert_eq!(ready + unacked, copies, "{name}: depth of {q:?}");
        }
    }
}

#[test]
fn every_preset_is_registered_in_the_app() {
    let registry = std::fs::read_to_string(scenarios_dir().join("../src/presets.rs")).unwrap();
    for (name, _) in presets() {
        // Compiled in as build.rs copies it: `concat!(env!("OUT_DIR"), "/scenarios/NAME")`.
        let line = format!("\"/scenarios/{name}\"))");
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

#[test]
fn every_preset_seeks_back_to_what_a_fresh_run_reaches() {
    let fresh = |text: &str, ms: u64| {
        let scenario = Scenario::from_json_text(text).unwrap();
        let mut sim = Simulation::new(scenario, Options::default()).unwrap();
        sim.run_until(SimTime::from_ms(ms)).unwrap();
        sim
    };
    let tail = |sim: &Simulation| -> Vec<String> {
        let events: Vec<TraceEvent> = sim.trace().events().rev().take(200).collect();
        events
            .iter()
            .map(|e| to_json(e, sim.world()).to_string())
            .collect()
    };
    for (name, text) in presets() {
        let mut sim = fresh(&text, 20_000);
        sim.seek(SimTime::from_ms(12_345)).unwrap();
        let again = fresh(&text, 12_345);
        assert_eq!(sim.summary(), again.summary(), "{name}");
        assert_eq!(tail(&sim), tail(&again), "{name}");
    }
}
