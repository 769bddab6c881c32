//! The ready messages of one queue in delivery order: highest priority first, then by sequence
//! number (so a classic requeue, which keeps its sequence number, goes back to its original
//! position), with quorum queues' returns queue served before everything else. Tracks the
//! count and body bytes that length limits look at. Knows nothing of consumers or time.

use std::cmp::Reverse;
use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound::{Excluded, Unbounded};

use crate::queue::entry::{Entry, Seq};

#[derive(Debug, Clone, Default)]
pub struct Store {
    returns: VecDeque<Entry>,
    ready: BTreeMap<(Reverse<u8>, Seq), Entry>,
    bytes: usize,
    /// Whether a copy with an expiry ever came in: until one does, nothing here can fall due
    /// and the broker's clock need not look.
    ever_timed: bool,
}

impl Store {
    /// Adds a copy at its place (priority, then sequence number).
    pub fn insert(&mut self, entry: Entry) {
        self.bytes += entry.size();
        self.ever_timed |= entry.expires_at.is_some();
        self.ready
            .insert((Reverse(entry.priority), entry.seq), entry);
    }

    /// Quorum returns: served before other messages, in the order they came back.
    pub fn push_return(&mut self, entry: Entry) {
        self.bytes += entry.size();
        self.ever_timed |= entry.expires_at.is_some();
        self.returns.push_back(entry);
    }

    /// Whether a copy with an expiry was ever stored here.
    pub fn ever_timed(&self) -> bool {
        self.ever_timed
    }

    /// The next copy to deliver.
    pub fn head(&self) -> Option<&Entry> {
        self.returns
            .front()
            .or_else(|| self.ready.first_key_value().map(|(_, e)| e))
    }

    pub fn pop_head(&mut self) -> Option<Entry> {
        let entry = match self.returns.pop_front() {
            Some(entry) => entry,
            None => self.ready.pop_first()?.1,
        };
        self.bytes = self.bytes.saturating_sub(entry.size());
        Some(entry)
    }

    /// The first copy of each priority level, highest level first, after the returns queue's
    /// front: where 4.3+ quorum queues look for expired messages.
    pub fn level_heads(&self) -> Vec<&Entry> {
        let mut heads: Vec<&Entry> = self.returns.front().into_iter().collect();
        let mut next = self.ready.first_key_value();
        while let Some(((level, _), entry)) = next {
            heads.push(entry);
            let after = (*level, Seq(u64::MAX));
            next = self.ready.range((Excluded(after), Unbounded)).next();
        }
        heads
    }

    /// Removes the expired copies at the head of the returns queue and of each priority level,
    /// until none is left; gives them back in delivery order.
    pub fn pop_expired_level_heads(&mut self, now: u64) -> Vec<Entry> {
        let mut gone = Vec::new();
        while self.returns.front().is_some_and(|e| e.is_expired(now)) {
            gone.extend(self.returns.pop_front());
        }
        loop {
            let keys: Vec<(Reverse<u8>, Seq)> = self
                .level_heads()
                .into_iter()
                .filter(|e| {
                    e.is_expired(now) && self.ready.contains_key(&(Reverse(e.priority), e.seq))
                })
                .map(|e| (Reverse(e.priority), e.seq))
                .collect();
            if keys.is_empty() {
                break;
            }
            gone.extend(keys.iter().filter_map(|k| self.ready.remove(k)));
        }
        let size: usize = gone.iter().map(Entry::size).sum();
        self.bytes = self.bytes.saturating_sub(size);
        gone
    }

    pub fn len(&self) -> usize {
        self.returns.len() + self.ready.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Every copy in delivery order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.returns.iter().chain(self.ready.values())
    }

    /// Removes every copy, in delivery order.
    pub fn drain(&mut self) -> Vec<Entry> {
        let mut all: Vec<Entry> = self.returns.drain(..).collect();
        all.extend(std::mem::take(&mut self.ready).into_values());
        self.bytes = 0;
        all
    }

    /// Keeps only the copies `keep` accepts; gives back the others in delivery order.
    pub fn split_off(&mut self, mut keep: impl FnMut(&Entry) -> bool) -> Vec<Entry> {
        let mut gone = Vec::new();
        for entry in self.drain() {
            if keep(&entry) {
                self.insert(entry);
            } else {
                gone.push(entry);
            }
        }
        gone
    }
}

#[cfg(test)]
mod tests {

    type Case<'a> = (&'a [(u64, u8)], &'a [u64]);

    use super::*;
    use crate::event::MessageId;
    use crate::message::{Properties, Publish};
    use crate::profile::Profile;
    use crate::queue::entry::{Content, Expiry};

    fn entry(seq: u64, priority: u8) -> Entry {
        let publish = Publish::new("", "q").with_body("xy");
        let content = Content::from_publish(MessageId(seq), &publish, &[], Profile::RabbitMq4);
        assert_eq!(*content.properties, Properties::default());
        Entry {
            content,
            seq: Seq(seq),
            priority,
            expires_at: Expiry::NEVER,
            redelivered: false,
            delivery_count: 0,
        }
    }

    fn order(store: &Store) -> Vec<u64> {
        store.iter().map(|e| e.seq.0).collect()
    }

    #[test]
    fn priority_then_sequence_then_returns_first() {
        let cases: &[Case] = &[
            (&[(1, 0), (2, 0), (3, 0)], &[1, 2, 3]),
            (&[(3, 0), (1, 0), (2, 0)], &[1, 2, 3]),
            (&[(1, 0), (2, 5), (3, 9), (4, 5)], &[3, 2, 4, 1]),
        ];
        for (entries, want) in cases {
            let mut store = Store::default();
            for (seq, p) in *entries {
                store.insert(entry(*seq, *p));
            }
            assert_eq!(order(&store), *want, "{entries:?}");
            assert_eq!(store.bytes(), 2 * entries.len());
        }
        let mut store = Store::default();
        store.insert(entry(1, 0));
        store.push_return(entry(7, 0));
        assert_eq!(order(&store), [7, 1]);
        assert_eq!(store.pop_head().map(|e| e.seq.0), Some(7));
        assert_eq!(store.bytes(), 2);
    }

    #[test]
    fn expiry_at_the_head_of_each_priority_level() {
        let mut store = Store::default();
        for (seq, priority, expires_at) in [(1, 4, 10), (2, 4, 5), (3, 9, 50), (4, 9, 5), (5, 0, 1)]
        {
            store.insert(Entry {
                expires_at: Expiry::at(Some(expires_at)),
                ..entry(seq, priority)
            });
        }
        let heads: Vec<u64> = store.level_heads().iter().map(|e| e.seq.0).collect();
        assert_eq!(heads, [3, 1, 5]);
        let gone: Vec<u64> = store
            .pop_expired_level_heads(20)
            .iter()
            .map(|e| e.seq.0)
            .collect();
        // Level 4 loses both (its head expired, then the next); level 9's head lives.
        assert_eq!(gone, [1, 5, 2]);
        assert_eq!(order(&store), [3, 4]);
        assert_eq!(store.bytes(), 4);
    }
}
