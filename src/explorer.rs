//! Try a routing key: RabbitMQ's tutorial 5 topology (a topic exchange with `*.orange.*`,
//! `*.*.rabbit` and `lazy.#`) and the core's explanation of where a message with that key goes.
//! The explanation comes from the core; the app only draws it (and shows the core's text too).

use std::rc::Rc;

use switchyard_core::{
    BindingDecl, Broker, Destination, ExchangeDecl, ExchangeType, Publish, QueueDecl,
    RouteExplanation,
};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::route_view::RouteView;

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

/// Why a message with `routing_key` goes where it goes, or the error a real broker would give.
pub fn explain(broker: &Broker, routing_key: &str) -> Result<RouteExplanation, String> {
    let publish = Publish::new(EXCHANGE, routing_key);
    broker
        .explain(switchyard_core::DEFAULT_VHOST, &publish)
        .map_err(|error| format!("The broker refuses this publish: {}", error.reply_text()))
}

#[component]
pub fn Explorer() -> Html {
    let broker = use_memo((), |_| tutorial_broker());
    let key = use_state(|| "quick.orange.rabbit".to_owned());
    let oninput = {
        let key = key.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<HtmlInputElement>() {
                key.set(input.value());
            }
        })
    };
    let explained = match broker.as_ref() {
        Ok(broker) => explain(broker, &key).map(Rc::new),
        Err(error) => Err(format!("Could not build the tutorial topology: {error}")),
    };
    html! {
        <section class="explorer" aria-labelledby="explorer-title">
            <h2 id="explorer-title">{ "Where does this message go?" }</h2>
            <p class="hint">
                { "Exchange " }<code>{ EXCHANGE }</code>{ " (topic) from RabbitMQ's tutorial 5: " }
                { for BINDINGS.iter().map(|(q, k)| html! { <span class="binding"><code>{ *k }</code>{ " → " }{ *q }</span> }) }
            </p>
            <label class="key">
                { "Routing key " }
                <input id="routing-key" type="text" value={(*key).clone()} {oninput} spellcheck="false" />
            </label>
            { match &explained {
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
            } }
        </section>
    }
}
