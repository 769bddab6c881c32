//! A flow at run time: what checkpoints copy (each service's up / failing state and its
//! single worker, the caller's arrival process, the flows in progress, the circuit breakers,
//! the counters) and what is fixed once the simulation is built (the node of each service, the
//! publisher and consumer standing for each service in choreography). It holds state; the
//! decisions are in `orchestrate`, `choreograph` and `breaker`.

use crate::sim::actor::producer::Producer;
use crate::sim::actor::{ConsumerId, ProducerId};
use crate::sim::flow::breaker::Breaker;
use crate::sim::flow::spec::{FlowSpec, Style};
use crate::sim::metrics::{CallRates, Metrics, per_second};
use crate::sim::rng::Rng;
use crate::sim::scenario::ProducerSpec;
use crate::sim::world::NodeId;
use crate::vec_map::{DequeMap, VecMap};

/// A service of the flow: 0 is the triggering service, then the reacting services in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceId(pub u16);

/// What the simulation fixed when it was built.
#[derive(Debug, Clone)]
pub(crate) struct FlowCast {
    pub spec: FlowSpec,
    /// The caller's arrival process, as a producer that never publishes.
    pub arrivals: ProducerSpec,
    pub caller: NodeId,
    /// By service id.
    pub nodes: Vec<NodeId>,
    /// Choreography: the publisher standing for each service, by service id.
    pub publishers: Vec<Option<ProducerId>>,
    /// Choreography: the consumer standing for each reacting service, by service id (none for
    /// the triggering service).
    pub consumers: Vec<Option<ConsumerId>>,
}

impl FlowCast {
    pub fn style(&self) -> Style {
        self.spec.style
    }

    pub fn node(&self, s: ServiceId) -> Option<NodeId> {
        self.nodes.get(usize::from(s.0)).copied()
    }

    /// The service standing behind a consumer (choreography).
    pub fn service_of(&self, consumer: ConsumerId) -> Option<ServiceId> {
        let i = self.consumers.iter().position(|c| *c == Some(consumer))?;
        u16::try_from(i).ok().map(ServiceId)
    }

    pub fn service_named(&self, name: &str) -> Option<ServiceId> {
        let i = if self.spec.trigger.service == name {
            0
        } else {
            1 + self.spec.services.iter().position(|s| s.name == name)?
        };
        u16::try_from(i).ok().map(ServiceId)
    }

    /// The name [`FlowCast::service_named`] finds a service by.
    pub fn service_name(&self, s: ServiceId) -> Option<&str> {
        match usize::from(s.0).checked_sub(1) {
            None => Some(&self.spec.trigger.service),
            Some(i) => self.spec.services.get(i).map(|s| s.name.as_str()),
        }
    }

    /// How many services (the trigger and the reacting ones).
    pub fn count(&self) -> usize {
        self.nodes.len()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ServiceState {
    pub up: bool,
    /// Injected failure: every request or event it handles fails.
    pub failing: bool,
    /// Bumped when it goes down: work it had accepted is lost.
    pub epoch: u32,
    /// Its single worker is busy until then (µs): requests wait their turn.
    pub busy_until: u64,
    pub rng: Rng,
    pub handled: u64,
    pub failed: u64,
    /// Orchestration: requests accepted and not yet handled (its backlog), and the most so far.
    pub queued: u64,
    pub most_queued: u64,
}

/// One business flow the caller started, while it is in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pending {
    pub started: u64,
    /// The call the triggering service is waiting for (it numbers each call of the flow).
    pub call: u32,
    /// The service that call went to.
    pub awaiting: Option<ServiceId>,
    /// When that call was sent (µs).
    pub call_sent: u64,
    /// Saga: undoing the steps before the one that failed.
    pub compensating: bool,
    /// The caller has its answer or gave up.
    pub answered: bool,
    /// The triggering service is done with it (answered, or lost it when it went down).
    pub finished: bool,
    /// Started while a service was down.
    pub during_outage: bool,
}

/// What a choreographed saga message asks of the service that consumes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Topic {
    /// Do the step (the previous step's event).
    Step,
    /// Undo the step (a compensation event).
    Compensate,
}

/// The flow's counters, for the summary and the comparison.
#[derive(Debug, Clone)]
pub struct FlowStats {
    /// Requests the caller sent.
    pub requests: u64,
    pub answered_ok: u64,
    pub answered_error: u64,
    /// The caller gave up waiting.
    pub caller_timeouts: u64,
    /// Requests started while a service was down that got an error or no answer.
    pub failed_during_outage: u64,
    /// Synchronous calls between services (commands and compensations included).
    pub calls: u64,
    pub call_errors: u64,
    pub call_timeouts: u64,
    /// Calls an open circuit refused without sending them.
    pub calls_rejected: u64,
    pub circuit_opened: u64,
    pub events_published: u64,
    pub sagas_completed: u64,
    pub sagas_compensated: u64,
    pub compensations: u64,
    /// Caller response times (µs), answered requests only.
    pub response: Metrics,
    /// Who called whom synchronously (by service id; the caller is not a service), sorted,
    /// no repeats: a set of a few pairs (a `BTreeSet` would link a B-tree for them).
    pub dependencies: Vec<(ServiceId, ServiceId)>,
}

impl Default for FlowStats {
    fn default() -> Self {
        FlowStats {
            requests: 0,
            answered_ok: 0,
            answered_error: 0,
            caller_timeouts: 0,
            failed_during_outage: 0,
            calls: 0,
            call_errors: 0,
            call_timeouts: 0,
            calls_rejected: 0,
            circuit_opened: 0,
            events_published: 0,
            sagas_completed: 0,
            sagas_compensated: 0,
            compensations: 0,
            response: Metrics::new(0),
            dependencies: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FlowState {
    pub arrivals: Producer,
    pub latency_rng: Rng,
    pub services: Vec<ServiceState>,
    /// By service id (the triggering service's is never used).
    pub breakers: Vec<Breaker>,
    pub pending: VecMap<u32, Pending>,
    pub next_flow: u32,
    /// Choreographed saga: message id → (flow, what it asks).
    pub messages: DequeMap<u64, (u32, Topic)>,
    pub stats: FlowStats,
    /// When the rates were last sampled, and the counters then: requests, calls, answered
    /// ok, failed (see [`CallRates`]).
    pub sampled: (u64, [u64; 4]),
}

impl FlowState {
    /// Random streams far from the actors' (which use 0, 1, 2, … from the seed).
    pub fn new(cast: &FlowCast, seed: u64) -> FlowState {
        const BASE: u64 = 1 << 40;
        let services = (0..cast.count())
            .map(|i| ServiceState {
                up: true,
                failing: false,
                epoch: 0,
                busy_until: 0,
                rng: Rng::stream(seed, BASE + 2 + i as u64),
                handled: 0,
                failed: 0,
                queued: 0,
                most_queued: 0,
            })
            .collect();
        FlowState {
            arrivals: Producer::new(&cast.arrivals, Rng::stream(seed, BASE)),
            latency_rng: Rng::stream(seed, BASE + 1),
            services,
            breakers: vec![Breaker::default(); cast.count()],
            pending: VecMap::new(),
            next_flow: 0,
            messages: DequeMap::new(),
            stats: FlowStats::default(),
            sampled: (0, [0; 4]),
        }
    }

    /// The rates since the previous sample, taken at `now` (µs).
    pub fn sample(&mut self, now: u64) -> CallRates {
        let s = &self.stats;
        let counts = [
            s.requests,
            s.calls,
            s.answered_ok,
            s.answered_error + s.caller_timeouts,
        ];
        let (then, [requests, calls, answered_ok, failed]) = self.sampled;
        let rate = per_second(then, now);
        self.sampled = (now, counts);
        CallRates {
            requests: rate(counts[0], requests),
            calls: rate(counts[1], calls),
            answered_ok: rate(counts[2], answered_ok),
            failed: rate(counts[3], failed),
        }
    }

    pub fn service(&mut self, s: ServiceId) -> Option<&mut ServiceState> {
        self.services.get_mut(usize::from(s.0))
    }

    /// Whether any service is down now.
    pub fn outage(&self) -> bool {
        self.services.iter().any(|s| !s.up)
    }
}
