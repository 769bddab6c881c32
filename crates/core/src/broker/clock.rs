//! Virtual time and the broker's lifecycle: `advance(now)` runs everything that falls due up
//! to `now` in time order (expiry at queue heads and its dead letters, queues unused for
//! `x-expires`, the retries of at-least-once dead-letter workers), plus `queue.purge`,
//! connection close (exclusive queues) and a broker restart, which keeps durable queues'
//! persistent messages, reports what was lost and gives at-least-once queues new workers.

use crate::broker::Broker;
use crate::channel::Unacked;
use crate::error::{BrokerError, Kind};
use crate::event::Event;
use crate::queue::config::QueueKind;
use crate::queue::entry::Entry;

/// A bound on timer rounds in one `advance`, so a bug cannot hang the browser.
const MAX_ROUNDS: usize = 100_000;

impl Broker {
    /// Moves virtual time forward to `now` (ms), running what falls due on the way: expired
    /// messages at queue heads (and their dead letters), then queues unused for `x-expires`.
    /// Time cannot go back: that is a [`BrokerError::TimeInPast`].
    pub fn advance(&mut self, now: u64) -> Result<(), BrokerError> {
        if now < self.now {
            return Err(BrokerError::TimeInPast {
                now,
                current: self.now,
            });
        }
        // Most brokers never have a timer: then there is nothing to run, nor to look at.
        if self.maybe_due {
            self.run_timers(now);
        }
        self.now = now;
        Ok(())
    }

    /// Runs what falls due up to `now`, in time order. Kept out of [`Broker::advance`], which
    /// every publish and settlement calls: inlined, its set-up cost more than the check.
    #[inline(never)]
    fn run_timers(&mut self, now: u64) {
        for _ in 0..MAX_ROUNDS {
            let Some(due) = self.next_due().filter(|due| *due <= now) else {
                break;
            };
            self.now = self.now.max(due);
            self.run_due();
        }
    }

    /// Whether any queue may ever need the clock (an `x-expires`, or a copy with an expiry
    /// came in); until then [`Broker::next_due`] is `None` without looking.
    pub fn has_timers(&self) -> bool {
        self.maybe_due
    }

    /// When (ms) the earliest queue next needs attention: an expiry or an unused queue.
    pub fn next_due(&self) -> Option<u64> {
        if !self.maybe_due {
            return None;
        }
        self.all_queues().filter_map(|q| q.next_due()).min()
    }

    fn run_due(&mut self) {
        let names: Vec<(String, String)> = self
            .all_queues()
            .map(|q| (q.vhost.to_string(), q.name().to_owned()))
            .collect();
        let now = self.now;
        for (vhost, queue) in names {
            let unused = self
                .queue(&vhost, &queue)
                .is_some_and(|q| q.is_unused_since_expiry(now));
            if unused {
                let why = Event::QueueExpired {
                    vhost: vhost.as_str().into(),
                    queue: queue.as_str().into(),
                };
                self.remove_queue(&vhost, &queue, Some(why));
            } else {
                let fired = self.with_queue(&vhost, &queue, |q, cx| {
                    q.dispatch(cx);
                    q.dlx.fire(now).then_some(q.slot)
                });
                if let Some(slot) = fired.flatten() {
                    self.retry_dead_letters(slot);
                }
            }
        }
        self.run_dead_letters();
    }

    /// `queue.purge`: removes the ready messages; gives how many.
    pub fn purge(&mut self, vhost: &str, queue: &str, now: u64) -> Result<usize, BrokerError> {
        self.topology(vhost)?;
        if self.queue(vhost, queue).is_none() {
            return Err(BrokerError::NotFound {
                kind: Kind::Queue,
                name: queue.to_owned(),
                vhost: vhost.to_owned(),
            });
        }
        self.advance(now)?;
        Ok(self
            .with_queue(vhost, queue, |q, cx| q.purge(cx))
            .unwrap_or(0))
    }

    /// Connection close: every channel closes, then the exclusive queues are deleted.
    pub fn close_connection(&mut self, now: u64) -> Result<(), BrokerError> {
        for channel in self.channels.ids() {
            self.close_channel(channel, now)?;
        }
        let exclusive: Vec<(String, String)> = self
            .all_queues()
            .filter(|q| q.decl.exclusive)
            .map(|q| (q.vhost.to_string(), q.name().to_owned()))
            .collect();
        for (vhost, queue) in exclusive {
            let why = Event::QueueAutoDeleted {
                vhost: vhost.as_str().into(),
                queue: queue.as_str().into(),
            };
            self.remove_queue(&vhost, &queue, Some(why));
        }
        Ok(())
    }

    /// A broker restart: connections die, durable queues keep their persistent messages
    /// (quorum queues keep all; unsettled ones come back as redelivered), everything else is
    /// lost, and so are non-durable (or exclusive) queues and non-durable exchanges.
    pub fn restart(&mut self, now: u64) -> Result<(), BrokerError> {
        self.advance(now)?;
        self.events.push(Event::Restarted);
        let mut unacked: Vec<Unacked> = Vec::new();
        for channel in self.channels.ids() {
            unacked.extend(self.channels.close(channel).into_iter().map(|(_, u)| u));
        }
        self.restart_queues();
        for u in unacked {
            let survives = self
                .queue_in_slot(u.slot)
                .is_some_and(|q| keeps(q.config.kind, &u.entry));
            let message = u.entry.content.id;
            let (vhost, queue) = self.slot_names(u.slot);
            if survives {
                self.with_slot(u.slot, |q, _| q.restore(u.entry.clone()));
                self.events.push(Event::Requeued {
                    message,
                    vhost,
                    queue,
                });
            } else {
                self.events.push(Event::LostOnRestart {
                    message,
                    vhost,
                    queue,
                });
            }
        }
        self.restart_exchanges();
        self.restart_workers();
        Ok(())
    }

    fn restart_queues(&mut self) {
        let now = self.now;
        let names: Vec<(String, String, bool)> = self
            .all_queues()
            .map(|q| {
                let survives = q.decl.durable && !q.decl.exclusive;
                (q.vhost.to_string(), q.name().to_owned(), survives)
            })
            .collect();
        for (vhost, queue, survives) in names {
            let lost = self
                .with_queue(&vhost, &queue, |q, _| {
                    let kind = q.config.kind;
                    // x-expires counts again from the restart.
                    q.touch(now);
                    q.keep_only(|e| survives && keeps(kind, e))
                })
                .unwrap_or_default();
            for message in lost {
                self.events.push(Event::LostOnRestart {
                    message,
                    vhost: vhost.as_str().into(),
                    queue: queue.as_str().into(),
                });
            }
            if !survives {
                let why = Event::QueueLost {
                    vhost: vhost.as_str().into(),
                    queue: queue.as_str().into(),
                };
                self.remove_queue(&vhost, &queue, Some(why));
            }
        }
    }

    fn restart_exchanges(&mut self) {
        let lost: Vec<(String, String)> = self
            .vhosts
            .iter()
            .flat_map(|(v, t)| {
                t.exchanges()
                    .filter(|x| !x.decl.durable)
                    .map(move |x| (v.clone(), x.name().to_owned()))
            })
            .collect();
        for (vhost, exchange) in lost {
            let Ok(removed) = self
                .topology_mut(&vhost)
                .and_then(|t| t.delete_exchange(&exchange, false))
            else {
                continue;
            };
            self.events.push(Event::ExchangeLost {
                vhost: vhost.as_str().into(),
                exchange: exchange.into(),
            });
            self.record_removed(&vhost, removed);
        }
    }
}

/// Whether a copy survives a restart of its (durable) queue: quorum queues keep everything,
/// classic queues keep persistent messages (`delivery_mode` 2).
fn keeps(kind: QueueKind, entry: &Entry) -> bool {
    kind == QueueKind::Quorum || entry.content.properties.persistent()
}
