//! An append-only, bounded record with a cursor: what the trace and the metrics series are
//! kept in. Items before the cursor are the past; items after it are a future already
//! simulated once, kept when seeking back so that seeking forward again can jump to a later
//! checkpoint without a gap. Re-simulating that future records the same items again (the run
//! is deterministic), so recording at a known position only moves the cursor. It owns the
//! positions; it knows nothing of what the items are.

use std::collections::VecDeque;

#[derive(Debug, Clone)]
pub struct Timeline<T> {
    ring: VecDeque<T>,
    capacity: usize,
    /// Absolute position of `ring[0]`.
    first: u64,
    /// Absolute position of the next item to record.
    cursor: u64,
}

impl<T: PartialEq + std::fmt::Debug> Timeline<T> {
    pub fn new(capacity: usize) -> Timeline<T> {
        Timeline {
            ring: VecDeque::with_capacity(capacity.min(1 << 16)),
            capacity: capacity.max(1),
            first: 0,
            cursor: 0,
        }
    }

    /// Items recorded so far in this timeline (the position of the next one).
    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    /// One past the last position held (past and known future).
    pub fn end(&self) -> u64 {
        self.first + self.ring.len() as u64
    }

    /// Records `item` at the cursor. Past the known future it is appended (the oldest goes
    /// when full); inside it, the stored item is the same one and is kept.
    pub fn record(&mut self, item: T) {
        if self.cursor < self.end() {
            debug_assert_eq!(self.get(self.cursor), Some(&item), "re-simulation diverged");
        } else {
            if self.ring.len() == self.capacity {
                self.ring.pop_front();
                self.first += 1;
            }
            self.ring.push_back(item);
        }
        self.cursor += 1;
    }

    pub fn get(&self, position: u64) -> Option<&T> {
        let i = usize::try_from(position.checked_sub(self.first)?).ok()?;
        self.ring.get(i)
    }

    /// Whether the cursor can move to `position` without losing continuity.
    pub fn knows(&self, position: u64) -> bool {
        self.first <= position && position <= self.end()
    }

    /// Moves the cursor (a seek). Outside what is held, the record restarts empty there.
    pub fn seek(&mut self, position: u64) {
        if !self.knows(position) {
            self.ring.clear();
            self.first = position;
        }
        self.cursor = position;
    }

    /// Drops the known future (an on-demand action changed it).
    pub fn forget_future(&mut self) {
        let keep = usize::try_from(self.cursor.saturating_sub(self.first)).unwrap_or(usize::MAX);
        self.ring.truncate(keep);
    }

    /// The past still held, oldest first, from absolute position `from` on.
    pub fn past_from(
        &self,
        from: u64,
    ) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator + '_ {
        let past = usize::try_from(self.cursor.saturating_sub(self.first)).unwrap_or(0);
        let skip = usize::try_from(from.saturating_sub(self.first)).unwrap_or(usize::MAX);
        self.ring.range(..past.min(self.ring.len())).skip(skip)
    }

    /// [`Timeline::past_from`] with each item's absolute position.
    pub fn past_from_at(&self, from: u64) -> impl DoubleEndedIterator<Item = (u64, &T)> + '_ {
        let start = from.max(self.first);
        self.past_from(from)
            .enumerate()
            .map(move |(i, item)| (start + i as u64, item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeking_back_keeps_the_future_and_re_recording_only_moves_the_cursor() {
        let mut t = Timeline::new(4);
        for i in 0..6 {
            t.record(i);
        }
        assert_eq!(t.past_from(0).copied().collect::<Vec<_>>(), [2, 3, 4, 5]);
        t.seek(3);
        assert_eq!(t.past_from(0).copied().collect::<Vec<_>>(), [2]);
        assert!(t.knows(6) && !t.knows(1));
        t.record(3);
        assert_eq!(t.end(), 6);
        t.forget_future();
        assert_eq!(t.end(), 4);
        t.seek(1);
        assert_eq!((t.end(), t.cursor()), (1, 1));
        t.record(1);
        assert_eq!(t.past_from(0).copied().collect::<Vec<_>>(), [1]);
    }
}
