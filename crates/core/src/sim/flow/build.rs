//! What a flow adds when the simulation is built. In both styles: a service node for the
//! caller and for each service. In choreography also the broker topology — the flow's topic
//! exchange, one queue per reacting service bound to the event it reacts to (in a saga, to the
//! previous step's event and to its own compensation event) — a publisher standing for each
//! service that publishes and a consumer standing for each reacting service. Building again
//! (the built scenario, perhaps in the other style) first removes what the last build added.

use crate::broker::Broker;
use crate::exchange::ExchangeType;
use crate::fields::{FieldError, error};
use crate::sim::actor::{ConsumerId, ProducerId};
use crate::sim::engine::Control;
pub use crate::sim::flow::choreograph::FLOW_VHOST;
use crate::sim::flow::spec::{FlowSpec, Style};
use crate::sim::flow::state::FlowCast;
use crate::sim::rng::Dist;
use crate::sim::scenario::write::dist;
use crate::sim::scenario::{Action, ConsumerSpec, ProducerSpec, Scenario, actors};
use crate::sim::world::{NodeKind, World};
use crate::topology::{BindingDecl, Destination, ExchangeDecl, QueueDecl};
use crate::value::Table;
use serde_json::json;

/// Deliveries a service's consumer may hold unacknowledged.
const PREFETCH: u16 = 10;

/// The queue a service consumes from in choreography.
pub fn queue_name(service: &str) -> String {
    format!("{service}.events")
}

/// Choreography: declares the flow's exchange, queues and bindings and adds the publishers
/// and consumers standing for the services. Nothing in orchestration.
pub(crate) fn prepare(scenario: &mut Scenario, broker: &mut Broker) -> Result<(), FieldError> {
    let Some(spec) = scenario.flow.clone() else {
        return Ok(());
    };
    // What an earlier build added (perhaps in the other style) goes: it is added again.
    scenario.producers.retain(|p| !spec.is_service(&p.name));
    scenario.consumers.retain(|c| !spec.is_service(&c.name));
    if spec.style != Style::Choreography {
        return Ok(());
    }
    let refused = |path: &str, e: crate::error::BrokerError| error(path, e.reply_text());
    let exchange = &spec.trigger.exchange;
    let decl = ExchangeDecl::new(exchange.clone(), ExchangeType::Topic);
    broker
        .declare_exchange(FLOW_VHOST, decl)
        .map_err(|e| refused("flow.trigger.exchange", e))?;
    for (i, (service, keys)) in bindings(&spec).into_iter().enumerate() {
        let path = format!("flow.services[{i}]");
        let queue = queue_name(&service);
        broker
            .declare_queue(FLOW_VHOST, QueueDecl::new(queue.clone()))
            .map_err(|e| refused(&path, e))?;
        for key in keys {
            let bind = BindingDecl {
                source: exchange.clone(),
                destination: Destination::Queue(queue.clone()),
                routing_key: key,
                arguments: Table::new(),
            };
            broker
                .bind(FLOW_VHOST, bind)
                .map_err(|e| refused(&path, e))?;
        }
        let processing = spec
            .services
            .get(i)
            .map_or(Dist::Fixed(0), |s| s.processing);
        if !scenario.consumers.iter().any(|c| c.name == service) {
            scenario
                .consumers
                .push(consumer(&service, queue, processing)?);
        }
    }
    let publishers = std::iter::once(&spec.trigger.service)
        .chain(spec.services.iter().map(|s| &s.name).filter(|_| spec.saga));
    for name in publishers {
        scenario.producers.push(publisher(name, exchange)?);
    }
    Ok(())
}

/// Each reacting service with the routing keys its queue is bound with.
fn bindings(spec: &FlowSpec) -> Vec<(String, Vec<String>)> {
    let mut previous = spec.trigger.event.clone();
    spec.services
        .iter()
        .map(|s| {
            let keys = if spec.saga {
                vec![
                    std::mem::replace(&mut previous, s.event.clone()),
                    s.compensation.clone(),
                ]
            } else {
                vec![spec.trigger.event.clone()]
            };
            (s.name.clone(), keys)
        })
        .collect()
}

/// Read through the scenario reader, so every other field takes its documented default.
fn consumer(name: &str, queue: String, processing: Dist) -> Result<ConsumerSpec, FieldError> {
    let json = json!({"name": name, "vhost": FLOW_VHOST, "queue": queue, "prefetch": PREFETCH,
        "processing_ms": dist(&processing), "on_failure": "ack"});
    actors::consumer(&json, &format!("the consumer standing for `{name}`"))
}

/// A producer that publishes only when the flow tells it to (its rate never fires).
fn publisher(name: &str, exchange: &str) -> Result<ProducerSpec, FieldError> {
    let json = json!({"name": name, "vhost": FLOW_VHOST, "exchange": exchange,
        "rate": {"kind": "script", "at_ms": []}});
    actors::producer(&json, &format!("the publisher standing for `{name}`"))
}

/// Adds the service nodes (before the actors', so the actors standing for services share
/// them) and finds the publishers and consumers by name.
pub(crate) fn cast(scenario: &Scenario, world: &mut World) -> Option<FlowCast> {
    let spec = scenario.flow.clone()?;
    let caller = world.add(NodeKind::Service, FLOW_VHOST, &spec.caller);
    let names: Vec<String> = std::iter::once(spec.trigger.service.clone())
        .chain(spec.services.iter().map(|s| s.name.clone()))
        .collect();
    let choreography = spec.style == Style::Choreography;
    let mut cast = FlowCast {
        arrivals: ProducerSpec {
            rate: spec.trigger.rate.clone(),
            start: spec.trigger.start,
            stop: spec.trigger.stop,
            ..publisher(&spec.caller, "").ok()?
        },
        spec,
        caller,
        nodes: Vec::new(),
        publishers: Vec::new(),
        consumers: Vec::new(),
    };
    for (i, name) in names.iter().enumerate() {
        cast.nodes
            .push(world.add(NodeKind::Service, FLOW_VHOST, name));
        let producer = scenario.producers.iter().position(|p| &p.name == name);
        let consumer = scenario.consumers.iter().position(|c| &c.name == name);
        let publishes = choreography && (i == 0 || cast.spec.saga);
        cast.publishers
            .push(producer.filter(|_| publishes).map(|p| ProducerId(p as u32)));
        cast.consumers.push(
            consumer
                .filter(|_| choreography && i > 0)
                .map(|c| ConsumerId(c as u32)),
        );
    }
    Some(cast)
}

/// A script action on a flow's service or an exchange's type, resolved to a control.
pub(crate) fn control(
    action: &Action,
    flow: Option<&FlowCast>,
    world: &World,
    path: &str,
) -> Result<Control, FieldError> {
    let service = |name: &str| {
        flow.and_then(|f| f.service_named(name)).ok_or_else(|| {
            let what = format!("no service of the scenario's flow is named `{name}`");
            error(&format!("{path}.service"), what)
        })
    };
    Ok(match action {
        Action::TakeDown { service: s } => Control::TakeDown(service(s)?),
        Action::BringBack { service: s } => Control::BringBack(service(s)?),
        Action::FailService { service: s } => Control::FailService(service(s)?),
        Action::HealService { service: s } => Control::HealService(service(s)?),
        Action::SetExchangeType {
            vhost,
            exchange,
            kind,
        } => {
            let node = world.exchange(vhost, exchange).ok_or_else(|| {
                let what = format!("exchange `{exchange}` is not declared in vhost `{vhost}`");
                error(&format!("{path}.exchange"), what)
            })?;
            Control::SetExchangeType {
                exchange: node,
                kind: *kind,
            }
        }
        _ => return Err(error(&format!("{path}.action"), "is not a flow action")),
    })
}
