//! A long run holds no more memory than a shorter one: once the bounded stores are full (the
//! trace ring, the message table, the metrics series, the checkpoints), nothing the simulation
//! keeps grows with the messages it has handled. A table of send times by message id once grew
//! 8 bytes a message for ever.
//!
//! The checkpoints are bounded by the message copies they hold: about 300 bytes each.
//!
//! Its own test binary, with one test (the parts run one after the other): it counts every
//! byte the process holds.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::alloc::System;

use cap::Cap;
use switchyard_core::sim::{Options, Scenario, SimTime, Simulation};

#[global_allocator]
static HEAP: Cap<System> = Cap::new(System, usize::MAX);

#[test]
fn memory_is_bounded() {
    a_long_run_holds_no_more_than_a_shorter_one();
    checkpoints_hold_what_their_budget_allows();
}

/// The stress preset (2,000 messages a second, about 1,200 unacknowledged at any time), with
/// the series' 3,600 points filled in 3.6 s instead of an hour.
fn stress() -> Scenario {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/stress.json");
    let text = std::fs::read_to_string(path).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["sample_every_ms"] = 1.into();
    Scenario::from_json_text(&json.to_string()).unwrap()
}

fn a_long_run_holds_no_more_than_a_shorter_one() {
    let scenario = stress();
    // A small trace ring, and two checkpoints (the start and the latest), so that what is
    // bounded is full early and weighs the same from one moment to the next.
    let options = Options {
        trace_capacity: 1 << 12,
        max_checkpoints: 2,
        ..Options::default()
    };
    let mut sim = Simulation::new(scenario, options).unwrap();
    // 2,000 messages a second: 60,000 by 30 s, past the message table's 32,768.
    sim.run_until(SimTime::from_ms(30_000)).unwrap();
    let full = HEAP.allocated();
    // 240,000 more: a byte a message kept would show as 234 KiB, eight as 1.8 MiB.
    sim.run_until(SimTime::from_ms(150_000)).unwrap();
    let later = HEAP.allocated();
    let published = sim.metrics().total.published;
    assert!(published > 290_000, "{published} published");
    let grown = later.saturating_sub(full);
    assert!(
        grown < 192 * 1024,
        "held {full} B at 30 s and {later} B at 150 s: {grown} B more"
    );
    eprintln!("held {full} B at 30 s, {later} B at 150 s");
}

/// With a budget of 20,000 message copies (some twenty copies of the state), the checkpoints
/// of a 60 s run hold at most 600 bytes a message copy, twice what they take, and a run twice
/// as long holds no more.
fn checkpoints_hold_what_their_budget_allows() {
    const BUDGET: u64 = 20_000;
    let held = |options: Options, seconds: u64| {
        let before = HEAP.allocated();
        let mut sim = Simulation::new(stress(), options).unwrap();
        sim.run_until(SimTime::from_ms(seconds * 1000)).unwrap();
        let held = HEAP.allocated().saturating_sub(before);
        (held, sim.checkpoint_count())
    };
    let options = Options {
        trace_capacity: 1 << 12,
        ..Options::default()
    };
    let (none, _) = held(options.forward_only(), 60);
    let budget = Options {
        checkpoint_budget: BUDGET,
        ..options
    };
    let (minute, copies) = held(budget, 60);
    let (longer, _) = held(budget, 120);
    let checkpoints = minute.saturating_sub(none);
    eprintln!(
        "checkpoints: {checkpoints} B in {copies} copies at 60 s; {minute} B held at 60 s, {longer} B at 120 s"
    );
    assert!(copies > 5, "{copies} copies");
    assert!(
        checkpoints < BUDGET as usize * 600,
        "{checkpoints} B in {copies} copies"
    );
    assert!(
        longer < minute + minute / 10,
        "{minute} B held at 60 s, {longer} B at 120 s"
    );
}
