//! The comparison card: the open flow run in both styles on the same seed and load, side by
//! side — the caller's response time (p50 / p95 and a histogram on a shared scale), what was
//! sent (calls or events), whom the triggering service depends on (a small diagram), what
//! failed while a service was down, each service's backlog, and the saga's outcome. It draws the
//! core's `Comparison`; it computes nothing itself.

use switchyard_core::decimal::short;
use switchyard_core::shown::count;
use switchyard_core::sim::flow::{Comparison, Style, StyleFigures};
use yew::prelude::*;

use super::figures::{self, BARS};
use crate::state::AppContext;

#[component]
pub fn ComparisonCard() -> Html {
    let Some(state) = use_context::<AppContext>() else {
        return html! {};
    };
    let (Some(source), Some(sim)) = (state.source.as_ref(), state.sim.as_ref()) else {
        return html! {};
    };
    let Some(sim) = sim.get() else {
        return html! {};
    };
    let Some(flow) = sim.flow() else {
        return html! {};
    };
    let (current, exchange) = (flow.style, flow.trigger.exchange.clone());
    let saga = flow.saga;
    let Some(result) = super::comparison(source, sim.scenario()) else {
        return html! {};
    };
    let body = match &*result {
        Ok(c) => columns(c, current, &exchange, saga),
        Err(e) => html! { <p class="error">{ format!("The comparison could not run: {e}") }</p> },
    };
    let until = result.as_ref().as_ref().map_or(0, |c| c.until.0);
    html! {
        <section class="comparison-card" id="comparison" aria-label="Orchestration and choreography compared">
            <h2>{ "Both styles, same seed and load" }
                <span class="muted">{ format!(" — seed {}, first {} s", sim.scenario().seed, until / 1_000_000) }</span>
            </h2>
            { body }
        </section>
    }
}

fn columns(c: &Comparison, current: Style, exchange: &str, saga: bool) -> Html {
    let hists: Vec<&[(u64, u64, u64)]> = c
        .styles
        .iter()
        .map(|s| s.response_histogram.as_slice())
        .collect();
    let edges = figures::edges(&hists);
    let peak = c
        .styles
        .iter()
        .flat_map(|s| figures::bars(&s.response_histogram, &edges))
        .max()
        .unwrap_or(0);
    html! {
        <div class="comparison-columns">
            { for c.styles.iter().map(|s| column(s, s.style == current, &edges, peak, exchange, saga)) }
        </div>
    }
}

fn column(
    s: &StyleFigures,
    current: bool,
    edges: &[f64],
    peak: u64,
    exchange: &str,
    saga: bool,
) -> Html {
    let sent = match s.style {
        Style::Orchestration => format!(
            "{} ({} timed out)",
            count(s.calls, "call", "calls"),
            s.call_timeouts
        ),
        Style::Choreography => {
            format!("{} published", count(s.events_published, "event", "events"))
        }
    };
    let title = match s.style {
        Style::Orchestration => "Orchestration",
        Style::Choreography => "Choreography",
    };
    html! {
        <div class={classes!("comparison-column", current.then_some("current"))} data-style={s.style.name()}>
            <h3>{ title }{ if current { html! { <span class="badge">{ "on stage" }</span> } } else { html! {} } }</h3>
            <dl class="figures">
                <dt>{ "caller response p50 / p95" }</dt>
                <dd class="response">{ format!("{} / {}", figures::maybe(s.response_p50_us), figures::maybe(s.response_p95_us)) }</dd>
                <dt>{ "requests" }</dt>
                <dd>{ format!("{} — {} ok, {}, {} timed out", s.requests, s.answered_ok, switchyard_core::shown::count(s.answered_error, "error", "errors"), s.caller_timeouts) }</dd>
                <dt>{ "sent" }</dt>
                <dd class="sent">{ sent }</dd>
                <dt>{ "failed while a service was down" }</dt>
                <dd class="outage">{ s.failed_during_outage }</dd>
                <dt>{ "deepest backlog" }</dt>
                <dd class="backlog">{ pairs(s.max_backlog.as_deref().unwrap_or_default()) }</dd>
                <dt>{ "backlog at the end" }</dt>
                <dd>{ pairs(&s.backlog_at_end) }</dd>
                if saga {
                    <dt>{ "sagas" }</dt>
                    <dd class="saga">{ format!("{} completed, {} compensated ({} compensations)", s.sagas_completed, s.sagas_compensated, s.compensations) }</dd>
                }
            </dl>
            { histogram(s, edges, peak) }
            { dependencies(s, exchange) }
        </div>
    }
}

fn pairs(pairs: &[(String, u64)]) -> String {
    if pairs.is_empty() {
        return "—".to_owned();
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The response-time histogram as SVG bars; both styles on the same axis and height scale.
fn histogram(s: &StyleFigures, edges: &[f64], peak: u64) -> Html {
    const W: f64 = 240.0;
    const H: f64 = 56.0;
    if edges.is_empty() || peak == 0 {
        return html! { <p class="muted">{ "no answered requests" }</p> };
    }
    let bars = figures::bars(&s.response_histogram, edges);
    let width = W / BARS as f64;
    let first = edges.first().copied().unwrap_or(0.0) as u64;
    let last = edges.last().copied().unwrap_or(0.0) as u64;
    html! {
        <figure class="histogram">
            <figcaption>{ "caller response times (log scale)" }</figcaption>
            <svg viewBox={format!("0 0 {} {}", num(W), num(H + 14.0))} width="100%" role="img"
                aria-label={format!("{} response times", s.style.name())}>
                { for bars.iter().enumerate().map(|(i, n)| {
                    let h = if *n == 0 { 0.0 } else { (*n as f64 / peak as f64 * H).max(1.5) };
                    html! { <rect class="bar" x={num(i as f64 * width + 1.0)} y={num(H - h)}
                        width={num(width - 2.0)} height={num(h)}><title>{ format!("{n} requests") }</title></rect> }
                }) }
                <line class="axis" x1="0" x2={num(W)} y1={num(H)} y2={num(H)} />
                <text x="0" y={num(H + 12.0)} class="tick">{ figures::duration(first) }</text>
                <text x={num(W)} y={num(H + 12.0)} class="tick end">{ figures::duration(last) }</text>
            </svg>
        </figure>
    }
}

/// Who the triggering service depends on: arrows to each service it called, or to the
/// exchange only (the services depend on the event, not the other way round).
fn dependencies(s: &StyleFigures, exchange: &str) -> Html {
    let trigger = s.handled.first().map(|(n, _)| n.as_str()).unwrap_or("");
    let targets: Vec<&str> = if s.dependencies.is_empty() {
        vec![exchange]
    } else {
        s.dependencies.iter().map(String::as_str).collect()
    };
    let rows = targets.len().max(1) as f64;
    let h = rows * 22.0 + 6.0;
    let mid = h / 2.0;
    html! {
        <figure class="dependencies">
            <figcaption>{ format!("{trigger} depends directly on {}", targets.len()) }</figcaption>
            <svg viewBox={format!("0 0 240 {}", num(h))} width="100%" role="img"
                aria-label={format!("{trigger} depends on {}", targets.join(", "))}>
                <rect class="dep-node" x="2" y={num(mid - 9.0)} width="76" height="18" rx="4" />
                <text class="dep-label" x="40" y={num(mid + 4.0)}>{ trigger }</text>
                { for targets.iter().enumerate().map(|(i, t)| {
                    let y = 3.0 + i as f64 * 22.0 + 9.0;
                    html! { <g>
                        <line class="dep-edge" x1="78" y1={num(mid)} x2="150" y2={num(y)} marker-end="url(#dep-arrow)" />
                        <rect class="dep-node" x="152" y={num(y - 9.0)} width="86" height="18" rx="4" />
                        <text class="dep-label" x="195" y={num(y + 4.0)}>{ *t }</text>
                    </g> }
                }) }
                <defs><marker id="dep-arrow" viewBox="0 0 6 6" refX="6" refY="3" markerWidth="6" markerHeight="6" orient="auto">
                    <path d="M0 0L6 3L0 6z" class="dep-head" /></marker></defs>
            </svg>
        </figure>
    }
}

/// An SVG coordinate: two decimals at most.
fn num(x: f64) -> String {
    short(x, 2)
}
