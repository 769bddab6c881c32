//! The discrete-event queue in virtual time: events are taken in time order, and events at the
//! same time in the order they were scheduled (a sequence number breaks ties), so a run never
//! depends on heap internals. Scheduling before `now` is a [`ScheduleError`]. It owns the clock
//! and the pending events; it knows nothing of what an event means.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fmt;

mod ring;
use ring::Ring;

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
/// Events due within [`WINDOW_US`] of now wait in a calendar (`Ring`): one FIFO per
/// microsecond, with a bitmap of the non-empty ones. Events at one instant are taken in the
/// order they were scheduled because each instant's FIFO is in that order; taking the next
/// event is finding the next set bit, and no event is compared with another. Events further
/// ahead wait in a binary heap of small keys (time, then sequence number and slot in one word)
/// and move to the ring, in heap order, as soon as the clock brings them within the window:
/// before any event scheduled later can join them at their instant.
///
/// Every event waits in a slot of a slab reused through a free list; a ring FIFO links slots,
/// and the free list links the free ones through the same field (a slot is in one or the other).
#[derive(Debug)]
pub struct Scheduler<E> {
    /// Events due at or after `now + WINDOW_US` (when they were scheduled).
    heap: BinaryHeap<Key>,
    slots: Vec<Slot<E>>,
    /// The last slot freed ([`NONE`] when every slot holds an event); each free slot's `next`
    /// is the one freed before it.
    free: u32,
    /// `None` in a copy until it is used (see [`Scheduler::clone`]).
    ring: Option<Box<Ring>>,
    /// Events in the ring.
    in_ring: usize,
    /// The time and bucket of the ring's first event.
    soonest: Option<(SimTime, usize)>,
    next_seq: u64,
    /// [`SEQ_LIMIT`]; lower in tests, so that they exercise renumbering.
    seq_limit: u64,
    now: SimTime,
}

/// How far ahead (µs) events go straight to the ring: a power of two, beyond the usual
/// latencies and processing times, small enough to scan.
pub const WINDOW_US: u64 = 1 << 12;

/// No slot: the end of a FIFO.
const NONE: u32 = u32::MAX;

/// A pending event, its time, and the next slot in its ring FIFO (in a free slot: the next
/// free slot).
#[derive(Debug, Clone)]
struct Slot<E> {
    time: SimTime,
    next: u32,
    event: Option<E>,
}

impl<E> Default for Scheduler<E> {
    fn default() -> Self {
        Scheduler {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: NONE,
            ring: Some(Ring::new()),
            in_ring: 0,
            soonest: None,
            next_seq: 0,
            seq_limit: SEQ_LIMIT,
            now: SimTime::ZERO,
        }
    }
}

/// A copy (a checkpoint) keeps every pending event in the heap, numbered in the ring's order
/// after the heap's own (the ring's are all due before them): the ring's tables, 32 KB, are
/// made again and filled from the heap when the copy is next used.
impl<E: Clone> Clone for Scheduler<E> {
    fn clone(&self) -> Self {
        let mut copy = Scheduler {
            heap: self.heap.clone(),
            slots: self.slots.clone(),
            free: self.free,
            ring: None,
            in_ring: 0,
            soonest: None,
            next_seq: self.next_seq,
            seq_limit: self.seq_limit,
            now: self.now,
        };
        let start = bucket(self.now);
        let ring = self.ring.as_deref().map(|r| r.in_order(start, &self.slots));
        let ring = ring.unwrap_or_default();
        // Renumbered once, if at all: the copy's events all fit below the limit.
        if copy.next_seq + ring.len() as u64 >= copy.seq_limit {
            copy.renumber();
        }
        // Exactly the room needed: a copy is kept, and a doubled heap's spare half with it.
        copy.heap.reserve_exact(ring.len());
        for slot in ring {
            if let Some(place) = copy.slots.get_mut(slot as usize) {
                place.next = NONE;
                let order = (copy.next_seq << 32) | u64::from(slot);
                copy.heap.push(Key {
                    time: place.time,
                    order,
                });
                copy.next_seq += 1;
            }
        }
        copy
    }
}

/// The ring's bucket of an instant.
fn bucket(time: SimTime) -> usize {
    (time.0 % WINDOW_US) as usize
}

/// The time and bucket of the first event of `ring` (which holds `in_ring` events, all due
/// within the window from `now`): the first non-empty bucket from now's on. Its time is how
/// far that bucket is from now's: one bucket holds one instant of the window, so no slot is
/// read. Inlined into [`Scheduler::pop`], which has the ring at hand.
#[inline(always)]
fn next_bucket(ring: &Ring, in_ring: usize, now: SimTime) -> Option<(SimTime, usize)> {
    if in_ring == 0 {
        return None;
    }
    let start = bucket(now);
    let next = ring.next_busy(start)?;
    let ahead = (next + ring::BUCKETS - start) % ring::BUCKETS;
    // Every event in the ring is due by `now + WINDOW_US`: no overflow to saturate.
    Some((SimTime(now.0.wrapping_add(ahead as u64)), next))
}

impl<E> Scheduler<E> {
    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn len(&self) -> usize {
        self.heap.len() + self.in_ring
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

    /// [`Scheduler::schedule_in`] inlined into its caller: for the events every message makes
    /// (its arrival at the exchange, each copy's delivery, end of processing and settlement),
    /// where the call's register saves and restores cost as much as the rest of it. Elsewhere
    /// the call is kept, so that the code is not copied into every caller.
    #[inline(always)]
    pub(crate) fn schedule_in_inlined(&mut self, delay: u64, event: E) {
        self.push_inlined(self.now.plus(delay), event);
    }

    /// The events waiting, in no particular order.
    pub(crate) fn pending(&self) -> impl Iterator<Item = &E> {
        self.slots.iter().filter_map(|s| s.event.as_ref())
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        match self.soonest {
            Some((time, _)) => Some(time),
            None => self.heap.peek().map(|k| k.time),
        }
    }

    /// Takes the next event and moves the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        // An unpacked copy has nothing in the ring (its `soonest` is `None`): one check for both.
        if self.soonest.is_none() {
            self.jump_to_heap()?;
        }
        let (time, bucket) = self.soonest?;
        let ring = self.ring.as_deref_mut()?;
        let slot = ring.head(bucket);
        let place = self.slots.get_mut(slot as usize)?;
        // The time is the ring's soonest: the slot's own is read only by a copy.
        debug_assert_eq!(place.time, time);
        let next = place.next;
        let event = place.event.take()?;
        place.next = self.free;
        self.free = slot;
        self.in_ring -= 1;
        self.now = time;
        if ring.advance(bucket, next) {
            self.soonest = next_bucket(ring, self.in_ring, time);
        }
        if self.heap_in_window() {
            self.take_in();
        }
        Some((time, event))
    }

    /// [`Scheduler::pop`] with nothing in the ring: a copy's first use unpacks it, and the
    /// clock jumps to the heap's first event, which the window then takes in. `None` when no
    /// event is pending.
    #[cold]
    #[inline(never)]
    fn jump_to_heap(&mut self) -> Option<()> {
        if self.ring.is_none() {
            self.unpack();
        }
        if self.soonest.is_none() {
            self.now = self.heap.peek()?.time;
            self.take_in();
        }
        Some(())
    }

    /// Moves the clock forward to `t` without taking an event (after the events up to `t`).
    pub fn advance_to(&mut self, t: SimTime) -> Result<(), ScheduleError> {
        if t < self.now {
            return Err(ScheduleError::InPast {
                at: t,
                now: self.now,
            });
        }
        if self.ring.is_none() {
            self.unpack();
        }
        self.now = t;
        self.take_in();
        // The ring's first is still its first: no event was due before `t`.
        Ok(())
    }

    fn push(&mut self, time: SimTime, event: E) {
        self.push_inlined(time, event);
    }

    /// [`Scheduler::push`]'s body, inlined where [`Scheduler::schedule_in_inlined`] is called.
    #[inline(always)]
    fn push_inlined(&mut self, time: SimTime, event: E) {
        let reused = self.slots.get_mut(self.free as usize);
        let slot = match reused {
            Some(place) => {
                // Written field by field: a whole `Slot` would be built aside, then copied.
                let slot = std::mem::replace(&mut self.free, place.next);
                place.time = time;
                place.next = NONE;
                // A free slot holds no event: forgetting the `None` it held spares the check
                // for an event to drop.
                let before = place.event.replace(event);
                debug_assert!(before.is_none(), "a free slot held an event");
                std::mem::forget(before);
                slot
            }
            None => {
                // Slots are as many as events pending at once: far below 2^32 in memory.
                let slot = self.slots.len() as u32;
                let event = Some(event);
                self.slots.push(Slot {
                    time,
                    next: NONE,
                    event,
                });
                slot
            }
        };
        // The usual case, within the window of a ring in use, is linked here; the slot is
        // taken first, so the ring is looked up once.
        match self.ring.as_deref_mut() {
            Some(ring) if time.0 - self.now.0 < WINDOW_US => {
                ring.append(bucket(time), slot, &mut self.slots);
                self.in_ring += 1;
                match self.soonest {
                    Some((soonest, _)) if soonest <= time => {}
                    _ => self.soonest = Some((time, bucket(time))),
                }
            }
            _ => self.push_further(time, slot),
        }
    }

    /// [`Scheduler::push_inlined`] of an event beyond the window, or into an unpacked copy
    /// (which takes in what the window holds first, as its next pop would).
    #[inline(never)]
    fn push_further(&mut self, time: SimTime, slot: u32) {
        if self.ring.is_none() {
            self.unpack();
        }
        if time.0 - self.now.0 < WINDOW_US {
            self.append(time, slot);
        } else {
            self.push_key(time, slot);
        }
    }

    /// Puts `slot` (due at `time`) in the heap, after every event scheduled before it.
    fn push_key(&mut self, time: SimTime, slot: u32) {
        if self.next_seq >= self.seq_limit {
            self.renumber();
        }
        self.heap.push(Key {
            time,
            order: (self.next_seq << 32) | u64::from(slot),
        });
        self.next_seq += 1;
    }

    /// Links `slot` (due at `time`, within the window) at the end of its instant's FIFO.
    fn append(&mut self, time: SimTime, slot: u32) {
        let ring = self.ring.get_or_insert_with(Ring::new);
        ring.append(bucket(time), slot, &mut self.slots);
        self.in_ring += 1;
        match self.soonest {
            Some((soonest, _)) if soonest <= time => {}
            _ => self.soonest = Some((time, bucket(time))),
        }
    }

    /// A copy's first use: the ring again, with what falls due within the window.
    #[cold]
    fn unpack(&mut self) {
        self.ring = Some(Ring::new());
        self.take_in();
    }

    /// Moves the heap's events that the window now reaches to the ring, in their order.
    #[inline(never)]
    fn take_in(&mut self) {
        while self.heap_in_window() {
            if let Some(key) = self.heap.pop() {
                self.append(key.time, key.slot());
            }
        }
    }

    /// Whether the heap's first event is within the window (it then belongs in the ring).
    fn heap_in_window(&self) -> bool {
        (self.heap.peek()).is_some_and(|k| k.time.0 - self.now.0 < WINDOW_US)
    }

    /// Numbers the heap's events from 0 again, in their order, so that sequence numbers fit in
    /// the upper half of [`Key::order`] (once every 2^32 events: cheap next to them). The ring
    /// needs none: its order is its FIFOs'.
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
        let free =
            std::iter::successors(Some(s.free), |f| s.slots.get(*f as usize).map(|p| p.next));
        assert_eq!(
            (s.slots.len(), free.take_while(|f| *f != NONE).count()),
            (3, 3)
        );
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

    /// An event scheduled beyond the window, then one at the same instant once the window
    /// reaches it: the first goes first, as it was scheduled first.
    #[test]
    fn events_from_beyond_the_window_keep_their_turn() {
        let mut s = Scheduler::default();
        let far = SimTime(WINDOW_US + 5);
        s.schedule(far, "a").unwrap();
        s.schedule(SimTime(10), "x").unwrap();
        assert_eq!(s.pop(), Some((SimTime(10), "x")));
        s.schedule(far, "b").unwrap();
        s.schedule(SimTime(3 * WINDOW_US), "d").unwrap();
        s.schedule(far, "c").unwrap();
        assert_eq!(s.peek_time(), Some(far));
        let order: Vec<_> = std::iter::from_fn(|| s.pop()).collect();
        let far_d = SimTime(3 * WINDOW_US);
        assert_eq!(order, [(far, "a"), (far, "b"), (far, "c"), (far_d, "d")]);
        s.advance_to(SimTime(10 * WINDOW_US)).unwrap();
        s.schedule_in(WINDOW_US - 1, "e");
        assert_eq!(s.pop(), Some((SimTime(11 * WINDOW_US - 1), "e")));
    }

    /// Against a model (time, then insertion number), with delays within and beyond the
    /// window, clock jumps, and sequence numbers running out early and often.
    #[test]
    fn renumbering_keeps_the_order() {
        let delays = [
            0,
            1,
            2,
            7,
            WINDOW_US - 1,
            WINDOW_US,
            WINDOW_US + 1,
            3 * WINDOW_US,
        ];
        for limit in [3, 8, SEQ_LIMIT] {
            let mut s = Scheduler {
                seq_limit: limit,
                ..Scheduler::default()
            };
            let mut model: Vec<(u64, u32)> = Vec::new();
            let mut far = 0;
            let mut x = 7u64;
            for n in 0..3000u32 {
                x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                match x >> 61 {
                    0 | 1 => {
                        let want = model.iter().copied().min();
                        model.retain(|m| Some(*m) != want);
                        assert_eq!(s.pop().map(|(t, e)| (t.0, e)), want, "limit {limit}");
                    }
                    // A copy (a checkpoint restored) goes on in the same order.
                    3 if n % 8 == 0 => s = s.clone(),
                    2 if n % 5 == 0 => {
                        let to = model.iter().map(|m| m.0).min().unwrap_or(s.now().0);
                        let to = s.now().0.max(to.saturating_sub(1));
                        s.advance_to(SimTime(to)).unwrap();
                    }
                    _ => {
                        let delay = delays[(x >> 40) as usize % delays.len()];
                        far += u64::from(delay >= WINDOW_US);
                        s.schedule_in(delay, n);
                        model.push((s.now().0 + delay, n));
                    }
                }
                assert_eq!(s.len(), model.len());
                let first = model.iter().map(|m| SimTime(m.0)).min();
                assert_eq!(s.peek_time(), first);
            }
            model.sort();
            let mut copy = s.clone();
            let rest: Vec<(u64, u32)> =
                std::iter::from_fn(|| s.pop().map(|(t, e)| (t.0, e))).collect();
            assert_eq!(rest, model);
            let rest: Vec<(u64, u32)> =
                std::iter::from_fn(|| copy.pop().map(|(t, e)| (t.0, e))).collect();
            assert_eq!(rest, model);
            assert_eq!(s.next_seq < far, limit < SEQ_LIMIT, "limit {limit}");
        }
    }
}
