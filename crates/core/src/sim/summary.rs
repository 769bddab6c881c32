//! The metrics summary as JSON, in the management UI's words (what `switchyard run` prints),
//! and the periodic sample that fires due timers (TTL, queue expiry) and adds a point to the
//! chart series. It reads the state; the only change it makes is the broker's `advance`.

use serde_json::{Map, Value as Json, json};

use crate::sim::engine::Simulation;
use crate::sim::handle::SimEvent;
use crate::sim::metrics::Counters;
use crate::sim::scheduler::SimTime;
use crate::sim::world::NodeId;

impl Simulation {
    /// Ready and unacked messages per queue node, in world order.
    pub fn queue_depths(&self) -> Vec<(NodeId, u64, u64)> {
        let broker = &self.state.broker;
        let unacked = broker.unacked_counts();
        self.world
            .queue_ids()
            .filter_map(|id| {
                let node = self.world.node(id)?;
                let slot = broker.queue_slot(&node.vhost, &node.name);
                let ready =
                    (slot.and_then(|s| broker.queue_in(s))).map_or(0, |q| q.message_count());
                let unacked = (slot.and_then(|s| unacked.get(s))).copied().unwrap_or(0);
                Some((id, ready as u64, unacked))
            })
            .collect()
    }

    /// Share of the time since `start_ms` each consumer spent processing, 0 to 1.
    pub fn utilisation(&self, consumer: usize) -> f64 {
        let (Some(spec), Some(c)) = (
            self.scenario.consumers.get(consumer),
            self.state.consumers.get(consumer),
        ) else {
            return 0.0;
        };
        let elapsed = self.now().0.saturating_sub(spec.start);
        if elapsed == 0 {
            0.0
        } else {
            c.busy(self.now().0) as f64 / elapsed as f64
        }
    }

    /// Per queue, in the management UI's words.
    fn queues_json(&self) -> Map<String, Json> {
        let m = &self.state.metrics;
        let mut queues = Map::new();
        for (id, ready, unacked) in self.queue_depths() {
            let Some(node) = self.world.node(id) else {
                continue;
            };
            let consumers = self
                .state
                .broker
                .queue(&node.vhost, &node.name)
                .map_or(0, |q| q.consumer_count());
            let q = json!({"vhost": node.vhost, "ready": ready, "unacked": unacked,
                "total": ready + unacked, "consumers": consumers,
                "messages": counters(&m.queue(id), true)});
            // Named as in the management UI's list; other vhosts prefix theirs.
            let key = match node.vhost.as_str() {
                "/" => node.name.clone(),
                vhost => format!("{vhost}/{}", node.name),
            };
            queues.insert(key, q);
        }
        queues
    }

    /// Per consumer: status, deliveries processed, utilisation.
    fn consumers_json(&self) -> Map<String, Json> {
        let mut consumers = Map::new();
        for (i, spec) in self.scenario.consumers.iter().enumerate() {
            let Some(c) = self.state.consumers.get(i) else {
                continue;
            };
            consumers.insert(
                spec.name.clone(),
                json!({"status": c.status.name(),
                "processed": c.processed, "utilisation": round(self.utilisation(i))}),
            );
        }
        consumers
    }

    pub(crate) fn sample(&mut self, t: SimTime) {
        let result = self.state.broker.advance(t.as_ms());
        self.after_broker(t, result.is_err(), None);
        let depths = self
            .queue_depths()
            .into_iter()
            .map(|(_, r, u)| (r, u))
            .collect();
        let mut sample = self.state.metrics.sample(t.0, depths);
        sample.calls = self.state.flow.as_mut().map(|f| f.sample(t.0));
        self.series.record(sample);
        self.state
            .sched
            .schedule_in(self.scenario.sample_every, SimEvent::Sample);
    }

    /// The summary `switchyard run` prints.
    pub fn summary(&self) -> Json {
        let m = &self.state.metrics;
        let secs = self.now().0 as f64 / 1e6;
        let rate = |n: u64| {
            if secs > 0.0 {
                round(n as f64 / secs)
            } else {
                0.0
            }
        };
        let (queues, consumers) = (self.queues_json(), self.consumers_json());
        let ms = |us: Option<u64>| us.map(|v| round(v as f64 / 1000.0));
        let mut out = json!({
            "scenario": self.scenario.name,
            "seed": self.scenario.seed,
            "time_ms": round(secs * 1000.0),
            "events": self.steps(),
            "trace_events": self.trace.next_seq(),
            "messages": counters(&m.total, false),
            "rates_per_second": {"publish": rate(m.total.published), "deliver": rate(m.total.delivered),
                "ack": rate(m.total.acked), "redeliver": rate(m.total.redelivered)},
            "latency_ms": {"count": m.latency_count(), "p50": ms(m.percentile(0.5)),
                "p95": ms(m.percentile(0.95)), "p99": ms(m.percentile(0.99)),
                "max": ms((m.latency_count() > 0).then(|| m.latency_max()))},
            "queues": queues,
            "consumers": consumers,
            "flow": crate::sim::flow::StyleFigures::of(self).map(|f| f.to_json()),
        });
        if let Some(sourcing) = self.sourcing_json()
            && let Some(obj) = out.as_object_mut()
        {
            obj.insert("event_store".into(), sourcing);
        }
        // Only scenarios with RPC requests report round trips.
        let rpc = &m.rpc;
        if rpc.count() > 0
            && let Some(obj) = out.as_object_mut()
        {
            obj.insert(
                "rpc_round_trip_ms".into(),
                json!({"count": rpc.count(), "p50": ms(rpc.percentile(0.5)),
                    "p95": ms(rpc.percentile(0.95)), "p99": ms(rpc.percentile(0.99)),
                    "max": ms(Some(rpc.max())), "awaiting_reply": self.state.patterns.rpc_pending.len()}),
            );
        }
        out
    }
}

fn round(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Counters as JSON; per queue only the ones that apply to a queue.
fn counters(c: &Counters, queue: bool) -> Json {
    let mut out = Map::new();
    for (k, _, v) in c.of_queue() {
        out.insert(k.to_owned(), json!(v));
    }
    if !queue {
        for (k, v) in [
            ("published", c.published),
            ("routed", c.routed),
            ("unroutable", c.unroutable),
            ("returned", c.returned),
            ("confirmed_ack", c.confirmed_ack),
            ("confirmed_nack", c.confirmed_nack),
            ("lost_in_flight", c.lost_in_flight),
            ("refused", c.refused),
        ] {
            out.insert(k.to_owned(), json!(v));
        }
    }
    Json::Object(out)
}
