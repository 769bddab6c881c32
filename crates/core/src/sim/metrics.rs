//! Metrics in the words of RabbitMQ's management UI: per queue Ready / Unacked / Total and
//! message counters; publish, deliver, ack and redeliver rates; consumer utilisation;
//! end-to-end latency percentiles from a log-bucketed histogram (about ±6 %); dead-letter
//! counts; and the samples for charts (the engine keeps the series outside checkpoints, since
//! it only grows). It counts what it is told; it knows
//! nothing of the broker or the scheduler.

use crate::sim::histogram::Histogram;
use crate::sim::world::NodeId;

/// Message counters, for the whole run or for one queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub published: u64,
    pub routed: u64,
    pub unroutable: u64,
    pub returned: u64,
    pub confirmed_ack: u64,
    pub confirmed_nack: u64,
    pub enqueued: u64,
    pub publish_rejected: u64,
    pub delivered: u64,
    pub redelivered: u64,
    pub acked: u64,
    pub nacked: u64,
    pub rejected: u64,
    pub requeued: u64,
    pub expired: u64,
    pub dropped_on_overflow: u64,
    pub delivery_limit: u64,
    pub dead_lettered: u64,
    /// Dead letters not routed: the dead-letter exchange is missing, or the model stopped a loop.
    pub dead_letter_dropped: u64,
    pub purged: u64,
    pub lost_on_restart: u64,
    /// Auto-acked deliveries a consumer held, or that were on their way to it, when its
    /// connection closed (unacked ones are requeued, not lost).
    pub lost_in_flight: u64,
    /// Operations the broker refused (channel errors).
    pub refused: u64,
}

impl Counters {
    /// The counters that apply to a queue, in the order people read them: the summary's JSON
    /// key, the words the app shows, the value.
    pub fn of_queue(&self) -> [(&'static str, &'static str, u64); 15] {
        [
            ("enqueued", "enqueued", self.enqueued),
            ("delivered", "delivered", self.delivered),
            ("redelivered", "redelivered", self.redelivered),
            ("acked", "acked", self.acked),
            ("nacked", "nacked", self.nacked),
            ("rejected", "rejected", self.rejected),
            ("requeued", "requeued", self.requeued),
            ("expired", "expired", self.expired),
            (
                "dropped_on_overflow",
                "dropped on overflow",
                self.dropped_on_overflow,
            ),
            ("delivery_limit", "over delivery limit", self.delivery_limit),
            ("dead_lettered", "dead-lettered", self.dead_lettered),
            (
                "dead_letter_dropped",
                "dead letters dropped",
                self.dead_letter_dropped,
            ),
            (
                "publish_rejected",
                "refused (reject-publish)",
                self.publish_rejected,
            ),
            ("purged", "purged", self.purged),
            ("lost_on_restart", "lost in a restart", self.lost_on_restart),
        ]
    }
}

/// One point of the charts.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub time_us: u64,
    /// Per queue (in world order): ready, unacked.
    pub queues: Vec<(u64, u64)>,
    /// Messages per second since the previous sample.
    pub publish_rate: f64,
    pub deliver_rate: f64,
    pub ack_rate: f64,
    pub redeliver_rate: f64,
    /// A business flow's requests and calls per second since the previous sample (`None`
    /// without a flow): in orchestration, what travels instead of messages.
    pub calls: Option<CallRates>,
}

/// A business flow's rates: what the caller sent, the calls between services, and how the
/// requests ended (per second).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CallRates {
    pub requests: f64,
    /// Synchronous calls between services, compensations included.
    pub calls: f64,
    pub answered_ok: f64,
    /// Answered with an error, or given up on by the caller.
    pub failed: f64,
}

/// How many samples the series keeps (an hour at one a second).
pub const MAX_SAMPLES: usize = 3600;
pub(crate) const BUCKETS: usize = 8 + 61 * 8;

#[derive(Debug, Clone)]
pub struct Metrics {
    pub total: Counters,
    /// Per node id (only queue nodes are written).
    pub per_queue: Vec<Counters>,
    /// End-to-end latencies (µs).
    latency: Histogram,
    last_sample: (u64, Counters),
    /// RPC round trips: request sent to reply processed by the client (µs).
    pub rpc: Histogram,
}

impl Metrics {
    pub fn new(nodes: usize) -> Metrics {
        Metrics {
            total: Counters::default(),
            per_queue: vec![Counters::default(); nodes],
            latency: Histogram::default(),
            last_sample: (0, Counters::default()),
            rpc: Histogram::default(),
        }
    }

    /// Adds to a counter of the run and, when `queue` is given, of that queue.
    pub fn count(&mut self, queue: Option<NodeId>, f: impl Fn(&mut Counters)) {
        f(&mut self.total);
        if let Some(c) = queue.and_then(|q| self.per_queue.get_mut(q.0 as usize)) {
            f(c);
        }
    }

    pub fn queue(&self, queue: NodeId) -> Counters {
        self.per_queue
            .get(queue.0 as usize)
            .copied()
            .unwrap_or_default()
    }

    /// Records one end-to-end latency (µs).
    pub fn latency(&mut self, us: u64) {
        self.latency.record(us);
    }

    pub fn latency_count(&self) -> u64 {
        self.latency.count()
    }

    pub fn latency_max(&self) -> u64 {
        self.latency.max()
    }

    /// The latency histogram's non-empty buckets: `(lo, hi, count)` with values in `[lo, hi)` µs.
    pub fn latency_buckets(&self) -> Vec<(u64, u64, u64)> {
        self.latency.buckets()
    }

    /// The `q` quantile (0..=1) of the latencies, in µs (the middle of its bucket).
    pub fn percentile(&self, q: f64) -> Option<u64> {
        self.latency.percentile(q)
    }

    /// A point for the series: depths as given, rates since the previous point.
    pub fn sample(&mut self, now: u64, queues: Vec<(u64, u64)>) -> Sample {
        let (then, before) = self.last_sample;
        let rate = per_second(then, now);
        let t = &self.total;
        let sample = Sample {
            time_us: now,
            queues,
            publish_rate: rate(t.published, before.published),
            deliver_rate: rate(t.delivered, before.delivered),
            ack_rate: rate(t.acked, before.acked),
            redeliver_rate: rate(t.redelivered, before.redelivered),
            calls: None,
        };
        self.last_sample = (now, self.total);
        sample
    }
}

/// The rate of a counter between two samples taken at `then` and `now` (µs): `rate(count
/// now, count then)` per second, 0 when no time passed.
pub(crate) fn per_second(then: u64, now: u64) -> impl Fn(u64, u64) -> f64 {
    let secs = now.saturating_sub(then) as f64 / 1e6;
    move |a, b| {
        if secs > 0.0 {
            a.saturating_sub(b) as f64 / secs
        } else {
            0.0
        }
    }
}

/// Histogram bucket of a value: exact below 8, then 8 buckets per power of two.
pub(crate) fn bucket(v: u64) -> usize {
    if v < 8 {
        return v as usize;
    }
    let e = 63 - v.leading_zeros() as usize;
    8 + (e - 3) * 8 + ((v >> (e - 3)) & 7) as usize
}

/// The values a bucket holds, `[lo, hi)`.
pub(crate) fn bounds(i: usize) -> (u64, u64) {
    if i < 8 {
        return (i as u64, i as u64 + 1);
    }
    let e = (i - 8) / 8 + 3;
    let sub = ((i - 8) % 8) as u64;
    let lo = (8 + sub) << (e - 3);
    (lo, lo.saturating_add(1 << (e - 3)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_round_trip_and_percentiles_are_close() {
        for v in [0, 7, 8, 9, 15, 16, 100, 12_345, u64::MAX / 2] {
            let (lo, hi) = bounds(bucket(v));
            assert!(lo <= v && v < hi, "{v}: {lo}..{hi}");
        }
        let mut m = Metrics::new(0);
        for v in 1..=1000 {
            m.latency(v * 1000);
        }
        let p50 = m.percentile(0.5).unwrap() as f64;
        assert!((470_000.0..530_000.0).contains(&p50), "{p50}");
        assert_eq!(m.percentile(1.0), Some(1_000_000));
        assert_eq!(Metrics::new(0).percentile(0.5), None);
        let buckets = m.latency_buckets();
        assert_eq!(buckets.iter().map(|b| b.2).sum::<u64>(), 1000);
        assert!(buckets.iter().all(|(lo, hi, _)| lo < hi));
    }
}
