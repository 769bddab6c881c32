//! One request of a business flow's caller in the inspector: what a click on an
//! orchestration's call shows, since its calls carry no message. Who sent it and when, how it
//! ended or whom it waits for now, how far each service's step got (and whether a saga undid
//! it), and its calls one by one with how long each answer took. In choreography, where the
//! request reaches only the triggering service, the events published for it (each carries its
//! correlation id), each a link to its message. It reads the trace, the flow and the table of
//! messages; it decides nothing.

use switchyard_core::MessageId;
use switchyard_core::sim::flow::Style;
use switchyard_core::sim::{NodeId, Origin, Simulation, TraceEvent, TraceKind};
use yew::prelude::*;

use super::{link, node_link, seconds};
use crate::flow_view::figures::duration;
use crate::sim_ref::Selection;

/// The nodes a request goes between: the caller and the reacting services (the triggering
/// service is the one left).
struct Cast {
    caller: NodeId,
    /// The services react to an event in their own time: the request never reaches them.
    choreography: bool,
    /// With each one's compensation (empty when it has none).
    reacting: Vec<(NodeId, String)>,
}

impl Cast {
    fn of(sim: &Simulation) -> Option<Cast> {
        let spec = sim.flow()?;
        let nodes: Vec<NodeId> = sim.services().iter().map(|s| s.node).collect();
        let (_trigger, rest) = nodes.split_first()?;
        Some(Cast {
            caller: sim.flow_caller()?,
            choreography: spec.style == Style::Choreography,
            reacting: rest
                .iter()
                .zip(&spec.services)
                .map(|(n, s)| (*n, s.compensation.clone()))
                .collect(),
        })
    }

    fn step_of(&self, node: NodeId) -> Option<usize> {
        self.reacting.iter().position(|(n, _)| *n == node)
    }
}

pub(super) fn view(sim: &Simulation, flow: u32, on_select: &Callback<Selection>) -> Html {
    let Some(cast) = Cast::of(sim) else {
        return html! { <p class="error">{ "This scenario has no business flow." }</p> };
    };
    let events = sim.trace().flow_events(flow);
    let start = events
        .first()
        .filter(|e| e.kind == TraceKind::Request { flow } && from(e) == Some(cast.caller));
    let steps = Steps::of(&cast, &events, start.is_some());
    html! {
        <>
            <h2>{ format!("Request #{flow}") }</h2>
            { match start {
                Some(e) => origin(sim, e, on_select),
                None => missing(sim, flow, events.is_empty()),
            } }
            { start.map(|s| outcome(sim, flow, &cast, &events, s, on_select)).unwrap_or_default() }
            { steps.view(sim, &cast, &events) }
            if cast.choreography {
                <p class="muted">
                    { "In choreography the triggering service publishes its event and answers at \
                       once: the services react to the event from their queues in their own time. \
                       Each event carries the request's correlation id." }
                </p>
                { published(sim, flow, on_select) }
            }
            <h3>{ "Calls" }</h3>
            if events.is_empty() {
                <p class="muted">{ "Nothing held in the trace for this request." }</p>
            } else {
                <ol class="lifecycle calls">
                    { for events.iter().enumerate().map(|(i, e)| call(sim, &cast, events.get(..i).unwrap_or_default(), e, on_select)) }
                </ol>
            }
        </>
    }
}

/// The events published for the request (choreography), oldest first, each a link to its
/// message: the triggering service's and, in a saga, each step's and compensation's.
fn published(sim: &Simulation, flow: u32, on_select: &Callback<Selection>) -> Html {
    let ids = sim.request_messages(flow);
    let row = |id: MessageId| {
        let info = sim.message(id)?;
        let by = match info.origin {
            Origin::Producer(p) => sim.producer_node(p),
            _ => None,
        };
        Some(html! {
            <li>
                { link(format!("#{}", id.0), Selection::Message(id), on_select) }
                { " " }<code>{ info.routing_key() }</code>
                { by.map(|n| html! { <>{ " by " }{ node_link(sim, n, on_select) }</> }).unwrap_or_default() }
                { format!(" at {}", seconds(info.at.0)) }
            </li>
        })
    };
    html! {
        <>
            <h3>{ "Its events" }</h3>
            if ids.is_empty() {
                <p class="muted">{ "None held: not published yet at this point, or older than the messages the inspector keeps." }</p>
            } else {
                <ul class="events">{ for ids.into_iter().filter_map(row) }</ul>
            }
        </>
    }
}

fn from(e: &TraceEvent) -> Option<NodeId> {
    e.edge.map(|h| h.from)
}

fn to(e: &TraceEvent) -> Option<NodeId> {
    e.edge.map(|h| h.to)
}

fn origin(sim: &Simulation, e: &TraceEvent, on_select: &Callback<Selection>) -> Html {
    let Some(edge) = e.edge else {
        return html! {};
    };
    html! {
        <p class="origin">
            { "Sent by " }{ node_link(sim, edge.from, on_select) }
            { " to " }{ node_link(sim, edge.to, on_select) }
            { format!(" at {}", seconds(edge.depart.0)) }
        </p>
    }
}

/// Why the request's beginning is not shown: it comes later in the run, or the trace no
/// longer holds it.
fn missing(sim: &Simulation, flow: u32, nothing: bool) -> Html {
    let sent = sim.flow_figures().map_or(0, |f| f.requests);
    let why = if u64::from(flow) >= sent {
        "Not sent yet at this point of the timeline: play on, or go forward, to see it."
    } else if nothing {
        "Not held: sent before the oldest events the trace keeps."
    } else {
        "Its first events are no longer held in the trace."
    };
    html! { <p class="muted">{ why }</p> }
}

/// How the request ended for the caller, or whom it is waiting for now; and the saga's end.
fn outcome(
    sim: &Simulation,
    flow: u32,
    cast: &Cast,
    events: &[TraceEvent],
    start: &TraceEvent,
    on_select: &Callback<Selection>,
) -> Html {
    let began = start.edge.map_or(start.time.0, |h| h.depart.0);
    let answer = events
        .iter()
        .find(|e| matches!(e.kind, TraceKind::Response { .. }) && to(e) == Some(cast.caller));
    let gave_up = events
        .iter()
        .find(|e| matches!(e.kind, TraceKind::CallTimeout { .. }) && e.node == Some(cast.caller));
    let answered = |e: &TraceEvent| {
        let ok = matches!(e.kind, TraceKind::Response { ok: true, .. });
        let at = e.edge.map_or(e.time.0, |h| h.arrive.0);
        (if ok { "ok" } else { "with an error" }, at)
    };
    let text = match (gave_up, answer) {
        (Some(t), answer) => {
            let late = answer.map(answered).map_or(String::new(), |(how, at)| {
                format!(" The answer ({how}) came too late, at {}.", seconds(at))
            });
            format!(
                "The caller gave up after {}: no answer within its timeout.{late}",
                duration(t.time.0.saturating_sub(began))
            )
        }
        (None, Some(a)) => {
            let (how, at) = answered(a);
            format!(
                "Answered {how} in {} (at {}).",
                duration(at.saturating_sub(began)),
                seconds(at)
            )
        }
        (None, None) => return waiting(sim, flow, cast, events, on_select),
    };
    let saga = events.iter().find_map(|e| match e.kind {
        TraceKind::SagaCompleted { .. } => Some(" The saga completed: every step done.".to_owned()),
        TraceKind::SagaCompensated { .. } => {
            let undone = events
                .iter()
                .filter(|e| matches!(e.kind, TraceKind::Compensate { .. }))
                .count();
            let steps = if undone == 1 { "step" } else { "steps" };
            Some(format!(
                " The saga was compensated: {undone} completed {steps} undone."
            ))
        }
        _ => None,
    });
    let bad = gave_up.is_some() || answer.is_some_and(|a| answered(a).0 != "ok");
    html! {
        <p class={classes!("request-outcome", bad.then_some("bad"))}>{ text }{ saga.unwrap_or_default() }</p>
    }
}

/// Whom a request in progress waits for now (the caller for the triggering service, which
/// waits for the service it called), or that the answer is on its way.
fn waiting(
    sim: &Simulation,
    flow: u32,
    cast: &Cast,
    events: &[TraceEvent],
    on_select: &Callback<Selection>,
) -> Html {
    let waits = sim.flow_waits();
    let wait = waits
        .iter()
        .filter(|w| w.flow == flow)
        .max_by_key(|w| w.waiter != cast.caller);
    let Some(w) = wait else {
        return html! {};
    };
    let now = sim.now().0;
    let (waiter, on) = (
        node_link(sim, w.waiter, on_select),
        node_link(sim, w.on, on_select),
    );
    // An answer is traced when it leaves: it may be on the wire now.
    let answer = events.iter().rev().find_map(|e| match (e.kind, e.edge) {
        (TraceKind::Response { ok, .. }, Some(h))
            if h.from == w.on && h.to == w.waiter && h.depart.0 >= w.since && h.arrive.0 > now =>
        {
            Some(if ok { "ok" } else { "an error" })
        }
        _ => None,
    });
    let body = match answer {
        Some(how) => html! { <>
            { "In progress: " }{ on }{ format!("'s answer ({how}) is on its way to ") }{ waiter }{ "." }
        </> },
        None => html! { <>
            { "In progress: " }{ waiter }{ " is waiting for " }{ on }
            { format!(" (for {} so far).", duration(now.saturating_sub(w.since))) }
        </> },
    };
    html! { <p class="request-outcome waiting">{ body }</p> }
}

/// How far a reacting service's step got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    NotCalled,
    Waiting,
    Ok,
    Error,
    TimedOut,
    /// An open circuit failed the call without sending it.
    Refused,
}

/// Whether a saga undid a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Undo {
    No,
    Asked,
    Done,
    Failed,
}

struct Steps {
    /// By reacting service.
    steps: Vec<(Step, Undo)>,
    /// The caller's answer: ok, error, gave up; none yet.
    end: Option<(&'static str, bool)>,
    /// The request's first event is held (otherwise what is known is partial).
    whole: bool,
}

impl Steps {
    fn of(cast: &Cast, events: &[TraceEvent], whole: bool) -> Steps {
        let mut steps = vec![(Step::NotCalled, Undo::No); cast.reacting.len()];
        // The call the triggering service waits for: a step, and whether it is an undo.
        let mut last: Option<(usize, bool)> = None;
        let mut end = None;
        for e in events {
            let target = to(e).and_then(|n| cast.step_of(n));
            let source = from(e).and_then(|n| cast.step_of(n));
            match e.kind {
                TraceKind::Request { .. } => {
                    if let Some(i) = target {
                        set(&mut steps, i, |s| s.0 = Step::Waiting);
                        last = Some((i, false));
                    }
                }
                TraceKind::Compensate { .. } => {
                    if let Some(i) = target {
                        set(&mut steps, i, |s| s.1 = Undo::Asked);
                        last = Some((i, true));
                    }
                }
                TraceKind::Response { ok, .. } if to(e) == Some(cast.caller) => {
                    end = end.or(Some((
                        if ok { "answered ok" } else { "answered: error" },
                        ok,
                    )));
                }
                TraceKind::Response { ok, .. } => {
                    if let (Some(i), Some((j, undo))) = (source, last)
                        && i == j
                    {
                        settle(&mut steps, i, undo, if ok { Step::Ok } else { Step::Error });
                    }
                }
                TraceKind::CallTimeout { .. } if e.node == Some(cast.caller) => {
                    end = Some(("the caller gave up", false));
                }
                TraceKind::CallTimeout { .. } => {
                    if let Some((i, undo)) = last {
                        settle(&mut steps, i, undo, Step::TimedOut);
                    }
                }
                TraceKind::CallRejected { .. } => {
                    // Calls go in order: the refused one is the first not called yet.
                    if let Some(i) = steps.iter().position(|s| s.0 == Step::NotCalled) {
                        set(&mut steps, i, |s| s.0 = Step::Refused);
                        last = None;
                    }
                }
                _ => {}
            }
        }
        Steps { steps, end, whole }
    }

    fn view(&self, sim: &Simulation, cast: &Cast, events: &[TraceEvent]) -> Html {
        if !self.whole || events.is_empty() {
            return html! {};
        }
        // In choreography no call reaches the services: no step to show.
        let reached = if cast.choreography {
            &[][..]
        } else {
            &self.steps[..]
        };
        let pills = cast
            .reacting
            .iter()
            .zip(reached)
            .map(|((node, _), (step, undo))| {
                let name = sim.world().title(*node);
                let (mark, class, what) = match step {
                    Step::NotCalled => ("○", None, ""),
                    Step::Waiting => ("…", None, ": waiting"),
                    Step::Ok => ("✓", Some("done"), ""),
                    Step::Error => ("✗", Some("failed"), ": error"),
                    Step::TimedOut => ("✗", Some("failed"), ": timed out"),
                    Step::Refused => ("✗", Some("failed"), ": circuit open"),
                };
                let undone = match undo {
                    Undo::No => "",
                    Undo::Asked => ", undoing",
                    Undo::Done => ", undone",
                    Undo::Failed => ", undo failed",
                };
                html! {
                    <li class={classes!("milestone", class)}>
                        <span class="mark">{ mark }</span>{ format!("{name}{what}{undone}") }
                    </li>
                }
            });
        let (end_mark, end_class, end_text) = match self.end {
            Some((text, true)) => ("✓", Some("done"), text),
            Some((text, false)) => ("✗", Some("failed"), text),
            None => ("…", None, "answer"),
        };
        html! {
            <ol class="milestones" aria-label="Steps reached">
                <li class="milestone done"><span class="mark">{ "✓" }</span>{ "sent" }</li>
                { for pills }
                <li class={classes!("milestone", "end", end_class)}>
                    <span class="mark">{ end_mark }</span>{ end_text }
                </li>
            </ol>
        }
    }
}

fn set(steps: &mut [(Step, Undo)], i: usize, f: impl FnOnce(&mut (Step, Undo))) {
    if let Some(s) = steps.get_mut(i) {
        f(s);
    }
}

/// The call to step `i` ended with `how` (an undo: done or failed). A late answer after a
/// timeout changes nothing: the triggering service had stopped waiting.
fn settle(steps: &mut [(Step, Undo)], i: usize, undo: bool, how: Step) {
    set(steps, i, |s| match undo {
        false if s.0 == Step::Waiting => s.0 = how,
        true if s.1 == Undo::Asked => {
            s.1 = if how == Step::Ok {
                Undo::Done
            } else {
                Undo::Failed
            }
        }
        _ => {}
    });
}

/// One call of the request: when, what, between whom, and for an answer how long it took.
fn call(
    sim: &Simulation,
    cast: &Cast,
    before: &[TraceEvent],
    e: &TraceEvent,
    on_select: &Callback<Selection>,
) -> Html {
    let n = |node: Option<NodeId>| {
        node.map(|n| node_link(sim, n, on_select))
            .unwrap_or_default()
    };
    // The call an answer or a timeout ends: the last one sent to whoever answers.
    let asked = |callee: Option<NodeId>| {
        before.iter().rev().find(|c| {
            matches!(
                c.kind,
                TraceKind::Request { .. } | TraceKind::Compensate { .. }
            ) && (callee.is_none() || to(c) == callee)
                && from(c) != Some(cast.caller)
        })
    };
    let (what, bad): (String, bool) = match e.kind {
        TraceKind::Request { .. } if from(e) == Some(cast.caller) => ("request".into(), false),
        TraceKind::Request { .. } => ("call".into(), false),
        TraceKind::Compensate { .. } => {
            let undo = to(e)
                .and_then(|t| cast.step_of(t))
                .and_then(|i| cast.reacting.get(i))
                .map(|(_, c)| c.as_str())
                .filter(|c| !c.is_empty());
            let what = undo.map_or("compensate".to_owned(), |c| format!("compensate: {c}"));
            (what, false)
        }
        TraceKind::Response { ok, .. } => {
            let callee = from(e);
            let sent = if to(e) == Some(cast.caller) {
                before.first().and_then(|s| s.edge).map(|h| h.depart.0)
            } else {
                asked(callee).and_then(|c| c.edge).map(|h| h.depart.0)
            };
            let took = sent
                .zip(e.edge)
                .map(|(s, h)| format!(" in {}", duration(h.arrive.0.saturating_sub(s))))
                .unwrap_or_default();
            let how = if ok {
                "answered ok"
            } else {
                "answered with an error"
            };
            (format!("{how}{took}"), !ok)
        }
        TraceKind::CallTimeout { .. } if e.node == Some(cast.caller) => {
            ("the caller gave up waiting".into(), true)
        }
        TraceKind::CallTimeout { .. } => {
            let callee = asked(None).and_then(to).map(|t| sim.world().title(t));
            let what = callee.map_or("gave up waiting".to_owned(), |c| {
                format!("gave up waiting for {c}")
            });
            (what, true)
        }
        TraceKind::CallRejected { .. } => {
            // Calls go in order: the refused one is the first service not called yet.
            let called = |n: NodeId| {
                before
                    .iter()
                    .any(|c| matches!(c.kind, TraceKind::Request { .. }) && to(c) == Some(n))
            };
            let refused = cast.reacting.iter().find(|(n, _)| !called(*n));
            let what = refused.map_or("circuit open: a call not sent".to_owned(), |(n, _)| {
                format!(
                    "circuit open: the call to {} not sent",
                    sim.world().title(*n)
                )
            });
            (what, true)
        }
        TraceKind::SagaCompleted { .. } => ("saga completed".into(), false),
        TraceKind::SagaCompensated { .. } => ("saga compensated".into(), true),
        other => (other.name().replace('_', " "), false),
    };
    let (a, b) = match e.edge {
        Some(h) => (n(Some(h.from)), n(Some(h.to))),
        None => (n(e.node), Html::default()),
    };
    html! {
        <li class={classes!("hop", e.kind.name(), bad.then_some("bad"))}>
            <span class="when">{ seconds(e.time.0) }</span>
            <span class="what">{ what }</span>
            <span class="where">{ a }{ e.edge.map(|_| html! { " → " }).unwrap_or_default() }{ b }</span>
        </li>
    }
}

/// A link to request `flow`.
pub(crate) fn request_link(flow: u32, on_select: &Callback<Selection>) -> Html {
    link(format!("#{flow}"), Selection::Request(flow), on_select)
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_core::sim::flow::Style;
    use switchyard_core::sim::{Control, Options, Scenario, SimTime};

    fn sim(id: &str, until_ms: u64, fail: Option<&str>) -> Simulation {
        let source = crate::presets::find(id).expect("preset").json;
        let mut scenario = Scenario::from_json_text(source).expect("scenario");
        scenario.flow.as_mut().expect("flow").style = Style::Orchestration;
        let mut sim = Simulation::new(scenario, Options::default()).expect("sim");
        if let Some(name) = fail {
            let service = sim.service_id(name).expect("service");
            sim.inject(Control::FailService(service));
        }
        sim.run_until(SimTime(until_ms * 1000)).expect("runs");
        sim
    }

    fn steps(sim: &Simulation, flow: u32) -> Steps {
        let cast = Cast::of(sim).expect("a flow");
        let events = sim.trace().flow_events(flow);
        Steps::of(&cast, &events, true)
    }

    #[test]
    fn a_compensated_saga_shows_the_step_that_failed_and_the_one_undone() {
        let sim = sim("saga", 5_000, Some("stock"));
        let requests = u32::try_from(sim.flow_figures().expect("figures").requests).expect("few");
        assert!(requests > 10);
        for flow in 0..requests - 1 {
            let s = steps(&sim, flow);
            assert_eq!(
                s.steps,
                [
                    (Step::Ok, Undo::Done),
                    (Step::Error, Undo::No),
                    (Step::NotCalled, Undo::No)
                ],
                "request {flow}"
            );
            assert_eq!(s.end, Some(("answered: error", false)), "request {flow}");
        }
    }

    #[test]
    fn an_open_circuit_shows_the_call_it_refused() {
        // Stock is down from 20 s; five timeouts later the circuit opens.
        let sim = sim("circuit-breaker", 27_000, None);
        let requests = u32::try_from(sim.flow_figures().expect("figures").requests).expect("few");
        let all: Vec<Steps> = (0..requests).map(|f| steps(&sim, f)).collect();
        let refused = all
            .iter()
            .filter(|s| s.steps == [(Step::Ok, Undo::No), (Step::Refused, Undo::No)])
            .count();
        let timed_out = all
            .iter()
            .filter(|s| s.steps == [(Step::Ok, Undo::No), (Step::TimedOut, Undo::No)])
            .count();
        assert!(refused > 10, "{refused} refused");
        assert!(timed_out >= 5, "{timed_out} timed out");
        assert!(all.iter().all(|s| s.end != Some(("answered ok", true))
            || s.steps.iter().all(|(step, _)| *step == Step::Ok)));
    }

    #[test]
    fn a_request_in_progress_has_no_end_yet() {
        let sim = sim("saga", 3_000, None);
        let waiting = sim.flow_waits();
        let flow = waiting.first().expect("a request in progress").flow;
        assert_eq!(steps(&sim, flow).end, None);
    }
}
