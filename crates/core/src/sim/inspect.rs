//! What the inspector shows of an actor that the public state does not already say: a
//! consumer's status, deliveries processed, the deliveries it holds and its channel (for its
//! unacked messages in [`crate::broker::Broker::unsettled`]). It reads; it changes nothing.

use crate::channel::ChannelId;
use crate::event::MessageId;
use crate::sim::actor::ConsumerId;
use crate::sim::engine::Simulation;

/// One consumer as the inspector shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsumerView {
    /// `running`, `stopped`, `down` or `idle`.
    pub status: &'static str,
    pub processed: u64,
    pub channel: ChannelId,
    /// Deliveries that reached it and are waiting or being processed, oldest first.
    pub in_hand: Vec<MessageId>,
    /// Share of the time since it started spent processing, 0 to 1.
    pub utilisation: f64,
}

impl Simulation {
    pub fn consumer_view(&self, consumer: ConsumerId) -> Option<ConsumerView> {
        let c = self.state.consumers.get(consumer.0 as usize)?;
        Some(ConsumerView {
            status: c.status.name(),
            processed: c.processed,
            channel: c.channel,
            in_hand: c.held.iter().map(|h| h.message).collect(),
            utilisation: self.utilisation(consumer.0 as usize),
        })
    }
}
