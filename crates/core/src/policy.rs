//! Policies as a definitions file holds them: a name, a regular expression over names, what they
//! apply to, a priority and a definition. Answers which policy applies to an exchange or a queue
//! and the effective value of a key, leaving precedence against arguments to the caller.

use regex_lite::Regex;

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
}

/// Every policy of the broker. One policy applies to a thing: the highest priority among those
/// that match (ties broken by name, so the choice is deterministic).
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

    pub fn effective(&self, vhost: &str, name: &str, target: Target) -> Option<&Policy> {
        self.policies
            .iter()
            .filter(|p| p.applies(vhost, name, target))
            .max_by(|a, b| {
                a.priority
                    .cmp(&b.priority)
                    .then_with(|| b.name.cmp(&a.name))
            })
    }

    /// The value of `key` in the policy that applies, if any.
    pub fn value(&self, vhost: &str, name: &str, target: Target, key: &str) -> Option<&Value> {
        self.effective(vhost, name, target)?.definition.get(key)
    }

    /// The `alternate-exchange` a policy gives an exchange.
    pub fn exchange_alternate(&self, vhost: &str, exchange: &str) -> Option<String> {
        self.value(vhost, exchange, Target::Exchange, "alternate-exchange")?
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

    #[test]
    fn bad_pattern_is_named() {
        let err = Policy::new("/", "p", "(", ApplyTo::All, 0, Table::new()).unwrap_err();
        assert!(err.contains("pattern `(`"), "{err}");
    }
}
