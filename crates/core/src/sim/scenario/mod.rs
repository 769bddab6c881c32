//! The scenario file, version 1: `{"switchyard": 1, "name", "description", "seed", "topology",
//! "latency_ms", "actors": {"producers", "consumers"}, "layout", "script", "lesson",
//! "sample_every_ms"}`. The topology is a RabbitMQ definitions object (a real export drops in,
//! read by [`crate::definitions`]); everything else is read here with errors that name the
//! path (`actors.consumers[2].prefetch: expected a number from 0 to 65535`), limits on sizes and
//! counts, and unknown keys refused where a typo would change the meaning. It knows nothing of
//! how a scenario runs.

pub mod actors;
pub mod patterns;
pub mod read;
pub(crate) mod write;

pub(crate) use write::{action_json, step};

use serde_json::{Map, Value as Json};

use crate::definitions::Definitions;
use crate::exchange::ExchangeType;
use crate::fields::{FieldError, error, join, member, object, parse_json};
use crate::sim::flow::FlowSpec;
use crate::sim::rng::Dist;
use crate::value::Table;

pub use actors::{Choice, ConsumerSpec, OnFailure, Part, ProducerSpec, Rate};
pub use patterns::{CloudEventsSpec, ProjectionSpec, RetrySpec, RpcSpec};
use read::{array, dist, integer, ms, number, only_keys, text};

/// The one version this build reads.
pub const VERSION: u64 = 1;
/// Largest scenario file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 16 << 20;
pub const MAX_SCRIPT: usize = 10_000;
pub const MAX_LESSON: usize = 1000;

/// Network latency per hop (µs distributions).
#[derive(Debug, Clone, PartialEq)]
pub struct Latency {
    /// producer → exchange.
    pub publish: Dist,
    /// queue → consumer.
    pub deliver: Dist,
    /// consumer → queue (ack, nack, reject).
    pub ack: Dist,
}

/// A scripted failure or control action.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// `basic.cancel`: no new deliveries; those already sent are still processed.
    StopConsumer {
        consumer: String,
    },
    StartConsumer {
        consumer: String,
    },
    /// The consumer's connection dies: its unacked messages are requeued.
    CrashConsumer {
        consumer: String,
    },
    /// Durable state and persistent messages survive; the rest is lost.
    RestartBroker,
    /// The producer publishes at this rate from its next message on.
    SetRate {
        producer: String,
        rate: Rate,
    },
    /// The consumer takes this long per delivery from its next one on, and fails this often
    /// (when given).
    SetProcessing {
        consumer: String,
        processing: Dist,
        failure_probability: Option<f64>,
    },
    /// The producer publishes nothing more until started again.
    StopProducer {
        producer: String,
    },
    /// A stopped producer publishes again: at once, then at its rate.
    StartProducer {
        producer: String,
    },
    /// Declares exchanges and queues and adds bindings while the simulation runs, from a
    /// RabbitMQ definitions fragment applied by the same import code as the topology.
    Declare {
        definitions: Definitions,
    },
    /// Removes the fragment's bindings.
    Unbind {
        definitions: Definitions,
    },
    /// `queue.delete`: its messages go, its consumers are cancelled (each finishes what it
    /// holds), its bindings go.
    DeleteQueue {
        vhost: String,
        queue: String,
    },
    /// `exchange.delete`: its bindings, both ways, go; publishing to it is then refused.
    DeleteExchange {
        vhost: String,
        exchange: String,
    },
    /// Resets an event-store projection to version 0: it rebuilds its state by replaying.
    ReplayProjection {
        projection: String,
    },
    /// A flow's service stops answering (choreography: its consumer's connection dies).
    TakeDown {
        service: String,
    },
    BringBack {
        service: String,
    },
    /// A flow's service fails every request until healed.
    FailService {
        service: String,
    },
    HealService {
        service: String,
    },
    /// The exchange is deleted and declared again with another type, its bindings kept.
    SetExchangeType {
        vhost: String,
        exchange: String,
        kind: ExchangeType,
    },
    /// One message more from a producer, drawn as it draws its messages but with this routing
    /// key (to its exchange, with its properties), and these headers instead of its own when
    /// given.
    Publish {
        producer: String,
        routing_key: String,
        headers: Option<Table>,
    },
    /// A message published to an exchange by no actor of the scenario (a plain message, as the
    /// explorer sends one where no producer publishes), with these headers.
    Send {
        vhost: String,
        exchange: String,
        routing_key: String,
        headers: Table,
    },
    /// A consumer added while the scenario runs, written as one of `actors.consumers`: it
    /// subscribes at the step's moment (its own `start_ms` is not read).
    AddConsumer(Box<ConsumerSpec>),
    /// A producer added while the scenario runs, written as one of `actors.producers`: it
    /// starts publishing at the step's moment (its own `start_ms` is not read).
    AddProducer(Box<ProducerSpec>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScriptStep {
    /// µs from the start.
    pub at: u64,
    pub action: Action,
}

/// Narration attached to a pause point.
#[derive(Debug, Clone, PartialEq)]
pub struct LessonStep {
    pub at: u64,
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub topology: Definitions,
    pub latency: Latency,
    pub producers: Vec<ProducerSpec>,
    pub consumers: Vec<ConsumerSpec>,
    /// Event-store projections (`actors.projections`).
    pub projections: Vec<ProjectionSpec>,
    /// Node name → position, for the drawing only.
    pub layout: Vec<(String, f64, f64)>,
    pub script: Vec<ScriptStep>,
    pub lesson: Vec<LessonStep>,
    /// How often metrics are sampled (µs).
    pub sample_every: u64,
    /// A business flow the engine builds in the chosen style.
    pub flow: Option<FlowSpec>,
}

const TOP_KEYS: &[&str] = &[
    "switchyard",
    "name",
    "description",
    "seed",
    "topology",
    "latency_ms",
    "actors",
    "layout",
    "script",
    "lesson",
    "sample_every_ms",
    "flow",
];

impl Scenario {
    /// Reads a scenario file; JSON syntax errors give the line and column.
    pub fn from_json_text(text: &str) -> Result<Scenario, FieldError> {
        if text.len() > MAX_FILE_BYTES {
            return Err(error(
                "",
                format!(
                    "the file is {}, more than the {} allowed",
                    crate::shown::bytes(text.len() as u64),
                    crate::shown::bytes(MAX_FILE_BYTES as u64)
                ),
            ));
        }
        let json = parse_json(text)?;
        Scenario::from_json(&json)
    }

    pub fn from_json(json: &Json) -> Result<Scenario, FieldError> {
        let root = json
            .as_object()
            .ok_or_else(|| error("", "a scenario file must be a JSON object"))?;
        if is_definitions_export(root) {
            return Scenario::from_definitions(json);
        }
        version(root)?;
        only_keys(root, "", TOP_KEYS)?;
        let topology = object(root.get("topology").unwrap_or(&Json::Null), "topology")?;
        let topology = Definitions::from_json(&Json::Object(topology.clone()))
            .map_err(|e| error(&join("topology", &e.path), e.message))?;
        let (producers, consumers) = actors(root)?;
        let projections = projections(root)?;
        let flow = crate::sim::flow::spec::read(root)?;
        if let Some(flow) = &flow {
            flow.check_actors(&producers, &consumers)?;
        }
        Ok(Scenario {
            name: text(root, "name", "", None)?,
            description: text(root, "description", "", Some(""))?,
            seed: integer(root, "seed", "", (0, u64::MAX), Some(0))?,
            topology,
            latency: latency(root)?,
            producers,
            consumers,
            projections,
            layout: layout(root)?,
            script: script(root)?,
            lesson: lesson(root)?,
            sample_every: ms(root, "sample_every_ms", "", Some(1_000_000))?.max(1000),
            flow,
        })
    }

    /// A RabbitMQ definitions export as a scenario: its topology, to draw, inspect and route
    /// through, with no producers or consumers. Errors name the path in the export itself.
    fn from_definitions(json: &Json) -> Result<Scenario, FieldError> {
        let topology = Definitions::from_json(json)?;
        let version = ["rabbitmq_version", "rabbit_version"]
            .iter()
            .find_map(|k| json.get(k).and_then(Json::as_str));
        Ok(Scenario {
            name: match version {
                Some(v) => format!("Definitions exported from RabbitMQ {v}"),
                None => "Definitions".to_owned(),
            },
            description: format!(
                "A RabbitMQ definitions export: its exchanges, queues, bindings and policies, \
                 with no producers or consumers. Click an exchange or a queue to see its \
                 settings and bindings.{}",
                topology
                    .left_out_note()
                    .map_or(String::new(), |note| format!(" {note}"))
            ),
            seed: 0,
            topology,
            latency: latency(&Map::new())?,
            producers: Vec::new(),
            consumers: Vec::new(),
            projections: Vec::new(),
            layout: Vec::new(),
            script: Vec::new(),
            lesson: Vec::new(),
            sample_every: 1_000_000,
            flow: None,
        })
    }
}

/// A definitions export (`rabbitmqctl export_definitions`, the management UI's "Export
/// definitions") rather than a scenario: no `switchyard` key, and the export's own lists.
fn is_definitions_export(root: &Map<String, Json>) -> bool {
    !root.contains_key("switchyard")
        && ["exchanges", "queues", "bindings"]
            .iter()
            .any(|k| root.contains_key(*k))
}

fn version(root: &Map<String, Json>) -> Result<(), FieldError> {
    match root.get("switchyard") {
        None => Err(error(
            "switchyard",
            "is missing: a scenario file starts with {\"switchyard\": 1, ...}",
        )),
        Some(v) if v.as_u64() == Some(VERSION) => Ok(()),
        Some(v) => Err(error(
            "switchyard",
            // json_text, not `{v}`: Display for a JSON value links two more serde_json writers.
            format!(
                "version {} is not supported (this build reads version {VERSION})",
                crate::order::json_text(v)
            ),
        )),
    }
}

fn latency(root: &Map<String, Json>) -> Result<Latency, FieldError> {
    let none = Dist::Fixed(0);
    let Some(json) = root.get("latency_ms").filter(|j| !j.is_null()) else {
        return Ok(Latency {
            publish: none,
            deliver: none,
            ack: none,
        });
    };
    let obj = object(json, "latency_ms")?;
    only_keys(obj, "latency_ms", &["publish", "deliver", "ack"])?;
    Ok(Latency {
        publish: dist(obj, "publish", "latency_ms", none)?,
        deliver: dist(obj, "deliver", "latency_ms", none)?,
        ack: dist(obj, "ack", "latency_ms", none)?,
    })
}

type Actors = (Vec<ProducerSpec>, Vec<ConsumerSpec>);

fn actors(root: &Map<String, Json>) -> Result<Actors, FieldError> {
    let Some(json) = root.get("actors").filter(|j| !j.is_null()) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let obj = object(json, "actors")?;
    only_keys(obj, "actors", &["producers", "consumers", "projections"])?;
    let mut producers = Vec::new();
    for (i, item) in array(obj, "producers", "actors", actors::MAX_ACTORS)?
        .iter()
        .enumerate()
    {
        producers.push(actors::producer(item, &format!("actors.producers[{i}]"))?);
    }
    let bodies: u64 = producers.iter().map(|p| p.body_bytes).sum();
    if bodies > actors::MAX_TOTAL_BODY_BYTES {
        let limit = actors::MAX_TOTAL_BODY_BYTES;
        let (bodies, limit) = (crate::shown::bytes(bodies), crate::shown::bytes(limit));
        let what = format!("the bodies add up to {bodies}, more than the {limit} allowed");
        return Err(error("actors.producers", what));
    }
    let mut consumers: Vec<ConsumerSpec> = Vec::new();
    for (i, item) in array(obj, "consumers", "actors", actors::MAX_ACTORS)?
        .iter()
        .enumerate()
    {
        let path = format!("actors.consumers[{i}]");
        let c = actors::consumer(item, &path)?;
        if consumers.iter().any(|o| o.name == c.name) {
            return Err(error(
                &join(&path, "name"),
                format!("`{}` is used twice", c.name),
            ));
        }
        consumers.push(c);
    }
    Ok((producers, consumers))
}

fn projections(root: &Map<String, Json>) -> Result<Vec<ProjectionSpec>, FieldError> {
    let Some(obj) = root.get("actors").and_then(Json::as_object) else {
        return Ok(Vec::new());
    };
    let mut out: Vec<ProjectionSpec> = Vec::new();
    let items = array(obj, "projections", "actors", actors::MAX_ACTORS)?;
    for (i, item) in items.iter().enumerate() {
        let path = format!("actors.projections[{i}]");
        let p = patterns::projection(item, &path)?;
        if out.iter().any(|o| o.name == p.name) {
            let what = format!("`{}` is used twice", p.name);
            return Err(error(&join(&path, "name"), what));
        }
        out.push(p);
    }
    Ok(out)
}

fn layout(root: &Map<String, Json>) -> Result<Vec<(String, f64, f64)>, FieldError> {
    let Some(json) = root.get("layout").filter(|j| !j.is_null()) else {
        return Ok(Vec::new());
    };
    let map = object(json, "layout")?;
    let mut out = Vec::new();
    for (name, pos) in map {
        let path = member("layout", name);
        let obj = object(pos, &path)?;
        only_keys(obj, &path, &["x", "y"])?;
        let range = (-1e6, 1e6);
        out.push((
            name.clone(),
            number(obj, "x", &path, range, None)?,
            number(obj, "y", &path, range, None)?,
        ));
    }
    Ok(out)
}

fn script(root: &Map<String, Json>) -> Result<Vec<ScriptStep>, FieldError> {
    let mut out = Vec::new();
    for (i, item) in array(root, "script", "", MAX_SCRIPT)?.iter().enumerate() {
        let path = format!("script[{i}]");
        let obj = object(item, &path)?;
        out.push(ScriptStep {
            at: ms(obj, "at_ms", &path, None)?,
            action: action(obj, &path, &["at_ms"])?,
        });
    }
    Ok(out)
}

/// The action of a script step (or of a change saved with a session) at `path`: its
/// `action` and the keys that kind of action takes; the object may have `also` besides.
pub(crate) fn action(
    obj: &Map<String, Json>,
    path: &str,
    also: &[&str],
) -> Result<Action, FieldError> {
    let name = text(obj, "action", path, None)?;
    let consumer = || text(obj, "consumer", path, None);
    let (action, keys): (Action, &[&str]) = match name.as_str() {
        "stop_consumer" => (
            Action::StopConsumer {
                consumer: consumer()?,
            },
            &["consumer"],
        ),
        "start_consumer" => (
            Action::StartConsumer {
                consumer: consumer()?,
            },
            &["consumer"],
        ),
        "crash_consumer" => (
            Action::CrashConsumer {
                consumer: consumer()?,
            },
            &["consumer"],
        ),
        "restart_broker" => (Action::RestartBroker, &[]),
        "delete_queue" => (
            Action::DeleteQueue {
                vhost: text(obj, "vhost", path, Some("/"))?,
                queue: text(obj, "queue", path, None)?,
            },
            &["vhost", "queue"],
        ),
        "delete_exchange" => (
            Action::DeleteExchange {
                vhost: text(obj, "vhost", path, Some("/"))?,
                exchange: text(obj, "exchange", path, None)?,
            },
            &["vhost", "exchange"],
        ),
        "set_rate" => (
            Action::SetRate {
                producer: text(obj, "producer", path, None)?,
                rate: actors::rate(obj, path)?,
            },
            &["producer", "rate"],
        ),
        "set_processing" => (
            Action::SetProcessing {
                consumer: consumer()?,
                processing: dist(obj, "processing_ms", path, Dist::Fixed(0))?,
                failure_probability: match obj.get("failure_probability") {
                    None | Some(Json::Null) => None,
                    Some(_) => Some(number(obj, "failure_probability", path, (0.0, 1.0), None)?),
                },
            },
            &["consumer", "processing_ms", "failure_probability"],
        ),
        "stop_producer" | "start_producer" => {
            let producer = text(obj, "producer", path, None)?;
            let action = if name == "stop_producer" {
                Action::StopProducer { producer }
            } else {
                Action::StartProducer { producer }
            };
            (action, &["producer"])
        }
        "publish" => (
            Action::Publish {
                producer: text(obj, "producer", path, None)?,
                routing_key: routing_key(obj, path)?,
                headers: match obj.get("headers") {
                    None | Some(Json::Null) => None,
                    Some(_) => Some(crate::fields::table(obj, "headers", path)?),
                },
            },
            &["producer", "routing_key", "headers"],
        ),
        "send" => (
            Action::Send {
                vhost: text(obj, "vhost", path, Some("/"))?,
                exchange: text(obj, "exchange", path, Some(""))?,
                routing_key: routing_key(obj, path)?,
                headers: crate::fields::table(obj, "headers", path)?,
            },
            &["vhost", "exchange", "routing_key", "headers"],
        ),
        "add_consumer" | "add_producer" => {
            let (json, at) = (obj.get("actor").unwrap_or(&Json::Null), join(path, "actor"));
            let action = if name == "add_consumer" {
                Action::AddConsumer(Box::new(actors::consumer(json, &at)?))
            } else {
                Action::AddProducer(Box::new(actors::producer(json, &at)?))
            };
            (action, &["actor"])
        }
        other => match flow_action(obj, path, other)? {
            Some(found) => found,
            None => pattern_action(other, obj, path)?,
        },
    };
    let allowed: Vec<&str> = ["action"].iter().chain(also).chain(keys).copied().collect();
    only_keys(obj, path, &allowed)?;
    Ok(action)
}

/// A publish or send step's routing key (see [`check_routing_key`]).
fn routing_key(obj: &Map<String, Json>, path: &str) -> Result<String, FieldError> {
    let key = text(obj, "routing_key", path, Some(""))?;
    check_routing_key(&key, path)?;
    Ok(key)
}

/// A routing key is at most 255 bytes, as AMQP carries it (the error names `path`'s
/// `routing_key`).
pub(crate) fn check_routing_key(key: &str, path: &str) -> Result<(), FieldError> {
    if key.len() > 255 {
        let what = "a routing key is at most 255 bytes";
        return Err(error(&join(path, "routing_key"), what));
    }
    Ok(())
}

/// The script actions of the patterns: `declare`, `unbind`, `replay_projection`.
fn pattern_action(
    name: &str,
    obj: &Map<String, Json>,
    path: &str,
) -> Result<(Action, &'static [&'static str]), FieldError> {
    Ok(match name {
        "declare" => (
            Action::Declare {
                definitions: fragment(obj, path, false)?,
            },
            &["definitions"],
        ),
        "unbind" => (
            Action::Unbind {
                definitions: fragment(obj, path, true)?,
            },
            &["definitions"],
        ),
        "replay_projection" => (
            Action::ReplayProjection {
                projection: text(obj, "projection", path, None)?,
            },
            &["projection"],
        ),
        _ => {
            return Err(error(
                &join(path, "action"),
                "expected one of: stop_consumer, start_consumer, crash_consumer, \
                 restart_broker, set_rate, set_processing, stop_producer, start_producer, publish, send, add_consumer, add_producer, take_down, bring_back, fail_service, heal_service, \
                 set_exchange_type, declare, unbind, delete_queue, delete_exchange, replay_projection",
            ));
        }
    })
}

/// The `definitions` of a `declare` or `unbind` step; an unbind names bindings only.
fn fragment(
    obj: &Map<String, Json>,
    path: &str,
    bindings_only: bool,
) -> Result<Definitions, FieldError> {
    let at = join(path, "definitions");
    let json = object(obj.get("definitions").unwrap_or(&Json::Null), &at)?;
    let defs = Definitions::from_json(&Json::Object(json.clone()))
        .map_err(|e| error(&join(&at, &e.path), e.message))?;
    // A step declares what runs: what a file of definitions would leave out with a note is a
    // mistake here.
    if let Some((vhost, name)) = defs.left_out.first() {
        let i = (defs.queues.iter()).position(|(v, q)| v == vhost && q.name == *name);
        return Err(error(
            &join(&at, &format!("queues[{}]", i.unwrap_or(0))),
            "a stream queue: Switchyard does not model stream queues, so a step cannot declare one",
        ));
    }
    if let Some((_, _, kind)) = defs.plugin_exchanges.first() {
        let types = (json.get("exchanges").and_then(Json::as_array))
            .map(|all| all.iter().map(|x| x.get("type").and_then(Json::as_str)));
        let i = types.and_then(|mut types| types.position(|t| t == Some(kind.as_str())));
        return Err(error(
            &join(&at, &format!("exchanges[{}].type", i.unwrap_or(0))),
            format!(
                "{kind} is a plugin's exchange type: Switchyard does not model it, so a step cannot declare one"
            ),
        ));
    }
    let empty = defs.exchanges.is_empty() && defs.queues.is_empty() && defs.bindings.is_empty();
    if empty && defs.policies.is_empty() {
        return Err(error(&at, "declares no exchange, queue, binding or policy"));
    }
    let only_bindings =
        defs.exchanges.is_empty() && defs.queues.is_empty() && defs.policies.is_empty();
    if bindings_only && !only_bindings {
        return Err(error(&at, "an unbind lists `bindings` only"));
    }
    Ok(defs)
}

type Found = Option<(Action, &'static [&'static str])>;

/// The actions on a flow's services and on exchange types.
fn flow_action(obj: &Map<String, Json>, path: &str, name: &str) -> Result<Found, FieldError> {
    let service = || text(obj, "service", path, None);
    let action = match name {
        "take_down" => Action::TakeDown {
            service: service()?,
        },
        "bring_back" => Action::BringBack {
            service: service()?,
        },
        "fail_service" => Action::FailService {
            service: service()?,
        },
        "heal_service" => Action::HealService {
            service: service()?,
        },
        "set_exchange_type" => {
            let kind = text(obj, "type", path, None)?;
            let kind = ExchangeType::ALL
                .into_iter()
                .find(|k| k.name() == kind)
                .ok_or_else(|| {
                    error(
                        &join(path, "type"),
                        "expected one of: direct, fanout, topic, headers",
                    )
                })?;
            let action = Action::SetExchangeType {
                vhost: text(obj, "vhost", path, Some("/"))?,
                exchange: text(obj, "exchange", path, None)?,
                kind,
            };
            return Ok(Some((action, &["vhost", "exchange", "type"])));
        }
        _ => return Ok(None),
    };
    Ok(Some((action, &["service"])))
}

fn lesson(root: &Map<String, Json>) -> Result<Vec<LessonStep>, FieldError> {
    let mut out = Vec::new();
    for (i, item) in array(root, "lesson", "", MAX_LESSON)?.iter().enumerate() {
        let path = format!("lesson[{i}]");
        let obj = object(item, &path)?;
        only_keys(obj, &path, &["at_ms", "title", "text"])?;
        out.push(LessonStep {
            at: ms(obj, "at_ms", &path, None)?,
            title: text(obj, "title", &path, Some(""))?,
            text: text(obj, "text", &path, None)?,
        });
    }
    Ok(out)
}
