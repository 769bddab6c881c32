//! "Where does this message go?": pick an exchange of the scenario running now (or of a loaded
//! definitions export), type a routing key, and the core explains where a message published
//! now would go, against the topology as it is at this moment. Until a scenario runs, RabbitMQ's
//! tutorial 5 topology (a topic exchange with `*.orange.*`, `*.*.rabbit` and `lazy.#`) stands
//! in. The explanation comes from the core; the app only draws it (and shows the core's text).

use std::rc::Rc;

use switchyard_core::sim::Simulation;
use switchyard_core::sim::actor::producer::example_routing_key;
use switchyard_core::sim::scenario::ProducerSpec;
use switchyard_core::{
    BindingDecl, Broker, Destination, ExchangeDecl, ExchangeType, Publish, QueueDecl,
    RouteExplanation,
};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::route_view::RouteView;
use crate::state::AppContext;

const EXCHANGE: &str = "topic_logs";
const BINDINGS: [(&str, &str); 3] = [("Q1", "*.orange.*"), ("Q2", "*.*.rabbit"), ("Q2", "lazy.#")];

/// The tutorial topology, built through the same calls a definitions file uses.
pub fn tutorial_broker() -> Result<Broker, String> {
    let mut broker = Broker::default();
    let vhost = switchyard_core::DEFAULT_VHOST;
    let fail = |e: switchyard_core::BrokerError| e.reply_text();
    broker
        .declare_exchange(vhost, ExchangeDecl::new(EXCHANGE, ExchangeType::Topic))
        .map_err(fail)?;
    for (queue, key) in BINDINGS {
        broker
            .declare_queue(vhost, QueueDecl::new(queue))
            .map_err(fail)?;
        let binding = BindingDecl {
            source: EXCHANGE.into(),
            destination: Destination::Queue(queue.into()),
            routing_key: key.into(),
            arguments: Default::default(),
        };
        broker.bind(vhost, binding).map_err(fail)?;
    }
    Ok(broker)
}

/// Why a message published to `exchange` in `vhost` with `routing_key` goes where it goes, or
/// the error a real broker would give.
pub fn explain(
    broker: &Broker,
    vhost: &str,
    exchange: &str,
    routing_key: &str,
) -> Result<RouteExplanation, String> {
    broker
        .explain(vhost, &Publish::new(exchange, routing_key))
        .map_err(|error| format!("The broker refuses this publish: {}", error.reply_text()))
}

/// An exchange one can publish to: its vhost and name.
#[derive(Debug, Clone, PartialEq)]
struct Target {
    vhost: String,
    exchange: String,
}

impl Target {
    fn label(&self, vhosts: usize) -> String {
        let name = if self.exchange.is_empty() {
            "(AMQP default)"
        } else {
            &self.exchange
        };
        if vhosts > 1 {
            format!("{} / {name}", self.vhost)
        } else {
            name.to_owned()
        }
    }
}

/// The exchanges of `broker` a client may publish to (not internal ones), the default exchange
/// first in each vhost, the broker's own `amq.*` ones left out unless a producer uses them.
fn targets(broker: &Broker, producers: &[ProducerSpec]) -> Vec<Target> {
    let used = |vhost: &str, name: &str| {
        (producers.iter()).any(|p| p.vhost == vhost && p.exchange == name)
    };
    let mut out = Vec::new();
    for topology in broker.vhosts() {
        let vhost = topology.vhost.as_str();
        let mut names: Vec<&str> = (topology.exchanges())
            .filter(|x| !x.decl.internal)
            .map(|x| x.decl.name.as_str())
            .filter(|n| !n.starts_with("amq.") || used(vhost, n))
            .collect();
        names.retain(|n| !n.is_empty());
        out.push(Target {
            vhost: vhost.to_owned(),
            exchange: String::new(),
        });
        out.extend(names.into_iter().map(|n| Target {
            vhost: vhost.to_owned(),
            exchange: n.to_owned(),
        }));
    }
    out
}

/// What to start with: the first producer's exchange and a key it would draw (each choice
/// taking its first value), else the first exchange declared, with an empty key.
fn first_guess(targets: &[Target], producers: &[ProducerSpec]) -> Option<(Target, String)> {
    for p in producers {
        let target = Target {
            vhost: p.vhost.clone(),
            exchange: p.exchange.clone(),
        };
        if targets.contains(&target) {
            return Some((target, example_routing_key(p)));
        }
    }
    let named = targets.iter().find(|t| !t.exchange.is_empty());
    named
        .or(targets.first())
        .map(|t| (t.clone(), String::new()))
}

#[component]
pub fn Explorer() -> Html {
    let ctx = use_context::<AppContext>();
    let tutorial = use_memo((), |_| tutorial_broker());
    // What the user picked and typed; `None` follows the scenario's first guess.
    let picked = use_state(|| None::<Target>);
    let typed = use_state(|| None::<String>);
    let sim_ref = ctx.as_ref().and_then(|c| c.sim.clone());
    let sim = sim_ref.as_ref().and_then(|s| s.get());
    let view = match sim.as_deref() {
        Some(sim) => scenario_view(sim, &picked, &typed),
        None => tutorial_view(&tutorial, &typed),
    };
    html! {
        <section class="explorer" aria-labelledby="explorer-title">
            <h2 id="explorer-title">{ "Where does this message go?" }</h2>
            { view }
        </section>
    }
}

/// The picker and the explanation for the scenario running now.
fn scenario_view(
    sim: &Simulation,
    picked: &UseStateHandle<Option<Target>>,
    typed: &UseStateHandle<Option<String>>,
) -> Html {
    let broker = sim.broker();
    let producers = &sim.scenario().producers;
    let targets = targets(broker, producers);
    let Some((guess, guessed_key)) = first_guess(&targets, producers) else {
        return html! { <p class="muted">{ "This scenario declares no exchange." }</p> };
    };
    let target = (**picked)
        .clone()
        .filter(|t| targets.contains(t))
        .unwrap_or(guess);
    let key = (**typed).clone().unwrap_or(guessed_key);
    let vhosts = broker.vhosts().count();
    let onchange = {
        let (picked, targets) = (picked.clone(), targets.clone());
        Callback::from(move |e: Event| {
            let Some(select) = e.target_dyn_into::<HtmlSelectElement>() else {
                return;
            };
            let index = select.value().parse::<usize>().ok();
            picked.set(index.and_then(|i| targets.get(i).cloned()));
        })
    };
    let explained = explain(broker, &target.vhost, &target.exchange, &key).map(Rc::new);
    html! {
        <>
            <p class="hint">{ "A message published now, explained against the topology as it is at this moment." }</p>
            <div class="explorer-inputs">
                <label class="exchange">
                    { "Exchange " }
                    <select id="explorer-exchange" {onchange}>
                        { for targets.iter().enumerate().map(|(i, t)| html! {
                            <option value={i.to_string()} selected={*t == target}>{ t.label(vhosts) }</option>
                        }) }
                    </select>
                </label>
                { key_input(&key, typed) }
            </div>
            { explanation(explained) }
        </>
    }
}

/// Until a scenario runs: RabbitMQ's tutorial 5.
fn tutorial_view(
    tutorial: &Result<Broker, String>,
    typed: &UseStateHandle<Option<String>>,
) -> Html {
    let key = (**typed)
        .clone()
        .unwrap_or_else(|| "quick.orange.rabbit".to_owned());
    let explained = match tutorial {
        Ok(broker) => explain(broker, switchyard_core::DEFAULT_VHOST, EXCHANGE, &key).map(Rc::new),
        Err(error) => Err(format!("Could not build the tutorial topology: {error}")),
    };
    html! {
        <>
            <p class="hint">
                { "Exchange " }<code>{ EXCHANGE }</code>{ " (topic) from RabbitMQ's tutorial 5: " }
                { for BINDINGS.iter().map(|(q, k)| html! { <span class="binding"><code>{ *k }</code>{ " → " }{ *q }</span> }) }
            </p>
            { key_input(&key, typed) }
            { explanation(explained) }
        </>
    }
}

fn key_input(key: &str, typed: &UseStateHandle<Option<String>>) -> Html {
    let oninput = {
        let typed = typed.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                typed.set(Some(input.value()));
            }
        })
    };
    html! {
        <label class="key">
            { "Routing key " }
            <input id="routing-key" type="text" value={key.to_owned()} {oninput} spellcheck="false" />
        </label>
    }
}

fn explanation(explained: Result<Rc<RouteExplanation>, String>) -> Html {
    match explained {
        Ok(explanation) => html! {
            <>
                <RouteView explanation={explanation.clone()} />
                <details class="as-text">
                    <summary>{ "As text (what `switchyard explain` prints)" }</summary>
                    <pre class="explanation" id="explanation">{ explanation.to_string() }</pre>
                </details>
            </>
        },
        Err(error) => html! { <p class="error" role="alert" id="explanation">{ error }</p> },
    }
}
