//! The summary table: every engine timed with a plain `Instant` loop over the same keys, the
//! average fan-out, the speed-up ratios and the targets met or missed.

use std::time::Duration;

use switchyard_core::exchange::fanout::Fanout;

use super::{DirectCase, FANOUT_SIZES, TopicCase, ns_per_route, route_with};

const BUDGET: Duration = Duration::from_millis(400);

struct TopicRow {
    bindings: usize,
    fan_out: f64,
    trie: f64,
    naive: f64,
    zenoh: f64,
}

fn measure(case: &TopicCase) -> TopicRow {
    let n = case.keys.len();
    let e = &case.engines;
    let mut out = Vec::new();
    let trie = ns_per_route(BUDGET, |i| {
        e.trie(&case.keys[i % n], &mut out);
        out.len()
    });
    let naive = ns_per_route(BUDGET, |i| {
        e.naive(&case.keys[i % n][0], &mut out);
        out.len()
    });
    let zenoh = ns_per_route(BUDGET, |i| {
        e.zenoh(&case.zenoh_keys[i % n], &mut out);
        out.len()
    });
    TopicRow {
        bindings: case.bindings,
        fan_out: case.average_fan_out(),
        trie,
        naive,
        zenoh,
    }
}

pub fn print(cases: &[TopicCase], direct: &[DirectCase], fanout: &[Fanout]) {
    let rows: Vec<TopicRow> = cases.iter().map(measure).collect();
    println!();
    println!("topic routing, ns per routing key (sorted+deduplicated slots), Instant loop");
    println!(
        "{:>9} {:>8} {:>11} {:>12} {:>11} {:>11} {:>11}",
        "bindings", "fan-out", "trie ns", "naive ns", "zenoh ns", "naive/trie", "zenoh/trie"
    );
    for r in &rows {
        println!(
            "{:>9} {:>8.2} {:>11.1} {:>12.1} {:>11.1} {:>10.1}x {:>10.1}x",
            r.bindings,
            r.fan_out,
            r.trie,
            r.naive,
            r.zenoh,
            r.naive / r.trie,
            r.zenoh / r.trie
        );
    }
    print_targets(&rows);
    print_direct_and_fanout(direct, fanout);
}

fn print_targets(rows: &[TopicRow]) {
    let find = |n| rows.iter().find(|r| r.bindings == n);
    let (Some(k1), Some(k100)) = (find(1_000), find(100_000)) else {
        return;
    };
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    let naive = k1.naive / k1.trie;
    let zenoh = k1.zenoh / k1.trie;
    println!(
        "target: at 1,000 bindings trie >= 10x naive: {naive:.1}x ({})",
        verdict(naive >= 10.0)
    );
    println!(
        "target: at 1,000 bindings trie >= 5x zenoh-keyexpr: {zenoh:.1}x ({})",
        verdict(zenoh >= 5.0)
    );
    let cost = k100.trie / k1.trie;
    let fan_out = k100.fan_out / k1.fan_out;
    println!(
        "target: 1k -> 100k bindings, trie cost x{cost:.1} vs fan-out x{fan_out:.1} ({})",
        verdict(cost <= fan_out)
    );
}

fn print_direct_and_fanout(direct: &[DirectCase], fanout: &[Fanout]) {
    println!();
    println!(
        "{:>9} {:>8} {:>11} {:>12} {:>11}",
        "direct", "fan-out", "map ns", "scan ns", "scan/map"
    );
    for case in direct {
        let n = case.keys.len();
        let mut out = Vec::new();
        let map = ns_per_route(BUDGET, |i| case.route(&case.keys[i % n], &mut out));
        let scan = ns_per_route(BUDGET, |i| case.scan(&case.keys[i % n][0], &mut out));
        let fan_out = case
            .keys
            .iter()
            .map(|k| case.route(k, &mut out))
            .sum::<usize>() as f64
            / n as f64;
        println!(
            "{:>9} {:>8.2} {:>11.1} {:>12.1} {:>10.1}x",
            case.bindings,
            fan_out,
            map,
            scan,
            scan / map
        );
    }
    println!();
    println!("{:>9} {:>8} {:>11}", "fanout", "fan-out", "ns");
    let key = ["any.key".to_owned()];
    for (index, size) in fanout.iter().zip(FANOUT_SIZES) {
        let mut out = Vec::new();
        let ns = ns_per_route(BUDGET, |_| {
            out.clear();
            route_with(index, &key, &mut out)
        });
        println!("{size:>9} {size:>8} {ns:>11.1}");
    }
}
