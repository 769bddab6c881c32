//! Why a message went where it went, as data: the exchanges visited in order, every binding
//! tried with its type's verdict and reason, the alternate-exchange decisions and the outcome.
//! The app draws it; `Display` renders it as plain text for the command line. Built by the same
//! walk that routes (`route`), so the explanation and the route cannot disagree.

use std::fmt;

use crate::exchange::{self, ExchangeType};
use crate::message::KeySource;
use crate::order::json_text;
use crate::shown::{Code, count, visible};
use crate::topology::{Destination, Exchange};
use crate::value::Table;

#[derive(Debug, Clone, PartialEq)]
pub struct RouteExplanation {
    pub vhost: String,
    pub exchange: String,
    pub routing_keys: Vec<(String, KeySource)>,
    pub headers: Table,
    pub visits: Vec<ExchangeVisit>,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Routed {
        queues: Vec<String>,
    },
    /// Unroutable and mandatory: `basic.return` 312 NO_ROUTE.
    Returned,
    /// Unroutable and not mandatory: silently dropped.
    Dropped,
}

/// One exchange the walk visited.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeVisit {
    pub exchange: String,
    pub kind: VisitKind,
    pub reached: Reached,
    pub bindings: Vec<BindingTrial>,
    /// Set when the exchange's own match was empty.
    pub alternate: Option<Alternate>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum VisitKind {
    Typed(ExchangeType),
    /// The default exchange looks queues up by name; it has no bindings.
    Default(Vec<DefaultLookup>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DefaultLookup {
    pub routing_key: String,
    pub queue_exists: bool,
}

/// How the walk got to an exchange.
#[derive(Debug, Clone, PartialEq)]
pub enum Reached {
    Published,
    Binding { from: String },
    Alternate { from: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct BindingTrial {
    pub destination: Destination,
    pub binding_key: String,
    pub arguments: Table,
    pub matched: bool,
    pub why: exchange::Explanation,
}

/// The alternate-exchange decision for an exchange that matched nothing itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Alternate {
    None,
    Taken {
        exchange: String,
        from_policy: bool,
    },
    /// Names an exchange that does not exist: silently skipped.
    Missing {
        exchange: String,
        from_policy: bool,
    },
    /// Already visited in this publish (an alternate-exchange cycle): not visited again.
    AlreadyVisited {
        exchange: String,
        from_policy: bool,
    },
}

impl ExchangeVisit {
    pub(crate) fn new(exchange: &Exchange, reached: Reached) -> Self {
        ExchangeVisit {
            exchange: exchange.name().to_owned(),
            kind: VisitKind::Typed(exchange.kind()),
            reached,
            bindings: Vec::new(),
            alternate: None,
        }
    }
}

impl RouteExplanation {
    pub fn queues(&self) -> &[String] {
        match &self.outcome {
            Outcome::Routed { queues } => queues,
            _ => &[],
        }
    }
}

fn exchange_label(name: &str) -> String {
    if name.is_empty() {
        "the default exchange".to_owned()
    } else {
        format!("exchange {}", Code(name))
    }
}

impl fmt::Display for RouteExplanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "publish to {} in vhost {}",
            exchange_label(&self.exchange),
            Code(&self.vhost)
        )?;
        let keys: Vec<String> = self
            .routing_keys
            .iter()
            .map(|(k, source)| match source {
                KeySource::RoutingKey => format!("routing key {}", Code(k)),
                KeySource::Cc => format!("CC {}", Code(k)),
                KeySource::Bcc => format!("BCC {}", Code(k)),
            })
            .collect();
        writeln!(f, " with {}", keys.join(", "))?;
        if !self.headers.is_empty() {
            writeln!(
                f,
                "  headers: {}",
                visible(&json_text(&self.headers.to_json()))
            )?;
        }
        for visit in &self.visits {
            write!(f, "{visit}")?;
        }
        match &self.outcome {
            Outcome::Routed { queues } => {
                let names: Vec<String> = queues.iter().map(|q| Code(q).to_string()).collect();
                writeln!(
                    f,
                    "=> routed to {}: {}",
                    count(queues.len() as u64, "queue", "queues"),
                    names.join(", ")
                )
            }
            Outcome::Returned => writeln!(
                f,
                "=> unroutable and mandatory: returned to the publisher (312 NO_ROUTE)"
            ),
            Outcome::Dropped => writeln!(
                f,
                "=> unroutable: dropped (publish with mandatory to get it back)"
            ),
        }
    }
}

impl fmt::Display for ExchangeVisit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = match &self.reached {
            Reached::Published => "published here".to_owned(),
            Reached::Binding { from } => {
                format!("reached through a binding from {}", exchange_label(from))
            }
            Reached::Alternate { from } => {
                format!("alternate exchange of {}", exchange_label(from))
            }
        };
        match &self.kind {
            VisitKind::Default(lookups) => {
                writeln!(
                    f,
                    "  the default exchange ({how}) delivers to the queue named by each routing key:"
                )?;
                for lookup in lookups {
                    let verdict = if lookup.queue_exists { "[x]" } else { "[ ]" };
                    let state = if lookup.queue_exists {
                        "exists"
                    } else {
                        "does not exist"
                    };
                    writeln!(
                        f,
                        "    {verdict} queue {} {state}",
                        Code(&lookup.routing_key)
                    )?;
                }
            }
            VisitKind::Typed(kind) => {
                writeln!(f, "  {} ({kind}, {how})", exchange_label(&self.exchange))?;
                if self.bindings.is_empty() {
                    writeln!(f, "    has no bindings")?;
                }
                for trial in &self.bindings {
                    let verdict = if trial.matched { "[x]" } else { "[ ]" };
                    let (kind, name) = (trial.destination.kind(), trial.destination.name());
                    writeln!(f, "    {verdict} {kind} {}: {}", Code(name), trial.why)?;
                }
            }
        }
        match &self.alternate {
            None | Some(Alternate::None) => Ok(()),
            Some(alternate) => writeln!(f, "    {alternate}"),
        }
    }
}

impl fmt::Display for Alternate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = |from_policy: &bool| if *from_policy { "policy" } else { "argument" };
        match self {
            Alternate::None => write!(f, "no binding matched and there is no alternate exchange"),
            Alternate::Taken {
                exchange,
                from_policy,
            } => write!(
                f,
                "no binding matched: on to alternate exchange {} (from its {})",
                Code(exchange),
                source(from_policy)
            ),
            Alternate::Missing {
                exchange,
                from_policy,
            } => write!(
                f,
                "no binding matched; alternate exchange {} (from its {}) does not exist, so it is skipped",
                Code(exchange),
                source(from_policy)
            ),
            Alternate::AlreadyVisited {
                exchange,
                from_policy,
            } => write!(
                f,
                "no binding matched; alternate exchange {} (from its {}) was already visited by this publish",
                Code(exchange),
                source(from_policy)
            ),
        }
    }
}
