//! What a queue's arguments and policies mean: the effective settings with RabbitMQ's precedence (the minimum wins for
//! limits and TTLs; for `overflow` the argument wins on classic queues and the policy on quorum
//! queues; for the dead-letter settings the argument beats the policy).

use crate::policy::{Policies, Target};
use crate::profile::Profile;
use crate::topology::QueueDecl;
use crate::value::{Table, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueKind {
    #[default]
    Classic,
    Quorum,
}

impl QueueKind {
    /// The type a declaration's arguments ask for (no `x-queue-type`: classic).
    pub fn of(args: &Table) -> QueueKind {
        match args.get_str("x-queue-type") {
            Some("quorum") => QueueKind::Quorum,
            _ => QueueKind::Classic,
        }
    }

    /// The Erlang module RabbitMQ names the type by in errors.
    pub fn module(self) -> &'static str {
        match self {
            QueueKind::Classic => "rabbit_classic_queue",
            QueueKind::Quorum => "rabbit_quorum_queue",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    #[default]
    DropHead,
    RejectPublish,
    RejectPublishDlx,
}

impl Overflow {
    pub fn parse(text: &str) -> Option<Overflow> {
        Some(match text {
            "drop-head" => Overflow::DropHead,
            "reject-publish" => Overflow::RejectPublish,
            "reject-publish-dlx" => Overflow::RejectPublishDlx,
            _ => return None,
        })
    }
}

/// How a queue's dead letters leave it (`rabbit_quorum_queue:dead_letter_handler/2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeadLetterStrategy {
    /// Re-published once, without confirms: lost if the dead-letter exchange is missing or a
    /// target refuses it. Classic queues, and quorum queues unless `at-least-once` applies.
    #[default]
    AtMostOnce,
    /// Quorum queues with `dead-letter-strategy: at-least-once`, a dead-letter exchange and
    /// `reject-publish` overflow: the source holds each dead letter until every target queue
    /// confirmed it ([`crate::queue::dlx`]).
    AtLeastOnce,
}

/// The effective settings of a queue.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    pub kind: QueueKind,
    pub message_ttl: Option<u64>,
    pub expires: Option<u64>,
    pub max_length: Option<u64>,
    pub max_length_bytes: Option<u64>,
    pub overflow: Overflow,
    pub dead_letter_exchange: Option<String>,
    pub dead_letter_routing_key: Option<String>,
    pub dead_letter_strategy: DeadLetterStrategy,
    /// Classic `x-max-priority` (0 is a single level: FIFO).
    pub max_priority: Option<u8>,
    pub single_active_consumer: bool,
    /// With single active consumer: 4.0+ quorum queues rank consumers by priority.
    pub sac_by_priority: bool,
    /// Quorum queues only; `None` is unlimited.
    pub delivery_limit: Option<u64>,
    /// 4.3+ quorum queues expire at the head of each priority level, not only at the head.
    pub expiry_scans_levels: bool,
}

/// The effective settings of a declared queue under the policies that apply now.
pub fn resolve(decl: &QueueDecl, vhost: &str, policies: &Policies, profile: Profile) -> Config {
    let args = &decl.arguments;
    let kind = QueueKind::of(args);
    let target = match kind {
        QueueKind::Classic => Target::ClassicQueue,
        QueueKind::Quorum => Target::QuorumQueue,
    };
    let sources = Sources {
        args,
        policy: |key: &str| policies.value(vhost, &decl.name, target, profile, key),
    };
    let arg_overflow = args.get_str("x-overflow").and_then(Overflow::parse);
    let pol_overflow = (sources.policy)("overflow")
        .and_then(Value::as_str)
        .and_then(Overflow::parse);
    let overflow = match kind {
        QueueKind::Classic => arg_overflow.or(pol_overflow),
        QueueKind::Quorum => pol_overflow.or(arg_overflow),
    };
    let dead_letter_exchange = sources.text("x-dead-letter-exchange", "dead-letter-exchange");
    let overflow = overflow.unwrap_or_default();
    let dead_letter_strategy = crate::queue::dlx::strategy(
        kind,
        dead_letter_exchange.is_some(),
        sources.text("x-dead-letter-strategy", "dead-letter-strategy"),
        overflow,
    );
    Config {
        kind,
        message_ttl: sources.min("x-message-ttl", "message-ttl"),
        expires: sources.min("x-expires", "expires"),
        max_length: sources.min("x-max-length", "max-length"),
        max_length_bytes: sources.min("x-max-length-bytes", "max-length-bytes"),
        overflow,
        dead_letter_exchange,
        dead_letter_routing_key: sources
            .text("x-dead-letter-routing-key", "dead-letter-routing-key"),
        dead_letter_strategy,
        max_priority: match kind {
            // `x-max-priority: 0` is one level (priorities 0..=0), so the queue is FIFO: seen
            // live on 3.10.8 (a drop-head queue kept the newest message, whatever its priority).
            QueueKind::Classic => sources
                .arg_int("x-max-priority")
                .and_then(|n| u8::try_from(n).ok()),
            QueueKind::Quorum => None,
        },
        single_active_consumer: matches!(
            args.get("x-single-active-consumer"),
            Some(Value::Bool(true))
        ),
        sac_by_priority: kind == QueueKind::Quorum && profile.sac_by_priority(),
        expiry_scans_levels: kind == QueueKind::Quorum && profile.quorum_priorities().is_some(),
        delivery_limit: match kind {
            QueueKind::Classic => None,
            QueueKind::Quorum => delivery_limit(
                sources.arg_int("x-delivery-limit"),
                sources.policy_int("delivery-limit"),
                profile,
            ),
        },
    }
}

/// Where a setting comes from: the queue's arguments and the policy that applies.
struct Sources<'a, P: Fn(&str) -> Option<&'a Value>> {
    args: &'a crate::value::Table,
    policy: P,
}

impl<'a, P: Fn(&str) -> Option<&'a Value>> Sources<'a, P> {
    fn arg_int(&self, key: &str) -> Option<i64> {
        self.args.get(key).and_then(Value::as_i64)
    }

    fn policy_int(&self, key: &str) -> Option<i64> {
        (self.policy)(key).and_then(Value::as_i64)
    }

    /// Limits and TTLs: the smaller of argument and policy.
    fn min(&self, arg: &str, policy: &str) -> Option<u64> {
        [self.arg_int(arg), self.policy_int(policy)]
            .into_iter()
            .flatten()
            .filter_map(|n| u64::try_from(n).ok())
            .min()
    }

    /// Dead-letter settings: the argument beats the policy.
    fn text(&self, arg: &str, policy: &str) -> Option<String> {
        self.args
            .get_str(arg)
            .or_else(|| (self.policy)(policy).and_then(Value::as_str))
            .map(str::to_owned)
    }
}

/// The minimum of argument and policy; a negative value means unlimited (4.0+ `-1`); nothing
/// set means the profile's default.
fn delivery_limit(arg: Option<i64>, policy: Option<i64>, profile: Profile) -> Option<u64> {
    let set: Vec<i64> = [arg, policy].into_iter().flatten().collect();
    if set.is_empty() {
        return profile.default_delivery_limit();
    }
    set.into_iter().filter_map(|n| u64::try_from(n).ok()).min()
}

impl Config {
    /// The effective priority of a message in this queue.
    pub fn priority(&self, requested: Option<u8>, profile: Profile) -> u8 {
        match (self.kind, self.max_priority) {
            (QueueKind::Classic, Some(max)) => requested.unwrap_or(0).min(max),
            (QueueKind::Classic, None) => 0,
            (QueueKind::Quorum, _) => match profile.quorum_priorities() {
                Some((max, default)) => requested.unwrap_or(default).min(max),
                None => 0,
            },
        }
    }

    /// The effective TTL of a message with per-message `expiration` (ms): the smaller wins.
    pub fn ttl(&self, per_message: Option<u64>) -> Option<u64> {
        // Matched rather than the minimum of a flattened pair: once per enqueued copy.
        match (self.message_ttl, per_message) {
            (Some(queue), Some(message)) => Some(queue.min(message)),
            (queue, message) => queue.or(message),
        }
    }

    /// Whether the queue has a length limit (in messages or bytes).
    pub fn has_limit(&self) -> bool {
        self.max_length.is_some() || self.max_length_bytes.is_some()
    }

    /// Whether `len` ready messages of `bytes` body bytes are over a limit.
    pub fn over_limit(&self, len: usize, bytes: usize) -> bool {
        self.max_length.is_some_and(|max| len as u64 > max)
            || self.max_length_bytes.is_some_and(|max| bytes as u64 > max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{ApplyTo, Policy};
    use crate::value::Table;

    /// The effective config of queue `q` with `args` under a policy with `definition`.
    fn resolved(
        args: serde_json::Value,
        definition: serde_json::Value,
        profile: Profile,
    ) -> Config {
        let mut decl = QueueDecl::new("q");
        decl.arguments = Table::from_json(&args).unwrap();
        let mut policies = Policies::default();
        let definition = Table::from_json(&definition).unwrap();
        policies.set(Policy::new("/", "p", "^q$", ApplyTo::All, 0, definition).unwrap());
        resolve(&decl, "/", &policies, profile)
    }

    #[test]
    fn argument_and_policy_precedence() {
        use serde_json::json;
        let v4 = Profile::RabbitMq4;
        let quorum = json!({"x-queue-type": "quorum", "x-overflow": "reject-publish"});
        let alo = json!({"x-queue-type": "quorum", "x-overflow": "reject-publish",
            "x-dead-letter-exchange": "dlx", "x-dead-letter-strategy": "at-least-once"});
        let cases = [
            // (arguments, policy, profile, check)
            (
                json!({"x-max-length": 5}),
                json!({"max-length": 3}),
                v4,
                "max_length=Some(3)",
            ),
            (
                json!({"x-max-length": 2}),
                json!({"max-length": 3}),
                v4,
                "max_length=Some(2)",
            ),
            (
                json!({"x-message-ttl": 100}),
                json!({"message-ttl": 50}),
                v4,
                "message_ttl=Some(50)",
            ),
            (
                json!({"x-expires": 100}),
                json!({}),
                v4,
                "expires=Some(100)",
            ),
            (
                json!({"x-overflow": "reject-publish"}),
                json!({"overflow": "drop-head"}),
                v4,
                "overflow=RejectPublish",
            ),
            (
                quorum.clone(),
                json!({"overflow": "drop-head"}),
                v4,
                "overflow=DropHead",
            ),
            (
                json!({"x-dead-letter-exchange": "a"}),
                json!({"dead-letter-exchange": "b"}),
                v4,
                "dlx=Some(\"a\")",
            ),
            (
                json!({}),
                json!({"dead-letter-exchange": "b"}),
                v4,
                "dlx=Some(\"b\")",
            ),
            (
                json!({"x-max-priority": 0}),
                json!({}),
                v4,
                "max_priority=Some(0)",
            ),
            (quorum.clone(), json!({}), v4, "delivery_limit=Some(20)"),
            (
                quorum.clone(),
                json!({}),
                Profile::RabbitMq310,
                "delivery_limit=None",
            ),
            (
                json!({"x-queue-type": "quorum", "x-delivery-limit": -1}),
                json!({}),
                v4,
                "delivery_limit=None",
            ),
            (
                json!({"x-queue-type": "quorum", "x-delivery-limit": 5}),
                json!({"delivery-limit": 3}),
                v4,
                "delivery_limit=Some(3)",
            ),
            (
                json!({"x-delivery-limit": 5}),
                json!({}),
                v4,
                "delivery_limit=None",
            ),
            // dead-letter-strategy: rabbit_quorum_queue:dlh/5 (v3.10.8 l. 1287-1319)
            (alo.clone(), json!({}), v4, "strategy=AtLeastOnce"),
            (
                alo.clone(),
                json!({}),
                Profile::RabbitMq310,
                "strategy=AtLeastOnce",
            ),
            (
                json!({"x-queue-type": "quorum", "x-dead-letter-exchange": "dlx",
                    "x-overflow": "reject-publish"}),
                json!({"dead-letter-strategy": "at-least-once"}),
                v4,
                "strategy=AtLeastOnce",
            ),
            // the argument beats the policy (queueArgHasPrecedence)
            (
                alo.clone(),
                json!({"dead-letter-strategy": "at-most-once"}),
                v4,
                "strategy=AtLeastOnce",
            ),
            // drop-head (by the policy, which wins for quorum overflow): falls back
            (
                alo.clone(),
                json!({"overflow": "drop-head"}),
                v4,
                "strategy=AtMostOnce",
            ),
            // reject-publish-dlx is drop-head on a quorum queue
            (
                json!({"x-queue-type": "quorum", "x-dead-letter-exchange": "dlx",
                    "x-overflow": "reject-publish-dlx", "x-dead-letter-strategy": "at-least-once"}),
                json!({}),
                Profile::RabbitMq310,
                "strategy=AtMostOnce",
            ),
            // no dead-letter exchange: dead-lettering is off
            (
                json!({"x-queue-type": "quorum", "x-overflow": "reject-publish",
                    "x-dead-letter-strategy": "at-least-once"}),
                json!({}),
                v4,
                "strategy=AtMostOnce",
            ),
            // classic queues have no strategy
            (
                json!({"x-dead-letter-exchange": "dlx", "x-overflow": "reject-publish",
                    "x-dead-letter-strategy": "at-least-once"}),
                json!({}),
                v4,
                "strategy=AtMostOnce",
            ),
        ];
        for (args, policy, profile, want) in cases {
            let c = resolved(args.clone(), policy.clone(), profile);
            let got = format!(
                "max_length={:?} message_ttl={:?} expires={:?} overflow={:?} dlx={:?} max_priority={:?} delivery_limit={:?} strategy={:?}",
                c.max_length,
                c.message_ttl,
                c.expires,
                c.overflow,
                c.dead_letter_exchange,
                c.max_priority,
                c.delivery_limit,
                c.dead_letter_strategy
            );
            assert!(
                got.contains(want),
                "{args} + policy {policy} ({profile}): {got}"
            );
        }
    }

    #[test]
    fn priority_and_ttl() {
        let classic = |max| Config {
            max_priority: max,
            ..Config::default()
        };
        let v4 = Profile::RabbitMq4;
        assert_eq!(classic(None).priority(Some(9), v4), 0);
        assert_eq!(classic(Some(5)).priority(Some(9), v4), 5);
        assert_eq!(classic(Some(5)).priority(None, v4), 0);
        let quorum = Config {
            kind: QueueKind::Quorum,
            ..Config::default()
        };
        assert_eq!(quorum.priority(None, v4), 4);
        assert_eq!(quorum.priority(Some(200), v4), 31);
        assert_eq!(quorum.priority(Some(9), Profile::RabbitMq310), 0);
        let ttl = Config {
            message_ttl: Some(100),
            ..Config::default()
        };
        assert_eq!(ttl.ttl(Some(50)), Some(50));
        assert_eq!(ttl.ttl(Some(500)), Some(100));
        assert_eq!(Config::default().ttl(None), None);
    }
}
