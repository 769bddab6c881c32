//! Where the broker keeps its queue states: in slots, a (vhost, name) keeping its slot for the
//! broker's life (a queue deleted and declared again gets its old slot back). A slot therefore
//! names the same queue its names do, so what holds one (an unsettled delivery, a remembered
//! route) reaches its queue without looking the names up again. Deleted queues leave their
//! slot empty; every iteration skips those, in vhost then name order.

use std::rc::Rc;

use crate::broker::Broker;
use crate::event::Name;
use crate::name_map::NameMap;
use crate::queue::{Ctx, Queue};

impl Broker {
    /// The state of a queue (contents, consumers, settings).
    pub fn queue(&self, vhost: &str, name: &str) -> Option<&Queue> {
        self.queue_in(self.slot_of(vhost, name)?)
    }

    /// The slot of a queue ever declared: where [`Broker::queue_in`] finds it, and the index
    /// of its count in [`Broker::unacked_counts`].
    pub fn queue_slot(&self, vhost: &str, name: &str) -> Option<usize> {
        self.slot_of(vhost, name)
    }

    /// The state of the queue in `slot`, if it has one now.
    pub fn queue_in(&self, slot: usize) -> Option<&Queue> {
        self.slots.get(slot)?.as_ref()
    }

    /// The slot of a queue ever declared.
    pub(super) fn slot_of(&self, vhost: &str, name: &str) -> Option<usize> {
        self.queues.get(vhost)?.get(name).copied()
    }

    /// The slots of `names` in `vhost`, in their order; a name without a queue state gets a
    /// slot that holds none.
    pub(super) fn slots_of(&self, vhost: &str, names: &[Name]) -> Rc<[usize]> {
        let slot = |name: &Name| self.slot_of(vhost, name).unwrap_or(usize::MAX);
        names.iter().map(slot).collect()
    }

    /// The (vhost, name) of the queue in `slot`, which keeps them after the queue is deleted.
    pub(crate) fn slot_names(&self, slot: usize) -> (Name, Name) {
        self.slot_names.get(slot).cloned().unwrap_or_default()
    }

    /// [`Broker::slot_names`] borrowed.
    pub(crate) fn slot_name(&self, slot: usize) -> (&str, &str) {
        self.slot_names
            .get(slot)
            .map_or(("", ""), |(vhost, queue)| (vhost, queue))
    }

    /// The state of the queue in `slot`.
    pub(crate) fn queue_in_slot(&self, slot: usize) -> Option<&Queue> {
        self.slots.get(slot)?.as_ref()
    }

    /// Every queue state, by vhost then name.
    pub(super) fn all_queues(&self) -> impl Iterator<Item = &Queue> {
        let slots = &self.slots;
        self.queues
            .values()
            .flat_map(|qs| qs.values())
            .filter_map(|&slot| slots.get(slot)?.as_ref())
    }

    /// Every queue state of `vhost`, by name.
    pub fn queue_states(&self, vhost: &str) -> impl Iterator<Item = &Queue> {
        let slots = &self.slots;
        self.queues
            .get(vhost)
            .into_iter()
            .flat_map(|q| q.values())
            .filter_map(|&slot| slots.get(slot)?.as_ref())
    }

    /// Runs `f` on a queue's state with the context queue operations write to.
    pub(super) fn with_queue<R>(
        &mut self,
        vhost: &str,
        name: &str,
        f: impl FnOnce(&mut Queue, &mut Ctx) -> R,
    ) -> Option<R> {
        self.with_slot(self.slot_of(vhost, name)?, f)
    }

    /// [`Broker::with_queue`] for the queue in `slot`.
    pub(super) fn with_slot<R>(
        &mut self,
        slot: usize,
        f: impl FnOnce(&mut Queue, &mut Ctx) -> R,
    ) -> Option<R> {
        let queue = self.slots.get_mut(slot)?.as_mut()?;
        let mut cx = Ctx {
            events: &mut self.events,
            dead_letters: &mut self.dead_letters,
            channels: &mut self.channels,
            profile: self.profile,
            now: self.now,
        };
        let result = f(queue, &mut cx);
        self.maybe_due |= queue.may_fall_due();
        Some(result)
    }

    /// Puts a new queue state in its (vhost, name)'s slot, a fresh one the first time.
    pub(super) fn insert_queue(&mut self, mut queue: Queue) {
        let fresh = self.slots.len();
        let slot = self.slot_of(&queue.vhost, queue.name()).unwrap_or(fresh);
        queue.slot = slot;
        if slot == fresh {
            if !self.queues.contains_key(&*queue.vhost) {
                (self.queues).insert(queue.vhost.to_string(), NameMap::new());
            }
            if let Some(names) = self.queues.get_mut(&*queue.vhost) {
                names.insert(queue.name().to_owned(), fresh);
            }
            (self.slot_names).push((queue.vhost.clone(), queue.label().clone()));
            self.slots.push(Some(queue));
        } else if let Some(place) = self.slots.get_mut(slot) {
            *place = Some(queue);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::broker::Broker;
    use crate::channel::ChannelId;
    use crate::message::Publish;
    use crate::topology::QueueDecl;

    fn publish(b: &mut Broker, queue: &str) {
        b.publish("/", &Publish::new("", queue), 0).unwrap();
    }

    fn depth(b: &Broker, queue: &str) -> Option<usize> {
        b.queue("/", queue).map(|q| q.message_count())
    }

    #[test]
    fn a_queue_declared_again_takes_back_what_its_namesake_delivered() {
        let mut b = Broker::default();
        for q in ["a", "b"] {
            b.declare_queue("/", QueueDecl::new(q)).unwrap();
        }
        publish(&mut b, "a");
        publish(&mut b, "b");
        let got = b
            .get("/", "a", ChannelId::FIRST, false, 0)
            .unwrap()
            .unwrap();
        b.delete_queue("/", "a").unwrap();
        assert!(b.queue("/", "a").is_none());
        assert_eq!(b.queue_states("/").count(), 1);
        b.declare_queue("/", QueueDecl::new("c")).unwrap();
        b.declare_queue("/", QueueDecl::new("a")).unwrap();
        assert_eq!(
            [depth(&b, "a"), depth(&b, "b"), depth(&b, "c")],
            [Some(0), Some(1), Some(0)]
        );
        b.nack(ChannelId::FIRST, got.delivery.delivery_tag, false, true, 0)
            .unwrap();
        assert_eq!(
            [depth(&b, "a"), depth(&b, "b"), depth(&b, "c")],
            [Some(1), Some(1), Some(0)]
        );
        publish(&mut b, "c");
        assert_eq!(
            [depth(&b, "a"), depth(&b, "b"), depth(&b, "c")],
            [Some(1), Some(1), Some(1)]
        );
        let names: Vec<&str> = b.queue_states("/").map(|q| q.name()).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }
}
