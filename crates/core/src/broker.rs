//! The broker: virtual hosts, their topologies and policies, and `basic.publish` from the
//! checks on the message to the confirm. Everything it does is recorded as an [`Event`]; what
//! the caller did wrong is a [`BrokerError`] and leaves the state as it was.

use std::collections::BTreeMap;

use crate::error::{BrokerError, Kind};
use crate::event::{Confirm, Event, MessageId};
use crate::exchange::RoutingInput;
use crate::explain::{Outcome, RouteExplanation};
use crate::message::Publish;
use crate::policy::{Policies, Policy};
use crate::profile::Profile;
use crate::route::Walk;
use crate::topology::{BindingDecl, ExchangeDecl, QueueDecl, Removed, Topology};

pub const DEFAULT_VHOST: &str = "/";

/// What one publish did.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishOutcome {
    pub message: MessageId,
    /// The queues that accepted a copy, sorted by name.
    pub queues: Vec<String>,
    /// Unroutable and mandatory: returned with 312 NO_ROUTE.
    pub returned: bool,
    pub confirm: Confirm,
}

#[derive(Debug, Clone)]
pub struct Broker {
    profile: Profile,
    vhosts: BTreeMap<String, Topology>,
    policies: Policies,
    events: Vec<Event>,
    next_message: u64,
}

impl Default for Broker {
    fn default() -> Self {
        Broker::new(Profile::default())
    }
}

impl Broker {
    /// A broker with the default vhost `/` and its built-in exchanges.
    pub fn new(profile: Profile) -> Self {
        let mut vhosts = BTreeMap::new();
        vhosts.insert(DEFAULT_VHOST.to_owned(), Topology::new(DEFAULT_VHOST));
        Broker {
            profile,
            vhosts,
            policies: Policies::default(),
            events: Vec::new(),
            next_message: 1,
        }
    }

    pub fn profile(&self) -> Profile {
        self.profile
    }

    pub fn add_vhost(&mut self, name: &str) {
        self.vhosts
            .entry(name.to_owned())
            .or_insert_with(|| Topology::new(name));
    }

    pub fn vhosts(&self) -> impl Iterator<Item = &Topology> {
        self.vhosts.values()
    }

    pub fn topology(&self, vhost: &str) -> Result<&Topology, BrokerError> {
        self.vhosts
            .get(vhost)
            .ok_or_else(|| BrokerError::UnknownVhost {
                vhost: vhost.to_owned(),
            })
    }

    fn topology_mut(&mut self, vhost: &str) -> Result<&mut Topology, BrokerError> {
        self.vhosts
            .get_mut(vhost)
            .ok_or_else(|| BrokerError::UnknownVhost {
                vhost: vhost.to_owned(),
            })
    }

    pub fn policies(&self) -> &Policies {
        &self.policies
    }

    pub fn set_policy(&mut self, policy: Policy) {
        self.policies.set(policy);
    }

    /// The events recorded since the last call, oldest first.
    pub fn drain_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    pub fn declare_exchange(&mut self, vhost: &str, decl: ExchangeDecl) -> Result<(), BrokerError> {
        let name = decl.name.clone();
        if self.topology_mut(vhost)?.declare_exchange(decl)? {
            self.events.push(Event::ExchangeDeclared {
                vhost: vhost.to_owned(),
                exchange: name,
            });
        }
        Ok(())
    }

    pub fn delete_exchange(
        &mut self,
        vhost: &str,
        name: &str,
        if_unused: bool,
    ) -> Result<(), BrokerError> {
        let removed = self.topology_mut(vhost)?.delete_exchange(name, if_unused)?;
        self.events.push(Event::ExchangeDeleted {
            vhost: vhost.to_owned(),
            exchange: name.to_owned(),
            auto_deleted: false,
        });
        self.record_removed(vhost, removed);
        Ok(())
    }

    pub fn declare_queue(&mut self, vhost: &str, decl: QueueDecl) -> Result<(), BrokerError> {
        let name = decl.name.clone();
        if self.topology_mut(vhost)?.declare_queue(decl)? {
            self.events.push(Event::QueueDeclared {
                vhost: vhost.to_owned(),
                queue: name,
            });
        }
        Ok(())
    }

    pub fn delete_queue(&mut self, vhost: &str, name: &str) -> Result<(), BrokerError> {
        let removed = self.topology_mut(vhost)?.delete_queue(name)?;
        self.events.push(Event::QueueDeleted {
            vhost: vhost.to_owned(),
            queue: name.to_owned(),
        });
        self.record_removed(vhost, removed);
        Ok(())
    }

    pub fn bind(&mut self, vhost: &str, decl: BindingDecl) -> Result<(), BrokerError> {
        let profile = self.profile;
        let event = Event::Bound {
            vhost: vhost.to_owned(),
            source: decl.source.clone(),
            destination: decl.destination.clone(),
            routing_key: decl.routing_key.clone(),
        };
        if self.topology_mut(vhost)?.bind(decl, profile)? {
            self.events.push(event);
        }
        Ok(())
    }

    pub fn unbind(&mut self, vhost: &str, decl: &BindingDecl) -> Result<(), BrokerError> {
        let removed = self.topology_mut(vhost)?.unbind(decl)?;
        self.record_removed(vhost, removed);
        Ok(())
    }

    fn record_removed(&mut self, vhost: &str, removed: Removed) {
        for (source, binding) in removed.bindings {
            self.events.push(Event::Unbound {
                vhost: vhost.to_owned(),
                source,
                destination: binding.destination,
                routing_key: binding.key,
            });
        }
        for exchange in removed.auto_deleted {
            self.events.push(Event::ExchangeDeleted {
                vhost: vhost.to_owned(),
                exchange,
                auto_deleted: true,
            });
        }
    }

    /// The checks RabbitMQ makes before routing: the message itself, then the exchange (404 when
    /// missing, 403 when internal).
    fn check_publish(&self, vhost: &str, publish: &Publish) -> Result<&Topology, BrokerError> {
        publish.validate()?;
        let topology = self.topology(vhost)?;
        if publish.exchange.is_empty() {
            return Ok(topology);
        }
        let exchange =
            topology
                .exchange(&publish.exchange)
                .ok_or_else(|| BrokerError::NotFound {
                    kind: Kind::Exchange,
                    name: publish.exchange.clone(),
                    vhost: vhost.to_owned(),
                })?;
        if exchange.decl.internal {
            return Err(BrokerError::InternalExchange {
                name: publish.exchange.clone(),
                vhost: vhost.to_owned(),
            });
        }
        Ok(topology)
    }

    fn walk<'a>(&'a self, topology: &'a Topology) -> Walk<'a> {
        Walk {
            topology,
            policies: &self.policies,
            profile: self.profile,
        }
    }

    /// The queues a publish would reach, sorted by name, without changing anything.
    pub fn route(&self, vhost: &str, publish: &Publish) -> Result<Vec<String>, BrokerError> {
        let topology = self.check_publish(vhost, publish)?;
        let keys: Vec<String> = publish
            .routing_keys()?
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        let input = RoutingInput {
            keys: &keys,
            headers: &publish.properties.headers,
        };
        Ok(self
            .walk(topology)
            .route(&publish.exchange, &input, None)
            .into_iter()
            .collect())
    }

    /// Why a publish would go where it goes, without changing anything.
    pub fn explain(&self, vhost: &str, publish: &Publish) -> Result<RouteExplanation, BrokerError> {
        let topology = self.check_publish(vhost, publish)?;
        let routing_keys = publish.routing_keys()?;
        let keys: Vec<String> = routing_keys.iter().map(|(k, _)| k.clone()).collect();
        let input = RoutingInput {
            keys: &keys,
            headers: &publish.properties.headers,
        };
        let mut visits = Vec::new();
        let queues: Vec<String> = self
            .walk(topology)
            .route(&publish.exchange, &input, Some(&mut visits))
            .into_iter()
            .collect();
        let outcome = match (queues.is_empty(), publish.mandatory) {
            (false, _) => Outcome::Routed { queues },
            (true, true) => Outcome::Returned,
            (true, false) => Outcome::Dropped,
        };
        Ok(RouteExplanation {
            vhost: vhost.to_owned(),
            exchange: publish.exchange.clone(),
            routing_keys,
            headers: publish.properties.headers.clone(),
            visits,
            outcome,
        })
    }

    /// `basic.publish` with publisher confirms on.
    pub fn publish(
        &mut self,
        vhost: &str,
        publish: &Publish,
    ) -> Result<PublishOutcome, BrokerError> {
        let queues = self.route(vhost, publish)?;
        let message = MessageId(self.next_message);
        self.next_message += 1;
        self.events.push(Event::Published {
            message,
            vhost: vhost.to_owned(),
            exchange: publish.exchange.clone(),
            routing_key: publish.routing_key.clone(),
        });
        let returned = queues.is_empty() && publish.mandatory;
        if queues.is_empty() {
            self.events.push(if returned {
                Event::Returned { message }
            } else {
                Event::Unroutable { message }
            });
        } else {
            self.events.push(Event::Routed {
                message,
                queues: queues.clone(),
            });
        }
        self.events.push(Event::Confirmed {
            message,
            confirm: Confirm::Ack,
        });
        Ok(PublishOutcome {
            message,
            queues,
            returned,
            confirm: Confirm::Ack,
        })
    }
}
