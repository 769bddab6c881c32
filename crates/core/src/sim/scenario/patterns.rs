//! The scenario fields of the patterns built from the broker: a producer's CloudEvents
//! envelope (`cloudevents`) and RPC requests (`rpc`), a consumer that answers RPC requests
//! (`replies`), a consumer's retry-with-backoff failure policy (`on_failure: {"retry": …}`)
//! and an event store's streams and projections (`event_store`). Read with path-named errors
//! and written back; how they run is the engine's business.

use serde_json::{Map, Value as Json, json};

use crate::fields::{FieldError, error, join, member, object};
use crate::order::json_text;
use crate::sim::scenario::actors::{Choice, Part, template};
use crate::sim::scenario::read::{array, integer, ms, only_keys, text};

/// Largest CloudEvents `data` template, serialised.
pub const MAX_DATA_BYTES: usize = 4096;

/// A producer's CloudEvents 1.0 envelope (structured mode: the whole event is the body).
#[derive(Debug, Clone, PartialEq)]
pub struct CloudEventsSpec {
    pub source: String,
    /// The event `type`, e.g. `com.example.employee.created.v1` (a version belongs here or in
    /// `dataschema`).
    pub kind: String,
    pub dataschema: Option<String>,
    pub subject: Option<Vec<Part>>,
    /// The `data` template: every string in it is a template over the producer's choices.
    pub data: Json,
}

/// A producer's RPC requests: each carries `reply_to` and a fresh `correlation_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcSpec {
    /// The queue the replies come back to (the client consumes it).
    pub reply_to: String,
}

/// Retry with backoff, built from the broker: a failed delivery is rejected without requeue
/// (the work queue's dead-letter exchange sends it to a delay queue whose TTL dead-letters it
/// back) while the broker's `x-death` count of rejections from the consumer's queue is below
/// `max_attempts - 1`; the last failure publishes it to `parking_lot` and acks it.
/// `{"retry": {"max_attempts": 4, "parking_lot": "q.parking", "delay_queues": ["q.1s"]}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySpec {
    pub max_attempts: u32,
    pub parking_lot: String,
    /// The delay queues, in attempt order, for checking and drawing: each must have a message
    /// TTL and a dead-letter exchange. Which one a message enters is the topology's choice.
    pub delay_queues: Vec<String>,
}

pub fn cloudevents(
    obj: &Map<String, Json>,
    path: &str,
    choices: &[Choice],
) -> Result<Option<CloudEventsSpec>, FieldError> {
    let Some(json) = obj.get("cloudevents").filter(|j| !j.is_null()) else {
        return Ok(None);
    };
    let path = join(path, "cloudevents");
    let ce = object(json, &path)?;
    only_keys(
        ce,
        &path,
        &["source", "type", "dataschema", "subject", "data"],
    )?;
    let subject = match ce.get("subject").filter(|j| !j.is_null()) {
        None => None,
        Some(_) => {
            let at = join(&path, "subject");
            Some(template(&text(ce, "subject", &path, None)?, choices, &at)?)
        }
    };
    let data = ce.get("data").cloned().unwrap_or(Json::Null);
    let size = json_text(&data).len();
    if size > MAX_DATA_BYTES {
        let what = format!("{size} bytes is more than the {MAX_DATA_BYTES} allowed");
        return Err(error(&join(&path, "data"), what));
    }
    check_data(&data, &join(&path, "data"), choices)?;
    let nonempty = |key: &str| -> Result<String, FieldError> {
        let value = text(ce, key, &path, None)?;
        if value.is_empty() {
            return Err(error(&join(&path, key), "must not be empty"));
        }
        Ok(value)
    };
    Ok(Some(CloudEventsSpec {
        source: nonempty("source")?,
        kind: nonempty("type")?,
        dataschema: ce
            .get("dataschema")
            .filter(|j| !j.is_null())
            .map(|_| text(ce, "dataschema", &path, None))
            .transpose()?,
        subject,
        data,
    }))
}

/// Every string in `data` must be a valid template.
fn check_data(data: &Json, path: &str, choices: &[Choice]) -> Result<(), FieldError> {
    match data {
        Json::String(s) => template(s, choices, path).map(|_| ()),
        Json::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| check_data(v, &format!("{path}[{i}]"), choices)),
        Json::Object(map) => map
            .iter()
            .try_for_each(|(k, v)| check_data(v, &member(path, k), choices)),
        _ => Ok(()),
    }
}

pub fn rpc(obj: &Map<String, Json>, path: &str) -> Result<Option<RpcSpec>, FieldError> {
    let Some(json) = obj.get("rpc").filter(|j| !j.is_null()) else {
        return Ok(None);
    };
    let path = join(path, "rpc");
    let r = object(json, &path)?;
    only_keys(r, &path, &["reply_to"])?;
    Ok(Some(RpcSpec {
        reply_to: text(r, "reply_to", &path, None)?,
    }))
}

/// `{"retry": {"max_attempts": 4, "parking_lot": "orders.parking"}}` (`path` is the
/// `on_failure` field's).
pub fn retry(json: &Json, path: &str) -> Result<RetrySpec, FieldError> {
    let outer = object(json, path)?;
    only_keys(outer, path, &["retry"])?;
    let path = join(path, "retry");
    let r = object(outer.get("retry").unwrap_or(&Json::Null), &path)?;
    only_keys(r, &path, &["max_attempts", "parking_lot", "delay_queues"])?;
    let mut delay_queues = Vec::new();
    for i in 0..array(r, "delay_queues", &path, 100)?.len() {
        let at = format!("{path}.delay_queues");
        let item = r.get("delay_queues").and_then(|a| a.get(i));
        let name = item.and_then(Json::as_str).filter(|s| !s.is_empty());
        let name = name.ok_or_else(|| error(&format!("{at}[{i}]"), "expected a queue name"))?;
        delay_queues.push(name.to_owned());
    }
    Ok(RetrySpec {
        max_attempts: u32::try_from(integer(r, "max_attempts", &path, (1, 100), None)?)
            .unwrap_or(1),
        parking_lot: text(r, "parking_lot", &path, None)?,
        delay_queues,
    })
}

pub fn cloudevents_json(ce: &CloudEventsSpec, choices: &[Choice]) -> Json {
    let mut out = json!({"source": ce.source, "type": ce.kind, "data": ce.data});
    if let Some(obj) = out.as_object_mut() {
        if let Some(schema) = &ce.dataschema {
            obj.insert("dataschema".into(), json!(schema));
        }
        if let Some(subject) = &ce.subject {
            obj.insert("subject".into(), json!(write_template(subject, choices)));
        }
    }
    out
}

pub fn retry_json(r: &RetrySpec) -> Json {
    json!({"retry": {"max_attempts": r.max_attempts, "parking_lot": r.parking_lot,
        "delay_queues": r.delay_queues}})
}

/// Parts back to `order.{region}.created`, with literal braces doubled.
pub fn write_template(parts: &[Part], choices: &[Choice]) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(t) => out.push_str(&t.replace('{', "{{").replace('}', "}}")),
            Part::Choice(i) => {
                let name = choices.get(*i).map_or("", |c| c.name.as_str());
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
            Part::Seq => out.push_str("{seq}"),
        }
    }
    out
}

/// A projection of an event-store stream (`actors.projections[i]`): from `start` on, every
/// `every` µs it reads up to `batch` events after its position and folds them in.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionSpec {
    pub name: String,
    pub stream: String,
    pub start: u64,
    pub every: u64,
    pub batch: u32,
    /// A numeric field of the events' data to add up (a balance, a total).
    pub sum: Option<String>,
}

pub fn projection(item: &Json, path: &str) -> Result<ProjectionSpec, FieldError> {
    let obj = object(item, path)?;
    let keys = ["name", "stream", "start_ms", "every_ms", "batch", "sum"];
    only_keys(obj, path, &keys)?;
    Ok(ProjectionSpec {
        name: text(obj, "name", path, None)?,
        stream: text(obj, "stream", path, None)?,
        start: ms(obj, "start_ms", path, Some(0))?,
        every: ms(obj, "every_ms", path, Some(1_000_000))?.max(1000),
        batch: u32::try_from(integer(obj, "batch", path, (1, 10_000), Some(100))?).unwrap_or(100),
        sum: obj
            .get("sum")
            .filter(|j| !j.is_null())
            .map(|_| text(obj, "sum", path, None))
            .transpose()?,
    })
}

pub fn projection_json(p: &ProjectionSpec) -> Json {
    json!({"name": p.name, "stream": p.stream, "start_ms": p.start as f64 / 1000.0,
        "every_ms": p.every as f64 / 1000.0, "batch": p.batch, "sum": p.sum})
}
