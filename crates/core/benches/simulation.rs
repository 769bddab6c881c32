//! Simulation benchmark. The reference scenario (5 exchanges of every type, 20 queues, 50
//! consumers with prefetch 10, 10 Poisson producers) runs as fast as possible with the trace on;
//! it prints published messages per second and events per second beside a minimal baseline
//! event loop (a binary heap with no-op handlers that reschedule themselves) measured in the
//! same run, and the seek latency in a 10-minute run at 1,000 msg/s. Criterion measures one
//! second of simulated reference traffic and one seek; a plain `Instant` table follows. Without
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

use criterion::Criterion;
use serde_json::{Value as Json, json};
use switchyard_core::definitions::Definitions;
use switchyard_core::sim::{Options, Scenario, SimTime, Simulation};
use switchyard_core::{ChannelId, ConsumeOptions, Event, Profile, Publish, Table, Value};

const QUEUES: usize = 20;
const CONSUMERS: usize = 50;
const PRODUCERS: usize = 10;
/// The default trace ring (about a million events).
const RING: usize = 1 << 20;

fn exchange(name: &str, kind: &str) -> Json {
    json!({"name": name, "vhost": "/", "type": kind, "durable": true, "auto_delete": false,
           "internal": false, "arguments": {}})
}

fn binding(source: &str, queue: &str, key: &str, args: Json) -> Json {
    json!({"source": source, "vhost": "/", "destination": queue, "destination_type": "queue",
           "routing_key": key, "arguments": args})
}

/// Topic `orders` (8 queues), direct `regions` (4), fanout `broadcast` (3), headers `match`
/// (3), topic `ingress` (bound to `orders` with `#`, and to 2 queues).
fn topology() -> Json {
    let q = |i: usize| format!("q{i:02}");
    let queues: Vec<Json> = (0..QUEUES)
        .map(|i| json!({"name": q(i), "vhost": "/", "durable": true, "auto_delete": false, "arguments": {}}))
        .collect();
    let topic = [
        "order.*.created",
        "order.#",
        "*.eu.*",
        "#.failed",
        "order.us.*",
        "payment.#",
        "*.*.shipped",
        "#",
    ];
    let mut bindings: Vec<Json> = topic
        .iter()
        .enumerate()
        .map(|(i, k)| binding("orders", &q(i), k, json!({})))
        .collect();
    for (i, k) in ["eu", "us", "apac", "eu"].iter().enumerate() {
        bindings.push(binding("regions", &q(8 + i), k, json!({})));
    }
    for i in 12..15 {
        bindings.push(binding("broadcast", &q(i), "", json!({})));
    }
    bindings.push(binding(
        "match",
        &q(15),
        "",
        json!({"x-match": "any", "region": "eu", "tier": "gold"}),
    ));
    bindings.push(binding(
        "match",
        &q(16),
        "",
        json!({"x-match": "all", "region": "us", "tier": "gold"}),
    ));
    bindings.push(binding(
        "match",
        &q(17),
        "",
        json!({"x-match": "any", "tier": "silver"}),
    ));
    bindings.push(
        json!({"source": "ingress", "vhost": "/", "destination": "orders",
        "destination_type": "exchange", "routing_key": "#", "arguments": {}}),
    );
    bindings.push(binding("ingress", &q(18), "*.eu.#", json!({})));
    bindings.push(binding("ingress", &q(19), "payment.*.*", json!({})));
    json!({
        "exchanges": [exchange("orders", "topic"), exchange("regions", "direct"),
            exchange("broadcast", "fanout"), exchange("match", "headers"), exchange("ingress", "topic")],
        "queues": queues,
        "bindings": bindings,
    })
}

/// The reference scenario with `rate` messages per second per producer.
fn reference(rate: f64) -> Scenario {
    let exchanges = ["orders", "regions", "broadcast", "match", "ingress"];
    let producers: Vec<Json> = (0..PRODUCERS)
        .map(|i| {
            let x = exchanges[i % exchanges.len()];
            let key = if x == "regions" { "{region}" } else { "{kind}.{region}.{event}" };
            json!({"name": format!("p{i}"), "exchange": x, "routing_key": key,
                "choices": {"kind": [["order", 3], "payment"], "region": [["eu", 2], "us", "apac"],
                            "event": ["created", "failed", "shipped"], "tier": ["gold", "silver", "bronze"]},
                "headers": if x == "match" { json!({"region": "{region}", "tier": "{tier}"}) } else { json!({}) },
                "rate": {"kind": "poisson", "per_second": rate}, "body_bytes": 256,
                "persistent": i % 2 == 0, "confirms": true})
        })
        .collect();
    let consumers: Vec<Json> = (0..CONSUMERS)
        .map(|i| {
            json!({"name": format!("c{i:02}"), "queue": format!("q{:02}", i % QUEUES),
            "prefetch": 10, "processing_ms": {"exponential": 0.5}, "failure_probability": 0.01})
        })
        .collect();
    let text = json!({"switchyard": 1, "name": "reference", "seed": 1, "topology": topology(),
        "latency_ms": {"publish": 0.2, "deliver": 0.2, "ack": 0.1},
        "actors": {"producers": producers, "consumers": consumers}});
    Scenario::from_json(&text).unwrap()
}

/// Runs `seconds` of virtual time; gives (published messages, events, wall time).
fn run_reference(rate: f64, seconds: u64, trace_capacity: usize) -> (u64, u64, Duration) {
    let options = Options {
        trace_capacity,
        ..Options::default()
    };
    let mut sim = Simulation::new(reference(rate), options).unwrap();
    let start = Instant::now();
    sim.run_until(SimTime::from_ms(seconds * 1000)).unwrap();
    let wall = start.elapsed();
    assert!(sim.trace().next_seq() > 0);
    (sim.metrics().total.published, sim.steps(), wall)
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
/// simulation cannot beat without a faster broker.
fn broker_only(messages: u64) -> (u64, u64, Duration) {
    let defs = Definitions::from_json(&topology()).unwrap();
    let mut broker = defs.to_broker(Profile::default()).unwrap();
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
        let (published, events, _) = run_reference(1000.0, 1, RING);
        assert!(published > 5000 && events > published);
        assert!(broker_only(1000).1 > 1000);
        return;
    }
    let mut c = Criterion::default().configure_from_args().sample_size(10);
    c.bench_function("simulation/reference 1 s virtual (10k msg)", |b| {
        b.iter(|| black_box(run_reference(1000.0, 1, RING)))
    });
    c.bench_function("simulation/baseline heap 1M events", |b| {
        b.iter(|| black_box(baseline(1_000_000, 4096)))
    });
    c.final_summary();

    let (published, events, wall) = run_reference(1000.0, 20, RING);
    let secs = wall.as_secs_f64();
    let base = baseline(events, 4096).as_secs_f64();
    println!(
        "\nreference scenario, 20 s virtual, trace on ({published} published, {events} events):"
    );
    println!(
        "  simulation: {:>12.0} msg/s {:>12.0} events/s  ({:.3} s wall)",
        published as f64 / secs,
        events as f64 / secs,
        secs
    );
    println!(
        "  baseline:   {:>12} {:>12.0} events/s  (binary heap, no-op handlers, same event count)",
        "",
        events as f64 / base
    );
    println!(
        "  simulation / baseline events: {:.1}x slower",
        (events as f64 / base) / (events as f64 / secs)
    );
    let (_, small_events, small_wall) = run_reference(1000.0, 20, 4096);
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
