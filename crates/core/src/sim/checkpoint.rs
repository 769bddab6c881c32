//! Checkpoints for step back and seek: copies of the whole simulation state taken every so
//! much virtual time, with the step count, time and trace position at which each was taken.
//! Seeking restores the nearest earlier copy and re-simulates (the run is deterministic, so
//! that is exact). Memory is bounded: past `max` copies, or past a budget of message copies
//! held across all saved states (a deep backlog makes each copy big), every other one is
//! dropped and the interval doubles. It stores and finds copies; it knows nothing of what is in them.

/// One saved state.
#[derive(Debug, Clone)]
pub struct Checkpoint<S> {
    pub steps: u64,
    pub time_us: u64,
    pub trace_seq: u64,
    /// Position in the metrics series.
    pub series_pos: u64,
    /// Message copies the state holds: its share of the memory budget.
    pub weight: u64,
    pub state: S,
}

#[derive(Debug, Clone)]
pub struct Checkpoints<S> {
    saved: Vec<Checkpoint<S>>,
    every_us: u64,
    max: usize,
    budget: u64,
    /// When the next copy is due: from this step count and virtual time on, the last one's
    /// steps + 1 and time + interval (0 and 0 with no copy yet: due at once). Asked before
    /// every step, so kept at hand rather than found in `saved`, as two plain numbers.
    next: (u64, u64),
}

impl<S> Checkpoints<S> {
    /// Saves every `every_us` of virtual time, at most `max` copies holding at most `budget`
    /// message copies in total.
    pub fn new(every_us: u64, max: usize, budget: u64) -> Checkpoints<S> {
        Checkpoints {
            saved: Vec::new(),
            every_us: every_us.max(1),
            max: max.max(2),
            budget,
            next: (0, 0),
        }
    }

    /// Message copies held by all saved states.
    pub fn weight(&self) -> u64 {
        self.saved.iter().map(|c| c.weight).sum()
    }

    pub fn len(&self) -> usize {
        self.saved.len()
    }

    pub fn is_empty(&self) -> bool {
        self.saved.is_empty()
    }

    /// The current interval (it doubles when thinning).
    pub fn every_us(&self) -> u64 {
        self.every_us
    }

    /// Whether a state at (`steps`, `time_us`) is due to be saved.
    #[inline]
    pub fn due(&self, steps: u64, time_us: u64) -> bool {
        let (from_steps, at) = self.next;
        time_us >= at && steps >= from_steps
    }

    /// Sets [`Checkpoints::next`] after `saved` or `every_us` changed.
    fn plan_next(&mut self) {
        self.next = (self.saved.last()).map_or((0, 0), |last| {
            (last.steps.saturating_add(1), last.time_us + self.every_us)
        });
    }

    pub fn push(&mut self, checkpoint: Checkpoint<S>) {
        self.saved.push(checkpoint);
        while self.saved.len() > 2 && (self.saved.len() > self.max || self.weight() > self.budget) {
            // Keep the first (the start) and every other one after it.
            let mut i = 0;
            self.saved.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.every_us = self.every_us.saturating_mul(2);
        }
        self.plan_next();
    }

    /// The latest copy at or before `steps`.
    pub fn at_step(&self, steps: u64) -> Option<&Checkpoint<S>> {
        let i = self.saved.partition_point(|c| c.steps <= steps);
        i.checked_sub(1).and_then(|i| self.saved.get(i))
    }

    /// The latest copy at or before virtual time `time_us`.
    pub fn at_time(&self, time_us: u64) -> Option<&Checkpoint<S>> {
        let i = self.saved.partition_point(|c| c.time_us <= time_us);
        i.checked_sub(1).and_then(|i| self.saved.get(i))
    }

    /// Forgets the copies after `steps` (an on-demand action changed that future).
    pub fn drop_after(&mut self, steps: u64) {
        self.saved.retain(|c| c.steps <= steps);
        self.plan_next();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp(steps: u64, time_us: u64) -> Checkpoint<()> {
        Checkpoint {
            steps,
            time_us,
            trace_seq: 0,
            series_pos: 0,
            weight: steps,
            state: (),
        }
    }

    #[test]
    fn finds_the_nearest_earlier_and_thins_when_full() {
        let mut c = Checkpoints::new(10, 4, u64::MAX);
        for i in 0..4 {
            assert!(c.due(i * 5 + 1, i * 10));
            c.push(cp(i * 5 + 1, i * 10));
        }
        assert!(!c.due(17, 35));
        assert_eq!(c.at_step(12).unwrap().steps, 11);
        assert_eq!(c.at_time(9).unwrap().time_us, 0);
        assert!(c.at_step(0).is_none());
        c.push(cp(21, 40));
        assert_eq!(c.len(), 3);
        assert_eq!(c.every_us(), 20);
        c.drop_after(11);
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn thins_to_stay_within_the_budget() {
        let mut c = Checkpoints::new(1, 100, 100);
        for i in 0..10 {
            c.push(cp(i * 10, i));
        }
        assert!(c.weight() <= 100, "{}", c.weight());
        assert!(c.every_us() > 1);
        assert_eq!(c.at_step(0).unwrap().steps, 0);
    }
}
