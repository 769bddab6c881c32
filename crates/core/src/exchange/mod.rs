//! The exchange types behind one contract, as each `rabbit_exchange_type_*.erl` implements the
//! `rabbit_exchange_type` behaviour. A type keeps an index of its exchange's bindings and answers
//! which of them match a message, and explains one binding's verdict on demand. It knows nothing
//! of queues, other exchanges, alternate exchanges or cycles: the route walk (`crate::route`)
//! owns those.

pub mod direct;
pub mod fanout;
pub mod headers;
pub mod topic;

use std::fmt;
use std::str::FromStr;

use crate::error::BrokerError;
use crate::profile::Profile;
use crate::value::Table;

/// A binding's place in its source exchange's binding table. Only that exchange hands these
/// out, and it removes a slot from its index before the slot can be reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BindingSlot(pub u32);

/// The message as exchange types see it: its routing keys (the publish routing key, then CC and
/// BCC keys) and its headers.
#[derive(Debug, Clone, Copy)]
pub struct RoutingInput<'a> {
    pub keys: &'a [String],
    pub headers: &'a Table,
}

/// What every exchange type implements.
pub trait Matcher: Default {
    /// The explanation of one binding's verdict, as data for the app and the command line.
    type Explanation: fmt::Debug + Clone + PartialEq + fmt::Display;

    /// Refuses a binding this type does not accept (RabbitMQ's `validate_binding`).
    fn validate(key: &str, args: &Table, profile: Profile) -> Result<(), BrokerError>;
    fn insert(&mut self, slot: BindingSlot, key: &str, args: &Table);
    fn remove(&mut self, slot: BindingSlot, key: &str, args: &Table);
    /// Pushes the slot of every matching binding onto `out` (a slot may appear more than once).
    fn matches(&self, msg: &RoutingInput<'_>, profile: Profile, out: &mut Vec<BindingSlot>);
    /// Whether one binding matches, and why. Must agree with [`Matcher::matches`].
    fn explain(
        key: &str,
        args: &Table,
        msg: &RoutingInput<'_>,
        profile: Profile,
    ) -> (bool, Self::Explanation);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ExchangeType {
    Direct,
    Fanout,
    Topic,
    Headers,
}

impl ExchangeType {
    pub const ALL: [ExchangeType; 4] = [Self::Direct, Self::Fanout, Self::Topic, Self::Headers];

    pub fn name(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Fanout => "fanout",
            Self::Topic => "topic",
            Self::Headers => "headers",
        }
    }
}

impl fmt::Display for ExchangeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ExchangeType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| {
                format!("unknown exchange type `{s}`: expected direct, fanout, topic or headers")
            })
    }
}

/// One exchange's binding index, whichever its type.
#[derive(Debug, Clone)]
pub enum Index {
    Direct(direct::Direct),
    Fanout(fanout::Fanout),
    Topic(topic::Topic),
    Headers(headers::Headers),
}

/// A binding verdict's explanation, whichever the type.
#[derive(Debug, Clone, PartialEq)]
pub enum Explanation {
    Direct(direct::Explanation),
    Fanout(fanout::Explanation),
    Topic(topic::Explanation),
    Headers(headers::Explanation),
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Explanation::Direct(e) => e.fmt(f),
            Explanation::Fanout(e) => e.fmt(f),
            Explanation::Topic(e) => e.fmt(f),
            Explanation::Headers(e) => e.fmt(f),
        }
    }
}

impl Index {
    pub fn new(kind: ExchangeType) -> Self {
        match kind {
            ExchangeType::Direct => Index::Direct(Default::default()),
            ExchangeType::Fanout => Index::Fanout(Default::default()),
            ExchangeType::Topic => Index::Topic(Default::default()),
            ExchangeType::Headers => Index::Headers(Default::default()),
        }
    }

    pub fn validate(
        kind: ExchangeType,
        key: &str,
        args: &Table,
        profile: Profile,
    ) -> Result<(), BrokerError> {
        match kind {
            ExchangeType::Direct => direct::Direct::validate(key, args, profile),
            ExchangeType::Fanout => fanout::Fanout::validate(key, args, profile),
            ExchangeType::Topic => topic::Topic::validate(key, args, profile),
            ExchangeType::Headers => headers::Headers::validate(key, args, profile),
        }
    }

    pub fn insert(&mut self, slot: BindingSlot, key: &str, args: &Table) {
        match self {
            Index::Direct(i) => i.insert(slot, key, args),
            Index::Fanout(i) => i.insert(slot, key, args),
            Index::Topic(i) => i.insert(slot, key, args),
            Index::Headers(i) => i.insert(slot, key, args),
        }
    }

    pub fn remove(&mut self, slot: BindingSlot, key: &str, args: &Table) {
        match self {
            Index::Direct(i) => i.remove(slot, key, args),
            Index::Fanout(i) => i.remove(slot, key, args),
            Index::Topic(i) => i.remove(slot, key, args),
            Index::Headers(i) => i.remove(slot, key, args),
        }
    }

    pub fn matches(&self, msg: &RoutingInput<'_>, profile: Profile, out: &mut Vec<BindingSlot>) {
        match self {
            Index::Direct(i) => i.matches(msg, profile, out),
            Index::Fanout(i) => i.matches(msg, profile, out),
            Index::Topic(i) => i.matches(msg, profile, out),
            Index::Headers(i) => i.matches(msg, profile, out),
        }
    }

    pub fn explain(
        kind: ExchangeType,
        key: &str,
        args: &Table,
        msg: &RoutingInput<'_>,
        profile: Profile,
    ) -> (bool, Explanation) {
        match kind {
            ExchangeType::Direct => {
                let (m, e) = direct::Direct::explain(key, args, msg, profile);
                (m, Explanation::Direct(e))
            }
            ExchangeType::Fanout => {
                let (m, e) = fanout::Fanout::explain(key, args, msg, profile);
                (m, Explanation::Fanout(e))
            }
            ExchangeType::Topic => {
                let (m, e) = topic::Topic::explain(key, args, msg, profile);
                (m, Explanation::Topic(e))
            }
            ExchangeType::Headers => {
                let (m, e) = headers::Headers::explain(key, args, msg, profile);
                (m, Explanation::Headers(e))
            }
        }
    }
}

/// Refuses routing and binding keys longer than an AMQP shortstr (255 bytes).
pub fn check_key_length(key: &str, key_kind: &'static str) -> Result<(), BrokerError> {
    if key.len() > 255 {
        return Err(BrokerError::KeyTooLong {
            key_kind,
            length: key.len(),
        });
    }
    Ok(())
}

/// `a`, `b` and `c` as `` `a`, `b`, `c` `` for explanations (`(none)` when empty).
pub(crate) fn quote_list(items: &[String]) -> String {
    if items.is_empty() {
        return "(none)".to_owned();
    }
    items
        .iter()
        .map(|k| crate::shown::Code(k).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Routing through one index, for the exchange types' tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::{BindingSlot, Matcher, RoutingInput};
    use crate::profile::Profile;
    use crate::value::Table;

    /// The slots `index` matches for `keys` and `headers`, sorted (duplicates kept).
    pub fn route<M: Matcher>(
        index: &M,
        keys: &[&str],
        headers: &Table,
        profile: Profile,
    ) -> Vec<BindingSlot> {
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        let msg = RoutingInput {
            keys: &keys,
            headers,
        };
        let mut out = Vec::new();
        index.matches(&msg, profile, &mut out);
        out.sort();
        out
    }
}
