//! The scenario's `"flow"` key: one business flow described once — the caller, the triggering
//! service with its event, the reacting services with their processing times, the synchronous
//! call settings, and optionally a saga (the reactions become steps with compensations) and a
//! circuit breaker in front of each called service. Read with errors that name the path; it
//! knows nothing of how either style runs.

use serde_json::{Map, Value as Json};

use crate::fields::{FieldError, boolean, error, join, object};
use crate::sim::rng::Dist;
use crate::sim::scenario::Rate;
use crate::sim::scenario::actors::rate;
use crate::sim::scenario::read::{array, dist, integer, ms, number, only_keys, opt_ms, text};

/// Most reacting services a flow may have.
pub const MAX_SERVICES: usize = 64;

/// How the engine builds the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// The triggering service calls each service in turn and answers when all have answered.
    Orchestration,
    /// The triggering service publishes one event and answers at once; services consume it.
    Choreography,
}

impl Style {
    pub const ALL: [Style; 2] = [Style::Orchestration, Style::Choreography];

    pub fn name(self) -> &'static str {
        match self {
            Style::Orchestration => "orchestration",
            Style::Choreography => "choreography",
        }
    }

    pub fn parse(text: &str) -> Option<Style> {
        Style::ALL.into_iter().find(|s| s.name() == text)
    }
}

/// The triggering service and the load on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    pub service: String,
    /// The event it publishes in choreography (its routing key).
    pub event: String,
    /// The exchange the event is published to (built in choreography).
    pub exchange: String,
    pub processing: Dist,
    pub failure_probability: f64,
    /// How often the caller asks (the same in both styles).
    pub rate: Rate,
    pub start: u64,
    pub stop: Option<u64>,
}

/// A service reacting to the trigger (a saga step when the flow is a saga).
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceSpec {
    pub name: String,
    pub processing: Dist,
    pub failure_probability: f64,
    /// What undoes its work in a saga (a command or event name).
    pub compensation: String,
    /// The event it publishes when its saga step succeeds (choreographed saga).
    pub event: String,
}

/// Circuit breaker thresholds, one breaker per called service.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakerSpec {
    /// Consecutive failures (errors, timeouts) that open the circuit.
    pub failure_threshold: u32,
    /// How long it stays open before letting a trial call through (µs).
    pub open_for: u64,
    /// Successful trial calls that close it again.
    pub half_open_successes: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FlowSpec {
    pub style: Style,
    pub caller: String,
    pub trigger: Trigger,
    pub services: Vec<ServiceSpec>,
    /// One way, request or response (µs).
    pub call_latency: Dist,
    /// How long the triggering service waits for a called service (µs).
    pub timeout: u64,
    /// How long the caller waits for the triggering service (µs).
    pub caller_timeout: u64,
    pub saga: bool,
    pub breaker: Option<BreakerSpec>,
}

const KEYS: &[&str] = &[
    "style",
    "caller",
    "trigger",
    "services",
    "call",
    "saga",
    "circuit_breaker",
];
const TRIGGER_KEYS: &[&str] = &[
    "service",
    "event",
    "exchange",
    "processing_ms",
    "failure_probability",
    "rate",
    "start_ms",
    "stop_ms",
];
const SERVICE_KEYS: &[&str] = &[
    "name",
    "processing_ms",
    "failure_probability",
    "compensation",
    "event",
];

/// Reads the `flow` key (absent or null: no flow).
pub fn read(root: &Map<String, Json>) -> Result<Option<FlowSpec>, FieldError> {
    let Some(json) = root.get("flow").filter(|j| !j.is_null()) else {
        return Ok(None);
    };
    let obj = object(json, "flow")?;
    only_keys(obj, "flow", KEYS)?;
    let style_text = text(obj, "style", "flow", Some("orchestration"))?;
    let style = Style::parse(&style_text)
        .ok_or_else(|| error("flow.style", "expected one of: orchestration, choreography"))?;
    let trigger = trigger(obj)?;
    let mut services: Vec<ServiceSpec> = Vec::new();
    let items = array(obj, "services", "flow", MAX_SERVICES)?;
    for (i, item) in items.iter().enumerate() {
        let path = format!("flow.services[{i}]");
        let s = service(item, &path)?;
        let clash = s.name == trigger.service || services.iter().any(|o| o.name == s.name);
        if clash {
            let what = format!("`{}` is used twice", s.name);
            return Err(error(&join(&path, "name"), what));
        }
        services.push(s);
    }
    let caller = text(obj, "caller", "flow", Some("frontend"))?;
    if caller == trigger.service || services.iter().any(|s| s.name == caller) {
        return Err(error(
            "flow.caller",
            format!("`{caller}` is also a service"),
        ));
    }
    let (call_latency, timeout, caller_timeout) = call(obj)?;
    Ok(Some(FlowSpec {
        style,
        caller,
        trigger,
        services,
        call_latency,
        timeout,
        caller_timeout,
        saga: boolean(obj, "saga", "flow", false)?,
        breaker: breaker(obj)?,
    }))
}

fn name(obj: &Map<String, Json>, key: &str, path: &str) -> Result<String, FieldError> {
    let name = text(obj, key, path, None)?;
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    if !ok {
        let what = "expected a name of letters, digits, `_`, `-` or `.`";
        return Err(error(&join(path, key), what));
    }
    Ok(name)
}

fn probability(obj: &Map<String, Json>, path: &str) -> Result<f64, FieldError> {
    number(obj, "failure_probability", path, (0.0, 1.0), Some(0.0))
}

fn trigger(obj: &Map<String, Json>) -> Result<Trigger, FieldError> {
    let path = "flow.trigger";
    let t = object(obj.get("trigger").unwrap_or(&Json::Null), path)?;
    only_keys(t, path, TRIGGER_KEYS)?;
    let service = name(t, "service", path)?;
    let event = match t.get("event") {
        None | Some(Json::Null) => format!("{service}_succeeded"),
        Some(_) => name(t, "event", path)?,
    };
    Ok(Trigger {
        exchange: text(t, "exchange", path, Some(&format!("ms.{service}")))?,
        service,
        event,
        processing: dist(t, "processing_ms", path, Dist::Fixed(0))?,
        failure_probability: probability(t, path)?,
        rate: rate(t, path)?,
        start: ms(t, "start_ms", path, Some(0))?,
        stop: opt_ms(t, "stop_ms", path)?,
    })
}

fn service(item: &Json, path: &str) -> Result<ServiceSpec, FieldError> {
    let obj = object(item, path)?;
    only_keys(obj, path, SERVICE_KEYS)?;
    let name = name(obj, "name", path)?;
    let or = |key: &str, default: String| match obj.get(key) {
        None | Some(Json::Null) => Ok(default),
        Some(_) => self::name(obj, key, path),
    };
    Ok(ServiceSpec {
        compensation: or("compensation", format!("undo_{name}"))?,
        event: or("event", format!("{name}_done"))?,
        processing: dist(obj, "processing_ms", path, Dist::Fixed(0))?,
        failure_probability: probability(obj, path)?,
        name,
    })
}

fn call(obj: &Map<String, Json>) -> Result<(Dist, u64, u64), FieldError> {
    let none = Map::new();
    let c = match obj.get("call").filter(|j| !j.is_null()) {
        Some(json) => object(json, "flow.call")?,
        None => &none,
    };
    only_keys(
        c,
        "flow.call",
        &["latency_ms", "timeout_ms", "caller_timeout_ms"],
    )?;
    let latency = dist(c, "latency_ms", "flow.call", Dist::Fixed(1000))?;
    let timeout = ms(c, "timeout_ms", "flow.call", Some(1_000_000))?.max(1);
    let caller_timeout = ms(c, "caller_timeout_ms", "flow.call", Some(5_000_000))?.max(1);
    Ok((latency, timeout, caller_timeout))
}

fn breaker(obj: &Map<String, Json>) -> Result<Option<BreakerSpec>, FieldError> {
    let Some(json) = obj.get("circuit_breaker").filter(|j| !j.is_null()) else {
        return Ok(None);
    };
    let path = "flow.circuit_breaker";
    let b = object(json, path)?;
    only_keys(
        b,
        path,
        &["failure_threshold", "open_ms", "half_open_successes"],
    )?;
    let count =
        |key: &str, default| integer(b, key, path, (1, 1_000_000), Some(default)).map(|v| v as u32);
    Ok(Some(BreakerSpec {
        failure_threshold: count("failure_threshold", 5)?,
        open_for: ms(b, "open_ms", path, Some(5_000_000))?.max(1),
        half_open_successes: count("half_open_successes", 1)?,
    }))
}

/// The flow back to its `"flow"` key.
pub fn write(spec: &FlowSpec) -> Json {
    use crate::sim::scenario::write::{dist, ms, rate};
    use serde_json::json;
    let t = &spec.trigger;
    let services: Vec<Json> = spec
        .services
        .iter()
        .map(|s| {
            json!({"name": s.name, "processing_ms": dist(&s.processing),
                "failure_probability": s.failure_probability, "compensation": s.compensation,
                "event": s.event})
        })
        .collect();
    let breaker = spec.breaker.map(|b| {
        json!({"failure_threshold": b.failure_threshold, "open_ms": ms(b.open_for),
            "half_open_successes": b.half_open_successes})
    });
    json!({
        "style": spec.style.name(),
        "caller": spec.caller,
        "trigger": {"service": t.service, "event": t.event, "exchange": t.exchange,
            "processing_ms": dist(&t.processing), "failure_probability": t.failure_probability,
            "rate": rate(&t.rate), "start_ms": ms(t.start), "stop_ms": t.stop.map(ms)},
        "services": services,
        "call": {"latency_ms": dist(&spec.call_latency), "timeout_ms": ms(spec.timeout),
            "caller_timeout_ms": ms(spec.caller_timeout)},
        "saga": spec.saga,
        "circuit_breaker": breaker,
    })
}

impl FlowSpec {
    /// Whether `name` is the caller or one of the services.
    pub fn is_service(&self, name: &str) -> bool {
        self.caller == name
            || self.trigger.service == name
            || self.services.iter().any(|s| s.name == name)
    }

    /// Refuses actors named like a service: the flow adds those itself.
    pub fn check_actors(
        &self,
        producers: &[crate::sim::scenario::ProducerSpec],
        consumers: &[crate::sim::scenario::ConsumerSpec],
    ) -> Result<(), FieldError> {
        let named = producers
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("actors.producers[{i}].name"), &p.name))
            .chain(
                consumers
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (format!("actors.consumers[{i}].name"), &c.name)),
            );
        for (path, name) in named {
            if self.is_service(name) {
                let what = format!("`{name}` is a service of the flow (it adds its own actors)");
                return Err(error(&path, what));
            }
        }
        Ok(())
    }
}
