//! The consumers of one queue: registration (exclusive consumers, single active consumer),
//! per-consumer prefetch, consumer priority (`x-priority`) and round-robin among the consumers
//! with spare capacity. It decides who gets the next message, never what the message is.

use crate::channel::ChannelId;
use crate::error::BrokerError;
use crate::event::Name;
use crate::queue::config::QueueKind;

/// `basic.consume` as the broker sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsumeOptions {
    pub channel: ChannelId,
    pub tag: Name,
    /// Per-consumer prefetch (`basic.qos` global=false); 0 is unlimited.
    pub prefetch: u32,
    /// `no_ack`: deliveries count as acknowledged when sent.
    pub auto_ack: bool,
    pub exclusive: bool,
    /// The `x-priority` consume argument.
    pub priority: i64,
}

impl ConsumeOptions {
    pub fn new(channel: ChannelId, tag: impl AsRef<str>) -> Self {
        ConsumeOptions {
            channel,
            tag: tag.as_ref().into(),
            prefetch: 0,
            auto_ack: false,
            exclusive: false,
            priority: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Consumer {
    pub options: ConsumeOptions,
    /// Deliveries not yet settled.
    pub unacked: u32,
    registered: u64,
    /// Out of the round-robin until a settlement gives it capacity again.
    blocked: bool,
}

impl Consumer {
    fn has_capacity(&self) -> bool {
        self.options.auto_ack || self.options.prefetch == 0 || self.unacked < self.options.prefetch
    }
}

/// The consumers in round-robin order (the one served last is at the back).
///
/// When a consumer at its prefetch limit leaves the round-robin differs by queue type, as
/// observed live on 3.10.8 (hand-23) and as RabbitMQ's code reads. A classic queue
/// (`rabbit_queue_consumers`) moves it to the blocked list only when a delivery attempt finds
/// it full, so a consumer that becomes full and is settled before the next delivery keeps its
/// place. A quorum queue (`rabbit_fifo`) takes it out of the service queue with the delivery
/// that uses its last credit. Either way an unblocked consumer re-enters at the back. The 4.x
/// profile follows the same rules: `deliver_to_consumer`/`block_consumer` and rabbit_fifo's
/// `maybe_queue_consumer` read the same at v4.3.5 (not checked against a 4.x broker).
///
/// FIXME: 4.0+ quorum queues let a higher-priority single-active-consumer newcomer take over
/// once the active one's deliveries are settled; here the first registered stays active.
#[derive(Debug, Clone, Default)]
pub struct Consumers {
    order: Vec<Consumer>,
    next_registration: u64,
    /// Single active consumer: the tag of the active one.
    active: Option<Name>,
    pub ever_had_one: bool,
    kind: QueueKind,
}

impl Consumers {
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Consumer> {
        self.order.iter()
    }

    pub fn get(&self, tag: &str) -> Option<&Consumer> {
        self.order.iter().find(|c| &*c.options.tag == tag)
    }

    /// Registers a consumer, with RabbitMQ's exclusivity rules (quorum queues ignore the flag).
    /// `false` is "in exclusive use" (403) and changes nothing.
    #[must_use]
    pub fn add(&mut self, options: ConsumeOptions, kind: QueueKind, single_active: bool) -> bool {
        let exclusive = options.exclusive && kind == QueueKind::Classic;
        let held_exclusively = self
            .order
            .iter()
            .any(|c| c.options.exclusive && kind == QueueKind::Classic);
        if held_exclusively || (exclusive && (!self.order.is_empty() || single_active)) {
            return false;
        }
        if single_active && self.active.is_none() {
            self.active = Some(options.tag.clone());
        }
        self.kind = kind;
        self.order.push(Consumer {
            options,
            unacked: 0,
            registered: self.next_registration,
            blocked: false,
        });
        self.next_registration += 1;
        self.ever_had_one = true;
        true
    }

    /// Removes every consumer (a restart), remembering that there were some.
    pub fn clear(&mut self) {
        self.order.clear();
        self.active = None;
    }

    /// Removes a consumer; a single active consumer is replaced by the longest waiting one.
    pub fn remove(&mut self, tag: &str) -> Option<Consumer> {
        let index = self.order.iter().position(|c| &*c.options.tag == tag)?;
        let gone = self.order.remove(index);
        if self.active.as_deref() == Some(tag) {
            self.active = self
                .order
                .iter()
                .min_by_key(|c| c.registered)
                .map(|c| c.options.tag.clone());
        }
        Some(gone)
    }

    /// The tags of the consumers on `channel`.
    pub fn on_channel(&self, channel: ChannelId) -> Vec<Name> {
        self.order
            .iter()
            .filter(|c| c.options.channel == channel)
            .map(|c| c.options.tag.clone())
            .collect()
    }

    /// A delivery to `tag` was settled (acked, rejected or returned). A blocked consumer that
    /// has capacity again re-enters the round-robin at the back, as RabbitMQ re-adds an
    /// unblocked consumer (seen live on 3.10.8); one that was never blocked keeps its place.
    pub fn settled(&mut self, tag: &str) {
        let Some(index) = self.order.iter().position(|c| &*c.options.tag == tag) else {
            return;
        };
        let Some(c) = self.order.get_mut(index) else {
            return;
        };
        c.unacked = c.unacked.saturating_sub(1);
        if c.blocked && c.has_capacity() {
            c.blocked = false;
            let unblocked = self.order.remove(index);
            self.order.push(unblocked);
        }
    }

    /// Chooses the consumer for the next message: the highest `x-priority` not blocked, first
    /// in round-robin order. One found at its prefetch limit is blocked and the next is tried;
    /// the one chosen moves to the back and its unacked count goes up.
    pub fn choose(&mut self) -> Option<ConsumeOptions> {
        loop {
            let index = self.next_in_turn()?;
            let candidate = self.order.get_mut(index)?;
            if !candidate.has_capacity() {
                candidate.blocked = true;
                continue;
            }
            let mut chosen = self.order.remove(index);
            if !chosen.options.auto_ack {
                chosen.unacked += 1;
            }
            // A quorum queue's consumer leaves the service queue with its last credit.
            chosen.blocked = self.kind == QueueKind::Quorum && !chosen.has_capacity();
            let options = chosen.options.clone();
            self.order.push(chosen);
            return Some(options);
        }
    }

    /// The consumer whose turn it is, full or not: the highest `x-priority` among those not
    /// blocked (only the active one with single active consumer), first in round-robin order.
    fn next_in_turn(&self) -> Option<usize> {
        let eligible = self.order.iter().enumerate().filter(|(_, c)| {
            !c.blocked
                && self
                    .active
                    .as_ref()
                    .is_none_or(|active| *active == c.options.tag)
        });
        let mut best: Option<(usize, i64)> = None;
        for (i, c) in eligible {
            if best.is_none_or(|(_, p)| c.options.priority > p) {
                best = Some((i, c.options.priority));
            }
        }
        best.map(|(i, _)| i)
    }
}

/// The 403 for an exclusive-consumer conflict.
pub fn exclusive_error(queue: &str, vhost: &str) -> BrokerError {
    BrokerError::ExclusiveConsumerUnavailable {
        queue: queue.to_owned(),
        vhost: vhost.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Case<'a> = (&'a [(&'a str, u32, i64)], bool, &'a [&'a str]);

    fn consumer(tag: &str, prefetch: u32, priority: i64) -> ConsumeOptions {
        ConsumeOptions {
            prefetch,
            priority,
            ..ConsumeOptions::new(ChannelId(1), tag)
        }
    }

    fn picks(consumers: &mut Consumers, n: usize) -> Vec<String> {
        (0..n)
            .map(|_| {
                consumers
                    .choose()
                    .map(|o| o.tag.to_string())
                    .unwrap_or_else(|| "-".into())
            })
            .collect()
    }

    #[test]
    fn round_robin_prefetch_priority_and_single_active() {
        // (consumers as (tag, prefetch, priority), single active, picks)
        let cases: &[Case] = &[
            (&[("a", 0, 0), ("b", 0, 0)], false, &["a", "b", "a", "b"]),
            (&[("a", 1, 0), ("b", 2, 0)], false, &["a", "b", "b", "-"]),
            (&[("a", 0, 0), ("b", 0, 5)], false, &["b", "b", "b"]),
            (&[("a", 0, 0), ("b", 1, 5)], false, &["b", "a", "a"]),
            (&[("a", 0, 0), ("b", 0, 0)], true, &["a", "a", "a"]),
            (&[("a", 1, 0), ("b", 0, 0)], true, &["a", "-"]),
        ];
        for (list, sac, want) in cases {
            let mut consumers = Consumers::default();
            for (tag, prefetch, priority) in *list {
                assert!(consumers.add(
                    consumer(tag, *prefetch, *priority),
                    QueueKind::Classic,
                    *sac
                ));
            }
            assert_eq!(
                picks(&mut consumers, want.len()),
                *want,
                "{list:?} sac={sac}"
            );
        }
    }

    #[test]
    fn an_unblocked_consumer_re_enters_at_the_back() {
        let mut consumers = Consumers::default();
        assert!(consumers.add(consumer("c1", 1, 0), QueueKind::Classic, false));
        assert_eq!(picks(&mut consumers, 1), ["c1"]);
        assert!(consumers.add(consumer("c2", 0, 0), QueueKind::Classic, false));
        assert_eq!(picks(&mut consumers, 1), ["c2"]);
        consumers.settled("c1");
        assert_eq!(picks(&mut consumers, 2), ["c2", "c1"]);
    }

    #[test]
    fn single_active_consumer_is_promoted_on_cancel() {
        let mut consumers = Consumers::default();
        for tag in ["a", "b", "c"] {
            assert!(consumers.add(consumer(tag, 0, 0), QueueKind::Classic, true));
        }
        consumers.remove("a");
        assert_eq!(picks(&mut consumers, 2), ["b", "b"]);
    }

    #[test]
    fn exclusive_rules() {
        let exclusive = |tag| ConsumeOptions {
            exclusive: true,
            ..consumer(tag, 0, 0)
        };
        let mut classic = Consumers::default();
        assert!(classic.add(exclusive("a"), QueueKind::Classic, false));
        assert!(!classic.add(consumer("b", 0, 0), QueueKind::Classic, false));
        let mut busy = Consumers::default();
        assert!(busy.add(consumer("a", 0, 0), QueueKind::Classic, false));
        assert!(!busy.add(exclusive("b"), QueueKind::Classic, false));
        assert!(!Consumers::default().add(exclusive("a"), QueueKind::Classic, true));
        let mut quorum = Consumers::default();
        assert!(quorum.add(exclusive("a"), QueueKind::Quorum, false));
        assert!(quorum.add(consumer("b", 0, 0), QueueKind::Quorum, false));
    }
}
