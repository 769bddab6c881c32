//! What a consumer's closed connection costs. Auto-acked deliveries it held or that were on
//! their way to it are lost (the broker let go of them when it sent them), and the restart
//! counts them at once. Unacked ones are only abandoned: the broker requeues them, and a
//! durable queue's persistent messages survive a restart, so nothing is lost.

use crate::sim_reconnect::tutorial;
use serde_json::json;
use switchyard_core::sim::{SimTime, Simulation, TraceKind};

fn count(sim: &Simulation, kind: TraceKind) -> usize {
    sim.trace().events().filter(|e| e.kind == kind).count()
}

#[test]
fn unacked_deliveries_of_a_durable_queue_survive_a_restart_and_are_not_counted_lost() {
    // Work queues: a durable queue, persistent messages, manual acks, deliveries 40 ms long.
    let mut sim = tutorial(
        include_str!("../../../../scenarios/tutorial-2-work-queues.json"),
        |s| {
            s["latency_ms"]["deliver"] = json!(40);
            s["actors"]["producers"][0]["rate"] = json!({"kind": "fixed", "per_second": 40});
            s["script"] = json!([{"at_ms": 5000, "action": "restart_broker"}]);
        },
    );
    sim.run_until(SimTime::from_ms(5_000)).unwrap();
    let abandoned: Vec<_> = (sim.trace().events())
        .filter(|e| e.kind == TraceKind::Abandoned)
        .filter_map(|e| e.message)
        .collect();
    assert!(!abandoned.is_empty(), "the workers held unacked deliveries");
    let total = &sim.metrics().total;
    assert_eq!((total.lost_in_flight, total.lost_on_restart), (0, 0));
    // As after a crash, the connection closes first, then the broker requeues: each message's
    // lifecycle reads "abandoned", then "requeued".
    for &id in &abandoned {
        let kinds: Vec<TraceKind> = (sim.trace().events())
            .filter(|e| e.message == Some(id))
            .map(|e| e.kind)
            .filter(|k| matches!(k, TraceKind::Abandoned | TraceKind::Requeue))
            .collect();
        assert_eq!(
            kinds,
            [TraceKind::Abandoned, TraceKind::Requeue],
            "message {id:?}"
        );
    }
    sim.run_until(SimTime::from_ms(8_000)).unwrap();
    assert_eq!(count(&sim, TraceKind::LostInFlight), 0);
    // Each abandoned message is delivered again and acked.
    for id in abandoned {
        let acked =
            (sim.trace().events()).any(|e| e.kind == TraceKind::Ack && e.message == Some(id));
        assert!(acked, "message {id:?} was abandoned, then never acked");
    }
}

#[test]
fn auto_acked_deliveries_held_or_on_their_way_are_lost_and_counted_at_the_restart() {
    // Hello world: auto-ack, 100 messages a second, deliveries 50 ms long: about five are on
    // their way at any moment.
    let mut sim = tutorial(
        include_str!("../../../../scenarios/tutorial-1-hello-world.json"),
        |s| {
            s["latency_ms"]["deliver"] = json!(50);
            s["actors"]["producers"][0]["rate"] = json!({"kind": "fixed", "per_second": 100});
            s["script"] = json!([{"at_ms": 5000, "action": "restart_broker"}]);
        },
    );
    sim.run_until(SimTime::from_ms(5_000)).unwrap();
    let counted = sim.metrics().total.lost_in_flight;
    let recorded_now = count(&sim, TraceKind::LostInFlight) as u64;
    assert!(
        counted > recorded_now,
        "deliveries on their way are counted at the restart"
    );
    sim.run_until(SimTime::from_ms(6_000)).unwrap();
    // They are recorded as they arrive, and none is counted twice.
    assert_eq!(count(&sim, TraceKind::LostInFlight) as u64, counted);
    assert_eq!(sim.metrics().total.lost_in_flight, counted);
    assert_eq!(count(&sim, TraceKind::Abandoned), 0);
}
