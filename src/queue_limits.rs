//! A queue's limits changed while the scenario runs, the way a live RabbitMQ changes them: by a
//! policy (a declared queue's arguments cannot change). In the inspector's queue view a form
//! sets the maximum length, what happens on overflow and the message TTL; applying it sets the
//! policy `switchyard-<queue>`, which matches that queue alone, keeps every key of the policy
//! that applied before (its dead-letter exchange, say) and outranks it. It is injected at the
//! view's moment through the core's definitions import, so the queue drops, rejects or expires
//! messages from then on, and going back before it undoes it. Draws and forwards only: the
//! core checks the values as RabbitMQ does.

use switchyard_core::definitions::Definitions;
use switchyard_core::policy::{ApplyTo, Policy, Target, check_definition};
use switchyard_core::queue::config::{Overflow, QueueKind};
use switchyard_core::sim::scenario::Action as Step;
use switchyard_core::sim::{NodeId, Simulation};
use switchyard_core::value::{Table, Value};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::service_controls::{change, kept, kept_choice, use_editing};
use crate::state::{AppContext, Level};

/// What the form asks for; `None` leaves the key out of the policy.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Limits {
    pub max_length: Option<i64>,
    pub overflow: Option<String>,
    pub message_ttl: Option<i64>,
}

/// The overflow behaviours, in the select's order.
pub const OVERFLOWS: [&str; 3] = ["drop-head", "reject-publish", "reject-publish-dlx"];

/// The name of the policy the form sets on `queue`.
pub fn policy_name(queue: &str) -> String {
    format!("switchyard-{queue}")
}

/// A regular expression matching exactly `name`.
pub fn exactly(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('^');
    for c in name.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('$');
    out
}

/// A whole number of at least 0 typed in a field (empty is none); errors name the field.
pub fn count(text: &str, field: &str) -> Result<Option<i64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(Some(n)),
        _ => Err(format!(
            "{field}: expected a whole number from 0 to {}, not `{text}`",
            i64::MAX
        )),
    }
}

/// The policy giving `queue` of `vhost` the `limits`: the definition of the policy that applies
/// now with the form's keys set or left out; one priority above that policy, or in its place if
/// it is this one already.
pub fn policy(
    sim: &Simulation,
    vhost: &str,
    queue: &str,
    target: Target,
    limits: &Limits,
) -> Result<Policy, String> {
    let broker = sim.broker();
    let name = policy_name(queue);
    let applying = (broker.policies()).effective(vhost, queue, target, broker.profile());
    let (mut definition, priority) = match applying {
        Some(p) if p.name == name => (p.definition.clone(), p.priority),
        Some(p) => (p.definition.clone(), p.priority.saturating_add(1)),
        None => (Table::new(), 0),
    };
    let mut set = |key: &str, value: Option<Value>| {
        definition = (definition.iter())
            .filter(|(k, _)| *k != key)
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect();
        if let Some(value) = value {
            definition.insert(key, value);
        }
    };
    set("max-length", limits.max_length.map(Value::Int));
    set("overflow", limits.overflow.clone().map(Value::Str));
    set("message-ttl", limits.message_ttl.map(Value::Int));
    check_definition(&definition).map_err(|(key, why)| format!("{key}: {why}"))?;
    Policy::new(
        vhost,
        name,
        exactly(queue),
        ApplyTo::Queues,
        priority,
        definition,
    )
}

#[derive(Properties, PartialEq)]
pub struct QueueLimitsProps {
    /// The queue.
    pub node: NodeId,
}

#[component]
pub fn QueueLimits(props: &QueueLimitsProps) -> Html {
    let (length_ref, overflow_ref, ttl_ref) = (use_node_ref(), use_node_ref(), use_node_ref());
    let Some((state, sim, vhost, name)) = use_editing(props.node) else {
        return html! {};
    };
    let Some(sim) = sim.get() else {
        return html! {};
    };
    let Some(q) = sim.broker().queue(&vhost, &name) else {
        return html! {};
    };
    let target = match q.config.kind {
        QueueKind::Classic => Target::ClassicQueue,
        QueueKind::Quorum => Target::QuorumQueue,
    };
    let config = &q.config;
    let overflow_now = match config.overflow {
        Overflow::DropHead => "drop-head",
        Overflow::RejectPublish => "reject-publish",
        Overflow::RejectPublishDlx => "reject-publish-dlx",
    };
    let delete_step = Step::DeleteQueue {
        vhost: vhost.clone(),
        queue: name.clone(),
    };
    let onsubmit = {
        let state = state.clone();
        let (length_ref, overflow_ref, ttl_ref) =
            (length_ref.clone(), overflow_ref.clone(), ttl_ref.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let field = |r: &NodeRef| r.cast::<HtmlInputElement>().map(|i| i.value());
            let overflow = overflow_ref.cast::<HtmlSelectElement>().map(|s| s.value());
            let limits = (|| {
                Ok::<_, String>(Limits {
                    max_length: count(&field(&length_ref).unwrap_or_default(), "max length")?,
                    overflow: overflow.filter(|o| OVERFLOWS.contains(&o.as_str())),
                    message_ttl: count(&field(&ttl_ref).unwrap_or_default(), "message TTL")?,
                })
            })();
            let built = limits.and_then(|limits| {
                let sim = (state.sim.as_ref().and_then(|s| s.get())).ok_or("nothing is open")?;
                policy(&sim, &vhost, &name, target, &limits)
            });
            match built {
                Err(why) => refused(&state, &why),
                Ok(policy) => {
                    let definitions = Definitions {
                        vhosts: vec![vhost.clone()],
                        policies: vec![policy],
                        ..Definitions::default()
                    };
                    change(&state, |sim: &mut Simulation| {
                        (sim.inject_topology(Step::Declare { definitions }))
                            .map_err(|e| e.to_string())
                    });
                }
            }
        })
    };
    let number = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
    let overflow = kept_choice(&overflow_ref, overflow_now);
    let delete = {
        let step = delete_step;
        Callback::from(move |_: MouseEvent| {
            let step = step.clone();
            change(&state, |sim: &mut Simulation| {
                sim.inject_topology(step).map_err(|e| e.to_string())
            });
        })
    };
    let held = q.message_count();
    html! {
        <>
        <form class="bind-form queue-limits" id="queue-limits" {onsubmit}>
            <label>{ "Max length " }
                <input id="limit-length" type="text" inputmode="numeric" ref={length_ref.clone()}
                       value={kept(&length_ref, number(config.max_length))} placeholder="none" />
            </label>
            <label>{ "on overflow " }
                <select id="limit-overflow" ref={overflow_ref.clone()}>
                    { for OVERFLOWS.iter().map(|o| html! {
                        <option value={*o} selected={*o == overflow}>{ *o }</option>
                    }) }
                </select>
            </label>
            <label>{ "Message TTL (ms) " }
                <input id="limit-ttl" type="text" inputmode="numeric" ref={ttl_ref.clone()}
                       value={kept(&ttl_ref, number(config.message_ttl))} placeholder="none" />
            </label>
            <button type="submit">{ "Apply as a policy" }</button>
            <p class="muted">{ "As on a live broker, by a policy that matches this queue alone; its own arguments still count. Step back before it to undo it." }</p>
        </form>
        <button type="button" id="delete-queue" class="danger" onclick={delete}
            title={ format!("queue.delete: its {held} ready messages go, its consumers are cancelled (they finish what they hold); a consumer started again declares it. Undo it under Changes made.") }>
            { "Delete queue" }
        </button>
        </>
    }
}

/// Says in the banner why the limits were not applied.
pub fn refused(state: &AppContext, why: &str) {
    let text = format!("The limits were not applied: {why}.");
    crate::session::notify(state, Level::Error, text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_matches_the_queue_alone() {
        assert_eq!(exactly("orders.eu"), "^orders\\.eu$");
        assert_eq!(exactly("a+b (1)"), "^a\\+b \\(1\\)$");
        let p = Policy::new("/", "p", exactly("q.1"), ApplyTo::Queues, 0, Table::new());
        assert!(p.is_ok());
    }

    fn declare(sim: &mut Simulation, policy: Policy) {
        let definitions = Definitions {
            vhosts: vec!["/".into()],
            policies: vec![policy],
            ..Definitions::default()
        };
        sim.inject_topology(Step::Declare { definitions })
            .expect("declare");
        let now = sim.now();
        sim.run_until(switchyard_core::sim::SimTime(now.0 + 1))
            .expect("run");
    }

    /// Limits set on a queue keep what the policy that applied before gave it, outrank it, and
    /// replace themselves when set again; the queue's settings follow at once.
    #[test]
    fn limits_keep_the_policy_underneath_and_the_queue_follows() {
        use switchyard_core::sim::{Options, Scenario, SimTime};
        let preset = crate::presets::find("tutorial-2-work-queues").expect("preset");
        let scenario = Scenario::from_json_text(preset.json).expect("scenario");
        let mut sim = Simulation::new(scenario, Options::default()).expect("sim");
        sim.run_until(SimTime(1_000_000)).expect("run");
        let mut dlx = Table::new();
        dlx.insert("dead-letter-exchange", Value::Str("dead".into()));
        let other = Policy::new("/", "dlx", "^task", ApplyTo::Queues, 5, dlx).expect("policy");
        declare(&mut sim, other);
        let limits = Limits {
            max_length: Some(3),
            overflow: Some("reject-publish".into()),
            message_ttl: None,
        };
        let ours = policy(&sim, "/", "task_queue", Target::ClassicQueue, &limits).expect("ok");
        assert_eq!(ours.name, "switchyard-task_queue");
        assert_eq!(ours.priority, 6);
        assert_eq!(
            ours.definition.get_str("dead-letter-exchange"),
            Some("dead")
        );
        assert_eq!(ours.definition.get("max-length"), Some(&Value::Int(3)));
        declare(&mut sim, ours);
        let config = &sim.broker().queue("/", "task_queue").expect("queue").config;
        assert_eq!(config.max_length, Some(3));
        assert_eq!(config.overflow, Overflow::RejectPublish);
        assert_eq!(config.dead_letter_exchange.as_deref(), Some("dead"));

        let again = Limits {
            max_length: None,
            overflow: None,
            message_ttl: Some(500),
        };
        let ours = policy(&sim, "/", "task_queue", Target::ClassicQueue, &again).expect("ok");
        assert_eq!(ours.priority, 6, "in its own place");
        declare(&mut sim, ours);
        let config = &sim.broker().queue("/", "task_queue").expect("queue").config;
        assert_eq!((config.max_length, config.message_ttl), (None, Some(500)));
        assert_eq!(config.dead_letter_exchange.as_deref(), Some("dead"));

        let wrong = Limits {
            overflow: Some("explode".into()),
            ..Limits::default()
        };
        let err = policy(&sim, "/", "task_queue", Target::ClassicQueue, &wrong).expect_err("no");
        assert!(err.starts_with("overflow: "), "{err}");
    }

    #[test]
    fn counts_are_whole_numbers_or_empty() {
        assert_eq!(count(" 12 ", "max length"), Ok(Some(12)));
        assert_eq!(count("", "max length"), Ok(None));
        assert_eq!(
            count("-1", "max length"),
            Err(
                "max length: expected a whole number from 0 to 9223372036854775807, not `-1`"
                    .to_owned()
            )
        );
        assert!(count("1e3", "message TTL").is_err());
        assert!(count("99999999999999999999", "max length").is_err());
    }
}
