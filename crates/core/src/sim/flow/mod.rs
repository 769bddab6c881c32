//! Business flows: one flow described once in the scenario (`"flow"`: a caller, a triggering
//! service and its event, the reacting services, optionally a saga and a circuit breaker),
//! run in either style on the same seed and load — orchestration (synchronous calls: request,
//! response, timeout, error) or choreography (one event on a built exchange, one queue and
//! consumer per service) — plus the side-by-side comparison of the two.
//!
//! # Layout
//! - [`spec`]: the `"flow"` key and its errors.
//! - [`build`]: what the simulation adds for a flow when it is built (service nodes; in
//!   choreography the exchange, queues, bindings, publishers and consumers).
//! - [`state`]: the run-time state checkpoints copy, and the fixed cast.
//! - `orchestrate`: the caller's requests and the synchronous calls, the saga orchestrator.
//! - `choreograph`: the events, the choreographed saga, take down / bring back.
//! - `guard`: the circuit breaker around each call; [`breaker`]: its state machine.
//! - [`compare()`]: one scenario run in both styles, the figures side by side.
//!
//! It drives the broker only through its public API, like the rest of the engine.

pub mod breaker;
pub mod build;
mod choreograph;
pub mod compare;
mod guard;
mod orchestrate;
pub mod spec;
pub mod state;

pub use choreograph::request_correlation;
pub use compare::{Comparison, StyleFigures, compare};
pub use spec::{FlowSpec, Style};
pub use state::{FlowStats, ServiceId};

use crate::event::MessageId;
use crate::sim::engine::Simulation;
use crate::sim::flow::state::Topic;
use crate::sim::messages::{MessageInfo, Origin};
use crate::sim::metrics::Metrics;
use crate::sim::scheduler::SimTime;
use crate::sim::world::NodeId;

impl Simulation {
    pub(crate) fn flow_event(&mut self, t: SimTime, event: FlowEvent) {
        match event {
            FlowEvent::Arrival => self.arrival(t),
            FlowEvent::Request {
                flow,
                service,
                call,
                compensate,
            } => self.request(t, flow, service, call, compensate),
            FlowEvent::Done {
                flow,
                service,
                epoch,
                call,
                compensate,
            } => self.done(t, flow, (service, epoch, call), compensate),
            FlowEvent::Response {
                flow,
                service,
                call,
                ok,
            } => self.response(t, flow, service, call, ok),
            FlowEvent::Timeout {
                flow,
                service,
                call,
            } => self.timeout(t, flow, service, call),
            FlowEvent::Publish {
                flow,
                from,
                to,
                sent,
            } => self.publish_event(t, flow, from, to, sent),
        }
    }

    /// The flow's service (or triggering service) with this name: what `Control::TakeDown`
    /// and the other service controls take.
    pub fn service_id(&self, name: &str) -> Option<ServiceId> {
        self.cast.flow.as_ref()?.service_named(name)
    }

    /// The flow as built (its style included), when the scenario has one.
    pub fn flow(&self) -> Option<&FlowSpec> {
        self.cast.flow.as_ref().map(|f| &f.spec)
    }

    /// The node of the flow's caller, the client outside the services that sends the requests.
    pub fn flow_caller(&self) -> Option<NodeId> {
        self.cast.flow.as_ref().map(|f| f.caller)
    }

    /// The caller's response times so far (its answered requests), when the scenario has a flow.
    pub fn flow_response(&self) -> Option<&Metrics> {
        self.state.flow.as_ref().map(|f| &f.stats.response)
    }

    /// The flow's figures so far (see [`StyleFigures`]).
    pub fn flow_figures(&self) -> Option<StyleFigures> {
        StyleFigures::of(self)
    }

    /// The caller's request a message was published for: read from its correlation id (see
    /// [`request_correlation`]) when a flow's service published it (choreography).
    pub fn message_request(&self, id: MessageId) -> Option<u32> {
        self.request_of(self.message(id)?)
    }

    /// The events published for the caller's request `flow` that the inspector's table of
    /// messages still holds, oldest first (none in orchestration: its calls are no messages).
    pub fn request_messages(&self, flow: u32) -> Vec<MessageId> {
        self.messages()
            .filter(|m| self.request_of(m) == Some(flow))
            .map(|m| m.id)
            .collect()
    }

    /// [`Simulation::message_request`] of a message at hand.
    fn request_of(&self, info: &MessageInfo) -> Option<u32> {
        let publishers = &self.cast.flow.as_ref()?.publishers;
        let Origin::Producer(p) = info.origin else {
            return None;
        };
        if !publishers.contains(&Some(p)) {
            return None;
        }
        let correlation = info.properties().correlation_id.as_deref()?;
        correlation.strip_prefix(choreograph::REQUEST)?.parse().ok()
    }

    /// Each service's state now, by service id (the triggering service first): what the app
    /// shows beside its take down / bring back buttons.
    pub fn services(&self) -> Vec<ServiceView> {
        let (Some(cast), Some(fs)) = (self.cast.flow.as_ref(), self.state.flow.as_ref()) else {
            return Vec::new();
        };
        let breaker = cast.spec.breaker.is_some();
        fs.services
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let id = ServiceId(u16::try_from(i).ok()?);
                Some(ServiceView {
                    id,
                    node: cast.node(id)?,
                    up: s.up,
                    failing: s.failing,
                    handled: s.handled,
                    failed: s.failed,
                    circuit: fs
                        .breakers
                        .get(i)
                        .filter(|_| breaker && i > 0)
                        .map(|b| b.state),
                })
            })
            .collect()
    }

    /// Who is waiting for whom now (a waiting caller, drawn by the app): the caller for the
    /// triggering service, the triggering service for the service it called.
    pub fn flow_waits(&self) -> Vec<Wait> {
        let (Some(cast), Some(fs)) = (self.cast.flow.as_ref(), self.state.flow.as_ref()) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (flow, p) in &fs.pending {
            let trigger = cast.node(ServiceId(0));
            if let Some(on) = trigger.filter(|_| !p.answered) {
                let (waiter, since) = (cast.caller, p.started);
                out.push(Wait {
                    flow: *flow,
                    waiter,
                    on,
                    since,
                });
            }
            let called = p.awaiting.and_then(|s| cast.node(s));
            if let (Some(waiter), Some(on)) = (trigger.filter(|_| !p.finished), called) {
                out.push(Wait {
                    flow: *flow,
                    waiter,
                    on,
                    since: p.call_sent,
                });
            }
        }
        out
    }
}

/// A service as the app shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceView {
    pub id: ServiceId,
    pub node: NodeId,
    pub up: bool,
    pub failing: bool,
    pub handled: u64,
    pub failed: u64,
    /// The circuit breaker in front of it, when the flow has breakers (not for the trigger).
    pub circuit: Option<breaker::BreakerState>,
}

/// A node waiting for another's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub flow: u32,
    pub waiter: NodeId,
    pub on: NodeId,
    /// Since when (µs).
    pub since: u64,
}

/// A scheduled event of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowEvent {
    /// The caller sends its next request.
    Arrival,
    /// A request (or a compensation command) reaches a service.
    Request {
        flow: u32,
        service: ServiceId,
        call: u32,
        compensate: bool,
    },
    /// A service has handled a request.
    Done {
        flow: u32,
        service: ServiceId,
        epoch: u32,
        call: u32,
        compensate: bool,
    },
    /// An answer from `service` reaches whoever called it (the caller, for service 0).
    Response {
        flow: u32,
        service: ServiceId,
        call: u32,
        ok: bool,
    },
    /// Whoever called `service` stops waiting for `call`.
    Timeout {
        flow: u32,
        service: ServiceId,
        call: u32,
    },
    /// Choreography: an event of `from` reaches the exchange; `to` is the saga step it asks
    /// something of (none: the triggering event every service reacts to).
    Publish {
        flow: u32,
        from: ServiceId,
        to: Option<(ServiceId, Topic)>,
        sent: u64,
    },
}
