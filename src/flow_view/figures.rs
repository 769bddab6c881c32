//! The comparison's numbers made drawable: both styles' response-time histograms on one shared
//! logarithmic scale (so the bars compare), and durations in words. Pure functions over the
//! core's figures; no Yew, tested natively.

use switchyard_core::decimal::fixed;

/// Bars in a response-time histogram.
pub const BARS: usize = 12;

/// Shared bar edges (µs) for histograms given as `(lo, hi, count)` buckets: `BARS + 1` edges,
/// evenly spaced on a log scale from the smallest value to the largest. Empty without data.
pub fn edges(histograms: &[&[(u64, u64, u64)]]) -> Vec<f64> {
    let all = || histograms.iter().flat_map(|h| h.iter());
    let (Some(lo), Some(hi)) = (
        all().map(|b| b.0.max(1)).min(),
        all().map(|b| b.1.max(2)).max(),
    ) else {
        return Vec::new();
    };
    let (lo, hi) = ((lo as f64).ln(), (hi.max(lo + 1) as f64).ln());
    (0..=BARS)
        .map(|i| (lo + (hi - lo) * i as f64 / BARS as f64).exp())
        .collect()
}

/// How many values of `histogram` fall in each bar (a bucket counts in the bar holding its
/// middle).
pub fn bars(histogram: &[(u64, u64, u64)], edges: &[f64]) -> Vec<u64> {
    let mut out = vec![0; edges.len().saturating_sub(1)];
    for &(lo, hi, n) in histogram {
        let mid = (lo as f64 + hi as f64) / 2.0;
        let i = edges.iter().skip(1).position(|e| mid < *e);
        let last = out.len().saturating_sub(1);
        if let Some(slot) = out.get_mut(i.unwrap_or(last)) {
            *slot += n;
        }
    }
    out
}

/// "850 µs", "12 ms", "1.02 s".
pub fn duration(us: u64) -> String {
    if us < 1_000 {
        format!("{us} µs")
    } else if us < 10_000 {
        format!("{} ms", fixed(us as f64 / 1000.0, 1))
    } else if us < 1_000_000 {
        format!("{} ms", fixed(us as f64 / 1000.0, 0))
    } else {
        format!("{} s", fixed(us as f64 / 1e6, 2))
    }
}

/// A duration or "—" when there was none.
pub fn maybe(us: Option<u64>) -> String {
    us.map_or_else(|| "—".to_owned(), duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        for (us, want) in [
            (850, "850 µs"),
            (1_500, "1.5 ms"),
            (110_592, "111 ms"),
            (1_015_808, "1.02 s"),
        ] {
            assert_eq!(duration(us), want);
        }
        assert_eq!(maybe(None), "—");
    }

    #[test]
    fn both_histograms_share_edges_and_keep_every_value() {
        let fast: &[(u64, u64, u64)] = &[(8_000, 9_000, 40), (12_000, 13_000, 10)];
        let slow: &[(u64, u64, u64)] = &[(100_000, 110_000, 30), (983_040, 1_048_576, 5)];
        let e = edges(&[fast, slow]);
        assert_eq!(e.len(), BARS + 1);
        assert!(e.windows(2).all(|w| w[0] < w[1]));
        for h in [fast, slow] {
            let b = bars(h, &e);
            assert_eq!(b.len(), BARS);
            assert_eq!(b.iter().sum::<u64>(), h.iter().map(|x| x.2).sum::<u64>());
        }
        // The fast style's values sit left of the slow style's.
        let first = |b: Vec<u64>| b.iter().position(|n| *n > 0);
        assert!(first(bars(fast, &e)) < first(bars(slow, &e)));
        assert!(edges(&[&[], &[]]).is_empty());
    }
}
