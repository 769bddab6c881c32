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
#[derive(Debug, Clone)]
pub struct Scheduler<E> {
    heap: BinaryHeap<Pending<E>>,
    next_seq: u64,
    now: SimTime,
}

impl<E> Default for Scheduler<E> {
    fn default() -> Self {
        Scheduler {
            heap: BinaryHeap::new(),
            next_seq: 0,
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
        self.heap.push(Pending {
            time: at,
            seq: self.next_seq,
            event,
        });
        self.next_seq += 1;
        Ok(())
    }

    /// Schedules `event` `delay` microseconds from now (never in the past).
    pub fn schedule_in(&mut self, delay: u64, event: E) {
        let at = self.now.plus(delay);
        self.heap.push(Pending {
            time: at,
            seq: self.next_seq,
            event,
        });
        self.next_seq += 1;
    }

    /// The time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|p| p.time)
    }

    /// Takes the next event and moves the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let p = self.heap.pop()?;
        self.now = p.time;
        Some((p.time, p.event))
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
}

#[derive(Debug, Clone)]
struct Pending<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

// The heap is a max-heap: the earliest (time, seq) must compare greatest.
impl<E> Ord for Pending<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

impl<E> PartialOrd for Pending<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> PartialEq for Pending<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}

impl<E> Eq for Pending<E> {}

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
}
