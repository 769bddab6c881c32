//! Where a publish goes, without changing anything: the checks RabbitMQ makes before routing
//! (in its order: immediate, the exchange, then the message), the queues reached (`route`) and
//! why (`explain`), both from the one route walk.

use std::rc::Rc;

use crate::broker::Broker;
use crate::broker::routes::{Place, Routed, Share};
use crate::error::{BrokerError, Kind};
use crate::event::Name;
use crate::exchange::RoutingInput;
use crate::explain::{Outcome, RouteExplanation};
use crate::message::Publish;
use crate::queue::entry::Label;
use crate::route::Walk;
use crate::topology::Topology;
use crate::value::Table;

/// Whether a publish has no CC or BCC header: then its only routing key is its own, and its
/// route is found without making the list of keys.
fn is_plain(publish: &Publish) -> bool {
    let headers = &publish.properties.headers;
    headers.get("CC").is_none() && headers.get("BCC").is_none()
}

impl Broker {
    /// The checks RabbitMQ makes before routing: the message itself, then the exchange (404 when
    /// missing, 403 when internal).
    pub(super) fn check_publish(
        &self,
        vhost: &str,
        publish: &Publish,
    ) -> Result<&Topology, BrokerError> {
        // RabbitMQ's order: immediate, the exchange, the user-id, then the message
        // (expiration, CC/BCC).
        if publish.immediate {
            return Err(BrokerError::ImmediateNotImplemented);
        }
        let topology = self.topology(vhost)?;
        Self::check_exchange(topology, vhost, publish)?;
        self.check_message(publish)?;
        Ok(topology)
    }

    /// [`Broker::check_publish`] for a publish whose route is remembered: a route is remembered
    /// only after its publish passed the checks, and forgotten whenever the topology changes,
    /// so the vhost and the exchange pass again without looking them up.
    pub(super) fn check_remembered(&self, publish: &Publish) -> Result<(), BrokerError> {
        if publish.immediate {
            return Err(BrokerError::ImmediateNotImplemented);
        }
        self.check_message(publish)
    }

    /// The checks after the exchange's: the user-id, then the message.
    fn check_message(&self, publish: &Publish) -> Result<(), BrokerError> {
        if let Some(user_id) = &publish.properties.user_id
            && *user_id != self.user
        {
            return Err(BrokerError::UserIdMismatch {
                user_id: user_id.clone(),
                user: self.user.clone(),
            });
        }
        publish.validate()
    }

    fn check_exchange(
        topology: &Topology,
        vhost: &str,
        publish: &Publish,
    ) -> Result<(), BrokerError> {
        if publish.exchange.is_empty() {
            return Ok(());
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
        Ok(())
    }

    pub(super) fn walk<'a>(&'a self, topology: &'a Topology) -> Walk<'a> {
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
            .map(str::to_owned)
            .collect())
    }

    /// [`Broker::route`] with `keys` already checked, as the queues' own shared names.
    pub(super) fn route_labels(
        &self,
        vhost: &str,
        exchange: &str,
        keys: &[String],
        headers: &Table,
    ) -> Vec<Name> {
        let Ok(topology) = self.topology(vhost) else {
            return Vec::new();
        };
        let input = RoutingInput { keys, headers };
        let routed = self.walk(topology).route(exchange, &input, None);
        routed
            .into_iter()
            .map(|name| match self.queue(vhost, name) {
                Some(queue) => queue.label().clone(),
                None => Name::from(name),
            })
            .collect()
    }

    /// Where a checked publish goes, with the names its content and events share and what its
    /// content can share of the properties of earlier ones: remembered until the topology or
    /// the policies change. Routing sees the headers as published (BCC is stripped from the
    /// copies only).
    pub(super) fn route_publish(
        &mut self,
        vhost: &str,
        publish: &Publish,
        place: Option<Place>,
    ) -> Result<(Rc<Routed>, Share), BrokerError> {
        let (exchange, headers) = (&publish.exchange, &publish.properties.headers);
        let remembered = match place {
            Some(place) => self.routes.at(place, &publish.properties),
            None => None,
        };
        if let Some((routed, shared)) = remembered {
            let share = shared.map_or(Share::Keep, |p| Share::Found(p.clone()));
            return Ok((routed.clone(), share));
        }
        let plain = is_plain(publish);
        let share = if plain { Share::Keep } else { Share::No };
        let keys = publish.routing_keys()?;
        if let Some(routed) = self.routes.get(vhost, exchange, &keys, headers) {
            return Ok((routed.clone(), share));
        }
        let label = Label::new(publish, &keys);
        let queues = self.route_labels(vhost, exchange, &label.keys.route, headers);
        let slots = self.slots_of(vhost, &queues);
        let routed = Rc::new(Routed {
            vhost: vhost.into(),
            label,
            queues: queues.into(),
            slots,
        });
        self.routes.insert(&keys, headers, routed.clone());
        Ok((routed, share))
    }

    /// Where the route of a plain publish (see [`is_plain`]) is remembered, if it is.
    pub(super) fn place_of(&self, vhost: &str, publish: &Publish) -> Option<Place> {
        let (exchange, headers) = (&publish.exchange, &publish.properties.headers);
        let key = &publish.routing_key;
        is_plain(publish)
            .then(|| self.routes.place_plain(vhost, exchange, key, headers))
            .flatten()
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
            .map(str::to_owned)
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
}
