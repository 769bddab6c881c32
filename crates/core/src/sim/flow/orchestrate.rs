//! Orchestration: the caller's requests to the triggering service and that service's
//! synchronous calls to each reacting service in turn (request edge, the callee's single
//! worker, response edge, a timeout for a callee that is down or slow, an error answer for a
//! failing one), the circuit breaker in front of each call, and the saga orchestrator that
//! undoes the completed steps in reverse when one fails. The caller is answered when the
//! flow is done; a caller that waited too long counts a timeout. Every event is traced.

use crate::sim::engine::Simulation;
use crate::sim::flow::FlowEvent;
use crate::sim::flow::spec::Style;
use crate::sim::flow::state::{Pending, ServiceId};
use crate::sim::handle::SimEvent;
use crate::sim::scheduler::SimTime;
use crate::sim::trace::{Edge, TraceKind};
use crate::sim::world::NodeId;

const TRIGGER: ServiceId = ServiceId(0);

impl Simulation {
    /// Schedules the caller's first request.
    pub(crate) fn schedule_flow_start(&mut self) {
        let (Some(cast), Some(fs)) = (self.cast.flow.as_ref(), self.state.flow.as_mut()) else {
            return;
        };
        if let Some(at) = fs.arrivals.first(&cast.arrivals) {
            let event = SimEvent::Flow(FlowEvent::Arrival);
            self.state.sched.schedule_in(at, event);
        }
    }

    pub(crate) fn arrival(&mut self, t: SimTime) {
        let (Some(cast), Some(fs)) = (self.cast.flow.as_ref(), self.state.flow.as_mut()) else {
            return;
        };
        if let Some(next) = fs.arrivals.next_after(&cast.arrivals, t.0) {
            let event = SimEvent::Flow(FlowEvent::Arrival);
            self.state
                .sched
                .schedule_in(next.saturating_sub(t.0), event);
        }
        let flow = fs.next_flow;
        fs.next_flow = fs.next_flow.saturating_add(1);
        fs.stats.requests += 1;
        let pending = Pending {
            started: t.0,
            call: 0,
            awaiting: None,
            call_sent: t.0,
            compensating: false,
            answered: false,
            finished: false,
            during_outage: fs.outage(),
        };
        fs.pending.insert(flow, pending);
        self.send_call(t, flow, None, TRIGGER, false);
    }

    /// Sends a request from `from` (none: the caller) to `to`, with its timeout.
    pub(crate) fn send_call(
        &mut self,
        t: SimTime,
        flow: u32,
        from: Option<ServiceId>,
        to: ServiceId,
        compensate: bool,
    ) {
        let (Some(cast), Some(fs)) = (self.cast.flow.as_ref(), self.state.flow.as_mut()) else {
            return;
        };
        let latency = cast.spec.call_latency.sample(&mut fs.latency_rng);
        let (call, wait) = match from {
            None => (0, cast.spec.caller_timeout),
            Some(from) => {
                fs.stats.calls += 1;
                fs.stats.compensations += u64::from(compensate);
                if let Err(i) = fs.stats.dependencies.binary_search(&(from, to)) {
                    fs.stats.dependencies.insert(i, (from, to));
                }
                let Some(p) = fs.pending.get_mut(&flow) else {
                    return;
                };
                p.call += 1;
                p.awaiting = Some(to);
                p.call_sent = t.0;
                (p.call, cast.spec.timeout)
            }
        };
        let source = from.map_or(Some(cast.caller), |s| cast.node(s));
        let edge = source.zip(cast.node(to)).map(|(a, b)| Edge {
            from: a,
            to: b,
            depart: t,
            arrive: t.plus(latency),
        });
        let kind = if compensate {
            TraceKind::Compensate { flow }
        } else {
            TraceKind::Request { flow }
        };
        self.trace.record(t, kind, None, edge, None);
        let sched = &mut self.state.sched;
        let request = FlowEvent::Request {
            flow,
            service: to,
            call,
            compensate,
        };
        sched.schedule_in(latency, SimEvent::Flow(request));
        let timeout = FlowEvent::Timeout {
            flow,
            service: to,
            call,
        };
        sched.schedule_in(wait, SimEvent::Flow(timeout));
    }

    /// A request reaches a service: a service that is down never answers; otherwise its
    /// worker takes it when free.
    pub(crate) fn request(
        &mut self,
        t: SimTime,
        flow: u32,
        s: ServiceId,
        call: u32,
        compensate: bool,
    ) {
        let (Some(cast), Some(fs)) = (self.cast.flow.as_ref(), self.state.flow.as_mut()) else {
            return;
        };
        let processing = match usize::from(s.0).checked_sub(1) {
            None => &cast.spec.trigger.processing,
            Some(i) => match cast.spec.services.get(i) {
                Some(spec) => &spec.processing,
                None => return,
            },
        };
        let Some(st) = fs.services.get_mut(usize::from(s.0)) else {
            return;
        };
        if !st.up {
            // The request is lost; a caller that gave up already is forgotten.
            if s == TRIGGER
                && let Some(p) = fs.pending.get_mut(&flow)
            {
                p.finished = true;
                fs.pending.retain(|k, p| *k != flow || !p.answered);
            }
            return;
        }
        st.queued += 1;
        st.most_queued = st.most_queued.max(st.queued);
        let start = st.busy_until.max(t.0);
        st.busy_until = start.saturating_add(processing.sample(&mut st.rng));
        let done = FlowEvent::Done {
            flow,
            service: s,
            epoch: st.epoch,
            call,
            compensate,
        };
        let delay = st.busy_until.saturating_sub(t.0);
        self.state.sched.schedule_in(delay, SimEvent::Flow(done));
    }

    pub(crate) fn done(
        &mut self,
        t: SimTime,
        flow: u32,
        (s, epoch, call): (ServiceId, u32, u32),
        undo: bool,
    ) {
        let (Some(cast), Some(fs)) = (self.cast.flow.as_ref(), self.state.flow.as_mut()) else {
            return;
        };
        let p = match usize::from(s.0).checked_sub(1) {
            None => cast.spec.trigger.failure_probability,
            Some(i) => cast
                .spec
                .services
                .get(i)
                .map_or(0.0, |x| x.failure_probability),
        };
        let Some(st) = fs
            .services
            .get_mut(usize::from(s.0))
            .filter(|x| x.epoch == epoch)
        else {
            return;
        };
        st.handled += 1;
        st.queued = st.queued.saturating_sub(1);
        let ok = !st.failing && (undo || !st.rng.chance(p));
        st.failed += u64::from(!ok);
        let style = cast.style();
        match (s, ok, style) {
            (TRIGGER, false, _) => self.finish(t, flow, false),
            (TRIGGER, true, Style::Orchestration) => self.step_done(t, flow, TRIGGER, true),
            (TRIGGER, true, Style::Choreography) => {
                let to = cast
                    .spec
                    .saga
                    .then_some((ServiceId(1), super::state::Topic::Step));
                self.publish_later(t, flow, TRIGGER, to);
                self.finish(t, flow, true);
            }
            _ => self.answer(t, flow, s, call, ok),
        }
    }

    /// A called service answers the triggering service.
    fn answer(&mut self, t: SimTime, flow: u32, s: ServiceId, call: u32, ok: bool) {
        let (Some(cast), Some(fs)) = (self.cast.flow.as_ref(), self.state.flow.as_mut()) else {
            return;
        };
        let latency = cast.spec.call_latency.sample(&mut fs.latency_rng);
        let edge = self.flow_edge(s, Some(TRIGGER), t, latency);
        self.trace
            .record(t, TraceKind::Response { flow, ok }, None, edge, None);
        let event = FlowEvent::Response {
            flow,
            service: s,
            call,
            ok,
        };
        self.state.sched.schedule_in(latency, SimEvent::Flow(event));
    }

    /// The triggering service answers the caller.
    fn finish(&mut self, t: SimTime, flow: u32, ok: bool) {
        let (Some(cast), Some(fs)) = (self.cast.flow.as_ref(), self.state.flow.as_mut()) else {
            return;
        };
        let Some(p) = fs.pending.get_mut(&flow).filter(|p| !p.finished) else {
            return;
        };
        p.finished = true;
        let latency = cast.spec.call_latency.sample(&mut fs.latency_rng);
        let edge = self.flow_edge(TRIGGER, None, t, latency);
        self.trace
            .record(t, TraceKind::Response { flow, ok }, None, edge, None);
        let event = FlowEvent::Response {
            flow,
            service: TRIGGER,
            call: 0,
            ok,
        };
        self.state.sched.schedule_in(latency, SimEvent::Flow(event));
    }

    /// An edge from service `from` to service `to` (none: the caller).
    pub(crate) fn flow_edge(
        &self,
        from: ServiceId,
        to: Option<ServiceId>,
        t: SimTime,
        latency: u64,
    ) -> Option<Edge> {
        let cast = self.cast.flow.as_ref()?;
        let to = match to {
            None => cast.caller,
            Some(s) => cast.node(s)?,
        };
        Some(Edge {
            from: cast.node(from)?,
            to,
            depart: t,
            arrive: t.plus(latency),
        })
    }

    pub(crate) fn response(&mut self, t: SimTime, flow: u32, s: ServiceId, call: u32, ok: bool) {
        let Some(fs) = self.state.flow.as_mut() else {
            return;
        };
        if s == TRIGGER {
            let Some(p) = fs.pending.get_mut(&flow) else {
                return;
            };
            if !p.answered {
                p.answered = true;
                let (started, outage) = (p.started, p.during_outage);
                let stats = &mut fs.stats;
                stats.response.latency(t.0.saturating_sub(started));
                stats.answered_ok += u64::from(ok);
                stats.answered_error += u64::from(!ok);
                stats.failed_during_outage += u64::from(!ok && outage);
            }
            fs.pending
                .retain(|k, p| *k != flow || !(p.answered && p.finished));
            return;
        }
        if !self.awaits(flow, s, call) {
            return;
        }
        if let Some(fs) = self.state.flow.as_mut() {
            fs.stats.call_errors += u64::from(!ok);
        }
        self.call_ended(t, flow, s, ok);
    }

    /// Whether the triggering service (up) still waits for `call` of `flow` from `s`.
    fn awaits(&self, flow: u32, s: ServiceId, call: u32) -> bool {
        let Some(fs) = self.state.flow.as_ref() else {
            return false;
        };
        let up = fs.services.first().is_some_and(|x| x.up);
        let p = fs.pending.get(&flow);
        up && p.is_some_and(|p| !p.finished && p.call == call && p.awaiting == Some(s))
    }

    pub(crate) fn timeout(&mut self, t: SimTime, flow: u32, s: ServiceId, call: u32) {
        let Some(fs) = self.state.flow.as_mut() else {
            return;
        };
        if s == TRIGGER {
            let Some(p) = fs.pending.get_mut(&flow).filter(|p| !p.answered) else {
                return;
            };
            p.answered = true;
            fs.stats.caller_timeouts += 1;
            fs.stats.failed_during_outage += u64::from(p.during_outage);
            fs.pending.retain(|k, p| *k != flow || !p.finished);
            let node = self.cast.flow.as_ref().map(|c| c.caller);
            self.trace
                .record(t, TraceKind::CallTimeout { flow }, None, None, node);
            return;
        }
        if !self.awaits(flow, s, call) {
            return;
        }
        if let Some(fs) = self.state.flow.as_mut() {
            fs.stats.call_timeouts += 1;
        }
        let node = self.service_node(TRIGGER);
        self.trace
            .record(t, TraceKind::CallTimeout { flow }, None, None, node);
        self.call_ended(t, flow, s, false);
    }

    pub(crate) fn service_node(&self, s: ServiceId) -> Option<NodeId> {
        self.cast.flow.as_ref()?.node(s)
    }

    /// The call to `s` (the trigger's own work for service 0) ended: go on, compensate or
    /// answer the caller.
    pub(crate) fn step_done(&mut self, t: SimTime, flow: u32, s: ServiceId, ok: bool) {
        let (Some(cast), Some(fs)) = (self.cast.flow.as_ref(), self.state.flow.as_mut()) else {
            return;
        };
        let Some(p) = fs.pending.get_mut(&flow) else {
            return;
        };
        p.awaiting = None;
        let compensating = p.compensating;
        let last = ServiceId(u16::try_from(cast.spec.services.len()).unwrap_or(u16::MAX));
        let saga = cast.spec.saga;
        match (compensating, ok) {
            (false, true) if s < last => self.call_service(t, flow, ServiceId(s.0 + 1), false),
            (false, true) => {
                if saga {
                    self.saga_end(t, TraceKind::SagaCompleted { flow });
                }
                self.finish(t, flow, true);
            }
            (false, false) if saga => self.compensate_before(t, flow, s),
            (false, false) => self.finish(t, flow, false),
            // A compensation ended (a failed one is counted; the saga goes on undoing).
            (true, _) => self.compensate_before(t, flow, s),
        }
    }

    /// Undoes the step before `s`, or ends the saga as compensated.
    fn compensate_before(&mut self, t: SimTime, flow: u32, s: ServiceId) {
        if let Some(p) = self
            .state
            .flow
            .as_mut()
            .and_then(|f| f.pending.get_mut(&flow))
        {
            p.compensating = true;
        }
        if s.0 > 1 {
            self.call_service(t, flow, ServiceId(s.0 - 1), true);
        } else {
            self.saga_end(t, TraceKind::SagaCompensated { flow });
            self.finish(t, flow, false);
        }
    }

    fn saga_end(&mut self, t: SimTime, kind: TraceKind) {
        if let Some(fs) = self.state.flow.as_mut() {
            let completed = matches!(kind, TraceKind::SagaCompleted { .. });
            fs.stats.sagas_completed += u64::from(completed);
            fs.stats.sagas_compensated += u64::from(!completed);
        }
        let node = self.service_node(TRIGGER);
        self.trace.record(t, kind, None, None, node);
    }
}
