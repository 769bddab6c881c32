//! Remembered routes: the queues a publish reached, by vhost, exchange, routing keys and
//! headers, so that the next publish with the same inputs skips the route walk. A route reads
//! only the topology, the policies and the profile (fixed for a broker's life), so the broker
//! forgets every route whenever the topology or the policies may change. A route also keeps what
//! the contents of its last few publishes share (properties, body...), for the next publishes
//! with the same properties to share instead of copying. It knows nothing of how a route is
//! found.

use std::hash::Hasher;
use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHasher};

use crate::event::Name;
use crate::message::{KeySource, Properties};
use crate::queue::entry::{Label, Shared};
use crate::value::{Table, Value};

mod same;
use same::{same_besides_headers, same_table};

/// Most routes remembered before starting over (many distinct routing keys would otherwise
/// grow the cache forever).
const MAX_ROUTES: usize = 4096;

/// How many distinct shared contents a route keeps (the publishers of one route seldom differ
/// in more; a publisher whose every message differs only replaces the oldest).
const SHARED_PROPERTIES: usize = 4;

/// What a remembered route gives the next publish like it: the queues reached, and the names
/// its content and events share with every such publish. Kept behind an `Rc`, so a publish
/// takes it with one count, and its names only where they are kept.
#[derive(Debug)]
pub(crate) struct Routed {
    pub(crate) vhost: Name,
    pub(crate) label: Label,
    pub(crate) queues: Rc<[Name]>,
    /// The slots of `queues`, in their order.
    pub(crate) slots: Rc<[usize]>,
}

/// What a publish's content can share of the properties its route keeps.
#[derive(Debug)]
pub(crate) enum Share {
    /// What an earlier content shares, whose properties equal the publish's.
    Found(Rc<Shared>),
    /// None yet: a plain publish, whose content's shared part its route keeps.
    Keep,
    /// Nothing: a publish with CC or BCC keys.
    No,
}

/// Routes in a slab, found by a hash of (vhost, exchange, keys): a bucket holds the slab
/// indices of every route with that hash. A [`Place`] holds a route's index, so a publish that
/// knows its place reaches its route without hashing.
#[derive(Debug, Default)]
pub(crate) struct Routes {
    slab: Vec<Route>,
    by_hash: FxHashMap<u64, Vec<usize>>,
    /// Counts the clears, so a [`Place`] found before one is known to be stale.
    generation: u64,
}

/// Where a plain publish's route is remembered: good until the routes are next cleared, so a
/// publish found before [`Broker::advance`](crate::broker::Broker::advance) (which may change
/// the topology) need not be looked up again after it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    /// The route's index in the slab.
    index: usize,
    generation: u64,
}

/// A copy of the broker (a simulation checkpoint) starts with no remembered routes: they are
/// derived data, re-learnt on the next publishes, and copying up to 4,096 of them into every
/// checkpoint would cost memory for nothing. It starts a generation later, so that a
/// [`Place`] found in the original is stale in the copy.
impl Clone for Routes {
    fn clone(&self) -> Self {
        Routes {
            generation: self.generation + 1,
            ..Routes::default()
        }
    }
}

#[derive(Debug, Clone)]
struct Route {
    keys: Vec<(String, KeySource)>,
    headers: Table,
    routed: Rc<Routed>,
    /// What the contents of plain publishes of this route share (their headers are the
    /// route's), newest last.
    shared: Vec<Rc<Shared>>,
}

impl Routes {
    /// The route remembered for these inputs.
    pub(crate) fn get(
        &self,
        vhost: &str,
        exchange: &str,
        keys: &[(String, KeySource)],
        headers: &Table,
    ) -> Option<&Rc<Routed>> {
        let texts = keys.iter().map(|(k, _)| k.as_str());
        self.find(vhost, exchange, texts, headers, |r| r == keys)
    }

    /// [`Routes::get`] for a publish whose only routing key is `routing_key` (no CC or BCC
    /// header), found without making the list of keys; with the kept shared part whose
    /// properties equal `properties`, if any.
    #[cfg(test)]
    pub(crate) fn get_plain(
        &self,
        vhost: &str,
        exchange: &str,
        routing_key: &str,
        properties: &Properties,
    ) -> Option<(&Rc<Routed>, Option<&Rc<Shared>>)> {
        let place = self.place_plain(vhost, exchange, routing_key, &properties.headers)?;
        self.at(place, properties)
    }

    /// Where the route of a publish whose only routing key is `routing_key` is remembered.
    pub(crate) fn place_plain(
        &self,
        vhost: &str,
        exchange: &str,
        routing_key: &str,
        headers: &Table,
    ) -> Option<Place> {
        let index = self.locate_plain(vhost, exchange, routing_key, headers)?;
        let generation = self.generation;
        Some(Place { index, generation })
    }

    /// The route at `place` (`None` once the routes were cleared), with the kept shared part
    /// whose properties equal `properties`, if any.
    pub(crate) fn at(
        &self,
        place: Place,
        properties: &Properties,
    ) -> Option<(&Rc<Routed>, Option<&Rc<Shared>>)> {
        let route = self.route_at(place)?;
        let shared = route
            .shared
            .iter()
            .find(|s| same_besides_headers(&s.properties, properties));
        Some((&route.routed, shared))
    }

    /// Whether `place` was found since the routes were last cleared (it still names the route
    /// it was found for).
    pub(crate) fn is_current(&self, place: Place) -> bool {
        place.generation == self.generation
    }

    fn route_at(&self, place: Place) -> Option<&Route> {
        if place.generation != self.generation {
            return None;
        }
        self.slab.get(place.index)
    }

    /// Keeps what a plain publish's content shares (see [`Routes::get_plain`]) for the next
    /// publishes of its route with the same properties to share.
    pub(crate) fn share(
        &mut self,
        vhost: &str,
        exchange: &str,
        routing_key: &str,
        shared: &Rc<Shared>,
    ) {
        let headers = &shared.properties.headers;
        if let Some(place) = self.place_plain(vhost, exchange, routing_key, headers) {
            self.share_at(place, shared);
        }
    }

    /// [`Routes::share`] for the route at `place`; whether it is still there.
    pub(crate) fn share_at(&mut self, place: Place, shared: &Rc<Shared>) -> bool {
        if place.generation != self.generation {
            return false;
        }
        let Some(route) = self.slab.get_mut(place.index) else {
            return false;
        };
        if route.shared.len() >= SHARED_PROPERTIES {
            route.shared.remove(0);
        }
        route.shared.push(shared.clone());
        true
    }

    fn locate_plain(
        &self,
        vhost: &str,
        exchange: &str,
        routing_key: &str,
        headers: &Table,
    ) -> Option<usize> {
        let plain = |r: &[(String, KeySource)]| matches!(r, [(k, KeySource::RoutingKey)] if k == routing_key);
        self.locate(vhost, exchange, [routing_key].into_iter(), headers, plain)
    }

    fn find<'k>(
        &self,
        vhost: &str,
        exchange: &str,
        texts: impl Iterator<Item = &'k str>,
        headers: &Table,
        same_keys: impl Fn(&[(String, KeySource)]) -> bool,
    ) -> Option<&Rc<Routed>> {
        let i = self.locate(vhost, exchange, texts, headers, same_keys)?;
        Some(&self.slab.get(i)?.routed)
    }

    /// The slab index of the route for these inputs.
    fn locate<'k>(
        &self,
        vhost: &str,
        exchange: &str,
        texts: impl Iterator<Item = &'k str>,
        headers: &Table,
        same_keys: impl Fn(&[(String, KeySource)]) -> bool,
    ) -> Option<usize> {
        let hash = hash(vhost, exchange, texts, headers);
        let bucket = self.by_hash.get(&hash)?;
        bucket.iter().copied().find(|i| {
            self.slab.get(*i).is_some_and(|r| {
                *r.routed.vhost == *vhost
                    && *r.routed.label.exchange == *exchange
                    && same_keys(&r.keys)
                    && same_table(&r.headers, headers)
            })
        })
    }

    /// Remembers the route of a publish with `keys` and `headers` (its vhost and exchange are
    /// in `routed`).
    pub(crate) fn insert(
        &mut self,
        keys: &[(String, KeySource)],
        headers: &Table,
        routed: Rc<Routed>,
    ) {
        if self.slab.len() >= MAX_ROUTES {
            self.clear();
        }
        let texts = keys.iter().map(|(k, _)| k.as_str());
        let hash = hash(&routed.vhost, &routed.label.exchange, texts, headers);
        self.by_hash.entry(hash).or_default().push(self.slab.len());
        self.slab.push(Route {
            keys: keys.to_vec(),
            headers: headers.clone(),
            routed,
            shared: Vec::new(),
        });
    }

    /// Forgets every route (the topology or the policies may have changed).
    pub(crate) fn clear(&mut self) {
        if !self.slab.is_empty() {
            self.slab.clear();
            self.by_hash.clear();
            self.generation += 1;
        }
    }
}

/// FxHash over the texts, each closed by a byte no UTF-8 text holds: a bucket's number only
/// (the inputs are compared in full), so it need not resist collisions; SipHash cost more than
/// the rest of a remembered publish. The headers' names and text values go in too (tables
/// that [`same_table`] finds equal have the same ones): the publishes of a headers exchange
/// often share their routing key, and a bucket of all their routes was searched by comparing
/// whole tables.
fn hash<'k>(
    vhost: &str,
    exchange: &str,
    keys: impl Iterator<Item = &'k str>,
    headers: &Table,
) -> u64 {
    let mut h = FxHasher::default();
    let mut mix = |text: &str| {
        h.write(text.as_bytes());
        h.write_u8(0xff);
    };
    mix(vhost);
    mix(exchange);
    keys.for_each(&mut mix);
    for (name, value) in headers.iter() {
        mix(name);
        if let Value::Str(text) = value {
            mix(text);
        }
    }
    h.finish()
}

#[cfg(test)]
mod tests;
