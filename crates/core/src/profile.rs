//! Which RabbitMQ the core imitates where releases differ. The default follows RabbitMQ 4.x
//! (4.3.5+); `rabbitmq-3.10` reproduces Debian 12's RabbitMQ 3.10.8 so the core can be checked
//! against a live broker. Every version-dependent rule asks this type, so the differences are
//! listed in one place.

use std::fmt;
use std::str::FromStr;

use crate::policy::Target;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// RabbitMQ 4.3.5 and later.
    #[default]
    RabbitMq4,
    /// RabbitMQ 3.10–3.12 (checked live against 3.10.8).
    RabbitMq310,
}

impl Profile {
    pub const ALL: [Profile; 2] = [Profile::RabbitMq4, Profile::RabbitMq310];

    pub fn name(self) -> &'static str {
        match self {
            Profile::RabbitMq4 => "rabbitmq-4",
            Profile::RabbitMq310 => "rabbitmq-3.10",
        }
    }

    /// Headers exchange: ≤ 3.12 compares with Erlang `==`, so integer 1 equals double 1.0.
    pub fn int_equals_float(self) -> bool {
        self == Profile::RabbitMq310
    }

    /// Headers exchange: 3.13+ converts message timestamp headers to milliseconds.
    pub fn scales_header_timestamps(self) -> bool {
        self == Profile::RabbitMq4
    }

    /// Topic exchange: 4.3.5+ refuses binding keys with more than two `#` words.
    pub fn max_hash_words(self) -> Option<usize> {
        match self {
            Profile::RabbitMq4 => Some(2),
            Profile::RabbitMq310 => None,
        }
    }

    /// Quorum queues: where a requeued (returned) message goes. 3.10–3.13 without a delivery limit
    /// re-enqueue it at the back; with a limit, and always from 4.0, it goes to the returns queue
    /// that is served before other messages.
    pub fn quorum_requeue_to_back(self, has_delivery_limit: bool) -> bool {
        self == Profile::RabbitMq310 && !has_delivery_limit
    }

    /// Quorum queues: the delivery limit when none is configured (20 from 4.0, none before).
    pub fn default_delivery_limit(self) -> Option<u64> {
        match self {
            Profile::RabbitMq4 => Some(20),
            Profile::RabbitMq310 => None,
        }
    }

    /// Quorum queues: whether `basic.nack(requeue=true)` counts toward the delivery limit
    /// (≤ 4.2 yes; 4.3+ counts only failed deliveries such as `basic.reject`).
    pub fn nack_counts_toward_delivery_limit(self) -> bool {
        self == Profile::RabbitMq310
    }

    /// Quorum queues: 3.10.8 adds `x-delivery-count: 0` to a first `basic.get` delivery; 4.x
    /// leaves the header out until a redelivery.
    pub fn delivery_count_on_first_get(self) -> bool {
        self == Profile::RabbitMq310
    }

    /// Up to 3.13 a client-supplied `x-death` header is interpreted (its counts keep growing and it
    /// takes part in cycle detection); from 4.0 the broker's own history starts fresh.
    pub fn interprets_client_x_death(self) -> bool {
        self == Profile::RabbitMq310
    }

    /// Dead-lettering ≤ 3.12 regroups the `x-death` history into a reversed list before
    /// putting the new death in front; 3.13+ sorts it most recent first.
    pub fn reverses_earlier_deaths(self) -> bool {
        self == Profile::RabbitMq310
    }

    /// At-least-once dead-lettering without a dead-letter routing key: a retry routes 3.10's
    /// way with the `routing-keys` of the latest `x-death` entry (BCC not among them), 4.x's
    /// with the message's original keys, CC and BCC included (`rabbit_fifo_dlx_worker:redeliver/4`
    /// @v3.10.8 and @v4.3.5).
    pub fn dlx_retry_keys_from_x_death(self) -> bool {
        self == Profile::RabbitMq310
    }

    /// `x-last-death-reason`, `-queue` and `-exchange` exist from 3.13.
    pub fn sets_last_death_headers(self) -> bool {
        self == Profile::RabbitMq4
    }

    /// Quorum queues with single active consumer: from 4.0 a higher-priority consumer takes
    /// over from the active one (see [`crate::queue::consumer::Sac::ByPriority`]).
    pub fn sac_by_priority(self) -> bool {
        self == Profile::RabbitMq4
    }

    /// Quorum queue priorities: 4.3+ has strict levels 0–31 with a default of 4 (returned as
    /// `(max, default)`); 3.10 quorum queues have none.
    pub fn quorum_priorities(self) -> Option<(u8, u8)> {
        match self {
            Profile::RabbitMq4 => Some((31, 4)),
            Profile::RabbitMq310 => None,
        }
    }

    /// The policy keys a queue type does not support: a policy holding one of them does not
    /// apply to such a queue at all (`rabbit_queue_type:is_policy_applicable` with each type's
    /// `unsupported_policies` capability, rabbit_classic_queue.erl and rabbit_quorum_queue.erl
    /// @v3.10.8 and @v4.3.5). Exchanges take every policy.
    pub fn unsupported_policy_keys(self, target: Target) -> &'static [&'static str] {
        const STREAM: [&str; 3] = [
            "max-age",
            "stream-max-segment-size-bytes",
            "initial-cluster-size",
        ];
        const CLASSIC_310: [&str; 6] = [
            STREAM[0],
            STREAM[1],
            STREAM[2],
            "queue-leader-locator",
            "delivery-limit",
            "dead-letter-strategy",
        ];
        const CLASSIC_4: [&str; 10] = [
            STREAM[0],
            STREAM[1],
            STREAM[2],
            "delivery-limit",
            "dead-letter-strategy",
            "max-in-memory-length",
            "max-in-memory-bytes",
            "target-group-size",
            "selector-fields",
            "selector-field-max-bytes",
        ];
        const QUORUM_310: [&str; 12] = [
            "max-priority",
            "queue-mode",
            "single-active-consumer",
            "ha-mode",
            "ha-params",
            "ha-sync-mode",
            "ha-promote-on-shutdown",
            "ha-promote-on-failure",
            "queue-master-locator",
            STREAM[0],
            STREAM[1],
            STREAM[2],
        ];
        // 4.x quorum queues take `single-active-consumer` from a policy.
        const QUORUM_4: [&str; 13] = [
            "max-priority",
            "queue-mode",
            "ha-mode",
            "ha-params",
            "ha-sync-mode",
            "ha-promote-on-shutdown",
            "ha-promote-on-failure",
            "queue-master-locator",
            STREAM[0],
            STREAM[1],
            STREAM[2],
            "selector-fields",
            "selector-field-max-bytes",
        ];
        match (self, target) {
            (_, Target::Exchange) => &[],
            (Profile::RabbitMq310, Target::ClassicQueue) => &CLASSIC_310,
            (Profile::RabbitMq4, Target::ClassicQueue) => &CLASSIC_4,
            (Profile::RabbitMq310, Target::QuorumQueue) => &QUORUM_310,
            (Profile::RabbitMq4, Target::QuorumQueue) => &QUORUM_4,
        }
    }

    /// The version ranges of the conformance vectors' `expected_by_version` this profile obeys.
    pub fn matches_version_range(self, range: &str) -> bool {
        let range = range.trim();
        match self {
            Profile::RabbitMq310 => {
                range.starts_with("3.10")
                    || range == "<=3.12"
                    || range == "<=3.13"
                    || range == "<4.0"
            }
            Profile::RabbitMq4 => range.starts_with(">=") && !range.starts_with(">=5"),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("unknown profile `{s}`: expected rabbitmq-4 or rabbitmq-3.10"))
    }
}
