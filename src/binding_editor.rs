//! Editing an exchange's bindings while the scenario runs: in the inspector's exchange view, a
//! form binds a queue with a key (or, on a headers exchange, with header arguments such as
//! `x-match=any, format=pdf`), declaring the queue first if the vhost has none of that name, or
//! binds another exchange of the vhost (an exchange-to-exchange binding), and another form
//! removes a binding. Each change is a `declare` or an
//! `unbind` injected at the view's moment through the core's definitions import, so the next
//! messages route by it, stepping back before it undoes it, and RabbitMQ's rules apply (an
//! export of the topology afterwards has it). Draws and forwards only.

use switchyard_core::ExchangeType;
use switchyard_core::definitions::Definitions;
use switchyard_core::sim::scenario::Action as Step;
use switchyard_core::sim::{NodeId, Simulation};
use switchyard_core::topology::{BindingDecl, Destination, ExchangeDecl, QueueDecl};
use switchyard_core::value::{Table, Value};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::service_controls::{change, kept, kept_choice, kept_tick, use_editing};
use crate::state::AppContext;

/// The most queues the name field offers and bindings the unbind list holds: a select of a big
/// export's thousands would be re-rendered with the panel a few times a second.
const OFFERED: usize = 300;

/// The longest routing or binding key AMQP carries (a short string).
pub const MAX_KEY_BYTES: usize = 255;

/// The arguments of a headers binding written as `name=value` pairs separated by commas
/// (`x-match=any, format=pdf`); every value is a string, as the management UI sends them.
/// Errors name the pair that is wrong.
pub fn header_arguments(text: &str) -> Result<Table, String> {
    let mut table = Table::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((name, value)) = pair.split_once('=') else {
            return Err(format!("`{pair}`: expected name=value"));
        };
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() {
            return Err(format!("`{pair}`: the header's name is empty"));
        }
        if name == "x-match" && !["all", "any", "all-with-x", "any-with-x"].contains(&value) {
            return Err(format!(
                "`{pair}`: x-match is all, any, all-with-x or any-with-x"
            ));
        }
        table.insert(name, Value::Str(value.to_owned()));
    }
    Ok(table)
}

/// A queue name the user may bind or declare: not empty (a server-named queue belongs to a
/// connection), not reserved (`amq.`), at most 255 bytes.
pub fn queue_name(name: &str) -> Result<(), String> {
    named(name, "queue")
}

/// An exchange to bind to: one the vhost has, not the default exchange (RabbitMQ refuses to
/// bind to or from it).
pub fn exchange_name(name: &str, known: &[String]) -> Result<(), String> {
    if name.is_empty() {
        Err("name the exchange (the default exchange cannot be bound)".to_owned())
    } else if !known.iter().any(|x| x == name) {
        Err(format!(
            "`{name}` is not an exchange of this vhost (a new name declares a queue, not an \
             exchange)"
        ))
    } else {
        Ok(())
    }
}

/// A name that is given, not reserved (`amq.`), at most 255 bytes.
fn named(name: &str, what: &str) -> Result<(), String> {
    if name.is_empty() {
        Err(format!("name the {what}"))
    } else if name.starts_with("amq.") {
        Err(format!(
            "`{name}`: names starting with amq. are reserved for the broker"
        ))
    } else if name.len() > MAX_KEY_BYTES {
        Err(format!("a {what} name is at most {MAX_KEY_BYTES} bytes"))
    } else {
        Ok(())
    }
}

/// The fragment declaring a new exchange `name` of `kind` in `vhost` (durable, as the
/// management UI's default), bound from `source` with `key` when one is given. The name is
/// checked as a queue's is, and must be new to the vhost.
pub fn new_exchange(
    vhost: &str,
    (name, kind): (&str, ExchangeType),
    source: Option<(&str, String)>,
    known: &[String],
) -> Result<Definitions, String> {
    named(name, "exchange")?;
    if known.iter().any(|x| x == name) {
        return Err(format!("`{name}` is an exchange of this vhost already"));
    }
    let mut definitions = Definitions {
        vhosts: vec![vhost.to_owned()],
        exchanges: vec![(vhost.to_owned(), ExchangeDecl::new(name, kind))],
        ..Definitions::default()
    };
    if let Some((source, key)) = source {
        if key.len() > MAX_KEY_BYTES {
            return Err(format!("a binding key is at most {MAX_KEY_BYTES} bytes"));
        }
        definitions.bindings.push((
            vhost.to_owned(),
            BindingDecl {
                source: source.to_owned(),
                destination: Destination::Exchange(name.to_owned()),
                routing_key: key,
                arguments: Table::new(),
            },
        ));
    }
    Ok(definitions)
}

/// The one-binding definitions fragment a `declare` or `unbind` step carries.
pub fn fragment(vhost: &str, binding: BindingDecl) -> Definitions {
    Definitions {
        vhosts: vec![vhost.to_owned()],
        bindings: vec![(vhost.to_owned(), binding)],
        ..Definitions::default()
    }
}

/// Binds or unbinds at the view's moment; a refusal is named in the banner.
fn apply(state: &AppContext, step: Step) {
    change(state, |sim: &mut Simulation| {
        sim.inject_topology(step).map_err(|e| e.to_string())
    });
}

#[derive(Properties, PartialEq)]
pub struct BindingEditorProps {
    /// The exchange.
    pub node: NodeId,
}

#[component]
pub fn BindingEditor(props: &BindingEditorProps) -> Html {
    let queue_ref = use_node_ref();
    let key_ref = use_node_ref();
    let unbind_ref = use_node_ref();
    let (new_name_ref, new_type_ref, new_key_ref, new_bound_ref) = (
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    );
    // Whether the form binds an exchange rather than a queue.
    let to_exchange = use_state(|| false);
    let Some((state, sim, vhost, name)) = use_editing(props.node) else {
        return html! {};
    };
    let Some(sim) = sim.get() else {
        return html! {};
    };
    let Some(topology) = sim.broker().topology(&vhost).ok() else {
        return html! {};
    };
    // The default exchange's bindings are implicit: RabbitMQ refuses to change them.
    let Some(exchange) = topology.exchange(&name).filter(|_| !name.is_empty()) else {
        return html! {};
    };
    let headers = exchange.kind() == ExchangeType::Headers;
    let fanout = exchange.kind() == ExchangeType::Fanout;
    let mut queues: Vec<String> = topology.queues().map(|q| q.name.clone()).collect();
    switchyard_core::order::sort_by(&mut queues, Ord::cmp);
    // The scenario's own exchanges first (this one last of them), then the broker's `amq.` ones.
    let mut exchanges: Vec<String> = (topology.exchanges())
        .map(|x| x.name().to_owned())
        .filter(|x| !x.is_empty())
        .collect();
    let rank = |x: &String| (x.starts_with("amq."), *x == name);
    switchyard_core::order::sort_by(&mut exchanges, |a, b| {
        rank(a).cmp(&rank(b)).then_with(|| a.cmp(b))
    });
    // A big export's thousands: the lists offer the first few hundred (any name can be typed).
    let total_bindings = exchange.binding_count();
    let bindings: Vec<BindingDecl> = (exchange.bindings())
        .take(OFFERED)
        .map(|(_, b)| BindingDecl {
            source: name.clone(),
            destination: b.destination.clone(),
            routing_key: b.key.clone(),
            arguments: b.arguments.clone(),
        })
        .collect();
    let bind = {
        let (state, vhost, name) = (state.clone(), vhost.clone(), name.clone());
        let (queue_ref, key_ref) = (queue_ref.clone(), key_ref.clone());
        let (known, known_exchanges) = (queues.clone(), exchanges.clone());
        let to_exchange = *to_exchange;
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let queue = queue_ref.cast::<HtmlInputElement>().map(|i| i.value());
            let text = key_ref.cast::<HtmlInputElement>().map(|i| i.value());
            let (Some(queue), Some(text)) = (queue, text) else {
                return;
            };
            let queue = queue.trim().to_owned();
            let named = if to_exchange {
                exchange_name(&queue, &known_exchanges)
            } else {
                queue_name(&queue)
            };
            if let Err(why) = named {
                return said(&state, why);
            }
            let (routing_key, arguments) = if headers {
                match header_arguments(&text) {
                    Ok(table) => (String::new(), table),
                    Err(why) => return said(&state, why),
                }
            } else if text.len() > MAX_KEY_BYTES {
                return said(
                    &state,
                    format!("a binding key is at most {MAX_KEY_BYTES} bytes"),
                );
            } else {
                (text, Table::new())
            };
            let new_queue = !to_exchange && !known.contains(&queue);
            let destination = if to_exchange {
                Destination::Exchange(queue.clone())
            } else {
                Destination::Queue(queue.clone())
            };
            let binding = BindingDecl {
                source: name.clone(),
                destination,
                routing_key,
                arguments,
            };
            let mut definitions = fragment(&vhost, binding);
            if new_queue {
                // A name the vhost does not have is a new durable queue, declared with it.
                definitions
                    .queues
                    .push((vhost.clone(), QueueDecl::new(queue)));
            }
            apply(&state, Step::Declare { definitions });
        })
    };
    let unbind = {
        let (state, vhost, unbind_ref) = (state.clone(), vhost.clone(), unbind_ref.clone());
        let bindings = bindings.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let chosen = unbind_ref.cast::<HtmlSelectElement>();
            let index = chosen.and_then(|s| s.value().parse::<usize>().ok());
            if let Some(binding) = index.and_then(|i| bindings.get(i)) {
                apply(
                    &state,
                    Step::Unbind {
                        definitions: fragment(&vhost, binding.clone()),
                    },
                );
            }
        })
    };
    let add_exchange = {
        let (state, vhost, name, known) = (
            state.clone(),
            vhost.clone(),
            name.clone(),
            exchanges.clone(),
        );
        let refs = (
            new_name_ref.clone(),
            new_type_ref.clone(),
            new_key_ref.clone(),
        );
        let bound_ref = new_bound_ref.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let text = |r: &NodeRef| {
                r.cast::<HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default()
            };
            let new = text(&refs.0).trim().to_owned();
            let kind = (refs.1.cast::<HtmlSelectElement>())
                .and_then(|s| crate::exchange_type::parse(&s.value()))
                .unwrap_or(ExchangeType::Topic);
            let bound = bound_ref
                .cast::<HtmlInputElement>()
                .is_some_and(|i| i.checked());
            let source = bound.then(|| (name.as_str(), text(&refs.2)));
            match new_exchange(&vhost, (&new, kind), source, &known) {
                Ok(definitions) => apply(&state, Step::Declare { definitions }),
                Err(why) => said(&state, why),
            }
        })
    };
    let delete = {
        let step = Step::DeleteExchange {
            vhost: vhost.clone(),
            exchange: name.clone(),
        };
        let state = state.clone();
        Callback::from(move |_: MouseEvent| apply(&state, step.clone()))
    };
    let builtin = name.starts_with("amq.");
    let new_type = kept_choice(&new_type_ref, ExchangeType::Topic.name());
    let (label, placeholder) = if headers {
        ("with headers", "x-match=any, format=pdf")
    } else if fanout {
        ("with key", "(a fanout ignores it)")
    } else {
        ("with key", "order.*.created")
    };
    let kind = {
        let (to_exchange, queue_ref) = (to_exchange.clone(), queue_ref.clone());
        let first = |names: &[String]| names.first().cloned().unwrap_or_default();
        let (first_queue, first_exchange) = (first(&queues), first(&exchanges));
        Callback::from(move |e: Event| {
            let chosen = e.target_dyn_into::<HtmlSelectElement>().map(|s| s.value());
            let exchange = chosen.as_deref() == Some("exchange");
            to_exchange.set(exchange);
            // The name field offers the first of the other list (it keeps what is typed
            // otherwise).
            if let Some(input) = queue_ref.cast::<HtmlInputElement>() {
                input.set_value(if exchange {
                    &first_exchange
                } else {
                    &first_queue
                });
            }
        })
    };
    let (names, title) = if *to_exchange {
        (
            &exchanges,
            "An exchange of this vhost: messages routed here go on to it",
        )
    } else {
        (
            &queues,
            "A queue of this vhost, or a new name to declare a new queue",
        )
    };
    html! {
        <div class="binding-editor">
            <form class="bind-form" id="bind-form" onsubmit={bind}>
                <label>{ "Bind " }
                    <select id="bind-kind" onchange={kind} aria-label="What to bind">
                        <option value="queue" selected={!*to_exchange}>{ "queue" }</option>
                        <option value="exchange" selected={*to_exchange}>{ "exchange" }</option>
                    </select>
                    { " " }
                    <input id="bind-queue" type="text" list="bind-queues" ref={queue_ref.clone()}
                           value={kept(&queue_ref, names.first().cloned().unwrap_or_default())} {title}
                           spellcheck="false" autocomplete="off" />
                    <datalist id="bind-queues">
                        { for names.iter().take(OFFERED).map(|q| html! { <option value={q.clone()} /> }) }
                    </datalist>
                </label>
                <label>{ label }{ " " }
                    <input id="bind-key" type="text" ref={key_ref} {placeholder} spellcheck="false"
                           autocomplete="off" />
                </label>
                <button type="submit">{ "Bind" }</button>
            </form>
            if !bindings.is_empty() {
                <form class="bind-form" id="unbind-form" onsubmit={unbind}>
                    <label>{ "Unbind " }
                        <select id="unbind-binding" ref={unbind_ref}>
                            { for bindings.iter().enumerate().map(|(i, b)| html! {
                                <option value={i.to_string()}>{ described(b) }</option>
                            }) }
                        </select>
                    </label>
                    <button type="submit">{ "Unbind" }</button>
                    if total_bindings > OFFERED {
                        <span class="muted">{ format!("(the first {OFFERED} of {total_bindings})") }</span>
                    }
                </form>
            }
            <details class="add-actor" id="add-exchange">
                <summary>{ "Add an exchange" }</summary>
                <form class="bind-form" id="add-exchange-form" onsubmit={add_exchange}>
                    <label>{ "Name " }
                        <input id="new-exchange-name" type="text" ref={new_name_ref}
                               spellcheck="false" autocomplete="off" />
                    </label>
                    <label>{ "type " }
                        <select id="new-exchange-type" ref={new_type_ref.clone()}>
                            { for crate::exchange_type::TYPES.iter().map(|t| html! {
                                <option value={t.name()} selected={new_type == t.name()}>{ t.name() }</option>
                            }) }
                        </select>
                    </label>
                    <label title={ format!("An exchange-to-exchange binding: messages {name} routes with this key go on to the new exchange") }>
                        <input id="new-exchange-bound" type="checkbox" ref={new_bound_ref.clone()}
                               checked={kept_tick(&new_bound_ref, true)} />
                        { format!(" bound from {name} with key ") }
                        <input id="new-exchange-key" class="short" type="text" ref={new_key_ref.clone()} value={kept(&new_key_ref, "#")}
                               spellcheck="false" autocomplete="off" />
                    </label>
                    <button type="submit">{ "Add exchange" }</button>
                </form>
                <p class="muted">{ "Durable, as the management UI declares one; add a producer or bind queues to it next." }</p>
            </details>
            <p class="muted">{ "The next messages route by the new bindings; step back before a change to undo it." }</p>
            if !builtin {
                <button type="button" id="delete-exchange" class="danger" onclick={delete}
                    title="exchange.delete: its bindings go, both ways; publishing to it is then refused (a producer declares it again after a broker restart). Undo it under Changes made.">
                    { "Delete exchange" }
                </button>
            }
        </div>
    }
}

/// "orders.eu ← order.*.created" (a headers binding shows its arguments, as the stage does);
/// an exchange is named as one.
fn described(b: &BindingDecl) -> String {
    let label = crate::stage::layout::binding_label(&b.routing_key, &b.arguments);
    match &b.destination {
        Destination::Queue(q) => format!("{q} ← {label}"),
        Destination::Exchange(x) => format!("exchange {x} ← {label}"),
    }
}

fn said(state: &AppContext, why: String) {
    let text = format!("The binding was not added: {why}.");
    crate::session::notify(state, crate::state::Level::Error, text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_arguments_are_name_value_pairs_and_mistakes_are_named() {
        let table = header_arguments(" x-match=any, format = pdf ,type=report").expect("table");
        assert_eq!(table.get_str("x-match"), Some("any"));
        assert_eq!(table.get_str("format"), Some("pdf"));
        assert_eq!(table.get_str("type"), Some("report"));
        assert_eq!(header_arguments("").expect("empty").len(), 0);
        assert_eq!(
            header_arguments("format"),
            Err("`format`: expected name=value".to_owned())
        );
        assert_eq!(
            header_arguments("=pdf"),
            Err("`=pdf`: the header's name is empty".to_owned())
        );
        assert!(header_arguments("x-match=some").is_err());
    }

    #[test]
    fn a_queue_name_is_given_not_reserved_and_short() {
        assert_eq!(queue_name("audit"), Ok(()));
        assert_eq!(queue_name(""), Err("name the queue".to_owned()));
        assert!(queue_name("amq.gen-1").is_err_and(|e| e.contains("reserved")));
        assert!(queue_name(&"q".repeat(256)).is_err_and(|e| e.contains("255 bytes")));
    }

    #[test]
    fn an_exchange_bound_to_is_one_the_vhost_has() {
        let known = ["audit".to_owned(), "logs".to_owned()];
        assert_eq!(exchange_name("logs", &known), Ok(()));
        assert!(exchange_name("", &known).is_err_and(|e| e.contains("default exchange")));
        assert!(exchange_name("nope", &known).is_err_and(|e| e.contains("not an exchange")));
    }

    #[test]
    fn a_new_exchange_is_declared_and_bound_from_the_one_shown() {
        let known = ["logs".to_owned()];
        let topic = ExchangeType::Topic;
        let defs = new_exchange("/", ("audit", topic), Some(("logs", "#".into())), &known);
        let defs = defs.expect("declared");
        assert_eq!(defs.exchanges.len(), 1);
        assert_eq!(defs.exchanges[0].1.kind, topic);
        assert!(defs.exchanges[0].1.durable);
        let b = &defs.bindings[0].1;
        assert_eq!((b.source.as_str(), b.routing_key.as_str()), ("logs", "#"));
        assert_eq!(b.destination, Destination::Exchange("audit".into()));
        let alone = new_exchange("/", ("audit", topic), None, &known).expect("declared");
        assert!(alone.bindings.is_empty());
        let wrong = |name: &str| new_exchange("/", (name, topic), None, &known).expect_err(name);
        assert_eq!(wrong("logs"), "`logs` is an exchange of this vhost already");
        assert_eq!(wrong(""), "name the exchange");
        assert!(wrong("amq.x").contains("reserved"));
        let long = new_exchange("/", ("a", topic), Some(("logs", "k".repeat(256))), &known);
        assert_eq!(
            long.expect_err("long"),
            "a binding key is at most 255 bytes"
        );
    }
}
