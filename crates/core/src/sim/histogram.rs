//! A log-bucketed histogram of durations (µs) with percentiles to about ±6 %: what the RPC
//! round-trip times and the end-to-end latency are kept in. It counts what it is given.

use crate::sim::metrics::{BUCKETS, bounds, bucket};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram {
    buckets: Vec<u64>,
    count: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            buckets: vec![0; BUCKETS],
            count: 0,
            max: 0,
        }
    }
}

impl Histogram {
    pub fn record(&mut self, us: u64) {
        if let Some(b) = self.buckets.get_mut(bucket(us)) {
            *b += 1;
        }
        self.count += 1;
        self.max = self.max.max(us);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    /// The non-empty buckets: `(lo, hi, count)` with values in `[lo, hi)` µs.
    pub fn buckets(&self) -> Vec<(u64, u64, u64)> {
        self.buckets
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| {
                let (lo, hi) = bounds(i);
                (lo, hi, *n)
            })
            .collect()
    }

    /// The `q` quantile (0..=1), in µs (the middle of its bucket); `None` when empty.
    pub fn percentile(&self, q: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        if rank == self.count {
            return Some(self.max);
        }
        let mut seen = 0;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let (lo, hi) = bounds(i);
                return Some((lo + (hi - lo) / 2).min(self.max));
            }
        }
        Some(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_close() {
        let mut h = Histogram::default();
        assert_eq!(h.percentile(0.5), None);
        for v in 1..=1000 {
            h.record(v * 1000);
        }
        let p50 = h.percentile(0.5).unwrap() as f64;
        assert!((470_000.0..530_000.0).contains(&p50), "{p50}");
        assert_eq!(h.percentile(1.0), Some(1_000_000));
        assert_eq!(h.count(), 1000);
    }
}
