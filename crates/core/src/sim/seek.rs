//! Moving in time: seek to a virtual time or to a step count, step back, and on-demand
//! actions (which fork the timeline). A seek restores the nearest checkpoint (behind the
//! clock, or ahead of it when the series has no gap up to it) and re-simulates to the target;
//! the run is deterministic, so the result is exactly the state a straight run reaches.

use crate::sim::checkpoint::Checkpoint;
use crate::sim::engine::{Control, Simulation, State};
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
            Some(cp) => self.restore(cp),
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
            self.restore(cp);
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
    /// dropped; seeking back before it undoes it (use the scenario's script for actions that
    /// must replay).
    pub fn inject(&mut self, control: Control) {
        let steps = self.state.steps;
        // Save the state before the action, so seeking back to this very point undoes it.
        self.checkpoints.drop_after(steps.saturating_sub(1));
        self.checkpoint();
        self.injected_at.push(steps);
        self.trace.forget_future();
        self.series.forget_future();
        self.messages.forget_after(steps);
        self.state.sched.schedule_in(0, SimEvent::Control(control));
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

    fn restore(&mut self, cp: Checkpoint<State>) {
        // Going back before an injected action undoes it: the copies saved after it belong to
        // a future that will not happen again.
        let forked = self.injected_at.iter().any(|s| *s >= cp.steps);
        if forked {
            self.checkpoints.drop_after(cp.steps);
            self.injected_at.retain(|s| *s < cp.steps);
        }
        self.state = cp.state;
        self.world.forget_slots();
        self.trace.seek(cp.trace_seq);
        self.series.seek(cp.series_pos);
        if forked {
            self.trace.forget_future();
            self.series.forget_future();
            self.messages.forget_after(cp.steps);
        }
        // `sent_at` is not rewound: it maps ids to send times in this timeline, and a re-run
        // writes each id again when it is sent, before anything reads it.
    }
}
