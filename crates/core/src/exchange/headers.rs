//! Headers exchange (interim version; to be completed with the full explanation).

use std::fmt;

use super::{BindingSlot, Matcher, RoutingInput};
use crate::error::BrokerError;
use crate::profile::Profile;
use crate::value::{Table, Value, routing_eq};

#[derive(Debug, Clone, Default)]
pub struct Headers {
    bindings: Vec<(BindingSlot, Table)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub summary: String,
}

fn decide(args: &Table, headers: &Table, profile: Profile) -> bool {
    let mode = args.get_str("x-match").unwrap_or("all");
    let with_x = mode.ends_with("-with-x");
    let tested: Vec<(&str, &Value)> = args
        .iter()
        .filter(|(k, _)| {
            if with_x {
                *k != "x-match"
            } else {
                !k.starts_with("x-")
            }
        })
        .collect();
    let ok = |(k, v): &(&str, &Value)| match (v, headers.get(k)) {
        (Value::Void, h) => h.is_some(),
        (v, Some(h)) => routing_eq(v, h, profile),
        (_, None) => false,
    };
    if mode.starts_with("any") {
        tested.iter().any(ok)
    } else {
        tested.iter().all(ok)
    }
}

impl Matcher for Headers {
    type Explanation = Explanation;

    fn validate(_key: &str, args: &Table, _profile: Profile) -> Result<(), BrokerError> {
        match args.get("x-match") {
            None => Ok(()),
            Some(Value::Str(s))
                if ["all", "any", "all-with-x", "any-with-x"].contains(&s.as_str()) =>
            {
                Ok(())
            }
            Some(other) => Err(BrokerError::InvalidXMatch {
                value: other.to_string(),
            }),
        }
    }

    fn insert(&mut self, slot: BindingSlot, _key: &str, args: &Table) {
        self.bindings.push((slot, args.clone()));
    }

    fn remove(&mut self, slot: BindingSlot, _key: &str, _args: &Table) {
        self.bindings.retain(|(s, _)| *s != slot);
    }

    fn matches(&self, msg: &RoutingInput<'_>, profile: Profile, out: &mut Vec<BindingSlot>) {
        for (slot, args) in &self.bindings {
            if decide(args, msg.headers, profile) {
                out.push(*slot);
            }
        }
    }

    fn explain(
        _key: &str,
        args: &Table,
        msg: &RoutingInput<'_>,
        profile: Profile,
    ) -> (bool, Explanation) {
        let matched = decide(args, msg.headers, profile);
        (
            matched,
            Explanation {
                summary: format!("headers {}", if matched { "match" } else { "do not match" }),
            },
        )
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary)
    }
}
