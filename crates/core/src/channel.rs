//! Channels as far as deliveries go: each has its own delivery-tag counter and holds the
//! deliveries its consumers and `basic.get`s have not settled yet. Acknowledging with
//! `multiple` settles every tag up to the one given. It owns the unacked copies; what happens
//! to a settled copy is the broker's decision. Tags only grow, so a channel's unsettled
//! deliveries are a queue in tag order: settling the oldest (the usual case) is a pop.

use std::collections::VecDeque;

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

#[derive(Debug, Clone, Default)]
pub struct Channel {
    last_tag: u64,
    /// In tag order (tags are handed out increasing and recorded as they are).
    unacked: VecDeque<(u64, Unacked)>,
}

impl Channel {
    pub fn unacked(&self) -> impl Iterator<Item = (u64, &Unacked)> {
        self.unacked.iter().map(|(t, u)| (*t, u))
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
        match self.position(tag) {
            Ok(i) => {
                if let Some(slot) = self.unacked.get_mut(i) {
                    slot.1 = unacked;
                }
            }
            // The usual case, a new tag, is the last: pushed, not inserted (an insert moves
            // even nothing at a cost).
            Err(i) if i == self.unacked.len() => self.unacked.push_back((tag, unacked)),
            Err(i) => self.unacked.insert(i, (tag, unacked)),
        }
    }

    /// Takes the delivery at `i` (tag order); the oldest, the usual case, is a pop.
    fn take_at(&mut self, i: usize) -> Option<(u64, Unacked)> {
        if i == 0 {
            self.unacked.pop_front()
        } else {
            self.unacked.remove(i)
        }
    }

    /// Where `tag` is, or would be, in tag order. The usual cases first, without a search: a
    /// new tag goes after the newest, and the oldest is settled first. Inlined (the search
    /// is not): one per delivery and one per settlement, mostly a compare or two.
    #[inline]
    fn position(&self, tag: u64) -> Result<usize, usize> {
        match (self.unacked.front(), self.unacked.back()) {
            (_, None) => Err(0),
            (_, Some((newest, _))) if *newest < tag => Err(self.unacked.len()),
            (Some((oldest, _)), _) if *oldest == tag => Ok(0),
            _ => self.search(tag),
        }
    }

    /// [`Channel::position`] of a tag neither new nor the oldest.
    #[inline(never)]
    fn search(&self, tag: u64) -> Result<usize, usize> {
        self.unacked.binary_search_by_key(&tag, |(t, _)| *t)
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
            (0, _) => ch.unacked.len(),
            (_, Ok(i)) => i + 1,
            (_, Err(_)) => return Err(unknown),
        };
        Ok(ch.unacked.drain(..end).collect())
    }

    /// [`Channels::take`] of one delivery without `multiple`.
    pub fn take_one(&mut self, channel: ChannelId, tag: u64) -> Result<Unacked, BrokerError> {
        let ch = self.get_mut(channel);
        let settled = ch.and_then(|ch| ch.position(tag).ok().and_then(|i| ch.take_at(i)));
        // Matched, not `ok_or`: an error made and dropped on every settlement cost more than
        // the lookup.
        match settled {
            Some((_, unacked)) => Ok(unacked),
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
            .map(|ch| ch.unacked.into_iter().collect())
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
