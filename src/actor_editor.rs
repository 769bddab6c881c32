//! Adding a producer or a consumer while the scenario runs. In the inspector's queue view a
//! form adds a consumer of that queue (its name, prefetch, processing time, how often it fails
//! and what it does then); in an exchange's view a form adds a producer publishing to it (its
//! name, routing key, rate, and on a headers exchange its headers). Each is the core's
//! `add_consumer` or `add_producer` at the view's moment: the actor is drawn and works from
//! then, stepping back before it undoes it, and it is kept with the other changes (reload,
//! share links, saved files). The form writes the actor as a scenario file does and the core's
//! scenario reader checks it, so a form and a file refuse the same things. Draws and forwards
//! only.

use serde_json::{Value as Json, json};
use switchyard_core::ExchangeType;
use switchyard_core::decimal::short;
use switchyard_core::fields::FieldError;
use switchyard_core::sim::rng::Dist;
use switchyard_core::sim::scenario::actors::{consumer, producer, rate};
use switchyard_core::sim::scenario::{ConsumerSpec, ProducerSpec, Rate};
use switchyard_core::sim::{ConsumerId, NodeId, ProducerId, Simulation};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::binding_editor::{MAX_KEY_BYTES, header_arguments};
use crate::service_controls::{change, kept, kept_choice, use_editing};
use crate::state::{AppContext, Level};

/// What a consumer does with a delivery it fails to process, as the form offers it: the
/// scenario file's `on_failure` and the words shown.
pub const ON_FAILURE: [(&str, &str); 3] = [
    ("nack_requeue", "nack and requeue"),
    ("reject", "reject (dead-letter or drop)"),
    ("ack", "ack anyway"),
];

/// The most messages a second a producer added here publishes (the stress preset's pace).
pub const MAX_RATE: u32 = 10_000;

/// The first of `stem1`, `stem2`, … that no actor of the scenario and no node of its drawing is
/// named (`C3` when `C1` and `C2` are taken).
pub fn free_name(sim: &Simulation, stem: &str) -> String {
    let drawn = |name: &str| sim.world().nodes().iter().any(|n| n.name == name);
    (1..)
        .map(|n| format!("{stem}{n}"))
        .find(|name| taken(sim, name).is_none() && !drawn(name))
        .unwrap_or_else(|| stem.to_owned())
}

/// What already has the name `name` (an actor's name picks it out), in words; the core
/// refuses it too.
pub fn taken(sim: &Simulation, name: &str) -> Option<&'static str> {
    let scenario = sim.scenario();
    if scenario.consumers.iter().any(|c| c.name == name) {
        Some("a consumer")
    } else if scenario.producers.iter().any(|p| p.name == name) {
        Some("a producer")
    } else {
        None
    }
}

/// Adds the `what` (consumer, producer) named `name` the form describes at the view's moment
/// with `add`, or says in the banner why not (its name is taken, a field is wrong, the core
/// refuses it).
fn add<T>(
    state: &AppContext,
    (what, stem): (&str, &str),
    (name, field): (&str, &NodeRef),
    spec: Result<T, String>,
    add: fn(&mut Simulation, T) -> Result<(), FieldError>,
) {
    let sim = state.sim.as_ref().and_then(|s| s.get());
    let other = sim.and_then(|sim| taken(&sim, name.trim()));
    let spec = match other {
        Some(other) => Err(format!(
            "name: `{}` is already the name of {other}",
            name.trim()
        )),
        None => spec,
    };
    match spec {
        Err(why) => refused(state, what, &why, "added"),
        Ok(spec) => change(state, |sim: &mut Simulation| {
            add(sim, spec).map_err(|e| e.to_string())
        }),
    }
    // Added: the name field offers the next free name (what else was typed stays).
    let sim = state.sim.as_ref().and_then(|s| s.get());
    let next = sim.filter(|sim| taken(sim, name.trim()).is_some());
    if let (Some(sim), Some(input)) = (next, field.cast::<HtmlInputElement>()) {
        input.set_value(&free_name(&sim, stem));
    }
}

/// A number typed in `field`, from 0 to `max` (decimals allowed); the error names the field
/// and what was typed. Read by the JSON reader the app has already, and `max` is a whole
/// number: std's float parser and printer are not in the bundle (measured: 17 KB).
pub fn number(text: &str, field: &str, max: u32) -> Result<f64, String> {
    let text = text.trim();
    let value = serde_json::from_str::<Json>(text)
        .ok()
        .and_then(|j| j.as_f64());
    match value {
        Some(n) if (0.0..=f64::from(max)).contains(&n) => Ok(n),
        _ => Err(format!(
            "{field}: expected a number from 0 to {max}, not `{text}`"
        )),
    }
}

/// An actor's name is given (it picks the actor out in the changes listed and saved).
fn named(name: &str, what: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err(format!("name: give the {what} a name"));
    }
    Ok(())
}

/// What the consumer form asks for, as typed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConsumerForm {
    pub name: String,
    pub prefetch: String,
    pub processing_ms: String,
    pub failure_percent: String,
    pub on_failure: String,
}

/// The consumer of `queue` in `vhost` the form describes, checked as a scenario file's
/// consumer is; the error names the field.
pub fn consumer_spec(
    vhost: &str,
    queue: &str,
    form: &ConsumerForm,
) -> Result<ConsumerSpec, String> {
    named(&form.name, "consumer")?;
    let prefetch = number(&form.prefetch, "prefetch", 65_535)?;
    if prefetch.fract() != 0.0 {
        return Err(format!(
            "prefetch: expected a whole number, not `{}`",
            form.prefetch.trim()
        ));
    }
    let processing = number(&form.processing_ms, "processing time", 3_600_000)?;
    let failure = number(&form.failure_percent, "failure chance", 100)?;
    let on_failure = (ON_FAILURE.iter())
        .find(|(key, _)| *key == form.on_failure)
        .map_or("nack_requeue", |(key, _)| key);
    let json = json!({"name": form.name.trim(), "vhost": vhost, "queue": queue,
        "prefetch": prefetch as u64, "processing_ms": processing,
        "failure_probability": failure / 100.0, "on_failure": on_failure});
    consumer(&json, "consumer").map_err(|e| e.to_string())
}

/// What the producer form asks for, as typed; `headers` only on a headers exchange.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProducerForm {
    pub name: String,
    pub routing_key: String,
    pub per_second: String,
    pub headers: String,
}

/// The producer publishing to `exchange` of `vhost` the form describes (persistent messages
/// at a fixed rate), checked as a scenario file's producer is; the error names the field.
pub fn producer_spec(
    vhost: &str,
    exchange: &str,
    form: &ProducerForm,
) -> Result<ProducerSpec, String> {
    named(&form.name, "producer")?;
    let per_second = number(&form.per_second, "rate", MAX_RATE)?;
    if per_second <= 0.0 {
        return Err("rate: a producer publishes at least some messages a second".to_owned());
    }
    if form.routing_key.len() > MAX_KEY_BYTES {
        return Err(format!("routing key: at most {MAX_KEY_BYTES} bytes"));
    }
    let headers = header_arguments(&form.headers).map_err(|why| format!("headers: {why}"))?;
    let json = json!({"name": form.name.trim(), "vhost": vhost, "exchange": exchange,
        "routing_key": form.routing_key, "headers": headers.to_json(),
        "rate": {"kind": "fixed", "per_second": per_second}, "persistent": true});
    producer(&json, "producer").map_err(|e| e.to_string())
}

/// Says in the banner why the `what` was not `done` ("added", "changed").
fn refused(state: &AppContext, what: &str, why: &str, done: &str) {
    let text = format!("The {what} was not {done}: {why}.");
    crate::session::notify(state, Level::Error, text);
}

/// The value typed in an input.
fn typed(r: &NodeRef) -> String {
    r.cast::<HtmlInputElement>()
        .map(|i| i.value())
        .unwrap_or_default()
}

#[derive(Properties, PartialEq)]
pub struct AddActorProps {
    /// The queue (a consumer is added) or the exchange (a producer is added).
    pub node: NodeId,
}

/// The form of a queue's view (a consumer more on it) or an exchange's (a producer more,
/// publishing to it). One component for both: each component costs the bundle its own copy of
/// Yew's lifecycle code.
#[component]
pub fn AddActor(props: &AddActorProps) -> Html {
    let refs = [
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
        use_node_ref(),
    ];
    let select = use_node_ref();
    let Some((state, sim, vhost, name)) = use_editing(props.node) else {
        return html! {};
    };
    let Some(sim) = sim.get() else {
        return html! {};
    };
    let topology = sim.broker().topology(&vhost).ok();
    if sim.broker().queue(&vhost, &name).is_some() {
        let free = free_name(&sim, "C");
        return consumer_form(state, vhost, name, refs, select, free);
    }
    match topology.and_then(|t| t.exchange(&name)) {
        Some(x) => {
            let headers = x.kind() == ExchangeType::Headers;
            // A key its bindings route, where one has no wildcard.
            let key = (x.bindings().map(|(_, b)| b.key.clone()))
                .find(|k| !k.is_empty() && !k.split('.').any(|w| w == "*" || w == "#"))
                .unwrap_or_default();
            let free = free_name(&sim, "P");
            producer_form(state, vhost, name, refs, (free, key, headers))
        }
        None => html! {},
    }
}

fn consumer_form(
    state: AppContext,
    vhost: String,
    queue: String,
    refs: [NodeRef; 4],
    failure_ref: NodeRef,
    free: String,
) -> Html {
    let [name_ref, prefetch_ref, processing_ref, chance_ref] = refs.clone();
    let select_ref = failure_ref.clone();
    let chosen = kept_choice(&failure_ref, "nack_requeue");
    let onsubmit = Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        let [name, prefetch, processing, chance] = &refs;
        let form = ConsumerForm {
            name: typed(name),
            prefetch: typed(prefetch),
            processing_ms: typed(processing),
            failure_percent: typed(chance),
            on_failure: (failure_ref.cast::<HtmlSelectElement>())
                .map(|s| s.value())
                .unwrap_or_default(),
        };
        let spec = consumer_spec(&vhost, &queue, &form);
        let who = (form.name.as_str(), name);
        add(
            &state,
            ("consumer", "C"),
            who,
            spec,
            Simulation::add_consumer,
        );
    });
    html! {
        <details class="add-actor" id="add-consumer">
            <summary>{ "Add a consumer" }</summary>
            <form class="bind-form" id="add-consumer-form" {onsubmit}>
                <label>{ "Name " }
                    <input id="consumer-name" type="text" ref={name_ref.clone()} value={kept(&name_ref, free)}
                           spellcheck="false" autocomplete="off" />
                </label>
                <label title="basic.qos: deliveries it may hold unacked; 0 is unlimited">{ "prefetch " }
                    <input id="consumer-prefetch" class="short" type="text" inputmode="numeric"
                           ref={prefetch_ref.clone()} value={kept(&prefetch_ref, "1")} />
                </label>
                <label>{ "processing (ms) " }
                    <input id="consumer-processing" class="short" type="text" inputmode="decimal"
                           ref={processing_ref.clone()} value={kept(&processing_ref, "100")} />
                </label>
                <label>{ "fails (%) " }
                    <input id="consumer-failure" class="short" type="text" inputmode="decimal"
                           ref={chance_ref.clone()} value={kept(&chance_ref, "0")} />
                </label>
                <label>{ "then " }
                    <select id="consumer-on-failure" ref={select_ref}>
                        { for ON_FAILURE.iter().map(|(key, words)| html! {
                            <option value={*key} selected={chosen == *key}>{ *words }</option>
                        }) }
                    </select>
                </label>
                <button type="submit">{ "Add consumer" }</button>
            </form>
            <p class="muted">{ "It subscribes now and takes its turn in the round-robin; step back before it to undo it." }</p>
        </details>
    }
}

/// `shown`: the free name, the key offered and whether the exchange routes by headers.
fn producer_form(
    state: AppContext,
    vhost: String,
    exchange: String,
    refs: [NodeRef; 4],
    (free, key, headers): (String, String, bool),
) -> Html {
    let [name_ref, key_ref, rate_ref, headers_ref] = refs.clone();
    let onsubmit = Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        let [name, key, rate, headers] = &refs;
        let form = ProducerForm {
            name: typed(name),
            routing_key: typed(key),
            per_second: typed(rate),
            headers: typed(headers),
        };
        let spec = producer_spec(&vhost, &exchange, &form);
        let who = (form.name.as_str(), name);
        add(
            &state,
            ("producer", "P"),
            who,
            spec,
            Simulation::add_producer,
        );
    });
    html! {
        <details class="add-actor" id="add-producer">
            <summary>{ "Add a producer" }</summary>
            <form class="bind-form" id="add-producer-form" {onsubmit}>
                <label>{ "Name " }
                    <input id="producer-name" type="text" ref={name_ref.clone()} value={kept(&name_ref, free)}
                           spellcheck="false" autocomplete="off" />
                </label>
                <label title="A template may add {seq}, the message's number">{ "routing key " }
                    <input id="producer-key" type="text" ref={key_ref.clone()} value={kept(&key_ref, key)}
                           spellcheck="false" autocomplete="off" />
                </label>
                <label>{ "messages / s " }
                    <input id="producer-rate" class="short" type="text" inputmode="decimal"
                           ref={rate_ref.clone()} value={kept(&rate_ref, "1")} />
                </label>
                if headers {
                    <label>{ "headers " }
                        <input id="producer-headers" type="text" ref={headers_ref}
                               placeholder="format=pdf, type=report" spellcheck="false"
                               autocomplete="off" />
                    </label>
                }
                <button type="submit">{ "Add producer" }</button>
            </form>
            <p class="muted">{ "It publishes persistent messages at that rate from now on; step back before it to undo it." }</p>
        </details>
    }
}

/// What a rate is a second, as the rate form shows it (a fixed or Poisson rate's; none for
/// bursts or a scripted list).
pub fn per_second(rate: &Rate) -> Option<f64> {
    match rate {
        Rate::Fixed { interval } => Some(1e6 / (*interval).max(1) as f64),
        Rate::Poisson { mean_interval } => Some(1e6 / mean_interval.max(1.0)),
        Rate::Bursts { .. } | Rate::Script { .. } => None,
    }
}

/// The rate `per_second` typed, of the kind the producer has (Poisson stays Poisson; anything
/// else becomes an even rate), checked as a scenario file's rate is.
pub fn new_rate(now: &Rate, per_second: &str) -> Result<Rate, String> {
    let n = number(per_second, "rate", MAX_RATE)?;
    if n <= 0.0 {
        return Err("rate: a producer publishes at least some messages a second".to_owned());
    }
    let kind = if matches!(now, Rate::Poisson { .. }) {
        "poisson"
    } else {
        "fixed"
    };
    let json = json!({"rate": {"kind": kind, "per_second": n}});
    let obj = json.as_object().ok_or("rate")?;
    rate(obj, "producer").map_err(|e| e.to_string())
}

/// A processing time typed (ms), of the kind the consumer has (exponential stays exponential
/// with that mean; anything else becomes that time exactly).
pub fn new_processing(now: &Dist, ms: &str) -> Result<Dist, String> {
    let ms = number(ms, "processing time", 3_600_000)?;
    Ok(match now {
        Dist::Exponential { .. } => Dist::Exponential { mean: ms * 1000.0 },
        Dist::Fixed(_) | Dist::Uniform { .. } => Dist::Fixed((ms * 1000.0).round() as u64),
    })
}

/// A producer's rate changed while it runs (its inspector).
pub fn rate_form(
    state: &AppContext,
    sim: &Simulation,
    id: ProducerId,
    name: &str,
    field: &NodeRef,
) -> Html {
    let Some(now) = sim.producer_rate(id).cloned() else {
        return html! {};
    };
    let Some(shown) = per_second(&now) else {
        return html! {};
    };
    let onsubmit = {
        let (state, name, field) = (state.clone(), name.to_owned(), field.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match new_rate(&now, &typed(&field)) {
                Err(why) => refused(&state, "producer", &why, "changed"),
                Ok(rate) => change(&state, |sim: &mut Simulation| {
                    sim.set_rate(&name, rate).map_err(|e| e.to_string())
                }),
            }
        })
    };
    html! {
        <form class="bind-form" id="rate-form" {onsubmit}>
            <label>{ "messages / s " }
                <input id="rate-now" class="short" type="text" inputmode="decimal" ref={field.clone()}
                       value={kept(field, short(shown, 3))} />
            </label>
            <button type="submit">{ "Set rate" }</button>
        </form>
    }
}

/// A consumer's processing time and failure chance changed while it runs (its inspector).
pub fn pace_form(
    state: &AppContext,
    sim: &Simulation,
    id: ConsumerId,
    name: &str,
    fields: &[NodeRef; 2],
) -> Html {
    let Some((processing, failure)) = sim.consumer_pace(id) else {
        return html! {};
    };
    let now = *processing;
    let ms = match now {
        Dist::Fixed(us) => us as f64 / 1000.0,
        Dist::Uniform { min, max } => min.saturating_add(max) as f64 / 2000.0,
        Dist::Exponential { mean } => mean / 1000.0,
    };
    let onsubmit = {
        let (state, name, fields) = (state.clone(), name.to_owned(), fields.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let [time, chance] = &fields;
            let pace = new_processing(&now, &typed(time))
                .and_then(|d| Ok((d, number(&typed(chance), "failure chance", 100)? / 100.0)));
            match pace {
                Err(why) => refused(&state, "consumer", &why, "changed"),
                Ok((processing, failure)) => change(&state, |sim: &mut Simulation| {
                    (sim.set_processing(&name, processing, Some(failure)))
                        .map_err(|e| e.to_string())
                }),
            }
        })
    };
    let [time, chance] = fields.clone();
    html! {
        <form class="bind-form" id="pace-form" {onsubmit}>
            <label>{ "processing (ms) " }
                <input id="pace-ms" class="short" type="text" inputmode="decimal" ref={time.clone()}
                       value={kept(&time, short(ms, 3))} />
            </label>
            <label>{ "fails (%) " }
                <input id="pace-failure" class="short" type="text" inputmode="decimal" ref={chance.clone()}
                       value={kept(&chance, short(failure * 100.0, 3))} />
            </label>
            <button type="submit">{ "Set" }</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_core::sim::scenario::OnFailure;
    use switchyard_core::sim::{Options, Scenario, SimTime};

    fn sim(preset: &str) -> Simulation {
        let preset = crate::presets::find(preset).expect("preset");
        let scenario = Scenario::from_json_text(preset.json).expect("scenario");
        Simulation::new(scenario, Options::default()).expect("sim")
    }

    fn form(prefetch: &str, processing: &str, failure: &str) -> ConsumerForm {
        ConsumerForm {
            name: " C9 ".into(),
            prefetch: prefetch.into(),
            processing_ms: processing.into(),
            failure_percent: failure.into(),
            on_failure: "reject".into(),
        }
    }

    #[test]
    fn a_free_name_is_one_no_actor_or_node_has() {
        let s = sim("tutorial-2-work-queues");
        let names: Vec<&str> = (s.scenario().consumers.iter())
            .map(|c| c.name.as_str())
            .collect();
        let free = free_name(&s, "C");
        assert!(!names.contains(&free.as_str()), "{free} of {names:?}");
        assert!(free.starts_with('C'));
        assert_eq!(free_name(&s, "zz"), "zz1");
        let (consumer, producer) = (
            &s.scenario().consumers[0].name,
            &s.scenario().producers[0].name,
        );
        assert_eq!(taken(&s, consumer), Some("a consumer"));
        assert_eq!(taken(&s, producer), Some("a producer"));
        assert_eq!(taken(&s, &free), None);
    }

    #[test]
    fn the_consumer_form_gives_a_checked_consumer() {
        let spec = consumer_spec("/", "task_queue", &form("2", "150.5", "10")).expect("spec");
        assert_eq!(spec.name, "C9");
        assert_eq!(spec.prefetch, 2);
        assert_eq!(spec.failure_probability, 0.1);
        assert_eq!(spec.on_failure, OnFailure::Reject { requeue: false });
        assert_eq!(
            spec.processing,
            switchyard_core::sim::rng::Dist::Fixed(150_500)
        );
        let wrong = |f: ConsumerForm| consumer_spec("/", "q", &f).expect_err("refused");
        assert_eq!(
            wrong(form("1.5", "1", "0")),
            "prefetch: expected a whole number, not `1.5`"
        );
        assert_eq!(
            wrong(form("x", "1", "0")),
            "prefetch: expected a number from 0 to 65535, not `x`"
        );
        assert_eq!(
            wrong(form("1", "-3", "0")),
            "processing time: expected a number from 0 to 3600000, not `-3`"
        );
        assert_eq!(
            wrong(form("1", "1", "101")),
            "failure chance: expected a number from 0 to 100, not `101`"
        );
        let unnamed = ConsumerForm {
            name: "  ".into(),
            ..form("1", "1", "0")
        };
        assert_eq!(wrong(unnamed), "name: give the consumer a name");
    }

    #[test]
    fn the_producer_form_gives_a_checked_producer() {
        let typed = |key: &str, rate: &str, headers: &str| ProducerForm {
            name: "P9".into(),
            routing_key: key.into(),
            per_second: rate.into(),
            headers: headers.into(),
        };
        let spec = producer_spec("/", "logs", &typed("a.{seq}", "2.5", "format=pdf")).expect("ok");
        assert_eq!(spec.exchange, "logs");
        assert_eq!(
            spec.rate,
            switchyard_core::sim::scenario::Rate::Fixed { interval: 400_000 }
        );
        assert_eq!(spec.headers.len(), 1);
        assert!(spec.persistent);
        let wrong = |f: ProducerForm| producer_spec("/", "x", &f).expect_err("refused");
        assert_eq!(
            wrong(typed("k", "0", "")),
            "rate: a producer publishes at least some messages a second"
        );
        assert_eq!(
            wrong(typed("k", "20000", "")),
            "rate: expected a number from 0 to 10000, not `20000`"
        );
        assert_eq!(
            wrong(typed("k", "1", "oops")),
            "headers: `oops`: expected name=value"
        );
        assert!(wrong(typed("order.{region}", "1", "")).starts_with("producer.routing_key"));
        let long = "k".repeat(256);
        assert_eq!(
            wrong(typed(&long, "1", "")),
            "routing key: at most 255 bytes"
        );
    }

    #[test]
    fn a_rate_or_a_processing_time_typed_keeps_its_kind() {
        let poisson = Rate::Poisson {
            mean_interval: 50_000.0,
        };
        assert_eq!(per_second(&poisson), Some(20.0));
        assert_eq!(
            new_rate(&poisson, "4"),
            Ok(Rate::Poisson {
                mean_interval: 250_000.0
            })
        );
        let bursts = Rate::Bursts {
            size: 5,
            every: 1_000_000,
        };
        assert_eq!(per_second(&bursts), None);
        assert_eq!(
            new_rate(&bursts, "2"),
            Ok(Rate::Fixed { interval: 500_000 })
        );
        assert!(new_rate(&bursts, "0").is_err());
        assert!(new_rate(&bursts, "x").is_err_and(|e| e.starts_with("rate: expected")));
        let exp = Dist::Exponential { mean: 60_000.0 };
        assert_eq!(
            new_processing(&exp, "200"),
            Ok(Dist::Exponential { mean: 200_000.0 })
        );
        let uniform = Dist::Uniform {
            min: 40_000,
            max: 80_000,
        };
        assert_eq!(new_processing(&uniform, "12.5"), Ok(Dist::Fixed(12_500)));
        assert!(new_processing(&uniform, "-1").is_err());
    }

    /// What the forms build, added at a moment: the consumer takes deliveries, the producer
    /// publishes, and both leave when the run goes back before them.
    #[test]
    fn actors_from_the_forms_work_and_leave_when_undone() {
        let mut s = sim("tutorial-2-work-queues");
        s.run_until(SimTime(1_000_000)).expect("run");
        let spec = consumer_spec("/", "task_queue", &form("1", "10", "0")).expect("spec");
        s.add_consumer(spec).expect("added");
        let rate = ProducerForm {
            name: "P9".into(),
            routing_key: "task_queue".into(),
            per_second: "20".into(),
            headers: String::new(),
        };
        s.add_producer(producer_spec("/", "", &rate).expect("spec"))
            .expect("added");
        s.run_until(SimTime(3_000_000)).expect("run");
        let summary = s.summary();
        assert!(
            summary["consumers"]["C9"]["processed"].as_u64() > Some(10),
            "{summary}"
        );
        s.seek(SimTime(500_000)).expect("seek");
        assert!(s.consumer_id("C9").is_none());
        assert_eq!(s.scenario().producers.len(), 1);
    }
}
