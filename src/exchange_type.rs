//! Changing an exchange's type while the scenario runs (direct / topic / fanout / headers): a
//! select in the inspector's exchange view that injects `Control::SetExchangeType` at the
//! view's moment (the core deletes and redeclares the exchange with the same bindings, so the
//! next messages re-route at once; choosing the declared type again undoes it), and the last
//! message through the exchange explained under the type it has now; and which bindings the
//! recent messages through each exchange would match now (the stage fades the others). Draws
//! and forwards only: every match is the core's explanation.

use std::rc::Rc;

use switchyard_core::Destination;
use switchyard_core::ExchangeType;
use switchyard_core::MessageId;
use switchyard_core::explain::{Outcome, VisitKind};
use switchyard_core::sim::{Control, NodeId, Simulation};
use yew::prelude::*;

use crate::route_view::RouteView;
use crate::service_controls::inject;
use crate::state::AppContext;

/// The types a user can pick, in the select's order.
pub const TYPES: [ExchangeType; 4] = [
    ExchangeType::Direct,
    ExchangeType::Topic,
    ExchangeType::Fanout,
    ExchangeType::Headers,
];

/// How far back (trace events) the last message through an exchange is looked for.
const LOOK_BACK: usize = 20_000;

/// The type named `name`.
pub fn parse(name: &str) -> Option<ExchangeType> {
    TYPES.into_iter().find(|t| t.name() == name)
}

/// The exchange's type now, if it is declared (not the default exchange).
pub fn type_of(sim: &Simulation, node: NodeId) -> Option<ExchangeType> {
    let n = sim.world().node(node)?;
    if n.name.is_empty() {
        return None;
    }
    let broker = sim.broker();
    let x = broker.topology(&n.vhost).ok()?.exchange(&n.name)?;
    Some(x.kind())
}

/// The last message published to `node` the trace still holds.
pub fn last_message(sim: &Simulation, node: NodeId) -> Option<MessageId> {
    sim.trace()
        .events()
        .rev()
        .take(LOOK_BACK)
        .find(|e| e.edge.is_some_and(|h| h.to == node) && e.message.is_some())
        .and_then(|e| e.message)
}

/// How many recent messages through an exchange decide which of its bindings still match.
const RECENT: usize = 12;

/// For each exchange recent messages went through: the bindings (destination node, binding
/// key) at least one of them matches under the topology as it is now, no repeats. An exchange
/// with no recent message is absent (nothing of it fades).
/// A few exchanges with a few bindings each: vectors searched in order, not hash maps and sets
/// (each of those types is another copy of the hash table's code in the bundle).
pub type Matching = Vec<(NodeId, Vec<(NodeId, String)>)>;

/// The [`Matching`] of the trace's recent messages.
pub fn matching_bindings(sim: &Simulation) -> Matching {
    let world = sim.world();
    let mut recent: Vec<(NodeId, Vec<MessageId>)> = Vec::new();
    for e in sim.trace().events().rev().take(LOOK_BACK / 4) {
        let (Some(hop), Some(m)) = (e.edge, e.message) else {
            continue;
        };
        let is_exchange = world
            .node(hop.to)
            .is_some_and(|n| n.kind == switchyard_core::sim::NodeKind::Exchange);
        if !is_exchange {
            continue;
        }
        match recent.iter_mut().find(|(x, _)| *x == hop.to) {
            Some((_, list)) if list.len() < RECENT && !list.contains(&m) => list.push(m),
            Some(_) => {}
            None => recent.push((hop.to, vec![m])),
        }
    }
    let mut out = Matching::new();
    for (x, messages) in recent {
        let Some(node) = world.node(x) else { continue };
        let mut matched: Vec<(NodeId, String)> = Vec::new();
        let mut explained_any = false;
        for m in messages {
            let Some(Ok(explained)) = sim.explain_message(m) else {
                continue;
            };
            explained_any = true;
            let visits = || explained.visits.iter().filter(|v| v.exchange == node.name);
            let bound = (visits()
                .flat_map(|v| v.bindings.iter())
                .filter(|t| t.matched))
            .map(|t| match &t.destination {
                Destination::Queue(q) => (world.queue(&node.vhost, q), &t.binding_key),
                Destination::Exchange(e) => (world.exchange(&node.vhost, e), &t.binding_key),
            });
            // The default exchange has no bindings: it reaches the queue its key names, and
            // its lines are labelled with that name.
            let by_name = (visits().filter_map(|v| match &v.kind {
                VisitKind::Default(lookups) => Some(lookups),
                VisitKind::Typed(_) => None,
            }))
            .flatten()
            .filter(|l| l.queue_exists)
            .map(|l| (world.queue(&node.vhost, &l.routing_key), &l.routing_key));
            for (to, key) in bound.chain(by_name) {
                if let Some(to) = to
                    && !matched.iter().any(|(d, k)| *d == to && k == key)
                {
                    matched.push((to, key.clone()));
                }
            }
        }
        // Messages the inspector's table no longer holds say nothing: without one explained,
        // no binding of the exchange is faded.
        if explained_any {
            out.push((x, matched));
        }
    }
    out
}

/// Whether the binding drawn from `exchange` to `to` with `label` (its key, or a headers
/// binding's arguments) matches none of the recent messages: the stage draws it faded.
pub fn faded(matching: &Matching, exchange: NodeId, to: NodeId, label: &str) -> bool {
    matching
        .iter()
        .find(|(x, _)| *x == exchange)
        .is_some_and(|(_, set)| {
            !set.iter()
                .any(|(d, key)| *d == to && (key == label || key.is_empty()))
        })
}

/// "now routed to a, b" / "now matches no binding: dropped".
pub fn outcome_words(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Routed { queues } => format!("now routed to {}", queues.join(", ")),
        Outcome::Returned => "now matches no binding: returned to its publisher".to_owned(),
        Outcome::Dropped => "now matches no binding: dropped".to_owned(),
    }
}

#[derive(Properties, PartialEq)]
pub struct ExchangeTypeProps {
    pub node: NodeId,
}

#[component]
pub fn ExchangeTypeSelect(props: &ExchangeTypeProps) -> Html {
    let Some(state) = use_context::<AppContext>() else {
        return html! {};
    };
    let Some(sim) = state.sim.as_ref().and_then(|s| s.get()) else {
        return html! {};
    };
    let Some(now) = type_of(&sim, props.node) else {
        return html! {};
    };
    let onchange = {
        let (state, exchange) = (state.clone(), props.node);
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>()
                && let Some(kind) = parse(&select.value())
            {
                inject(&state, Control::SetExchangeType { exchange, kind });
            }
        })
    };
    let last = last_message(&sim, props.node).and_then(|m| {
        let explained = sim.explain_message(m)?.ok()?;
        Some((m, Rc::new(explained)))
    });
    html! {
        <div class="exchange-type" id="exchange-type">
            <label>{ "Type " }
                <select id="exchange-type-select" {onchange} aria-label="Exchange type">
                    { for TYPES.iter().map(|t| html! {
                        <option value={t.name()} selected={*t == now}>{ t.name() }</option>
                    }) }
                </select>
            </label>
            <span class="muted">{ " the next messages re-route at once; pick the old type to undo" }</span>
            if let Some((m, explained)) = last {
                <div class="retype-explained" id="retype-explained">
                    <p>{ format!("Under {}, the last message here (#{}) {}.", now.name(), m.0, outcome_words(&explained.outcome)) }</p>
                    <RouteView explanation={explained} />
                </div>
            }
        </div>
    }
}
