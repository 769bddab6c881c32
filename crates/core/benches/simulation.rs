//! Simulation benchmark. The reference scenario (`scenarios/reference.json`: 5 exchanges of
//! every type, 20 queues, 50 consumers with prefetch 10, 10 Poisson producers) runs as fast as possible with the trace on;
//! it prints published messages per second and events per second beside a minimal baseline
//! event loop (a binary heap with no-op handlers that reschedule themselves) measured in the
//! same run, and the seek latency in a 10-minute run at 1,000 msg/s. Criterion measures one
//! second of simulated reference traffic (the simulation built beforehand and freed after),
//! the building and freeing apart, and the baseline; a plain `Instant` table follows. Without
//! `--bench` (e.g. `cargo test --benches`) only a short smoke run happens.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion};
use switchyard_core::sim::scenario::Rate;
use switchyard_core::sim::{Options, Scenario, SimTime, Simulation};
use switchyard_core::{ChannelId, ConsumeOptions, Event, Profile, Publish, Table, Value};

const QUEUES: usize = 20;
const CONSUMERS: usize = 50;
const PRODUCERS: usize = 10;
/// The engine's default trace ring (262,144 events), which the app and the runner use.
fn ring() -> usize {
    Options::default().trace_capacity
}

/// The reference scenario (`scenarios/reference.json`) with `rate` messages per second per
/// producer.
fn reference(rate: f64) -> Scenario {
    let text = include_str!("../../../scenarios/reference.json");
    let mut scenario = Scenario::from_json_text(text).unwrap();
    assert_eq!(scenario.producers.len(), PRODUCERS);
    assert_eq!(scenario.consumers.len(), CONSUMERS);
    assert_eq!(scenario.topology.queues.len(), QUEUES);
    for p in &mut scenario.producers {
        p.rate = Rate::Poisson {
            mean_interval: 1e6 / rate,
        };
    }
    scenario
}

/// The reference simulation, read and built, at time 0.
fn build(rate: f64, trace_capacity: usize) -> Simulation {
    let options = Options {
        trace_capacity,
        ..Options::default()
    };
    Simulation::new(reference(rate), options).unwrap()
}

/// Runs `seconds` of virtual time; gives (published messages, events, wall time, the mean
/// number of events waiting in the scheduler, sampled each virtual second).
fn run_reference(rate: f64, seconds: u64, trace_capacity: usize) -> (u64, u64, Duration, u64) {
    let mut sim = build(rate, trace_capacity);
    let mut pending = 0;
    let start = Instant::now();
    for s in 1..=seconds {
        sim.run_until(SimTime::from_ms(s * 1000)).unwrap();
        pending += sim.pending() as u64;
    }
    let wall = start.elapsed();
    assert!(sim.trace().next_seq() > 0);
    let mean_pending = pending / seconds.max(1);
    (
        sim.metrics().total.published,
        sim.steps(),
        wall,
        mean_pending,
    )
}

/// The floor: a binary heap of (time, seq) with handlers that only reschedule themselves.
fn baseline(events: u64, pending: u64) -> Duration {
    let mut heap = BinaryHeap::new();
    let mut seq = 0u64;
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..pending {
        heap.push(Reverse((seq % 1000, seq, 0u32)));
        seq += 1;
    }
    let start = Instant::now();
    for _ in 0..events {
        let Reverse((t, _, payload)) = heap.pop().unwrap();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        heap.push(Reverse((t + (x % 1000), seq, black_box(payload))));
        seq += 1;
    }
    start.elapsed()
}

/// The broker alone on the reference topology: publish, then ack every delivery at once, with
/// no scheduler, actors or trace. Gives (messages, broker events, wall time): the ceiling the
/// simulation cannot beat without a faster broker. It drains events through the public API,
/// which names the broker's compact records; the simulation reads those in place.
fn broker_only(messages: u64) -> (u64, u64, Duration) {
    let mut broker = reference(1.0)
        .topology
        .to_broker(Profile::default())
        .unwrap();
    for i in 0..CONSUMERS {
        let mut options = ConsumeOptions::new(ChannelId(i as u32 + 1), format!("c{i:02}"));
        options.prefetch = 10;
        broker
            .consume("/", &format!("q{:02}", i % QUEUES), options, 0)
            .unwrap();
    }
    broker.drain_events();
    let keys = [
        "order.eu.created",
        "payment.us.failed",
        "order.apac.shipped",
        "eu",
        "us",
    ];
    let publishes: Vec<Publish> = ["orders", "regions", "broadcast", "match", "ingress"]
        .iter()
        .zip(keys)
        .map(|(x, k)| {
            let mut headers = Table::new();
            headers.insert("region", Value::Str("eu".into()));
            Publish::new(*x, k)
                .with_body([b'x'; 256])
                .with_headers(headers)
        })
        .collect();
    let (mut events, start) = (0u64, Instant::now());
    for i in 0..messages {
        let now = i / 10;
        broker
            .publish("/", &publishes[(i % 5) as usize], now)
            .unwrap();
        let mut pending = broker.drain_events();
        while !pending.is_empty() {
            events += pending.len() as u64;
            for event in pending {
                if let Event::Delivered {
                    channel, delivery, ..
                } = event
                {
                    broker
                        .ack(channel, delivery.delivery_tag, false, now)
                        .unwrap();
                }
            }
            pending = broker.drain_events();
        }
    }
    (messages, events, start.elapsed())
}

/// A 10-minute run at 1,000 msg/s, then seeks to spread-out times; gives (max, mean) latency.
fn seek_latency() -> (Duration, Duration, usize) {
    let mut sim = Simulation::new(reference(100.0), Options::default()).unwrap();
    sim.run_until(SimTime::from_ms(600_000)).unwrap();
    let targets = [
        599_999, 1, 300_000, 300_001, 123_457, 599_000, 42_000, 450_500, 0, 599_999,
    ];
    let (mut max, mut total) = (Duration::ZERO, Duration::ZERO);
    for t in targets {
        let start = Instant::now();
        sim.seek(SimTime::from_ms(t)).unwrap();
        let took = start.elapsed();
        max = max.max(took);
        total += took;
    }
    (max, total / targets.len() as u32, sim.checkpoint_count())
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        let (published, events, _, _) = run_reference(1000.0, 1, ring());
        assert!(published > 5000 && events > published);
        assert!(broker_only(1000).1 > 1000);
        return;
    }
    let mut c = Criterion::default().configure_from_args().sample_size(10);
    // Reading the scenario and building the world happen once a run, not once a message: the
    // setup is timed apart, and the simulation is dropped outside the measurement.
    c.bench_function("simulation/reference 1 s virtual (10k msg)", |b| {
        b.iter_batched(
            || build(1000.0, ring()),
            |mut sim| {
                sim.run_until(SimTime::from_ms(1000)).unwrap();
                sim
            },
            BatchSize::PerIteration,
        )
    });
    c.bench_function(
        "simulation/reference setup and drop (read the scenario, build, free)",
        |b| b.iter(|| black_box(build(1000.0, ring()))),
    );
    c.bench_function("simulation/baseline heap 1M events", |b| {
        b.iter(|| black_box(baseline(1_000_000, 4096)))
    });
    c.final_summary();

    let (published, events, wall, pending) = run_reference(1000.0, 20, ring());
    let secs = wall.as_secs_f64();
    // The baseline's heap holds as many events as the simulation's does on average.
    let base = baseline(events, pending.max(1)).as_secs_f64();
    let per_message = events as f64 / published as f64;
    println!(
        "\nreference scenario, 20 s virtual, trace on ({} events, the default ring; {published} published, \
         {events} events, {per_message:.1} events per message, {pending} pending on average):",
        ring()
    );
    println!(
        "  simulation: {:>12.0} msg/s {:>12.0} events/s  ({:.3} s wall)",
        published as f64 / secs,
        events as f64 / secs,
        secs
    );
    println!(
        "  baseline:   {:>12.0} msg/s {:>12.0} events/s  (binary heap of {pending}, no-op handlers, \
         same event count: the most any binary-heap loop publishes at {per_message:.1} events per message)",
        published as f64 / base,
        events as f64 / base
    );
    println!(
        "  simulation / baseline events: {:.1}x slower",
        (events as f64 / base) / (events as f64 / secs)
    );
    let (_, small_events, small_wall, _) = run_reference(1000.0, 20, 4096);
    println!(
        "  same with a 4,096-event trace ring: {:.0} events/s (the ring's memory traffic)",
        small_events as f64 / small_wall.as_secs_f64()
    );
    let (messages, broker_events, wall) = broker_only(published);
    let secs = wall.as_secs_f64();
    println!(
        "  broker alone (publish + ack at once, no scheduler/actors/trace): {:.0} msg/s, {:.0} broker events/s",
        messages as f64 / secs,
        broker_events as f64 / secs
    );
    let (max, mean, checkpoints) = seek_latency();
    println!(
        "seek in a 10-minute run at 1,000 msg/s: max {:.2} ms, mean {:.2} ms ({checkpoints} checkpoints)",
        max.as_secs_f64() * 1e3,
        mean.as_secs_f64() * 1e3
    );
}
