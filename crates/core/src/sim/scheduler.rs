//! The discrete-event queue in virtual time: events are taken in time order, and events at the
//! same time in the order they were scheduled (a sequence number breaks ties), so a run never
//! depends on heap internals. Scheduling before `now` is a [`ScheduleError`]. It owns the clock
//! and the pending events; it knows nothing of what an event means.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fmt;

/// Virtual time in microseconds since the start of the simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);

    pub fn from_ms(ms: u64) -> SimTime {
        SimTime(ms.saturating_mul(1000))
    }

    /// The broker's clock is in whole milliseconds.
    pub fn as_ms(self) -> u64 {
        self.0 / 1000
    }

    pub fn plus(self, us: u64) -> SimTime {
        SimTime(self.0.saturating_add(us))
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03} ms", self.0 / 1000, self.0 % 1000)
    }
}

/// What a caller did wrong with the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleError {
    /// An event at `at` was scheduled when the clock is already at `now`.
    InPast { at: SimTime, now: SimTime },
    /// `events` events happened at `at` without the clock moving: a loop with no delay. The
    /// state stays valid (stepping goes on), but running to a later time cannot finish.
    Stalled { at: SimTime, events: u64 },
}

impl fmt::Display for ScheduleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScheduleError::InPast { at, now } => {
                write!(f, "cannot schedule at {at}: the clock is already at {now}")
            }
            ScheduleError::Stalled { at, events } => write!(
                f,
                "{events} events happened at {at} without time moving: a loop with no delay \
                 (for example a consumer that nacks with requeue in no time); give processing \
                 or latency a duration"
            ),
        }
    }
}

impl std::error::Error for ScheduleError {}

/// A priority queue of events of type `E` with a clock.
///
/// The heap holds only small keys (time, then sequence number and slot in one word); the events
/// wait in a slab of slots reused through a free list. A sift then moves 16 bytes instead of a
/// whole event and compares one 128-bit number, and each event is written and read once.
#[derive(Debug, Clone)]
pub struct Scheduler<E> {
    heap: BinaryHeap<Key>,
    slots: Vec<Option<E>>,
    free: Vec<u32>,
    next_seq: u64,
    /// [`SEQ_LIMIT`]; lower in tests, so that they exercise renumbering.
    seq_limit: u64,
    now: SimTime,
}

impl<E> Default for Scheduler<E> {
    fn default() -> Self {
        Scheduler {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            seq_limit: SEQ_LIMIT,
            now: SimTime::ZERO,
        }
    }
}

impl<E> Scheduler<E> {
    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Schedules `event` at `at` (not before now).
    pub fn schedule(&mut self, at: SimTime, event: E) -> Result<(), ScheduleError> {
        if at < self.now {
            return Err(ScheduleError::InPast { at, now: self.now });
        }
        self.push(at, event);
        Ok(())
    }

    /// Schedules `event` `delay` microseconds from now (never in the past).
    pub fn schedule_in(&mut self, delay: u64, event: E) {
        self.push(self.now.plus(delay), event);
    }

    /// The events waiting, in no particular order.
    pub(crate) fn pending(&self) -> impl Iterator<Item = &E> {
        self.slots.iter().flatten()
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|k| k.time)
    }

    /// Takes the next event and moves the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let key = self.heap.pop()?;
        self.now = key.time;
        let slot = key.slot();
        let event = self.slots.get_mut(slot as usize)?.take()?;
        self.free.push(slot);
        Some((key.time, event))
    }

    /// Moves the clock forward to `t` without taking an event (after the events up to `t`).
    pub fn advance_to(&mut self, t: SimTime) -> Result<(), ScheduleError> {
        if t < self.now {
            return Err(ScheduleError::InPast {
                at: t,
                now: self.now,
            });
        }
        self.now = t;
        Ok(())
    }

    fn push(&mut self, time: SimTime, event: E) {
        let slot = match self.free.pop() {
            Some(slot) => {
                if let Some(place) = self.slots.get_mut(slot as usize) {
                    *place = Some(event);
                }
                slot
            }
            None => {
                // Slots are as many as events pending at once: far below 2^32 in memory.
                let slot = self.slots.len() as u32;
                self.slots.push(Some(event));
                slot
            }
        };
        if self.next_seq >= self.seq_limit {
            self.renumber();
        }
        self.heap.push(Key {
            time,
            order: (self.next_seq << 32) | u64::from(slot),
        });
        self.next_seq += 1;
    }

    /// Numbers the pending events from 0 again, in their order, so that sequence numbers fit in
    /// the upper half of [`Key::order`] (once every 2^32 events: cheap next to them).
    fn renumber(&mut self) {
        // Ascending by `Key`'s order: the latest event first.
        let mut keys = std::mem::take(&mut self.heap).into_sorted_vec();
        for (seq, key) in (0u64..).zip(keys.iter_mut().rev()) {
            key.order = (seq << 32) | (key.order & u64::from(u32::MAX));
        }
        self.next_seq = keys.len() as u64;
        self.heap = BinaryHeap::from(keys);
    }
}

/// Sequence numbers given before [`Scheduler::renumber`]: the upper half of [`Key::order`].
const SEQ_LIMIT: u64 = 1 << 32;

/// A pending event's place in the order, and its slot.
#[derive(Debug, Clone, Copy)]
struct Key {
    time: SimTime,
    /// The sequence number (upper half) and the slot (lower half). The slot never decides:
    /// sequence numbers are unique.
    order: u64,
}

impl Key {
    fn rank(self) -> u128 {
        (u128::from(self.time.0) << 64) | u128::from(self.order)
    }

    fn slot(self) -> u32 {
        (self.order & u64::from(u32::MAX)) as u32
    }
}

// The heap is a max-heap: the earliest (time, seq) must compare greatest.
impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        other.rank().cmp(&self.rank())
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.rank() == other.rank()
    }
}

impl Eq for Key {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_order_then_insertion_order() {
        let mut s = Scheduler::default();
        for (t, name) in [(5, "c"), (1, "a"), (5, "d"), (1, "b"), (3, "x")] {
            s.schedule(SimTime(t), name).unwrap();
        }
        let order: Vec<&str> = std::iter::from_fn(|| s.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["a", "b", "x", "c", "d"]);
        assert_eq!(s.now(), SimTime(5));
    }

    #[test]
    fn reused_slots_keep_the_order() {
        let mut s = Scheduler::default();
        s.schedule(SimTime(2), "b").unwrap();
        s.schedule(SimTime(1), "a").unwrap();
        assert_eq!(s.pop(), Some((SimTime(1), "a")));
        // "c" takes the slot "a" left; "d" a new one.
        s.schedule(SimTime(2), "c").unwrap();
        s.schedule(SimTime(1), "d").unwrap();
        assert_eq!(s.len(), 3);
        let order: Vec<&str> = std::iter::from_fn(|| s.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["d", "b", "c"]);
        assert!(s.is_empty());
        // Three events were pending at most: three slots, all free again.
        assert_eq!((s.slots.len(), s.free.len()), (3, 3));
    }

    #[test]
    fn the_past_is_a_typed_error() {
        let mut s = Scheduler::default();
        s.schedule(SimTime(10), ()).unwrap();
        s.pop();
        assert_eq!(
            s.schedule(SimTime(9), ()),
            Err(ScheduleError::InPast {
                at: SimTime(9),
                now: SimTime(10)
            })
        );
        assert!(s.schedule(SimTime(10), ()).is_ok());
        assert!(s.advance_to(SimTime(3)).is_err());
    }

    /// Against a model (time, then insertion number), with sequence numbers running out early
    /// and often.
    #[test]
    fn renumbering_keeps_the_order() {
        for limit in [3, 8, SEQ_LIMIT] {
            let mut s = Scheduler {
                seq_limit: limit,
                ..Scheduler::default()
            };
            let mut model: Vec<(u64, u32)> = Vec::new();
            let mut x = 7u64;
            for n in 0..600u32 {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                if x >> 62 == 0 {
                    let want = model.iter().copied().min();
                    model.retain(|m| Some(*m) != want);
                    assert_eq!(s.pop().map(|(t, e)| (t.0, e)), want, "limit {limit}");
                } else {
                    let t = s.now().0 + (x >> 40) % 3;
                    s.schedule(SimTime(t), n).unwrap();
                    model.push((t, n));
                }
            }
            model.sort();
            let rest: Vec<(u64, u32)> =
                std::iter::from_fn(|| s.pop().map(|(t, e)| (t.0, e))).collect();
            assert_eq!(rest, model);
            assert_eq!(s.next_seq < 450, limit < SEQ_LIMIT);
        }
    }
}
