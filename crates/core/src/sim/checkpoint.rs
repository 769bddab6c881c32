//! Checkpoints for step back and seek: copies of the whole simulation state, with the step
//! count, time and trace position at which each was taken. Seeking restores the nearest
//! earlier copy and re-simulates (the run is deterministic, so that is exact). It stores and
//! finds copies; it knows nothing of what is in them.
//!
//! **When a copy is taken.** At most one every `every_us` of virtual time, and no sooner than
//! [`EVENTS_PER_COPY`] events for each message copy the last one held: copying a deep backlog
//! costs about as much as handling a few events per message in it, so the copies never take
//! more than a small share of a run's time, however deep its queues. A copy is also taken while
//! a seek re-simulates through a long stretch with none, so that stepping back from where the
//! seek landed is as quick as stepping back from the present.
//!
//! **Which copies are kept.** At most `max` copies, holding at most `budget` message copies
//! together (a deep backlog makes each copy big). Past either bound, the copy dropped is the
//! one whose gap, once it is gone, is smallest for its distance from the copy just saved (the
//! newest, in a run forward), plus a quarter of the whole run: the copies stay dense where the
//! simulation is (stepping back costs re-simulating one gap), and thin out with distance, up
//! to fivefold (a seek far away re-simulates more, once). The first copy (the start) and the
//! last are always kept.

/// Events to handle between two copies for each message copy the earlier one holds.
pub const EVENTS_PER_COPY: u64 = 32;

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
    /// In step order (and so in time order).
    saved: Vec<Checkpoint<S>>,
    every_us: u64,
    max: usize,
    budget: u64,
    /// The weight of `saved`, kept as copies come and go.
    weight: u64,
    /// From this step count on, look again whether a copy is due (or the position passed a
    /// saved one). Asked before every event, so kept at hand as one number: the time is
    /// looked at only then.
    look_at: u64,
}

impl<S> Checkpoints<S> {
    /// Copies at most every `every_us` (`u64::MAX`: the start only, for a run that never goes
    /// back), at most `max` of them holding at most `budget` message copies in total.
    pub fn new(every_us: u64, max: usize, budget: u64) -> Checkpoints<S> {
        Checkpoints {
            saved: Vec::new(),
            every_us: every_us.max(1),
            max: max.max(2),
            budget,
            weight: 0,
            look_at: 0,
        }
    }

    /// Message copies held by all saved states.
    pub fn weight(&self) -> u64 {
        self.weight
    }

    pub fn len(&self) -> usize {
        self.saved.len()
    }

    pub fn is_empty(&self) -> bool {
        self.saved.is_empty()
    }

    /// Whether to look at [`Checkpoints::wanted`] after `steps` events: a copy may be due, or
    /// the position passed a saved one. One comparison, usually false.
    #[inline]
    pub fn due(&self, steps: u64) -> bool {
        steps >= self.look_at
    }

    /// Whether a state at (`steps`, `time_us`) is to be saved; when it is not, plans when to
    /// look again. Not saved: a state too near the copy before it (in events or in time), or
    /// too near the copy after it (reaching that one re-simulates little).
    pub fn wanted(&mut self, steps: u64, time_us: u64) -> bool {
        let i = self.saved.partition_point(|c| c.steps <= steps);
        let after = self.saved.get(i);
        let passes = after.map_or(u64::MAX, |c| c.steps);
        let Some(before) = i.checked_sub(1).and_then(|i| self.saved.get(i)) else {
            return true;
        };
        let events = before.weight.saturating_mul(EVENTS_PER_COPY).max(1);
        let from = before.steps.saturating_add(events);
        let at = before.time_us.saturating_add(self.every_us);
        let near = |c: &Checkpoint<S>| {
            c.time_us < time_us.saturating_add(self.every_us)
                || c.steps < steps.saturating_add(events)
        };
        self.look_at = if at == u64::MAX || after.is_some_and(near) {
            // None to take (a run that never goes back), or none before the next saved one.
            passes
        } else if steps < from {
            from.min(passes)
        } else if time_us < at {
            // Enough events, not enough time: look again as many events on.
            steps.saturating_add(events).min(passes)
        } else {
            return true;
        };
        false
    }

    /// Plans [`Checkpoints::due`] for a simulation at `steps` (after a copy is saved, dropped
    /// or restored): when enough events have passed since the copy before it, or it passes the
    /// copy after.
    pub fn plan_from(&mut self, steps: u64) {
        let i = self.saved.partition_point(|c| c.steps <= steps);
        let passes = self.saved.get(i).map_or(u64::MAX, |c| c.steps);
        self.look_at = match i.checked_sub(1).and_then(|i| self.saved.get(i)) {
            None => 0,
            Some(before) => {
                let events = before.weight.saturating_mul(EVENTS_PER_COPY).max(1);
                before.steps.saturating_add(events).min(passes)
            }
        };
    }

    /// Saves a copy (in its place by step count: one taken during a seek goes between two),
    /// then drops copies while over a bound.
    pub fn push(&mut self, checkpoint: Checkpoint<S>) {
        let steps = checkpoint.steps;
        let i = self.saved.partition_point(|c| c.steps < steps);
        self.weight += checkpoint.weight;
        match self.saved.get_mut(i).filter(|c| c.steps == steps) {
            Some(same) => self.weight -= std::mem::replace(same, checkpoint).weight,
            None => self.saved.insert(i, checkpoint),
        }
        while self.saved.len() > 2 && (self.saved.len() > self.max || self.weight > self.budget) {
            let Some(drop) = self.least_missed(steps) else {
                break;
            };
            let gone = self.saved.remove(drop);
            self.weight -= gone.weight;
        }
        self.plan_from(steps);
    }

    /// The copy whose loss opens the smallest gap (in steps) for its distance from `focus`,
    /// plus a quarter of the whole stretch saved: the gaps grow with the distance, but no more
    /// than fivefold from the nearest to the farthest. Never the first or the last.
    fn least_missed(&self, focus: u64) -> Option<usize> {
        let (first, last) = (self.saved.first()?, self.saved.last()?);
        let reach = (last.steps - first.steps) / 4 + 1;
        let cost = |(i, w): (usize, &[Checkpoint<S>])| match w {
            [before, c, after] => {
                let gap = after.steps - before.steps;
                Some((i + 1, gap, c.steps.abs_diff(focus) + reach))
            }
            _ => None,
        };
        (self.saved.windows(3).enumerate())
            .filter_map(cost)
            .min_by(|(_, ga, da), (_, gb, db)| {
                // ga / da against gb / db, without dividing.
                (u128::from(*ga) * u128::from(*db)).cmp(&(u128::from(*gb) * u128::from(*da)))
            })
            .map(|(i, ..)| i)
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
        self.weight = self.saved.iter().map(|c| c.weight).sum();
        self.plan_from(steps);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp(steps: u64, time_us: u64, weight: u64) -> Checkpoint<()> {
        Checkpoint {
            steps,
            time_us,
            trace_seq: 0,
            series_pos: 0,
            weight,
            state: (),
        }
    }

    /// Runs `c` from `steps` to `to`, one step each `us` of virtual time, saving every copy
    /// wanted (each of weight `weight`); gives the step counts saved.
    fn run(c: &mut Checkpoints<()>, steps: u64, to: u64, us: u64, weight: u64) -> Vec<u64> {
        run_at(c, steps, to, |s| s * us, weight)
    }

    /// [`run`] with step `s` at virtual time `time(s)`.
    fn run_at(
        c: &mut Checkpoints<()>,
        steps: u64,
        to: u64,
        time: impl Fn(u64) -> u64,
        weight: u64,
    ) -> Vec<u64> {
        c.plan_from(steps);
        let mut saved = Vec::new();
        for s in steps..to {
            if c.due(s) && c.wanted(s, time(s)) {
                c.push(cp(s, time(s), weight));
                saved.push(s);
            }
        }
        saved
    }

    #[test]
    fn finds_the_nearest_earlier() {
        let mut c = Checkpoints::new(10, 100, u64::MAX);
        assert_eq!(run(&mut c, 0, 40, 1, 0), [0, 10, 20, 30]);
        assert_eq!(c.at_step(12).unwrap().steps, 10);
        assert_eq!(c.at_time(9).unwrap().time_us, 0);
        assert_eq!(c.at_time(u64::MAX).unwrap().steps, 30);
        c.drop_after(11);
        assert_eq!(c.len(), 2);
        assert_eq!(c.weight(), 0);
        assert!(Checkpoints::<()>::new(1, 2, 2).at_step(0).is_none());
    }

    #[test]
    fn waits_a_few_events_for_each_message_copy_held() {
        // Copies of 100 messages, though every event takes 10 µs.
        let mut c = Checkpoints::new(10, 100, u64::MAX);
        let every = 100 * EVENTS_PER_COPY;
        let saved = run(&mut c, 0, 3 * every, 10, 100);
        assert_eq!(saved, [0, every, 2 * every]);
    }

    #[test]
    fn the_start_only_for_a_run_that_never_goes_back() {
        let mut c = Checkpoints::new(u64::MAX, 100, u64::MAX);
        assert_eq!(run(&mut c, 0, 10_000, 1_000_000, 1), [0]);
    }

    #[test]
    fn keeps_copies_dense_near_the_newest_and_sparse_far_from_it() {
        let mut c = Checkpoints::new(1, 32, u64::MAX);
        run(&mut c, 0, 100_000, 1, 0);
        assert_eq!(c.len(), 32);
        let steps: Vec<u64> = c.saved.iter().map(|c| c.steps).collect();
        assert_eq!((steps.first(), steps.last()), (Some(&0), Some(&99_999)));
        let gaps: Vec<u64> = steps.windows(2).map(|w| w[1] - w[0]).collect();
        // Gaps grow with the distance from the newest copy, up to about fivefold.
        let (near, far) = (gaps[gaps.len() - 2], gaps[1]);
        assert!(near * 3 < far && far < near * 8, "{gaps:?}");
        assert!(gaps.iter().all(|g| *g < 100_000 / 8), "{gaps:?}");
    }

    #[test]
    fn keeps_within_the_budget_of_message_copies() {
        let mut c = Checkpoints::new(1, 1000, 1000);
        run(&mut c, 0, 100_000, 1, 20);
        assert!(c.weight() <= 1000, "{}", c.weight());
        assert_eq!(c.len(), 50);
        assert_eq!(c.weight(), c.saved.iter().map(|c| c.weight).sum::<u64>());
    }

    #[test]
    fn a_seek_fills_a_long_stretch_with_none_and_the_copies_gather_there() {
        // Events 7 to 13 µs apart: copies every 50 µs or so, wherever they fall.
        let time = |s: u64| s * 10 + (s * 7919) % 7;
        let mut c = Checkpoints::new(50, 32, u64::MAX);
        run_at(&mut c, 0, 100_000, time, 0);
        let behind = |c: &Checkpoints<()>, at: u64| at - c.at_step(at).unwrap().steps;
        assert!(behind(&c, 30_000) > 1000, "{}", behind(&c, 30_000));
        // A seek restores the copy before 30,000 and re-simulates to it, then steps back.
        let from = c.at_step(30_000).unwrap().steps;
        run_at(&mut c, from, 30_000, time, 0);
        assert!(behind(&c, 29_999) < 20, "{}", behind(&c, 29_999));
        assert_eq!(c.len(), 32);
        // Going on from there passes the copies saved before, and saves none right before
        // one (it would be dropped at once, a copy made for nothing).
        let before: Vec<u64> = c.saved.iter().map(|c| c.time_us).collect();
        let saved = run_at(&mut c, 30_000, 100_000, time, 0);
        assert!(!saved.is_empty());
        for s in saved {
            let next = before.iter().find(|t| **t > time(s));
            assert!(
                next.is_none_or(|t| t - time(s) >= 50),
                "{} before {next:?}",
                time(s)
            );
        }
        assert_eq!(c.len(), 32);
    }
}
