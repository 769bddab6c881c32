//! Getting messages out: `basic.get`, `basic.consume` / `basic.cancel`, and settling
//! deliveries with `basic.ack` / `basic.nack` / `basic.reject` (with `multiple` and `requeue`),
//! plus channel close, which requeues what its deliveries left unsettled. Several copies settled
//! together are handled queue by queue (by name), each in delivery-tag order.

use crate::broker::Broker;
use crate::channel::{ChannelId, Unacked};
use crate::error::{BrokerError, Kind};
use crate::event::{Event, Name, Record};
use crate::queue::Return;
use crate::queue::config::QueueKind;
use crate::queue::consumer::{self, ConsumeOptions};
use crate::queue::entry::Delivery;

/// A `basic.get-ok`: the delivery and how many messages are left in the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct GetOk {
    pub delivery: Delivery,
    pub message_count: usize,
}

/// How an unsettled delivery is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    Ack,
    Nack { requeue: bool },
    Reject { requeue: bool },
}

impl Broker {
    fn queue_exists(&self, vhost: &str, name: &str) -> Result<(), BrokerError> {
        self.topology(vhost)?;
        match self.queue(vhost, name) {
            Some(_) => Ok(()),
            None => Err(BrokerError::NotFound {
                kind: Kind::Queue,
                name: name.to_owned(),
                vhost: vhost.to_owned(),
            }),
        }
    }

    /// `basic.get`; `None` is `basic.get-empty`.
    pub fn get(
        &mut self,
        vhost: &str,
        queue: &str,
        channel: ChannelId,
        auto_ack: bool,
        now: u64,
    ) -> Result<Option<GetOk>, BrokerError> {
        self.queue_exists(vhost, queue)?;
        let quorum_sac = self
            .queue(vhost, queue)
            .is_some_and(|q| q.config.kind == QueueKind::Quorum && q.config.single_active_consumer);
        if quorum_sac {
            return Err(BrokerError::GetUnsupported {
                queue: queue.to_owned(),
                vhost: vhost.to_owned(),
            });
        }
        self.advance(now)?;
        let got = self
            .with_queue(vhost, queue, |q, cx| q.get(channel, auto_ack, cx))
            .flatten();
        self.run_dead_letters();
        Ok(got.map(|(delivery, message_count)| GetOk {
            delivery,
            message_count,
        }))
    }

    /// `basic.consume`: registers the consumer and dispatches what is ready. Reusing a consumer
    /// tag on the channel is a connection error (530), checked before the queue.
    pub fn consume(
        &mut self,
        vhost: &str,
        queue: &str,
        options: ConsumeOptions,
        now: u64,
    ) -> Result<(), BrokerError> {
        let tag_in_use = self
            .all_queues()
            .flat_map(|q| q.consumers())
            .any(|c| c.options.channel == options.channel && c.options.tag == options.tag);
        if tag_in_use {
            return Err(BrokerError::ConsumerTagInUse {
                tag: options.tag.to_string(),
            });
        }
        self.queue_exists(vhost, queue)?;
        self.advance(now)?;
        let (channel, tag) = (options.channel, options.tag.clone());
        let added = self.with_queue(vhost, queue, |q, _| q.add_consumer(options, now));
        if added != Some(true) {
            return Err(consumer::exclusive_error(queue, vhost));
        }
        self.events.push(Event::ConsumerAdded {
            vhost: vhost.into(),
            queue: queue.into(),
            channel,
            consumer: tag,
        });
        self.with_queue(vhost, queue, |q, cx| q.dispatch(cx));
        self.run_dead_letters();
        Ok(())
    }

    /// `basic.cancel`. Deliveries already sent stay unsettled on the channel (they can still be
    /// acknowledged), as in AMQP; an auto-delete queue that lost its last consumer is deleted.
    /// An unknown consumer tag is ignored, as the AMQP spec requires and RabbitMQ does.
    pub fn cancel(&mut self, channel: ChannelId, tag: &str, now: u64) -> Result<(), BrokerError> {
        let found = self
            .all_queues()
            .find(|q| q.consumers_on(channel).iter().any(|t| &**t == tag))
            .map(|q| (q.vhost.to_string(), q.name().to_owned()));
        self.advance(now)?;
        let Some((vhost, queue)) = found else {
            return Ok(());
        };
        self.detach(&vhost, &queue, channel, tag);
        // A classic queue does not run its message queue on basic.cancel (seen live on
        // 3.10.8: a promoted single active consumer waits for the next publish or ack);
        // a quorum queue checks out to the next consumer at once.
        self.with_queue(&vhost, &queue, |q, cx| {
            if q.config.kind == QueueKind::Quorum {
                q.dispatch(cx);
            }
        });
        self.auto_delete_if_unused(&vhost, &queue);
        self.run_dead_letters();
        Ok(())
    }

    /// Removes a consumer (no dispatch yet).
    fn detach(&mut self, vhost: &str, queue: &str, channel: ChannelId, tag: &str) {
        let now = self.now;
        self.with_queue(vhost, queue, |q, cx| {
            q.remove_consumer(channel, tag, now);
            cx.events.push(Event::ConsumerCancelled {
                vhost: vhost.into(),
                queue: queue.into(),
                channel,
                consumer: tag.into(),
            });
        });
    }

    /// An auto-delete queue that had consumers and has none left is deleted.
    /// An auto-delete queue that had consumers and has none left.
    fn is_unused_auto_delete(&self, vhost: &str, queue: &str) -> bool {
        self.queue(vhost, queue)
            .is_some_and(|q| q.decl.auto_delete && q.ever_had_consumer() && q.consumer_count() == 0)
    }

    fn auto_delete_if_unused(&mut self, vhost: &str, queue: &str) {
        if self.is_unused_auto_delete(vhost, queue) {
            let why = Event::QueueAutoDeleted {
                vhost: vhost.into(),
                queue: queue.into(),
            };
            self.remove_queue(vhost, queue, Some(why));
        }
    }

    /// `basic.ack`.
    pub fn ack(
        &mut self,
        channel: ChannelId,
        tag: u64,
        multiple: bool,
        now: u64,
    ) -> Result<(), BrokerError> {
        self.settle(channel, tag, multiple, Settle::Ack, now)
    }

    /// `basic.nack`.
    pub fn nack(
        &mut self,
        channel: ChannelId,
        tag: u64,
        multiple: bool,
        requeue: bool,
        now: u64,
    ) -> Result<(), BrokerError> {
        self.settle(channel, tag, multiple, Settle::Nack { requeue }, now)
    }

    /// `basic.reject` (one delivery).
    pub fn reject(
        &mut self,
        channel: ChannelId,
        tag: u64,
        requeue: bool,
        now: u64,
    ) -> Result<(), BrokerError> {
        self.settle(channel, tag, false, Settle::Reject { requeue }, now)
    }

    /// Settles one delivery or (with `multiple`) every one up to `tag`, in tag order.
    pub fn settle(
        &mut self,
        channel: ChannelId,
        tag: u64,
        multiple: bool,
        how: Settle,
        now: u64,
    ) -> Result<(), BrokerError> {
        self.advance(now)?;
        if !multiple {
            let unacked = self.channels.take_one(channel, tag)?;
            self.settle_one(channel, tag, unacked, how, true);
            self.run_dead_letters();
            return Ok(());
        }
        let mut taken = self.channels.take(channel, tag, multiple)?;
        if taken.len() == 1 {
            // One delivery: its queue is visited once, to settle and then to dispatch.
            for (delivery_tag, unacked) in taken {
                self.settle_one(channel, delivery_tag, unacked, how, true);
            }
            self.run_dead_letters();
            return Ok(());
        }
        // RabbitMQ settles per queue (queues in name order), each in delivery-tag order: seen
        // live as the order in which dead letters from two queues arrive.
        crate::order::sort_by(&mut taken, |(_, a), (_, b)| {
            self.slot_name(a.slot).cmp(&self.slot_name(b.slot))
        });
        let mut touched: Vec<(Name, Name)> = Vec::new();
        for (delivery_tag, unacked) in taken {
            // Sorted by queue above, so a repeat is the last one pushed.
            let key = self.slot_names(unacked.slot);
            if touched.last() != Some(&key) {
                touched.push(key);
            }
            self.settle_one(channel, delivery_tag, unacked, how, false);
        }
        self.after_returns(touched);
        Ok(())
    }

    /// Settles one delivery; with `dispatch` its queue then enforces its limit and dispatches
    /// (what [`Broker::after_returns`] does for a batch). An ack, the usual case, only frees
    /// the consumer's room and drops the copy; a return or a rejection is out of line, so that
    /// the copy is read field by field only where it goes on.
    fn settle_one(
        &mut self,
        channel: ChannelId,
        delivery_tag: u64,
        unacked: Unacked,
        how: Settle,
        dispatch: bool,
    ) {
        if how != Settle::Ack {
            return self.settle_back(channel, delivery_tag, unacked, how, dispatch);
        }
        let slot = unacked.slot;
        self.events.record(Record::Settled {
            how,
            message: unacked.entry.content.id,
            slot,
            channel,
            delivery_tag,
        });
        self.with_slot(slot, |q, cx| {
            q.settled(channel, unacked.consumer.as_deref());
            if dispatch {
                q.after_returns(cx);
            }
        });
    }

    /// [`Broker::settle_one`] of a nack or a reject: the copy is requeued or dead-lettered.
    #[inline(never)]
    fn settle_back(
        &mut self,
        channel: ChannelId,
        delivery_tag: u64,
        unacked: Unacked,
        how: Settle,
        dispatch: bool,
    ) {
        let Unacked {
            slot,
            consumer,
            entry,
        } = unacked;
        let message = entry.content.id;
        self.events.record(Record::Settled {
            how,
            message,
            slot,
            channel,
            delivery_tag,
        });
        let (requeue, counts) = match how {
            Settle::Ack => (None, false),
            Settle::Nack { requeue } => (
                Some(requeue),
                self.profile.nack_counts_toward_delivery_limit(),
            ),
            Settle::Reject { requeue } => (Some(requeue), true),
        };
        let present = self
            .with_slot(slot, |q, cx| {
                q.settled(channel, consumer.as_deref());
                match requeue {
                    Some(true) => {
                        let how = Return {
                            by_client: true,
                            counts,
                        };
                        q.take_back(entry, how, cx)
                    }
                    Some(false) => q.reject_to_dead_letter(entry.content, cx),
                    None => {}
                }
                if dispatch {
                    q.after_returns(cx);
                }
            })
            .is_some();
        if !present && requeue == Some(true) {
            let (vhost, queue) = self.slot_names(slot);
            self.events.push(Event::Purged {
                message,
                vhost,
                queue,
            });
        }
    }

    /// After a batch of returns: each touched queue (`touched` sorted, no repeats: a set in a
    /// `Vec`, so no B-tree of this key in the browser bundle) enforces its limit and dispatches,
    /// then the dead letters are routed.
    fn after_returns(&mut self, touched: Vec<(Name, Name)>) {
        for (vhost, queue) in touched {
            self.with_queue(&vhost, &queue, |q, cx| q.after_returns(cx));
        }
        self.run_dead_letters();
    }

    /// Channel close: its consumers are cancelled, then its unsettled deliveries requeued (a
    /// return that counts toward a quorum delivery limit).
    pub fn close_channel(&mut self, channel: ChannelId, now: u64) -> Result<(), BrokerError> {
        self.advance(now)?;
        let consumers: Vec<(Name, Name, Name)> = self
            .all_queues()
            .flat_map(|q| {
                q.consumers_on(channel)
                    .into_iter()
                    .map(move |tag| (q.vhost.clone(), q.label().clone(), tag))
            })
            .collect();
        for (vhost, queue, tag) in &consumers {
            self.detach(vhost, queue, channel, tag);
        }
        for queue in self.slots.iter_mut().flatten() {
            queue.forget_enqueuer(channel);
        }
        // An auto-delete queue left without consumers stops at once, without taking its unacked
        // messages back (`handle_ch_down` in rabbit_amqqueue_process): they go with the queue.
        let mut doomed: Vec<(Name, Name)> = Vec::new();
        for (v, q, _) in &consumers {
            if self.is_unused_auto_delete(v, q) {
                doomed.push((v.clone(), q.clone()));
            }
        }
        let mut touched = Vec::new();
        for (_, u) in self.channels.close(channel) {
            let key = self.slot_names(u.slot);
            let message = u.entry.content.id;
            let back = if doomed.contains(&key) {
                None
            } else {
                touched.push(key.clone());
                self.with_slot(u.slot, |q, cx| {
                    let how = Return {
                        by_client: false,
                        counts: true,
                    };
                    q.take_back(u.entry.clone(), how, cx)
                })
            };
            if back.is_none() {
                let (vhost, queue) = key;
                self.events.push(Event::Purged {
                    message,
                    vhost,
                    queue,
                });
            }
        }
        touched.extend(consumers.iter().map(|(v, q, _)| (v.clone(), q.clone())));
        touched.retain(|key| !doomed.contains(key));
        crate::order::sort_by(&mut touched, Ord::cmp);
        touched.dedup();
        self.after_returns(touched);
        for (vhost, queue, _) in &consumers {
            self.auto_delete_if_unused(vhost, queue);
        }
        Ok(())
    }
}
