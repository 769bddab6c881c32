//! Producers and consumers in the inspector: what the scenario says they do (rate, routing-key
//! template, prefetch, processing time, failure policy) and what they are doing now (status,
//! deliveries in hand and unacked, utilisation); also a queue's consumers and a list of
//! message links. It reads the scenario and the simulation; it decides nothing.

use switchyard_core::MessageId;
use switchyard_core::decimal::{fixed, short};
use switchyard_core::queue::Queue;
use switchyard_core::shown::count;
use switchyard_core::sim::rng::Dist;
use switchyard_core::sim::scenario::{OnFailure, Part, ProducerSpec, Rate};
use switchyard_core::sim::{ConsumerId, Simulation};
use yew::prelude::*;

use super::node::message_link;
use super::{display_name, node_link, seconds, settings, text, yes_no};
use crate::sim_ref::Selection;

pub(super) fn consumer(sim: &Simulation, name: &str, on_select: &Callback<Selection>) -> Html {
    let (Some(id), Some(view)) = (
        sim.consumer_id(name),
        sim.consumer_id(name).and_then(|c| sim.consumer_view(c)),
    ) else {
        return html! { <p class="error">{ "Not in this scenario." }</p> };
    };
    let Some(spec) = sim.scenario().consumers.get(id.0 as usize) else {
        return html! {};
    };
    let queue = sim
        .world()
        .queue(&spec.vhost, &spec.queue)
        .map(|q| node_link(sim, q, on_select));
    let unacked: Vec<MessageId> = sim
        .broker()
        .unsettled()
        .into_iter()
        .filter(|(ch, ..)| *ch == view.channel)
        .map(|(_, _, m, _, _)| m)
        .collect();
    let percent = fixed(view.utilisation * 100.0, 0);
    let (processing, failure) =
        (sim.consumer_pace(id)).unwrap_or((&spec.processing, spec.failure_probability));
    html! {
        <>
            <div class="counts">
                <div class={classes!("count", "consumer-state", format!("is-{}", view.status))}>
                    <span class="n">{ view.status }</span><span class="label">{ "status" }</span>
                </div>
                <div class="count"><span class="n">{ view.processed }</span><span class="label">{ "processed" }</span></div>
                <div class="count"><span class="n">{ format!("{percent}%") }</span><span class="label">{ "utilisation" }</span></div>
            </div>
            <meter class="utilisation" min="0" max="1" value={ short(view.utilisation, 4) }
                   aria-label="utilisation">{ format!("{percent}%") }</meter>
            { settings(vec![
                ("queue", queue),
                ("prefetch", text(if spec.prefetch == 0 { "0 (unlimited)".to_owned() } else { spec.prefetch.to_string() })),
                ("auto-ack", yes_no(spec.auto_ack)),
                ("processing time", text(dist(processing))),
                ("failure probability", text(short(failure, 6))),
                ("on failure", (failure > 0.0).then(|| html! { { on_failure(spec.on_failure) } })),
                ("crash probability", (spec.crash_probability > 0.0).then(|| html! { { short(spec.crash_probability, 6) } })),
                ("recovers after", spec.recover_after.and_then(|us| text(seconds(us)))),
                ("starts at", (spec.start > 0).then(|| html! { { seconds(spec.start) } })),
                ("retry", spec.retry.as_ref().and_then(|r| text(format!(
                    "{} attempts, then parked in {}", r.max_attempts, r.parking_lot)))),
                ("RPC server", spec.replies.then(|| html! { { "replies to reply_to with the correlation id" } })),
                ("exclusive", spec.exclusive.then(|| html! { { "yes" } })),
                ("priority (x-priority)", (spec.priority != 0).then(|| html! { { spec.priority } })),
                ("appends to stream", spec.append_to.as_ref().and_then(|s| text(s.clone()))),
            ]) }
            <h3>{ format!("In hand ({})", view.in_hand.len()) }</h3>
            { message_list(&view.in_hand, 24, on_select) }
            <h3>{ format!("Unacked on its channel ({})", unacked.len()) }</h3>
            { message_list(&unacked, 24, on_select) }
        </>
    }
}

pub(super) fn producer(sim: &Simulation, name: &str, on_select: &Callback<Selection>) -> Html {
    let producers = sim.scenario().producers.iter();
    let Some((i, spec)) = producers.enumerate().find(|(_, p)| p.name == name) else {
        return html! { <p class="error">{ "Not in this scenario." }</p> };
    };
    let id = switchyard_core::sim::ProducerId(u32::try_from(i).unwrap_or(u32::MAX));
    let stopped = sim.producer_stopped(id) == Some(true);
    let exchange = match sim.world().exchange(&spec.vhost, &spec.exchange) {
        Some(x) => node_link(sim, x, on_select),
        None => html! { { display_name(&spec.exchange) } },
    };
    let headers: Vec<String> = spec
        .headers
        .iter()
        .map(|(k, parts)| format!("{k}: {}", template(spec, parts)))
        .collect();
    settings(vec![
        ("exchange", Some(exchange)),
        ("routing key", Some(html! { <code>{ template(spec, &spec.routing_key) }</code> })),
        ("headers", (!headers.is_empty()).then(|| html! { <code>{ headers.join(", ") }</code> })),
        ("choices", (!spec.choices.is_empty()).then(|| html! {
            <ul class="choices">
                { for spec.choices.iter().map(|c| html! {
                    <li><code>{ format!("{{{}}}", c.name) }</code>{ ": " }{ c.values.join(", ") }</li>
                }) }
            </ul>
        })),
        ("rate", text(rate(sim.producer_rate(id).unwrap_or(&spec.rate)))),
        ("status", stopped.then(|| html! { { "stopped: it publishes nothing until started" } })),
        ("starts at", (spec.start > 0).then(|| html! { { seconds(spec.start) } })),
        ("stops at", spec.stop.and_then(|s| text(seconds(s)))),
        ("body", text(count(spec.body_bytes, "byte", "bytes"))),
        ("persistent", yes_no(spec.persistent)),
        ("mandatory", yes_no(spec.mandatory)),
        ("publisher confirms", yes_no(spec.confirms)),
        ("CloudEvents", spec.cloudevents.as_ref().and_then(|ce| text(format!(
            "type {}, source {}", ce.kind, ce.source)))),
        ("RPC requests", spec.rpc.as_ref().and_then(|r| text(format!("reply_to {}", r.reply_to)))),
    ])
}

/// The scenario's consumers on `q`, with their prefetch and unacked count from the broker.
pub(super) fn queue_consumers(
    sim: &Simulation,
    q: &Queue,
    on_select: &Callback<Selection>,
) -> Html {
    let rows: Vec<Html> = sim
        .scenario()
        .consumers
        .iter()
        .enumerate()
        .filter(|(_, c)| *c.vhost == *q.vhost && c.queue == q.name())
        .filter_map(|(i, c)| {
            let id = ConsumerId(u32::try_from(i).ok()?);
            let view = sim.consumer_view(id)?;
            let node = sim.consumer_node(id)?;
            let unacked = q
                .consumers()
                .find(|b| b.options.channel == view.channel)
                .map(|b| b.unacked);
            Some(html! {
                <tr>
                    <td>{ node_link(sim, node, on_select) }</td>
                    <td>{ view.status }</td>
                    <td class="num">{ if c.prefetch == 0 { "∞".to_owned() } else { c.prefetch.to_string() } }</td>
                    <td class="num">{ unacked.map_or_else(|| "—".to_owned(), |n| n.to_string()) }</td>
                </tr>
            })
        })
        .collect();
    html! {
        <>
            <h3>{ format!("Consumers ({} subscribed now)", q.consumer_count()) }</h3>
            if rows.is_empty() {
                <p class="muted">{ "none in this scenario" }</p>
            } else {
                <table class="consumers">
                    <thead><tr>
                        <th scope="col">{ "consumer" }</th><th scope="col">{ "status" }</th>
                        <th scope="col">{ "prefetch" }</th><th scope="col">{ "unacked" }</th>
                    </tr></thead>
                    { for rows }
                </table>
            }
        </>
    }
}

/// Up to `limit` message links, then how many more.
pub(super) fn message_list(
    ids: &[MessageId],
    limit: usize,
    on_select: &Callback<Selection>,
) -> Html {
    if ids.is_empty() {
        return html! { <p class="muted">{ "none" }</p> };
    }
    let more = ids.len().saturating_sub(limit);
    html! {
        <ul class="messages">
            { for ids.iter().take(limit).map(|m| html! { <li>{ message_link(*m, on_select) }</li> }) }
            if more > 0 { <li class="muted">{ format!("and {more} more") }</li> }
        </ul>
    }
}

fn template(spec: &ProducerSpec, parts: &[Part]) -> String {
    parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => t.clone(),
            Part::Choice(i) => spec
                .choices
                .get(*i)
                .map_or_else(|| "{?}".to_owned(), |c| format!("{{{}}}", c.name)),
            Part::Seq => "{seq}".to_owned(),
        })
        .collect()
}

pub(crate) fn rate(rate: &Rate) -> String {
    let per_second = |interval_us: f64| 1e6 / interval_us.max(1.0);
    match rate {
        Rate::Fixed { interval } => {
            format!("{} / s, evenly", fixed(per_second(*interval as f64), 3))
        }
        Rate::Poisson { mean_interval } => {
            format!(
                "{} / s on average (Poisson)",
                fixed(per_second(*mean_interval), 3)
            )
        }
        Rate::Bursts { size, every } => format!("bursts of {size} every {}", seconds(*every)),
        Rate::Script { at } => format!("{} scripted publishes", at.len()),
    }
}

pub(crate) fn dist(d: &Dist) -> String {
    let ms = |us: f64| format!("{} ms", short(us / 1000.0, 1));
    match *d {
        Dist::Fixed(us) => ms(us as f64),
        Dist::Uniform { min, max } => format!("{} to {}", ms(min as f64), ms(max as f64)),
        Dist::Exponential { mean } => format!("{} on average (exponential)", ms(mean)),
    }
}

fn on_failure(how: OnFailure) -> &'static str {
    match how {
        OnFailure::Ack => "ack",
        OnFailure::Nack { requeue: true } => "nack, requeue",
        OnFailure::Nack { requeue: false } => "nack, no requeue (dead-letter)",
        OnFailure::Reject { requeue: true } => "reject, requeue",
        OnFailure::Reject { requeue: false } => "reject, no requeue (dead-letter)",
        OnFailure::Retry => "retry: reject into the delay queues, then park",
    }
}
