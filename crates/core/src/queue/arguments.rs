//! Which `queue.declare` arguments each queue type owns, per RabbitMQ version: each type's
//! `queue_arguments` capability (`capabilities/0` in rabbit_classic_queue.erl,
//! rabbit_quorum_queue.erl and rabbit_stream_queue.erl @v3.10.8 and @v4.3.5). A declare
//! validates only the arguments its type owns and refuses one that only another type owns
//! (`rabbit_amqqueue:check_declare_arguments/2`); a redeclare compares the type's arguments in
//! this order (`assert_args_equivalence/2`). Streams are not modelled, but their arguments
//! count: they are what makes `x-max-age` on a classic queue an error.

use crate::profile::Profile;
use crate::queue::config::QueueKind;

/// Classic queues' arguments in 3.10.8.
const CLASSIC: [&str; 13] = [
    "x-expires",
    "x-message-ttl",
    "x-dead-letter-exchange",
    "x-dead-letter-routing-key",
    "x-max-length",
    "x-max-length-bytes",
    "x-max-priority",
    "x-overflow",
    "x-queue-mode",
    "x-queue-version",
    "x-single-active-consumer",
    "x-queue-type",
    "x-queue-master-locator",
];
/// What 4.x classic queues add, after those.
const CLASSIC_4_MORE: [&str; 1] = ["x-queue-leader-locator"];

/// Quorum queues' arguments in 3.10.8.
const QUORUM: [&str; 15] = [
    "x-dead-letter-exchange",
    "x-dead-letter-routing-key",
    "x-dead-letter-strategy",
    "x-expires",
    "x-max-length",
    "x-max-length-bytes",
    "x-max-in-memory-length",
    "x-max-in-memory-bytes",
    "x-overflow",
    "x-single-active-consumer",
    "x-queue-type",
    "x-quorum-initial-group-size",
    "x-delivery-limit",
    "x-message-ttl",
    "x-queue-leader-locator",
];
/// What 4.x quorum queues add, after those: consumer timeouts and delayed retries.
const QUORUM_4_MORE: [&str; 5] = [
    "x-consumer-disconnected-timeout",
    "x-consumer-timeout",
    "x-delayed-retry-type",
    "x-delayed-retry-min",
    "x-delayed-retry-max",
];

/// Streams' arguments in 3.10.8 (their order does not matter here).
const STREAM: [&str; 6] = [
    "x-max-length-bytes",
    "x-queue-type",
    "x-max-age",
    "x-stream-max-segment-size-bytes",
    "x-initial-cluster-size",
    "x-queue-leader-locator",
];
/// What 4.x streams add: the filter size.
const STREAM_4_MORE: [&str; 1] = ["x-stream-filter-size-bytes"];

/// The arguments a queue of `kind` owns under `profile`, in its capability's order.
pub fn owned(profile: Profile, kind: QueueKind) -> Vec<&'static str> {
    let (base, more): (&[&str], &[&str]) = match kind {
        QueueKind::Classic => (&CLASSIC, &CLASSIC_4_MORE),
        QueueKind::Quorum => (&QUORUM, &QUORUM_4_MORE),
    };
    with_4x(profile, base, more)
}

/// `base`, and under the 4.x profile `more` after it.
fn with_4x(profile: Profile, base: &[&'static str], more: &[&'static str]) -> Vec<&'static str> {
    let more = if profile == Profile::RabbitMq4 {
        more
    } else {
        &[]
    };
    base.iter().chain(more).copied().collect()
}

/// Whether `argument` belongs to another queue type than `kind` (and so is refused on it);
/// an argument no type owns (`x-custom`) is accepted and ignored.
pub fn of_another_type(profile: Profile, kind: QueueKind, argument: &str) -> bool {
    let streams = with_4x(profile, &STREAM, &STREAM_4_MORE);
    let other = match kind {
        QueueKind::Classic => QueueKind::Quorum,
        QueueKind::Quorum => QueueKind::Classic,
    };
    let owned_by = |list: &[&str]| list.contains(&argument);
    !owned_by(&owned(profile, kind)) && (owned_by(&owned(profile, other)) || owned_by(&streams))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_refuses_what_only_others_own() {
        use QueueKind::{Classic, Quorum};
        let (p3, p4) = (Profile::RabbitMq310, Profile::RabbitMq4);
        for (profile, kind, argument, refused) in [
            // quorum_queue_SUITE:declare_invalid_arg_1 (both versions): x-queue-mode.
            (p3, Quorum, "x-queue-mode", true),
            (p4, Quorum, "x-queue-mode", true),
            (p3, Quorum, "x-max-priority", true),
            (p4, Quorum, "x-max-priority", true),
            (p3, Classic, "x-dead-letter-strategy", true),
            (p4, Classic, "x-delivery-limit", true),
            (p3, Classic, "x-max-age", true),
            // 4.x classic queues took the leader locator over from master locator.
            (p3, Classic, "x-queue-leader-locator", true),
            (p4, Classic, "x-queue-leader-locator", false),
            (p4, Classic, "x-consumer-timeout", true),
            (p3, Classic, "x-consumer-timeout", false),
            (p4, Quorum, "x-message-ttl", false),
            (p3, Quorum, "x-custom", false),
            (p4, Classic, "x-queue-type", false),
        ] {
            assert_eq!(
                of_another_type(profile, kind, argument),
                refused,
                "{profile} {kind:?} {argument}"
            );
        }
    }
}
