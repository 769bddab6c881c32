//! One exchange or queue in the inspector: its declaration and effective settings, its
//! counters (Ready / Unacked / Total in the management UI's words, and what happened to its
//! messages), its bindings in and out, its consumers and the messages it holds, each a link.
//! Producers and consumers are drawn by `actors`.

use switchyard_core::policy::Target;
use switchyard_core::queue::Queue;
use switchyard_core::queue::config::{DeadLetterStrategy, Overflow, QueueKind};
use switchyard_core::shown::{self, visible};
use switchyard_core::sim::scenario::ProjectionSpec;
use switchyard_core::sim::{NodeId, NodeKind, Simulation};
use switchyard_core::topology::{Binding, Destination};
use switchyard_core::value::Table;
use yew::prelude::*;

use super::{actors, display_name, link, node_link, rates, settings, text, values, yes_no};
use crate::metrics_panel::sparkline;
use crate::paging::{Paging, page_of, pager};
use crate::sim_ref::Selection;

/// What the inspector says of an exchange or queue the broker does not have now.
const NOT_DECLARED_NOW: &str = "Not declared now: a script step declares it later, or it was deleted or lost in a broker restart.";

/// How many message ids a queue lists before "and N more".
const LISTED: usize = 24;

/// The node `id`; `paging` is the view of its longest list of bindings (an exchange's out, a
/// queue's in).
pub(super) fn view(
    sim: &Simulation,
    id: NodeId,
    on_select: &Callback<Selection>,
    paging: &Paging,
) -> Html {
    let Some(node) = sim.world().node(id) else {
        return html! { <p class="error">{ format!("There is no node #{}.", id.0) }</p> };
    };
    let body = match node.kind {
        NodeKind::Exchange => exchange(sim, id, &node.vhost, &node.name, on_select, paging),
        NodeKind::Queue => queue(sim, id, &node.vhost, &node.name, on_select, paging),
        NodeKind::Consumer => html! {
            <>
                { rates(sim, id, &[("deliver", |r| r.deliver), ("redeliver", |r| r.redeliver), ("ack", |r| r.ack)]) }
                <crate::failures::ActorControls key={id.0} node={id} />
                { actors::consumer(sim, &node.name, on_select) }
            </>
        },
        NodeKind::Producer => html! {
            <>
                { rates(sim, id, &[("publish", |r| r.outgoing)]) }
                <crate::failures::ActorControls key={id.0} node={id} />
                { actors::producer(sim, &node.name, on_select) }
            </>
        },
        NodeKind::Store => event_store(sim),
        NodeKind::Projection => projection(sim, &node.name),
        NodeKind::Service => super::service::view(sim, id, on_select),
    };
    // A flow's caller is drawn as a service, but it is the client outside them.
    let badge = if sim.flow_caller() == Some(id) {
        "caller"
    } else {
        node.kind.name()
    };
    html! {
        <>
            <h2>
                <span class={classes!("kind", node.kind.name())}>{ badge }</span>
                { " " }{ sim.world().title(id) }
            </h2>
            { body }
        </>
    }
}

fn exchange(
    sim: &Simulation,
    id: NodeId,
    vhost: &str,
    name: &str,
    on_select: &Callback<Selection>,
    paging: &Paging,
) -> Html {
    let flow = rates(sim, id, &[("in", |r| r.incoming), ("out", |r| r.outgoing)]);
    let broker = sim.broker();
    let Some(x) = broker.topology(vhost).ok().and_then(|t| t.exchange(name)) else {
        if name.is_empty() {
            // The example is a queue of this vhost, so that it names something on stage.
            let topology = broker.topology(vhost).ok();
            let queue = topology.and_then(|t| t.queues().next().map(|q| q.name.clone()));
            let queue = queue.unwrap_or_else(|| "orders".to_owned());
            return html! {
                <>
                { flow }
                <p>{ format!("The default exchange: a direct exchange every queue is bound to \
                      with its own name as the binding key. Publishing to it with routing key \
                      `{queue}` reaches the queue named `{queue}`.") }</p>
                </>
            };
        }
        return html! { <p class="error">{ NOT_DECLARED_NOW }</p> };
    };
    let d = &x.decl;
    let alternate = d
        .arguments
        .get_str("alternate-exchange")
        .map(str::to_owned)
        .or_else(|| broker.policies().exchange_alternate(vhost, name));
    let incoming = bindings_to(sim, vhost, &Destination::Exchange(name.to_owned()));
    html! {
        <>
            { flow }
            <crate::exchange_type::ExchangeTypeSelect node={id} />
            { settings(vec![
                ("type", text(x.kind().name())),
                ("durable", yes_no(d.durable)),
                ("auto-delete", yes_no(d.auto_delete)),
                ("internal", yes_no(d.internal)),
                ("alternate exchange", alternate.map(|a| exchange_link(sim, vhost, &a, on_select))),
                ("policy", policy_name(sim, vhost, name, Target::Exchange)),
                ("arguments", arguments(&d.arguments)),
            ]) }
            <h3>{ format!("Bindings from this exchange ({})", x.binding_count()) }</h3>
            { binding_table(sim, vhost, x.bindings().map(|(_, b)| (name, b.clone())).collect(), false, on_select, Some(paging)) }
            <crate::binding_editor::BindingEditor key={format!("bind-{}", id.0)} node={id} />
            <crate::actor_editor::AddActor key={format!("add-{}", id.0)} node={id} />
            if !incoming.is_empty() {
                <h3>{ "Bindings to this exchange" }</h3>
                { binding_table(sim, vhost, incoming, true, on_select, None) }
            }
        </>
    }
}

fn queue(
    sim: &Simulation,
    id: NodeId,
    vhost: &str,
    name: &str,
    on_select: &Callback<Selection>,
    paging: &Paging,
) -> Html {
    let Some(q) = sim.broker().queue(vhost, name) else {
        return html! { <p class="error">{ NOT_DECLARED_NOW }</p> };
    };
    let (ready, unacked) = sim
        .queue_depths()
        .into_iter()
        .find(|(n, _, _)| *n == id)
        .map_or((0, 0), |(_, r, u)| (r, u));
    let position = sim.world().queue_ids().position(|n| n == id);
    let depth: Vec<f64> = sim
        .series()
        .filter_map(|s| position.and_then(|i| s.queues.get(i)))
        .map(|(r, u)| (r + u) as f64)
        .collect();
    let mut incoming = bindings_to(sim, vhost, &Destination::Queue(name.to_owned()));
    let default = Binding {
        destination: Destination::Queue(name.to_owned()),
        key: name.to_owned(),
        arguments: Table::new(),
    };
    incoming.insert(0, ("", default));
    html! {
        <>
            <div class="counts">
                { count("Ready", ready) }{ count("Unacked", unacked) }{ count("Total", ready + unacked + q.messages_dlx().0 as u64) }
            </div>
            { rates(sim, id, &[
                ("incoming", |r| r.incoming),
                ("deliver", |r| r.deliver),
                ("redeliver", |r| r.redeliver),
                ("ack", |r| r.ack),
            ]) }
            { sparkline(&depth, "Total messages over time") }
            { queue_counters(sim, id) }
            <h3>{ "Settings" }</h3>
            { queue_settings(sim, vhost, q, on_select) }
            <crate::queue_limits::QueueLimits key={format!("limits-{}", id.0)} node={id} />
            <h3>{ "Bindings to this queue" }</h3>
            { binding_table(sim, vhost, incoming, true, on_select, Some(paging)) }
            { actors::queue_consumers(sim, q, on_select) }
            <crate::actor_editor::AddActor key={format!("add-{}", id.0)} node={id} />
            { queue_messages(sim, q, on_select) }
        </>
    }
}

fn count(label: &'static str, n: u64) -> Html {
    html! { <div class="count"><span class="n">{ shown::grouped(n) }</span><span class="label">{ label }</span></div> }
}

fn queue_counters(sim: &Simulation, id: NodeId) -> Html {
    let c = sim.metrics().queue(id);
    let rows = c.of_queue();
    html! {
        <table class="counters" aria-label="Message counters">
            { for rows.iter().filter(|(k, _, n)| *n > 0 || ["enqueued", "delivered", "acked"].contains(k)).map(|(_, words, n)| html! {
                <tr><th scope="row">{ *words }</th><td class="num">{ shown::grouped(*n) }</td></tr>
            }) }
        </table>
    }
}

/// The name of the policy that applies to an exchange or queue, if one does (as the management
/// UI shows it).
fn policy_name(sim: &Simulation, vhost: &str, name: &str, target: Target) -> Option<Html> {
    let broker = sim.broker();
    let policy = (broker.policies()).effective(vhost, name, target, broker.profile())?;
    text(visible(&policy.name).into_owned())
}

fn queue_settings(
    sim: &Simulation,
    vhost: &str,
    q: &Queue,
    on_select: &Callback<Selection>,
) -> Html {
    let (d, c) = (&q.decl, &q.config);
    let target = match c.kind {
        QueueKind::Classic => Target::ClassicQueue,
        QueueKind::Quorum => Target::QuorumQueue,
    };
    let ms = |v: Option<u64>| v.and_then(|v| text(format!("{v} ms")));
    let n = |v: Option<u64>| v.and_then(text);
    settings(vec![
        (
            "type",
            text(match c.kind {
                QueueKind::Classic => "classic",
                QueueKind::Quorum => "quorum",
            }),
        ),
        ("durable", yes_no(d.durable)),
        ("exclusive", d.exclusive.then(|| html! { "yes" })),
        ("auto-delete", d.auto_delete.then(|| html! { "yes" })),
        ("policy", policy_name(sim, vhost, &d.name, target)),
        ("message TTL", ms(c.message_ttl)),
        ("expires", ms(c.expires)),
        ("max length", n(c.max_length)),
        ("max length bytes", n(c.max_length_bytes)),
        (
            "overflow",
            (c.max_length.is_some() || c.max_length_bytes.is_some()).then(|| {
                html! {
                    { match c.overflow {
                        Overflow::DropHead => "drop-head",
                        Overflow::RejectPublish => "reject-publish",
                        Overflow::RejectPublishDlx => "reject-publish-dlx",
                    } }
                }
            }),
        ),
        (
            "dead-letter exchange",
            (c.dead_letter_exchange.as_ref()).map(|x| exchange_link(sim, vhost, x, on_select)),
        ),
        (
            "dead-letter routing key",
            c.dead_letter_routing_key.as_ref().and_then(text),
        ),
        (
            "dead-lettering",
            (c.dead_letter_strategy == DeadLetterStrategy::AtLeastOnce).then(|| {
                let held = q.messages_dlx().0;
                html! { <>{ "at least once (" }{ held }{ " held until their targets confirm)" }</> }
            }),
        ),
        ("max priority", c.max_priority.and_then(text)),
        (
            "single active consumer",
            c.single_active_consumer.then(|| match q.single_active() {
                None => html! { "yes (no consumer)" },
                Some((tag, false)) => html! { <>{ "yes: " }<code>{ tag }</code>{ " is active" }</> },
                Some((tag, true)) => html! {
                    <>{ "yes: " }<code>{ tag }</code>
                    { " is quiescing (a higher-priority consumer takes over once its deliveries are settled)" }</>
                },
            }),
        ),
        ("delivery limit", n(c.delivery_limit)),
        ("arguments", arguments(&d.arguments)),
    ])
}

fn queue_messages(sim: &Simulation, q: &Queue, on_select: &Callback<Selection>) -> Html {
    let ready = q.message_ids();
    let unacked: Vec<_> = sim
        .broker()
        .unsettled()
        .into_iter()
        .filter(|(_, _, _, v, name)| *v == &*q.vhost && *name == q.name())
        .map(|(_, _, m, _, _)| m)
        .collect();
    html! {
        <>
            <h3>{ format!("Ready messages ({})", ready.len()) }</h3>
            { actors::message_list(&ready, LISTED, on_select) }
            <h3>{ format!("Unacked messages ({})", unacked.len()) }</h3>
            { actors::message_list(&unacked, LISTED, on_select) }
        </>
    }
}

/// Every binding whose destination is `dest`, with its source exchange.
fn bindings_to<'a>(
    sim: &'a Simulation,
    vhost: &str,
    dest: &Destination,
) -> Vec<(&'a str, Binding)> {
    let Ok(topology) = sim.broker().topology(vhost) else {
        return Vec::new();
    };
    topology
        .exchanges()
        .flat_map(|x| x.bindings().map(move |(_, b)| (x.name(), b)))
        .filter(|(_, b)| b.destination == *dest)
        .map(|(x, b)| (x, b.clone()))
        .collect()
}

fn exchange_link(
    sim: &Simulation,
    vhost: &str,
    name: &str,
    on_select: &Callback<Selection>,
) -> Html {
    match sim.world().exchange(vhost, name) {
        Some(n) => node_link(sim, n, on_select),
        None => html! { <span>{ format!("{} (not declared)", display_name(name)) }</span> },
    }
}

/// A binding key that may wrap after each `.` (between its words), not inside a word.
fn word_breaks(key: &str) -> Html {
    let words: Vec<&str> = key.split_inclusive('.').collect();
    let last = words.len().saturating_sub(1);
    html! {
        <>{ for words.iter().enumerate().map(|(i, word)| html! {
            <>{ *word }if i < last { <wbr /> }</>
        }) }</>
    }
}

/// Bindings as rows: the other end (source when `incoming`, else destination), key, arguments;
/// a page at a time, filtered by the other end's name or the key, with `paging`.
fn binding_table(
    sim: &Simulation,
    vhost: &str,
    rows: Vec<(&str, Binding)>,
    incoming: bool,
    on_select: &Callback<Selection>,
    paging: Option<&Paging>,
) -> Html {
    if rows.is_empty() {
        return html! { <p class="muted">{ "none" }</p> };
    }
    let world = sim.world();
    let other = |source: &str, b: &Binding| {
        let node = match (&b.destination, incoming) {
            (_, true) => world.exchange(vhost, source),
            (Destination::Queue(q), false) => world.queue(vhost, q),
            (Destination::Exchange(x), false) => world.exchange(vhost, x),
        };
        let name = if incoming {
            source
        } else {
            b.destination.name()
        };
        node.map_or_else(
            || html! { { display_name(name) } },
            |n| node_link(sim, n, on_select),
        )
    };
    // The arguments column only when some binding has arguments: it would take a third of a
    // narrow panel for nothing.
    let with_arguments = rows.iter().any(|(_, b)| !b.arguments.is_empty());
    let (shown, pages) = match paging {
        Some(paging) => {
            let names: Vec<String> = (rows.iter())
                .map(|(source, b)| {
                    let end = if incoming {
                        source
                    } else {
                        b.destination.name()
                    };
                    format!("{end} {}", b.key)
                })
                .collect();
            let all = names.iter().map(String::as_str).enumerate();
            let (shown, matching, page) = page_of(all, &paging.view);
            let rows: Vec<_> = shown.into_iter().filter_map(|i| rows.get(i)).collect();
            (rows, pager("bindings", names.len(), matching, page, paging))
        }
        None => (rows.iter().collect(), html! {}),
    };
    html! {
        <>
        { pages }
        <table class="bindings">
            <thead><tr>
                <th scope="col">{ if incoming { "from" } else { "to" } }</th>
                <th scope="col">{ "binding key" }</th>
                if with_arguments { <th scope="col">{ "arguments" }</th> }
            </tr></thead>
            { for shown.into_iter().map(|(source, b)| html! {
                <tr>
                    <td>{ other(source, b) }</td>
                    <td>
                        if b.key.is_empty() { <span class="muted">{ "(empty)" }</span> }
                        else { <code>{ word_breaks(&visible(&b.key)) }</code> }
                    </td>
                    if with_arguments { <td>{ arguments(&b.arguments).unwrap_or_default() }</td> }
                </tr>
            }) }
        </table>
        </>
    }
}

fn arguments(args: &Table) -> Option<Html> {
    (!args.is_empty()).then(|| values::value(&switchyard_core::value::Value::Table(args.clone())))
}

/// A link to a message id.
pub(super) fn message_link(
    id: switchyard_core::MessageId,
    on_select: &Callback<Selection>,
) -> Html {
    link(format!("#{}", id.0), Selection::Message(id), on_select)
}

/// The event store: each stream with its version, appends and conflicts.
fn event_store(sim: &Simulation) -> Html {
    let store = sim.event_store();
    let readers = &sim.scenario().projections;
    html! {
        <>
            <p>{ format!("{} appended; {} refused for a wrong expected version.",
                shown::count(store.appended() as u64, "event", "events"), shown::count(store.conflicts(), "append", "appends")) }</p>
            <ul>
                { for store.streams().map(|(name, version)| html! {
                    <li>{ format!("{name}: version {version}") }</li>
                }) }
            </ul>
            if !readers.is_empty() {
                <h3>{ "Read by" }</h3>
                <ul class="projections">
                    { for readers.iter().map(|p| html! {
                        <li>{ format!("{}: {}", p.name, how_far(sim, p)) }</li>
                    }) }
                </ul>
            }
        </>
    }
}

/// How far a projection has read its stream: "at version 37 of 42, 5 behind", "at version
/// 42 of 42, up to date", or when it starts.
fn how_far(sim: &Simulation, spec: &ProjectionSpec) -> String {
    let Some(state) = sim.projection_state(&spec.name) else {
        return String::new();
    };
    let latest = sim.event_store().version(&spec.stream);
    if sim.now().0 < spec.start {
        return format!("starts reading at {}", super::seconds(spec.start));
    }
    match latest.saturating_sub(state.position) {
        0 => format!("at version {latest} of {latest}, up to date"),
        behind => format!("at version {} of {latest}, {behind} behind", state.position),
    }
}

/// A projection: what it reads, how far it has read and what it folded.
fn projection(sim: &Simulation, name: &str) -> Html {
    let (Some(state), Some(spec)) = (
        sim.projection_state(name),
        sim.scenario().projections.iter().find(|p| p.name == name),
    ) else {
        return html! { <p class="error">{ format!("There is no projection {name}.") }</p> };
    };
    let every = super::actors::dist(&switchyard_core::sim::rng::Dist::Fixed(spec.every));
    let mut now = how_far(sim, spec);
    if let Some(first) = now.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    html! {
        <>
            <p>{ format!("Reads the stream {} every {every}, up to {} at a time.",
                spec.stream, shown::count(u64::from(spec.batch), "event", "events")) }</p>
            <p>{ format!("{now}.") }</p>
            if let Some(field) = &spec.sum {
                <p>{ format!("Sum of {field}: {}.", switchyard_core::decimal::short(state.sum, 2)) }</p>
            }
            <ul>
                { for state.by_type.iter().map(|(kind, n)| html! {
                    <li>{ format!("{kind}: {n}") }</li>
                }) }
            </ul>
        </>
    }
}

#[cfg(test)]
mod tests {
    use switchyard_core::sim::{Options, Scenario, SimTime, Simulation};

    use super::how_far;

    fn projection_reading(sim: &Simulation, name: &str) -> String {
        let spec = (sim.scenario().projections.iter())
            .find(|p| p.name == name)
            .expect("projection");
        how_far(sim, spec)
    }

    #[test]
    fn a_projection_says_how_far_behind_its_stream_it_is_or_when_it_starts() {
        let preset = crate::presets::find("event-sourcing").expect("preset");
        let scenario = Scenario::from_json_text(preset.json).expect("scenario");
        let mut sim = Simulation::new(scenario, Options::default()).expect("simulation");
        sim.run_until(SimTime::from_ms(10_000)).expect("run");
        // audit starts at 30 s; balance reads every half second.
        assert_eq!(
            projection_reading(&sim, "audit"),
            "starts reading at 30.000 s"
        );
        let balance = projection_reading(&sim, "balance");
        let latest = sim.event_store().version("account-42");
        let position = sim.projection_state("balance").expect("state").position;
        assert!(latest > 0 && position > 0, "{balance}");
        let expected = if position == latest {
            format!("at version {latest} of {latest}, up to date")
        } else {
            format!(
                "at version {position} of {latest}, {} behind",
                latest - position
            )
        };
        assert_eq!(balance, expected);
        // Started, audit catches up from version 0 in batches.
        sim.run_until(SimTime::from_ms(31_000)).expect("run");
        assert!(projection_reading(&sim, "audit").starts_with("at version "));
    }
}
