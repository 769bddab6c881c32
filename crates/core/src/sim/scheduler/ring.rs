//! The scheduler's calendar: one FIFO of slots per microsecond of the window (linked through
//! the slots), and a bitmap of the non-empty ones, so that the next instant with events is the
//! next set bit. It knows buckets and slots, not time: the scheduler maps instants to buckets.

use super::{NONE, Slot};

/// Buckets in the ring: one per microsecond of [`super::WINDOW_US`].
pub(super) const BUCKETS: usize = super::WINDOW_US as usize;
const WORDS: usize = BUCKETS / 64;

#[derive(Debug)]
pub(super) struct Ring {
    /// The first and last slot of each bucket's FIFO, [`NONE`] when empty.
    first: [u32; BUCKETS],
    last: [u32; BUCKETS],
    /// Bit `b` of word `w`: bucket `64 * w + b` is not empty.
    busy: [u64; WORDS],
}

impl Ring {
    /// Out of line: the tables are built on the stack, which a caller would probe at every call.
    #[cold]
    #[inline(never)]
    pub(super) fn new() -> Box<Ring> {
        Box::new(Ring {
            first: [NONE; BUCKETS],
            last: [NONE; BUCKETS],
            busy: [0; WORDS],
        })
    }

    /// The first slot of `bucket`'s FIFO.
    pub(super) fn first(&self, bucket: usize) -> Option<u32> {
        // Masked (a no-op for a bucket): the lookup needs no bounds check.
        self.first
            .get(bucket % BUCKETS)
            .copied()
            .filter(|s| *s != NONE)
    }

    /// [`Ring::first`] as it is kept: [`NONE`] for an empty bucket. What a lookup of the slot
    /// then finds nothing at (no slab holds 2^32 slots), so [`super::Scheduler::pop`] makes one
    /// check where two were made.
    pub(super) fn head(&self, bucket: usize) -> u32 {
        self.first.get(bucket % BUCKETS).copied().unwrap_or(NONE)
    }

    /// Links `slot` at the end of `bucket`'s FIFO.
    pub(super) fn append<E>(&mut self, bucket: usize, slot: u32, slots: &mut [Slot<E>]) {
        let bucket = bucket % BUCKETS;
        let Some(last) = self.last.get_mut(bucket) else {
            return;
        };
        let before = std::mem::replace(last, slot);
        let link = match before {
            NONE => self.first.get_mut(bucket),
            before => slots.get_mut(before as usize).map(|s| &mut s.next),
        };
        if let Some(link) = link {
            *link = slot;
        }
        if let Some(word) = self.busy.get_mut(bucket / 64) {
            *word |= 1 << (bucket % 64);
        }
    }

    /// Unlinks the first slot of `bucket`'s FIFO, whose successor is `next`; whether the bucket
    /// is empty now.
    pub(super) fn advance(&mut self, bucket: usize, next: u32) -> bool {
        let bucket = bucket % BUCKETS;
        if let Some(first) = self.first.get_mut(bucket) {
            *first = next;
        }
        if next != NONE {
            return false;
        }
        if let Some(last) = self.last.get_mut(bucket) {
            *last = NONE;
        }
        if let Some(word) = self.busy.get_mut(bucket / 64) {
            *word &= !(1 << (bucket % 64));
        }
        true
    }

    /// The first non-empty bucket from `start` on, around the ring: `start`'s word from its
    /// bit, the other words, then `start`'s word before its bit (a whole window later).
    pub(super) fn next_busy(&self, start: usize) -> Option<usize> {
        let start = start % BUCKETS;
        let (word, bit) = (start / 64, start % 64);
        let here = self.busy.get(word)? & (u64::MAX << bit);
        let others = (1..WORDS).map(|k| (word + k) % WORDS);
        let others = others.filter_map(|w| Some((w, *self.busy.get(w)?)));
        let before = self.busy.get(word)? & !(u64::MAX << bit);
        let (word, bits) = std::iter::once((word, here))
            .chain(others)
            .chain(std::iter::once((word, before)))
            .find(|(_, bits)| *bits != 0)?;
        Some(word * 64 + bits.trailing_zeros() as usize)
    }

    /// Every slot in the ring, from `start`'s bucket on, in the order they fall due.
    pub(super) fn in_order<E>(&self, start: usize, slots: &[Slot<E>]) -> Vec<u32> {
        let buckets = (0..BUCKETS).map(|k| (start + k) % BUCKETS);
        let heads = buckets.filter_map(|b| self.first(b));
        let next = |s: &u32| {
            slots
                .get(*s as usize)
                .map(|s| s.next)
                .filter(|n| *n != NONE)
        };
        heads
            .flat_map(|head| std::iter::successors(Some(head), next))
            .collect()
    }
}
