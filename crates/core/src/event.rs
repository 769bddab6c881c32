//! Every state change of the broker as a value: the stream the simulation engine records and the
//! animation draws. Events name things by vhost and name and carry the message id, never a
//! reference into broker state. Names are shared [`Name`]s: cloning one is a reference count,
//! not a copy, because every copy of every message makes several events. The broker keeps
//! those of every copy as compact records (`record`: queue slots and the shared content), which
//! the simulation reads in place and [`Records`] turns into events when they are drained.

mod record;

pub use crate::channel::ChannelId;
use crate::queue::death::DeathReason;
use crate::queue::entry::Delivery;
use crate::topology::Destination;
pub use record::Records;
pub(crate) use record::{Delivered, Record};

/// A vhost, exchange, queue or consumer name as events and queues carry it: cheap to clone.
pub type Name = std::rc::Rc<str>;

/// Identifies one publish; every queue's copy of it shares the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(pub u64);

/// A publisher confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    Ack,
    Nack,
}

impl Confirm {
    pub fn name(self) -> &'static str {
        match self {
            Confirm::Ack => "ack",
            Confirm::Nack => "nack",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    ExchangeDeclared {
        vhost: Name,
        exchange: Name,
    },
    ExchangeDeleted {
        vhost: Name,
        exchange: Name,
        auto_deleted: bool,
    },
    QueueDeclared {
        vhost: Name,
        queue: Name,
    },
    QueueDeleted {
        vhost: Name,
        queue: Name,
    },
    Bound {
        vhost: Name,
        source: Name,
        destination: Destination,
        routing_key: Name,
    },
    Unbound {
        vhost: Name,
        source: Name,
        destination: Destination,
        routing_key: Name,
    },
    Published {
        message: MessageId,
        vhost: Name,
        exchange: Name,
        routing_key: Name,
    },
    /// The queues that accepted a copy (sorted by name).
    Routed {
        message: MessageId,
        /// Shared with the route remembered for the publish and with its outcome.
        queues: std::rc::Rc<[Name]>,
    },
    /// Unroutable and mandatory: `basic.return` with 312 NO_ROUTE.
    Returned {
        message: MessageId,
    },
    /// Unroutable and not mandatory.
    Unroutable {
        message: MessageId,
    },
    Confirmed {
        message: MessageId,
        confirm: Confirm,
    },
    /// A queue accepted a copy (from a publish or a dead letter).
    Enqueued {
        message: MessageId,
        vhost: Name,
        queue: Name,
    },
    /// A queue refused a copy on overflow (`reject-publish`, `reject-publish-dlx`): the
    /// publisher gets a nack; other queues keep theirs.
    PublishRejected {
        message: MessageId,
        vhost: Name,
        queue: Name,
    },
    /// `basic.deliver` (with a consumer) or `basic.get-ok` (without). With `auto_ack` the copy
    /// is settled as it is sent.
    Delivered {
        vhost: Name,
        queue: Name,
        channel: ChannelId,
        consumer: Option<Name>,
        auto_ack: bool,
        delivery: Delivery,
    },
    Acked {
        message: MessageId,
        vhost: Name,
        queue: Name,
        channel: ChannelId,
        delivery_tag: u64,
    },
    /// `basic.nack`; the outcome (requeued, dead-lettered, dropped) follows.
    Nacked {
        message: MessageId,
        vhost: Name,
        queue: Name,
        channel: ChannelId,
        delivery_tag: u64,
        requeue: bool,
    },
    /// `basic.reject`; the outcome follows.
    Rejected {
        message: MessageId,
        vhost: Name,
        queue: Name,
        channel: ChannelId,
        delivery_tag: u64,
        requeue: bool,
    },
    /// An unsettled copy went back to its queue (nack/reject with requeue, channel close).
    Requeued {
        message: MessageId,
        vhost: Name,
        queue: Name,
    },
    /// A copy reached the head of its queue past its TTL. A dead-lettering may follow.
    Expired {
        message: MessageId,
        vhost: Name,
        queue: Name,
    },
    /// `drop-head` removed the copy at the head. A dead-lettering may follow.
    DroppedOnOverflow {
        message: MessageId,
        vhost: Name,
        queue: Name,
    },
    /// Quorum queue: a return pushed the copy over `x-delivery-limit`. A dead-lettering may follow.
    DeliveryLimitExceeded {
        message: MessageId,
        vhost: Name,
        queue: Name,
    },
    /// A copy that died in `queue` was re-published through `exchange` as `dead_letter`;
    /// `queues` are its targets, `cycles` the targets dropped by the cycle rule.
    DeadLettered {
        message: MessageId,
        vhost: Name,
        queue: Name,
        reason: DeathReason,
        exchange: Name,
        dead_letter: MessageId,
        queues: Vec<Name>,
        cycles: Vec<Name>,
    },
    /// At-least-once: a dead letter not every target confirmed yet (`refused` are the targets
    /// that refused it, full with `reject-publish`; none when it had no route or `exchange` is
    /// missing). Its source `queue` keeps the message, counted toward its limits, and publishes
    /// it again when its dead-letter worker's timer fires.
    DeadLetterHeld {
        message: MessageId,
        vhost: Name,
        queue: Name,
        exchange: Name,
        dead_letter: MessageId,
        refused: Vec<Name>,
    },
    /// At-least-once: the worker of `queue` published a held dead letter again, to `queues`
    /// (the targets routed now that had not confirmed it; `cycles` stopped by the cycle rule).
    DeadLetterRetried {
        message: MessageId,
        vhost: Name,
        queue: Name,
        exchange: Name,
        dead_letter: MessageId,
        queues: Vec<Name>,
        cycles: Vec<Name>,
    },
    /// At-least-once: every target confirmed the dead letter; its source `queue` lets it go.
    DeadLetterConfirmed {
        message: MessageId,
        vhost: Name,
        queue: Name,
        dead_letter: MessageId,
    },
    /// `queue` stopped dead-lettering at least once (a policy or its dead-letter exchange went
    /// away, or its overflow became `drop-head`) or is deleted: the messages it held are
    /// deleted.
    DeadLettersDeleted {
        vhost: Name,
        queue: Name,
        messages: Vec<MessageId>,
    },
    /// The dead-letter exchange does not exist: the dead letter is silently dropped.
    DeadLetterDropped {
        message: MessageId,
        vhost: Name,
        queue: Name,
        reason: DeathReason,
        exchange: Name,
    },
    /// A dead letter not routed because one operation already routed
    /// `MAX_DEAD_LETTERS_PER_STEP` of them: a loop RabbitMQ would spin forever (a `rejected`
    /// death in the history disables its cycle rule), stopped by the model.
    DeadLetterLoopStopped {
        message: MessageId,
        vhost: Name,
        queue: Name,
        reason: DeathReason,
    },
    /// A copy removed by `queue.purge` or with its queue (deletion, expiry, auto-delete), or
    /// returned to a queue that no longer exists.
    Purged {
        message: MessageId,
        vhost: Name,
        queue: Name,
    },
    ConsumerAdded {
        vhost: Name,
        queue: Name,
        channel: ChannelId,
        consumer: Name,
    },
    ConsumerCancelled {
        vhost: Name,
        queue: Name,
        channel: ChannelId,
        consumer: Name,
    },
    /// `x-expires`: the queue was unused for that long and is deleted.
    QueueExpired {
        vhost: Name,
        queue: Name,
    },
    /// An auto-delete queue lost its last consumer (or an exclusive queue its connection).
    QueueAutoDeleted {
        vhost: Name,
        queue: Name,
    },
    /// The broker restarted.
    Restarted,
    /// A copy lost on restart (transient message, or a queue that is not durable).
    LostOnRestart {
        message: MessageId,
        vhost: Name,
        queue: Name,
    },
    /// A queue that did not survive the restart (not durable, or exclusive).
    QueueLost {
        vhost: Name,
        queue: Name,
    },
    /// An exchange that did not survive the restart (not durable).
    ExchangeLost {
        vhost: Name,
        exchange: Name,
    },
}
