//! The stage's logic on the first preset, natively: the layout places every node, and the
//! player moves, stops and steps as the controls promise.

use switchyard_core::sim::{
    NodeKind, Options, Scenario, SimTime, Simulation, TraceEvent, TraceKind,
};

use super::layout::{Fit, LinkKind, Scene};
use super::player::{FAST_CHUNK, Moment, Player, STEP_REACH_US, Seen, Stop};
use crate::presets;
use crate::sim_ref::Selection;
use switchyard_core::MessageId;

fn sim() -> Simulation {
    preset_sim("orders-topic")
}

/// The preset `id` opened, at its start.
fn preset_sim(id: &str) -> Simulation {
    let preset = presets::find(id).expect("preset");
    let scenario = Scenario::from_json_text(preset.json).expect("scenario");
    Simulation::new(scenario, Options::default()).expect("simulation")
}

/// The scene's links of preset `id` as (from, to, label) by name, sorted.
fn named_links(id: &str) -> Vec<(String, String, String)> {
    let sim = preset_sim(id);
    let scene = Scene::of(&sim);
    let name = |id| sim.world().node(id).map(|n| n.name.clone()).expect("node");
    let mut links: Vec<_> = (scene.links.iter())
        .map(|l| (name(l.from), name(l.to), l.label.clone()))
        .collect();
    links.sort();
    links
}

fn link(from: &str, to: &str, label: &str) -> (String, String, String) {
    (from.into(), to.into(), label.into())
}

#[test]
fn what_consumers_publish_themselves_has_its_lines_through_the_default_exchange() {
    let rpc = named_links("tutorial-6-rpc");
    for server in ["rpc_server.py", "rpc_server-2"] {
        assert!(rpc.contains(&link(server, "", "replies")), "{rpc:?}");
    }
    let to_replies = rpc
        .iter()
        .filter(|l| l.0.is_empty() && l.1 == "rpc_client.replies");
    assert_eq!(
        to_replies.count(),
        1,
        "one line to the reply queue: {rpc:?}"
    );
    let retry = named_links("retry-backoff");
    assert!(retry.contains(&link("payment-service", "", "parking lot")));
    assert!(retry.contains(&link("", "orders.parking", "orders.parking")));
    // The default exchange is on stage for it, though no producer publishes to it.
    let sim = preset_sim("retry-backoff");
    let shown = (Scene::of(&sim).shapes.iter()).any(|s| s.name == "(AMQP default)");
    assert!(shown, "the default exchange is drawn");
}

#[test]
fn the_default_exchange_s_line_to_the_queue_its_messages_reach_is_not_faded() {
    let mut sim = preset_sim("tutorial-2-work-queues");
    sim.run_until(SimTime::from_ms(3000)).expect("run");
    let scene = Scene::of(&sim);
    let name = |id| sim.world().node(id).map(|n| n.name.clone()).expect("node");
    let line = (scene.links.iter())
        .find(|l| name(l.from).is_empty() && name(l.to) == "task_queue")
        .expect("the default exchange's line to task_queue");
    assert!(!line.faded, "every task reaches task_queue: {line:?}");
}

#[test]
fn a_choreography_s_bindings_its_events_match_are_not_faded() {
    let preset = presets::find("circuit-breaker").expect("preset");
    let mut scenario = Scenario::from_json_text(preset.json).expect("scenario");
    let flow = scenario.flow.as_mut().expect("a flow");
    flow.style = switchyard_core::sim::flow::Style::Choreography;
    let mut sim = Simulation::new(scenario, Options::default()).expect("simulation");
    sim.run_until(SimTime::from_ms(5000)).expect("run");
    let scene = Scene::of(&sim);
    let bindings: Vec<_> = (scene.links.iter())
        .filter(|l| l.kind == LinkKind::Binding)
        .collect();
    assert!(!bindings.is_empty());
    for l in bindings {
        assert!(!l.faded, "every event matches {l:?}");
    }
}

#[test]
fn the_event_store_is_linked_to_its_writers_and_projections() {
    let lines: Vec<_> = named_links("event-sourcing")
        .into_iter()
        .filter(|l| l.2 == "append" || l.2 == "read")
        .collect();
    assert_eq!(
        lines,
        [
            link("event store", "audit", "read"),
            link("event store", "balance", "read"),
            link("ledger-writer-1", "event store", "append"),
            link("ledger-writer-2", "event store", "append"),
        ]
    );
    // Nothing else has a store: no such line.
    assert!(preset_sim("orders-topic").sourcing_nodes().is_none());
}

#[test]
fn the_scene_draws_every_actor_and_binding_with_its_key() {
    let scene = Scene::of(&sim());
    let kinds: Vec<NodeKind> = scene.shapes.iter().map(|s| s.kind).collect();
    for kind in [
        NodeKind::Producer,
        NodeKind::Exchange,
        NodeKind::Queue,
        NodeKind::Consumer,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} missing from {kinds:?}");
    }
    assert!(
        !scene.shapes.iter().any(|s| s.name == "(AMQP default)"),
        "the unused default exchange is hidden"
    );
    let binding = scene
        .links
        .iter()
        .find(|l| l.kind == LinkKind::Binding)
        .expect("a binding");
    assert_eq!(binding.label, "order.*.created");
    assert_eq!(
        scene
            .links
            .iter()
            .filter(|l| l.kind == LinkKind::Consume)
            .count(),
        2
    );
    let exchange = scene
        .shapes
        .iter()
        .find(|s| s.kind == NodeKind::Exchange)
        .expect("exchange");
    assert_eq!(exchange.tag, Some("topic"));
    // The file's layout: orders-service at (80, 200), orders at (280, 200).
    assert_eq!((exchange.x, exchange.y), (280.0, 200.0));
}

#[test]
fn the_fit_keeps_every_shape_inside_the_canvas() {
    let scene = Scene::of(&sim());
    for (w, h) in [(1200.0, 600.0), (500.0, 300.0), (2400.0, 1400.0)] {
        let fit = Fit::new(&scene, w, h);
        for s in &scene.shapes {
            let (x, y) = fit.at(s.x, s.y);
            assert!(
                x > 0.0 && x < w && y > 0.0 && y < h,
                "{} at {x},{y} in {w}x{h}",
                s.name
            );
        }
    }
}

#[test]
fn any_canvas_however_small_is_fitted_without_a_panic() {
    // A collapsed or tiny canvas (a narrow phone, a panel mid-resize) once made the margin's
    // bounds cross (`clamp` with min > max), which panicked and killed the app.
    // A file's layout that puts the two mailers close together at the right of a narrow
    // drawing: their names go beside them, and the right margin is wanted wider than a third
    // of a narrow canvas.
    let mut crowded: serde_json::Value =
        serde_json::from_str(presets::PRESETS[0].json).expect("preset parses");
    crowded["layout"] = serde_json::json!({
        "orders-service": {"x": 0, "y": 200}, "orders": {"x": 20, "y": 200},
        "email-notifications": {"x": 40, "y": 200},
        "mailer-1": {"x": 60, "y": 190}, "mailer-2": {"x": 60, "y": 210}
    });
    let crowded = crowded.to_string();
    let texts =
        (presets::PRESETS.iter().map(|p| (p.id, p.json))).chain([("crowded", crowded.as_str())]);
    for (id, json) in texts {
        let scenario = Scenario::from_json_text(json).expect("preset parses");
        let sim = Simulation::new(scenario, Options::default()).expect("preset runs");
        let scene = Scene::of(&sim);
        for (w, h) in [
            (0.0, 0.0),
            (1.0, 1.0),
            (100.0, 80.0),
            (200.0, 600.0),
            (239.0, 900.0),
        ] {
            let fit = Fit::new(&scene, w, h);
            let (x, y) = fit.at(0.0, 0.0);
            assert!(
                x.is_finite() && y.is_finite() && fit.radius().is_finite(),
                "{id} in {w}x{h}"
            );
        }
    }
}

#[test]
fn playing_stops_at_the_lesson_step_and_the_engine_runs_ahead_of_the_view() {
    let mut p = Player::new(sim());
    let mut stop = None;
    for _ in 0..100 {
        stop = p.advance(16_000).expect("runs");
        if stop.is_some() {
            break;
        }
    }
    assert_eq!(stop, Some(Stop::Lesson(0)));
    assert_eq!(p.view(), 1_000_000);
    let now = p.sim().get().expect("sim").now();
    assert_eq!(now, SimTime(1_002_000), "ahead by the publish latency");
    assert!(
        p.advance(16_000).expect("runs").is_none(),
        "continues past it"
    );
}

#[test]
fn a_pause_point_stops_when_a_message_arrives_there() {
    let mut p = Player::new(sim());
    let queue = p
        .sim()
        .get()
        .expect("sim")
        .world()
        .queue("/", "email-notifications")
        .expect("queue");
    assert!(p.toggle_pause_point(queue));
    let stop = p.advance(900_000).expect("runs");
    let Some(Stop::Arrival { node, pick }) = stop else {
        panic!("no arrival: {stop:?}")
    };
    assert_eq!(node, queue);
    assert!(matches!(pick, Some(Selection::Message(_))), "{pick:?}");
    assert!(p.view() > 0 && p.view() < 900_000);
    assert!(!p.toggle_pause_point(queue));
    assert!(p.advance(100_000).expect("runs").is_none());
}

type Snapshot = (
    u64,
    u64,
    SimTime,
    Vec<(switchyard_core::sim::NodeId, u64, u64)>,
    u64,
    String,
);

/// What the user sees: view, events, engine clock, queue depths, latencies, utilisation.
fn snapshot(p: &Player) -> Snapshot {
    let sim = p.sim().get().expect("sim");
    let utilisation = format!("{:.6}", sim.utilisation(0));
    let latencies = sim.metrics().latency_count();
    (
        p.view(),
        sim.steps(),
        sim.now(),
        sim.queue_depths(),
        latencies,
        utilisation,
    )
}

#[test]
fn stepping_forward_n_then_back_n_returns_the_same_state() {
    for start in [0, 1_500_000, 7_250_000] {
        let mut p = Player::new(sim());
        p.seek(start).expect("seek");
        p.advance(1).expect("runs");
        let before = snapshot(&p);
        let mut messages = 0;
        for _ in 0..40 {
            messages += usize::from(p.step_forward().is_some());
        }
        assert!(messages > 0, "steps concern messages");
        assert!(p.view() >= before.0);
        for _ in 0..40 {
            p.step_back();
        }
        assert_eq!(snapshot(&p), before, "state at {start}");
    }
}

#[test]
fn every_step_shows_something_and_moves_its_message_from_where_it_set_out() {
    // Tutorial 5: a message sets out from the producer (an event that records nothing until
    // it arrives 3 ms later) and arrives at the exchange, where it is routed or dropped.
    let mut p = Player::new(preset_sim("tutorial-5-topics"));
    let next_seq = |p: &Player| p.sim().get().expect("sim").trace().next_seq();
    let (mut arrivals, mut landings) = (0, 0);
    for _ in 0..30 {
        let (seq, view) = (next_seq(&p), p.view());
        let flying = p.flights(0);
        let pick = p.step_forward();
        let stepped = p.stepped().expect("stepped");
        let landed = (flying.iter()).any(|e| e.edge.is_some_and(|h| h.arrive.0 <= p.view()));
        // Or nothing could be seen within reach: the step shows time passing.
        let next = p.sim().get().expect("sim").next_at().expect("more");
        assert!(
            next_seq(&p) > seq || landed || next.0 > view + STEP_REACH_US,
            "a step to {} µs recorded nothing and landed nothing",
            p.view()
        );
        if next_seq(&p) == seq && landed {
            // Nothing recorded: what landed is picked.
            let first = (flying.iter()).min_by_key(|e| e.edge.map(|h| h.arrive));
            assert_eq!(pick, first.and_then(|e| e.message).map(Selection::Message));
            landings += 1;
        }
        assert_eq!(stepped.to, p.view());
        assert!(view <= stepped.from && stepped.from <= stepped.to);
        if !flying.is_empty() {
            assert_eq!(
                stepped.from, view,
                "what is on its way moves from where it is"
            );
        }
        let sim = p.sim().get().expect("sim");
        let publish = sim
            .trace()
            .since(seq)
            .find(|e| e.kind == TraceKind::Publish);
        if let Some(e) = publish {
            // From where the message left the producer (the view before, if it left earlier
            // or something else was on its way).
            let edge = e.edge.expect("a publish travels");
            assert!(stepped.from <= edge.depart.0.max(view));
            assert_eq!(pick, e.message.map(Selection::Message));
            arrivals += 1;
        }
    }
    assert!(arrivals >= 3, "{arrivals} arrivals");
    assert!(landings >= 2, "{landings} steps that only landed");
    // Back from a seek (no steps to undo): to just before the last event that can be seen, so
    // that a step forward shows it again.
    p.seek(2_000_000).expect("seek");
    assert_eq!(p.stepped(), None);
    let seq = next_seq(&p);
    p.step_back();
    assert!(next_seq(&p) < seq);
    let back = next_seq(&p);
    p.step_forward();
    assert!(next_seq(&p) > back);
    // Playing on leaves stepping: hops are drawn stretched again.
    p.advance(1_000).expect("runs");
    assert_eq!(p.stepped(), None);
}

/// Steps `p` forward until a step's instant took no time for a chain of `hops` hops or more;
/// gives the hops that time cannot show.
fn step_to_instant_hops(p: &mut Player, hops: u32) -> Vec<TraceEvent> {
    for _ in 0..2_000 {
        let seq = p.sim().get().expect("sim").trace().next_seq();
        p.step_forward();
        let stepped = p.stepped().expect("stepped");
        if stepped.instant_hops >= hops {
            let sim = p.sim().get().expect("sim");
            let zero = |e: &TraceEvent| e.edge.is_some_and(|h| h.depart == h.arrive);
            return sim.trace().since(seq).filter(zero).collect();
        }
    }
    panic!("no step took {hops} hops at its instant");
}

#[test]
fn a_step_shows_the_hops_its_instant_took_no_time_for_one_after_another() {
    // Tutorial 5: a message reaches the topic exchange and goes into its queues at that
    // instant; a consumer waiting on a queue gets it at that instant too.
    let mut p = Player::new(preset_sim("tutorial-5-topics"));
    let zero = step_to_instant_hops(&mut p, 1);
    assert!(
        zero.iter().all(|e| e.kind == TraceKind::Enqueue),
        "{zero:?}"
    );
    // The stage at the view, a `phase` of the way through the chains.
    let during = |p: &Player, phase| {
        let mut out = Vec::new();
        let moment = Moment {
            at: p.view(),
            instant: Some(phase),
        };
        p.flights_into(moment, 0, &mut out, &mut Seen::default());
        out
    };
    let shown = during(&p, 0.5);
    for e in &zero {
        assert!(shown.contains(e), "{e:?} is shown going into its queue");
        // Its message leaves the queue (if it does at once) once it is in it.
        let leaves = |out: &[TraceEvent]| {
            (out.iter()).any(|f| f.message == e.message && f.kind != TraceKind::Enqueue)
        };
        let at_rest = p.flights(0);
        assert!(!leaves(&shown));
        assert!(!at_rest.contains(e), "at rest, the hop is over");
        if at_rest.iter().any(|f| f.message == e.message) {
            assert!(leaves(&at_rest));
        }
    }
    // Past the chain: as at rest.
    assert_eq!(during(&p, 1.0), p.flights(0));

    // Retry with back-off: a refused message is dead-lettered to the retry exchange and goes
    // into its queue at that instant: a chain of two hops, shown one after the other.
    let mut p = Player::new(preset_sim("retry-backoff"));
    let zero = step_to_instant_hops(&mut p, 2);
    let to = p.view();
    let dead = (zero.iter())
        .find(|e| matches!(e.kind, TraceKind::DeadLetter { .. }))
        .expect("a dead letter");
    let TraceKind::DeadLetter { dead_letter } = dead.kind else {
        unreachable!()
    };
    let copy = (zero.iter())
        .find(|e| e.message == Some(dead_letter))
        .expect("its copy goes on");
    let first = during(&p, 0.5);
    let second = during(&p, 1.5);
    assert!(first.contains(dead) && !first.contains(copy));
    assert!(second.contains(copy) && !second.contains(dead));
    assert_eq!(p.stepped().map(|s| s.to), Some(to));
    // Any other moment, or once the view moves on: none of them.
    p.advance(1).expect("runs");
    assert!(!during(&p, 0.5).iter().any(|e| zero.contains(e)));
}

#[test]
fn a_step_back_plays_the_step_it_undoes_backwards() {
    let mut p = Player::new(preset_sim("tutorial-5-topics"));
    step_to_instant_hops(&mut p, 1);
    let forward = p.stepped().expect("stepped");
    assert!(!forward.back && forward.from < forward.to);
    // The moments the step forward shows, after its start (where a message that set out is
    // drawn only once its arrival is recorded).
    let span = forward.to - forward.from;
    let mut moments: Vec<Moment> = (1..=8)
        .map(|k| Moment::at(forward.from + span * k / 8))
        .collect();
    moments.extend([0.0, 0.5, 0.99].map(|phase| Moment {
        at: forward.to,
        instant: Some(phase),
    }));
    let drawn = |p: &Player| -> Vec<Vec<TraceEvent>> {
        (moments.iter())
            .map(|m| {
                let mut out = Vec::new();
                p.flights_into(*m, 0, &mut out, &mut Seen::default());
                out.sort_by_key(|e| e.seq);
                out
            })
            .collect()
    };
    let shown = drawn(&p);
    assert!(
        shown.iter().any(|f| !f.is_empty()),
        "the step shows something"
    );
    p.step_back();
    let back = p.stepped().expect("stepped back");
    assert!(back.back);
    assert_eq!(back.to, forward.to);
    assert_eq!(back.from, forward.from, "played back to where it set out");
    assert!(p.view() <= back.from);
    assert_eq!(back.instant_hops, forward.instant_hops);
    assert_eq!(drawn(&p), shown, "the same moments, the same hops");
    // At rest: the trace as it is now.
    let mut rest = Vec::new();
    p.flights_into(Moment::at(p.view()), 0, &mut rest, &mut Seen::default());
    assert_eq!(rest, p.flights(0));
    // Stepping on forward leaves it; so does a seek.
    p.step_forward();
    assert!(!p.stepped().expect("stepped").back);
    p.seek(2_000_000).expect("seek");
    p.step_back();
    let back = p.stepped().expect("stepped back");
    assert!(back.back && back.to == 2_000_000 && p.view() <= back.from);
}

#[test]
fn while_a_step_is_shown_a_queue_s_count_changes_when_its_copy_arrives() {
    // Work queues: the workers are busy, so a message that arrives waits in the queue.
    let mut p = Player::new(preset_sim("tutorial-2-work-queues"));
    let engine = |p: &Player| p.sim().get().expect("sim").queue_depths();
    let drawn = |p: &Player, moment| {
        let mut out = Vec::new();
        if p.depths_at(moment, &engine(p), &mut out) {
            out
        } else {
            engine(p)
        }
    };
    let mut found = None;
    for _ in 0..2_000 {
        let before = engine(&p);
        p.step_forward();
        let s = p.stepped().expect("stepped");
        if s.instant_hops >= 1 && s.from < s.to && before != engine(&p) {
            found = Some((before, s));
            break;
        }
    }
    let (before, s) = found.expect("a step whose copy changes a queue's count");
    let after = engine(&p);
    let mid = Moment::at(s.from + (s.to - s.from) / 2);
    let arriving = Moment {
        at: s.to,
        instant: Some(0.5),
    };
    let arrived = Moment {
        at: s.to,
        instant: Some(f64::from(s.instant_hops)),
    };
    assert_eq!(drawn(&p, mid), before, "on the way, the counts before");
    let half = drawn(&p, arriving);
    assert_ne!(half, after, "the copy is not in its queue yet");
    assert_eq!(drawn(&p, arrived), after);
    assert_eq!(
        drawn(&p, Moment::at(p.view())),
        after,
        "at rest, the engine's"
    );
    // Played backwards: the same counts at the same moments.
    p.step_back();
    assert_eq!(engine(&p), before);
    assert_eq!(drawn(&p, arriving), half);
    assert_eq!(drawn(&p, mid), before);
    assert_eq!(drawn(&p, Moment::at(p.view())), before);
    // Not stepping: the engine's.
    p.advance(1).expect("runs");
    let mut out = Vec::new();
    assert!(!p.depths_at(mid, &engine(&p), &mut out));
}

#[test]
fn seeking_back_and_forth_gives_the_state_a_straight_run_reaches() {
    let mut straight = Player::new(sim());
    straight.seek(5_000_000).expect("seek");
    let mut p = Player::new(sim());
    p.seek(9_000_000).expect("seek");
    p.seek(2_000_000).expect("seek back");
    p.seek(5_000_000).expect("seek forward");
    assert_eq!(snapshot(&p), snapshot(&straight));
    assert_eq!(p.furthest(), 9_000_000);
    p.reset().expect("reset");
    assert_eq!(p.view(), 0);
}

#[test]
fn as_fast_as_possible_moves_by_a_bounded_number_of_events() {
    let mut p = Player::new(sim());
    let before = p.steps();
    let stop = p.run_fast(500, || false);
    assert!(p.steps() - before <= 500);
    assert!(stop.is_none() || stop == Some(Stop::Lesson(0)));
    assert!(p.view() > 0);
}

/// The page gives "as fast as possible" a few milliseconds a frame: the player looks at the
/// clock every `FAST_CHUNK` events and stops when told its time is up.
#[test]
fn as_fast_as_possible_stops_when_its_time_is_up() {
    let mut p = Player::new(preset_sim("stress"));
    let mut looks = 0;
    let stop = p.run_fast(1_000_000, || {
        looks += 1;
        looks == 3
    });
    assert_eq!(stop, None);
    assert_eq!(p.steps(), 3 * FAST_CHUNK);
    assert!(p.view() > 0);
}

#[test]
fn the_stress_preset_keeps_about_two_thousand_messages_in_flight() {
    let mut p = Player::new(preset_sim("stress"));
    for t in [5_000_000, 10_000_000] {
        p.seek(t).expect("seek");
        let n = p.in_flight().len();
        assert!((1_800..=2_600).contains(&n), "{n} in flight at {t} µs");
        let sim = p.sim().get().expect("sim");
        let backlog: u64 = sim.queue_depths().iter().map(|(_, ready, _)| ready).sum();
        assert!(
            backlog < 100,
            "the consumers keep up: {backlog} ready at {t} µs"
        );
    }
}

#[test]
fn short_hops_stay_on_screen_for_the_minimum_span() {
    let mut p = Player::new(sim());
    let mut seen = (0, 0);
    for t in (1_100_000..3_000_000).step_by(50_000) {
        p.seek(t).expect("seek");
        let exact = p.in_flight();
        let shown = p.flights(250_000);
        for e in &exact {
            let depart = |x: &TraceEvent| x.edge.map(|h| h.depart);
            let drawn = shown
                .iter()
                .any(|s| s.message == e.message && depart(s) >= depart(e));
            assert!(
                drawn,
                "{e:?} in flight at {t} is drawn (on this hop or a later one)"
            );
        }
        let mut once: Vec<_> = shown
            .iter()
            .filter_map(|e| Some((e.message?, e.kind.name().starts_with("confirm"))))
            .collect();
        let n = once.len();
        once.sort();
        once.dedup();
        assert_eq!(once.len(), n, "each message is drawn once at {t}");
        assert_eq!(p.flights(0), exact);
        seen = (seen.0 + exact.len(), seen.1 + shown.len());
    }
    // The preset's hops take 1–2 ms: hardly ever in flight at a frame, always drawn for 250 ms.
    assert!(seen.1 > 10 * seen.0.max(1), "{seen:?}");
}

#[test]
fn without_a_layout_nodes_go_in_columns_producers_exchanges_queues_consumers() {
    let preset = presets::find("orders-topic").expect("preset");
    let mut json: serde_json::Value = serde_json::from_str(preset.json).expect("json");
    json.as_object_mut().expect("object").remove("layout");
    let scenario = Scenario::from_json(&json).expect("scenario");
    let scene = Scene::of(&Simulation::new(scenario, Options::default()).expect("simulation"));
    let x = |kind| {
        let xs: Vec<f64> = scene
            .shapes
            .iter()
            .filter(|s| s.kind == kind)
            .map(|s| s.x)
            .collect();
        assert!(!xs.is_empty(), "{kind:?} drawn");
        xs
    };
    let columns = [
        NodeKind::Producer,
        NodeKind::Exchange,
        NodeKind::Queue,
        NodeKind::Consumer,
    ]
    .map(x);
    for pair in columns.windows(2) {
        let left = pair[0].iter().copied().fold(f64::MIN, f64::max);
        let right = pair[1].iter().copied().fold(f64::MAX, f64::min);
        assert!(left < right, "columns in order: {columns:?}");
        // No room is left for the exchanges two to four hops deep that this topology lacks.
        assert!(right - left < 2.0 * 220.0, "no empty column: {columns:?}");
    }
    // The two consumers, fitted to a wide stage, stay further apart than a shape and its label.
    let fit = Fit::new(&scene, 800.0, 450.0);
    let ys: Vec<f64> = (scene.shapes.iter())
        .filter(|s| s.kind == NodeKind::Consumer)
        .map(|s| fit.at(s.x, s.y).1)
        .collect();
    assert!((ys[0] - ys[1]).abs() > 150.0, "consumers at {ys:?}");
    for (i, a) in scene.shapes.iter().enumerate() {
        for b in &scene.shapes[i + 1..] {
            assert!(
                (a.x, a.y) != (b.x, b.y),
                "{} and {} overlap",
                a.name,
                b.name
            );
        }
    }
}

#[test]
fn a_scan_set_holds_each_message_and_slot_once_over_any_span() {
    // (ids and slots given to reset, pairs inserted in order with whether each was new)
    let m = |id, slot| (MessageId(id), slot);
    for (span, stride, inserts) in [
        (
            (10, 12),
            3,
            vec![(m(10, 0), true), (m(10, 0), false), (m(10, 2), true)],
        ),
        (
            (10, 12),
            3,
            vec![(m(12, 2), true), (m(11, 2), true), (m(12, 2), false)],
        ),
        ((0, 0), 1, vec![(m(0, 0), true), (m(0, 0), false)]),
        (
            (5, 1 << 20),
            4,
            vec![(m(5, 3), true), (m(1 << 20, 3), true), (m(5, 3), false)],
        ),
    ] {
        let mut seen = Seen::default();
        // Twice: a reset empties it.
        for _ in 0..2 {
            seen.reset(span, stride);
            for ((id, slot), new) in &inserts {
                assert_eq!(seen.contains(*id, *slot), !new, "{id:?} {slot} in {span:?}");
                assert_eq!(seen.insert(*id, *slot), *new, "{id:?} {slot} in {span:?}");
                assert!(seen.contains(*id, *slot));
            }
        }
    }
}

#[test]
fn a_fanout_copy_flies_to_every_queue_and_a_hop_ends_when_its_message_moves_on() {
    let mut p = Player::new(preset_sim("tutorial-3-publish-subscribe"));
    let mut side_by_side = 0;
    for t in (1_000_000..6_000_000).step_by(20_000) {
        p.seek(t).expect("seek");
        let shown = p.flights(250_000);
        for e in &shown {
            let (Some(m), Some(hop)) = (e.message, e.edge) else {
                continue;
            };
            let moved_on = shown.iter().any(|later| {
                later.seq > e.seq
                    && later.message == Some(m)
                    && later.edge.is_some_and(|h| h.from == hop.to)
                    && !later.kind.name().starts_with("confirm")
            });
            assert!(
                !moved_on,
                "{e:?} is drawn after its message left {:?} at {t}",
                hop.to
            );
            let copies = shown.iter().filter(|c| {
                c.message == Some(m) && c.kind == e.kind && c.edge.is_some_and(|h| h.to != hop.to)
            });
            side_by_side += copies.count();
        }
    }
    // Both queues get each log line: their copies are often on the wires at once.
    assert!(
        side_by_side > 10,
        "{side_by_side} copies drawn beside another"
    );
}

#[test]
fn without_a_layout_an_exchange_comes_level_with_its_queues() {
    // Alphabetically dlx comes before work and jobs before parked: drawn in that order, the
    // bindings work → jobs and dlx → parked would cross.
    let json = serde_json::json!({"switchyard": 1, "name": "t", "seed": 1,
        "topology": {
            "exchanges": [{"name": "work", "type": "direct"}, {"name": "dlx", "type": "fanout"}],
            "queues": [{"name": "jobs", "arguments": {"x-dead-letter-exchange": "dlx"}},
                       {"name": "parked"}],
            "bindings": [
                {"source": "work", "destination": "jobs", "destination_type": "queue", "routing_key": "job"},
                {"source": "dlx", "destination": "parked", "destination_type": "queue"}]},
        "actors": {
            "producers": [{"name": "api", "exchange": "work", "routing_key": "job",
                "rate": {"kind": "fixed", "per_second": 1}}],
            "consumers": [{"name": "worker", "queue": "jobs"}]}});
    let scenario = Scenario::from_json(&json).expect("scenario");
    let scene = Scene::of(&Simulation::new(scenario, Options::default()).expect("simulation"));
    let y = |name: &str| {
        let shape = scene.shapes.iter().find(|s| s.name == name);
        shape.unwrap_or_else(|| panic!("{name} drawn")).y
    };
    assert_eq!(
        y("dlx") < y("work"),
        y("parked") < y("jobs"),
        "bindings cross"
    );
}

#[test]
fn dead_letter_and_alternate_exchanges_set_by_a_policy_are_drawn() {
    let json = serde_json::json!({"switchyard": 1, "name": "t", "seed": 1,
        "topology": {
            "exchanges": [{"name": "orders", "type": "direct"}, {"name": "dlx", "type": "fanout"},
                          {"name": "unrouted", "type": "fanout"}],
            "queues": [{"name": "orders.created"}, {"name": "own", "arguments": {"x-dead-letter-exchange": "dlx"}},
                       {"name": "dead"}],
            "bindings": [
                {"source": "orders", "destination": "orders.created", "destination_type": "queue", "routing_key": "created"},
                {"source": "dlx", "destination": "dead", "destination_type": "queue"}],
            "policies": [
                {"vhost": "/", "name": "dl", "pattern": "^o", "apply-to": "queues", "priority": 0,
                 "definition": {"dead-letter-exchange": "dlx"}},
                {"vhost": "/", "name": "ae", "pattern": "^orders$", "apply-to": "exchanges", "priority": 0,
                 "definition": {"alternate-exchange": "unrouted"}}]},
        "actors": {"producers": [], "consumers": []}});
    let scenario = Scenario::from_json(&json).expect("scenario");
    let sim = Simulation::new(scenario, Options::default()).expect("simulation");
    let scene = Scene::of(&sim);
    let name = |id| {
        &scene
            .shapes
            .iter()
            .find(|s| s.id == id)
            .expect("shape")
            .name
    };
    let mut drawn: Vec<(String, String, String)> = (scene.links.iter())
        .filter(|l| matches!(l.kind, LinkKind::DeadLetter | LinkKind::Alternate))
        .map(|l| (name(l.from).clone(), name(l.to).clone(), l.label.clone()))
        .collect();
    drawn.sort();
    let expected = [
        ("orders", "unrouted", "alternate (policy)"),
        ("orders.created", "dlx", "dead letters (policy)"),
        ("own", "dlx", "dead letters"),
    ];
    let expected: Vec<(String, String, String)> = (expected.iter())
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(drawn, expected);
}

/// A queue bound while the scenario runs, which the file's layout does not place, is drawn in
/// the column of its exchange's other queues, under the lowest; its consumer-less link does
/// not run back across the drawing.
#[test]
fn a_queue_added_while_running_goes_under_its_exchanges_other_queues() {
    use switchyard_core::definitions::Definitions;
    use switchyard_core::sim::scenario::Action;
    use switchyard_core::topology::{BindingDecl, Destination, QueueDecl};
    let mut sim = preset_sim("tutorial-5-topics");
    sim.run_until(SimTime(1_000_000)).expect("run");
    let definitions = Definitions {
        vhosts: vec!["/".into()],
        queues: vec![("/".into(), QueueDecl::new("audit"))],
        bindings: vec![(
            "/".into(),
            BindingDecl {
                source: "topic_logs".into(),
                destination: Destination::Queue("audit".into()),
                routing_key: "#".into(),
                arguments: switchyard_core::Table::new(),
            },
        )],
        ..Definitions::default()
    };
    sim.inject_topology(Action::Declare { definitions })
        .expect("declare");
    sim.run_until(SimTime(2_000_000)).expect("run");
    let scene = Scene::of(&sim);
    let at = |name: &str| {
        let s = scene.shapes.iter().find(|s| s.name == name).expect(name);
        (s.x, s.y)
    };
    let (audit, q1, q2) = (at("audit"), at("Q1"), at("Q2"));
    assert_eq!(audit.0, q1.0);
    assert_eq!(audit.1, q1.1.max(q2.1) + super::layout::ROW);
}

/// A consumer added while running is drawn beside the others, linked to its queue; going back
/// before it takes it off the drawing (its node stays in the world, unused).
#[test]
fn an_added_consumer_is_drawn_until_undone() {
    use switchyard_core::sim::scenario::actors::consumer;
    let mut sim = preset_sim("tutorial-5-topics");
    sim.run_until(SimTime(1_000_000)).expect("run");
    let json = serde_json::json!({"name": "C9", "queue": "Q1", "prefetch": 1});
    sim.add_consumer(consumer(&json, "actor").expect("spec"))
        .expect("added");
    sim.run_until(SimTime(2_000_000)).expect("run");
    let scene = Scene::of(&sim);
    let c9 = scene.shapes.iter().find(|s| s.name == "C9").expect("drawn");
    let q1 = scene.shapes.iter().find(|s| s.name == "Q1").expect("Q1");
    assert_eq!(c9.kind, switchyard_core::sim::NodeKind::Consumer);
    assert_eq!(c9.status, None, "running");
    assert!(
        scene
            .links
            .iter()
            .any(|l| l.from == q1.id && l.to == c9.id && l.kind == LinkKind::Consume)
    );
    sim.seek(SimTime(500_000)).expect("seek");
    let scene = Scene::of(&sim);
    assert!(scene.shapes.iter().all(|s| s.name != "C9"));
    assert!(scene.links.iter().all(|l| l.to != c9.id));
}

/// A producer added while running, which the file's layout does not place, is drawn left of
/// its exchange with the other producers, under the lowest.
#[test]
fn an_added_producer_goes_with_the_others_left_of_its_exchange() {
    use switchyard_core::sim::scenario::actors::producer;
    let mut sim = preset_sim("tutorial-5-topics");
    sim.run_until(SimTime(1_000_000)).expect("run");
    let json = serde_json::json!({"name": "P9", "exchange": "topic_logs",
        "routing_key": "quick.orange.fox", "rate": {"kind": "fixed", "per_second": 2}});
    sim.add_producer(producer(&json, "actor").expect("spec"))
        .expect("added");
    let scene = Scene::of(&sim);
    let at = |name: &str| {
        let s = scene.shapes.iter().find(|s| s.name == name).expect(name);
        (s.x, s.y)
    };
    let (p9, p) = (at("P9"), at("emit_log_topic.py"));
    assert_eq!(p9, (p.0, p.1 + super::layout::ROW));
}

/// A producer stopped on demand is drawn so (dashed, with its status), and as usual once
/// started again.
#[test]
fn a_stopped_producer_is_drawn_stopped() {
    use switchyard_core::sim::{Control, ProducerId};
    let mut sim = preset_sim("tutorial-5-topics");
    sim.run_until(SimTime(1_000_000)).expect("run");
    sim.inject(Control::StopProducer(ProducerId(0)));
    sim.run_until(SimTime(1_000_001)).expect("run");
    let status = |sim: &Simulation| {
        let scene = Scene::of(sim);
        let p = scene.shapes.iter().find(|s| s.name == "emit_log_topic.py");
        p.expect("drawn").status
    };
    assert_eq!(status(&sim), Some("stopped"));
    sim.inject(Control::StartProducer(ProducerId(0)));
    sim.run_until(SimTime(1_000_002)).expect("run");
    assert_eq!(status(&sim), None);
}

#[test]
fn a_node_selected_before_the_canvas_is_sized_is_revealed_once_it_is_and_moves_nothing_in_sight() {
    use super::shared::Shared;
    use super::view::View;
    let sim = sim();
    let mut shared = Shared {
        scene: Scene::of(&sim),
        ..Shared::default()
    };
    let exchange = (sim.world().nodes().iter())
        .position(|n| n.kind == NodeKind::Exchange && !n.name.is_empty())
        .map(|i| switchyard_core::sim::NodeId(i as u32))
        .expect("an exchange");
    // Selected as the scenario opens (a session restored): no canvas size yet, so it waits.
    shared.reveal = Some(exchange);
    shared.reveal_now();
    assert_eq!(shared.reveal, Some(exchange));
    assert_eq!(shared.view, View::default());
    // The first frame sizes the canvas and fits the drawing: the node is in sight, the view
    // stays fitted.
    shared.refit(742.0, 649.0);
    shared.reveal_now();
    assert_eq!(shared.reveal, None);
    assert_eq!(shared.view, View::default());
}
