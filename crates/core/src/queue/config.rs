//! What a queue's arguments and policies mean: the effective settings with RabbitMQ's precedence (the minimum wins for
//! limits and TTLs; for `overflow` the argument wins on classic queues and the policy on quorum
//! queues; for the dead-letter settings the argument beats the policy).

use crate::policy::{Policies, Target};
use crate::profile::Profile;
use crate::topology::QueueDecl;
use crate::value::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueKind {
    #[default]
    Classic,
    Quorum,
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
    /// Classic `x-max-priority`, already max(1, value).
    pub max_priority: Option<u8>,
    pub single_active_consumer: bool,
    /// Quorum queues only; `None` is unlimited.
    pub delivery_limit: Option<u64>,
}

/// The effective settings of a declared queue under the policies that apply now.
pub fn resolve(decl: &QueueDecl, vhost: &str, policies: &Policies, profile: Profile) -> Config {
    let args = &decl.arguments;
    let kind = match args.get_str("x-queue-type") {
        Some("quorum") => QueueKind::Quorum,
        _ => QueueKind::Classic,
    };
    let target = match kind {
        QueueKind::Classic => Target::ClassicQueue,
        QueueKind::Quorum => Target::QuorumQueue,
    };
    let policy = |key: &str| policies.value(vhost, &decl.name, target, key);
    let arg_int = |key: &str| args.get(key).and_then(Value::as_i64);
    let pol_int = |key: &str| policy(key).and_then(Value::as_i64);
    let min = |arg: &str, pol: &str| {
        let values = [arg_int(arg), pol_int(pol)];
        values
            .into_iter()
            .flatten()
            .filter_map(|n| u64::try_from(n).ok())
            .min()
    };
    let arg_overflow = args.get_str("x-overflow").and_then(Overflow::parse);
    let pol_overflow = policy("overflow")
        .and_then(Value::as_str)
        .and_then(Overflow::parse);
    let overflow = match kind {
        QueueKind::Classic => arg_overflow.or(pol_overflow),
        QueueKind::Quorum => pol_overflow.or(arg_overflow),
    };
    let text = |arg: &str, pol: &str| {
        args.get_str(arg)
            .or_else(|| policy(pol).and_then(Value::as_str))
            .map(str::to_owned)
    };
    Config {
        kind,
        message_ttl: min("x-message-ttl", "message-ttl"),
        expires: min("x-expires", "expires"),
        max_length: min("x-max-length", "max-length"),
        max_length_bytes: min("x-max-length-bytes", "max-length-bytes"),
        overflow: overflow.unwrap_or_default(),
        dead_letter_exchange: text("x-dead-letter-exchange", "dead-letter-exchange"),
        dead_letter_routing_key: text("x-dead-letter-routing-key", "dead-letter-routing-key"),
        max_priority: match kind {
            QueueKind::Classic => arg_int("x-max-priority")
                .and_then(|n| u8::try_from(n).ok())
                .map(|n| n.max(1)),
            QueueKind::Quorum => None,
        },
        single_active_consumer: matches!(
            args.get("x-single-active-consumer"),
            Some(Value::Bool(true))
        ),
        delivery_limit: match kind {
            QueueKind::Classic => None,
            QueueKind::Quorum => delivery_limit(
                arg_int("x-delivery-limit"),
                pol_int("delivery-limit"),
                profile,
            ),
        },
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
        [self.message_ttl, per_message].into_iter().flatten().min()
    }

    /// Whether `len` ready messages of `bytes` body bytes are over a limit.
    pub fn over_limit(&self, len: usize, bytes: usize) -> bool {
        self.max_length.is_some_and(|max| len as u64 > max)
            || self.max_length_bytes.is_some_and(|max| bytes as u64 > max)
    }
}
