//! What each scheduled event does: a producer sends a message (it reaches the exchange after
//! the publish latency), a delivery reaches its consumer, processing ends (ack / nack / reject
//! after the ack latency, or a crash), a settlement reaches the broker, a lesson pause point,
//! a metrics sample; control actions go to `control`. Broker calls happen here; their events
//! are passed to `observe`.

use crate::broker::{Settle, Stamp};
use crate::channel::ChannelId;
use crate::sim::actor::consumer::{Held, Outcome, Status};
use crate::sim::actor::producer::Drawn;
use crate::sim::actor::{ConsumerId, ProducerId};
use crate::sim::engine::{Control, Simulation};
use crate::sim::scenario::Action;
use std::rc::Rc;

use crate::message::Publish;
use crate::sim::hops::Hops;
use crate::sim::scheduler::SimTime;
use crate::sim::trace::{Edge, TraceKind};

/// Bound on cached hop sets (many distinct routing keys would otherwise grow it forever).
const MAX_HOP_CACHE: usize = 10_000;

/// An event in the scheduler.
#[derive(Debug, Clone)]
pub(crate) enum SimEvent {
    Produce(ProducerId),
    /// A message sent at `sent` reaches its exchange (`drawn` is its number in its producer's
    /// messages in flight).
    Arrive {
        producer: ProducerId,
        drawn: u32,
        sent: u64,
    },
    /// A consumer's publish (an RPC reply, a parked message) reaches its exchange.
    ConsumerPublish {
        consumer: ConsumerId,
        sent: u64,
        publish: Box<Publish>,
    },
    /// A queue's earliest expiry falls due.
    Wake,
    /// A projection reads its stream.
    Project(u32),
    /// A delivery reaches its consumer (stale when `epoch` is old).
    Deliver {
        consumer: ConsumerId,
        epoch: u32,
        held: Held,
    },
    Processed {
        consumer: ConsumerId,
        epoch: u32,
    },
    /// An ack / nack / reject reaches the broker.
    Settle {
        consumer: ConsumerId,
        epoch: u32,
        tag: u64,
        how: Settle,
    },
    Recover {
        consumer: ConsumerId,
        epoch: u32,
    },
    Control(Control),
    /// A business flow's event.
    Flow(crate::sim::flow::FlowEvent),
    Lesson(u32),
    Sample,
}

impl Simulation {
    /// Inlined into [`Simulation::step`], its only caller: one call and one register save
    /// per event instead of two.
    #[inline(always)]
    pub(crate) fn handle(&mut self, t: SimTime, event: SimEvent) {
        match event {
            SimEvent::Produce(p) => self.produce(t, p),
            SimEvent::Arrive {
                producer,
                drawn,
                sent,
            } => self.arrive(t, producer, drawn, sent),
            SimEvent::ConsumerPublish {
                consumer,
                sent,
                publish,
            } => self.consumer_publish_arrives(t, consumer, sent, &publish),
            SimEvent::Wake => self.wake(t),
            SimEvent::Project(p) => self.project(t, p),
            SimEvent::Deliver {
                consumer,
                epoch,
                held,
            } => self.delivered(t, consumer, epoch, held),
            SimEvent::Processed { consumer, epoch } => self.processed(t, consumer, epoch),
            SimEvent::Settle {
                consumer,
                epoch,
                tag,
                how,
            } => {
                let Some(c) = self.state.consumers.get(consumer.0 as usize) else {
                    return;
                };
                if c.epoch == epoch {
                    let result = self
                        .state
                        .broker
                        .settle(c.channel, tag, false, how, t.as_ms());
                    // Where a refusal is shown: looked up only for one.
                    let refused = result.is_err();
                    let node = refused.then(|| self.consumer_at(consumer)).flatten();
                    self.after_broker(t, refused, node);
                }
            }
            SimEvent::Recover { consumer, epoch } => {
                let current = self
                    .state
                    .consumers
                    .get(consumer.0 as usize)
                    .map(|c| (c.epoch, c.status));
                // A flow's service taken down stays down through a broker restart.
                if current == Some((epoch, Status::Down)) && !self.taken_down(consumer) {
                    self.subscribe(t, consumer);
                }
            }
            SimEvent::Control(control) => self.control(t, control),
            SimEvent::Flow(event) => self.flow_event(t, event),
            SimEvent::Lesson(lesson) => {
                self.trace
                    .record(t, TraceKind::LessonStep { lesson }, None, None, None);
            }
            SimEvent::Sample => self.sample(t),
        }
    }

    fn produce(&mut self, t: SimTime, p: ProducerId) {
        let (Some(spec), Some(producer)) = (
            self.scenario.producers.get(p.0 as usize),
            self.state.producers.get_mut(p.0 as usize),
        ) else {
            return;
        };
        if producer.stopped {
            // Its timer ends here; starting it again sets a new one.
            return;
        }
        let drawn = producer.draw(spec, t.0);
        let next = producer.next_after(spec, t.0);
        // The arrival first: events at one instant run in the order they were scheduled.
        self.send(t, p, drawn);
        if let Some(next) = next {
            let sched = &mut self.state.sched;
            sched.schedule_in_inlined(next.saturating_sub(t.0), SimEvent::Produce(p));
        }
    }

    /// A message from producer `p` as it draws them, with the routing key of the publish step
    /// `step` (a script step or one injected on demand).
    pub(crate) fn publish_once(&mut self, t: SimTime, p: ProducerId, step: u32) {
        let Some(Action::Publish {
            routing_key,
            headers,
            ..
        }) = self.step_action(step)
        else {
            return;
        };
        let (key, headers) = (routing_key.clone(), headers.clone());
        let (Some(spec), Some(producer)) = (
            self.scenario.producers.get(p.0 as usize),
            self.state.producers.get_mut(p.0 as usize),
        ) else {
            return;
        };
        let mut drawn = producer.draw(spec, t.0);
        drawn.routing_key = key;
        if let Some(headers) = headers {
            drawn.headers = Some(Box::new(headers));
        }
        // Its route is not one the producer's picks remember.
        drawn.picks = None;
        self.send(t, p, drawn);
    }

    /// A plain message to an exchange, as the send step `step` says: published at once (no
    /// producer, no publish hop), recorded as sent on demand.
    pub(crate) fn send_once(&mut self, t: SimTime, step: u32) {
        let Some(Action::Send {
            vhost,
            exchange,
            routing_key,
            headers,
        }) = self.step_action(step)
        else {
            return;
        };
        let (vhost, mut publish) = (vhost.clone(), Publish::new(exchange, routing_key));
        publish.properties.headers = headers.clone();
        let result = (self.state.broker).publish_sent(&vhost, &publish, t.as_ms(), t.0);
        match result {
            Ok(outcome) => {
                self.remember_sent(&vhost, &publish, outcome.content, t);
                self.observe_from(t, None, None, false);
            }
            Err(_) => {
                let at = self.world.exchange(&vhost, &publish.exchange);
                self.after_broker(t, true, at);
            }
        }
    }

    /// Sends a drawn message on its way to the exchange (it arrives after the publish hop's
    /// latency).
    #[inline(always)]
    fn send(&mut self, t: SimTime, p: ProducerId, drawn: Drawn) {
        let Some(producer) = self.state.producers.get_mut(p.0 as usize) else {
            return;
        };
        let delay = self
            .scenario
            .latency
            .publish
            .sample(&mut self.state.latency_rng);
        let request = (drawn.extra.as_ref()).and_then(|e| e.properties.correlation_id.clone());
        let drawn = producer.send(drawn);
        self.state.sched.schedule_in_inlined(
            delay,
            SimEvent::Arrive {
                producer: p,
                drawn,
                sent: t.0,
            },
        );
        if let Some(id) = request {
            self.request_sent(&id, t.0);
        }
    }

    fn arrive(&mut self, t: SimTime, p: ProducerId, drawn: u32, sent: u64) {
        let (Some(spec), Some(producer)) = (
            self.scenario.producers.get(p.0 as usize),
            self.state.producers.get_mut(p.0 as usize),
        ) else {
            return;
        };
        let Some(Drawn {
            routing_key: key,
            headers,
            extra,
            picks,
        }) = producer.arrived(drawn)
        else {
            return;
        };
        let publish = &mut producer.publish;
        // The previous message's key and headers go back to the producer, to draw into again.
        let mut key = key;
        std::mem::swap(&mut publish.routing_key, &mut key);
        let headers = headers.map(|mut h| {
            std::mem::swap(&mut publish.properties.headers, &mut *h);
            h
        });
        if let Some(extra) = extra {
            extra.apply_to(publish);
        }
        producer.hand_back(key, headers);
        let publish = &producer.publish;
        let exchange = self
            .cast
            .producer_exchanges
            .get(p.0 as usize)
            .copied()
            .flatten();
        if let Some(x) = exchange.filter(|x| self.world.is_multi_hop(*x)) {
            let place = (self.state.topology_epoch, x);
            let key = publish.routing_key.as_str();
            let cacheable = publish.properties.headers.is_empty();
            let cached = (self.hop_cache.get(&place))
                .and_then(|by_key| by_key.get(key))
                .filter(|_| cacheable)
                .cloned();
            self.hops = cached.or_else(|| {
                let explanation = self.state.broker.explain(&spec.vhost, publish).ok()?;
                let hops = Rc::new(Hops::from_explanation(&explanation, &self.world));
                if cacheable {
                    if self.hop_cache.len() >= MAX_HOP_CACHE {
                        self.hop_cache.clear();
                    }
                    let by_key = self.hop_cache.entry(place).or_default();
                    if by_key.len() >= MAX_HOP_CACHE {
                        by_key.clear();
                    }
                    by_key.insert(key.to_owned(), hops.clone());
                }
                Some(hops)
            });
        }
        let broker = &mut self.state.broker;
        let at = Stamp {
            now: t.as_ms(),
            sent,
        };
        let result = producer.publish_to(broker, &spec.vhost, at, picks);
        let from = self.cast.producers.get(p.0 as usize).copied();
        let origin = Some((p, SimTime(sent)));
        match result {
            Ok(outcome) => {
                self.remember_publish(p, outcome.content, t);
                self.observe(t, origin);
            }
            Err(_) => self.after_broker(t, true, from),
        }
    }

    fn delivered(&mut self, t: SimTime, consumer: ConsumerId, epoch: u32, held: Held) {
        let Some(c) = self.state.consumers.get_mut(consumer.0 as usize) else {
            return;
        };
        if c.epoch != epoch {
            // Its connection closed while this was on the way (counted then, if lost).
            let kind = self.dropped_kind(consumer);
            let node = self.consumer_at(consumer);
            self.trace.record(t, kind, Some(held.message), None, node);
            return;
        }
        c.held.push_back(held);
        if c.busy_since.is_none() {
            // Idle, it takes up what it was just handed: the check for none held is spared.
            self.start_next(t, consumer);
        }
    }

    /// The consumer takes up its next held delivery, or goes idle with none. Inlined: after
    /// each processed delivery, going idle is the usual case and costs a check.
    #[inline]
    fn start_processing(&mut self, t: SimTime, consumer: ConsumerId) {
        let (Some(_), Some(c)) = (
            self.scenario.consumers.get(consumer.0 as usize),
            self.state.consumers.get_mut(consumer.0 as usize),
        ) else {
            return;
        };
        if c.held.is_empty() {
            c.idle(t.0);
        } else {
            self.start_next(t, consumer);
        }
    }

    /// [`Simulation::start_processing`] with a delivery held. Inlined into its two callers (a
    /// delivery to an idle consumer, and the end of processing with more held): out of line,
    /// its call and register saves were a sixth of its cost, once per delivery.
    #[inline(always)]
    fn start_next(&mut self, t: SimTime, consumer: ConsumerId) {
        let (Some(spec), Some(c)) = (
            self.scenario.consumers.get(consumer.0 as usize),
            self.state.consumers.get_mut(consumer.0 as usize),
        ) else {
            return;
        };
        c.busy_since.get_or_insert(t.0);
        let took = c.processing_time(spec);
        let epoch = c.epoch;
        // Checked here, where its spec is at hand: most consumers append to no stream, and
        // the call to find that out cost as much as the check.
        let appends = spec.append_to.is_some();
        self.state
            .sched
            .schedule_in_inlined(took, SimEvent::Processed { consumer, epoch });
        if appends {
            self.load_stream(consumer);
        }
    }

    /// The end of a delivery's processing. Out of line: inlined into [`Simulation::handle`]
    /// it made that dispatcher larger for every event, and kept its own helpers out of line.
    #[inline(never)]
    fn processed(&mut self, t: SimTime, consumer: ConsumerId, epoch: u32) {
        let (Some(spec), Some(c)) = (
            self.scenario.consumers.get(consumer.0 as usize),
            self.state.consumers.get_mut(consumer.0 as usize),
        ) else {
            return;
        };
        if c.epoch != epoch {
            return;
        }
        let outcome = c.outcome(spec);
        if outcome == Outcome::Crash {
            self.crash(t, consumer);
            return;
        }
        let Some(held) = c.held.pop_front() else {
            return;
        };
        c.processed += 1;
        // What was kept of it, taken while the consumer is at hand (most keep nothing).
        let kept = c.kept.remove(&held.tag);
        if matches!(outcome, Outcome::Done | Outcome::Settle(Settle::Ack)) {
            self.state.metrics.latency(t.0.saturating_sub(held.sent));
        }
        let outcome = self.after_processing(t, consumer, kept, outcome);
        let message = held.message;
        if let Outcome::Settle(how) = outcome {
            self.send_settle(t, consumer, epoch, held, how);
        }
        if matches!(outcome, Outcome::Done | Outcome::Settle(Settle::Ack)) {
            self.flow_processed(t, consumer, message);
        }
        self.start_processing(t, consumer);
    }

    fn send_settle(
        &mut self,
        t: SimTime,
        consumer: ConsumerId,
        epoch: u32,
        held: Held,
        how: Settle,
    ) {
        let delay = self
            .scenario
            .latency
            .ack
            .sample(&mut self.state.latency_rng);
        let kind = match how {
            Settle::Ack => TraceKind::Ack,
            Settle::Nack { requeue } => TraceKind::Nack { requeue },
            Settle::Reject { requeue } => TraceKind::Reject { requeue },
        };
        let edge = self
            .consumer_at(consumer)
            .zip(self.queue_of(consumer))
            .map(|(from, to)| Edge {
                from,
                to,
                depart: t,
                arrive: t.plus(delay),
            });
        self.trace.record(t, kind, Some(held.message), edge, None);
        let tag = held.tag;
        self.state.sched.schedule_in_inlined(
            delay,
            SimEvent::Settle {
                consumer,
                epoch,
                tag,
                how,
            },
        );
    }

    /// Where a delivery on `channel` goes: schedules its arrival at the consumer.
    pub(crate) fn route_delivery(
        &mut self,
        t: SimTime,
        channel: ChannelId,
        held: Held,
    ) -> Option<(ConsumerId, SimTime)> {
        let consumer = (*self.channel_owner.get(channel.0 as usize)?)?;
        let c = self.state.consumers.get(consumer.0 as usize)?;
        let epoch = c.epoch;
        let delay = self
            .scenario
            .latency
            .deliver
            .sample(&mut self.state.latency_rng);
        self.state.sched.schedule_in_inlined(
            delay,
            SimEvent::Deliver {
                consumer,
                epoch,
                held,
            },
        );
        Some((consumer, t.plus(delay)))
    }

    pub(crate) fn consumer_at(&self, consumer: ConsumerId) -> Option<crate::sim::world::NodeId> {
        self.cast.consumers.get(consumer.0 as usize).copied()
    }

    pub(crate) fn queue_of(&self, consumer: ConsumerId) -> Option<crate::sim::world::NodeId> {
        self.cast
            .consumer_queues
            .get(consumer.0 as usize)
            .copied()
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::SimEvent;

    /// Every scheduled event is moved into the scheduler and out again: what a message carries
    /// (its routing key, headers, extras) waits with its producer instead. The largest is a
    /// delivery: its consumer and epoch, and its tag, id and send time.
    #[test]
    fn a_scheduled_event_is_five_words() {
        assert_eq!(std::mem::size_of::<SimEvent>(), 40);
    }
}
