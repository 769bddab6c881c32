//! Dead-lettering as data: the reasons, the `x-death` history (one entry per (queue, reason),
//! most recent first), the `x-first-death-*` / `x-last-death-*` headers, the content of the
//! dead letter and RabbitMQ's cycle rule. Routing the dead letter is the broker's job.

use std::rc::Rc;

use crate::event::{MessageId, Name};
use crate::profile::Profile;
use crate::queue::entry::{Content, Keys, Shared};
use crate::value::{Table, Value};

/// Why a message was dead-lettered, with RabbitMQ's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeathReason {
    Rejected,
    Expired,
    MaxLen,
    DeliveryLimit,
}

impl DeathReason {
    pub fn name(self) -> &'static str {
        match self {
            DeathReason::Rejected => "rejected",
            DeathReason::Expired => "expired",
            DeathReason::MaxLen => "maxlen",
            DeathReason::DeliveryLimit => "delivery_limit",
        }
    }

    fn parse(text: &str) -> Option<DeathReason> {
        [
            DeathReason::Rejected,
            DeathReason::Expired,
            DeathReason::MaxLen,
            DeathReason::DeliveryLimit,
        ]
        .into_iter()
        .find(|r| r.name() == text)
    }
}

/// One `x-death` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Death {
    pub queue: String,
    pub reason: DeathReason,
    pub count: i64,
    /// Virtual seconds of the first such death (absent in a client-supplied entry without one).
    pub time: Option<i64>,
    pub exchange: String,
    pub routing_keys: Vec<String>,
    pub original_expiration: Option<String>,
}

impl Death {
    fn to_value(&self) -> Value {
        let mut t = Table::new();
        t.insert("count", Value::Int(self.count));
        t.insert("reason", Value::Str(self.reason.name().into()));
        t.insert("queue", Value::Str(self.queue.clone()));
        if let Some(time) = self.time {
            t.insert("time", Value::Timestamp(time));
        }
        t.insert("exchange", Value::Str(self.exchange.clone()));
        let keys = self.routing_keys.iter().cloned().map(Value::Str).collect();
        t.insert("routing-keys", Value::Array(keys));
        if let Some(exp) = &self.original_expiration {
            t.insert("original-expiration", Value::Str(exp.clone()));
        }
        Value::Table(t)
    }

    fn from_value(value: &Value) -> Option<Death> {
        let Value::Table(t) = value else { return None };
        let keys = match t.get("routing-keys") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        Some(Death {
            queue: t.get_str("queue")?.to_owned(),
            reason: DeathReason::parse(t.get_str("reason")?)?,
            count: t.get("count").and_then(Value::as_i64).unwrap_or(1),
            time: match t.get("time") {
                Some(Value::Timestamp(s) | Value::Int(s)) => Some(*s),
                _ => None,
            },
            exchange: t.get_str("exchange").unwrap_or_default().to_owned(),
            routing_keys: keys,
            original_expiration: t.get_str("original-expiration").map(str::to_owned),
        })
    }
}

/// A client-supplied `x-death` header as a history (entries that do not parse are skipped).
pub fn parse(header: Option<&Value>) -> Vec<Death> {
    match header {
        Some(Value::Array(items)) => items.iter().filter_map(Death::from_value).collect(),
        _ => Vec::new(),
    }
}

/// Records a death: the same (queue, reason) again counts up and moves to the front. With
/// `reverse_others` (≤ 3.12: `group_by_queue_and_reason` folds the history into a reversed
/// list), a history of two or more entries is reversed first, so the entries behind the new
/// front come in reverse order, as a live 3.10.8 shows.
pub fn record(deaths: &mut Vec<Death>, death: Death, reverse_others: bool) {
    if reverse_others && deaths.len() >= 2 {
        deaths.reverse();
    }
    match deaths
        .iter()
        .position(|d| d.queue == death.queue && d.reason == death.reason)
    {
        Some(i) => {
            let mut earlier = deaths.remove(i);
            earlier.count += 1;
            deaths.insert(0, earlier);
        }
        None => deaths.insert(0, death),
    }
}

/// RabbitMQ's cycle rule for a dead letter about to enter `queue`: a cycle when the history
/// shows an earlier death from `queue` and no death from the front up to that entry is
/// `rejected`. A `rejected` death is never a cycle (a client decision breaks it).
pub fn is_cycle(deaths: &[Death], queue: &str, reason: DeathReason) -> bool {
    if reason == DeathReason::Rejected {
        return false;
    }
    let Some(i) = deaths.iter().position(|d| d.queue == queue) else {
        return false;
    };
    deaths
        .iter()
        .take(i + 1)
        .all(|d| d.reason != DeathReason::Rejected)
}

/// Where a dead letter goes and how it is routed.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub exchange: String,
    pub routing_key: Option<String>,
}

/// The dead letter of `content` dying in `queue`: the death recorded, `x-death` and the
/// death headers rewritten, `expiration` cleared; routed by the DLRK (CC removed) or by the
/// original keys. Gets a new message id: it is a new publish, sent when the original was.
pub fn dead_letter(
    content: &Content,
    queue: &str,
    reason: DeathReason,
    target: &Target,
    now_ms: u64,
    profile: Profile,
    id: MessageId,
) -> Content {
    let mut next = Shared::clone(content);
    let time = Some(i64::try_from(now_ms / 1000).unwrap_or(i64::MAX));
    // x-first-death-* go with the first death: ≤ 3.13 when the message had no x-death header
    // (a client-supplied one counts), 4.x when the broker's own history was empty.
    let first = if profile.interprets_client_x_death() {
        content.properties.headers.get("x-death").is_none()
    } else {
        content.deaths.is_empty()
    };
    let expiration = Rc::make_mut(&mut next.properties).expiration.take();
    let reverse_others = profile.reverses_earlier_deaths();
    record(
        &mut next.deaths,
        Death {
            queue: queue.to_owned(),
            reason,
            count: 1,
            time,
            exchange: content.exchange.to_string(),
            routing_keys: content.keys.visible.clone(),
            original_expiration: expiration,
        },
        reverse_others,
    );
    let fields = [
        ("reason", Value::Str(reason.name().into())),
        ("queue", Value::Str(queue.to_owned())),
        ("exchange", Value::Str(content.exchange.to_string())),
    ];
    write_headers(&mut next, fields, first, profile);
    let headers = &mut Rc::make_mut(&mut next.properties).headers;
    next.exchange = target.exchange.as_str().into();
    if let Some(dlrk) = &target.routing_key {
        headers.remove("CC");
        next.routing_key = dlrk.as_str().into();
        next.keys = Rc::new(Keys::one(dlrk));
    }
    Content::new(id, Rc::new(next)).sent_at(content.sent)
}

/// Writes `x-death` from the history, `x-first-death-*` at the `first` death, and (3.13+)
/// `x-last-death-*`.
fn write_headers(content: &mut Shared, fields: [(&str, Value); 3], first: bool, profile: Profile) {
    let deaths = content.deaths.iter().map(Death::to_value).collect();
    let headers = &mut Rc::make_mut(&mut content.properties).headers;
    headers.insert("x-death", Value::Array(deaths));
    for (field, value) in fields {
        if first {
            headers.insert(format!("x-first-death-{field}"), value.clone());
        }
        if profile.sets_last_death_headers() {
            headers.insert(format!("x-last-death-{field}"), value);
        }
    }
}

/// A message on its way to a dead-letter exchange: queued work, processed in order.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    /// At-least-once: the slot of the source queue that holds the message; the broker runs
    /// that queue's worker instead of routing this copy.
    pub held: Option<usize>,
    pub vhost: Name,
    pub queue: Name,
    pub reason: DeathReason,
    pub content: Content,
    pub target: Target,
}

#[cfg(test)]
mod tests {
    use super::DeathReason::*;
    use super::*;

    type Case<'a> = (&'a [(&'a str, DeathReason)], &'a str, DeathReason, bool);

    fn death(queue: &str, reason: DeathReason) -> Death {
        Death {
            queue: queue.into(),
            reason,
            count: 1,
            time: Some(0),
            exchange: String::new(),
            routing_keys: vec![queue.into()],
            original_expiration: None,
        }
    }

    fn history(entries: &[(&str, DeathReason)]) -> Vec<Death> {
        entries.iter().map(|(q, r)| death(q, *r)).collect()
    }

    #[test]
    fn cycle_rule() {
        let cases: &[Case] = &[
            (&[], "q", Expired, false),
            (&[("q", Expired)], "q", Expired, true),
            (&[("q", MaxLen)], "q", MaxLen, true),
            (&[("q", Rejected)], "q", Rejected, false),
            (&[("q", Expired)], "q", Rejected, false),
            (&[("other", Expired)], "q", Expired, false),
            (&[("a", Rejected), ("q", Expired)], "q", Expired, false),
            (&[("a", Expired), ("q", Expired)], "q", Expired, true),
            (&[("q", Expired), ("a", Rejected)], "q", Expired, true),
        ];
        for (deaths, queue, reason, want) in cases {
            assert_eq!(
                is_cycle(&history(deaths), queue, *reason),
                *want,
                "{deaths:?} {queue}"
            );
        }
    }

    #[test]
    fn same_queue_and_reason_counts_up_and_moves_to_front() {
        let mut deaths = history(&[("a", Expired), ("q", Rejected)]);
        record(&mut deaths, death("q", Rejected), false);
        assert_eq!(deaths[0].queue, "q");
        assert_eq!(deaths[0].count, 2);
        assert_eq!(deaths.len(), 2);
        record(&mut deaths, death("q", Expired), false);
        assert_eq!(deaths.len(), 3);
        assert_eq!(deaths[0].reason, Expired);
    }

    fn queues(deaths: &[Death]) -> Vec<&str> {
        deaths.iter().map(|d| d.queue.as_str()).collect()
    }

    #[test]
    fn rabbitmq_310_reverses_the_entries_behind_the_front() {
        // Seen live on 3.10.8: rejected in q1, then q2, then q3, then q1 again.
        let mut deaths = Vec::new();
        for (queue, want) in [
            ("q1", vec!["q1"]),
            ("q2", vec!["q2", "q1"]),
            ("q3", vec!["q3", "q1", "q2"]),
            ("q1", vec!["q1", "q2", "q3"]),
        ] {
            record(&mut deaths, death(queue, Rejected), true);
            assert_eq!(queues(&deaths), want);
        }
        let mut recent_first = Vec::new();
        for queue in ["q1", "q2", "q3"] {
            record(&mut recent_first, death(queue, Rejected), false);
        }
        assert_eq!(queues(&recent_first), ["q3", "q2", "q1"]);
    }

    #[test]
    fn x_death_round_trips() {
        let mut d = death("q", MaxLen);
        d.original_expiration = Some("5".into());
        let parsed = parse(Some(&Value::Array(vec![d.to_value()])));
        assert_eq!(parsed, vec![d]);
    }
}
