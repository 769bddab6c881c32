//! An append-only, bounded record with a cursor: what the trace and the metrics series are
//! kept in. Items before the cursor are the past; items after it are a future already
//! simulated once, kept when seeking back so that seeking forward again can jump to a later
//! checkpoint without a gap. Re-simulating that future records the same items again (the run
//! is deterministic), so recording at a known position only moves the cursor. It owns the
//! positions; it knows nothing of what the items are.

/// The ring is a vector filled in order up to `capacity`; from then on the oldest item, at
/// `head`, is overwritten. The trace records an item per event, so appending is kept short:
/// below `append_until` it is a vector's push, with neither the known future nor the room
/// checked apart, nor a `VecDeque`'s index wrapped.
#[derive(Debug, Clone)]
pub struct Timeline<T> {
    ring: Vec<T>,
    /// Where the oldest item is in `ring` (0 until it is full).
    head: usize,
    capacity: usize,
    /// Absolute position of the oldest item.
    first: u64,
    /// Absolute position of the next item to record.
    cursor: u64,
    /// While the cursor is below it, the cursor is at the end and the ring has room: a record
    /// is a push. 0 when not worked out yet (after a seek, a full ring, a known future).
    append_until: u64,
}

impl<T: PartialEq + std::fmt::Debug> Timeline<T> {
    pub fn new(capacity: usize) -> Timeline<T> {
        Timeline {
            ring: Vec::with_capacity(capacity.min(1 << 16)),
            head: 0,
            capacity: capacity.max(1),
            first: 0,
            cursor: 0,
            append_until: 0,
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
        if self.cursor < self.append_until {
            self.ring.push(item);
        } else {
            self.record_slow(item);
        }
        self.cursor += 1;
    }

    /// [`Timeline::record`] in a known future, into a full ring, or when `append_until` is to
    /// be worked out again. Out of line, so that [`Timeline::record`] stays a push where it
    /// is inlined.
    #[inline(never)]
    fn record_slow(&mut self, item: T) {
        if self.cursor < self.end() {
            debug_assert_eq!(self.get(self.cursor), Some(&item), "re-simulation diverged");
        } else if self.ring.len() < self.capacity {
            // At the end with room: pushes from here on until the ring is full.
            self.append_until = self.first + self.capacity as u64;
            self.ring.push(item);
        } else {
            if let Some(oldest) = self.ring.get_mut(self.head) {
                *oldest = item;
            }
            self.head += 1;
            if self.head == self.ring.len() {
                self.head = 0;
            }
            self.first += 1;
        }
    }

    /// The oldest items first: the part from `head` on, then the part before it.
    fn halves(&self) -> (&[T], &[T]) {
        let (before, after) = self.ring.split_at(self.head.min(self.ring.len()));
        (after, before)
    }

    pub fn get(&self, position: u64) -> Option<&T> {
        let i = usize::try_from(position.checked_sub(self.first)?).ok()?;
        let (older, newer) = self.halves();
        match i.checked_sub(older.len()) {
            None => older.get(i),
            Some(j) => newer.get(j),
        }
    }

    /// Whether the cursor can move to `position` without losing continuity.
    pub fn knows(&self, position: u64) -> bool {
        self.first <= position && position <= self.end()
    }

    /// Moves the cursor (a seek). Outside what is held, the record restarts empty there.
    pub fn seek(&mut self, position: u64) {
        if !self.knows(position) {
            self.ring.clear();
            self.head = 0;
            self.first = position;
        }
        self.cursor = position;
        self.append_until = 0;
    }

    /// Drops the known future (an on-demand action changed it).
    pub fn forget_future(&mut self) {
        let keep = usize::try_from(self.cursor.saturating_sub(self.first)).unwrap_or(usize::MAX);
        if keep < self.ring.len() {
            // In order again first, so that what is kept is a prefix.
            let head = self.head.min(self.ring.len());
            self.ring.rotate_left(head);
            self.head = 0;
            self.ring.truncate(keep);
        }
        self.append_until = 0;
    }

    /// The past still held, oldest first, from absolute position `from` on.
    pub fn past_from(&self, from: u64) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.past_from_at(from).map(|(_, item)| item)
    }

    /// [`Timeline::past_from`] with each item's absolute position.
    pub fn past_from_at(&self, from: u64) -> impl DoubleEndedIterator<Item = (u64, &T)> + '_ {
        let past = usize::try_from(self.cursor.saturating_sub(self.first)).unwrap_or(0);
        let past = past.min(self.ring.len());
        let skip = usize::try_from(from.saturating_sub(self.first)).unwrap_or(usize::MAX);
        let skip = skip.min(past);
        let (older, newer) = self.halves();
        // The held past is `skip..past` of the oldest-first order, split across the halves.
        let n = older.len();
        let a = older.get(skip.min(n)..past.min(n)).unwrap_or(&[]);
        let b = newer
            .get(skip.saturating_sub(n)..past.saturating_sub(n))
            .unwrap_or(&[]);
        let (start_a, start_b) = (self.first + skip as u64, self.first + skip.max(n) as u64);
        let a = a
            .iter()
            .enumerate()
            .map(move |(i, item)| (start_a + i as u64, item));
        let b = b
            .iter()
            .enumerate()
            .map(move |(i, item)| (start_b + i as u64, item));
        a.chain(b)
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

    #[test]
    fn a_wrapped_ring_reads_in_order_with_positions() {
        let mut t = Timeline::new(5);
        for i in 0..13 {
            t.record(i);
        }
        fn at(t: &Timeline<i32>, from: u64) -> Vec<(u64, &i32)> {
            t.past_from_at(from).collect()
        }
        assert_eq!(
            at(&t, 0),
            [(8, &8), (9, &9), (10, &10), (11, &11), (12, &12)]
        );
        assert_eq!(at(&t, 11), [(11, &11), (12, &12)]);
        assert_eq!(at(&t, 20), []);
        let back: Vec<_> = t.past_from_at(9).rev().collect();
        assert_eq!(back, [(12, &12), (11, &11), (10, &10), (9, &9)]);
        assert_eq!(
            (t.get(7), t.get(8), t.get(12), t.get(13)),
            (None, Some(&8), Some(&12), None)
        );
        // Back into the known future, through it, and on past its end.
        t.seek(10);
        assert_eq!(at(&t, 0), [(8, &8), (9, &9)]);
        for i in 10..15 {
            t.record(i);
        }
        assert_eq!(
            t.past_from(0).copied().collect::<Vec<_>>(),
            [10, 11, 12, 13, 14]
        );
        // A future forgotten while wrapped: the past is kept in order, and grows again.
        t.seek(12);
        t.forget_future();
        assert_eq!((t.end(), t.cursor()), (12, 12));
        t.record(99);
        assert_eq!(t.past_from(0).copied().collect::<Vec<_>>(), [10, 11, 99]);
        for i in 13..16 {
            t.record(i);
        }
        assert_eq!(
            t.past_from(0).copied().collect::<Vec<_>>(),
            [11, 99, 13, 14, 15]
        );
    }
}
