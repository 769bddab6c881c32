//! A business flow's caller or service in the inspector: its part in the flow in words (who
//! calls it, whom it calls or what it consumes), what the scenario says of it (processing
//! time, failure probability, its saga compensation, the timeouts and circuit breaker in front
//! of it), what it is doing now (status, handled, failed, backlog) and the requests waiting on
//! it, each a link. It reads the flow; the take down / fail buttons stay in the Services panel.

use switchyard_core::decimal::short;
use switchyard_core::sim::flow::breaker::BreakerState;
use switchyard_core::sim::flow::build::{FLOW_VHOST, queue_name};
use switchyard_core::sim::flow::{FlowSpec, ServiceView, StyleFigures};
use switchyard_core::sim::flow::{Style, state::ServiceId};
use switchyard_core::sim::{NodeId, Simulation};
use yew::prelude::*;

use super::actors::{dist, rate};
use super::request::request_link;
use super::{node_link, seconds, settings, text};
use crate::flow_view::figures::duration;
use crate::service_controls::status;
use crate::sim_ref::Selection;

pub(super) fn view(sim: &Simulation, id: NodeId, on_select: &Callback<Selection>) -> Html {
    let (Some(spec), Some(figures)) = (sim.flow(), sim.flow_figures()) else {
        return html! { <p>{ "A service of the scenario's business flow." }</p> };
    };
    if sim.flow_caller() == Some(id) {
        return caller(sim, spec, &figures, id, on_select);
    }
    match sim.services().into_iter().find(|s| s.node == id) {
        Some(s) => service(sim, spec, &figures, &s, on_select),
        None => html! { <p>{ "A service of the scenario's business flow." }</p> },
    }
}

fn caller(
    sim: &Simulation,
    spec: &FlowSpec,
    f: &StyleFigures,
    id: NodeId,
    on_select: &Callback<Selection>,
) -> Html {
    let trigger = sim
        .services()
        .first()
        .map(|s| node_link(sim, s.node, on_select));
    let t = &spec.trigger;
    html! {
        <>
            <p class="role">
                { "The flow's caller, a client outside the services: it sends each request to " }
                { trigger.unwrap_or_default() }
                { format!(" and waits up to {} for the answer.", duration(spec.caller_timeout)) }
            </p>
            <div class="counts">
                { count(f.requests, "requests") }
                { count(f.answered_ok, "answered ok") }
                { count(f.answered_error, "errors") }
                { count(f.caller_timeouts, "timed out") }
            </div>
            { settings(vec![
                ("sends", text(rate(&t.rate))),
                ("starts at", (t.start > 0).then(|| html! { { seconds(t.start) } })),
                ("stops at", t.stop.and_then(|s| text(seconds(s)))),
                ("waits up to", text(duration(spec.caller_timeout))),
                ("call latency", text(format!("{} each way", dist(&spec.call_latency)))),
                ("style", text(spec.style.name())),
            ]) }
            { waiting_on(sim, id, true, on_select) }
        </>
    }
}

fn service(
    sim: &Simulation,
    spec: &FlowSpec,
    f: &StyleFigures,
    s: &ServiceView,
    on_select: &Callback<Selection>,
) -> Html {
    let name = sim.world().title(s.node);
    let reacting = usize::from(s.id.0)
        .checked_sub(1)
        .and_then(|i| spec.services.get(i));
    let (processing, failure) = match reacting {
        Some(r) => (&r.processing, r.failure_probability),
        None => (&spec.trigger.processing, spec.trigger.failure_probability),
    };
    let backlog = f
        .backlog_at_end
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, b)| *b);
    let orchestration = spec.style == Style::Orchestration;
    let queue = (!orchestration && reacting.is_some())
        .then(|| sim.world().queue(FLOW_VHOST, &queue_name(&name)))
        .flatten()
        .map(|q| node_link(sim, q, on_select));
    let breaker = spec.breaker.filter(|_| orchestration && reacting.is_some());
    html! {
        <>
            { role(sim, spec, s.id, on_select) }
            <div class="counts">
                <div class={classes!("count", "consumer-state", format!("is-{}", status(s)))}>
                    <span class="n">{ status(s) }</span><span class="label">{ "status" }</span>
                </div>
                { count(s.handled, "handled") }
                { count(s.failed, "failed") }
                { backlog.map(|b| count(b, "backlog")).unwrap_or_default() }
            </div>
            { settings(vec![
                ("processing time", text(dist(processing))),
                ("failure probability", text(short(failure, 6))),
                ("status", (!s.up).then(|| html! { { "down: it takes nothing until brought back" } })),
                ("failing", (s.up && s.failing).then(|| html! { { "every request it handles fails" } })),
                ("event", text(event(spec, s.id)).filter(|_| !orchestration)),
                ("queue", queue),
                ("compensation", reacting.filter(|_| spec.saga).and_then(|r| text(&r.compensation))),
                ("call timeout", (orchestration && reacting.is_some()).then(|| html! {
                    { format!("{} (how long the triggering service waits for its answer)", duration(spec.timeout)) }
                })),
                ("circuit breaker", breaker.map(|b| html! {
                    { format!(
                        "{}: opens after {} failures in a row, stays open {}, closes after {} good trial calls",
                        circuit(s.circuit),
                        b.failure_threshold,
                        duration(b.open_for),
                        b.half_open_successes,
                    ) }
                })),
            ]) }
            if orchestration {
                { waiting_on(sim, s.node, false, on_select) }
            }
        </>
    }
}

/// The service's part in the flow, in a sentence.
fn role(sim: &Simulation, spec: &FlowSpec, id: ServiceId, on_select: &Callback<Selection>) -> Html {
    let services = sim.services();
    let node = |i: usize| {
        services
            .get(i)
            .map(|s| node_link(sim, s.node, on_select))
            .unwrap_or_default()
    };
    let caller = sim
        .flow_caller()
        .map(|c| node_link(sim, c, on_select))
        .unwrap_or_default();
    let n = spec.services.len();
    let body = match (spec.style, usize::from(id.0)) {
        (Style::Orchestration, 0) => {
            let saga = if spec.saga {
                " A saga: when a step fails, it undoes the steps before it in reverse."
            } else {
                ""
            };
            html! { <>
                { "The triggering service: it takes " }{ caller }{ "'s requests, calls " }
                { for (1..=n).map(|i| html! { <>{ node(i) }{ joiner(i, n) }</> }) }
                { format!(" in turn, and answers when all have answered.{saga}") }
            </> }
        }
        (Style::Choreography, 0) => {
            let exchange = match sim.world().exchange(FLOW_VHOST, &spec.trigger.exchange) {
                Some(x) => node_link(sim, x, on_select),
                None => html! { { &spec.trigger.exchange } },
            };
            html! { <>
                { "The triggering service: it takes " }{ caller }{ "'s requests, publishes " }
                <code>{ &spec.trigger.event }</code>{ " to " }{ exchange }{ " and answers at once." }
            </> }
        }
        (Style::Orchestration, i) => html! { <>
            { node(0) }{ format!(" calls it synchronously: step {i} of {n}, and waits for its answer.") }
        </> },
        (Style::Choreography, _) => html! { <>
            { "It consumes the events it is bound to from its own queue, in its own time; nobody waits for it." }
        </> },
    };
    html! { <p class="role">{ body }</p> }
}

/// ", ", " and " or nothing after the `i`th of `n` names.
fn joiner(i: usize, n: usize) -> &'static str {
    match n - i {
        0 => "",
        1 => " and ",
        _ => ", ",
    }
}

/// The event a service publishes in choreography (the trigger's, or a saga step's).
fn event(spec: &FlowSpec, id: ServiceId) -> String {
    match usize::from(id.0).checked_sub(1) {
        None => spec.trigger.event.clone(),
        Some(i) => spec
            .services
            .get(i)
            .map(|s| s.event.clone())
            .unwrap_or_default(),
    }
}

fn circuit(state: Option<BreakerState>) -> &'static str {
    match state {
        Some(BreakerState::Open) => "open now",
        Some(BreakerState::HalfOpen) => "half-open now (letting a trial call through)",
        _ => "closed now",
    }
}

fn count(n: u64, label: &'static str) -> Html {
    html! {
        <div class="count"><span class="n">{ n }</span><span class="label">{ label }</span></div>
    }
}

/// Most requests listed as waiting.
const SHOWN: usize = 24;

/// The requests waiting now on `node` (or, for the caller, that it waits for), each a link
/// with how long it has waited.
fn waiting_on(
    sim: &Simulation,
    node: NodeId,
    caller: bool,
    on_select: &Callback<Selection>,
) -> Html {
    let now = sim.now().0;
    // In request order (the flows in progress are kept sorted).
    let waits: Vec<_> = sim
        .flow_waits()
        .into_iter()
        .filter(|w| {
            if caller {
                w.waiter == node
            } else {
                w.on == node
            }
        })
        .collect();
    let title = if caller {
        "Waiting for an answer"
    } else {
        "Requests waiting on it"
    };
    html! {
        <>
            <h3>{ format!("{title} ({})", waits.len()) }</h3>
            if waits.is_empty() {
                <p class="muted">{ "None now." }</p>
            } else {
                <ul class="waits">
                    { for waits.iter().take(SHOWN).map(|w| html! {
                        <li>
                            { request_link(w.flow, on_select) }
                            { format!(" for {}", duration(now.saturating_sub(w.since))) }
                        </li>
                    }) }
                    if waits.len() > SHOWN {
                        <li class="muted">{ format!("and {} more", waits.len() - SHOWN) }</li>
                    }
                </ul>
            }
        </>
    }
}
