//! Policies as a definitions file holds them: a name, a regular expression over names, what they
//! apply to, a priority and a definition. Answers which policy applies to an exchange or a queue
//! and the effective value of a key, leaving precedence against arguments to the caller.

use regex_lite::Regex;

use crate::order::json_text;
use crate::profile::Profile;

use crate::value::{Table, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplyTo {
    Exchanges,
    Queues,
    ClassicQueues,
    QuorumQueues,
    All,
}

impl ApplyTo {
    pub fn parse(text: &str) -> Option<ApplyTo> {
        Some(match text {
            "exchanges" => ApplyTo::Exchanges,
            "queues" => ApplyTo::Queues,
            "classic_queues" => ApplyTo::ClassicQueues,
            "quorum_queues" => ApplyTo::QuorumQueues,
            "all" => ApplyTo::All,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            ApplyTo::Exchanges => "exchanges",
            ApplyTo::Queues => "queues",
            ApplyTo::ClassicQueues => "classic_queues",
            ApplyTo::QuorumQueues => "quorum_queues",
            ApplyTo::All => "all",
        }
    }
}

/// What a policy is being looked up for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Exchange,
    ClassicQueue,
    QuorumQueue,
}

/// Checks the values of a policy's definition as RabbitMQ does when a policy is set
/// (`rabbit_policies:validate_policy0/2`, v3.10.8 l. 71-186): on an error, the key and what is
/// wrong with its value. Keys the model does not use (stream, locator, mirroring, federation
/// settings) are not checked.
pub fn check_definition(definition: &Table) -> Result<(), (String, String)> {
    for (key, value) in definition.iter() {
        let int = |least: i64| matches!(value, Value::Int(n) if *n >= least);
        let one_of =
            |allowed: &[&str]| matches!(value, Value::Str(s) if allowed.contains(&s.as_str()));
        let what = match key {
            "alternate-exchange" => {
                (!matches!(value, Value::Str(_))).then_some("alternate exchange name")
            }
            "dead-letter-exchange" => {
                (!matches!(value, Value::Str(_))).then_some("dead letter exchange name")
            }
            "dead-letter-routing-key" => {
                (!matches!(value, Value::Str(_))).then_some("dead letter routing key")
            }
            "dead-letter-strategy" => {
                (!one_of(&["at-most-once", "at-least-once"])).then_some("dead letter strategy")
            }
            "message-ttl" => (!int(0)).then_some("message TTL"),
            "expires" => (!int(1)).then_some("queue expiry"),
            "max-length" => (!int(0)).then_some("maximum length"),
            "max-length-bytes" => (!int(0)).then_some("maximum length in bytes"),
            "max-in-memory-length" | "max-in-memory-bytes" => {
                (!int(0)).then_some("maximum memory in bytes")
            }
            "queue-mode" => (!one_of(&["default", "lazy"])).then_some("queue-mode value"),
            "queue-version" => {
                (!matches!(value, Value::Int(1 | 2))).then_some("queue-version value")
            }
            "overflow" => (!one_of(&["drop-head", "reject-publish", "reject-publish-dlx"]))
                .then_some("overflow value"),
            "delivery-limit" => (!int(0)).then_some("delivery limit"),
            _ => None,
        };
        if let Some(what) = what {
            return Err((
                key.to_owned(),
                format!("{} is not a valid {what}", json_text(&value.to_json())),
            ));
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub vhost: String,
    pub name: String,
    pub pattern: String,
    pub apply_to: ApplyTo,
    pub priority: i64,
    pub definition: Table,
    regex: Regex,
}

impl PartialEq for Policy {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.vhost,
            &self.name,
            &self.pattern,
            self.apply_to,
            self.priority,
            &self.definition,
        ) == (
            &other.vhost,
            &other.name,
            &other.pattern,
            other.apply_to,
            other.priority,
            &other.definition,
        )
    }
}

impl Policy {
    /// A policy; `Err` names the problem with the pattern.
    pub fn new(
        vhost: impl Into<String>,
        name: impl Into<String>,
        pattern: impl Into<String>,
        apply_to: ApplyTo,
        priority: i64,
        definition: Table,
    ) -> Result<Policy, String> {
        let pattern = pattern.into();
        let regex = Regex::new(&pattern)
            .map_err(|e| format!("pattern `{pattern}` is not a valid regular expression: {e}"))?;
        Ok(Policy {
            vhost: vhost.into(),
            name: name.into(),
            pattern,
            apply_to,
            priority,
            definition,
            regex,
        })
    }

    fn applies(&self, vhost: &str, name: &str, target: Target) -> bool {
        let kind_ok = matches!(
            (self.apply_to, target),
            (ApplyTo::All, _)
                | (ApplyTo::Exchanges, Target::Exchange)
                | (ApplyTo::Queues, Target::ClassicQueue | Target::QuorumQueue)
                | (ApplyTo::ClassicQueues, Target::ClassicQueue)
                | (ApplyTo::QuorumQueues, Target::QuorumQueue)
        );
        kind_ok && self.vhost == vhost && self.regex.is_match(name)
    }

    /// Whether the definition holds none of `unsupported` (RabbitMQ's `is_policy_applicable`:
    /// such a policy skips the queue, and the next applicable policy applies instead; seen live
    /// on 3.10.8 with a `delivery-limit` policy and a classic queue, a `queue-mode` policy and a
    /// quorum queue).
    fn supported(&self, unsupported: &[&str]) -> bool {
        !self
            .definition
            .iter()
            .any(|(key, _)| unsupported.contains(&key))
    }
}

/// Every policy of the broker. One policy applies to a thing: the highest priority among those
/// that match and whose keys the thing supports (ties broken by name, so the choice is
/// deterministic). Its definition is used whole: keys of lower-priority policies never merge in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policies {
    policies: Vec<Policy>,
}

impl Policies {
    /// Adds or replaces (same vhost and name) a policy.
    pub fn set(&mut self, policy: Policy) {
        self.policies
            .retain(|p| !(p.vhost == policy.vhost && p.name == policy.name));
        self.policies.push(policy);
    }

    pub fn clear(&mut self, vhost: &str, name: &str) -> bool {
        let before = self.policies.len();
        self.policies
            .retain(|p| !(p.vhost == vhost && p.name == name));
        before != self.policies.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Policy> {
        self.policies.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// The policy that applies to `name` as `target` under `profile`.
    pub fn effective(
        &self,
        vhost: &str,
        name: &str,
        target: Target,
        profile: Profile,
    ) -> Option<&Policy> {
        let unsupported = profile.unsupported_policy_keys(target);
        self.policies
            .iter()
            .filter(|p| p.applies(vhost, name, target) && p.supported(unsupported))
            .max_by(|a, b| {
                a.priority
                    .cmp(&b.priority)
                    .then_with(|| b.name.cmp(&a.name))
            })
    }

    /// The value of `key` in the policy that applies, if any.
    pub fn value(
        &self,
        vhost: &str,
        name: &str,
        target: Target,
        profile: Profile,
        key: &str,
    ) -> Option<&Value> {
        self.effective(vhost, name, target, profile)?
            .definition
            .get(key)
    }

    /// The `alternate-exchange` a policy gives an exchange (every version takes any policy key
    /// for an exchange, so the profile does not matter).
    pub fn exchange_alternate(&self, vhost: &str, exchange: &str) -> Option<String> {
        self.value(
            vhost,
            exchange,
            Target::Exchange,
            Profile::default(),
            "alternate-exchange",
        )?
        .as_str()
        .map(str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(name: &str, pattern: &str, apply_to: ApplyTo, priority: i64, ae: &str) -> Policy {
        let definition =
            std::iter::once(("alternate-exchange".to_string(), Value::Str(ae.into()))).collect();
        Policy::new("/", name, pattern, apply_to, priority, definition).unwrap()
    }

    #[test]
    fn highest_priority_matching_policy_applies() {
        let mut policies = Policies::default();
        policies.set(policy("low", "^orders", ApplyTo::Exchanges, 0, "ae-low"));
        policies.set(policy("high", "^ord", ApplyTo::All, 5, "ae-high"));
        policies.set(policy("queues-only", ".*", ApplyTo::Queues, 9, "ae-q"));
        assert_eq!(
            policies.exchange_alternate("/", "orders").as_deref(),
            Some("ae-high")
        );
        assert_eq!(policies.exchange_alternate("/", "billing"), None);
        assert_eq!(policies.exchange_alternate("other", "orders"), None);
        assert!(policies.clear("/", "high"));
        assert_eq!(
            policies.exchange_alternate("/", "orders").as_deref(),
            Some("ae-low")
        );
    }

    /// A policy matching every name: its name, priority and space-separated definition keys.
    type Pol = (&'static str, i64, &'static str);

    /// (target, profile or `None` for every profile, the policy that applies, the policies)
    type Row = (
        Target,
        Option<Profile>,
        Option<&'static str>,
        &'static [Pol],
    );

    /// Which policy applies to `q` as `target` under `policies` and `profile`.
    fn check_applicable(target: Target, profile: Profile, want: Option<&str>, policies: &[Pol]) {
        let mut set = Policies::default();
        for (name, priority, keys) in policies {
            let definition = keys
                .split_whitespace()
                .map(|k| (k.to_string(), Value::Str("v".into())))
                .collect();
            set.set(Policy::new("/", *name, ".*", ApplyTo::All, *priority, definition).unwrap());
        }
        let got = set
            .effective("/", "q", target, profile)
            .map(|p| p.name.as_str());
        assert_eq!(got, want, "{target:?} ({profile}) under {policies:?}");
    }

    #[test]
    fn policy_with_unsupported_key_skips_the_queue_type() {
        use Target::{ClassicQueue as Classic, Exchange, QuorumQueue as Quorum};
        let (v310, v4) = (Some(Profile::RabbitMq310), Some(Profile::RabbitMq4));
        const QQ_ONLY: Pol = ("qq", 5, "max-length delivery-limit");
        const CQ_ONLY: Pol = ("cq", 5, "max-length queue-mode");
        const PLAIN: Pol = ("plain", 1, "max-length");
        let cases: [Row; 17] = [
            // live policy-5: a delivery-limit policy skips classic queues
            (Classic, None, Some("plain"), &[QQ_ONLY, PLAIN]),
            (Quorum, None, Some("qq"), &[QQ_ONLY, PLAIN]),
            // live policy-6: a queue-mode policy skips quorum queues
            (Quorum, None, Some("plain"), &[CQ_ONLY, PLAIN]),
            (Classic, None, Some("cq"), &[CQ_ONLY, PLAIN]),
            (Quorum, None, None, &[CQ_ONLY]),
            (Quorum, None, None, &[("ha", 5, "ha-mode")]),
            (Quorum, None, Some("ha"), &[("ha", 5, "ha-sync-batch-size")]),
            (Quorum, None, None, &[("stream", 5, "max-age")]),
            (
                Classic,
                None,
                None,
                &[("strategy", 5, "dead-letter-strategy")],
            ),
            // quorum queues take single-active-consumer by policy from 4.x
            (Quorum, v310, None, &[("sac", 5, "single-active-consumer")]),
            (
                Quorum,
                v4,
                Some("sac"),
                &[("sac", 5, "single-active-consumer")],
            ),
            // max-in-memory-* became classic-unsupported, queue-leader-locator supported, in 4.x
            (
                Classic,
                v310,
                Some("mem"),
                &[("mem", 5, "max-in-memory-length")],
            ),
            (Classic, v4, None, &[("mem", 5, "max-in-memory-length")]),
            (Classic, v310, None, &[("loc", 5, "queue-leader-locator")]),
            (
                Classic,
                v4,
                Some("loc"),
                &[("loc", 5, "queue-leader-locator")],
            ),
            // exchanges take any policy
            (Exchange, None, Some("qq"), &[QQ_ONLY, PLAIN]),
            (Exchange, None, Some("cq"), &[CQ_ONLY, PLAIN]),
        ];
        for (target, profile, want, policies) in cases {
            let profiles = profile.map_or(Profile::ALL.to_vec(), |p| vec![p]);
            for profile in profiles {
                check_applicable(target, profile, want, policies);
            }
        }
    }

    /// Live policy-3: only the highest priority policy applies, its definition whole; a key
    /// only a lower-priority policy holds does not merge in.
    #[test]
    fn lower_priority_keys_do_not_merge() {
        let definition = |pairs: &[(&str, Value)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<Table>()
        };
        let mut policies = Policies::default();
        let low = definition(&[
            ("dead-letter-exchange", Value::Str("dlx".into())),
            ("message-ttl", Value::Int(100)),
        ]);
        let high = definition(&[("message-ttl", Value::Int(250))]);
        policies.set(Policy::new("/", "low", "^pol3\\.", ApplyTo::Queues, 1, low).unwrap());
        policies.set(Policy::new("/", "high", "^pol3\\.hi", ApplyTo::Queues, 5, high).unwrap());
        let value = |queue: &str, key: &str| {
            policies
                .value("/", queue, Target::ClassicQueue, Profile::RabbitMq310, key)
                .cloned()
        };
        assert_eq!(value("pol3.hi", "message-ttl"), Some(Value::Int(250)));
        assert_eq!(value("pol3.hi", "dead-letter-exchange"), None);
        assert_eq!(value("pol3.lo", "message-ttl"), Some(Value::Int(100)));
        assert_eq!(
            value("pol3.lo", "dead-letter-exchange"),
            Some(Value::Str("dlx".into()))
        );
    }

    #[test]
    fn bad_pattern_is_named() {
        let err = Policy::new("/", "p", "(", ApplyTo::All, 0, Table::new()).unwrap_err();
        assert!(err.contains("pattern `(`"), "{err}");
    }
}
