//! Choreography: a service's event is published to the flow's exchange (through the broker,
//! drawn from the service's node) and each service consumes from its own queue; in a saga each
//! step's event asks the next step to act, and a failed step's compensation event asks the
//! one before to undo, down to the first. Also the service controls both styles share: take
//! down (in choreography its consumer's connection dies and its queue grows), bring back (it
//! consumes again and catches up), fail and heal.

use crate::event::MessageId;
use crate::message::Publish;
use crate::sim::actor::ConsumerId;
use crate::sim::engine::{Control, Simulation};
use crate::sim::flow::FlowEvent;
use crate::sim::flow::spec::Style;
use crate::sim::flow::state::{ServiceId, Topic};
use crate::sim::handle::SimEvent;
use crate::sim::scheduler::SimTime;
use crate::sim::trace::TraceKind;

/// The vhost a flow's exchange and queues live in.
pub const FLOW_VHOST: &str = "/";

/// The correlation id of every event published for the caller's request `flow`: the
/// triggering service's and, in a saga, each step's and compensation's, as a real service
/// passes the id of the request it works for along with its events.
pub fn request_correlation(flow: u32) -> String {
    format!("{REQUEST}{flow}")
}

/// What a [`request_correlation`] starts with: the request's number follows.
pub(crate) const REQUEST: &str = "request-";

impl Simulation {
    /// Schedules `from`'s event to reach the exchange after the publish latency.
    pub(crate) fn publish_later(
        &mut self,
        t: SimTime,
        flow: u32,
        from: ServiceId,
        to: Option<(ServiceId, Topic)>,
    ) {
        let Some(fs) = self.state.flow.as_mut() else {
            return;
        };
        let latency = self.scenario.latency.publish.sample(&mut fs.latency_rng);
        let event = FlowEvent::Publish {
            flow,
            from,
            to,
            sent: t.0,
        };
        self.state.sched.schedule_in(latency, SimEvent::Flow(event));
    }

    /// The routing key of an event asking `to` something (none: the triggering event).
    fn event_key(&self, to: Option<(ServiceId, Topic)>) -> Option<String> {
        let spec = &self.cast.flow.as_ref()?.spec;
        let step = |s: ServiceId| spec.services.get(usize::from(s.0).checked_sub(1)?);
        Some(match to {
            None => spec.trigger.event.clone(),
            Some((ServiceId(1), Topic::Step)) => spec.trigger.event.clone(),
            Some((s, Topic::Step)) => step(ServiceId(s.0 - 1))?.event.clone(),
            Some((s, Topic::Compensate)) => step(s)?.compensation.clone(),
        })
    }

    pub(crate) fn publish_event(
        &mut self,
        t: SimTime,
        flow: u32,
        from: ServiceId,
        to: Option<(ServiceId, Topic)>,
        sent: u64,
    ) {
        let Some(cast) = self.cast.flow.as_ref() else {
            return;
        };
        let publisher = cast.publishers.get(usize::from(from.0)).copied().flatten();
        let (Some(key), Some(publisher)) = (self.event_key(to), publisher) else {
            return;
        };
        let mut publish = Publish::new(cast.spec.trigger.exchange.clone(), key);
        publish.properties.correlation_id = Some(request_correlation(flow));
        let result = (self.state.broker).publish_sent(FLOW_VHOST, &publish, t.as_ms(), sent);
        match result {
            Ok(outcome) => {
                if let Some(fs) = self.state.flow.as_mut() {
                    fs.stats.events_published += 1;
                    if let Some((_, topic)) = to {
                        fs.messages.insert(outcome.message.0, (flow, topic));
                    }
                }
                // What it was published with, for the inspector, as for any producer's.
                self.remember_publish(publisher, outcome.content, t);
                self.observe(t, Some((publisher, SimTime(sent))));
            }
            Err(_) => {
                let node = self.service_node(from);
                self.after_broker(t, true, node);
            }
        }
    }

    /// A consumer standing for a service has handled a delivery (choreography). Inlined: a
    /// scenario without a flow, the usual case, only checks.
    #[inline]
    pub(crate) fn flow_processed(&mut self, t: SimTime, consumer: ConsumerId, message: MessageId) {
        if self.cast.flow.is_some() {
            self.service_processed(t, consumer, message);
        }
    }

    /// [`Simulation::flow_processed`] in a scenario with a flow.
    #[inline(never)]
    fn service_processed(&mut self, t: SimTime, consumer: ConsumerId, message: MessageId) {
        let (Some(cast), Some(fs)) = (self.cast.flow.as_ref(), self.state.flow.as_mut()) else {
            return;
        };
        let Some(s) = cast.service_of(consumer) else {
            return;
        };
        let p = usize::from(s.0)
            .checked_sub(1)
            .and_then(|i| cast.spec.services.get(i))
            .map_or(0.0, |x| x.failure_probability);
        let saga = cast.spec.saga;
        let last = cast.spec.services.len();
        let Some(st) = fs.service(s) else {
            return;
        };
        st.handled += 1;
        let topic = fs.messages.remove(&message.0);
        let Some(st) = fs.service(s) else {
            return;
        };
        let undo = matches!(topic, Some((_, Topic::Compensate)));
        let ok = !st.failing && (undo || !st.rng.chance(p));
        st.failed += u64::from(!ok);
        let Some((flow, topic)) = topic.filter(|_| saga) else {
            return;
        };
        if topic == Topic::Compensate {
            fs.stats.compensations += 1;
        }
        let node = self.service_node(s);
        match (topic, ok) {
            (Topic::Step, true) if usize::from(s.0) < last => {
                self.publish_later(t, flow, s, Some((ServiceId(s.0 + 1), Topic::Step)));
            }
            (Topic::Step, true) => {
                if let Some(fs) = self.state.flow.as_mut() {
                    fs.stats.sagas_completed += 1;
                }
                let kind = TraceKind::SagaCompleted { flow };
                self.trace.record(t, kind, None, None, node);
            }
            (_, _) if s.0 > 1 => {
                let before = ServiceId(s.0 - 1);
                self.publish_later(t, flow, s, Some((before, Topic::Compensate)));
            }
            (_, _) => {
                if let Some(fs) = self.state.flow.as_mut() {
                    fs.stats.sagas_compensated += 1;
                }
                let kind = TraceKind::SagaCompensated { flow };
                self.trace.record(t, kind, None, None, node);
            }
        }
    }

    /// Whether this consumer stands for a service that is down.
    pub(crate) fn taken_down(&self, consumer: ConsumerId) -> bool {
        let (Some(cast), Some(fs)) = (self.cast.flow.as_ref(), self.state.flow.as_ref()) else {
            return false;
        };
        let service = cast.service_of(consumer);
        service
            .and_then(|s| fs.services.get(usize::from(s.0)))
            .is_some_and(|s| !s.up)
    }

    /// Take down, bring back, fail or heal a service.
    pub(crate) fn service_control(&mut self, t: SimTime, control: Control) {
        let (s, up, failing) = match control {
            Control::TakeDown(s) => (s, Some(false), None),
            Control::BringBack(s) => (s, Some(true), None),
            Control::FailService(s) => (s, None, Some(true)),
            Control::HealService(s) => (s, None, Some(false)),
            _ => return,
        };
        let (Some(cast), Some(fs)) = (self.cast.flow.as_ref(), self.state.flow.as_mut()) else {
            return;
        };
        let consumer = cast.consumers.get(usize::from(s.0)).copied().flatten();
        let choreography = cast.style() == Style::Choreography;
        let Some(st) = fs.service(s) else {
            return;
        };
        let kind = match (up, failing) {
            (Some(false), _) if st.up => {
                st.up = false;
                st.epoch += 1;
                st.queued = 0;
                TraceKind::ServiceDown
            }
            (Some(true), _) if !st.up => {
                st.up = true;
                st.busy_until = t.0;
                TraceKind::ServiceUp
            }
            (_, Some(true)) if !st.failing => {
                st.failing = true;
                TraceKind::ServiceFailing
            }
            (_, Some(false)) if st.failing => {
                st.failing = false;
                TraceKind::ServiceHealed
            }
            _ => return,
        };
        if kind == TraceKind::ServiceDown && s.0 == 0 {
            // What the triggering service was doing is lost: its callers will time out.
            fs.pending.retain(|_, p| !p.answered);
            fs.pending.values_mut().for_each(|p| p.finished = true);
            fs.breakers.iter_mut().for_each(|b| b.abandon_calls());
        }
        let node = self.service_node(s);
        self.trace.record(t, kind, None, None, node);
        match (kind, consumer.filter(|_| choreography)) {
            (TraceKind::ServiceDown, Some(c)) => self.control(t, Control::CrashConsumer(c)),
            (TraceKind::ServiceUp, Some(c)) => self.control(t, Control::StartConsumer(c)),
            _ => {}
        }
    }
}
