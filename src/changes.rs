//! The changes made while the scenario runs (bindings, limits, retypes, crashes, services,
//! messages published from the explorer), listed under the stage with the moment each was
//! made, so that what differs from the scenario as shipped is in sight (after a reload or a
//! share link too). "Undo" goes back to just before a change: it and the changes after it are
//! undone, as going back in time undoes them. Draws and forwards only.

use switchyard_core::sim::scenario::Action as Step;
use switchyard_core::topology::Destination;
use yew::prelude::*;

use crate::commands::{Command, run};
use crate::stage::layout::binding_label;
use crate::state::AppContext;
use crate::toolbar::clock;

/// The most recent changes listed; earlier ones are counted (a class clicking "Publish it" a
/// hundred times would push the page down).
const SHOWN: usize = 20;

/// A change in words: "bind queue `audit` to `logs` with `#`"; hidden characters in the names
/// (a right-to-left override, say) written as `\u{…}`, as the drawing writes them.
pub fn describe(step: &Step) -> String {
    switchyard_core::shown::visible(&words(step)).into_owned()
}

fn words(step: &Step) -> String {
    let service = |verb: &str, name: &str| format!("{verb} service `{name}`");
    let consumer = |verb: &str, name: &str| format!("{verb} consumer `{name}`");
    match step {
        Step::StopConsumer { consumer: c } => consumer("stop", c),
        Step::StartConsumer { consumer: c } => consumer("start", c),
        Step::CrashConsumer { consumer: c } => consumer("crash", c),
        Step::RestartBroker => "restart the broker".to_owned(),
        Step::DeleteQueue { vhost, queue } => format!("delete queue `{queue}`{}", in_vhost(vhost)),
        Step::DeleteExchange { vhost, exchange } => {
            format!("delete exchange `{exchange}`{}", in_vhost(vhost))
        }
        Step::SetRate { producer, rate } => {
            let rate = crate::inspector::actors::rate(rate);
            format!("set producer `{producer}` to {rate}")
        }
        Step::SetProcessing {
            consumer,
            processing,
            failure_probability,
        } => {
            let processing = crate::inspector::actors::dist(processing);
            let failing = failure_probability.map_or(String::new(), |p| {
                let percent = switchyard_core::decimal::short(p * 100.0, 2);
                format!(", failing {percent}%")
            });
            format!("set consumer `{consumer}` to {processing} each{failing}")
        }
        Step::StopProducer { producer } => format!("stop producer `{producer}`"),
        Step::StartProducer { producer } => format!("start producer `{producer}`"),
        Step::TakeDown { service: s } => service("take down", s),
        Step::BringBack { service: s } => service("bring back", s),
        Step::FailService { service: s } => service("fail", s),
        Step::HealService { service: s } => service("heal", s),
        Step::ReplayProjection { projection } => format!("replay projection `{projection}`"),
        Step::SetExchangeType { exchange, kind, .. } => {
            format!("retype exchange `{exchange}` to {}", kind.name())
        }
        Step::Publish {
            producer,
            routing_key,
            headers,
        } => {
            let mut text = format!("publish `{routing_key}` from `{producer}`");
            if let Some(headers) = headers {
                let json = switchyard_core::order::json_text(&headers.to_json());
                text.push_str(&format!(" with headers {json}"));
            }
            text
        }
        Step::Send {
            vhost,
            exchange,
            routing_key,
            headers,
        } => {
            let mut text = if routing_key.is_empty() {
                format!("send a message to `{exchange}`")
            } else {
                format!("send `{routing_key}` to `{exchange}`")
            };
            text.push_str(&in_vhost(vhost));
            if !headers.is_empty() {
                let json = switchyard_core::order::json_text(&headers.to_json());
                text.push_str(&format!(" with headers {json}"));
            }
            text
        }
        Step::AddConsumer(c) => {
            let prefetch = match c.prefetch {
                0 => "unlimited prefetch".to_owned(),
                n => format!("prefetch {n}"),
            };
            let processing = crate::inspector::actors::dist(&c.processing);
            format!(
                "add consumer `{}` on queue `{}`{} ({prefetch}, {processing} each)",
                c.name,
                c.queue,
                in_vhost(&c.vhost)
            )
        }
        Step::AddProducer(p) => {
            let rate = crate::inspector::actors::rate(&p.rate);
            let exchange = crate::inspector::display_name(&p.exchange);
            let vhost = in_vhost(&p.vhost);
            format!(
                "add producer `{}` publishing to {exchange}{vhost} ({rate})",
                p.name
            )
        }
        Step::Declare { definitions } => {
            let queues =
                (definitions.queues.iter()).map(|(_, q)| format!("declare queue `{}`", q.name));
            let exchanges = (definitions.exchanges.iter())
                .map(|(_, x)| format!("declare exchange `{}`", x.name));
            let bindings = (definitions.bindings.iter()).map(|(_, b)| {
                let (kind, name) = destination(&b.destination);
                let label = binding_label(&b.routing_key, &b.arguments);
                format!("bind {kind} `{name}` to `{}` with `{label}`", b.source)
            });
            let policies = (definitions.policies.iter()).map(|p| {
                let definition = switchyard_core::order::json_text(&p.definition.to_json());
                format!("set policy `{}`: {definition}", p.name)
            });
            let parts: Vec<String> = exchanges
                .chain(queues)
                .chain(bindings)
                .chain(policies)
                .collect();
            parts.join(", ")
        }
        Step::Unbind { definitions } => {
            let parts: Vec<String> = (definitions.bindings.iter())
                .map(|(_, b)| {
                    let (kind, name) = destination(&b.destination);
                    let label = binding_label(&b.routing_key, &b.arguments);
                    format!("unbind {kind} `{name}` from `{}` (`{label}`)", b.source)
                })
                .collect();
            parts.join(", ")
        }
    }
}

/// " in vhost `staging`", or nothing for the default vhost.
fn in_vhost(vhost: &str) -> String {
    if vhost == switchyard_core::DEFAULT_VHOST {
        String::new()
    } else {
        format!(" in vhost `{vhost}`")
    }
}

fn destination(d: &Destination) -> (&'static str, &str) {
    match d {
        Destination::Queue(q) => ("queue", q),
        Destination::Exchange(x) => ("exchange", x),
    }
}

#[component]
pub fn ChangesMade() -> Html {
    let Some(state) = use_context::<AppContext>() else {
        return html! {};
    };
    let Some(sim) = state.sim.as_ref().and_then(|s| s.get()) else {
        return html! {};
    };
    let edits = sim.edits();
    if edits.is_empty() {
        return html! {};
    }
    let earlier = edits.len().saturating_sub(SHOWN);
    let items = edits.iter().skip(earlier).map(|edit| {
        let undo = {
            let (state, steps) = (state.clone(), edit.steps);
            Callback::from(move |_: MouseEvent| run(&state, Command::BackBefore(steps)))
        };
        html! {
            <li>
                <span class="at">{ clock(edit.at_us) }</span>
                <span class="what">{ describe(&edit.action) }</span>
                <button type="button" class="link undo" onclick={undo}
                        title="Go back to just before this change: it and the changes after it are undone">
                    { "undo" }
                </button>
            </li>
        }
    });
    html! {
        <section class="changes" id="changes" aria-label="Changes made">
            <h3>{ format!("Changes made ({})", edits.len()) }</h3>
            if earlier > 0 {
                <p class="muted">{ format!("The {earlier} earlier ones are not listed; going back before them undoes them.") }</p>
            }
            <ol start={(earlier + 1).to_string()}>{ for items }</ol>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use switchyard_core::ExchangeType;
    use switchyard_core::definitions::Definitions;

    use super::*;

    #[test]
    fn a_change_is_told_in_words() {
        let declare = serde_json::json!({
            "queues": [{"name": "audit"}],
            "bindings": [{"source": "logs", "destination": "audit", "destination_type": "queue",
                "routing_key": "#"}],
            "policies": [{"vhost": "/", "name": "switchyard-audit", "pattern": "^audit$",
                "apply-to": "queues", "priority": 1, "definition": {"max-length": 5}}]});
        let definitions = Definitions::from_json(&declare).expect("definitions");
        assert_eq!(
            describe(&Step::Declare { definitions }),
            "declare queue `audit`, bind queue `audit` to `logs` with `#`, set policy \
             `switchyard-audit`: {\"max-length\":5}"
        );
        let retype = Step::SetExchangeType {
            vhost: "/".into(),
            exchange: "logs".into(),
            kind: ExchangeType::Fanout,
        };
        assert_eq!(describe(&retype), "retype exchange `logs` to fanout");
        let publish = Step::Publish {
            producer: "p".into(),
            routing_key: "a.b".into(),
            headers: None,
        };
        assert_eq!(describe(&publish), "publish `a.b` from `p`");
        let stop = Step::StopProducer {
            producer: "\u{202e}evil".into(),
        };
        assert_eq!(describe(&stop), "stop producer `\\u{202e}evil`");
        let headers = serde_json::json!({"format": "pdf"});
        let publish = Step::Publish {
            producer: "p".into(),
            routing_key: "a.b".into(),
            headers: Some(switchyard_core::Table::from_json(&headers).expect("headers")),
        };
        assert_eq!(
            describe(&publish),
            r#"publish `a.b` from `p` with headers {"format":"pdf"}"#
        );
        let send = |vhost: &str, key: &str, headers: serde_json::Value| Step::Send {
            vhost: vhost.into(),
            exchange: "docs".into(),
            routing_key: key.into(),
            headers: switchyard_core::Table::from_json(&headers).expect("headers"),
        };
        assert_eq!(
            describe(&send("/", "", serde_json::json!({"format": "pdf"}))),
            "send a message to `docs` with headers {\"format\":\"pdf\"}"
        );
        assert_eq!(
            describe(&send("staging", "k", serde_json::json!({}))),
            "send `k` to `docs` in vhost `staging`"
        );
    }
}
