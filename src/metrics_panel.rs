//! The metrics panel, in the management UI's words: message rates (publish, deliver, ack,
//! redeliver) with a live chart, end-to-end latency p50 / p95 / p99, what became of the
//! messages (routed, returned, dead-lettered, expired…), one row per queue (Ready / Unacked /
//! Total with a small chart of its depth) and each consumer's utilisation. Charts are
//! hand-drawn SVG from the simulation's samples. It reads the simulation; it decides nothing.
//!
//! In orchestration the services call each other and no message travels: the panel shows the
//! flow's rates instead (requests, calls, answered ok, failed), the caller's response time, and
//! what became of the requests; the messages' blocks come back if anything is published. In
//! choreography the caller's response time stands beside the messages' latency.
//!
//! A long list of queues or consumers (a definitions export has thousands) is shown a page at
//! a time with a filter by name ([`crate::paging`]).

use switchyard_core::decimal::{fixed, short};
use switchyard_core::shown::{grouped, rate};
use switchyard_core::sim::flow::Style;
use switchyard_core::sim::metrics::{Metrics, Sample};
use switchyard_core::sim::{ConsumerId, Simulation};
use yew::prelude::*;

use crate::inspector::node_link;
use crate::paging::{ListView, Paging, page_of, pager};
use crate::sim_ref::{Selection, SimRef};

/// How many samples the charts show (two minutes at the default one a second).
const WINDOW: usize = 120;

#[derive(Properties, PartialEq)]
pub struct MetricsPanelProps {
    pub sim: SimRef,
    /// A queue's or consumer's name selects it (for the inspector), as in the management UI.
    pub on_select: Callback<Selection>,
}

#[component]
pub fn MetricsPanel(props: &MetricsPanelProps) -> Html {
    let Some(sim) = props.sim.get() else {
        return html! { <section class="panel metrics"><p class="muted">{ "busy…" }</p></section> };
    };
    let mut samples: Vec<&Sample> = sim.series().rev().take(WINDOW).collect();
    samples.reverse();
    let queue_view = use_state(ListView::default);
    let consumer_view = use_state(ListView::default);
    let (queue_view, consumer_view) = (Paging::of(&queue_view), Paging::of(&consumer_view));
    let (calls, messages) = shown(&sim);
    html! {
        <section class="panel metrics" aria-label="Metrics">
            <h2>{ "Metrics" }</h2>
            if let Some(response) = sim.flow_response().filter(|_| calls) {
                { rates("Call rates", "requests and calls", &CALL_RATES, &samples) }
                { latency("Caller response time", response, "answered") }
                { requests(&sim) }
            }
            if messages {
                { rates("Message rates", "message rates", &RATES, &samples) }
                { latency("End-to-end latency", sim.metrics(), "messages") }
                // In choreography too the caller waits for an answer: side by side with the
                // orchestration's when the style is switched.
                if let Some(response) = sim.flow_response().filter(|_| !calls) {
                    { latency("Caller response time", response, "answered") }
                }
                { totals(&sim) }
            }
            { queues(&sim, &samples, &queue_view, &props.on_select) }
            { consumers(&sim, &consumer_view, &props.on_select) }
        </section>
    }
}

/// One series of a rate chart: its name, its class (its colour), the dash pattern that tells
/// it apart without colour, and how to read it from a sample.
type RateSeries = (&'static str, &'static str, &'static str, fn(&Sample) -> f64);

const RATES: [RateSeries; 4] = [
    ("publish", "publish", "", |s| s.publish_rate),
    ("deliver", "deliver", "6 3", |s| s.deliver_rate),
    ("ack", "ack", "2 2", |s| s.ack_rate),
    ("redeliver", "redeliver", "8 3 2 3", |s| s.redeliver_rate),
];

/// A flow's rates (orchestration): what travels instead of messages.
const CALL_RATES: [RateSeries; 4] = [
    ("requests", "request", "", |s| {
        s.calls.map_or(0.0, |c| c.requests)
    }),
    ("calls", "call", "6 3", |s| s.calls.map_or(0.0, |c| c.calls)),
    ("answered ok", "ok", "2 2", |s| {
        s.calls.map_or(0.0, |c| c.answered_ok)
    }),
    ("failed", "failed", "8 3 2 3", |s| {
        s.calls.map_or(0.0, |c| c.failed)
    }),
];

/// Whether the panel shows the flow's calls (an orchestration: its services call each
/// other), and whether it shows messages (anything published, or no orchestration).
fn shown(sim: &Simulation) -> (bool, bool) {
    let calls = sim.flow().is_some_and(|f| f.style == Style::Orchestration);
    (calls, !calls || sim.metrics().total.published > 0)
}

fn rates(title: &str, what: &str, all: &[RateSeries], samples: &[&Sample]) -> Html {
    let last = samples.last();
    let series: Vec<Vec<f64>> = all
        .iter()
        .map(|(_, _, _, f)| samples.iter().map(|s| f(s)).collect())
        .collect();
    let max = series.iter().flatten().copied().fold(0.0, f64::max);
    html! {
        <div class="rates">
            <h3>{ title }</h3>
            <table class="rate-values">
                { for all.iter().map(|(name, class, dash, f)| html! {
                    <tr class={classes!("rate", *class)}>
                        <th scope="row">
                            <svg class="swatch" width="28" height="8" aria-hidden="true">
                                <line x1="0" y1="4" x2="28" y2="4" stroke-dasharray={ *dash } />
                            </svg>
                            { *name }
                        </th>
                        <td class="num">{ last.map_or_else(|| "—".to_owned(), |s| rate(f(s))) }</td>
                    </tr>
                }) }
            </table>
            <svg class="chart rates-chart" viewBox="0 0 300 80" preserveAspectRatio="none" role="img"
                 aria-label={ format!("{what} over the last {} samples, peak {}", samples.len(), rate(max)) }>
                { for series.iter().zip(all.iter()).map(|(values, (_, class, dash, _))| html! {
                    <polyline class={classes!("line", *class)} points={ points(values, max, 300.0, 80.0) }
                              stroke-dasharray={ *dash } />
                }) }
            </svg>
            <p class="axis muted">
                if samples.len() < 2 {
                    { "sampling… (the chart starts at the second sample)" }
                } else {
                    { format!("peak {} over the last {} samples", rate(max), samples.len()) }
                }
            </p>
        </div>
    }
}

/// One tile of figures: a long figure ("15,969,193") is written smaller, so that it stays
/// inside its tile on a phone.
fn stat(label: &str, value: String) -> Html {
    let size = match value.chars().count() {
        0..=8 => None,
        9..=10 => Some("long"),
        11..=13 => Some("longer"),
        _ => Some("longest"),
    };
    html! { <div><dt>{ label }</dt><dd class={ classes!(size) }>{ value }</dd></div> }
}

/// The latency percentiles of `m`: the caller's response times in orchestration (its requests
/// travel as calls), the messages' end-to-end latency otherwise.
fn latency(title: &str, m: &Metrics, what: &str) -> Html {
    let p = |q: f64| m.percentile(q).map_or_else(|| "—".to_owned(), ms);
    html! {
        <div class="latency">
            <h3>{ title }</h3>
            <dl class="stats">
                { stat("p50", p(0.5)) }
                { stat("p95", p(0.95)) }
                { stat("p99", p(0.99)) }
                { stat(what, grouped(m.latency_count())) }
            </dl>
        </div>
    }
}

fn totals(sim: &Simulation) -> Html {
    let t = &sim.metrics().total;
    let rows = [
        ("published", t.published),
        ("routed", t.routed),
        ("unroutable (dropped)", t.unroutable),
        ("returned", t.returned),
        ("delivered", t.delivered),
        ("redelivered", t.redelivered),
        ("acked", t.acked),
        ("requeued", t.requeued),
        ("expired", t.expired),
        ("dead-lettered", t.dead_lettered),
        ("dead letters dropped", t.dead_letter_dropped),
        ("dropped on overflow", t.dropped_on_overflow),
        ("lost in a restart", t.lost_on_restart),
        ("refused operations", t.refused),
    ];
    let always = ["published", "delivered", "acked", "dead-lettered"];
    counts("totals", "Messages so far", &rows, &always)
}

/// A block of counts: those in `always`, and the others once they are not 0.
fn counts(class: &'static str, title: &str, rows: &[(&str, u64)], always: &[&str]) -> Html {
    html! {
        <div class={ class }>
            <h3>{ title }</h3>
            <dl class="stats">
                { for rows.iter().filter(|(k, n)| *n > 0 || always.contains(k)).map(|(k, n)| stat(k, grouped(*n))) }
            </dl>
        </div>
    }
}

/// What became of the flow's requests and calls so far (orchestration).
fn requests(sim: &Simulation) -> Html {
    let Some(f) = sim.flow_figures() else {
        return Html::default();
    };
    let rows = [
        ("requests", f.requests),
        ("answered ok", f.answered_ok),
        ("answered with an error", f.answered_error),
        ("timed out (caller)", f.caller_timeouts),
        ("calls", f.calls),
        ("calls timed out", f.call_timeouts),
        ("calls refused (circuit open)", f.calls_rejected),
    ];
    let always = ["requests", "answered ok", "answered with an error", "calls"];
    counts("totals requests", "Requests so far", &rows, &always)
}

fn queues(
    sim: &Simulation,
    samples: &[&Sample],
    view: &Paging,
    on_select: &Callback<Selection>,
) -> Html {
    let world = sim.world();
    let depths = sim.queue_depths();
    if depths.is_empty() {
        // An empty table reads as a panel that failed to load; say why there is nothing.
        let why = if sim.services().is_empty() {
            "No queues in this topology."
        } else {
            "No queues: these services call each other directly. Their calls are counted \
             under Services, and the two styles compared beside them."
        };
        return html! {
            <div class="queues">
                <h3>{ "Queues" }</h3>
                <p class="muted" id="no-queues">{ why }</p>
            </div>
        };
    }
    let names = depths.iter().enumerate().filter_map(|(i, (id, _, _))| {
        let node = world.node(*id)?;
        Some((i, node.name.as_str()))
    });
    let (shown, matching, page) = page_of(names, &view.view);
    let rows = shown.into_iter().filter_map(|i| {
        let &(id, ready, unacked) = depths.get(i)?;
        let node = world.node(id)?;
        let depth: Vec<f64> = samples
            .iter()
            .filter_map(|s| s.queues.get(i))
            .map(|(r, u)| (r + u) as f64)
            .collect();
        let c = sim.metrics().queue(id);
        Some(html! {
            <>
                <tr class="queue-row" data-queue={ node.name.clone() }>
                    <th scope="rowgroup" colspan="6">{ node_link(sim, id, on_select) }</th>
                </tr>
                <tr class="queue-numbers">
                    <td class="num">{ grouped(ready) }</td>
                    <td class="num">{ grouped(unacked) }</td>
                    <td class="num">{ grouped(ready + unacked) }</td>
                    <td class="num">{ grouped(c.delivered) }</td>
                    <td class="num">{ grouped(c.dead_lettered) }</td>
                    <td class="trend">{ sparkline(&depth, &format!("{} total over time", node.name)) }</td>
                </tr>
            </>
        })
    });
    html! {
        <div class="queues">
            <h3>{ "Queues" }</h3>
            { pager("queues", depths.len(), matching, page, view) }
            <table class="queue-table">
                <thead><tr>
                    <th scope="col" class="num">{ "Ready" }</th>
                    <th scope="col" class="num">{ "Unacked" }</th>
                    <th scope="col" class="num">{ "Total" }</th>
                    <th scope="col" class="num" title="delivered">{ "Deliv." }</th>
                    <th scope="col" class="num" title="dead-lettered">{ "DLX'd" }</th>
                    <th scope="col">{ "Total, trend" }</th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </div>
    }
}

fn consumers(sim: &Simulation, view: &Paging, on_select: &Callback<Selection>) -> Html {
    let specs = &sim.scenario().consumers;
    if specs.is_empty() {
        return html! {};
    }
    let names = specs.iter().enumerate().map(|(i, c)| (i, c.name.as_str()));
    let (shown, matching, page) = page_of(names, &view.view);
    html! {
        <div class="consumers">
            <h3>{ "Consumer utilisation" }</h3>
            { pager("consumers", specs.len(), matching, page, view) }
            <ul class="utilisation-list">
                { for shown.into_iter().filter_map(|i| {
                    let c = specs.get(i)?;
                    let u = sim.utilisation(i);
                    let percent = format!("{}%", fixed(u * 100.0, 0));
                    let name = match sim.consumer_node(ConsumerId(i as u32)) {
                        Some(node) => node_link(sim, node, on_select),
                        None => html! { <span class="name consumer">{ &c.name }</span> },
                    };
                    Some(html! {
                        <li>
                            { name }
                            <meter min="0" max="1" value={ short(u, 4) } aria-label={ format!("{} utilisation", c.name) }>
                                { percent.clone() }
                            </meter>
                            <span class="num">{ percent }</span>
                        </li>
                    })
                }) }
            </ul>
        </div>
    }
}

/// A small line chart of `values` (oldest first), scaled to its own peak.
pub fn sparkline(values: &[f64], label: &str) -> Html {
    let max = values.iter().copied().fold(0.0, f64::max);
    let last = values.last().copied().unwrap_or(0.0);
    if values.len() < 2 {
        return html! { <span class="muted sampling">{ "sampling…" }</span> };
    }
    html! {
        <svg class="chart sparkline" viewBox="0 0 120 24" preserveAspectRatio="none" role="img"
             aria-label={ format!("{label}: now {}, peak {}", short(last, 2), short(max, 2)) }>
            <polyline class="line" points={ points(values, max, 120.0, 24.0) } />
        </svg>
    }
}

/// SVG polyline points for `values` across `width`, with `max` at the top (1 px margin).
fn points(values: &[f64], max: f64, width: f64, height: f64) -> String {
    let n = values.len().saturating_sub(1).max(1) as f64;
    let scale = if max > 0.0 { (height - 2.0) / max } else { 0.0 };
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let (x, y) = (i as f64 * width / n, height - 1.0 - v * scale);
            format!("{},{}", fixed(x, 1), fixed(y, 1))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// µs as milliseconds, three significant figures at most.
fn ms(us: u64) -> String {
    let ms = us as f64 / 1000.0;
    let places = if ms >= 100.0 {
        0
    } else if ms >= 10.0 {
        1
    } else {
        2
    };
    format!("{} ms", fixed(ms, places))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_span_the_width_with_the_peak_at_the_top() {
        assert_eq!(
            points(&[0.0, 2.0, 1.0], 2.0, 100.0, 22.0),
            "0.0,21.0 50.0,1.0 100.0,11.0"
        );
        assert_eq!(points(&[0.0, 0.0], 0.0, 10.0, 10.0), "0.0,9.0 10.0,9.0");
    }

    #[test]
    fn latency_reads_in_milliseconds() {
        for (us, text) in [(1_234, "1.23 ms"), (12_345, "12.3 ms"), (123_456, "123 ms")] {
            assert_eq!(ms(us), text);
        }
    }
}
