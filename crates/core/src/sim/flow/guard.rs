//! The circuit breaker around the triggering service's calls: a call is sent only when the
//! breaker in front of its service allows it (an open circuit fails it at once, traced as
//! rejected), each answer or timeout is reported to that breaker (compensations are not), and
//! every change of state is traced on the called service. The state machine is [`breaker`].
//!
//! [`breaker`]: crate::sim::flow::breaker

use crate::sim::engine::Simulation;
use crate::sim::flow::breaker::BreakerState;
use crate::sim::flow::state::ServiceId;
use crate::sim::scheduler::SimTime;
use crate::sim::trace::TraceKind;

const TRIGGER: ServiceId = ServiceId(0);

impl Simulation {
    /// A call that was sent ended: the breaker learns of it (not of compensations).
    pub(crate) fn call_ended(&mut self, t: SimTime, flow: u32, s: ServiceId, ok: bool) {
        let compensating = self
            .state
            .flow
            .as_ref()
            .and_then(|f| f.pending.get(&flow))
            .is_some_and(|p| p.compensating);
        if !compensating {
            self.breaker_result(t, s, ok);
        }
        self.step_done(t, flow, s, ok);
    }

    /// A call from the triggering service, through the circuit breaker if there is one.
    pub(crate) fn call_service(&mut self, t: SimTime, flow: u32, to: ServiceId, compensate: bool) {
        let breaker = self.cast.flow.as_ref().and_then(|c| c.spec.breaker);
        if let Some(spec) = breaker.filter(|_| !compensate) {
            let Some(b) = self
                .state
                .flow
                .as_mut()
                .and_then(|f| f.breakers.get_mut(usize::from(to.0)))
            else {
                return;
            };
            let (allowed, moved) = b.allow(t.0, &spec);
            self.circuit_moved(t, to, moved);
            if !allowed {
                if let Some(fs) = self.state.flow.as_mut() {
                    fs.stats.calls_rejected += 1;
                }
                let node = self.service_node(TRIGGER);
                self.trace
                    .record(t, TraceKind::CallRejected { flow }, None, None, node);
                self.step_done(t, flow, to, false);
                return;
            }
        }
        self.send_call(t, flow, Some(TRIGGER), to, compensate);
    }

    fn breaker_result(&mut self, t: SimTime, s: ServiceId, ok: bool) {
        let Some(spec) = self.cast.flow.as_ref().and_then(|c| c.spec.breaker) else {
            return;
        };
        let moved = self
            .state
            .flow
            .as_mut()
            .and_then(|f| f.breakers.get_mut(usize::from(s.0)))
            .and_then(|b| b.record(t.0, ok, &spec));
        self.circuit_moved(t, s, moved);
    }

    fn circuit_moved(&mut self, t: SimTime, s: ServiceId, moved: Option<BreakerState>) {
        let Some(state) = moved else {
            return;
        };
        let kind = match state {
            BreakerState::Open => TraceKind::CircuitOpened,
            BreakerState::HalfOpen => TraceKind::CircuitHalfOpen,
            BreakerState::Closed => TraceKind::CircuitClosed,
        };
        if let (BreakerState::Open, Some(fs)) = (state, self.state.flow.as_mut()) {
            fs.stats.circuit_opened += 1;
        }
        let node = self.service_node(s);
        self.trace.record(t, kind, None, None, node);
    }
}
