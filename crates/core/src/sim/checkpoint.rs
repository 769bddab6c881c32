//! Checkpoints for step back and seek: copies of the whole simulation state taken every so
//! much virtual time, with the step count, time and trace position at which each was taken.
//! Seeking restores the nearest earlier copy and re-simulates (the run is deterministic, so
//! that is exact). Memory is bounded: past `max` copies every other one is dropped and the
//! interval doubles. It stores and finds copies; it knows nothing of what is in them.

/// One saved state.
#[derive(Debug, Clone)]
pub struct Checkpoint<S> {
    pub steps: u64,
    pub time_us: u64,
    pub trace_seq: u64,
    /// Position in the metrics series.
    pub series_pos: u64,
    pub state: S,
}

#[derive(Debug, Clone)]
pub struct Checkpoints<S> {
    saved: Vec<Checkpoint<S>>,
    every_us: u64,
    max: usize,
}

impl<S> Checkpoints<S> {
    pub fn new(every_us: u64, max: usize) -> Checkpoints<S> {
        Checkpoints {
            saved: Vec::new(),
            every_us: every_us.max(1),
            max: max.max(2),
        }
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
    pub fn due(&self, steps: u64, time_us: u64) -> bool {
        match self.saved.last() {
            None => true,
            Some(last) => steps > last.steps && time_us >= last.time_us + self.every_us,
        }
    }

    pub fn push(&mut self, checkpoint: Checkpoint<S>) {
        self.saved.push(checkpoint);
        if self.saved.len() > self.max {
            // Keep the first (the start) and every other one after it.
            let mut i = 0;
            self.saved.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.every_us = self.every_us.saturating_mul(2);
        }
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
            state: (),
        }
    }

    #[test]
    fn finds_the_nearest_earlier_and_thins_when_full() {
        let mut c = Checkpoints::new(10, 4);
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
}
