//! The playhead over a running simulation: the frame's virtual time ("view"), kept behind the
//! engine by the largest publish latency so every dot in flight at the frame is already in the
//! trace (see `switchyard_core::sim::trace`). It moves the view by a virtual duration or a step
//! budget, stops at lesson steps and at the user's pause points ("pause when a message arrives
//! here"), steps one event forward and back, seeks and resets. It drives the core; it knows
//! nothing of the browser or of Yew.

use switchyard_core::sim::rng::Dist;
use switchyard_core::sim::{Edge, NodeId, SimTime, Simulation, TraceEvent, TraceKind};

use crate::sim_ref::{Selection, SimRef};
use crate::stage::geometry::FastSet;
use crate::stage::instant::{self, InstantHop};
/// Events handled between two looks at the clock at "as fast as possible".
pub const FAST_CHUNK: u64 = 512;
/// The most events one step forward handles (a loop with no delay has no end).
const STEP_MOST: u64 = 4096;
/// How far (virtual µs) a step forward goes on over events that show nothing (a message
/// setting out, a consumer done with an auto-acked message, a metrics sample) to reach one
/// that does: at least the longest hop. Past it, the step shows time passing.
pub const STEP_REACH_US: u64 = 1_000_000;

pub use crate::stage::seen::Seen;

/// Why the view stopped before it got where it was going.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// A lesson step's pause point (index into the scenario's lesson).
    Lesson(usize),
    /// A message (or a flow's call) arrived at a node the user asked to pause at.
    Arrival {
        node: NodeId,
        /// The message, or the request the call belongs to.
        pick: Option<Selection>,
    },
}

/// A step forward: the step counts before and after it and the view before it (the engine
/// may have run ahead of the view; undoing restores that too).
#[derive(Debug, Clone, Copy)]
struct Undo {
    before: u64,
    after: u64,
    view: u64,
    clock: u64,
}

/// The last step taken, for the stage to show: while stepping, the dots are drawn where they
/// are (not stretched to stay a while on screen), and a step forward moves them from `from` to
/// `to` (virtual µs) for the eye, then shows the hops its instant took no time for. A step
/// back plays the same backwards, from `to` to `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stepped {
    /// Counts the steps taken: a new one starts its movement.
    pub id: u64,
    pub from: u64,
    pub to: u64,
    /// How many hops that take no time follow one another at `to` (an exchange's copies into
    /// its queues: 1; through an exchange-to-exchange binding first: 2). A step forward shows
    /// them after its move.
    pub instant_hops: u32,
    /// A step back: played from `to` back to `from`, it rests at the view (at or before
    /// `from`).
    pub back: bool,
}

/// The moment the stage draws: a virtual time (µs) and, while a step shows the hops its
/// instant took no time for, how far along their chains: 1.5 is halfway through the second
/// hop of each.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moment {
    pub at: u64,
    pub instant: Option<f64>,
}

impl Moment {
    pub fn at(at: u64) -> Moment {
        Moment { at, instant: None }
    }
}

pub struct Player {
    sim: SimRef,
    view: u64,
    /// The largest publish latency: how far the engine runs ahead of the view.
    lead: u64,
    /// The longest hop: how far back `in_flight` looks.
    horizon: u64,
    furthest: u64,
    /// Sorted, no repeats (a set; a `BTreeSet` would link a B-tree for a handful of ids).
    pause_at: Vec<NodeId>,
    /// What each step forward replaced, so stepping back restores it exactly.
    history: Vec<Undo>,
    /// The last step, until the view moves otherwise (play, seek, reset).
    stepped: Option<Stepped>,
    /// The hops the last step's instant took no time for.
    instant: Vec<InstantHop>,
    /// After a step back, the hops on their way at some moment of what it undid, which the
    /// trace no longer holds: the stage plays the step backwards from these.
    backing: Vec<TraceEvent>,
    /// Each queue's (ready, unacked) at the other end of the last step from the engine: before
    /// a step forward, before what a step back undid.
    ends: Vec<(NodeId, u64, u64)>,
    steps_taken: u64,
}

/// The hops of `events`.
fn edges(events: &[TraceEvent]) -> Vec<Edge> {
    events.iter().filter_map(|e| e.edge).collect()
}

/// The largest value a duration distribution gives in practice (an exponential's tail is cut at
/// 8 means: the few hops longer than that are drawn only once they land).
pub fn dist_max(d: &Dist) -> u64 {
    match *d {
        Dist::Fixed(us) => us,
        Dist::Uniform { max, .. } => max,
        Dist::Exponential { mean } => (mean * 8.0).max(0.0) as u64,
    }
}

impl Player {
    pub fn new(sim: Simulation) -> Player {
        let latency = &sim.scenario().latency;
        let lead = dist_max(&latency.publish);
        let horizon = lead
            .max(dist_max(&latency.deliver))
            .max(dist_max(&latency.ack));
        Player {
            sim: SimRef::new(sim),
            view: 0,
            lead,
            horizon,
            furthest: 0,
            pause_at: Vec::new(),
            history: Vec::new(),
            stepped: None,
            instant: Vec::new(),
            backing: Vec::new(),
            ends: Vec::new(),
            steps_taken: 0,
        }
    }

    pub fn sim(&self) -> &SimRef {
        &self.sim
    }

    /// The frame's virtual time (µs).
    pub fn view(&self) -> u64 {
        self.view
    }

    /// The furthest the view has been (µs): the timeline's end.
    pub fn furthest(&self) -> u64 {
        self.furthest
    }

    /// The longest hop (µs): how far back the frame's in-flight scan looks.
    pub fn horizon(&self) -> u64 {
        self.horizon
    }

    pub fn steps(&self) -> u64 {
        self.sim.get().map_or(0, |s| s.steps())
    }

    /// The pause points, sorted.
    pub fn pause_points(&self) -> &[NodeId] {
        &self.pause_at
    }

    /// Adds or removes a pause point; gives whether it is now set.
    pub fn toggle_pause_point(&mut self, node: NodeId) -> bool {
        match self.pause_at.binary_search(&node) {
            Ok(i) => {
                self.pause_at.remove(i);
                false
            }
            Err(i) => {
                self.pause_at.insert(i, node);
                true
            }
        }
    }

    fn set_view(&mut self, t: u64) {
        self.view = t;
        self.furthest = self.furthest.max(t);
    }

    /// The last step taken, while the view stays where stepping put it.
    pub fn stepped(&self) -> Option<Stepped> {
        self.stepped
    }

    fn note_step(&mut self, from: u64, to: u64, instant: Vec<InstantHop>, back: bool) {
        self.steps_taken += 1;
        self.stepped = Some(Stepped {
            id: self.steps_taken,
            from: from.min(to),
            to,
            instant_hops: instant::length(&instant),
            back,
        });
        self.instant = instant;
        self.backing.clear();
        self.ends.clear();
    }

    /// Leaves stepping: the view moves otherwise.
    fn unstep(&mut self) {
        self.stepped = None;
        self.instant.clear();
        self.backing.clear();
        self.ends.clear();
    }

    /// Each queue's (ready, unacked) to draw at `moment` into `out`, where it is not `now` (the
    /// engine's): during a step's move, the depths before it; during its instant, a queue's
    /// changes once the hops into it have arrived. A step back plays the same backwards.
    /// Gives whether it wrote `out`.
    pub fn depths_at(
        &self,
        moment: Moment,
        now: &[(NodeId, u64, u64)],
        out: &mut Vec<(NodeId, u64, u64)>,
    ) -> bool {
        let Some(s) = self.stepped.filter(|_| moment != Moment::at(self.view)) else {
            return false;
        };
        let (before, after) = if s.back {
            (now, self.ends.as_slice())
        } else {
            (self.ends.as_slice(), now)
        };
        // A step that changed the queues (a script's declaration) is drawn as the engine is.
        if before.len() != after.len() || before.iter().zip(after).any(|(b, a)| b.0 != a.0) {
            return false;
        }
        out.clear();
        let Some(phase) = moment.instant else {
            out.extend_from_slice(before);
            return true;
        };
        let stage = phase.max(0.0) as u32;
        // The queues a hop still heads for (u64 keys: the set the dots already use).
        let waiting: FastSet<u64> = (self.instant.iter().filter(|h| h.after >= stage))
            .filter_map(|h| h.event.edge.map(|e| u64::from(e.to.0)))
            .collect();
        let pick = |(b, a): (&(NodeId, u64, u64), &(NodeId, u64, u64))| {
            if waiting.contains(&u64::from(a.0.0)) {
                *b
            } else {
                *a
            }
        };
        out.extend(before.iter().zip(after).map(pick));
        true
    }

    /// A step back from `was` to the view, which undid what the trace no longer holds of
    /// `hops` (from [`Player::hops_since`]): played backwards from `was` to where the step
    /// forward would have set out (the view, if something was on its way there, or where the
    /// first hop undone left).
    fn note_back(&mut self, was: u64, hops: Vec<TraceEvent>, depths: Vec<(NodeId, u64, u64)>) {
        let (view, kept) = (
            self.view,
            self.sim.get().map_or(0, |s| s.trace().next_seq()),
        );
        let instant: Vec<InstantHop> = instant::instant_hops(&hops, was)
            .into_iter()
            .filter(|h| h.event.seq >= kept)
            .collect();
        let flying =
            (hops.iter().filter_map(|e| e.edge)).any(|h| h.depart.0 <= view && view < h.arrive.0);
        let left = (hops.iter().filter(|e| e.seq >= kept))
            .filter_map(|e| e.edge)
            .map(|h| h.depart.0)
            .min();
        let from = if flying {
            view
        } else {
            left.unwrap_or(view).max(view)
        };
        self.note_step(from, was.max(view), instant, true);
        self.backing = hops;
        self.ends = depths;
    }

    /// The hops of the trace on their way at some moment from `since` to the view, and those
    /// that took no time at the view, oldest first: what a step back is about to undo.
    fn hops_since(&self, since: u64) -> Vec<TraceEvent> {
        let Some(sim) = self.sim.get() else {
            return Vec::new();
        };
        let (view, oldest) = (self.view, since.saturating_sub(self.horizon));
        let mut out: Vec<TraceEvent> = (sim.trace().events().rev())
            .take_while(|e| e.time.0 >= oldest)
            .filter(|e| {
                e.edge.is_some_and(|h| {
                    let instant = h.depart == h.arrive && h.arrive.0 == view;
                    h.depart.0 <= view && (h.arrive.0 > since || instant)
                })
            })
            .collect();
        out.reverse();
        out
    }

    /// Moves the view `dt` virtual µs forward, stopping early at a lesson step or a pause point.
    pub fn advance(&mut self, dt: u64) -> Result<Option<Stop>, String> {
        self.unstep();
        let from = self.view;
        let mut target = from.saturating_add(dt.max(1));
        let mut stop = None;
        {
            let Some(sim) = self.sim.get() else {
                return Ok(None);
            };
            if let Some((i, step)) = sim.next_pause_after(SimTime(from))
                && step.at <= target
            {
                target = step.at;
                stop = Some(Stop::Lesson(i));
            }
        }
        let ahead = SimTime(target.saturating_add(self.lead));
        let ran = self.sim.update(|sim| {
            if sim.now() < ahead {
                sim.run_until(ahead)
            } else {
                Ok(())
            }
        });
        if let Some(Err(e)) = ran {
            return Err(format!("The simulation stopped at {} ms: {e}", from / 1000));
        }
        if let Some((at, arrival)) = self.arrival(from, target) {
            target = at;
            stop = Some(arrival);
        }
        self.set_view(target);
        Ok(stop)
    }

    /// As fast as possible: events until `budget` of them are handled or `out_of_time` says
    /// so (asked every [`FAST_CHUNK`] events), then the view jumps to the engine's clock (or
    /// stops at a lesson step or a pause point on the way).
    pub fn run_fast(&mut self, budget: u64, mut out_of_time: impl FnMut() -> bool) -> Option<Stop> {
        self.unstep();
        let from = self.view;
        let lesson = self
            .sim
            .get()
            .and_then(|s| s.next_pause_after(SimTime(from)).map(|(i, s)| (i, s.at)));
        let limit = lesson.map_or(u64::MAX, |(_, at)| at);
        let now = self.sim.update(|sim| {
            let mut n = 0;
            while n < budget && sim.now().0 < limit && sim.step().is_some() {
                n += 1;
                if n % FAST_CHUNK == 0 && out_of_time() {
                    break;
                }
            }
            sim.now().0
        });
        let mut target = now.unwrap_or(from).max(from).min(limit);
        let mut stop = lesson
            .filter(|(_, at)| *at <= target)
            .map(|(i, _)| Stop::Lesson(i));
        if let Some((at, arrival)) = self.arrival(from, target) {
            target = at;
            stop = Some(arrival);
        }
        self.set_view(target);
        stop
    }

    /// The first arrival at a pause point in (`from`, `to`].
    fn arrival(&self, from: u64, to: u64) -> Option<(u64, Stop)> {
        if self.pause_at.is_empty() {
            return None;
        }
        let sim = self.sim.get()?;
        let oldest = from.saturating_sub(self.horizon);
        sim.trace()
            .events()
            .rev()
            .take_while(|e| e.time.0 >= oldest)
            .filter_map(|e| {
                let edge = e.edge?;
                let at = edge.arrive.0;
                (at > from && at <= to && self.pause_at.contains(&edge.to)).then_some((
                    at,
                    Stop::Arrival {
                        node: edge.to,
                        pick: Selection::of_event(&e),
                    },
                ))
            })
            .min_by_key(|(at, _)| *at)
    }

    /// The hops to draw at the view: those in flight, and those that landed less than
    /// `min_span` µs after they left (a 2 ms hop would otherwise never be on screen at 1×):
    /// each is drawn as taking at least `min_span`, until its message leaves where it went.
    /// With `min_span` 0 this is exactly `Trace::in_flight`.
    pub fn flights(&self, min_span: u64) -> Vec<TraceEvent> {
        let mut out = Vec::new();
        let moment = Moment::at(self.view);
        self.flights_into(moment, min_span, &mut out, &mut Seen::default());
        out
    }

    /// [`Player::flights`] at `moment` (the view, or on the way to it after a step) into
    /// `out`, with `seen` for scratch: the animation loop keeps both from frame to frame, so a
    /// frame allocates nothing. Within the instant of a step, the hops of its chains at that
    /// stage are drawn too (a zero-time hop's progress is the stage's fraction), and a hop that
    /// leaves at that instant waits until its message has got where it leaves from.
    pub fn flights_into(
        &self,
        moment: Moment,
        min_span: u64,
        out: &mut Vec<TraceEvent>,
        seen: &mut Seen,
    ) {
        out.clear();
        let Some(sim) = self.sim.get() else {
            return;
        };
        let at = moment.at;
        if min_span == 0 {
            // A step back played backwards draws what it undid, until it rests.
            let step = self.stepped.filter(|s| s.from <= at && at <= s.to);
            let moving = moment.instant.is_some() || step.is_some_and(|s| at > s.from);
            match step {
                Some(s) if s.back && moving => {
                    let on_way = |e: &&TraceEvent| {
                        e.edge.is_some_and(|h| h.depart.0 <= at && at < h.arrive.0)
                    };
                    out.extend(self.backing.iter().filter(on_way));
                }
                _ => out.extend(sim.trace().in_flight(SimTime(at), self.horizon)),
            }
            if let (Some(phase), Some(s)) = (moment.instant, step)
                && s.to == at
            {
                let stage = phase.max(0.0) as u32;
                out.retain(|e| {
                    let leaves_now = e.edge.is_some_and(|h| h.depart.0 == at);
                    let waits = e
                        .message
                        .is_some_and(|m| leaves_now && instant::on_way(&self.instant, m, stage));
                    !waits
                });
                let hops = self.instant.iter().filter(|h| h.after == stage);
                out.extend(hops.map(|h| h.event));
            }
            return;
        }
        // A hop drawn now left at most that long ago, and is recorded at or after it left.
        let oldest = at.saturating_sub(self.horizon.max(min_span));
        out.extend(sim.trace().shown_at(SimTime(at), SimTime(oldest), min_span));
        // Stretched hops overlap the hops after them: a hop is not drawn once its message has
        // left the node it went to (a newer hop of it starts there), while a fanout's copies
        // travel side by side. A confirm or a return travels back to the producer beside the
        // message: one of those per message.
        let span =
            out.iter()
                .filter_map(|e| e.message)
                .fold(None, |span: Option<(u64, u64)>, m| {
                    Some(span.map_or((m.0, m.0), |(lo, hi)| (lo.min(m.0), hi.max(m.0))))
                });
        // A slot per node (`NodeId` indexes the world's nodes), then the signal's.
        let signal = sim.world().nodes().len() as u64;
        seen.reset(span.unwrap_or((0, 0)), signal + 1);
        out.retain(|e| {
            let (Some(m), Some(hop)) = (e.message, e.edge) else {
                return true;
            };
            if matches!(e.kind, TraceKind::Confirm { .. } | TraceKind::Return) {
                return seen.insert(m, signal);
            }
            let moved_on = seen.contains(m, u64::from(hop.to.0));
            seen.insert(m, u64::from(hop.from.0));
            !moved_on
        });
        out.reverse();
    }

    /// What is in flight at the view.
    pub fn in_flight(&self) -> Vec<TraceEvent> {
        self.sim
            .get()
            .map(|s| s.trace().in_flight(SimTime(self.view), self.horizon))
            .unwrap_or_default()
    }

    /// Puts the engine exactly at the view (it normally runs ahead).
    fn align(&mut self) {
        let view = SimTime(self.view);
        let _ = self.sim.update(|sim| {
            if sim.now() != view {
                let _ = sim.seek(view);
            }
        });
    }

    /// Handles the next event that can be seen (with the rest of its instant): one that records
    /// something, or the landing of a message on its way. A message that sets out records
    /// nothing until it arrives, so the events before that, within [`STEP_REACH_US`] or the
    /// longest hop, are handled with it. Gives the message (or flow request) it concerned, if
    /// any.
    pub fn step_forward(&mut self) -> Option<Selection> {
        let before = (self.view, self.steps(), self.sim.get()?.now().0);
        self.align();
        let depths = self.sim.get()?.queue_depths();
        let horizon = self.horizon;
        let reach = horizon.max(STEP_REACH_US);
        let stepped = self.sim.update(|sim| {
            let seq = sim.trace().next_seq();
            let on_way = sim.trace().in_flight(sim.now(), horizon);
            let flying = edges(&on_way);
            let landing = flying.iter().map(|h| h.arrive.0).min();
            let first = sim.step()?;
            let mut t = first;
            for _ in 1..STEP_MOST {
                let next = sim.next_at();
                let shown = sim.trace().next_seq() != seq || landing.is_some_and(|at| t.0 >= at);
                // What can be seen is shown with the rest of its instant.
                let go_on = if shown {
                    next == Some(t)
                } else {
                    next.is_some_and(|next| next.0 <= first.0.saturating_add(reach))
                };
                if !go_on {
                    break;
                }
                t = sim.step()?;
            }
            let recorded: Vec<TraceEvent> = sim.trace().since(seq).collect();
            // What it records concerns; else what landed (the first to).
            let landed = (on_way.iter())
                .filter(|e| e.edge.is_some_and(|h| h.arrive <= t))
                .min_by_key(|e| e.edge.map(|h| h.arrive));
            let message = (recorded.iter().find_map(Selection::of_event))
                .or_else(|| landed.and_then(Selection::of_event));
            // Where the hops it shows set out: those on their way, and those it records (one
            // that left before the view picks up where it is).
            let from = (flying.iter().chain(&edges(&recorded)))
                .map(|h| h.depart.0)
                .min();
            let instant = instant::instant_hops(&recorded, t.0);
            Some((t, message, sim.steps(), from, instant))
        })??;
        self.history.push(Undo {
            after: stepped.2,
            view: before.0,
            before: before.1,
            clock: before.2,
        });
        let to = stepped.0.0.max(self.view);
        self.set_view(to);
        // The hops at an instant the view has passed are not shown.
        let instant = if to == stepped.0.0 {
            stepped.4
        } else {
            Vec::new()
        };
        self.note_step(stepped.3.unwrap_or(to).max(before.0), to, instant, false);
        self.ends = depths;
        stepped.1
    }

    /// Undoes the last step (the last event that can be seen, and those that recorded nothing
    /// before it); gives the message (or flow request) of the event now last, if any. Undoing
    /// steps this player took restores exactly the state before them (engine lead included).
    /// The stage is shown what was undone, to play it backwards.
    pub fn step_back(&mut self) -> Option<Selection> {
        let steps = self.steps();
        let undo = match self.history.last() {
            Some(u) if u.after == steps => self.history.pop(),
            _ => {
                self.history.clear();
                None
            }
        };
        let was = self.view;
        // Back to the view before the step undone, or at most this far back over events that
        // show nothing: what is on its way since then is kept to be shown.
        let since = match undo {
            Some(u) => u.view,
            None => {
                self.align();
                was.saturating_sub(self.horizon.max(STEP_REACH_US))
            }
        };
        let undone = self.hops_since(since);
        let depths = self.sim.get().map(|s| s.queue_depths()).unwrap_or_default();
        let view = match undo {
            Some(u) => {
                self.sim.update(|sim| {
                    sim.seek_step(u.before);
                    // The engine's clock as it was too (it had run to there with no event).
                    if sim.now().0 < u.clock {
                        let _ = sim.run_until(SimTime(u.clock));
                    }
                })?;
                u.view
            }
            None => {
                let reach = self.horizon.max(STEP_REACH_US);
                self.sim.update(|sim| {
                    let (seq, start) = (sim.trace().next_seq(), sim.now().0);
                    let back = sim.step_back();
                    // On back over the events that recorded nothing (a message setting out),
                    // within reach, to just before the last event that can be seen.
                    let mut more = back;
                    while more
                        && sim.trace().next_seq() == seq
                        && start.saturating_sub(sim.now().0) <= reach
                    {
                        more = sim.step_back();
                    }
                    back.then(|| sim.now().0)
                })??
            }
        };
        self.view = view;
        if view >= since {
            self.note_back(was, undone, depths);
        } else {
            // Further back than the hops were gathered for: the view is put there at once.
            self.note_step(view, view, Vec::new(), true);
        }
        let sim = self.sim.get()?;
        sim.trace()
            .events()
            .next_back()
            .and_then(|e| Selection::of_event(&e))
    }

    /// Moves the view to `t` µs (back or forward). The engine goes to `t` itself first, so
    /// that a change made on demand after `t` is undone even when it lies within the engine's
    /// lead, then runs ahead.
    pub fn seek(&mut self, t: u64) -> Result<(), String> {
        self.history.clear();
        self.unstep();
        let ahead = SimTime(t.saturating_add(self.lead));
        let done = self
            .sim
            .update(|sim| sim.seek(SimTime(t)).and_then(|()| sim.run_until(ahead)));
        match done {
            Some(Err(e)) => Err(format!("Could not go to {} ms: {e}", t / 1000)),
            _ => {
                self.set_view(t);
                Ok(())
            }
        }
    }

    /// Back to just before the change made on demand after `steps` events (that change and
    /// those after it are undone); the view goes to the engine's clock there.
    pub fn back_before(&mut self, steps: u64) -> Result<(), String> {
        self.history.clear();
        self.unstep();
        let now = self.sim.update(|sim| {
            sim.seek_step(steps);
            sim.now().0
        });
        if let Some(now) = now {
            self.view = now;
        }
        Ok(())
    }

    /// Back to the start, before any change made on demand (the pause points stay).
    pub fn reset(&mut self) -> Result<(), String> {
        self.history.clear();
        self.unstep();
        let ahead = SimTime(self.lead);
        let done = self.sim.update(|sim| {
            sim.seek_step(0);
            sim.run_until(ahead)
        });
        self.view = 0;
        match done {
            Some(Err(e)) => Err(format!("Could not go back to the start: {e}")),
            _ => Ok(()),
        }
    }
}
