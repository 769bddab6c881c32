//! The core's route explanation drawn for people: each exchange visited, each binding tried
//! (green matched, grey not) with the reason, a topic binding's words aligned with the routing
//! key's and `*` / `#` drawn over the words they took, headers arguments compared one by one, the
//! alternate exchange, and the outcome. It renders `RouteExplanation` data; it decides nothing.
//! With `on_destination`, each binding's destination and each routed queue is a button.
//! An exchange with many bindings (a definitions export's) lists those that matched and a few
//! that did not; the rest of those fold under a button that counts them.

use std::rc::Rc;

use switchyard_core::exchange::{self, headers, topic};
use switchyard_core::explain::{
    Alternate, BindingTrial, ExchangeVisit, Outcome, Reached, VisitKind,
};
use switchyard_core::shown::{count, visible};
use switchyard_core::{Destination, RouteExplanation};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RouteViewProps {
    pub explanation: Rc<RouteExplanation>,
    /// Called with a binding's destination or a routed queue when it is clicked.
    #[prop_or_default]
    pub on_destination: Option<Callback<Destination>>,
}

#[component]
pub fn RouteView(props: &RouteViewProps) -> Html {
    let explanation = &props.explanation;
    let link = props.on_destination.as_ref();
    html! {
        <div class="route">
            { for explanation.visits.iter().enumerate().map(|(i, v)| visit(explanation, i, v, link)) }
            { outcome(&explanation.outcome, link) }
        </div>
    }
}

/// A destination's name: a button when the viewer can follow it.
fn destination(d: &Destination, link: Option<&Callback<Destination>>) -> Html {
    let kind = match d {
        Destination::Queue(_) => "queue",
        Destination::Exchange(_) => "exchange",
    };
    match link {
        Some(cb) => {
            let (cb, d2) = (cb.clone(), d.clone());
            let onclick = Callback::from(move |_: MouseEvent| cb.emit(d2.clone()));
            html! {
                <button type="button" class={classes!("dest", kind, "link")} {onclick}
                        title={ format!("inspect {kind} {}", d.name()) }>{ d.name() }</button>
            }
        }
        None => html! { <span class={classes!("dest", kind)}>{ d.name() }</span> },
    }
}

fn visit(
    explanation: &Rc<RouteExplanation>,
    index: usize,
    visit: &ExchangeVisit,
    link: Option<&Callback<Destination>>,
) -> Html {
    let reached = match &visit.reached {
        Reached::Published => "published here".to_owned(),
        Reached::Binding { from } => format!("via a binding from {}", label(from)),
        Reached::Alternate { from } => format!("alternate exchange of {}", label(from)),
    };
    let (kind, body) = match &visit.kind {
        VisitKind::Typed(kind) => (
            kind.name().to_owned(),
            bindings(explanation, index, &visit.bindings, link),
        ),
        VisitKind::Default(lookups) => (
            "default".to_owned(),
            html! {
                <ul class="trials">
                    { for lookups.iter().map(|l| html! {
                        <li class={classes!("trial", l.queue_exists.then_some("matched"))}>
                            <span class="mark">{ if l.queue_exists { "✓" } else { "✗" } }</span>
                            <span class="dest queue">{ visible(&l.routing_key).into_owned() }</span>
                            <span class="why">{ if l.queue_exists { "a queue with this name exists" } else { "no queue has this name" } }</span>
                        </li>
                    }) }
                </ul>
            },
        ),
    };
    html! {
        <section class="visit">
            <h3>
                <span class="hexagon" aria-hidden="true">{ "⬡" }</span>
                { label(&visit.exchange) }
                <span class="badge">{ kind }</span>
                <span class="reached">{ reached }</span>
            </h3>
            { body }
            { visit.alternate.as_ref().map(alternate).unwrap_or_default() }
        </section>
    }
}

/// How many bindings that did not match a visit lists before the rest fold away.
const UNMATCHED_SHOWN: usize = 5;

/// The bindings of the visit `index`: every one that matched and, of the others, the first
/// [`UNMATCHED_SHOWN`] with the rest folded.
fn bindings(
    explanation: &Rc<RouteExplanation>,
    index: usize,
    trials: &[BindingTrial],
    link: Option<&Callback<Destination>>,
) -> Html {
    if trials.is_empty() {
        return html! { <p class="muted">{ "no bindings" }</p> };
    }
    let mut unmatched = 0;
    let shown = trials.iter().filter(|t| {
        unmatched += usize::from(!t.matched);
        t.matched || unmatched <= UNMATCHED_SHOWN
    });
    let folded = trials
        .iter()
        .filter(|t| !t.matched)
        .count()
        .saturating_sub(UNMATCHED_SHOWN);
    html! {
        <>
            <ul class="trials">{ for shown.map(|t| trial(t, link)) }</ul>
            if folded > 0 {
                <FoldedTrials explanation={explanation.clone()} visit={index}
                              on_destination={link.cloned()} />
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct FoldedProps {
    explanation: Rc<RouteExplanation>,
    visit: usize,
    on_destination: Option<Callback<Destination>>,
}

/// The bindings of a visit that did not match beyond the first few: a button that counts them,
/// and the list once pressed.
#[component]
fn FoldedTrials(props: &FoldedProps) -> Html {
    let open = use_state(|| false);
    let Some(visit) = props.explanation.visits.get(props.visit) else {
        return html! {};
    };
    let rest = visit
        .bindings
        .iter()
        .filter(|t| !t.matched)
        .skip(UNMATCHED_SHOWN);
    if *open {
        let link = props.on_destination.as_ref();
        return html! { <ul class="trials folded">{ for rest.map(|t| trial(t, link)) }</ul> };
    }
    let rest_count = rest.count() as u64;
    let onclick = Callback::from(move |_: MouseEvent| open.set(true));
    html! {
        <button type="button" class="link unfold" {onclick}>
            { format!("✗ {} did not match: show them", count(rest_count, "more binding", "more bindings")) }
        </button>
    }
}

fn trial(trial: &BindingTrial, link: Option<&Callback<Destination>>) -> Html {
    html! {
        <li class={classes!("trial", trial.matched.then_some("matched"))}>
            <span class="mark" aria-label={ if trial.matched { "matched" } else { "not matched" } }>
                { if trial.matched { "✓" } else { "✗" } }
            </span>
            { destination(&trial.destination, link) }
            { why(&trial.why) }
        </li>
    }
}

fn why(why: &exchange::Explanation) -> Html {
    match why {
        exchange::Explanation::Topic(t) => topic_alignment(t),
        exchange::Explanation::Headers(h) => headers_table(h),
        other => html! { <span class="why">{ other.to_string() }</span> },
    }
}

fn topic_alignment(explanation: &topic::Explanation) -> Html {
    html! {
        <div class="why topic">
            { for explanation.per_key.iter().map(|key| html! {
                <div class={classes!("alignment", key.matched().then_some("matched"))}
                     title={ format!("binding key `{}` against routing key `{}`", explanation.binding_key, key.routing_key) }>
                    { for key.steps.iter().map(step) }
                    { key.failure.as_ref().map(failure).unwrap_or_default() }
                </div>
            }) }
        </div>
    }
}

fn word(w: &str) -> String {
    if w.is_empty() {
        "(empty)".to_owned()
    } else {
        visible(w).into_owned()
    }
}

fn cell(pattern: &str, took: String, class: &'static str) -> Html {
    html! {
        <span class={classes!("cell", class)}>
            <span class="pattern">{ pattern.to_owned() }</span>
            <span class="took">{ took }</span>
        </span>
    }
}

fn step(step: &topic::Step) -> Html {
    match step {
        topic::Step::Literal { word: w, .. } => cell(&word(w), word(w), "literal"),
        topic::Step::Star { word: w, .. } => cell("*", word(w), "star"),
        topic::Step::Hash { words, .. } if words.is_empty() => {
            cell("#", "(nothing)".to_owned(), "hash")
        }
        topic::Step::Hash { words, .. } => cell(
            "#",
            words.iter().map(|w| word(w)).collect::<Vec<_>>().join("."),
            "hash",
        ),
    }
}

fn failure(failure: &topic::Failure) -> Html {
    match failure {
        topic::Failure::LiteralDiffers {
            expected, found, ..
        } => cell(&word(expected), format!("≠ {}", word(found)), "differs"),
        topic::Failure::RoutingKeyTooShort { remaining, .. } => cell(
            &remaining
                .iter()
                .map(|w| word(w))
                .collect::<Vec<_>>()
                .join("."),
            "(no words left)".to_owned(),
            "differs",
        ),
        topic::Failure::RoutingKeyTooLong { left_over, .. } => cell(
            "(key ended)",
            left_over
                .iter()
                .map(|w| word(w))
                .collect::<Vec<_>>()
                .join("."),
            "differs",
        ),
    }
}

fn headers_table(explanation: &headers::Explanation) -> Html {
    let mode = if explanation.mode_defaulted {
        format!("x-match = {} (default)", explanation.mode.name())
    } else {
        format!("x-match = {}", explanation.mode.name())
    };
    html! {
        <div class="why headers">
            <span class="mode">{ mode }</span>
            <table>
                { for explanation.args.iter().filter(|a| a.outcome.is_tested()).map(|arg| {
                    let expected = match &arg.expected {
                        headers::Expected::Presence => "present".to_owned(),
                        headers::Expected::Value(v) => v.to_string(),
                    };
                    let header = arg.header.as_ref().map_or_else(|| "(missing)".to_owned(), ToString::to_string);
                    html! {
                        <tr class={classes!(arg.outcome.holds().then_some("holds"))}>
                            <td><code>{ visible(&arg.name).into_owned() }</code></td>
                            <td>{ expected }</td>
                            <td>{ header }</td>
                            <td>{ arg.outcome.word() }</td>
                        </tr>
                    }
                }) }
            </table>
        </div>
    }
}

fn alternate(alternate: &Alternate) -> Html {
    match alternate {
        Alternate::None => html! {},
        other => html! { <p class="alternate">{ other.to_string() }</p> },
    }
}

fn outcome(outcome: &Outcome, link: Option<&Callback<Destination>>) -> Html {
    match outcome {
        Outcome::Routed { queues } => html! {
            <p class="outcome routed">
                { format!("Routed to {}: ", count(queues.len() as u64, "queue", "queues")) }
                { for queues.iter().map(|q| destination(&Destination::Queue(q.clone()), link)) }
            </p>
        },
        Outcome::Returned => {
            html! { <p class="outcome returned">{ "Unroutable and mandatory: returned to the publisher (312 NO_ROUTE)" }</p> }
        }
        Outcome::Dropped => {
            html! { <p class="outcome dropped">{ "Unroutable: dropped. Publish with mandatory to get it back." }</p> }
        }
    }
}

fn label(exchange: &str) -> String {
    if exchange.is_empty() {
        "(AMQP default)".to_owned()
    } else {
        exchange.to_owned()
    }
}
