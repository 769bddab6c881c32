//! The broker's own log of its events, as the simulation reads it: the events every copy of
//! every message makes (published, routed, confirmed, enqueued, delivered, settled, requeued)
//! are compact values that name a queue by its slot and share the message's content, so making
//! and dropping one costs almost nothing; the rest are kept as [`Event`]s. It knows how to
//! become an [`Event`] (the broker resolves slots into names); it knows nothing of the
//! simulation.

use std::rc::Rc;

use crate::broker::Settle;
use crate::channel::ChannelId;
use crate::event::{Confirm, Event, MessageId, Name};
use crate::queue::entry::{Content, Delivery, MessageView};

/// One event as the broker records it. A `slot` is the broker's queue slot, which names the
/// same (vhost, queue) for the broker's life.
#[derive(Debug, Clone)]
pub(crate) enum Record {
    /// A publish, and when it reached queues, its routing (the `Routed` event after it): one
    /// record for the two events every routed message makes.
    Published {
        vhost: Name,
        content: Content,
        routed: Option<Rc<[Name]>>,
    },
    Returned {
        message: MessageId,
    },
    Unroutable {
        message: MessageId,
    },
    /// The publisher confirm of a publish whose last record is not one of its copies (see
    /// [`Records::confirm_last`]).
    Confirmed {
        message: MessageId,
        confirm: Confirm,
    },
    /// A copy entered a queue; `confirm` is its publish's confirm when this copy was the last
    /// thing the publish did (the `Confirmed` event comes right after).
    Enqueued {
        message: MessageId,
        slot: usize,
        confirm: Option<Confirm>,
    },
    Delivered(Delivered),
    /// `basic.ack`, `basic.nack` or `basic.reject` of one delivery.
    Settled {
        how: Settle,
        message: MessageId,
        slot: usize,
        channel: ChannelId,
        delivery_tag: u64,
    },
    Requeued {
        message: MessageId,
        slot: usize,
    },
    /// Any other event, as it is published.
    Other(Box<Event>),
}

/// `basic.deliver` or `basic.get-ok`: what [`Event::Delivered`] says, with the message's
/// content shared rather than its view built.
#[derive(Debug, Clone)]
pub(crate) struct Delivered {
    /// The queue's slot, in the half word beside the channel: the record then takes nine
    /// words (a broker holds far fewer than 2^32 slots).
    pub slot: u32,
    pub channel: ChannelId,
    pub consumer: Option<Name>,
    pub auto_ack: bool,
    pub delivery_tag: u64,
    pub redelivered: bool,
    /// `x-delivery-count` (quorum queues), as the copy counts it (see
    /// [`crate::queue::entry::Entry::delivery_count`]): a word less for every delivery recorded.
    pub delivery_count: Option<u32>,
    pub content: Content,
    /// The copy went to a waiting consumer as it arrived: this record stands for its
    /// `Enqueued` event too, which comes first (one record for the two events of most copies).
    pub arrived: bool,
    /// Its publish's confirm, when this copy was the last thing the publish did (the
    /// `Confirmed` event comes right after the delivery).
    pub confirm: Option<Confirm>,
}

impl Delivered {
    /// The delivery as a client sees it.
    pub fn delivery(&self) -> Delivery {
        Delivery {
            delivery_tag: self.delivery_tag,
            message: MessageView::of(
                &self.content,
                self.redelivered,
                self.delivery_count.map(u64::from),
            ),
        }
    }
}

/// The broker's event log, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Records(Vec<Record>);

impl Records {
    /// Records an event that has no compact form.
    pub(crate) fn push(&mut self, event: Event) {
        self.0.push(Record::Other(Box::new(event)));
    }

    pub(crate) fn record(&mut self, record: Record) {
        self.0.push(record);
    }

    pub(crate) fn extend(&mut self, events: impl IntoIterator<Item = Event>) {
        for event in events {
            self.push(event);
        }
    }

    /// Puts the confirm of publish `message` on the last record when that is a copy of the
    /// message as it arrived (its `Confirmed` event then follows that copy's events, as it
    /// would follow a record of its own); whether it did.
    pub(crate) fn confirm_last(&mut self, message: MessageId, confirm: Confirm) -> bool {
        let place = match self.0.last_mut() {
            Some(Record::Enqueued {
                message: m,
                confirm: place,
                ..
            }) if *m == message => place,
            Some(Record::Delivered(d)) if d.arrived && d.content.id == message => &mut d.confirm,
            _ => return false,
        };
        *place = Some(confirm);
        true
    }

    /// How and in which slot a settlement was made, when its record is the only one (the
    /// usual outcome of an ack: nothing dispatched, nothing dead-lettered); the record is
    /// taken.
    pub(crate) fn take_settled_alone(&mut self) -> Option<(Settle, usize)> {
        if !matches!(self.0.as_slice(), [Record::Settled { .. }]) {
            return None;
        }
        match self.0.pop()? {
            settled @ Record::Settled { how, slot, .. } => {
                // A settlement's record holds nothing to free: forgotten, it costs no call to
                // the records' drop (which a clear makes per record, to find out what to free).
                std::mem::forget(settled);
                Some((how, slot))
            }
            other => {
                self.0.push(other);
                None
            }
        }
    }

    /// The records so far, leaving `spare` (emptied) for the next ones.
    pub(crate) fn take(&mut self, mut spare: Vec<Record>) -> Vec<Record> {
        spare.clear();
        std::mem::replace(&mut self.0, spare)
    }
}

impl Record {
    /// Appends the events this record stands for to `out` (a routed publish is two); `names`
    /// gives a slot's (vhost, queue).
    pub(crate) fn into_events(self, names: impl Fn(usize) -> (Name, Name), out: &mut Vec<Event>) {
        let event = match self {
            Record::Published {
                vhost,
                content,
                routed,
            } => {
                let message = content.id;
                out.push(Event::Published {
                    message,
                    vhost,
                    exchange: content.exchange.clone(),
                    routing_key: content.routing_key.clone(),
                });
                match routed {
                    Some(queues) => Event::Routed { message, queues },
                    None => return,
                }
            }
            Record::Returned { message } => Event::Returned { message },
            Record::Unroutable { message } => Event::Unroutable { message },
            Record::Confirmed { message, confirm } => Event::Confirmed { message, confirm },
            Record::Enqueued {
                message,
                slot,
                confirm,
            } => {
                let (vhost, queue) = names(slot);
                out.push(Event::Enqueued {
                    message,
                    vhost,
                    queue,
                });
                match confirm {
                    Some(confirm) => Event::Confirmed { message, confirm },
                    None => return,
                }
            }
            Record::Delivered(d) => {
                let (vhost, queue) = names(d.slot as usize);
                if d.arrived {
                    out.push(Event::Enqueued {
                        message: d.content.id,
                        vhost: vhost.clone(),
                        queue: queue.clone(),
                    });
                }
                let (message, confirm) = (d.content.id, d.confirm);
                out.push(Event::Delivered {
                    vhost,
                    queue,
                    channel: d.channel,
                    auto_ack: d.auto_ack,
                    delivery: d.delivery(),
                    consumer: d.consumer,
                });
                match confirm {
                    Some(confirm) => Event::Confirmed { message, confirm },
                    None => return,
                }
            }
            Record::Settled {
                how,
                message,
                slot,
                channel,
                delivery_tag,
            } => settle_event(how, message, names(slot), channel, delivery_tag),
            Record::Requeued { message, slot } => {
                let (vhost, queue) = names(slot);
                Event::Requeued {
                    message,
                    vhost,
                    queue,
                }
            }
            Record::Other(event) => *event,
        };
        out.push(event);
    }
}

/// The event of a client's settlement (the outcome follows as its own event).
fn settle_event(
    how: Settle,
    message: MessageId,
    (vhost, queue): (Name, Name),
    channel: ChannelId,
    delivery_tag: u64,
) -> Event {
    match how {
        Settle::Ack => Event::Acked {
            message,
            vhost,
            queue,
            channel,
            delivery_tag,
        },
        Settle::Nack { requeue } => Event::Nacked {
            message,
            vhost,
            queue,
            channel,
            delivery_tag,
            requeue,
        },
        Settle::Reject { requeue } => Event::Rejected {
            message,
            vhost,
            queue,
            channel,
            delivery_tag,
            requeue,
        },
    }
}

#[cfg(test)]
mod tests {
    /// Every copy delivered is one record, made and dropped once: its slot and channel, its
    /// consumer's tag, its delivery tag, its delivery count, its content and four flags.
    #[test]
    fn a_delivery_record_is_nine_words() {
        assert_eq!(std::mem::size_of::<super::Delivered>(), 72);
        assert_eq!(std::mem::size_of::<super::Record>(), 72);
    }
}
