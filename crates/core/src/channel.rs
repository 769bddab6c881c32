//! Channels as far as deliveries go: each has its own delivery-tag counter and holds the
//! deliveries its consumers and `basic.get`s have not settled yet. Acknowledging with
//! `multiple` settles every tag up to the one given. It owns the unacked copies; what happens
//! to a settled copy is the broker's decision.

use std::collections::BTreeMap;

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
    pub vhost: Name,
    pub queue: Name,
    /// `None` for a `basic.get`.
    pub consumer: Option<Name>,
    pub entry: Entry,
}

#[derive(Debug, Clone, Default)]
pub struct Channel {
    last_tag: u64,
    unacked: BTreeMap<u64, Unacked>,
}

impl Channel {
    pub fn unacked(&self) -> impl Iterator<Item = (u64, &Unacked)> {
        self.unacked.iter().map(|(t, u)| (*t, u))
    }
}

/// Every open channel.
#[derive(Debug, Clone, Default)]
pub struct Channels {
    open: BTreeMap<ChannelId, Channel>,
}

impl Channels {
    /// The next delivery tag of `channel` (opening it if needed).
    pub fn next_tag(&mut self, channel: ChannelId) -> u64 {
        let ch = self.open.entry(channel).or_default();
        ch.last_tag += 1;
        ch.last_tag
    }

    pub fn record(&mut self, channel: ChannelId, tag: u64, unacked: Unacked) {
        self.open
            .entry(channel)
            .or_default()
            .unacked
            .insert(tag, unacked);
    }

    /// Takes the deliveries `tag` names (with `multiple`, every tag up to it; tag 0 with
    /// `multiple` is all), in delivery-tag order. An unknown tag is a 406 and takes nothing.
    pub fn take(
        &mut self,
        channel: ChannelId,
        tag: u64,
        multiple: bool,
    ) -> Result<Vec<(u64, Unacked)>, BrokerError> {
        let unknown = BrokerError::UnknownDeliveryTag { tag };
        let Some(ch) = self.open.get_mut(&channel) else {
            // Tag 0 with `multiple` is "everything outstanding", which may be nothing.
            return if multiple && tag == 0 {
                Ok(Vec::new())
            } else {
                Err(unknown)
            };
        };
        if multiple {
            let upto = if tag == 0 { u64::MAX } else { tag };
            if tag != 0 && !ch.unacked.contains_key(&tag) {
                return Err(unknown);
            }
            let keep = ch.unacked.split_off(&upto.saturating_add(1));
            let taken = std::mem::replace(&mut ch.unacked, keep);
            return Ok(taken.into_iter().collect());
        }
        match ch.unacked.remove(&tag) {
            Some(u) => Ok(vec![(tag, u)]),
            None => Err(unknown),
        }
    }

    /// Closes a channel: its unsettled deliveries, in tag order.
    pub fn close(&mut self, channel: ChannelId) -> Vec<(u64, Unacked)> {
        self.open
            .remove(&channel)
            .map(|ch| ch.unacked.into_iter().collect())
            .unwrap_or_default()
    }

    pub fn ids(&self) -> Vec<ChannelId> {
        self.open.keys().copied().collect()
    }

    pub fn get(&self, channel: ChannelId) -> Option<&Channel> {
        self.open.get(&channel)
    }

    pub fn iter(&self) -> impl Iterator<Item = (ChannelId, &Channel)> {
        self.open.iter().map(|(id, ch)| (*id, ch))
    }
}
