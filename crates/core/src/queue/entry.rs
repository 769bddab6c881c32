//! A message as queues hold it: the [`Content`] of one publish (or of one dead-letter
//! re-publish), its id and what every copy shares, and the per-queue [`Entry`] with its
//! sequence number, priority, expiry and redelivery state. Also what a consumer is handed
//! ([`Delivery`]). Knows nothing of routing or of the queue that holds it.

use std::rc::Rc;

use crate::event::{MessageId, Name};
use crate::message::{KeySource, Properties, Publish};
use crate::profile::Profile;
use crate::queue::death::{self, Death};
use crate::value::Value;

/// One message: its id, and what every copy of it shares. BCC is already stripped from the
/// headers. The shared part is the same allocation for every publish of a remembered route with
/// the same properties and body (see [`crate::broker::Broker`]'s routes): a plain publish then
/// allocates nothing of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    pub id: MessageId,
    /// When the first publish of its line was sent, in µs of the publisher's clock: an
    /// annotation the broker carries on every copy and hands on to its dead letters, and never
    /// reads (a simulation times end-to-end latency with it).
    pub sent: u64,
    shared: Rc<Shared>,
}

/// What a message's copies, and the publishes that share it, have in common.
#[derive(Debug, Clone, PartialEq)]
pub struct Shared {
    pub exchange: Name,
    pub routing_key: Name,
    pub properties: Rc<Properties>,
    pub body: Rc<[u8]>,
    /// Its routing keys, shared with every publish of the same label. One pointer, not two
    /// slices: the allocation then fits the allocator's smallest-cost bins.
    pub keys: Rc<Keys>,
    /// The broker's death history, most recent first (rendered as `x-death`).
    pub deaths: Vec<Death>,
}

/// A content reads as what it shares (its exchange, properties, body...).
impl std::ops::Deref for Content {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.shared
    }
}

/// The names and keys of a publish, which every publish with the same exchange and routing
/// keys can share (the broker remembers them with the route).
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub exchange: Name,
    pub routing_key: Name,
    /// See [`Shared::keys`].
    pub keys: Rc<Keys>,
}

/// The routing keys of a publish.
#[derive(Debug, Clone, PartialEq)]
pub struct Keys {
    /// Every routing key including CC and BCC: what a dead letter without a DLRK routes with.
    pub route: Vec<String>,
    /// The routing keys without BCC: what `x-death` records.
    pub visible: Vec<String>,
}

impl Keys {
    /// `key` alone, routed with and visible (a dead-letter routing key).
    pub fn one(key: &str) -> Keys {
        Keys {
            route: vec![key.to_owned()],
            visible: vec![key.to_owned()],
        }
    }
}

impl Label {
    /// The label of a checked publish with its routing keys.
    pub fn new(publish: &Publish, keys: &[(String, KeySource)]) -> Label {
        Label {
            exchange: publish.exchange.as_str().into(),
            routing_key: publish.routing_key.as_str().into(),
            keys: Rc::new(Keys {
                route: keys.iter().map(|(k, _)| k.clone()).collect(),
                visible: keys
                    .iter()
                    .filter(|(_, s)| *s != KeySource::Bcc)
                    .map(|(k, _)| k.clone())
                    .collect(),
            }),
        }
    }
}

impl Content {
    /// Message `id` with what it shares with others, sent at 0 (see [`Content::sent`]).
    pub fn new(id: MessageId, shared: Rc<Shared>) -> Content {
        Content {
            id,
            sent: 0,
            shared,
        }
    }

    /// This content, sent at `sent` (see [`Content::sent`]).
    pub fn sent_at(self, sent: u64) -> Content {
        Content { sent, ..self }
    }

    /// What this message shares with others.
    pub fn shared(&self) -> &Rc<Shared> {
        &self.shared
    }

    /// The content of a checked publish.
    pub fn from_publish(
        id: MessageId,
        publish: &Publish,
        keys: &[(String, KeySource)],
        profile: Profile,
    ) -> Content {
        Content::labelled(id, publish, Label::new(publish, keys), profile)
    }

    /// [`Content::from_publish`] with the label already made.
    pub fn labelled(id: MessageId, publish: &Publish, label: Label, profile: Profile) -> Content {
        let mut properties = publish.properties.clone();
        properties.headers.remove("BCC");
        Content::sharing(id, publish, label, Rc::new(properties), profile)
    }

    /// [`Content::labelled`] with `properties` made already: the publish's, BCC stripped
    /// (shared with earlier contents that have the same).
    pub fn sharing(
        id: MessageId,
        publish: &Publish,
        label: Label,
        properties: Rc<Properties>,
        profile: Profile,
    ) -> Content {
        let deaths = if profile.interprets_client_x_death() {
            death::parse(properties.headers.get("x-death"))
        } else {
            Vec::new()
        };
        let shared = Shared {
            exchange: label.exchange,
            routing_key: label.routing_key,
            properties,
            body: publish.body.clone(),
            keys: label.keys,
            deaths,
        };
        Content::new(id, Rc::new(shared))
    }
}

impl Shared {
    pub fn size(&self) -> usize {
        self.body.len()
    }
}

/// Sequence number of a copy in its queue: the order of arrival, and the position a classic
/// requeue restores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Seq(pub u64);

/// Virtual time (ms) from which a copy is expired, if ever. One word, not an `Option`'s two:
/// every queued and unsettled copy carries one, and every checkpoint copies them all.
/// `u64::MAX` stands for never; no expiry reaches it, since a TTL is at most `i64::MAX` ms
/// and added to a clock far below 2^63 ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry(u64);

impl Expiry {
    /// No expiry.
    pub const NEVER: Expiry = Expiry(u64::MAX);

    /// Expired from `at` (ms) if given, never otherwise.
    #[inline]
    pub fn at(at: Option<u64>) -> Expiry {
        at.map_or(Expiry::NEVER, Expiry)
    }

    /// When it is expired, if ever.
    #[inline]
    pub fn get(self) -> Option<u64> {
        (self != Expiry::NEVER).then_some(self.0)
    }

    #[inline]
    pub fn is_some(self) -> bool {
        self != Expiry::NEVER
    }

    /// Whether it is expired at `now` (never, for [`Expiry::NEVER`], as no clock reaches it).
    #[inline]
    pub fn is_due(self, now: u64) -> bool {
        self.0 <= now && self.is_some()
    }
}

/// One queue's copy of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub content: Content,
    pub seq: Seq,
    /// Virtual time (ms) from which the copy is expired; kept across requeues.
    pub expires_at: Expiry,
    /// Quorum queues: returns counted toward the delivery limit (`x-delivery-count`). Four
    /// bytes, not eight, so that the copy takes six words: no simulation returns a copy 2^32
    /// times, and the count saturates rather than wraps if one did.
    pub delivery_count: u32,
    /// The effective priority in this queue (0 when the queue has none).
    pub priority: u8,
    pub redelivered: bool,
}

impl Entry {
    pub fn is_expired(&self, now: u64) -> bool {
        self.expires_at.is_due(now)
    }

    pub fn size(&self) -> usize {
        self.content.size()
    }

    /// What a client sees of this copy. `delivery_count` adds `x-delivery-count` (quorum queues).
    pub fn view(&self, delivery_count: Option<u64>) -> MessageView {
        MessageView::of(&self.content, self.redelivered, delivery_count)
    }
}

/// A message as a client sees it (in a delivery, a `basic.get` answer, or a queue dump).
#[derive(Debug, Clone, PartialEq)]
pub struct MessageView {
    pub message: MessageId,
    pub exchange: Name,
    pub routing_key: Name,
    pub redelivered: bool,
    /// Shared with the queue's copy (copied only to add `x-delivery-count`).
    pub properties: Rc<Properties>,
    pub body: Rc<[u8]>,
}

impl MessageView {
    /// What a client sees of a copy of `content`. `delivery_count` adds `x-delivery-count`
    /// (quorum queues).
    pub fn of(content: &Content, redelivered: bool, delivery_count: Option<u64>) -> MessageView {
        let mut properties = content.properties.clone();
        if let Some(count) = delivery_count {
            let count = i64::try_from(count).unwrap_or(i64::MAX);
            Rc::make_mut(&mut properties)
                .headers
                .insert("x-delivery-count", Value::Int(count));
        }
        MessageView {
            message: content.id,
            exchange: content.exchange.clone(),
            routing_key: content.routing_key.clone(),
            redelivered,
            properties,
            body: content.body.clone(),
        }
    }
}

/// `basic.deliver` or `basic.get-ok`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub delivery_tag: u64,
    pub message: MessageView,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every queued and unsettled copy is one, and every checkpoint copies them all: its id,
    /// send time and shared part, its sequence number, its expiry, and the count, priority and
    /// redelivered flag packed in one word.
    #[test]
    fn a_copy_is_six_words() {
        assert_eq!(std::mem::size_of::<Entry>(), 48);
        assert_eq!(Expiry::at(None), Expiry::NEVER);
        assert_eq!(Expiry::at(Some(7)).get(), Some(7));
        assert!(Expiry::at(Some(7)).is_due(7) && !Expiry::at(Some(7)).is_due(6));
        assert!(!Expiry::NEVER.is_due(u64::MAX) && Expiry::NEVER.get().is_none());
    }
}
