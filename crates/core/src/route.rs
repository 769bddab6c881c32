//! The route walk, once for every exchange type (`rabbit_exchange:route/3`): start at the
//! exchange published to, ask each exchange's type for its matching bindings, follow
//! exchange-to-exchange bindings with a visited set (each exchange routes at most once per
//! publish), take an exchange's alternate exchange only when its own match is empty, and collect
//! queues into a set so each queue gets at most one copy. The default exchange short-circuits to
//! the queues named by the routing keys. With a trace, the same walk records every binding tried.

use std::collections::VecDeque;

use crate::exchange::{BindingSlot, Index, RoutingInput};
use crate::explain::{Alternate, BindingTrial, DefaultLookup, ExchangeVisit, Reached, VisitKind};
use crate::policy::Policies;
use crate::profile::Profile;
use crate::topology::{Destination, Exchange, Topology};
use crate::vec_map::sort_dedup;

/// Everything the walk reads.
pub struct Walk<'a> {
    pub topology: &'a Topology,
    pub policies: &'a Policies,
    pub profile: Profile,
}

impl<'a> Walk<'a> {
    /// The set of queues a message published to `start` reaches: names sorted, no repeats,
    /// borrowed from the topology. `trace`, when given, receives one entry per exchange visited,
    /// in visit order.
    pub fn route(
        &self,
        start: &str,
        msg: &RoutingInput<'_>,
        mut trace: Option<&mut Vec<ExchangeVisit>>,
    ) -> Vec<&'a str> {
        if start.is_empty() {
            return self.route_default(msg, trace);
        }
        let mut queues = Vec::new();
        let Some(first) = self.topology.exchange(start) else {
            return queues;
        };
        // Usually one to three exchanges: a vector beats hashing.
        let mut seen: Vec<&'a str> = vec![first.name()];
        let mut work: VecDeque<(&'a Exchange, Reached)> =
            VecDeque::from([(first, Reached::Published)]);
        let mut slots = Vec::new();
        while let Some((exchange, reached)) = work.pop_front() {
            let mut visit = trace
                .as_ref()
                .map(|_| ExchangeVisit::new(exchange, reached));
            for destination in self.matching(exchange, msg, &mut slots, visit.as_mut()) {
                match destination {
                    Destination::Queue(q) => queues.push(q.as_str()),
                    Destination::Exchange(x) => match self.topology.exchange(x) {
                        Some(next) if !seen.contains(&next.name()) => {
                            seen.push(next.name());
                            work.push_back((
                                next,
                                Reached::Binding {
                                    from: exchange.name().to_owned(),
                                },
                            ));
                        }
                        _ => {}
                    },
                }
            }
            if slots.is_empty() {
                let (alternate, next) = self.alternate(exchange, &seen);
                if let Some(next) = next {
                    seen.push(next.name());
                    work.push_back((
                        next,
                        Reached::Alternate {
                            from: exchange.name().to_owned(),
                        },
                    ));
                }
                if let Some(visit) = visit.as_mut() {
                    visit.alternate = Some(alternate);
                }
            }
            if let (Some(trace), Some(visit)) = (trace.as_mut(), visit) {
                trace.push(visit);
            }
        }
        sort_dedup(&mut queues);
        queues
    }

    /// The destinations of the bindings of `exchange` that match. With a visit, every binding
    /// is explained and the verdicts come from the explanations; otherwise the type's index
    /// answers. `slots` is left holding the matching slots.
    fn matching<'x>(
        &self,
        exchange: &'x Exchange,
        msg: &RoutingInput<'_>,
        slots: &mut Vec<BindingSlot>,
        visit: Option<&mut ExchangeVisit>,
    ) -> Vec<&'x Destination> {
        slots.clear();
        match visit {
            None => exchange.index.matches(msg, self.profile, slots),
            Some(visit) => {
                for (slot, binding) in exchange.bindings() {
                    let (matched, why) = Index::explain(
                        exchange.kind(),
                        &binding.key,
                        &binding.arguments,
                        msg,
                        self.profile,
                    );
                    if matched {
                        slots.push(slot);
                    }
                    visit.bindings.push(BindingTrial {
                        destination: binding.destination.clone(),
                        binding_key: binding.key.clone(),
                        arguments: binding.arguments.clone(),
                        matched,
                        why,
                    });
                }
            }
        }
        let mut destinations: Vec<&Destination> = (slots.iter())
            .filter_map(|s| exchange.binding(*s))
            .map(|b| &b.destination)
            .collect();
        sort_dedup(&mut destinations);
        destinations
    }

    /// The alternate exchange decision for an exchange whose own match was empty, and the
    /// exchange to visit next when it is taken. The argument beats a policy.
    fn alternate(&self, exchange: &Exchange, seen: &[&str]) -> (Alternate, Option<&'a Exchange>) {
        let (name, from_policy) = match exchange.alternate_argument() {
            Some(ae) => (ae.to_owned(), false),
            None => match self
                .policies
                .exchange_alternate(&self.topology.vhost, exchange.name())
            {
                Some(ae) => (ae, true),
                None => return (Alternate::None, None),
            },
        };
        match self.topology.exchange(&name) {
            None => (
                Alternate::Missing {
                    exchange: name,
                    from_policy,
                },
                None,
            ),
            Some(ae) if seen.contains(&ae.name()) => (
                Alternate::AlreadyVisited {
                    exchange: name,
                    from_policy,
                },
                None,
            ),
            Some(ae) => (
                Alternate::Taken {
                    exchange: name,
                    from_policy,
                },
                Some(ae),
            ),
        }
    }

    /// The default exchange: the queues named exactly like each routing key, if they exist.
    fn route_default(
        &self,
        msg: &RoutingInput<'_>,
        trace: Option<&mut Vec<ExchangeVisit>>,
    ) -> Vec<&'a str> {
        let mut queues: Vec<&str> = (msg.keys.iter())
            .filter_map(|k| self.topology.queue(k))
            .map(|q| q.name.as_str())
            .collect();
        sort_dedup(&mut queues);
        if let Some(trace) = trace {
            let lookups = msg
                .keys
                .iter()
                .map(|k| DefaultLookup {
                    routing_key: k.clone(),
                    queue_exists: self.topology.has_queue(k),
                })
                .collect();
            trace.push(ExchangeVisit {
                exchange: String::new(),
                kind: VisitKind::Default(lookups),
                reached: Reached::Published,
                bindings: Vec::new(),
                alternate: None,
            });
        }
        queues
    }
}
