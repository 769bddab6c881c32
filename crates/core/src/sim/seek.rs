//! Moving in time: seek to a virtual time or to a step count, step back, and on-demand
//! actions (which fork the timeline). A seek restores the nearest checkpoint (behind the
//! clock, or ahead of it when the series has no gap up to it) and re-simulates to the target;
//! the run is deterministic, so the result is exactly the state a straight run reaches.
//!
//! An action injected on demand stays in the timeline for any target at or after it: a
//! re-simulation that passes the point where it was made makes it again there. A target before
//! it undoes it (and every later one). Invariant: a checkpoint holds exactly the injected
//! actions made before its step count, so one taken at an action's step count is the state
//! before it.

use crate::sim::checkpoint::Checkpoint;
use crate::sim::engine::{Control, Injected, Simulation, State};
use crate::sim::handle::SimEvent;
use crate::sim::scheduler::{ScheduleError, SimTime};

impl Simulation {
    /// Goes to virtual time `t`: restores the latest checkpoint at or before `t` when that is
    /// behind the clock or ahead of it, then re-simulates up to `t` (exact: the run is
    /// deterministic).
    pub fn seek(&mut self, t: SimTime) -> Result<(), ScheduleError> {
        let steps = self.state.steps;
        let cp = self
            .checkpoints
            .at_time(t.0)
            .filter(|c| t < self.now() || (c.steps > steps && self.can_jump_to(c)));
        match cp.cloned() {
            Some(cp) => self.restore(cp, |e| e.time_us <= t.0),
            None if t < self.now() => {
                return Err(ScheduleError::InPast {
                    at: t,
                    now: self.now(),
                });
            }
            None => {}
        }
        self.run_until(t)
    }

    /// Goes to the state after exactly `steps` events (or the last one, if fewer can happen).
    pub fn seek_step(&mut self, steps: u64) {
        let now = self.state.steps;
        let cp = self
            .checkpoints
            .at_step(steps)
            .filter(|c| steps < now || (c.steps > now && self.can_jump_to(c)));
        if let Some(cp) = cp.cloned() {
            self.restore(cp, |e| e.steps < steps);
        }
        while self.state.steps < steps && self.step().is_some() {}
    }

    /// Undoes the last event; `false` at the start.
    pub fn step_back(&mut self) -> bool {
        let Some(target) = self.state.steps.checked_sub(1) else {
            return false;
        };
        self.seek_step(target);
        true
    }

    /// Applies an action now. It changes the future, so checkpoints past this point are
    /// dropped. It stays for any later moment the simulation goes to; going back before it (in
    /// time, or to this step count) undoes it.
    pub fn inject(&mut self, control: Control) {
        let steps = self.state.steps;
        // A copy at this very point is one of the state before the action (there is one when
        // an action was made here already): going back to it undoes the action.
        self.checkpoints.drop_after(steps);
        if self
            .checkpoints
            .at_step(steps)
            .is_none_or(|c| c.steps != steps)
        {
            self.checkpoint();
        }
        debug_assert!(self.injected.last().is_none_or(|e| e.steps <= steps));
        self.injected.push(Injected {
            steps,
            time_us: self.now().0,
            control,
        });
        self.trace.forget_future();
        self.series.forget_future();
        self.messages.forget_after(steps);
        self.state.sched.schedule_in(0, SimEvent::Control(control));
    }

    /// Runs on to the point after `steps` events with the clock at `at`, handling no event
    /// past `at`; where this run does not pass that point, it stops short of it or beyond (the
    /// caller compares). Events of actions made at that very point stay to be handled.
    pub(crate) fn reach(&mut self, steps: u64, at: SimTime) {
        let to_go = steps.saturating_sub(self.state.steps);
        let _ = self.run_events(at, to_go, u64::MAX);
        // The clock had moved on with no event (all those up to then were handled).
        if self.state.steps == steps && self.now() < at {
            let _ = self.run_until(at);
        }
    }

    /// Message copies in the broker: ready in queues plus unacked by consumers.
    fn held_copies(&self) -> u64 {
        let broker = &self.state.broker;
        let per_queue = |q: &crate::queue::Queue| {
            let unacked: u64 = q.consumers().map(|c| u64::from(c.unacked)).sum();
            q.message_count() as u64 + unacked
        };
        let vhosts = broker.vhosts().map(|t| t.vhost.as_str());
        vhosts
            .flat_map(|v| broker.queue_states(v))
            .map(per_queue)
            .sum::<u64>()
            + 1
    }

    /// A forward jump must not leave a gap in the metrics series (charts show all of it). The
    /// trace may restart at the checkpoint instead: it is a bounded ring, read for what is in
    /// flight, and a long jump would have pushed its old events out anyway.
    fn can_jump_to(&self, cp: &Checkpoint<State>) -> bool {
        self.series.knows(cp.series_pos)
    }

    pub(crate) fn checkpoint(&mut self) {
        self.checkpoints.push(Checkpoint {
            steps: self.state.steps,
            time_us: self.now().0,
            trace_seq: self.trace.next_seq(),
            series_pos: self.series.cursor(),
            weight: self.held_copies(),
            state: self.state.clone(),
        });
    }

    /// Restores `cp`, then makes again the injected actions after it that `keep` says the
    /// target is past; the others are undone.
    fn restore(&mut self, cp: Checkpoint<State>, keep: impl Fn(&Injected) -> bool) {
        // Going back before an injected action undoes it and every later one: the copies and
        // records after the checkpoint belong to a future that will not happen again.
        let redo = self.injected.partition_point(|e| e.steps < cp.steps);
        let kept = redo
            + (self.injected.iter().skip(redo))
                .take_while(|e| keep(e))
                .count();
        let forked = kept < self.injected.len();
        if forked {
            self.checkpoints.drop_after(cp.steps);
            self.injected.truncate(kept);
            self.forget_added();
        }
        self.state = cp.state;
        self.checkpoints.plan_from(self.state.steps);
        self.world.forget_slots();
        self.trace.seek(cp.trace_seq);
        self.series.seek(cp.series_pos);
        if forked {
            self.trace.forget_future();
            self.series.forget_future();
            self.messages.forget_after(cp.steps);
        }
        for i in redo..kept {
            if let Some(action) = self.injected.get(i).copied() {
                self.redo(action);
            }
        }
    }

    /// Re-simulates up to where an injected action was made, and makes it again.
    fn redo(&mut self, action: Injected) {
        self.reach(action.steps, SimTime(action.time_us));
        debug_assert_eq!(
            (self.state.steps, self.now().0),
            (action.steps, action.time_us),
            "a re-simulation reaches an injected action where it was made"
        );
        let control = SimEvent::Control(action.control);
        self.state.sched.schedule_in(0, control);
    }
}
