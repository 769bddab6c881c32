//! The `actors` part of a scenario file: producers (rate, routing-key and header templates with
//! weighted choices, body size, flags) and consumers (prefetch, processing time, failure policy,
//! crashes and recovery), read with errors that name each field's path. Checks that refer to
//! the topology (does the exchange exist?) are made when the simulation is built.

use serde_json::{Map, Value as Json};

use crate::fields::{FieldError, boolean, error, join, member, object};
use crate::sim::rng::Dist;
use crate::sim::scenario::patterns::{self, CloudEventsSpec, RetrySpec, RpcSpec};
use crate::sim::scenario::read::{
    array, dist, integer, ms, number, only_keys, opt_ms, signed, text,
};

pub const MAX_ACTORS: usize = 1000;
pub const MAX_CHOICES: usize = 1000;
/// Largest simulated body: the bytes are really allocated, once per producer.
pub const MAX_BODY_BYTES: u64 = 1 << 20;
/// Largest sum of all producers' bodies (each producer allocates its body once).
pub const MAX_TOTAL_BODY_BYTES: u64 = 16 << 20;
pub const MAX_RATE_PER_SECOND: f64 = 1e6;

/// A piece of a routing-key or header template: text, or a `{choice}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(String),
    Choice(usize),
    /// `{seq}` (when no choice has that name): the producer's message number, from 1.
    Seq,
}

/// A named set of weighted values a template draws from (`{"region": [["eu", 3], "us"]}`).
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub name: String,
    pub values: Vec<String>,
    pub weights: Vec<u32>,
}

/// When a producer publishes.
#[derive(Debug, Clone, PartialEq)]
pub enum Rate {
    /// Every `interval` µs.
    Fixed { interval: u64 },
    /// Exponential gaps with this mean (µs).
    Poisson { mean_interval: f64 },
    /// `size` messages at once, every `every` µs.
    Bursts { size: u32, every: u64 },
    /// At these times (µs from the start), sorted.
    Script { at: Vec<u64> },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProducerSpec {
    pub name: String,
    pub vhost: String,
    pub exchange: String,
    pub routing_key: Vec<Part>,
    pub headers: Vec<(String, Vec<Part>)>,
    pub choices: Vec<Choice>,
    pub rate: Rate,
    pub start: u64,
    pub stop: Option<u64>,
    pub body_bytes: u64,
    pub persistent: bool,
    pub mandatory: bool,
    pub confirms: bool,
    /// The body is a CloudEvents 1.0 envelope.
    pub cloudevents: Option<CloudEventsSpec>,
    /// Each message is an RPC request.
    pub rpc: Option<RpcSpec>,
}

/// What a consumer does with a delivery whose processing failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    Ack,
    Nack {
        requeue: bool,
    },
    Reject {
        requeue: bool,
    },
    /// Retry with backoff through dead-letter and delay queues ([`ConsumerSpec::retry`]).
    Retry,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConsumerSpec {
    pub name: String,
    pub vhost: String,
    pub queue: String,
    /// `basic.qos` prefetch count; 0 (the default, as in RabbitMQ) is unlimited.
    pub prefetch: u16,
    pub auto_ack: bool,
    pub processing: Dist,
    pub failure_probability: f64,
    pub on_failure: OnFailure,
    /// Chance per delivery that the consumer crashes while processing it.
    pub crash_probability: f64,
    /// After a crash (or a broker restart), reconnect after this long (µs); `None`: stay down.
    pub recover_after: Option<u64>,
    pub start: u64,
    /// The retry policy when `on_failure` is `{"retry": …}`.
    pub retry: Option<RetrySpec>,
    /// An RPC server: answers each request it acks on its `reply_to` queue.
    pub replies: bool,
    /// `basic.consume` with `exclusive`: no other consumer may use the queue.
    pub exclusive: bool,
    /// The `x-priority` consume argument: higher is served first (and, with single active
    /// consumer on a 4.x quorum queue, takes over).
    pub priority: i64,
    /// Appends each message it processes to this event-store stream (optimistic concurrency:
    /// on a conflict it learns the stream's version and nacks the message with requeue).
    pub append_to: Option<String>,
}

const PRODUCER_KEYS: &[&str] = &[
    "name",
    "vhost",
    "exchange",
    "routing_key",
    "headers",
    "choices",
    "rate",
    "start_ms",
    "stop_ms",
    "body_bytes",
    "persistent",
    "mandatory",
    "confirms",
    "cloudevents",
    "rpc",
];

pub fn producer(item: &Json, path: &str) -> Result<ProducerSpec, FieldError> {
    let obj = object(item, path)?;
    only_keys(obj, path, PRODUCER_KEYS)?;
    let choices = choices(obj, path)?;
    let key_path = join(path, "routing_key");
    let routing_key = template(
        &text(obj, "routing_key", path, Some(""))?,
        &choices,
        &key_path,
    )?;
    let mut headers = Vec::new();
    if let Some(json) = obj.get("headers").filter(|j| !j.is_null()) {
        let hpath = join(path, "headers");
        let map = json
            .as_object()
            .ok_or_else(|| error(&hpath, "expected an object"))?;
        for (name, value) in map {
            let at = member(&hpath, name);
            let value = value
                .as_str()
                .ok_or_else(|| error(&at, "expected a string template"))?;
            headers.push((name.clone(), template(value, &choices, &at)?));
        }
    }
    let cloudevents = patterns::cloudevents(obj, path, &choices)?;
    Ok(ProducerSpec {
        name: text(obj, "name", path, None)?,
        vhost: text(obj, "vhost", path, Some("/"))?,
        exchange: text(obj, "exchange", path, Some(""))?,
        routing_key,
        headers,
        choices,
        rate: rate(obj, path)?,
        start: ms(obj, "start_ms", path, Some(0))?,
        stop: opt_ms(obj, "stop_ms", path)?,
        body_bytes: integer(obj, "body_bytes", path, (0, MAX_BODY_BYTES), Some(0))?,
        persistent: boolean(obj, "persistent", path, false)?,
        mandatory: boolean(obj, "mandatory", path, false)?,
        confirms: boolean(obj, "confirms", path, false)?,
        cloudevents,
        rpc: patterns::rpc(obj, path)?,
    })
}

const CONSUMER_KEYS: &[&str] = &[
    "name",
    "vhost",
    "queue",
    "prefetch",
    "auto_ack",
    "processing_ms",
    "failure_probability",
    "on_failure",
    "crash_probability",
    "recover_after_ms",
    "start_ms",
    "replies",
    "exclusive",
    "priority",
    "append_to",
];

pub fn consumer(item: &Json, path: &str) -> Result<ConsumerSpec, FieldError> {
    let obj = object(item, path)?;
    only_keys(obj, path, CONSUMER_KEYS)?;
    let mut retry = None;
    let policy = match obj.get("on_failure") {
        Some(json @ Json::Object(_)) => {
            retry = Some(patterns::retry(json, &join(path, "on_failure"))?);
            "retry".to_owned()
        }
        _ => text(obj, "on_failure", path, Some("nack_requeue"))?,
    };
    let on_failure = match policy.as_str() {
        "retry" if retry.is_some() => OnFailure::Retry,
        "ack" => OnFailure::Ack,
        "nack_requeue" => OnFailure::Nack { requeue: true },
        "nack" => OnFailure::Nack { requeue: false },
        "reject_requeue" => OnFailure::Reject { requeue: true },
        "reject" => OnFailure::Reject { requeue: false },
        _ => {
            return Err(error(
                &join(path, "on_failure"),
                "expected one of: ack, nack, nack_requeue, reject, reject_requeue, \
                 or {\"retry\": {\"max_attempts\": n, \"parking_lot\": queue}}",
            ));
        }
    };
    Ok(ConsumerSpec {
        name: text(obj, "name", path, None)?,
        vhost: text(obj, "vhost", path, Some("/"))?,
        queue: text(obj, "queue", path, None)?,
        prefetch: u16::try_from(integer(obj, "prefetch", path, (0, 65535), Some(0))?)
            .unwrap_or(u16::MAX),
        auto_ack: boolean(obj, "auto_ack", path, false)?,
        processing: dist(obj, "processing_ms", path, Dist::Fixed(0))?,
        failure_probability: number(obj, "failure_probability", path, (0.0, 1.0), Some(0.0))?,
        on_failure,
        crash_probability: number(obj, "crash_probability", path, (0.0, 1.0), Some(0.0))?,
        recover_after: opt_ms(obj, "recover_after_ms", path)?,
        start: ms(obj, "start_ms", path, Some(0))?,
        retry,
        replies: boolean(obj, "replies", path, false)?,
        exclusive: boolean(obj, "exclusive", path, false)?,
        priority: signed(
            obj,
            "priority",
            path,
            (i64::from(i32::MIN), i64::from(i32::MAX)),
        )?,
        append_to: obj
            .get("append_to")
            .filter(|j| !j.is_null())
            .map(|_| text(obj, "append_to", path, None))
            .transpose()?,
    })
}

/// `{"fixed": per_second}`-style rates: `{"kind": "poisson", "per_second": 20}`,
/// `{"kind": "fixed", "per_second": 10}`, `{"kind": "bursts", "size": 50, "every_ms": 5000}`,
/// `{"kind": "script", "at_ms": [0, 100]}`.
pub fn rate(obj: &Map<String, Json>, path: &str) -> Result<Rate, FieldError> {
    let path = join(path, "rate");
    let r = object(obj.get("rate").unwrap_or(&Json::Null), &path)?;
    let kind = text(r, "kind", &path, None)?;
    let per_second = || number(r, "per_second", &path, (1e-6, MAX_RATE_PER_SECOND), None);
    match kind.as_str() {
        "fixed" => {
            only_keys(r, &path, &["kind", "per_second"])?;
            Ok(Rate::Fixed {
                interval: (1e6 / per_second()?).round().max(1.0) as u64,
            })
        }
        "poisson" => {
            only_keys(r, &path, &["kind", "per_second"])?;
            Ok(Rate::Poisson {
                mean_interval: 1e6 / per_second()?,
            })
        }
        "bursts" => {
            only_keys(r, &path, &["kind", "size", "every_ms"])?;
            let size = integer(r, "size", &path, (1, 100_000), None)?;
            let every = ms(r, "every_ms", &path, None)?.max(1);
            Ok(Rate::Bursts {
                size: u32::try_from(size).unwrap_or(1),
                every,
            })
        }
        "script" => {
            only_keys(r, &path, &["kind", "at_ms"])?;
            let mut at = Vec::new();
            for (i, v) in array(r, "at_ms", &path, 100_000)?.iter().enumerate() {
                let one = crate::order::map([("t".to_owned(), v.clone())]);
                at.push(
                    ms(&one, "t", "", None)
                        .map_err(|e| error(&format!("{path}.at_ms[{i}]"), e.message))?,
                );
            }
            crate::order::sort_by_key(&mut at, |t| *t);
            Ok(Rate::Script { at })
        }
        _ => Err(error(
            &join(&path, "kind"),
            "expected one of: fixed, poisson, bursts, script",
        )),
    }
}

fn choices(obj: &Map<String, Json>, path: &str) -> Result<Vec<Choice>, FieldError> {
    let path = join(path, "choices");
    let Some(json) = obj.get("choices").filter(|j| !j.is_null()) else {
        return Ok(Vec::new());
    };
    let map = json
        .as_object()
        .ok_or_else(|| error(&path, "expected an object"))?;
    let mut out = Vec::new();
    for (name, values) in map {
        let at = member(&path, name);
        let items = values
            .as_array()
            .filter(|a| !a.is_empty() && a.len() <= MAX_CHOICES)
            .ok_or_else(|| {
                error(
                    &at,
                    format!("expected an array of 1 to {MAX_CHOICES} values"),
                )
            })?;
        let mut choice = Choice {
            name: name.clone(),
            values: Vec::new(),
            weights: Vec::new(),
        };
        for (i, item) in items.iter().enumerate() {
            let (value, weight) = weighted(item).ok_or_else(|| {
                error(
                    &format!("{at}[{i}]"),
                    "expected a string or [string, weight] with a weight from 0 to 1000000",
                )
            })?;
            choice.values.push(value);
            choice.weights.push(weight);
        }
        if choice.weights.iter().all(|w| *w == 0) {
            return Err(error(&at, "at least one weight must be above 0"));
        }
        out.push(choice);
    }
    Ok(out)
}

fn weighted(item: &Json) -> Option<(String, u32)> {
    match item {
        Json::String(s) => Some((s.clone(), 1)),
        Json::Array(pair) => match pair.as_slice() {
            [Json::String(s), Json::Number(w)] => {
                let w = u32::try_from(w.as_u64()?)
                    .ok()
                    .filter(|w| *w <= 1_000_000)?;
                Some((s.clone(), w))
            }
            _ => None,
        },
        _ => None,
    }
}

/// `order.{region}.created` → text and choice references; `{{` and `}}` are literal braces.
pub fn template(src: &str, choices: &[Choice], path: &str) -> Result<Vec<Part>, FieldError> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut rest = src;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("{{") || rest.starts_with("}}") {
            lit.push(c);
            rest = rest.get(2..).unwrap_or("");
        } else if c == '{' {
            let end = rest
                .find('}')
                .ok_or_else(|| error(path, "unclosed `{` in template"))?;
            let name = rest.get(1..end).unwrap_or("");
            let index = choices.iter().position(|ch| ch.name == name);
            let part = match index {
                Some(i) => Part::Choice(i),
                None if name == "seq" => Part::Seq,
                None => {
                    let what = format!("`{{{name}}}` is not one of the producer's choices");
                    return Err(error(path, what));
                }
            };
            if !lit.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut lit)));
            }
            parts.push(part);
            rest = rest.get(end + 1..).unwrap_or("");
        } else {
            lit.push(c);
            rest = rest.get(c.len_utf8()..).unwrap_or("");
        }
    }
    if !lit.is_empty() {
        parts.push(Part::Text(lit));
    }
    Ok(parts)
}
