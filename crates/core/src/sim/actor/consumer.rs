//! A consumer at run time: its channel (a fresh one per connection, so stale deliveries and
//! acks from before a crash are recognised by `epoch`), the deliveries that reached it and wait
//! to be processed one at a time, its busy time (utilisation), and whether it is up. It decides
//! how each delivery ends (ack, or the failure policy, or a crash); it does not call the broker.

use std::collections::VecDeque;
use std::rc::Rc;

use crate::broker::Settle;
use crate::channel::ChannelId;
use crate::event::MessageId;
use crate::queue::entry::MessageView;
use crate::sim::rng::Dist;
use crate::sim::rng::Rng;
use crate::sim::scenario::{ConsumerSpec, OnFailure};
use crate::vec_map::DequeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Subscribed and processing.
    Running,
    /// Cancelled (`basic.cancel`): finishes what it holds, gets nothing new.
    Stopped,
    /// Crashed or disconnected; maybe recovering.
    Down,
    /// Not started yet.
    Idle,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Stopped => "stopped",
            Status::Down => "down",
            Status::Idle => "idle",
        }
    }
}

/// How processing one delivery ended.
///
/// With its own tag byte (`repr(u8)`) rather than one folded into [`Settle`]'s, the checks
/// made after every delivery (acked or done?) read one byte or two instead of decoding the
/// shared one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Outcome {
    Settle(Settle),
    /// Auto-ack: nothing to send.
    Done,
    Crash,
    /// Failed under the retry policy: the engine decides between reject and park.
    Retry,
}

/// A delivery waiting at (or being processed by) the consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub tag: u64,
    pub message: MessageId,
    /// When its line was first sent (µs; see [`crate::queue::entry::Content::sent`]).
    pub sent: u64,
}

#[derive(Debug, Clone)]
pub struct ConsumerState {
    pub rng: Rng,
    pub channel: ChannelId,
    /// Bumped on each crash or disconnect; events of older epochs are stale.
    pub epoch: u32,
    pub status: Status,
    pub held: VecDeque<Held>,
    /// Since when it has been processing (`None`: idle).
    pub busy_since: Option<u64>,
    pub busy_total: u64,
    pub processed: u64,
    /// What was delivered, by delivery tag, for consumers that read it (RPC, retry).
    pub kept: DequeMap<u64, Rc<MessageView>>,
    /// The processing time and failure chance set on demand, instead of its spec's.
    pub pace: Option<Box<Pace>>,
}

/// How a consumer works when changed on demand: its processing time and failure chance.
#[derive(Debug, Clone, PartialEq)]
pub struct Pace {
    pub processing: Dist,
    pub failure_probability: f64,
}

impl ConsumerState {
    pub fn new(rng: Rng, channel: ChannelId) -> ConsumerState {
        ConsumerState {
            rng,
            channel,
            epoch: 0,
            status: Status::Idle,
            held: VecDeque::new(),
            busy_since: None,
            busy_total: 0,
            processed: 0,
            kept: DequeMap::new(),
            pace: None,
        }
    }

    /// Draws how long the next delivery takes (µs).
    pub fn processing_time(&mut self, spec: &ConsumerSpec) -> u64 {
        let processing = self
            .pace
            .as_ref()
            .map_or(&spec.processing, |p| &p.processing);
        processing.sample(&mut self.rng)
    }

    /// Decides how the delivery just processed ends. Inlined: a draw or two per delivery.
    #[inline]
    pub fn outcome(&mut self, spec: &ConsumerSpec) -> Outcome {
        if self.rng.chance(spec.crash_probability) {
            return Outcome::Crash;
        }
        let chance =
            (self.pace.as_ref()).map_or(spec.failure_probability, |p| p.failure_probability);
        let failed = self.rng.chance(chance);
        match (spec.auto_ack, failed) {
            (true, _) => Outcome::Done,
            (false, false) => Outcome::Settle(Settle::Ack),
            (false, true) => Outcome::Settle(match spec.on_failure {
                OnFailure::Ack => Settle::Ack,
                OnFailure::Nack { requeue } => Settle::Nack { requeue },
                OnFailure::Reject { requeue } => Settle::Reject { requeue },
                OnFailure::Retry => return Outcome::Retry,
            }),
        }
    }

    /// Stops the busy clock at `now`.
    pub fn idle(&mut self, now: u64) {
        if let Some(since) = self.busy_since.take() {
            self.busy_total += now.saturating_sub(since);
        }
    }

    /// Busy time up to `now` (µs).
    pub fn busy(&self, now: u64) -> u64 {
        self.busy_total + self.busy_since.map_or(0, |s| now.saturating_sub(s))
    }

    /// A new connection: everything held is lost (the broker requeues its copies).
    pub fn disconnect(&mut self, channel: ChannelId, now: u64) -> Vec<Held> {
        self.idle(now);
        self.epoch += 1;
        self.channel = channel;
        self.kept.clear();
        self.held.drain(..).collect()
    }
}
