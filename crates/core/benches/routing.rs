//! Routing benchmark: the topic trie against a naive scan with the reference backtracking
//! matcher and against zenoh-keyexpr's `KeBoxTree` (`nodes_including`: the stored patterns that
//! include the concrete key), at 10, 1,000 and 100,000 bindings; plus the direct and fanout
//! exchanges. Criterion groups first, then a summary table from a plain `Instant` loop, so one
//! `cargo bench -p switchyard-core --bench routing` prints both. Results are checked equal
//! across engines before anything is timed. Without `--bench` (e.g. `cargo test --benches`) only
//! those checks run; with a criterion filter the table is skipped.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "routing/summary.rs"]
mod summary;
#[path = "routing/workload.rs"]
mod workload;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use switchyard_core::exchange::direct::Direct;
use switchyard_core::exchange::fanout::Fanout;
use switchyard_core::exchange::{BindingSlot, Matcher, RoutingInput};
use switchyard_core::{Profile, Table};
use workload::{Engines, Rng};

const TOPIC_SIZES: [usize; 3] = [10, 1_000, 100_000];
const DIRECT_SIZES: [usize; 2] = [1_000, 100_000];
const FANOUT_SIZES: [usize; 2] = [10, 1_000];
const ROUTING_KEYS: usize = 1_000;

/// One topic workload: bindings in every engine and routing keys in both syntaxes.
struct TopicCase {
    bindings: usize,
    engines: Engines,
    keys: Vec<[String; 1]>,
    zenoh_keys: Vec<zenoh_keyexpr::OwnedKeyExpr>,
}

impl TopicCase {
    fn new(bindings: usize) -> Self {
        let vocabulary = workload::vocabulary();
        let mut rng = Rng::new(0x5717_c4ad ^ bindings as u64);
        let binding_keys: Vec<String> = (0..bindings)
            .map(|_| workload::binding_key(&mut rng, &vocabulary))
            .collect();
        let keys: Vec<[String; 1]> = (0..ROUTING_KEYS)
            .map(|_| [workload::routing_key(&mut rng, &vocabulary)])
            .collect();
        let zenoh_keys = keys.iter().map(|[k]| workload::zenoh_key(k)).collect();
        let case = TopicCase {
            bindings,
            engines: Engines::new(&binding_keys),
            keys,
            zenoh_keys,
        };
        case.check(&binding_keys);
        case
    }

    /// All three engines agree on a sample of the routing keys, and on keys made from binding
    /// keys (`*` → a word, `#` → none or two words), which each match at least their binding.
    fn check(&self, binding_keys: &[String]) {
        let made = binding_keys.iter().take(100).enumerate().map(|(i, b)| {
            let hash = if i % 2 == 0 {
                vec![]
            } else {
                vec!["kaka", "lolo"]
            };
            let words: Vec<&str> = workload::split(b)
                .into_iter()
                .flat_map(|w| match w {
                    "*" => vec!["mimi"],
                    "#" => hash.clone(),
                    _ => vec![w],
                })
                .collect();
            (Some(i), words.join("."))
        });
        let sampled = self.keys.iter().step_by(5).map(|[k]| (None, k.clone()));
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        for (made_from, key) in made.chain(sampled) {
            self.engines.trie(std::slice::from_ref(&key), &mut a);
            self.engines.naive(&key, &mut b);
            self.engines.zenoh(&workload::zenoh_key(&key), &mut c);
            assert_eq!(a, b, "trie vs naive for {key}");
            assert_eq!(a, c, "trie vs zenoh for {key}");
            if let Some(i) = made_from {
                assert!(
                    a.contains(&BindingSlot(i as u32)),
                    "{key} misses its binding"
                );
            }
        }
    }

    fn average_fan_out(&self) -> f64 {
        let mut out = Vec::new();
        let total: usize = self
            .keys
            .iter()
            .map(|k| {
                self.engines.trie(k, &mut out);
                out.len()
            })
            .sum();
        total as f64 / self.keys.len() as f64
    }
}

/// Nanoseconds per call of `route(i)` for i = 0, 1, 2, ...: the best of seven rounds that
/// together take at least `budget`, since other processes on a small machine only slow rounds down.
fn ns_per_route(budget: Duration, mut route: impl FnMut(usize) -> usize) -> f64 {
    const ROUNDS: u32 = 7;
    let mut best = f64::INFINITY;
    let mut i = 0;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        let mut calls = 0usize;
        while calls < 32 || start.elapsed() < budget / ROUNDS {
            for _ in 0..16 {
                black_box(route(i));
                i += 1;
                calls += 1;
            }
        }
        best = best.min(start.elapsed().as_nanos() as f64 / calls as f64);
    }
    best
}

fn bench_topic(c: &mut Criterion, cases: &[TopicCase]) {
    let mut group = c.benchmark_group("topic");
    for case in cases {
        let n = case.keys.len();
        let mut out = Vec::new();
        let mut i = 0;
        group.bench_function(BenchmarkId::new("trie", case.bindings), |b| {
            b.iter(|| {
                i += 1;
                case.engines.trie(&case.keys[i % n], &mut out);
                out.len()
            })
        });
        group.bench_function(BenchmarkId::new("naive", case.bindings), |b| {
            b.iter(|| {
                i += 1;
                case.engines.naive(&case.keys[i % n][0], &mut out);
                out.len()
            })
        });
        group.bench_function(BenchmarkId::new("zenoh", case.bindings), |b| {
            b.iter(|| {
                i += 1;
                case.engines.zenoh(&case.zenoh_keys[i % n], &mut out);
                out.len()
            })
        });
    }
    group.finish();
}

/// A direct exchange with `bindings` 3-word keys, routed with keys half of which are bound.
struct DirectCase {
    bindings: usize,
    index: Direct,
    scan: Vec<(BindingSlot, String)>,
    keys: Vec<[String; 1]>,
}

impl DirectCase {
    fn new(bindings: usize) -> Self {
        let vocabulary = workload::vocabulary();
        let mut rng = Rng::new(0xd1ec7 ^ bindings as u64);
        let mut index = Direct::default();
        let mut scan = Vec::new();
        for i in 0..bindings {
            let key = workload::routing_key(&mut rng, &vocabulary);
            index.insert(BindingSlot(i as u32), &key, &Table::new());
            scan.push((BindingSlot(i as u32), key));
        }
        let keys = (0..ROUTING_KEYS)
            .map(|i| match i % 2 {
                0 => [scan[rng.below(scan.len())].1.clone()],
                _ => [workload::routing_key(&mut rng, &vocabulary)],
            })
            .collect();
        DirectCase {
            bindings,
            index,
            scan,
            keys,
        }
    }

    fn route(&self, key: &[String], out: &mut Vec<BindingSlot>) -> usize {
        out.clear();
        route_with(&self.index, key, out)
    }

    fn scan(&self, key: &str, out: &mut Vec<BindingSlot>) -> usize {
        out.clear();
        out.extend(self.scan.iter().filter(|(_, k)| k == key).map(|(s, _)| *s));
        out.len()
    }
}

/// `matches`, then sort and dedup as the broker does; returns the fan-out.
fn route_with(index: &impl Matcher, keys: &[String], out: &mut Vec<BindingSlot>) -> usize {
    let headers = Table::new();
    let msg = RoutingInput {
        keys,
        headers: &headers,
    };
    index.matches(&msg, Profile::RabbitMq4, out);
    out.sort_unstable();
    out.dedup();
    out.len()
}

fn bench_direct_and_fanout(c: &mut Criterion, direct: &[DirectCase], fanout: &[Fanout]) {
    let mut group = c.benchmark_group("direct");
    for case in direct {
        let (mut out, mut i, n) = (Vec::new(), 0, case.keys.len());
        group.bench_function(BenchmarkId::new("map", case.bindings), |b| {
            b.iter(|| {
                i += 1;
                case.route(&case.keys[i % n], &mut out)
            })
        });
        group.bench_function(BenchmarkId::new("scan", case.bindings), |b| {
            b.iter(|| {
                i += 1;
                case.scan(&case.keys[i % n][0], &mut out)
            })
        });
    }
    group.finish();
    let mut group = c.benchmark_group("fanout");
    let key = ["any.key".to_owned()];
    for (index, size) in fanout.iter().zip(FANOUT_SIZES) {
        let mut out = Vec::new();
        group.bench_function(BenchmarkId::from_parameter(size), |b| {
            b.iter(|| {
                out.clear();
                route_with(index, &key, &mut out)
            })
        });
    }
    group.finish();
}

fn fanout_index(bindings: usize) -> Fanout {
    let mut index = Fanout::default();
    for i in 0..bindings {
        index.insert(BindingSlot(i as u32), "", &Table::new());
    }
    index
}

fn main() {
    let cases: Vec<TopicCase> = TOPIC_SIZES.into_iter().map(TopicCase::new).collect();
    let direct: Vec<DirectCase> = DIRECT_SIZES.into_iter().map(DirectCase::new).collect();
    let fanout: Vec<Fanout> = FANOUT_SIZES.into_iter().map(fanout_index).collect();
    if !std::env::args().any(|a| a == "--bench") {
        println!("routing bench: engines agree (timing skipped without --bench)");
        return;
    }
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1_000))
        .configure_from_args();
    bench_topic(&mut c, &cases);
    bench_direct_and_fanout(&mut c, &direct, &fanout);
    c.final_summary();
    // A filtered run (`cargo bench ... -- topic/trie`) is for profiling one engine: no table.
    if !std::env::args().skip(1).any(|a| !a.starts_with('-')) {
        summary::print(&cases, &direct, &fanout);
    }
}
