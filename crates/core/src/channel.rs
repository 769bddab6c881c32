//! Channels as far as deliveries go: each has its own delivery-tag counter and holds the
//! deliveries its consumers and `basic.get`s have not settled yet. Acknowledging with
//! `multiple` settles every tag up to the one given. It owns the unacked copies; what happens
//! to a settled copy is the broker's decision. Tags only grow, so a channel's unsettled
//! deliveries are a queue in tag order: settling the oldest (the usual case) moves its front.

use rustc_hash::FxHashMap;

use crate::error::BrokerError;
use crate::event::Name;
use crate::queue::entry::Entry;

/// Identifies a channel. The runner uses [`ChannelId::FIRST`] only; the model takes several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(pub u32);

impl ChannelId {
    pub const FIRST: ChannelId = ChannelId(1);
}

/// A delivery not yet settled.
#[derive(Debug, Clone, PartialEq)]
pub struct Unacked {
    /// The queue's slot in the broker, which names the same (vhost, queue) for the broker's
    /// life: the names are looked up only where they are shown.
    pub(crate) slot: usize,
    /// `None` for a `basic.get`.
    pub consumer: Option<Name>,
    pub entry: Entry,
}

#[derive(Debug, Default)]
pub struct Channel {
    last_tag: u64,
    /// In tag order (tags are handed out increasing and recorded as they are), from
    /// `settled` on, with `holes` of them settled out of order (`None`, the tag kept for the
    /// search); the ones before `settled` were settled from the front and are `None`, and the
    /// one at `settled`, if any, is not. A vector, not a `VecDeque`: a push, once per
    /// delivery, is then inlined and writes the copy in place, where the deque's was a call
    /// that copied it again; and a settlement from the middle leaves a hole rather than
    /// moving the copies after it.
    unacked: Vec<(u64, Option<Unacked>)>,
    /// How many at the front of `unacked` are settled.
    settled: usize,
    /// How many from `settled` on are settled.
    holes: usize,
}

/// Settled deliveries at the front of a channel's vector (or holes in it) from which it is
/// compacted once they are half of it (or of what is left): the move is then paid for by as
/// many settlements as it moves copies, and the vector holds at most about twice what is
/// unsettled.
const COMPACT_FROM: usize = 32;

/// A copy holds the unsettled deliveries alone: the settled front and the holes are left out
/// (as a compaction drops them), so a checkpoint of the state copies no more than is unsettled.
impl Clone for Channel {
    fn clone(&self) -> Self {
        Channel {
            last_tag: self.last_tag,
            unacked: (self.live().iter())
                .filter(|(_, u)| u.is_some())
                .cloned()
                .collect(),
            settled: 0,
            holes: 0,
        }
    }
}

impl Channel {
    pub fn unacked(&self) -> impl Iterator<Item = (u64, &Unacked)> {
        self.live()
            .iter()
            .filter_map(|(t, u)| Some((*t, u.as_ref()?)))
    }

    /// The unsettled deliveries and the holes between them, in tag order.
    #[inline]
    fn live(&self) -> &[(u64, Option<Unacked>)] {
        self.unacked.get(self.settled..).unwrap_or_default()
    }

    /// The next delivery tag.
    pub fn next_tag(&mut self) -> u64 {
        self.last_tag += 1;
        self.last_tag
    }

    /// Holds an unsettled delivery under `tag` (replacing one already there). Inlined, as
    /// the delivery it is called for is: the copy is written in place, not passed.
    #[inline(always)]
    pub fn record(&mut self, tag: u64, unacked: Unacked) {
        // The usual case, a new tag, is the last: pushed, not inserted (an insert moves even
        // nothing at a cost). The vector is empty when nothing is unsettled (see
        // `Channel::advance`), so its last tag is the newest recorded.
        match self.unacked.last() {
            Some((newest, _)) if *newest >= tag => self.record_at(tag, unacked),
            _ => self.unacked.push((tag, Some(unacked))),
        }
    }

    /// [`Channel::record`] of a tag not newer than every other.
    #[inline(never)]
    fn record_at(&mut self, tag: u64, unacked: Unacked) {
        let at = match self.position(tag) {
            Ok(i) | Err(i) => self.settled + i,
        };
        match self.unacked.get_mut(at) {
            Some((t, slot)) if *t == tag => {
                if slot.is_none() {
                    self.holes = self.holes.saturating_sub(1);
                }
                *slot = Some(unacked);
            }
            _ => self.unacked.insert(at, (tag, Some(unacked))),
        }
    }

    /// Takes the delivery `tag`. The oldest, the usual case, is taken where it is and the
    /// front moved past it; any other is searched for out of line.
    #[inline]
    fn take(&mut self, tag: u64) -> Option<Unacked> {
        match self.unacked.get_mut(self.settled) {
            Some((oldest, unacked)) if *oldest == tag => {
                let taken = unacked.take();
                self.settled += 1;
                self.advance();
                taken
            }
            _ => self.take_later(tag),
        }
    }

    /// [`Channel::take`] of a delivery that is not the oldest (or of an unknown tag): it
    /// leaves a hole.
    #[inline(never)]
    fn take_later(&mut self, tag: u64) -> Option<Unacked> {
        let at = self.settled + self.position(tag).ok()?;
        let taken = self.unacked.get_mut(at)?.1.take()?;
        self.holes += 1;
        self.advance();
        let left = self.unacked.len() - self.settled;
        if self.holes >= COMPACT_FROM && 2 * self.holes >= left {
            self.unacked.retain(|(_, u)| u.is_some());
            (self.settled, self.holes) = (0, 0);
        }
        Some(taken)
    }

    /// Moves the front past the holes at it, then drops the settled front: all of it when
    /// nothing is left unsettled (the usual case when consumers keep up), or once it is past
    /// [`COMPACT_FROM`] and half the vector.
    #[inline(always)]
    fn advance(&mut self) {
        // Without holes (acks in delivery order) the front is unsettled: one check.
        while self.holes > 0
            && let Some((_, None)) = self.unacked.get(self.settled)
        {
            self.settled += 1;
            self.holes -= 1;
        }
        let (settled, len) = (self.settled, self.unacked.len());
        if settled == len {
            self.unacked.clear();
            (self.settled, self.holes) = (0, 0);
        } else if settled >= COMPACT_FROM && 2 * settled >= len {
            self.unacked.drain(..settled);
            self.settled = 0;
        }
    }

    /// Where `tag` is, or would be, in tag order. The usual cases first, without a search: a
    /// new tag goes after the newest, and the oldest is settled first. Inlined (the search
    /// is not): one per delivery and one per settlement, mostly a compare or two.
    #[inline]
    fn position(&self, tag: u64) -> Result<usize, usize> {
        let live = self.live();
        match (live.first(), live.last()) {
            (_, None) => Err(0),
            (_, Some((newest, _))) if *newest < tag => Err(live.len()),
            (Some((oldest, _)), _) if *oldest == tag => Ok(0),
            _ => self.search(tag),
        }
    }

    /// [`Channel::position`] of a tag neither new nor the oldest.
    #[inline(never)]
    fn search(&self, tag: u64) -> Result<usize, usize> {
        self.live().binary_search_by_key(&tag, |(t, _)| *t)
    }
}

/// Every open channel.
#[derive(Debug, Clone, Default)]
pub struct Channels {
    /// Channel `i` at index `i` (`None`: not open), for ids below [`DENSE_IDS`]: looked up at
    /// every delivery and settlement, where indexing costs less than hashing. The runner
    /// numbers its channels from 1, a new one per consumer connection.
    dense: Vec<Option<Channel>>,
    /// The channels with larger ids (a client may pick any), by hash.
    sparse: FxHashMap<ChannelId, Channel>,
}

/// Channel ids kept in [`Channels::dense`]: its table grows to the largest id used below this.
const DENSE_IDS: usize = 1 << 10;

impl Channels {
    /// The channel `channel` (opening it if needed), to hand out a tag and record a delivery
    /// with one lookup. Inlined, as the delivery it is called for is.
    #[inline(always)]
    pub fn open(&mut self, channel: ChannelId) -> &mut Channel {
        let i = channel.0 as usize;
        if i >= DENSE_IDS {
            return self.sparse.entry(channel).or_default();
        }
        if self.dense.len() <= i {
            self.dense.resize_with(i + 1, || None);
        }
        match self.dense.get_mut(i) {
            Some(place) => place.get_or_insert_with(Channel::default),
            // Resized above: never.
            None => self.sparse.entry(channel).or_default(),
        }
    }

    fn get_mut(&mut self, channel: ChannelId) -> Option<&mut Channel> {
        let i = channel.0 as usize;
        if i < DENSE_IDS {
            self.dense.get_mut(i)?.as_mut()
        } else {
            self.sparse.get_mut(&channel)
        }
    }

    /// Takes the deliveries `tag` names (with `multiple`, every tag up to it; tag 0 with
    /// `multiple` is all), in delivery-tag order. An unknown tag is a 406 and takes nothing.
    pub fn take(
        &mut self,
        channel: ChannelId,
        tag: u64,
        multiple: bool,
    ) -> Result<Vec<(u64, Unacked)>, BrokerError> {
        if !multiple {
            return self.take_one(channel, tag).map(|u| vec![(tag, u)]);
        }
        let unknown = BrokerError::UnknownDeliveryTag { tag };
        let Some(ch) = self.get_mut(channel) else {
            // Tag 0 with `multiple` is "everything outstanding", which may be nothing.
            return if tag == 0 {
                Ok(Vec::new())
            } else {
                Err(unknown)
            };
        };
        let end = match (tag, ch.position(tag)) {
            (0, _) => ch.live().len(),
            // A hole's tag was settled already: unknown, as one never delivered.
            (_, Ok(i)) if matches!(ch.live().get(i), Some((_, Some(_)))) => i + 1,
            (_, _) => return Err(unknown),
        };
        let start = ch.settled;
        let taken: Vec<(u64, Unacked)> = (ch.unacked.drain(start..start + end))
            .filter_map(|(t, u)| Some((t, u?)))
            .collect();
        ch.holes = ch.holes.saturating_sub(end - taken.len());
        ch.advance();
        Ok(taken)
    }

    /// [`Channels::take`] of one delivery without `multiple`.
    pub fn take_one(&mut self, channel: ChannelId, tag: u64) -> Result<Unacked, BrokerError> {
        let ch = self.get_mut(channel);
        let settled = ch.and_then(|ch| ch.take(tag));
        // Matched, not `ok_or`: an error made and dropped on every settlement cost more than
        // the lookup.
        match settled {
            Some(unacked) => Ok(unacked),
            None => Err(BrokerError::UnknownDeliveryTag { tag }),
        }
    }

    /// Closes a channel: its unsettled deliveries, in tag order.
    pub fn close(&mut self, channel: ChannelId) -> Vec<(u64, Unacked)> {
        let i = channel.0 as usize;
        let closed = if i < DENSE_IDS {
            self.dense.get_mut(i).and_then(Option::take)
        } else {
            self.sparse.remove(&channel)
        };
        closed
            .map(|ch| {
                (ch.unacked.into_iter())
                    .filter_map(|(t, u)| Some((t, u?)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The open channels' ids, in order.
    pub fn ids(&self) -> Vec<ChannelId> {
        self.iter().map(|(id, _)| id).collect()
    }

    pub fn get(&self, channel: ChannelId) -> Option<&Channel> {
        let i = channel.0 as usize;
        if i < DENSE_IDS {
            self.dense.get(i)?.as_ref()
        } else {
            self.sparse.get(&channel)
        }
    }

    /// The open channels, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (ChannelId, &Channel)> {
        let dense = (0u32..).zip(&self.dense);
        let dense = dense.filter_map(|(id, ch)| Some((ChannelId(id), ch.as_ref()?)));
        let mut sparse: Vec<(ChannelId, &Channel)> =
            self.sparse.iter().map(|(id, ch)| (*id, ch)).collect();
        crate::order::sort_by_key(&mut sparse, |(id, _)| *id);
        // Every dense id is below every sparse one.
        dense.chain(sparse)
    }
}

#[cfg(test)]
mod tests {
    use crate::broker::Broker;
    use crate::channel::{ChannelId, Channels};
    use crate::message::Publish;
    use crate::topology::QueueDecl;

    /// Settling in any order takes exactly the delivery named, once: the oldest is a pop, a
    /// later one is taken from the middle or the end.
    #[test]
    fn deliveries_settle_in_any_order() {
        let mut b = Broker::default();
        b.declare_queue("/", QueueDecl::new("q")).unwrap();
        let ch = ChannelId::FIRST;
        for _ in 0..4 {
            b.publish("/", &Publish::new("", "q"), 0).unwrap();
            b.get("/", "q", ch, false, 0).unwrap().unwrap();
        }
        let unsettled = |b: &Broker| -> Vec<u64> { b.unsettled().iter().map(|u| u.1).collect() };
        assert_eq!(unsettled(&b), [1, 2, 3, 4]);
        for (tag, known, left) in [
            (2, true, &[1, 3, 4][..]),
            (1, true, &[3, 4]),
            (1, false, &[3, 4]),
            (4, true, &[3]),
            (3, true, &[]),
        ] {
            assert_eq!(b.ack(ch, tag, false, 0).is_ok(), known, "tag {tag}");
            assert_eq!(unsettled(&b), left, "after tag {tag}");
        }
    }

    /// Settling from the front, from the middle, with `multiple`, and delivering again in
    /// between leaves what a plain list of tags would, across the compactions of the settled
    /// front.
    #[test]
    fn settled_fronts_are_dropped_without_losing_a_delivery() {
        let mut b = Broker::default();
        b.declare_queue("/", QueueDecl::new("q")).unwrap();
        let ch = ChannelId::FIRST;
        let mut model: Vec<u64> = Vec::new();
        let deliver = |b: &mut Broker, model: &mut Vec<u64>, n: usize| {
            for _ in 0..n {
                b.publish("/", &Publish::new("", "q"), 0).unwrap();
                let got = b.get("/", "q", ch, false, 0).unwrap().unwrap();
                model.push(got.delivery.delivery_tag);
            }
        };
        let unsettled = |b: &Broker| -> Vec<u64> { b.unsettled().iter().map(|u| u.1).collect() };
        deliver(&mut b, &mut model, 100);
        for _ in 0..60 {
            let oldest = model.remove(0);
            b.ack(ch, oldest, false, 0).unwrap();
            assert_eq!(unsettled(&b), model);
        }
        deliver(&mut b, &mut model, 100);
        let mut settled = Vec::new();
        for i in (1..model.len()).rev().step_by(2) {
            let tag = model.remove(i);
            b.ack(ch, tag, false, 0).unwrap();
            settled.push(tag);
            assert_eq!(unsettled(&b), model);
        }
        for step in 0..300u64 {
            let tag = match step % 5 {
                0 | 1 => model.first().copied(),
                2 => model.get(model.len() / 2).copied(),
                3 => model.last().copied(),
                _ if step % 2 == 0 => Some(1_000),
                _ => settled.get(step as usize % settled.len()).copied(),
            };
            let multiple = step % 7 == 6;
            let known = tag.is_some_and(|t| model.contains(&t));
            let result = b.ack(ch, tag.unwrap_or(1_000), multiple, 0);
            assert_eq!(result.is_ok(), known, "step {step}");
            if let (Some(t), true) = (tag, known) {
                settled.extend(model.iter().filter(|m| **m == t || multiple && **m < t));
                model.retain(|m| if multiple { *m > t } else { *m != t });
            }
            assert_eq!(unsettled(&b), model, "step {step}");
            if step % 11 == 0 {
                deliver(&mut b, &mut model, 7);
            }
            if step % 13 == 0 {
                // A copy (a checkpoint's) leaves out what is settled, and goes on the same.
                b = b.clone();
                assert_eq!(unsettled(&b), model, "step {step}, copied");
            }
        }
        b.ack(ch, 0, true, 0).unwrap();
        model.clear();
        assert!(unsettled(&b).is_empty());
        deliver(&mut b, &mut model, 3);
        assert_eq!(unsettled(&b), model);
    }

    /// The channels are kept by id or by hash but listed in id order, whatever order they
    /// opened in.
    #[test]
    fn channels_list_in_id_order() {
        let mut channels = Channels::default();
        let (big, bigger) = (super::DENSE_IDS as u32, u32::MAX);
        for id in (1..=40).rev().chain([bigger, 77, 50, big, 60]) {
            channels.open(ChannelId(id)).next_tag();
        }
        channels.close(ChannelId(60));
        assert!(channels.get(ChannelId(60)).is_none() && channels.get(ChannelId(big)).is_some());
        assert_eq!(channels.close(ChannelId(61)), []);
        let expected: Vec<ChannelId> = (1..=40)
            .chain([50, 77, big, bigger])
            .map(ChannelId)
            .collect();
        assert_eq!(channels.ids(), expected);
        let listed: Vec<ChannelId> = channels.iter().map(|(id, _)| id).collect();
        assert_eq!(listed, expected);
    }

    /// An unsettled delivery is its copy, its queue's slot and its consumer's tag: nine words.
    #[test]
    fn an_unsettled_delivery_is_nine_words() {
        assert_eq!(std::mem::size_of::<super::Unacked>(), 72);
    }
}
