//! A long run holds no more memory than a shorter one: once the bounded stores are full (the
//! trace ring, the message table, the metrics series, the checkpoints), nothing the simulation
//! keeps grows with the messages it has handled. A table of send times by message id once grew
//! 8 bytes a message for ever.
//!
//! Its own test binary, with one test: it counts every byte the process holds.

use std::alloc::System;

use cap::Cap;
use switchyard_core::sim::{Options, Scenario, SimTime, Simulation};

#[global_allocator]
static HEAP: Cap<System> = Cap::new(System, usize::MAX);

#[test]
fn a_long_run_holds_no_more_than_a_shorter_one() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scenarios/stress.json");
    let text = std::fs::read_to_string(path).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    // The series' 3,600 points fill in 3.6 s instead of an hour.
    json["sample_every_ms"] = 1.into();
    let scenario = Scenario::from_json_text(&json.to_string()).unwrap();
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
