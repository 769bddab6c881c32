//! The simulation engine end to end on the shipped example scenario: determinism (same seed ⇒
//! same trace, byte for byte), step back and seek are exact, and every published message is
//! accounted for.

use std::collections::{BTreeMap, BTreeSet};

use switchyard_core::MessageId;
use switchyard_core::sim::trace::to_json;
use switchyard_core::sim::{Control, Options, Scenario, SimTime, Simulation, TraceKind};

fn scenario(seed: u64) -> Scenario {
    let text = include_str!("../../../../scenarios/orders-topic.json");
    let mut s = Scenario::from_json_text(text).unwrap();
    s.seed = seed;
    s
}

fn sim(seed: u64) -> Simulation {
    Simulation::new(scenario(seed), Options::default()).unwrap()
}

fn trace_lines(sim: &Simulation) -> String {
    sim.trace()
        .events()
        .map(|e| to_json(&e, sim.world()).to_string() + "\n")
        .collect()
}

/// Everything observable: clock, step count, summary, trace, queue contents, unsettled.
fn snapshot(sim: &Simulation) -> String {
    let b = sim.broker();
    let queue = b.queue("/", "email-notifications").unwrap();
    format!(
        "{} {} {}\n{}\n{:?}\n{:?}\n{:?}",
        sim.now(),
        sim.steps(),
        sim.summary(),
        trace_lines(sim),
        queue.message_ids(),
        b.unsettled(),
        sim.series().collect::<Vec<_>>()
    )
}

#[test]
fn same_seed_same_trace_byte_for_byte() {
    let run = |seed| {
        let mut s = sim(seed);
        s.run_until(SimTime::from_ms(30_000)).unwrap();
        trace_lines(&s)
    };
    let a = run(7);
    assert!(a.lines().count() > 1000);
    assert_eq!(a, run(7));
    assert_ne!(a, run(8));
}

#[test]
fn n_steps_forward_then_n_back_is_the_state_n_steps_earlier() {
    let mut s = sim(3);
    s.run_until(SimTime::from_ms(19_990)).unwrap();
    // Land on an event boundary: a state reached by steps alone.
    s.step();
    let before = snapshot(&s);
    for n in [1u64, 2, 50, 400] {
        for _ in 0..n {
            s.step();
        }
        for _ in 0..n {
            assert!(s.step_back());
        }
        assert_eq!(snapshot(&s), before, "{n} steps");
    }
}

#[test]
fn next_at_is_when_the_next_step_happens() {
    let mut s = sim(3);
    s.run_until(SimTime::from_ms(5_000)).unwrap();
    for _ in 0..200 {
        let due = s.next_at().unwrap();
        assert!(due >= s.now());
        assert_eq!(s.step(), Some(due));
        assert_eq!(s.now(), due);
    }
}

#[test]
fn seek_back_equals_a_fresh_run_to_that_time() {
    let mut s = sim(5);
    s.run_until(SimTime::from_ms(45_000)).unwrap();
    for t in [44_999, 20_000, 19_999, 1, 0, 33_333] {
        s.seek(SimTime::from_ms(t)).unwrap();
        let mut fresh = sim(5);
        fresh.run_until(SimTime::from_ms(t)).unwrap();
        assert_eq!(snapshot(&s), snapshot(&fresh), "seek to {t} ms");
    }
    assert!(s.checkpoint_count() > 10);
}

#[test]
fn a_small_trace_ring_stays_contiguous_across_seeks() {
    let options = Options {
        trace_capacity: 500,
        ..Options::default()
    };
    let mut s = Simulation::new(scenario(4), options).unwrap();
    for t in [30_000, 2_000, 29_000, 15_000, 30_000] {
        s.seek(SimTime::from_ms(t)).unwrap();
        let seqs: Vec<u64> = s.trace().events().map(|e| e.seq).collect();
        // Further back than the ring holds, the record restarts at the checkpoint used (it may
        // be empty when that checkpoint is the target itself).
        assert!(seqs.len() <= 500);
        assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "gap at {t} ms");
        assert_eq!(
            seqs.last().map_or(s.trace().next_seq(), |l| l + 1),
            s.trace().next_seq()
        );
    }
}

#[test]
fn lesson_steps_are_pause_points_in_the_trace() {
    let mut s = sim(1);
    let (i, step) = s.next_pause_after(SimTime::ZERO).unwrap();
    assert_eq!((i, step.title.as_str()), (0, "Routing"));
    let at = SimTime(step.at);
    assert_eq!(s.next_pause_after(at).unwrap().0, 1);
    s.run_until(at).unwrap();
    let last = s
        .trace()
        .events()
        .rev()
        .find(|e| e.kind == TraceKind::LessonStep { lesson: 0 });
    assert_eq!(last.map(|e| e.time), Some(at));
    assert!(s.next_pause_after(SimTime::from_ms(25_000)).is_none());
}

#[test]
fn run_until_in_the_past_is_a_typed_error() {
    let mut s = sim(1);
    s.run_until(SimTime::from_ms(10)).unwrap();
    let err = s.run_until(SimTime::from_ms(5)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot schedule at 5.000 ms: the clock is already at 10.000 ms"
    );
}

#[test]
fn an_injected_crash_requeues_and_seeking_back_undoes_it() {
    let mut s = sim(2);
    s.run_until(SimTime::from_ms(5_000)).unwrap();
    let before = snapshot(&s);
    let c = s.consumer_id("mailer-2").unwrap();
    s.inject(Control::CrashConsumer(c));
    s.advance_by(1_000).unwrap();
    let kinds: Vec<TraceKind> = s.trace().events().map(|e| e.kind).collect();
    assert!(kinds.contains(&TraceKind::ConsumerCrashed));
    // Just before it, then on to its moment: the crash is undone.
    s.seek(SimTime(4_999_999)).unwrap();
    s.run_until(SimTime::from_ms(5_000)).unwrap();
    assert_eq!(snapshot(&s), before);
    let kinds: Vec<TraceKind> = s.trace().events().map(|e| e.kind).collect();
    assert!(!kinds.contains(&TraceKind::ConsumerCrashed));
}

/// A run of the example with `crashes` injected at their times (ms), stopped at `until` µs.
fn straight(options: Options, crashes: &[(u64, &str)], until: u64) -> Simulation {
    let mut s = Simulation::new(scenario(2), options).unwrap();
    for (at, name) in crashes {
        s.run_until(SimTime::from_ms(*at)).unwrap();
        s.inject(Control::CrashConsumer(s.consumer_id(name).unwrap()));
    }
    s.run_until(SimTime(until)).unwrap();
    s
}

#[test]
fn seeking_anywhere_at_or_after_an_injected_action_keeps_it_exactly() {
    // Few checkpoints, often thinned: seeks restore copies from before the actions.
    for options in [
        Options::default(),
        Options {
            checkpoint_every_us: 200_000,
            max_checkpoints: 4,
            ..Options::default()
        },
    ] {
        let crashes = [
            (5_000, "mailer-2"),
            (5_000, "mailer-1"),
            (6_500, "mailer-2"),
        ];
        let end = 9_000_000;
        for t in [
            5_000_000, 5_000_001, 5_600_000, 6_499_999, 6_500_000, 8_000_000, end,
        ] {
            let mut s = straight(options, &crashes, end);
            assert_eq!(s.edits().len(), 3);
            s.seek(SimTime(t)).unwrap();
            let kept: Vec<_> = crashes
                .iter()
                .filter(|c| c.0 * 1000 <= t)
                .copied()
                .collect();
            assert_same(&s, &straight(options, &kept, t), t);
            // Forward again: the crashes after `t` stay undone, the others stay.
            s.seek(SimTime(end)).unwrap();
            assert_eq!(s.edits().len(), kept.len());
            assert_same(&s, &straight(options, &kept, end), t);
        }
    }
}

#[test]
fn stepping_back_where_a_seek_landed_is_exact_with_few_copies_far_apart() {
    // Six copies for a minute: a seek back lands in a long stretch with none, and saves some
    // on its way there (between two kept ones), which the steps back then use.
    let options = Options {
        checkpoint_every_us: 100_000,
        max_checkpoints: 6,
        ..Options::default()
    };
    let mut s = Simulation::new(scenario(6), options).unwrap();
    s.run_until(SimTime::from_ms(60_000)).unwrap();
    assert_eq!(s.checkpoint_count(), 6);
    for t in [20_000, 41_000, 7_000] {
        s.seek(SimTime::from_ms(t)).unwrap();
        s.step();
        let at = s.steps();
        for _ in 0..30 {
            assert!(s.step_back());
        }
        let mut fresh = Simulation::new(scenario(6), options).unwrap();
        fresh.seek_step(at - 30);
        assert_eq!(snapshot(&s), snapshot(&fresh), "30 steps back from {t} ms");
        assert_eq!(s.checkpoint_count(), 6);
    }
    s.seek(SimTime::from_ms(60_000)).unwrap();
    let mut fresh = Simulation::new(scenario(6), options).unwrap();
    fresh.run_until(SimTime::from_ms(60_000)).unwrap();
    assert_eq!(snapshot(&s), snapshot(&fresh), "back at the end");
}

fn assert_same(got: &Simulation, want: &Simulation, t: u64) {
    let (got, want) = (snapshot(got), snapshot(want));
    let first = got.lines().zip(want.lines()).find(|(a, b)| a != b);
    assert!(got == want, "seek to {t} µs: {first:?}");
}

#[test]
fn stepping_back_over_an_injected_action_undoes_it() {
    let mut s = sim(2);
    s.run_until(SimTime::from_ms(5_000)).unwrap();
    let at = s.steps();
    s.inject(Control::CrashConsumer(s.consumer_id("mailer-2").unwrap()));
    s.advance_by(500_000).unwrap();
    s.seek_step(at + 1);
    assert_eq!(s.edits().len(), 1, "the step that made it is kept");
    s.seek_step(at);
    assert!(s.edits().is_empty(), "stepping back to before it undoes it");
    s.advance_by(1_000_000).unwrap();
    let kinds: Vec<TraceKind> = s.trace().events().map(|e| e.kind).collect();
    assert!(!kinds.contains(&TraceKind::ConsumerCrashed));
}

/// Terminal fates of a copy in the trace (the example has one queue: one copy per message).
fn terminal(kind: TraceKind) -> bool {
    matches!(
        kind,
        TraceKind::Ack
            | TraceKind::Nack { requeue: false }
            | TraceKind::Reject { requeue: false }
            | TraceKind::Expire
            | TraceKind::DropOnOverflow
            | TraceKind::DeliveryLimit
            | TraceKind::Purge
            | TraceKind::LostOnRestart
            | TraceKind::Unroutable
            | TraceKind::Return
            | TraceKind::PublishRejected
    )
}

#[test]
fn every_published_message_is_accounted_for() {
    let mut sc = scenario(11);
    sc.script.push(switchyard_core::sim::scenario::ScriptStep {
        at: 40_000_000,
        action: switchyard_core::sim::scenario::Action::RestartBroker,
    });
    let mut s = Simulation::new(sc, Options::default()).unwrap();
    s.run_until(SimTime::from_ms(60_000)).unwrap();
    let mut published = BTreeSet::new();
    let mut ends: BTreeMap<MessageId, usize> = BTreeMap::new();
    for e in s.trace().events() {
        let Some(m) = e.message else { continue };
        if e.kind == TraceKind::Publish {
            published.insert(m);
        }
        if terminal(e.kind) {
            *ends.entry(m).or_default() += 1;
        }
    }
    let b = s.broker();
    let mut held: BTreeSet<MessageId> = b
        .queue("/", "email-notifications")
        .unwrap()
        .message_ids()
        .into_iter()
        .collect();
    held.extend(b.unsettled().into_iter().map(|(_, _, m, _, _)| m));
    for m in &published {
        let ended = ends.get(m).copied().unwrap_or(0);
        assert!(ended <= 1, "{m:?} ended {ended} times");
        assert!(
            ended == 1 || held.contains(m),
            "{m:?} is neither settled nor held"
        );
    }
    assert!(published.len() > 1000);
    let total = &s.metrics().total;
    assert_eq!(total.published as usize, published.len());
    assert_eq!(
        total.lost_on_restart, 0,
        "persistent messages in a durable queue survive"
    );
}
