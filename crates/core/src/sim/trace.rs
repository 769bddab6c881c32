//! The trace: every simulation event with its time, kind, message and the edge it travels on
//! (departure and arrival times, so an animation can place a dot at any frame), kept in a
//! bounded ring buffer the animation reads directly, plus the lifecycle query for one message
//! (following its dead letters). It owns recording and reading; it knows nothing of how the
//! events were produced.
//!
//! When each hop is recorded: deliveries, acks, nacks and rejects at departure (the arrival is
//! in the future, in `edge.arrive`); a publish when it reaches the exchange, because the broker
//! gives the message its id then (`edge.depart` is when the producer sent it). So an animation
//! drawing frame time `f` should have run the simulation to `f` plus the largest publish
//! latency; then every dot in flight at `f` is in the trace.

use serde_json::{Map, Value as Json, json};

use crate::event::MessageId;
use crate::exchange::ExchangeType;
use crate::sim::scheduler::SimTime;
use crate::sim::timeline::Timeline;
use crate::sim::world::{NodeId, World};

/// One hop of a message (or a signal such as a confirm) between two nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub from: NodeId,
    pub to: NodeId,
    pub depart: SimTime,
    pub arrive: SimTime,
}

/// What happened. Hop kinds travel on an edge; the others happen at one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceKind {
    /// producer → exchange.
    Publish,
    /// exchange → exchange: an exchange-to-exchange binding or an alternate exchange.
    Forward,
    /// exchange → queue: the queue accepted a copy.
    Enqueue,
    /// At the exchange: no queue and not mandatory, so the message is dropped.
    Unroutable,
    /// exchange → producer: `basic.return` (mandatory, no route).
    Return,
    /// exchange → producer: publisher confirm.
    Confirm {
        ack: bool,
    },
    /// At a queue: refused on overflow (`reject-publish`).
    PublishRejected,
    /// queue → consumer.
    Deliver {
        redelivered: bool,
    },
    /// consumer → queue.
    Ack,
    Nack {
        requeue: bool,
    },
    Reject {
        requeue: bool,
    },
    /// At a queue: an unsettled copy came back.
    Requeue,
    Expire,
    DropOnOverflow,
    DeliveryLimit,
    /// queue → dead-letter exchange; `dead_letter` is the id of the re-published copy.
    DeadLetter {
        dead_letter: MessageId,
    },
    DeadLetterDropped,
    /// At a queue: a dead letter the broker model did not route, to stop a loop RabbitMQ would
    /// spin forever.
    DeadLetterLoopStopped,
    Purge,
    /// At a queue: lost by the broker restart (transient message or non-durable queue).
    LostOnRestart,
    /// At a consumer: an auto-acked delivery it held, or that was on its way to it, when its
    /// connection closed (a crash, a broker restart). The broker let go of the message when it
    /// sent it, so the message is lost.
    LostInFlight,
    /// At a consumer: an unacked delivery it held, or that was on its way to it, when its
    /// connection closed. Its work is abandoned; the broker still has the message and requeues
    /// it (or loses it in a restart, recorded at the queue as `LostOnRestart`).
    Abandoned,
    ConsumerStarted,
    ConsumerStopped,
    ConsumerCrashed,
    /// At a producer: stopped on demand (it publishes nothing until started).
    ProducerStopped,
    ProducerStarted,
    BrokerRestarted,
    QueueLost,
    /// At a node: the broker refused an operation (a channel error, e.g. publishing to an
    /// exchange lost in a restart, consuming from a queue that is gone).
    Refused,
    /// A lesson step's pause point was reached (`lesson` is its index).
    LessonStep {
        lesson: u32,
    },
    /// At an exchange or queue: declared while running (a script's `declare` step).
    Declared,
    /// At an exchange or queue: deleted (an auto-delete queue losing its last consumer, an
    /// auto-delete exchange losing its last binding).
    Deleted,
    /// exchange → queue or exchange: a binding added while running.
    Bound,
    /// exchange → queue or exchange: a binding removed while running.
    Unbound,
    /// consumer → event store: the message was appended as this version of its stream.
    Appended {
        version: u64,
    },
    /// At a consumer: its append expected an older version of the stream (optimistic
    /// concurrency); the message goes back with a nack and requeue.
    AppendConflict,
    /// event store → projection: `events` events read after version `from`.
    ProjectionRead {
        from: u64,
        events: u32,
    },
    /// At a projection: reset to version 0, to rebuild its state by replaying the stream.
    ProjectionReplay,
    /// caller → service: a synchronous request of business flow `flow`.
    Request {
        flow: u32,
    },
    /// service → caller: the answer (`ok: false` is an error answer).
    Response {
        flow: u32,
        ok: bool,
    },
    /// saga orchestrator → service: undo a completed step.
    Compensate {
        flow: u32,
    },
    /// At the waiting caller: no answer in time.
    CallTimeout {
        flow: u32,
    },
    /// At the calling service: an open circuit failed the call without sending it.
    CallRejected {
        flow: u32,
    },
    /// At a service: taken down, brought back, failing, healed.
    ServiceDown,
    ServiceUp,
    ServiceFailing,
    ServiceHealed,
    /// At a called service: the caller's circuit breaker in front of it changed state.
    CircuitOpened,
    CircuitHalfOpen,
    CircuitClosed,
    /// At the service that ended the saga: every step done, or every done step undone.
    SagaCompleted {
        flow: u32,
    },
    SagaCompensated {
        flow: u32,
    },
    /// At an exchange: deleted and declared again with type `to`, its bindings kept.
    ExchangeRetyped {
        to: ExchangeType,
    },
}

impl TraceKind {
    pub fn name(self) -> &'static str {
        match self {
            TraceKind::Publish => "publish",
            TraceKind::Forward => "forward",
            TraceKind::Enqueue => "enqueue",
            TraceKind::Unroutable => "unroutable",
            TraceKind::Return => "return",
            TraceKind::Confirm { ack: true } => "confirm_ack",
            TraceKind::Confirm { ack: false } => "confirm_nack",
            TraceKind::PublishRejected => "publish_rejected",
            TraceKind::Deliver { .. } => "deliver",
            TraceKind::Ack => "ack",
            TraceKind::Nack { .. } => "nack",
            TraceKind::Reject { .. } => "reject",
            TraceKind::Requeue => "requeue",
            TraceKind::Expire => "expire",
            TraceKind::DropOnOverflow => "drop_on_overflow",
            TraceKind::DeliveryLimit => "delivery_limit",
            TraceKind::DeadLetter { .. } => "dead_letter",
            TraceKind::DeadLetterDropped => "dead_letter_dropped",
            TraceKind::DeadLetterLoopStopped => "dead_letter_loop_stopped",
            TraceKind::Purge => "purge",
            TraceKind::LostOnRestart => "lost_on_restart",
            TraceKind::LostInFlight => "lost_in_flight",
            TraceKind::Abandoned => "abandoned",
            TraceKind::ConsumerStarted => "consumer_started",
            TraceKind::ConsumerStopped => "consumer_stopped",
            TraceKind::ConsumerCrashed => "consumer_crashed",
            TraceKind::ProducerStopped => "producer_stopped",
            TraceKind::ProducerStarted => "producer_started",
            TraceKind::BrokerRestarted => "broker_restarted",
            TraceKind::QueueLost => "queue_lost",
            TraceKind::Refused => "refused",
            TraceKind::LessonStep { .. } => "lesson_step",
            TraceKind::Declared => "declared",
            TraceKind::Deleted => "deleted",
            TraceKind::Bound => "bound",
            TraceKind::Unbound => "unbound",
            TraceKind::Appended { .. } => "appended",
            TraceKind::AppendConflict => "append_conflict",
            TraceKind::ProjectionRead { .. } => "projection_read",
            TraceKind::ProjectionReplay => "projection_replay",
            TraceKind::Request { .. } => "request",
            TraceKind::Response { .. } => "response",
            TraceKind::Compensate { .. } => "compensate",
            TraceKind::CallTimeout { .. } => "call_timeout",
            TraceKind::CallRejected { .. } => "call_rejected",
            TraceKind::ServiceDown => "service_down",
            TraceKind::ServiceUp => "service_up",
            TraceKind::ServiceFailing => "service_failing",
            TraceKind::ServiceHealed => "service_healed",
            TraceKind::CircuitOpened => "circuit_opened",
            TraceKind::CircuitHalfOpen => "circuit_half_open",
            TraceKind::CircuitClosed => "circuit_closed",
            TraceKind::SagaCompleted { .. } => "saga_completed",
            TraceKind::SagaCompensated { .. } => "saga_compensated",
            TraceKind::ExchangeRetyped { .. } => "exchange_retyped",
        }
    }

    /// The business flow it belongs to, for flow kinds.
    pub fn flow(self) -> Option<u32> {
        match self {
            TraceKind::Request { flow }
            | TraceKind::Response { flow, .. }
            | TraceKind::Compensate { flow }
            | TraceKind::CallTimeout { flow }
            | TraceKind::CallRejected { flow }
            | TraceKind::SagaCompleted { flow }
            | TraceKind::SagaCompensated { flow } => Some(flow),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceEvent {
    /// Position in the whole run (never reused, survives ring eviction).
    pub seq: u64,
    pub time: SimTime,
    pub kind: TraceKind,
    pub message: Option<MessageId>,
    /// The hop, for kinds that travel.
    pub edge: Option<Edge>,
    /// Where it happened, for kinds that do not travel.
    pub node: Option<NodeId>,
}

/// An event as the ring holds it: 56 bytes where a [`TraceEvent`] takes 88. The seq is the
/// position in the ring, an absent message, node or edge is a reserved value, and a node that
/// is not an edge's end sits where the edge's source would. The ring's memory traffic is a good
/// part of a fast run's time (see the simulation benchmark), and of the page's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Packed {
    time: u64,
    depart: u64,
    arrive: u64,
    /// `NONE_64` for none.
    message: u64,
    /// The edge's source; without an edge, the node (`NONE_32` for none).
    from: u32,
    /// The edge's target; `NONE_32` without an edge.
    to: u32,
    kind: TraceKind,
}

const NONE_64: u64 = u64::MAX;
const NONE_32: u32 = u32::MAX;

impl Packed {
    fn pack(
        time: SimTime,
        kind: TraceKind,
        message: Option<MessageId>,
        edge: Option<Edge>,
        node: Option<NodeId>,
    ) -> Packed {
        let message = message.map_or(NONE_64, |m| m.0);
        match edge {
            // An edge's end is its place: no event has both (the animation reads one or the
            // other), and ids never reach the reserved values (the world holds far fewer nodes).
            Some(e) if e.to.0 != NONE_32 => Packed {
                time: time.0,
                depart: e.depart.0,
                arrive: e.arrive.0,
                message,
                from: e.from.0,
                to: e.to.0,
                kind,
            },
            _ => Packed {
                time: time.0,
                depart: 0,
                arrive: 0,
                message,
                from: node.map_or(NONE_32, |n| n.0),
                to: NONE_32,
                kind,
            },
        }
    }

    fn unpack(self, seq: u64) -> TraceEvent {
        let edge = (self.to != NONE_32).then_some(Edge {
            from: NodeId(self.from),
            to: NodeId(self.to),
            depart: SimTime(self.depart),
            arrive: SimTime(self.arrive),
        });
        TraceEvent {
            seq,
            time: SimTime(self.time),
            kind: self.kind,
            message: (self.message != NONE_64).then_some(MessageId(self.message)),
            edge,
            node: (edge.is_none() && self.from != NONE_32).then_some(NodeId(self.from)),
        }
    }
}

/// The ring buffer: the newest `capacity` events, with the cursor of a seek (see
/// [`Timeline`]): readers see only the past.
#[derive(Debug, Clone)]
pub struct Trace {
    events: Timeline<Packed>,
}

impl Trace {
    pub fn new(capacity: usize) -> Trace {
        Trace {
            events: Timeline::new(capacity),
        }
    }

    /// The seq the next event will get (= events recorded so far).
    pub fn next_seq(&self) -> u64 {
        self.events.cursor()
    }

    /// Every past event still held, oldest first.
    pub fn events(&self) -> impl DoubleEndedIterator<Item = TraceEvent> + '_ {
        self.since(0)
    }

    /// The past events from `seq` on (as many as are still held): what an animation reads.
    pub fn since(&self, seq: u64) -> impl DoubleEndedIterator<Item = TraceEvent> + '_ {
        self.events
            .past_from_at(seq)
            .map(|(seq, packed)| packed.unpack(seq))
    }

    /// The hops in flight at `at`: departed at or before it, arriving after it. `horizon_us`
    /// is the longest hop the scenario can have (its largest latency); the scan walks back
    /// from the newest event only that far past `at`. What an animation draws each frame.
    pub fn in_flight(&self, at: SimTime, horizon_us: u64) -> Vec<TraceEvent> {
        let oldest = SimTime(at.0.saturating_sub(horizon_us));
        let mut out: Vec<TraceEvent> = self.shown_at(at, oldest, 0).collect();
        out.reverse();
        out
    }

    /// The hops an animation draws at `at`, newest first: departed at or before it, and
    /// arriving after it, or shown for at least `min_span_us` (a hop too short to see is
    /// stretched). The scan stops at the events recorded before `oldest`, and skips the others
    /// without unpacking them: this runs every frame over thousands of events.
    pub fn shown_at(
        &self,
        at: SimTime,
        oldest: SimTime,
        min_span_us: u64,
    ) -> impl Iterator<Item = TraceEvent> + '_ {
        self.events
            .past_from_at(0)
            .rev()
            .take_while(move |(_, p)| p.time >= oldest.0)
            .filter(move |(_, p)| {
                let shown = p.arrive.max(p.depart.saturating_add(min_span_us));
                p.to != NONE_32 && p.depart <= at.0 && at.0 < shown
            })
            .map(|(seq, p)| p.unpack(seq))
    }

    /// Every held event of one message, from publish to its end, following dead letters.
    pub fn lifecycle(&self, message: MessageId) -> Vec<TraceEvent> {
        // One id per dead-letter hop, a handful: a vector (a set of this type would compile
        // another B-tree into the browser bundle).
        let mut ids = vec![message];
        let mut out = Vec::new();
        for event in self.events() {
            let Some(m) = event.message else { continue };
            if !ids.contains(&m) {
                continue;
            }
            if let TraceKind::DeadLetter { dead_letter } = event.kind {
                ids.push(dead_letter);
            }
            out.push(event);
        }
        out
    }

    /// Every held event of one business flow (a caller's request): the request, each call and
    /// its answer or timeout, the saga's compensations and end, and the caller's answer.
    pub fn flow_events(&self, flow: u32) -> Vec<TraceEvent> {
        self.events()
            .filter(|e| e.kind.flow() == Some(flow))
            .collect()
    }

    pub fn record(
        &mut self,
        time: SimTime,
        kind: TraceKind,
        message: Option<MessageId>,
        edge: Option<Edge>,
        node: Option<NodeId>,
    ) {
        debug_assert!(
            edge.is_none() || node.is_none(),
            "{kind:?} has an edge and a node"
        );
        self.events
            .record(Packed::pack(time, kind, message, edge, node));
    }

    /// Moves to `seq` (a restored checkpoint); the events after it stay as the known future.
    /// Outside what the ring holds, the ring restarts empty at `seq`.
    pub(crate) fn seek(&mut self, seq: u64) {
        self.events.seek(seq);
    }

    /// Drops the known future (an on-demand action changed it).
    pub(crate) fn forget_future(&mut self) {
        self.events.forget_future();
    }
}

/// One event as a JSON object with node names (a line of `--trace FILE.jsonl`).
pub fn to_json(event: &TraceEvent, world: &World) -> Json {
    let name = |id: NodeId| world.node(id).map_or("?", |n| n.name.as_str());
    let mut obj = Map::new();
    obj.insert("seq".into(), json!(event.seq));
    obj.insert("t_us".into(), json!(event.time.0));
    obj.insert("kind".into(), json!(event.kind.name()));
    if let Some(m) = event.message {
        obj.insert("message".into(), json!(m.0));
    }
    if let Some(e) = event.edge {
        obj.insert("from".into(), json!(name(e.from)));
        obj.insert("to".into(), json!(name(e.to)));
        obj.insert("depart_us".into(), json!(e.depart.0));
        obj.insert("arrive_us".into(), json!(e.arrive.0));
    }
    if let Some(n) = event.node {
        obj.insert("node".into(), json!(name(n)));
    }
    let extra = match event.kind {
        TraceKind::Deliver { redelivered: true } => Some(("redelivered", json!(true))),
        TraceKind::Nack { requeue } | TraceKind::Reject { requeue } => {
            Some(("requeue", json!(requeue)))
        }
        TraceKind::DeadLetter { dead_letter } => Some(("dead_letter", json!(dead_letter.0))),
        TraceKind::LessonStep { lesson } => Some(("lesson", json!(lesson))),
        TraceKind::Appended { version } => Some(("version", json!(version))),
        TraceKind::ProjectionRead { from, events } => {
            Some(("read", json!({"after_version": from, "events": events})))
        }
        TraceKind::Response { ok, .. } => Some(("ok", json!(ok))),
        TraceKind::ExchangeRetyped { to } => Some(("type", json!(to.name()))),
        _ => None,
    };
    if let Some(flow) = event.kind.flow() {
        obj.insert("flow".into(), json!(flow));
    }
    if let Some((key, value)) = extra {
        obj.insert(key.into(), value);
    }
    Json::Object(obj)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(t: &mut Trace, m: u64, kind: TraceKind) {
        t.record(SimTime(m), kind, Some(MessageId(m)), None, None);
    }

    #[test]
    fn ring_keeps_the_newest_and_since_skips_by_seq() {
        let mut t = Trace::new(3);
        for m in 1..=5 {
            rec(&mut t, m, TraceKind::Publish);
        }
        let seqs: Vec<u64> = t.events().map(|e| e.seq).collect();
        assert_eq!(seqs, [2, 3, 4]);
        assert_eq!(t.since(3).map(|e| e.seq).collect::<Vec<_>>(), [3, 4]);
        assert_eq!(t.since(0).count(), 3);
        t.seek(3);
        assert_eq!(t.next_seq(), 3);
        assert_eq!(t.events().count(), 1);
    }

    #[test]
    fn in_flight_is_what_departed_and_has_not_arrived() {
        let mut t = Trace::new(10);
        let hop = |from, to, depart, arrive| Edge {
            from: NodeId(from),
            to: NodeId(to),
            depart: SimTime(depart),
            arrive: SimTime(arrive),
        };
        t.record(
            SimTime(10),
            TraceKind::Publish,
            None,
            Some(hop(0, 1, 5, 10)),
            None,
        );
        t.record(
            SimTime(10),
            TraceKind::Deliver { redelivered: false },
            None,
            Some(hop(1, 2, 10, 30)),
            None,
        );
        t.record(SimTime(12), TraceKind::Expire, None, None, Some(NodeId(1)));
        t.record(
            SimTime(20),
            TraceKind::Ack,
            None,
            Some(hop(2, 1, 20, 25)),
            None,
        );
        let at = |f| {
            t.in_flight(SimTime(f), 100)
                .iter()
                .map(|e| e.kind.name())
                .collect::<Vec<_>>()
        };
        assert_eq!(at(7), ["publish"]);
        assert_eq!(at(10), ["deliver"]);
        assert_eq!(at(22), ["deliver", "ack"]);
        assert!(at(30).is_empty());
        // Stretched to at least 8: the 5-long ack shows until 28, the publish until 13; the
        // scan stops at what was recorded before `oldest`.
        let shown = |f, oldest| {
            t.shown_at(SimTime(f), SimTime(oldest), 8)
                .map(|e| e.kind.name())
                .collect::<Vec<_>>()
        };
        assert_eq!(shown(12, 0), ["deliver", "publish"]);
        assert_eq!(shown(27, 0), ["ack", "deliver"]);
        assert_eq!(shown(12, 11), Vec::<&str>::new());
    }

    #[test]
    fn a_packed_event_reads_back_as_recorded() {
        let mut t = Trace::new(4);
        let edge = Edge {
            from: NodeId(3),
            to: NodeId(0),
            depart: SimTime(7),
            arrive: SimTime(u64::MAX - 1),
        };
        t.record(
            SimTime(9),
            TraceKind::DeadLetter {
                dead_letter: MessageId(u64::MAX - 1),
            },
            Some(MessageId(0)),
            Some(edge),
            None,
        );
        t.record(SimTime(9), TraceKind::Purge, None, None, Some(NodeId(0)));
        t.record(SimTime(9), TraceKind::BrokerRestarted, None, None, None);
        let got: Vec<TraceEvent> = t.events().collect();
        assert_eq!(got[0].edge, Some(edge));
        assert_eq!((got[0].node, got[0].message), (None, Some(MessageId(0))));
        assert_eq!(
            got[0].kind,
            TraceKind::DeadLetter {
                dead_letter: MessageId(u64::MAX - 1)
            }
        );
        assert_eq!(
            (got[1].edge, got[1].node, got[1].message),
            (None, Some(NodeId(0)), None)
        );
        assert_eq!((got[2].edge, got[2].node, got[2].seq), (None, None, 2));
    }

    #[test]
    fn lifecycle_follows_dead_letters() {
        let mut t = Trace::new(10);
        rec(&mut t, 1, TraceKind::Publish);
        rec(&mut t, 2, TraceKind::Publish);
        let dl = TraceKind::DeadLetter {
            dead_letter: MessageId(3),
        };
        t.record(SimTime(5), dl, Some(MessageId(1)), None, None);
        rec(&mut t, 3, TraceKind::Enqueue);
        let kinds: Vec<&str> = t
            .lifecycle(MessageId(1))
            .iter()
            .map(|e| e.kind.name())
            .collect();
        assert_eq!(kinds, ["publish", "dead_letter", "enqueue"]);
    }
}
