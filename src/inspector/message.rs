//! One message in the inspector: where it came from (a producer, or the message whose death
//! made it), its properties and headers, the stages it has reached, its lifecycle event by
//! event (following its dead letters, each a link), and the core's route explanation against
//! the topology as it is now.

use std::rc::Rc;

use switchyard_core::MessageId;
use switchyard_core::shown::{count, visible};
use switchyard_core::sim::{
    MessageInfo, NodeId, NodeKind, Origin, Simulation, TraceEvent, TraceKind,
};
use switchyard_core::topology::Destination;
use yew::prelude::*;

use super::{link, node_link, seconds, settings, text, values};
use crate::route_view::RouteView;
use crate::sim_ref::Selection;

pub(super) fn view(sim: &Simulation, id: MessageId, on_select: &Callback<Selection>) -> Html {
    let info = sim.message(id);
    let events = sim.trace().lifecycle(id);
    html! {
        <>
            <h2>{ format!("Message #{}", id.0) }</h2>
            { info.map(|i| origin(sim, i, on_select)).unwrap_or_default() }
            { stages(&events, id, info.is_some_and(|i| matches!(i.origin, Origin::DeadLetter { .. }))) }
            <h3>{ "Properties" }</h3>
            { info.map_or_else(|| not_held(sim, id), |i| properties(sim, i, on_select)) }
            <h3>{ "Headers" }</h3>
            { info.map_or_else(|| not_held(sim, id), |i| values::headers(&i.properties().headers)) }
            <h3>{ "Lifecycle" }</h3>
            { lifecycle(sim, id, &events, on_select) }
            <h3>{ "Route" }</h3>
            { route(sim, id, on_select) }
        </>
    }
}

/// Why a message's properties are not shown: it comes later in the run (the timeline went back
/// past it), or it is older than what the table keeps.
fn not_held(sim: &Simulation, id: MessageId) -> Html {
    let why = if id >= sim.broker().next_message() {
        "Not published yet at this point of the timeline: play on, or go forward, to see it."
    } else {
        "Not held: published before the newest messages the inspector keeps."
    };
    html! { <p class="muted">{ why }</p> }
}

fn origin(sim: &Simulation, info: &MessageInfo, on_select: &Callback<Selection>) -> Html {
    match &info.origin {
        Origin::Producer(p) => {
            let producer = sim.producer_node(*p);
            html! {
                <p class="origin">
                    { "Published by " }
                    { producer.map(|n| node_link(sim, n, on_select)).unwrap_or_default() }
                    { format!(" at {}", seconds(info.at.0)) }
                    // A flow's event (choreography): the caller's request it works for.
                    if let Some(flow) = sim.message_request(info.id) {
                        { ", for " }
                        { link(format!("request #{flow}"), Selection::Request(flow), on_select) }
                    }
                </p>
            }
        }
        Origin::Consumer(c) => {
            let consumer = sim.consumer_node(*c);
            html! {
                <p class="origin">
                    { "Published by consumer " }
                    { consumer.map(|n| node_link(sim, n, on_select)).unwrap_or_default() }
                    { format!(" (an RPC reply, or a message parked after its last retry) at {}",
                        seconds(info.at.0)) }
                </p>
            }
        }
        Origin::Sent => html! {
            <p class="origin">
                { format!("Sent on demand, by no producer of the scenario, at {}", seconds(info.at.0)) }
            </p>
        },
        Origin::DeadLetter {
            from,
            queue,
            reason,
        } => html! {
            <p class="origin">
                { "Dead letter of " }
                { link(format!("#{}", from.0), Selection::Message(*from), on_select) }
                { format!(", which died in queue {queue} ({}); re-published by the broker at {}",
                    reason.name(), seconds(info.at.0)) }
            </p>
        },
    }
}

/// published → routed → enqueued → delivered → and how it ended, each marked reached or not.
/// A dead letter is `re-published` by the broker rather than published by a producer.
fn stages(events: &[TraceEvent], id: MessageId, dead_letter: bool) -> Html {
    let own =
        |k: fn(&TraceKind) -> bool| events.iter().any(|e| e.message == Some(id) && k(&e.kind));
    let ending = events
        .iter()
        .filter(|e| e.message == Some(id))
        .find_map(|e| ending(&e.kind));
    let reached = [
        if dead_letter {
            ("re-published", true)
        } else {
            (
                "published",
                own(|k| *k == TraceKind::Publish) || ending.is_some(),
            )
        },
        (
            "routed",
            own(|k| matches!(k, TraceKind::Enqueue | TraceKind::Forward)),
        ),
        ("enqueued", own(|k| *k == TraceKind::Enqueue)),
        ("delivered", own(|k| matches!(k, TraceKind::Deliver { .. }))),
    ];
    html! {
        <ol class="milestones" aria-label="Stages reached">
            { for reached.iter().map(|(name, done)| html! {
                <li class={classes!("milestone", done.then_some("done"))}>
                    <span class="mark">{ if *done { "✓" } else { "○" } }</span>{ *name }
                </li>
            }) }
            <li class={classes!("milestone", "end", ending.is_some().then_some("done"))}>
                <span class="mark">{ if ending.is_some() { "✓" } else { "…" } }</span>
                { ending.unwrap_or("acked / dead-lettered / expired") }
            </li>
        </ol>
    }
}

/// How a copy's story ended, if this event ends it.
fn ending(kind: &TraceKind) -> Option<&'static str> {
    Some(match kind {
        TraceKind::Ack => "acked",
        TraceKind::DeadLetter { .. } => "dead-lettered",
        TraceKind::Expire => "expired",
        TraceKind::Return => "returned",
        TraceKind::Unroutable => "dropped (unroutable)",
        TraceKind::DropOnOverflow => "dropped (overflow)",
        TraceKind::Nack { requeue: false } | TraceKind::Reject { requeue: false } => "rejected",
        TraceKind::LostOnRestart => "lost in a restart",
        TraceKind::LostInFlight => "lost with its consumer's connection",
        TraceKind::Purge => "purged",
        _ => return None,
    })
}

fn properties(sim: &Simulation, info: &MessageInfo, on_select: &Callback<Selection>) -> Html {
    let p = info.properties();
    let exchange = match info.exchange_node {
        Some(n) => node_link(sim, n, on_select),
        None => html! { { super::display_name(info.exchange()) } },
    };
    let mode = p.delivery_mode.map(|m| match m {
        2 => "2 (persistent)".to_owned(),
        1 => "1 (transient)".to_owned(),
        other => other.to_string(),
    });
    settings(vec![
        ("vhost", text(&info.vhost)),
        ("exchange", Some(exchange)),
        (
            "routing key",
            Some(html! { <code>{ visible(info.routing_key()).into_owned() }</code> }),
        ),
        ("mandatory", info.mandatory.then(|| html! { "yes" })),
        ("delivery_mode", mode.and_then(text)),
        ("priority", p.priority.and_then(text)),
        ("expiration", p.expiration.as_ref().and_then(text)),
        ("content_type", p.content_type.as_ref().and_then(text)),
        (
            "content_encoding",
            p.content_encoding.as_ref().and_then(text),
        ),
        ("correlation_id", p.correlation_id.as_ref().and_then(text)),
        ("reply_to", p.reply_to.as_ref().and_then(text)),
        ("message_id", p.message_id.as_ref().and_then(text)),
        ("timestamp", p.timestamp.and_then(text)),
        ("type", p.kind.as_ref().and_then(text)),
        ("user_id", p.user_id.as_ref().and_then(text)),
        ("app_id", p.app_id.as_ref().and_then(text)),
        (
            "body",
            Some(body(&info.content.body, p.content_type.as_deref())),
        ),
    ])
}

/// Largest body shown as text.
const SHOWN_BODY: usize = 4096;

/// A JSON body (a CloudEvent) pretty-printed; any other body by its size.
fn body(bytes: &[u8], content_type: Option<&str>) -> Html {
    let json = content_type.is_some_and(|t| t.ends_with("json")) && bytes.len() <= SHOWN_BODY;
    let pretty = json
        // from_str rather than from_slice: one serde_json reader in the bundle, not two (a
        // body that is not UTF-8 is not JSON either way).
        .then(|| std::str::from_utf8(bytes).ok())
        .flatten()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
        .map(|v| switchyard_core::order::json_pretty(&v));
    match pretty {
        Some(text) => html! { <pre class="body">{ text }</pre> },
        None => html! { { count(bytes.len() as u64, "byte", "bytes") } },
    }
}

fn lifecycle(
    sim: &Simulation,
    id: MessageId,
    events: &[TraceEvent],
    on_select: &Callback<Selection>,
) -> Html {
    if events.is_empty() {
        return html! { <p class="muted">{ "Nothing held in the trace for this message yet." }</p> };
    }
    let starts = events
        .first()
        .is_some_and(|e| e.kind == TraceKind::Publish || sim.message(id).is_some());
    html! {
        <>
            if !starts { <p class="muted">{ "Earlier events are no longer held." }</p> }
            <ol class="lifecycle">
                { for events.iter().map(|e| hop(sim, id, e, on_select)) }
            </ol>
        </>
    }
}

fn hop(sim: &Simulation, id: MessageId, e: &TraceEvent, on_select: &Callback<Selection>) -> Html {
    let n = |node: Option<NodeId>| {
        node.map(|n| node_link(sim, n, on_select))
            .unwrap_or_default()
    };
    let (from, to) = (e.edge.map(|h| h.from), e.edge.map(|h| h.to));
    let (what, a, b): (String, Html, Html) = match e.kind {
        TraceKind::Publish => ("published".into(), n(from), n(to)),
        TraceKind::Forward => ("forwarded".into(), n(from), n(to)),
        TraceKind::Enqueue => ("enqueued".into(), n(from), n(to)),
        TraceKind::Deliver { redelivered } => {
            let what = if redelivered {
                "redelivered"
            } else {
                "delivered"
            };
            (what.into(), n(from), n(to))
        }
        TraceKind::DeadLetter { dead_letter } => {
            let dl = link(
                format!("#{}", dead_letter.0),
                Selection::Message(dead_letter),
                on_select,
            );
            let to = html! { <>{ n(to) }{ " as " }{ dl }</> };
            ("dead-lettered".into(), n(from), to)
        }
        TraceKind::Nack { requeue } | TraceKind::Reject { requeue } => {
            let verb = if matches!(e.kind, TraceKind::Nack { .. }) {
                "nacked"
            } else {
                "rejected"
            };
            let what = format!("{verb}{}", if requeue { " (requeue)" } else { "" });
            (what, n(from), n(to))
        }
        kind => (describe(kind), n(from.or(e.node)), n(to)),
    };
    let other = e.message.filter(|m| *m != id);
    html! {
        <li class={classes!("hop", e.kind.name())}>
            <span class="when">{ seconds(e.time.0) }</span>
            { other.map(|m| html! { <span class="badge">{ format!("#{}", m.0) }</span> }).unwrap_or_default() }
            <span class="what">{ what }</span>
            <span class="where">{ a }{ e.edge.map(|_| html! { " → " }).unwrap_or_default() }{ b }</span>
        </li>
    }
}

fn describe(kind: TraceKind) -> String {
    match kind {
        TraceKind::Unroutable => "unroutable: dropped at",
        TraceKind::Return => "returned (312 NO_ROUTE)",
        TraceKind::Confirm { ack: true } => "confirmed (ack)",
        TraceKind::Confirm { ack: false } => "confirmed (nack)",
        TraceKind::PublishRejected => "refused on overflow by",
        TraceKind::Ack => "acked",
        TraceKind::Requeue => "requeued in",
        TraceKind::Expire => "expired (TTL) in",
        TraceKind::DropOnOverflow => "dropped from the head (overflow) of",
        TraceKind::DeliveryLimit => "over the delivery limit in",
        TraceKind::DeadLetterDropped => "dead letter dropped (no such exchange) at",
        TraceKind::DeadLetterLoopStopped => "dead-letter loop stopped at",
        TraceKind::Purge => "purged from",
        TraceKind::LostOnRestart => "lost in the broker restart at",
        TraceKind::LostInFlight => "lost (auto-acked; its connection closed) at",
        TraceKind::Abandoned => "abandoned unacked (its connection closed) at",
        other => other.name(),
    }
    .to_owned()
}

fn route(sim: &Simulation, id: MessageId, on_select: &Callback<Selection>) -> Html {
    let Some(explained) = sim.explain_message(id) else {
        return not_held(sim, id);
    };
    match explained {
        Ok(explanation) => {
            let targets = destinations(sim, &explanation.vhost);
            let on_select = on_select.clone();
            let on_destination = Callback::from(move |d: Destination| {
                if let Some((_, node)) = targets.iter().find(|(t, _)| *t == d) {
                    on_select.emit(Selection::Node(*node));
                }
            });
            html! {
                <>
                    <p class="note">{ "Explained against the topology as it is now." }</p>
                    <RouteView explanation={Rc::new(explanation)} {on_destination} />
                </>
            }
        }
        Err(e) => {
            html! { <p class="error">{ format!("The broker would refuse this publish now: {e}") }</p> }
        }
    }
}

/// Every exchange and queue of `vhost` as a binding destination, with its node.
fn destinations(sim: &Simulation, vhost: &str) -> Vec<(Destination, NodeId)> {
    let world = sim.world();
    world
        .nodes()
        .iter()
        .enumerate()
        .filter(|(_, node)| node.vhost == vhost)
        .filter_map(|(i, node)| {
            let d = match node.kind {
                NodeKind::Queue => Destination::Queue(node.name.clone()),
                NodeKind::Exchange => Destination::Exchange(node.name.clone()),
                _ => return None,
            };
            Some((d, NodeId(u32::try_from(i).ok()?)))
        })
        .collect()
}
