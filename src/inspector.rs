//! The inspector: what the user clicked, in detail. A message: its properties and headers
//! (`x-death` included), its lifecycle so far and the core's route explanation drawn by
//! [`RouteView`](crate::route_view::RouteView). An exchange, queue, consumer or producer: its
//! settings, counters and bindings. A business flow's service or caller: its part, settings
//! and the requests waiting on it; one of its requests: its calls and how it ended. Every name it shows of another thing (a binding's
//! destination, a queue's message, a dead letter) is a link that selects it. It reads the
//! simulation through [`SimRef`]; it never moves it.

pub(crate) mod actors;
mod message;
mod node;
mod request;
mod service;
mod values;

use switchyard_core::shown;
use switchyard_core::sim::flow::Style;
use switchyard_core::sim::{NodeId, Rates, Simulation};
use yew::prelude::*;

use crate::paging::{ListView, Paging};
use crate::sim_ref::{Selection, SimRef};

#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    pub sim: SimRef,
    pub selection: Option<Selection>,
    pub on_select: Callback<Selection>,
}

#[component]
pub fn Inspector(props: &InspectorProps) -> Html {
    // The page and filter of the selected node's bindings; another selection starts afresh.
    let bindings = use_state(|| (props.selection, ListView::default()));
    let paging = {
        let (selection, handle) = (props.selection, bindings.clone());
        Paging {
            view: if bindings.0 == selection {
                bindings.1.clone()
            } else {
                ListView::default()
            },
            set: Callback::from(move |view| handle.set((selection, view))),
        }
    };
    let body = match (props.selection, props.sim.get()) {
        (None, sim) => {
            // An orchestration has no message, exchange, queue or consumer: its calls and
            // services are what can be clicked.
            let calls = sim.is_some_and(|s| {
                s.flow().is_some_and(|f| f.style == Style::Orchestration)
                    && s.queue_depths().is_empty()
            });
            let what = if calls {
                "Click a call in flight or a service to see it here."
            } else {
                "Click a message, an exchange, a queue or a consumer to see it here."
            };
            html! {
                <>
                    <h2>{ "Inspector" }</h2>
                    <p class="muted">
                        { what }
                        <span class="keys-hint">{ " Or press N to go through them one by one." }</span>
                    </p>
                </>
            }
        }
        (Some(_), None) => html! { <p class="muted">{ "The simulation is busy; one moment." }</p> },
        (Some(Selection::Message(id)), Some(sim)) => message::view(&sim, id, &props.on_select),
        (Some(Selection::Node(id)), Some(sim)) => node::view(&sim, id, &props.on_select, &paging),
        (Some(Selection::Request(flow)), Some(sim)) => request::view(&sim, flow, &props.on_select),
    };
    html! {
        <aside class="panel inspector" aria-label="Inspector">{ body }</aside>
    }
}

/// A button that selects `target`.
fn link(label: impl Into<Html>, target: Selection, on_select: &Callback<Selection>) -> Html {
    let cb = on_select.clone();
    let onclick = Callback::from(move |_: MouseEvent| cb.emit(target));
    html! { <button type="button" class="link" {onclick}>{ label.into() }</button> }
}

/// A node's name as a link (with its kind's class, for colour), or `?` if unknown.
pub(crate) fn node_link(sim: &Simulation, id: NodeId, on_select: &Callback<Selection>) -> Html {
    let Some(node) = sim.world().node(id) else {
        return html! { <span>{ "?" }</span> };
    };
    let label = html! {
        <span class={classes!("name", node.kind.name())}>{ sim.world().title(id) }</span>
    };
    link(label, Selection::Node(id), on_select)
}

/// An exchange's name, `(AMQP default)` for the empty one (as the management UI and the
/// canvas write it).
pub(crate) fn display_name(name: &str) -> String {
    if name.is_empty() {
        "(AMQP default)".to_owned()
    } else {
        name.to_owned()
    }
}

/// A two-column table of settings; rows with `None` are left out.
fn settings(rows: Vec<(&'static str, Option<Html>)>) -> Html {
    html! {
        <table class="settings">
            { for rows.into_iter().filter_map(|(k, v)| v.map(|v| html! {
                <tr><th scope="row">{ k }</th><td>{ v }</td></tr>
            })) }
        </table>
    }
}

fn text(value: impl std::fmt::Display) -> Option<Html> {
    Some(html! { { value.to_string() } })
}

fn yes_no(value: bool) -> Option<Html> {
    text(if value { "yes" } else { "no" })
}

/// The rates window: one second of virtual time.
const RATE_WINDOW_US: u64 = 1_000_000;

/// A node's rates over the last second of virtual time, the ones that apply to its kind.
/// A rate's label and how to read it.
type Rate = (&'static str, fn(&Rates) -> f64);

fn rates(sim: &Simulation, node: NodeId, which: &[Rate]) -> Html {
    let r = sim.rates(node, RATE_WINDOW_US);
    html! {
        <dl class="stats rates-now" aria-label="Rates over the last second">
            { for which.iter().map(|(name, f)| html! {
                <div><dt>{ *name }</dt><dd>{ shown::rate(f(&r)) }</dd></div>
            }) }
        </dl>
    }
}

/// Virtual µs as seconds with milliseconds.
fn seconds(us: u64) -> String {
    format!("{}.{:03} s", us / 1_000_000, (us / 1000) % 1000)
}
