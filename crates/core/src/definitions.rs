//! RabbitMQ definitions files, as `rabbitmqctl export_definitions` writes them: `vhosts`,
//! `exchanges`, `queues`, `bindings` and `policies` (other keys such as `users` are ignored; a
//! missing `vhost` means `/`). Reading checks every field and names its path in errors
//! (`exchanges[2].type: ...`); loading applies them to a broker; exporting writes a file a real
//! broker can import.

use serde_json::{Map, Value as Json, json};

use crate::broker::{Broker, DEFAULT_VHOST};
use crate::exchange::ExchangeType;
use crate::fields::{FieldError, boolean, error, join, list, object, parse_json, string, table};
use crate::policy::{ApplyTo, Policy};
use crate::shown::visible;
use crate::topology::{BindingDecl, Destination, ExchangeDecl, QueueDecl, Topology};
use crate::value::Value;

/// The topology part of a definitions file, checked and typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Definitions {
    pub vhosts: Vec<String>,
    pub exchanges: Vec<(String, ExchangeDecl)>,
    pub queues: Vec<(String, QueueDecl)>,
    pub bindings: Vec<(String, BindingDecl)>,
    pub policies: Vec<Policy>,
    /// The stream queues (vhost, name) among `queues`: not modelled, so loading leaves them and
    /// the bindings to them out, and [`Definitions::left_out_note`] says so.
    pub left_out: Vec<(String, String)>,
    /// The exchanges of a plugin's type (`x-delayed-message`, `x-consistent-hash`…) as (vhost,
    /// name, type): not in `exchanges`, not modelled, left out with the bindings from or to them.
    pub plugin_exchanges: Vec<(String, String, String)>,
}

impl Definitions {
    /// Parses definitions from JSON text; syntax errors give the line and column.
    pub fn from_json_text(text: &str) -> Result<Definitions, FieldError> {
        let json = parse_json(text)?;
        Definitions::from_json(&json)
    }

    pub fn from_json(json: &Json) -> Result<Definitions, FieldError> {
        let root = json
            .as_object()
            .ok_or_else(|| error("", "a definitions file must be a JSON object"))?;
        let mut defs = Definitions::default();
        for (i, item) in list(root, "vhosts")?.iter().enumerate() {
            let path = format!("vhosts[{i}]");
            defs.vhosts
                .push(string(object(item, &path)?, "name", &path)?);
        }
        for (i, item) in list(root, "exchanges")?.iter().enumerate() {
            let path = format!("exchanges[{i}]");
            let obj = object(item, &path)?;
            // Plugins name their exchange types `x-…`; any other unknown type is a mistake.
            match obj.get("type").and_then(Json::as_str) {
                Some(kind) if kind.starts_with("x-") => defs.plugin_exchanges.push((
                    vhost(obj, &path)?,
                    string(obj, "name", &path)?,
                    kind.to_owned(),
                )),
                _ => defs.exchanges.push(exchange(obj, &path)?),
            }
        }
        for (i, item) in list(root, "queues")?.iter().enumerate() {
            let path = format!("queues[{i}]");
            defs.queues.push(queue(object(item, &path)?, &path)?);
        }
        for (i, item) in list(root, "bindings")?.iter().enumerate() {
            let path = format!("bindings[{i}]");
            defs.bindings.push(binding(object(item, &path)?, &path)?);
        }
        for (i, item) in list(root, "policies")?.iter().enumerate() {
            let path = format!("policies[{i}]");
            defs.policies.push(policy(object(item, &path)?, &path)?);
        }
        defs.left_out = (defs.queues.iter())
            .filter(|(_, q)| q.arguments.get_str("x-queue-type") == Some("stream"))
            .map(|(vhost, q)| (vhost.clone(), q.name.clone()))
            .collect();
        Ok(defs)
    }

    /// What loading leaves out, to look up.
    fn left_out_names(&self) -> LeftOut<'_> {
        let mut queues: Vec<(&str, &str)> = (self.left_out.iter())
            .map(|(v, n)| (v.as_str(), n.as_str()))
            .collect();
        let mut exchanges: Vec<(&str, &str)> = (self.plugin_exchanges.iter())
            .map(|(v, n, _)| (v.as_str(), n.as_str()))
            .collect();
        queues.sort_unstable();
        exchanges.sort_unstable();
        LeftOut { queues, exchanges }
    }

    /// What loading leaves out, in words for the user, if anything: the stream queues, the
    /// exchanges of plugin types, and the bindings to or from them.
    pub fn left_out_note(&self) -> Option<String> {
        let named = |vhost: &str, name: &str| {
            let name = visible(name);
            if vhost == DEFAULT_VHOST {
                format!("'{name}'")
            } else {
                format!("'{name}' (vhost '{}')", visible(vhost))
            }
        };
        let mut parts = Vec::new();
        match self.left_out.as_slice() {
            [] => {}
            [(vhost, name)] => parts.push(format!("the stream queue {}", named(vhost, name))),
            many => {
                let names: Vec<String> = many.iter().map(|(v, n)| named(v, n)).collect();
                parts.push(format!(
                    "{} stream queues ({})",
                    many.len(),
                    names.join(", ")
                ));
            }
        }
        match self.plugin_exchanges.as_slice() {
            [] => {}
            [(vhost, name, kind)] => parts.push(format!(
                "the exchange {} of the plugin type {}",
                named(vhost, name),
                visible(kind)
            )),
            many => {
                let names: Vec<String> = (many.iter())
                    .map(|(v, n, kind)| format!("{} ({})", named(v, n), visible(kind)))
                    .collect();
                parts.push(format!(
                    "{} exchanges of plugin types ({})",
                    many.len(),
                    names.join(", ")
                ));
            }
        }
        if parts.is_empty() {
            return None;
        }
        let left_out = self.left_out_names();
        let bindings = (self.bindings.iter())
            .filter(|(vhost, b)| left_out.binding(vhost, b))
            .count();
        let one = self.left_out.len() + self.plugin_exchanges.len() == 1;
        let (to_or_from, unmodelled) =
            match (self.left_out.is_empty(), self.plugin_exchanges.is_empty()) {
                (false, true) => ("to", "stream queues yet"),
                (true, false) => ("to or from", "exchange types of plugins"),
                _ => (
                    "to or from",
                    "stream queues or exchange types of plugins yet",
                ),
            };
        let it = if one { "it" } else { "them" };
        let bindings = match bindings {
            0 => String::new(),
            1 => format!(" and the binding {to_or_from} {it}"),
            n => format!(" and the {n} bindings {to_or_from} {it}"),
        };
        Some(format!(
            "Left out {}{bindings}: Switchyard does not model {unmodelled}, so what is routed \
             to {it} is not shown (and is not written when the scenario is exported).",
            parts.join(" and ")
        ))
    }

    /// Applies the definitions to `broker` in RabbitMQ's import order (vhosts, policies,
    /// exchanges, queues, bindings), leaving out the stream queues, the exchanges of plugin types
    /// and the bindings to or from them.
    /// The first failure is returned with its path; what was applied before it stays applied,
    /// so load into a fresh broker to keep the old one intact.
    pub fn load_into(&self, broker: &mut Broker) -> Result<(), FieldError> {
        for vhost in &self.vhosts {
            broker.add_vhost(vhost);
        }
        let mentioned = self
            .exchanges
            .iter()
            .map(|(v, _)| v)
            .chain(self.queues.iter().map(|(v, _)| v));
        for vhost in mentioned.chain(self.bindings.iter().map(|(v, _)| v)) {
            broker.add_vhost(vhost);
        }
        for policy in &self.policies {
            broker.add_vhost(&policy.vhost);
            broker.set_policy(policy.clone());
        }
        for (i, (vhost, decl)) in self.exchanges.iter().enumerate() {
            if Topology::is_built_in(&decl.name) {
                continue;
            }
            broker
                .declare_exchange(vhost, decl.clone())
                .map_err(|e| error(&format!("exchanges[{i}]"), e.reply_text()))?;
        }
        let left_out = self.left_out_names();
        for (i, (vhost, decl)) in self.queues.iter().enumerate() {
            if left_out.queue(vhost, &decl.name) {
                continue;
            }
            broker
                .declare_queue(vhost, decl.clone())
                .map_err(|e| error(&format!("queues[{i}]"), e.reply_text()))?;
        }
        for (i, (vhost, decl)) in self.bindings.iter().enumerate() {
            if left_out.binding(vhost, decl) {
                continue;
            }
            broker
                .bind(vhost, decl.clone())
                .map_err(|e| error(&format!("bindings[{i}]"), e.reply_text()))?;
        }
        Ok(())
    }

    /// A broker holding exactly these definitions.
    pub fn to_broker(&self, profile: crate::Profile) -> Result<Broker, FieldError> {
        let mut broker = Broker::new(profile);
        self.load_into(&mut broker)?;
        Ok(broker)
    }
}

/// What loading leaves out, as sorted (vhost, name) pairs: looked up for every queue and binding,
/// so searched, not scanned.
struct LeftOut<'a> {
    /// Stream queues.
    queues: Vec<(&'a str, &'a str)>,
    /// Exchanges of plugin types.
    exchanges: Vec<(&'a str, &'a str)>,
}

impl LeftOut<'_> {
    fn queue(&self, vhost: &str, name: &str) -> bool {
        self.queues.binary_search(&(vhost, name)).is_ok()
    }

    fn exchange(&self, vhost: &str, name: &str) -> bool {
        self.exchanges.binary_search(&(vhost, name)).is_ok()
    }

    /// Whether a binding is left out: to a stream queue, or from or to an exchange of a plugin
    /// type.
    fn binding(&self, vhost: &str, binding: &BindingDecl) -> bool {
        self.exchange(vhost, &binding.source)
            || match &binding.destination {
                Destination::Queue(name) => self.queue(vhost, name),
                Destination::Exchange(name) => self.exchange(vhost, name),
            }
    }
}

/// A definitions fragment (exchanges, queues, bindings, policies) as written in a file: what a
/// scenario's `declare` step holds. Reading it back gives the same fragment.
pub fn fragment_to_json(defs: &Definitions) -> Json {
    let exchanges: Vec<Json> = defs
        .exchanges
        .iter()
        .map(|(vhost, d)| {
            json!({"name": d.name, "vhost": vhost, "type": d.kind.name(), "durable": d.durable,
                "auto_delete": d.auto_delete, "internal": d.internal, "arguments": d.arguments.to_json()})
        })
        .collect();
    let queues: Vec<Json> = defs
        .queues
        .iter()
        .map(|(vhost, q)| {
            json!({"name": q.name, "vhost": vhost, "durable": q.durable, "exclusive": q.exclusive,
                "auto_delete": q.auto_delete, "arguments": q.arguments.to_json()})
        })
        .collect();
    let bindings: Vec<Json> = defs
        .bindings
        .iter()
        .map(|(vhost, b)| {
            let kind = match b.destination {
                Destination::Queue(_) => "queue",
                Destination::Exchange(_) => "exchange",
            };
            json!({"source": b.source, "vhost": vhost, "destination": b.destination.name(),
                "destination_type": kind, "routing_key": b.routing_key, "arguments": b.arguments.to_json()})
        })
        .collect();
    let mut out = json!({"exchanges": exchanges, "queues": queues, "bindings": bindings});
    if let (false, Some(obj)) = (defs.policies.is_empty(), out.as_object_mut()) {
        let policies = defs.policies.iter().map(policy_json).collect();
        obj.insert("policies".into(), Json::Array(policies));
    }
    out
}

/// A policy as a definitions file writes it.
fn policy_json(p: &Policy) -> Json {
    json!({"vhost": p.vhost, "name": p.name, "pattern": p.pattern, "apply-to": p.apply_to.name(),
        "priority": p.priority, "definition": p.definition.to_json()})
}

/// The broker's topology as a definitions file a real RabbitMQ can import.
pub fn export(broker: &Broker) -> Json {
    let mut vhosts = Vec::new();
    let (mut exchanges, mut queues, mut bindings) = (Vec::new(), Vec::new(), Vec::new());
    for topology in broker.vhosts() {
        let vhost = topology.vhost.as_str();
        vhosts.push(json!({ "name": vhost }));
        for x in topology
            .exchanges()
            .filter(|x| !Topology::is_built_in(x.name()))
        {
            let d = &x.decl;
            exchanges.push(json!({"name": d.name, "vhost": vhost, "type": d.kind.name(), "durable": d.durable,
                "auto_delete": d.auto_delete, "internal": d.internal, "arguments": d.arguments.to_json()}));
            for (_, b) in x.bindings() {
                let kind = match b.destination {
                    Destination::Queue(_) => "queue",
                    Destination::Exchange(_) => "exchange",
                };
                bindings.push(json!({"source": d.name, "vhost": vhost, "destination": b.destination.name(),
                    "destination_type": kind, "routing_key": b.key, "arguments": b.arguments.to_json()}));
            }
        }
        for q in topology.queues() {
            queues.push(json!({"name": q.name, "vhost": vhost, "durable": q.durable, "auto_delete": q.auto_delete,
                "arguments": q.arguments.to_json()}));
        }
    }
    let policies: Vec<Json> = broker.policies().iter().map(policy_json).collect();
    json!({"rabbit_version": "3.13.0", "vhosts": vhosts, "policies": policies, "exchanges": exchanges,
        "queues": queues, "bindings": bindings})
}

pub fn vhost(obj: &Map<String, Json>, path: &str) -> Result<String, FieldError> {
    match obj.get("vhost") {
        None | Some(Json::Null) => Ok(DEFAULT_VHOST.to_owned()),
        Some(_) => string(obj, "vhost", path),
    }
}

pub fn exchange(obj: &Map<String, Json>, path: &str) -> Result<(String, ExchangeDecl), FieldError> {
    let kind_text = string(obj, "type", path)?;
    let kind: ExchangeType = kind_text
        .parse()
        .map_err(|e: String| error(&join(path, "type"), e))?;
    let decl = ExchangeDecl {
        name: string(obj, "name", path)?,
        kind,
        durable: boolean(obj, "durable", path, true)?,
        auto_delete: boolean(obj, "auto_delete", path, false)?,
        internal: boolean(obj, "internal", path, false)?,
        arguments: table(obj, "arguments", path)?,
    };
    Ok((vhost(obj, path)?, decl))
}

pub fn queue(obj: &Map<String, Json>, path: &str) -> Result<(String, QueueDecl), FieldError> {
    let mut arguments = table(obj, "arguments", path)?;
    // Exports from 3.13+ also carry the queue type as a top-level field.
    if let (Some(Json::String(kind)), None) = (obj.get("type"), arguments.get("x-queue-type"))
        && kind != "classic"
    {
        arguments.insert("x-queue-type", Value::Str(kind.clone()));
    }
    let decl = QueueDecl {
        name: string(obj, "name", path)?,
        durable: boolean(obj, "durable", path, true)?,
        exclusive: boolean(obj, "exclusive", path, false)?,
        auto_delete: boolean(obj, "auto_delete", path, false)?,
        arguments,
    };
    Ok((vhost(obj, path)?, decl))
}

pub fn binding(obj: &Map<String, Json>, path: &str) -> Result<(String, BindingDecl), FieldError> {
    let name = string(obj, "destination", path)?;
    let destination = match string(obj, "destination_type", path)?.as_str() {
        "queue" => Destination::Queue(name),
        "exchange" => Destination::Exchange(name),
        other => {
            return Err(error(
                &join(path, "destination_type"),
                format!("expected \"queue\" or \"exchange\", found \"{other}\""),
            ));
        }
    };
    let decl = BindingDecl {
        source: string(obj, "source", path)?,
        destination,
        routing_key: match obj.get("routing_key") {
            None => String::new(),
            Some(_) => string(obj, "routing_key", path)?,
        },
        arguments: table(obj, "arguments", path)?,
    };
    Ok((vhost(obj, path)?, decl))
}

pub fn policy(obj: &Map<String, Json>, path: &str) -> Result<Policy, FieldError> {
    let apply_text = match obj.get("apply-to") {
        None => "all".to_owned(),
        Some(_) => string(obj, "apply-to", path)?,
    };
    let apply_to = ApplyTo::parse(&apply_text).ok_or_else(|| {
        error(
            &join(path, "apply-to"),
            format!("expected exchanges, queues, classic_queues, quorum_queues or all, found \"{apply_text}\""),
        )
    })?;
    let priority = match obj.get("priority") {
        None => 0,
        Some(p) => p
            .as_i64()
            .ok_or_else(|| error(&join(path, "priority"), "expected an integer"))?,
    };
    let definition = table(obj, "definition", path)?;
    crate::policy::check_definition(&definition)
        .map_err(|(key, message)| error(&join(&join(path, "definition"), &key), message))?;
    Policy::new(
        vhost(obj, path)?,
        string(obj, "name", path)?,
        string(obj, "pattern", path)?,
        apply_to,
        priority,
        definition,
    )
    .map_err(|e| error(&join(path, "pattern"), e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Publish;

    const SAMPLE: &str = r#"{
      "rabbit_version": "3.10.8", "users": [{"name": "guest"}],
      "vhosts": [{"name": "/"}, {"name": "shop"}],
      "exchanges": [
        {"name": "orders", "vhost": "shop", "type": "topic", "durable": true, "auto_delete": false, "internal": false, "arguments": {}},
        {"name": "ae", "type": "fanout"}
      ],
      "queues": [{"name": "email", "vhost": "shop", "durable": true, "auto_delete": false, "arguments": {"x-max-length": 10}}],
      "bindings": [{"source": "orders", "vhost": "shop", "destination": "email", "destination_type": "queue", "routing_key": "order.*", "arguments": {}}],
      "policies": [{"vhost": "shop", "name": "ae", "pattern": "^orders$", "apply-to": "exchanges", "priority": 1, "definition": {"alternate-exchange": "nowhere"}}]
    }"#;

    /// A policy value RabbitMQ would refuse when the policy is set is named with its path
    /// (`rabbit_policies:validate_policy0/2`); values it accepts, and keys the model does not
    /// use, pass.
    #[test]
    fn a_policy_value_rabbitmq_refuses_is_named() {
        let with =
            |definition: &str| SAMPLE.replace(r#"{"alternate-exchange": "nowhere"}"#, definition);
        for (definition, want) in [
            (
                r#"{"message-ttl": -1}"#,
                "policies[0].definition.message-ttl: -1 is not a valid message TTL",
            ),
            (
                r#"{"message-ttl": "100"}"#,
                "policies[0].definition.message-ttl: \"100\" is not a valid message TTL",
            ),
            (
                r#"{"expires": 0}"#,
                "policies[0].definition.expires: 0 is not a valid queue expiry",
            ),
            (
                r#"{"max-length": 1.5}"#,
                "policies[0].definition.max-length: 1.5 is not a valid maximum length",
            ),
            (
                r#"{"overflow": "drop-tail"}"#,
                "policies[0].definition.overflow: \"drop-tail\" is not a valid overflow value",
            ),
            (
                r#"{"dead-letter-strategy": "twice"}"#,
                "policies[0].definition.dead-letter-strategy: \"twice\" is not a valid dead letter strategy",
            ),
            (
                r#"{"dead-letter-exchange": 5}"#,
                "policies[0].definition.dead-letter-exchange: 5 is not a valid dead letter exchange name",
            ),
            (
                r#"{"queue-version": 3}"#,
                "policies[0].definition.queue-version: 3 is not a valid queue-version value",
            ),
        ] {
            let error = Definitions::from_json_text(&with(definition))
                .unwrap_err()
                .to_string();
            assert_eq!(error, want, "{definition}");
        }
        for definition in [
            r#"{"message-ttl": 0, "expires": 1, "overflow": "reject-publish-dlx"}"#,
            r#"{"dead-letter-strategy": "at-least-once", "queue-mode": "lazy", "delivery-limit": 0}"#,
            r#"{"ha-mode": "all", "federation-upstream-set": "all", "max-age": "1D"}"#,
        ] {
            assert!(
                Definitions::from_json_text(&with(definition)).is_ok(),
                "{definition}"
            );
        }
    }

    #[test]
    fn loads_routes_and_round_trips() {
        let defs = Definitions::from_json_text(SAMPLE).unwrap();
        let broker = defs.to_broker(crate::Profile::default()).unwrap();
        let queues = broker
            .route("shop", &Publish::new("orders", "order.created"))
            .unwrap();
        assert_eq!(queues, ["email"]);
        assert!(broker.topology("/").unwrap().exchange("ae").is_some());
        let again = Definitions::from_json(&export(&broker)).unwrap();
        assert_eq!(
            again
                .to_broker(crate::Profile::default())
                .unwrap()
                .route("shop", &Publish::new("orders", "order.x"))
                .unwrap(),
            ["email"]
        );
        assert_eq!(again.policies, defs.policies);
    }

    fn check_error(text: &str, expected: &str) {
        let message = match Definitions::from_json_text(text) {
            Ok(defs) => defs
                .to_broker(crate::Profile::default())
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default(),
            Err(e) => e.to_string(),
        };
        assert!(
            message.starts_with(expected),
            "{text}: got {message:?}, expected {expected:?}"
        );
    }

    #[test]
    fn errors_name_the_field() {
        check_error("[]", "a definitions file must be a JSON object");
        check_error("{", "not valid JSON (line 1, column 1)");
        check_error(r#"{"exchanges": {}}"#, "exchanges: expected an array");
        check_error(
            r#"{"exchanges": [{"name": "x"}]}"#,
            "exchanges[0].type: is missing",
        );
        check_error(
            r#"{"exchanges": [{"name": "x", "type": "fan"}]}"#,
            "exchanges[0].type: unknown exchange type `fan`",
        );
        check_error(
            r#"{"exchanges": [{"name": "x", "type": "topic", "durable": 1}]}"#,
            "exchanges[0].durable: expected true or false",
        );
        check_error(
            r#"{"queues": [{"name": 3}]}"#,
            "queues[0].name: expected a string",
        );
        check_error(
            r#"{"bindings": [{"source": "a", "destination": "q", "destination_type": "topic"}]}"#,
            "bindings[0].destination_type: expected",
        );
        check_error(
            r#"{"bindings": [{"source": "nope", "destination": "q", "destination_type": "queue"}]}"#,
            "bindings[0]: NOT_FOUND - no queue 'q'",
        );
        check_error(
            r#"{"policies": [{"name": "p", "pattern": "(", "definition": {}}]}"#,
            "policies[0].pattern: pattern `(`",
        );
        check_error(
            r#"{"exchanges": [{"name": "x", "type": "topic"}, {"name": "x", "type": "direct"}]}"#,
            "exchanges[1]: PRECONDITION_FAILED - inequivalent arg 'type'",
        );
    }
}
