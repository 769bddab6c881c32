//! "Where does this message go?": pick an exchange of the scenario running now (or of a loaded
//! definitions export), type a routing key and, if you like, headers (a JSON object: what a
//! headers exchange matches, and `CC` / `BCC` for more routing keys), and the core explains
//! where a message published now would go, against the topology as it is at this moment. Until
//! a scenario runs, RabbitMQ's tutorial 5 topology (a topic exchange with `*.orange.*`,
//! `*.*.rabbit` and `lazy.#`) stands in. The explanation comes from the core; the app only
//! draws it (and shows the core's text).

use std::rc::Rc;

use switchyard_core::shown::visible;
use switchyard_core::sim::Simulation;
use switchyard_core::sim::actor::producer::{example_headers, example_routing_key};
use switchyard_core::sim::flow::Style;
use switchyard_core::sim::scenario::ProducerSpec;
use switchyard_core::{
    BindingDecl, Broker, Destination, ExchangeDecl, ExchangeType, Publish, QueueDecl,
    RouteExplanation, Table,
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

/// Why a message published to `exchange` in `vhost` with `routing_key` and `headers` (and
/// `mandatory`: returned, not dropped, when unroutable) goes where it goes, or the error a real
/// broker would give.
pub fn explain(
    broker: &Broker,
    vhost: &str,
    exchange: &str,
    routing_key: &str,
    headers: Table,
    mandatory: bool,
) -> Result<RouteExplanation, String> {
    let mut publish = Publish::new(exchange, routing_key).with_headers(headers);
    publish.mandatory = mandatory;
    broker
        .explain(vhost, &publish)
        .map_err(|error| format!("The broker refuses this publish: {}", error.reply_text()))
}

/// The headers typed: a JSON object (empty text: no headers), or a message naming what is wrong.
pub fn parse_headers(text: &str) -> Result<Table, String> {
    const EXAMPLE: &str = r#"{"format": "pdf", "CC": ["audit"]}"#;
    let text = text.trim();
    if text.is_empty() {
        return Ok(Table::new());
    }
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!("Headers: this is not JSON ({e}). Write an object, such as {EXAMPLE}.")
    })?;
    if !json.is_object() {
        return Err(format!(
            "Headers: expected a JSON object, such as {EXAMPLE}."
        ));
    }
    Table::from_json(&json).map_err(|e| format!("Headers: {e}."))
}

/// A table as the headers input shows it (empty: no headers).
fn headers_text(table: &Table) -> String {
    if table.is_empty() {
        return String::new();
    }
    serde_json::to_string(&table.to_json()).unwrap_or_default()
}

/// An exchange one can publish to: its vhost and name.
#[derive(Debug, Clone, PartialEq)]
struct Target {
    vhost: String,
    exchange: String,
}

impl Target {
    fn label(&self) -> String {
        if self.exchange.is_empty() {
            "(AMQP default)".to_owned()
        } else {
            visible(&self.exchange).into_owned()
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

/// The exchanges of the picked one's vhost to pick from (each option's value is its index in
/// `targets`).
fn exchange_options(targets: &[Target], picked: &Target) -> Html {
    (targets.iter().enumerate())
        .filter(|(_, t)| t.vhost == picked.vhost)
        .map(|(i, t)| {
            html! { <option value={i.to_string()} selected={t == picked}>{ t.label() }</option> }
        })
        .collect()
}

/// A choice of vhost when the targets span several (as the management UI has one); picking one
/// picks its first exchange declared, else its default exchange.
fn vhost_picker(
    targets: &[Target],
    picked: &Target,
    state: &UseStateHandle<Option<Target>>,
) -> Html {
    let mut vhosts: Vec<&str> = targets.iter().map(|t| t.vhost.as_str()).collect();
    vhosts.dedup();
    if vhosts.len() < 2 {
        return html! {};
    }
    let onchange = {
        let (state, targets) = (state.clone(), targets.to_vec());
        Callback::from(move |e: Event| {
            let Some(select) = e.target_dyn_into::<HtmlSelectElement>() else {
                return;
            };
            let vhost = select.value();
            let mut in_vhost = targets.iter().filter(|t| t.vhost == vhost);
            let first = in_vhost.clone().find(|t| !t.exchange.is_empty());
            state.set(first.or_else(|| in_vhost.next()).cloned());
        })
    };
    html! {
        <label class="vhost">
            { "Vhost " }
            <select id="explorer-vhost" {onchange}>
                { for vhosts.iter().map(|v| html! {
                    <option value={v.to_string()} selected={*v == picked.vhost}>{ visible(v).into_owned() }</option>
                }) }
            </select>
        </label>
    }
}

/// What to start with: the first producer's exchange, else the first exchange declared.
fn first_target(targets: &[Target], producers: &[ProducerSpec]) -> Option<Target> {
    let of_producer = producers
        .iter()
        .map(target_of)
        .find(|t| targets.contains(t));
    let named = || targets.iter().find(|t| !t.exchange.is_empty());
    of_producer.or_else(|| named().or(targets.first()).cloned())
}

fn target_of(p: &ProducerSpec) -> Target {
    Target {
        vhost: p.vhost.clone(),
        exchange: p.exchange.clone(),
    }
}

/// A message to try on `target`: the key and headers the first producer publishing there would
/// draw (each choice taking its first value). Without a key from a producer (none publishes
/// there, or a flow's service, which gives each event its own key), the exchange's first
/// binding key with no wildcard, so that the example goes somewhere.
fn example_for(broker: &Broker, target: &Target, producers: &[ProducerSpec]) -> (String, String) {
    let (key, headers) = producers
        .iter()
        .find(|p| target_of(p) == *target)
        .map(|p| (example_routing_key(p), headers_text(&example_headers(p))))
        .unwrap_or_default();
    if !key.is_empty() {
        return (key, headers);
    }
    let exchange = broker.topology(&target.vhost).ok();
    let exchange = exchange.and_then(|t| t.exchange(&target.exchange));
    let plain = |k: &&String| !k.is_empty() && !k.split('.').any(|w| w == "*" || w == "#");
    let bound = exchange.and_then(|x| x.bindings().map(|(_, b)| &b.key).find(plain).cloned());
    (bound.unwrap_or(key), headers)
}

#[component]
pub fn Explorer() -> Html {
    let ctx = use_context::<AppContext>();
    let tutorial = use_memo((), |_| tutorial_broker());
    // What the user picked and typed; `None` follows the scenario's first guess.
    let picked = use_state(|| None::<Target>);
    let typed = Typed {
        key: use_state(|| None),
        headers: use_state(|| None),
        mandatory: use_state(|| false),
    };
    let sim_ref = ctx.as_ref().and_then(|c| c.sim.clone());
    let sim = sim_ref.as_ref().and_then(|s| s.get());
    let view = match (sim.as_deref(), &ctx) {
        (Some(sim), Some(ctx)) => scenario_view(ctx, sim, &picked, &typed),
        _ => tutorial_view(&tutorial, &typed),
    };
    html! {
        <section class="explorer" aria-labelledby="explorer-title">
            <h2 id="explorer-title">{ "Where does this message go?" }</h2>
            { view }
        </section>
    }
}

/// What the user typed; `None` takes the example for the exchange picked.
#[derive(Clone)]
struct Typed {
    key: UseStateHandle<Option<String>>,
    headers: UseStateHandle<Option<String>>,
    mandatory: UseStateHandle<bool>,
}

impl Typed {
    /// The key and headers text to use: what was typed, else `example`.
    fn or(&self, example: (String, String)) -> (String, String) {
        let key = (*self.key).clone().unwrap_or(example.0);
        let headers = (*self.headers).clone().unwrap_or(example.1);
        (key, headers)
    }

    /// The explanation of `key` with the `headers` text and the mandatory flag, on `exchange`.
    fn explain(
        &self,
        broker: &Broker,
        vhost: &str,
        exchange: &str,
        (key, headers): &(String, String),
    ) -> Result<Rc<RouteExplanation>, String> {
        let table = parse_headers(headers)?;
        explain(broker, vhost, exchange, key, table, *self.mandatory).map(Rc::new)
    }
}

/// The picker and the explanation for the scenario running now, and the button that publishes
/// the message.
fn scenario_view(
    state: &AppContext,
    sim: &Simulation,
    picked: &UseStateHandle<Option<Target>>,
    typed: &Typed,
) -> Html {
    let orchestrated = sim.flow().is_some_and(|f| f.style == Style::Orchestration);
    if orchestrated && sim.world().queue_ids().next().is_none() {
        return html! {
            <p class="muted" id="explorer-no-broker">
                { "No exchange or queue to route through: in orchestration the services call \
                   each other directly. Switch to Choreography to see the flow's events routed." }
            </p>
        };
    }
    let broker = sim.broker();
    let producers = &sim.scenario().producers;
    let targets = targets(broker, producers);
    let Some(guess) = first_target(&targets, producers) else {
        return html! { <p class="muted">{ "This scenario declares no exchange." }</p> };
    };
    let target = (**picked)
        .clone()
        .filter(|t| targets.contains(t))
        .unwrap_or(guess);
    let message = typed.or(example_for(broker, &target, producers));
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
    let explained = typed.explain(broker, &target.vhost, &target.exchange, &message);
    let publisher = producers.iter().find(|p| target_of(p) == target);
    let publish = publish_button(state, publisher, &target, &message, typed.headers.is_some());
    let (key, headers) = message;
    html! {
        <>
            <p class="hint">{ "A message published now, explained against the topology as it is at this moment." }</p>
            <div class="explorer-inputs">
                { vhost_picker(&targets, &target, picked) }
                <label class="exchange">
                    { "Exchange " }
                    <select id="explorer-exchange" {onchange}>{ exchange_options(&targets, &target) }</select>
                </label>
                { key_input(&key, &typed.key) }
            </div>
            { headers_input(&headers, typed) }
            { explanation(explained) }
            { publish }
        </>
    }
}

/// "Publish it": at the view's moment, one message more from the scenario's producer on this
/// exchange, with the key typed (its headers are the producer's); where no producer publishes
/// there, a plain message with the key and headers typed (a definitions export has no
/// producer). Made as the inspector's changes are: it stays in the session and the share link,
/// and going back before it undoes it.
fn publish_button(
    state: &AppContext,
    producer: Option<&ProducerSpec>,
    target: &Target,
    (key, headers): &(String, String),
    headers_typed: bool,
) -> Html {
    let onclick = {
        let (state, target) = (state.clone(), target.clone());
        let (key, headers) = (key.clone(), headers.clone());
        let name = producer.map(|p| p.name.clone());
        Callback::from(move |_: MouseEvent| {
            crate::service_controls::change(&state, |sim| {
                let table = parse_headers(&headers)
                    .map_err(|e| format!("the message was not sent: {e}"))?;
                let sent = match &name {
                    // The headers typed, if any, instead of those the producer draws.
                    Some(name) => {
                        let table = headers_typed.then_some(table);
                        sim.inject_publish(name, &key, table)
                    }
                    None => sim.inject_send(&target.vhost, &target.exchange, &key, table),
                };
                sent.map_err(|e| e.to_string())
            });
        })
    };
    let what = match producer {
        Some(p) => {
            let headers = if headers_typed {
                ", with the headers typed"
            } else if p.headers.is_empty() {
                ""
            } else {
                ", with the headers it draws"
            };
            html! {
                <>{ "One message more from " }<code>{ p.name.clone() }</code>
                { format!(" with this key{headers}, now. Going back before it undoes it.") }</>
            }
        }
        None => html! {
            { "No producer of this scenario publishes here: a plain message (default properties) \
               with this key and these headers, now. Going back before it undoes it." }
        },
    };
    html! {
        <div class="explorer-publish">
            <button type="button" id="explorer-publish" {onclick}>{ "Publish it" }</button>
            <span class="muted">{ what }</span>
        </div>
    }
}

/// Until a scenario runs: RabbitMQ's tutorial 5.
fn tutorial_view(tutorial: &Result<Broker, String>, typed: &Typed) -> Html {
    let message = typed.or(("quick.orange.rabbit".to_owned(), String::new()));
    let explained = match tutorial {
        Ok(broker) => typed.explain(broker, switchyard_core::DEFAULT_VHOST, EXCHANGE, &message),
        Err(error) => Err(format!("Could not build the tutorial topology: {error}")),
    };
    let (key, headers) = message;
    html! {
        <>
            <p class="hint">
                { "Exchange " }<code>{ EXCHANGE }</code>{ " (topic) from RabbitMQ's tutorial 5: " }
                { for BINDINGS.iter().map(|(q, k)| html! { <span class="binding"><code>{ *k }</code>{ " → " }{ *q }</span> }) }
            </p>
            { key_input(&key, &typed.key) }
            { headers_input(&headers, typed) }
            { explanation(explained) }
        </>
    }
}

fn key_input(key: &str, typed: &UseStateHandle<Option<String>>) -> Html {
    html! {
        <label class="key">
            { "Routing key " }
            <input id="routing-key" type="text" value={key.to_owned()} oninput={typing(typed)}
                spellcheck="false" />
        </label>
    }
}

/// The headers typed and the mandatory flag.
fn headers_input(headers: &str, typed: &Typed) -> Html {
    let onchange = {
        let mandatory = typed.mandatory.clone();
        Callback::from(move |e: Event| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                mandatory.set(input.checked());
            }
        })
    };
    html! {
        <div class="explorer-inputs">
            <label class="headers">
                { "Headers " }<span class="muted">{ "(JSON; CC and BCC add routing keys)" }</span>
                <input id="explorer-headers" type="text" value={headers.to_owned()}
                    oninput={typing(&typed.headers)} spellcheck="false" autocomplete="off"
                    placeholder={r#"{"format": "pdf", "CC": ["audit"]}"#} />
            </label>
            <label class="mandatory" title="An unroutable mandatory message is returned to the publisher (basic.return 312 NO_ROUTE) instead of dropped">
                <input id="explorer-mandatory" type="checkbox" checked={*typed.mandatory} {onchange} />
                { " mandatory" }
            </label>
        </div>
    }
}

/// Keeps what is typed into an input in `typed`.
fn typing(typed: &UseStateHandle<Option<String>>) -> Callback<InputEvent> {
    let typed = typed.clone();
    Callback::from(move |e: InputEvent| {
        if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
            typed.set(Some(input.value()));
        }
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_core::{DEFAULT_VHOST, Value};

    #[test]
    fn headers_are_a_json_object_or_nothing() {
        assert!(parse_headers("  ").unwrap().is_empty());
        let table = parse_headers(r#"{"format": "pdf", "n": 2, "CC": ["a.b"]}"#).unwrap();
        assert_eq!(table.get("format").and_then(Value::as_str), Some("pdf"));
        assert_eq!(table.get("n"), Some(&Value::Int(2)));
        assert!(matches!(table.get("CC"), Some(Value::Array(v)) if v.len() == 1));
        for (text, says) in [
            ("[1, 2]", "Headers: expected a JSON object"),
            ("\"pdf\"", "Headers: expected a JSON object"),
            (
                "{\"format\": pdf}",
                "Headers: this is not JSON (expected value at line 1",
            ),
        ] {
            let error = parse_headers(text).unwrap_err();
            assert!(error.starts_with(says), "{text}: {error}");
        }
    }

    #[test]
    fn cc_headers_add_routing_keys_to_the_tutorial() {
        let broker = tutorial_broker().unwrap();
        let queues = |key: &str, headers: &str| {
            let table = parse_headers(headers).unwrap();
            let e = explain(&broker, DEFAULT_VHOST, EXCHANGE, key, table, false).unwrap();
            e.queues().to_vec()
        };
        assert!(queues("quick.brown.fox", "").is_empty());
        assert_eq!(queues("quick.brown.fox", r#"{"CC": ["lazy.dog"]}"#), ["Q2"]);
        assert_eq!(
            queues("quick.brown.fox", r#"{"BCC": ["a.orange.b"]}"#),
            ["Q1"]
        );
    }

    #[test]
    fn a_headers_exchange_is_explained_with_the_headers_typed() {
        let text = include_str!("../scenarios/reference.json");
        let scenario = switchyard_core::sim::Scenario::from_json_text(text).unwrap();
        let options = switchyard_core::sim::Options::default();
        let sim = Simulation::new(scenario, options).unwrap();
        let producers = &sim.scenario().producers;
        let target = Target {
            vhost: DEFAULT_VHOST.into(),
            exchange: "match".into(),
        };
        assert!(targets(sim.broker(), producers).contains(&target));
        // The example is what the first producer to `match` would send.
        let (key, headers) = example_for(sim.broker(), &target, producers);
        assert_eq!(headers, r#"{"region":"eu","tier":"gold"}"#);
        let routed = |headers: &str| {
            let table = parse_headers(headers).unwrap();
            let e = explain(sim.broker(), DEFAULT_VHOST, "match", &key, table, false).unwrap();
            e.queues().len()
        };
        assert!(routed(&headers) > 0);
        assert_eq!(routed(""), 0, "no headers match no x-match binding");
    }

    #[test]
    fn a_flow_s_exchange_is_tried_with_a_key_it_is_bound_with() {
        let text = include_str!("../scenarios/payment-flow.json");
        let mut scenario = switchyard_core::sim::Scenario::from_json_text(text).unwrap();
        let flow = scenario.flow.as_mut().unwrap();
        flow.style = switchyard_core::sim::flow::Style::Choreography;
        let options = switchyard_core::sim::Options::default();
        let sim = Simulation::new(scenario, options).unwrap();
        let producers = &sim.scenario().producers;
        let targets = targets(sim.broker(), producers);
        let target = first_target(&targets, producers).unwrap();
        // The service publishes each event with its own key: the example is a bound one.
        let (key, _) = example_for(sim.broker(), &target, producers);
        assert!(!key.is_empty());
        let table = parse_headers("").unwrap();
        let e = explain(
            sim.broker(),
            &target.vhost,
            &target.exchange,
            &key,
            table,
            false,
        );
        assert!(!e.unwrap().queues().is_empty(), "{key} routes");
    }
}
