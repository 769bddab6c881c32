//! A scenario back to its file format (version 1), so an edited scenario can be saved, shared
//! and read again: reading what this writes gives the same scenario. The topology is written
//! by [`crate::definitions::export`], as a real RabbitMQ would import it. Knows nothing of how
//! a scenario runs.

use serde_json::{Value as Json, json};

use crate::definitions;
use crate::fields::FieldError;
use crate::profile::Profile;
use crate::sim::rng::Dist;
use crate::sim::scenario::patterns::{self, write_template as template};
use crate::sim::scenario::{
    Action, Choice, ConsumerSpec, OnFailure, ProducerSpec, Rate, Scenario, VERSION,
};

impl Scenario {
    /// The scenario as a version-1 file.
    pub fn to_json(&self) -> Result<Json, FieldError> {
        let broker = self.topology.to_broker(Profile::default())?;
        let layout = crate::order::map(
            self.layout
                .iter()
                .map(|(name, x, y)| (name.clone(), json!({"x": x, "y": y}))),
        );
        let script: Vec<Json> = self.script.iter().map(|s| step(s.at, &s.action)).collect();
        let lesson: Vec<Json> = self
            .lesson
            .iter()
            .map(|l| json!({"at_ms": ms(l.at), "title": l.title, "text": l.text}))
            .collect();
        Ok(json!({
            "switchyard": VERSION,
            "name": self.name,
            "description": self.description,
            "seed": self.seed,
            "topology": definitions::export(&broker),
            "latency_ms": {"publish": dist(&self.latency.publish),
                "deliver": dist(&self.latency.deliver), "ack": dist(&self.latency.ack)},
            // The actors a flow adds when it is built are not written: they are built again.
            "actors": {"producers": self.producers.iter().filter(|p| !self.built(&p.name))
                    .map(producer).collect::<Vec<_>>(),
                "consumers": self.consumers.iter().filter(|c| !self.built(&c.name))
                    .map(consumer).collect::<Vec<_>>(),
                "projections": self.projections.iter().map(patterns::projection_json).collect::<Vec<_>>()},
            "layout": layout,
            "script": script,
            "lesson": lesson,
            "sample_every_ms": ms(self.sample_every),
            "flow": self.flow.as_ref().map(crate::sim::flow::spec::write),
        }))
    }
}

impl Scenario {
    /// Whether an actor of this name stands for a flow's service (added when built).
    fn built(&self, name: &str) -> bool {
        self.flow.as_ref().is_some_and(|f| f.is_service(name))
    }
}

pub(crate) fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

pub(crate) fn dist(d: &Dist) -> Json {
    match *d {
        Dist::Fixed(us) => json!(ms(us)),
        Dist::Uniform { min, max } => json!({"uniform": [ms(min), ms(max)]}),
        Dist::Exponential { mean } => json!({"exponential": mean / 1000.0}),
    }
}

/// A script step: `action` at `at` µs.
pub(crate) fn step(at: u64, action: &Action) -> Json {
    let mut out = action_json(action);
    if let Some(obj) = out.as_object_mut() {
        obj.insert("at_ms".into(), json!(ms(at)));
    }
    out
}

/// An action as a script step writes it, without its time: `action` and what it names. Not
/// inlined: its `json!` objects are big, and it is written into a scenario file and into a
/// session's changes.
#[inline(never)]
pub(crate) fn action_json(action: &Action) -> Json {
    let service = |name: &str, service: &str| json!({"action": name, "service": service});
    let (name, consumer) = match action {
        Action::TakeDown { service: s } => return service("take_down", s),
        Action::BringBack { service: s } => return service("bring_back", s),
        Action::FailService { service: s } => return service("fail_service", s),
        Action::HealService { service: s } => return service("heal_service", s),
        Action::SetExchangeType {
            vhost,
            exchange,
            kind,
        } => {
            return json!({"action": "set_exchange_type", "vhost": vhost,
                "exchange": exchange, "type": kind.name()});
        }
        Action::StopConsumer { consumer } => ("stop_consumer", Some(consumer)),
        Action::StartConsumer { consumer } => ("start_consumer", Some(consumer)),
        Action::CrashConsumer { consumer } => ("crash_consumer", Some(consumer)),
        Action::RestartBroker => ("restart_broker", None),
        Action::ReplayProjection { projection } => {
            return json!({"action": "replay_projection", "projection": projection});
        }
        Action::Publish {
            producer,
            routing_key,
            headers,
        } => {
            let mut out =
                json!({"action": "publish", "producer": producer, "routing_key": routing_key});
            if let (Some(headers), Some(obj)) = (headers, out.as_object_mut()) {
                obj.insert("headers".into(), headers.to_json());
            }
            return out;
        }
        Action::Send {
            vhost,
            exchange,
            routing_key,
            headers,
        } => {
            return json!({"action": "send", "vhost": vhost, "exchange": exchange,
                "routing_key": routing_key, "headers": headers.to_json()});
        }
        Action::DeleteQueue { vhost, queue } => {
            return json!({"action": "delete_queue", "vhost": vhost, "queue": queue});
        }
        Action::DeleteExchange { vhost, exchange } => {
            return json!({"action": "delete_exchange", "vhost": vhost, "exchange": exchange});
        }
        Action::SetRate { producer, rate: r } => {
            return json!({"action": "set_rate", "producer": producer, "rate": rate(r)});
        }
        Action::SetProcessing {
            consumer,
            processing,
            failure_probability,
        } => {
            let mut out = json!({"action": "set_processing", "consumer": consumer,
                "processing_ms": dist(processing)});
            if let (Some(p), Some(obj)) = (failure_probability, out.as_object_mut()) {
                obj.insert("failure_probability".into(), json!(p));
            }
            return out;
        }
        Action::StopProducer { producer } => {
            return json!({"action": "stop_producer", "producer": producer});
        }
        Action::StartProducer { producer } => {
            return json!({"action": "start_producer", "producer": producer});
        }
        Action::AddConsumer(c) => return json!({"action": "add_consumer", "actor": consumer(c)}),
        Action::AddProducer(p) => return json!({"action": "add_producer", "actor": producer(p)}),
        Action::Declare { definitions } | Action::Unbind { definitions } => {
            let name = match action {
                Action::Declare { .. } => "declare",
                _ => "unbind",
            };
            let fragment = definitions::fragment_to_json(definitions);
            return json!({"action": name, "definitions": fragment});
        }
    };
    let mut out = json!({"action": name});
    if let (Some(c), Some(obj)) = (consumer, out.as_object_mut()) {
        obj.insert("consumer".into(), json!(c));
    }
    out
}

fn producer(p: &ProducerSpec) -> Json {
    let headers = crate::order::map(
        p.headers
            .iter()
            .map(|(k, parts)| (k.clone(), json!(template(parts, &p.choices)))),
    );
    let choices = crate::order::map(p.choices.iter().map(|c| (c.name.clone(), weighted(c))));
    let rate = rate(&p.rate);
    let mut out = json!({"name": p.name, "vhost": p.vhost, "exchange": p.exchange,
        "routing_key": template(&p.routing_key, &p.choices), "headers": headers, "choices": choices,
        "rate": rate, "start_ms": ms(p.start), "stop_ms": p.stop.map(ms), "body_bytes": p.body_bytes,
        "persistent": p.persistent, "mandatory": p.mandatory, "confirms": p.confirms});
    if let Some(obj) = out.as_object_mut() {
        if let Some(ce) = &p.cloudevents {
            obj.insert(
                "cloudevents".into(),
                patterns::cloudevents_json(ce, &p.choices),
            );
        }
        if let Some(rpc) = &p.rpc {
            obj.insert("rpc".into(), json!({"reply_to": rpc.reply_to}));
        }
    }
    out
}

pub(crate) fn rate(rate: &Rate) -> Json {
    match rate {
        Rate::Fixed { interval } => json!({"kind": "fixed", "per_second": 1e6 / *interval as f64}),
        Rate::Poisson { mean_interval } => {
            json!({"kind": "poisson", "per_second": 1e6 / mean_interval})
        }
        Rate::Bursts { size, every } => {
            json!({"kind": "bursts", "size": size, "every_ms": ms(*every)})
        }
        Rate::Script { at } => {
            json!({"kind": "script", "at_ms": at.iter().map(|t| ms(*t)).collect::<Vec<_>>()})
        }
    }
}

fn consumer(c: &ConsumerSpec) -> Json {
    let on_failure = match c.on_failure {
        OnFailure::Ack => "ack",
        OnFailure::Nack { requeue: true } => "nack_requeue",
        OnFailure::Nack { requeue: false } => "nack",
        OnFailure::Reject { requeue: true } => "reject_requeue",
        OnFailure::Reject { requeue: false } => "reject",
        OnFailure::Retry => "retry",
    };
    let on_failure = match &c.retry {
        Some(r) if c.on_failure == OnFailure::Retry => patterns::retry_json(r),
        _ => json!(on_failure),
    };
    json!({"name": c.name, "vhost": c.vhost, "queue": c.queue, "prefetch": c.prefetch,
        "auto_ack": c.auto_ack, "processing_ms": dist(&c.processing),
        "failure_probability": c.failure_probability, "on_failure": on_failure,
        "crash_probability": c.crash_probability, "recover_after_ms": c.recover_after.map(ms),
        "start_ms": ms(c.start), "replies": c.replies, "exclusive": c.exclusive,
        "priority": c.priority, "append_to": c.append_to})
}

fn weighted(c: &Choice) -> Json {
    let items: Vec<Json> = c
        .values
        .iter()
        .zip(&c.weights)
        .map(|(v, w)| json!([v, w]))
        .collect();
    Json::Array(items)
}
