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
    /// Whether this is the consumer `tag` on `channel` (a tag is unique only on its channel).
    /// A settlement names its consumer by a clone of this tag, so the same pointer comes first
    /// and the bytes are compared only for a tag from elsewhere.
    fn is(&self, channel: ChannelId, tag: &str) -> bool {
        self.options.channel == channel
            && (std::ptr::eq(&*self.options.tag, tag) || &*self.options.tag == tag)
    }

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
/// With single active consumer, who is active follows [`Sac`].
#[derive(Debug, Clone, Default)]
pub struct Consumers {
    /// Boxed: each delivery moves the consumer served to the back, which moves a pointer
    /// per place rather than a whole consumer.
    #[allow(
        clippy::vec_box,
        reason = "the round-robin moves its entries at every delivery: boxed, a pointer each"
    )]
    order: Vec<Box<Consumer>>,
    /// Whether the consumers' `x-priority` differ (kept as they come and go): when they do
    /// not, the first in turn is the first not blocked, found without looking at the rest.
    mixed_priorities: bool,
    next_registration: u64,
    /// Single active consumer: the active one, by its registration number. A tag names a
    /// consumer only on its channel: two channels may each have a consumer `ctag` here.
    active: Option<u64>,
    /// The active one gets nothing more: a higher-priority consumer waits for its deliveries
    /// to be settled ([`Sac::ByPriority`]).
    quiescing: bool,
    pub ever_had_one: bool,
    kind: QueueKind,
    sac: Sac,
}

/// Single active consumer (`x-single-active-consumer`), and how the active one is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sac {
    /// Off: every consumer with capacity takes part.
    #[default]
    Off,
    /// Classic queues, and quorum queues before 4.0: the first registered is active until it
    /// leaves, then the longest waiting one.
    FirstRegistered,
    /// Quorum queues from 4.0 (`rabbit_fifo:activate_next_consumer` @v4.3.5; read from the
    /// source, not checked against a 4.x broker): the waiting consumers are ranked by
    /// `x-priority`, then prefetch (0 counts as 2,000, the credit RabbitMQ gives it), then
    /// arrival. When the first of them outranks the active one by priority, the active one
    /// *quiesces*: it gets nothing more, and once its deliveries are all settled the other
    /// takes over. As in RabbitMQ, it stays quiescing if that consumer leaves first.
    ByPriority,
}

impl Consumers {
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Consumer> {
        self.order.iter().map(|c| &**c)
    }

    /// The consumer `tag` on `channel`.
    pub fn get(&self, channel: ChannelId, tag: &str) -> Option<&Consumer> {
        self.order.iter().map(|c| &**c).find(|c| c.is(channel, tag))
    }

    fn registered(&self, registered: u64) -> Option<&Consumer> {
        self.order
            .iter()
            .map(|c| &**c)
            .find(|c| c.registered == registered)
    }

    /// Registers a consumer, with RabbitMQ's exclusivity rules (quorum queues ignore the flag).
    /// `false` is "in exclusive use" (403) and changes nothing.
    #[must_use]
    pub fn add(&mut self, options: ConsumeOptions, kind: QueueKind, sac: Sac) -> bool {
        let single_active = sac != Sac::Off;
        let exclusive = options.exclusive && kind == QueueKind::Classic;
        let held_exclusively = self
            .order
            .iter()
            .any(|c| c.options.exclusive && kind == QueueKind::Classic);
        if held_exclusively || (exclusive && (!self.order.is_empty() || single_active)) {
            return false;
        }
        if single_active && self.active.is_none() {
            self.active = Some(self.next_registration);
        }
        self.kind = kind;
        self.sac = sac;
        self.order.push(Box::new(Consumer {
            options,
            unacked: 0,
            registered: self.next_registration,
            blocked: false,
        }));
        self.next_registration += 1;
        self.ever_had_one = true;
        self.note_priorities();
        self.activate_next();
        true
    }

    /// Removes every consumer (a restart), remembering that there were some.
    pub fn clear(&mut self) {
        self.order.clear();
        self.mixed_priorities = false;
        self.active = None;
        self.quiescing = false;
    }

    /// Removes the consumer `tag` on `channel`; a single active consumer is replaced by the
    /// longest waiting one.
    pub fn remove(&mut self, channel: ChannelId, tag: &str) -> Option<Consumer> {
        let index = self.order.iter().position(|c| c.is(channel, tag))?;
        let gone = self.order.remove(index);
        self.note_priorities();
        if self.active == Some(gone.registered) {
            // Every consumer left is waiting now.
            self.active = None;
            self.quiescing = false;
            self.active = match self.sac {
                Sac::ByPriority => self.first_waiting().map(|c| c.registered),
                Sac::Off | Sac::FirstRegistered => self.order.iter().map(|c| c.registered).min(),
            };
        }
        Some(*gone)
    }

    /// Sets [`Consumers::mixed_priorities`] after a consumer came or went.
    fn note_priorities(&mut self) {
        let mut priorities = self.order.iter().map(|c| c.options.priority);
        let first = priorities.next();
        self.mixed_priorities = priorities.any(|p| Some(p) != first);
    }

    /// The active consumer, and whether it is quiescing (single active consumer only).
    pub fn active(&self) -> Option<(&str, bool)> {
        let active = self.registered(self.active?)?;
        Some((&active.options.tag, self.quiescing))
    }

    /// [`Sac::ByPriority`]: activates the first waiting consumer if none is active, hands over
    /// to it if it outranks the active one and that one has nothing unsettled, or else makes
    /// the active one quiesce. The check is inlined (it runs at every settlement).
    #[inline]
    fn activate_next(&mut self) {
        if self.sac == Sac::ByPriority {
            self.activate_by_priority();
        }
    }

    fn activate_by_priority(&mut self) {
        let Some(next) = self.first_waiting() else {
            return;
        };
        let (next, priority) = (next.registered, next.options.priority);
        let active = self.active.and_then(|a| self.registered(a));
        match active {
            None => self.active = Some(next),
            Some(a) if priority > a.options.priority && a.unacked == 0 => {
                self.active = Some(next);
                self.quiescing = false;
            }
            Some(a) if priority > a.options.priority => self.quiescing = true,
            Some(_) => {}
        }
    }

    /// The first of the waiting consumers in `rabbit_fifo`'s order (see [`Sac::ByPriority`]).
    fn first_waiting(&self) -> Option<&Consumer> {
        let credit = |c: &Consumer| match c.options.prefetch {
            0 => 2000,
            n => n,
        };
        self.order
            .iter()
            .map(|c| &**c)
            .filter(|c| self.active != Some(c.registered))
            .min_by_key(|c| {
                (
                    std::cmp::Reverse((c.options.priority, credit(c))),
                    c.registered,
                )
            })
    }

    /// The tags of the consumers on `channel`.
    pub fn on_channel(&self, channel: ChannelId) -> Vec<Name> {
        self.order
            .iter()
            .filter(|c| c.options.channel == channel)
            .map(|c| c.options.tag.clone())
            .collect()
    }

    /// A delivery to `tag` on `channel` was settled (acked, rejected or returned). A blocked
    /// consumer that has capacity again re-enters the round-robin at the back, as RabbitMQ
    /// re-adds an unblocked consumer (seen live on 3.10.8); one that was never blocked keeps
    /// its place.
    pub fn settled(&mut self, channel: ChannelId, tag: &str) {
        let Some(index) = self.order.iter().position(|c| c.is(channel, tag)) else {
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
        self.activate_next();
    }

    /// Chooses the consumer for the next message: the highest `x-priority` not blocked, first
    /// in round-robin order. One found at its prefetch limit is blocked and the next is tried;
    /// the one chosen moves to the back and its unacked count goes up. Inlined into its two
    /// callers (a copy's arrival at an idle queue, and dispatch): its options then stay in
    /// registers instead of being returned through memory, once per delivery.
    #[inline(always)]
    pub fn choose(&mut self) -> Option<ConsumeOptions> {
        loop {
            let index = self.next_in_turn()?;
            let candidate = self.order.get_mut(index)?;
            if !candidate.has_capacity() {
                candidate.blocked = true;
                continue;
            }
            if !candidate.options.auto_ack {
                candidate.unacked += 1;
            }
            // A quorum queue's consumer leaves the service queue with its last credit.
            candidate.blocked = self.kind == QueueKind::Quorum && !candidate.has_capacity();
            let options = candidate.options.clone();
            // To the back, the others keeping their order: one rotation, no removal and push.
            // Two or three (the usual tail of a queue with a few consumers) is one or two
            // swaps, no rotation (which copies through memmove).
            match self.order.get_mut(index..) {
                Some([a, b]) => std::mem::swap(a, b),
                Some([a, b, c]) => {
                    std::mem::swap(a, b);
                    std::mem::swap(b, c);
                }
                Some(tail) => tail.rotate_left(1),
                None => {}
            }
            return Some(options);
        }
    }

    /// The consumer whose turn it is, full or not: the highest `x-priority` among those not
    /// blocked (only the active one with single active consumer), first in round-robin order.
    fn next_in_turn(&self) -> Option<usize> {
        if self.quiescing {
            return None;
        }
        let mut eligible = self.order.iter().enumerate().filter(|(_, c)| !c.blocked);
        if let Some(active) = self.active {
            // Only the active one takes part.
            return eligible
                .find(|(_, c)| c.registered == active)
                .map(|(i, _)| i);
        }
        let (first, c) = eligible.next()?;
        if !self.mixed_priorities {
            return Some(first);
        }
        let mut best = (first, c.options.priority);
        for (i, c) in eligible {
            if c.options.priority > best.1 {
                best = (i, c.options.priority);
            }
        }
        Some(best.0)
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
                    if *sac { Sac::FirstRegistered } else { Sac::Off }
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
        assert!(consumers.add(consumer("c1", 1, 0), QueueKind::Classic, Sac::Off));
        assert_eq!(picks(&mut consumers, 1), ["c1"]);
        assert!(consumers.add(consumer("c2", 0, 0), QueueKind::Classic, Sac::Off));
        assert_eq!(picks(&mut consumers, 1), ["c2"]);
        consumers.settled(ChannelId(1), "c1");
        assert_eq!(picks(&mut consumers, 2), ["c2", "c1"]);
    }

    #[test]
    fn single_active_consumer_is_promoted_on_cancel() {
        let mut consumers = Consumers::default();
        for tag in ["a", "b", "c"] {
            assert!(consumers.add(
                consumer(tag, 0, 0),
                QueueKind::Classic,
                Sac::FirstRegistered
            ));
        }
        consumers.remove(ChannelId(1), "a");
        assert_eq!(picks(&mut consumers, 2), ["b", "b"]);
    }

    /// The consumers added in order to a 4.x quorum queue with single active consumer.
    fn by_priority(list: &[(&str, u32, i64)]) -> Consumers {
        let mut consumers = Consumers::default();
        for (tag, prefetch, priority) in list {
            let c = consumer(tag, *prefetch, *priority);
            assert!(consumers.add(c, QueueKind::Quorum, Sac::ByPriority));
        }
        consumers
    }

    #[test]
    fn a_higher_priority_newcomer_waits_for_the_active_ones_settlements() {
        let mut consumers = by_priority(&[("low", 2, 0)]);
        assert_eq!(picks(&mut consumers, 2), ["low", "low"]);
        assert!(consumers.add(consumer("high", 0, 5), QueueKind::Quorum, Sac::ByPriority));
        assert_eq!(consumers.active(), Some(("low", true)));
        assert_eq!(picks(&mut consumers, 1), ["-"]);
        consumers.settled(ChannelId(1), "low");
        assert_eq!(picks(&mut consumers, 1), ["-"]);
        consumers.settled(ChannelId(1), "low");
        assert_eq!(consumers.active(), Some(("high", false)));
        assert_eq!(picks(&mut consumers, 2), ["high", "high"]);
    }

    #[test]
    fn with_nothing_unsettled_a_higher_priority_newcomer_takes_over_at_once() {
        let mut consumers = by_priority(&[("a", 0, 0), ("same", 0, 0), ("b", 0, 3)]);
        assert_eq!(picks(&mut consumers, 2), ["b", "b"]);
        // Not higher than the active one: it waits.
        let mut consumers = by_priority(&[("a", 0, 3), ("lower", 0, 1), ("same", 0, 3)]);
        assert_eq!(picks(&mut consumers, 2), ["a", "a"]);
    }

    #[test]
    fn the_next_active_is_ranked_by_priority_then_prefetch_then_arrival() {
        let list = [
            ("a", 0, 9),
            ("b", 1, 1),
            ("c", 0, 1),
            ("d", 1, 2),
            ("e", 1, 2),
        ];
        let mut consumers = by_priority(&list);
        let mut order = Vec::new();
        while let Some((tag, _)) = consumers.active() {
            let tag = tag.to_owned();
            assert!(consumers.remove(ChannelId(1), &tag).is_some());
            order.push(tag);
        }
        assert_eq!(order, ["a", "d", "e", "c", "b"]);
    }

    #[test]
    fn a_quiescing_consumer_stays_so_when_the_newcomer_leaves_first() {
        let mut consumers = by_priority(&[("low", 1, 0)]);
        assert_eq!(picks(&mut consumers, 1), ["low"]);
        assert!(consumers.add(consumer("high", 0, 5), QueueKind::Quorum, Sac::ByPriority));
        assert!(consumers.remove(ChannelId(1), "high").is_some());
        consumers.settled(ChannelId(1), "low");
        assert_eq!(consumers.active(), Some(("low", true)));
        assert_eq!(picks(&mut consumers, 1), ["-"]);
    }

    #[test]
    fn first_registered_ignores_priority() {
        let mut consumers = Consumers::default();
        for (tag, priority) in [("low", 0), ("high", 5)] {
            let c = consumer(tag, 0, priority);
            assert!(consumers.add(c, QueueKind::Quorum, Sac::FirstRegistered));
        }
        assert_eq!(consumers.active(), Some(("low", false)));
        assert_eq!(picks(&mut consumers, 2), ["low", "low"]);
    }

    #[test]
    fn exclusive_rules() {
        let exclusive = |tag| ConsumeOptions {
            exclusive: true,
            ..consumer(tag, 0, 0)
        };
        let mut classic = Consumers::default();
        assert!(classic.add(exclusive("a"), QueueKind::Classic, Sac::Off));
        assert!(!classic.add(consumer("b", 0, 0), QueueKind::Classic, Sac::Off));
        let mut busy = Consumers::default();
        assert!(busy.add(consumer("a", 0, 0), QueueKind::Classic, Sac::Off));
        assert!(!busy.add(exclusive("b"), QueueKind::Classic, Sac::Off));
        assert!(!Consumers::default().add(
            exclusive("a"),
            QueueKind::Classic,
            Sac::FirstRegistered
        ));
        let mut quorum = Consumers::default();
        assert!(quorum.add(exclusive("a"), QueueKind::Quorum, Sac::Off));
        assert!(quorum.add(consumer("b", 0, 0), QueueKind::Quorum, Sac::Off));
    }
}
