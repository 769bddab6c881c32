//! A producer at run time: its arrival process (fixed rate, Poisson, bursts, a scripted list)
//! and the rendering of routing-key and header templates with weighted choices. It builds the
//! `basic.publish` it sends; it does not know where the message goes.

use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::broker::{Broker, Place, PublishOutcome, Stamp};
use crate::error::BrokerError;
use crate::message::{Properties, Publish};
use crate::sim::cloudevents::{self, Fill};
use crate::sim::rng::{Rng, total};
use crate::sim::scenario::{Choice, Part, ProducerSpec, Rate};
use crate::value::{Table, Value};

#[derive(Debug, Clone)]
pub struct Producer {
    rng: Rng,
    /// The publish sent each time, with the routing key and headers filled in per message.
    pub publish: Publish,
    /// Position in a burst or in a scripted list.
    cursor: u64,
    /// Messages drawn so far (`{seq}` and the CloudEvents `id` are this, from 1).
    pub seq: u64,
    /// The value picked per choice for the message being drawn (kept to reuse its buffer).
    picks: Vec<usize>,
    /// Each choice's total weight (its spec's, which a run never changes): picks are drawn
    /// against it without summing the weights per message.
    weight_totals: Vec<u64>,
    /// Routing keys and header tables of published messages, handed back to be drawn into
    /// again (no allocation per message); at most [`MAX_SPARE`] of each.
    spare_keys: Vec<String>,
    #[allow(
        clippy::vec_box,
        reason = "a scheduled message carries its table boxed: the box is reused with it"
    )]
    spare_headers: Vec<Box<Table>>,
    /// Messages drawn and on their way to the exchange, by the number their arrival event
    /// carries (which keeps the scheduler's events small); an emptied place is reused.
    in_flight: Vec<Option<Drawn>>,
    /// The emptied places of `in_flight`.
    free: Vec<u32>,
    /// Where the broker remembers the route of each routing key this producer sent without
    /// headers (at most [`MAX_ROUTE_HINTS`]).
    route_hints: FxHashMap<String, Option<Place>>,
    /// Where the broker remembers the route of each combination of picks (see
    /// [`Drawn::picks`]), when the routing key and the headers are drawn from the choices
    /// alone: the same picks then make the same key and headers, so the same route, found
    /// without hashing them. Empty when they are not, or when the combinations are more than
    /// [`MAX_ROUTE_HINTS`].
    pick_hints: Vec<Option<Place>>,
    /// The routing key each combination of picks draws, once drawn (as long as
    /// `pick_hints`): copied instead of rendered again.
    keys_by_picks: Vec<Option<String>>,
    /// Stopped on demand: it publishes nothing until started again.
    pub stopped: bool,
    /// The rate set on demand, instead of its spec's, from its next message on.
    pub rate: Option<Rate>,
}

/// Routing keys whose route a producer remembers the place of (keys drawn with `{seq}` are
/// all different: then it starts over).
const MAX_ROUTE_HINTS: usize = 1024;

/// Buffers kept for reuse per producer: about as many as its messages in flight at once.
const MAX_SPARE: usize = 8;

/// What differs per message beyond the routing key and headers: the properties a CloudEvent
/// or an RPC request sets, and a rendered body.
#[derive(Debug, Clone, PartialEq)]
pub struct Extra {
    pub properties: Properties,
    pub body: Option<Rc<[u8]>>,
}

impl Extra {
    /// Sets this message's properties and body on the producer's reused publish.
    pub fn apply_to(self, publish: &mut Publish) {
        let (from, p) = (self.properties, &mut publish.properties);
        p.content_type = from.content_type;
        p.message_id = from.message_id;
        p.kind = from.kind;
        p.timestamp = from.timestamp;
        p.reply_to = from.reply_to;
        p.correlation_id = from.correlation_id;
        if let Some(body) = self.body {
            publish.body = body;
        }
    }
}

/// One message's routing key, headers and extras.
#[derive(Debug, Clone)]
pub struct Drawn {
    pub routing_key: String,
    pub headers: Option<Box<Table>>,
    pub extra: Option<Box<Extra>>,
    /// The combination of picks it was drawn with (each choice's pick, in mixed radix by the
    /// choices' sizes), when its producer keeps route hints by picks.
    pub picks: Option<u32>,
}

/// How many combinations of picks a producer keeps route hints for: `None` when its routing
/// key or headers also depend on something else (`{seq}`), or when they are too many.
fn pick_combinations(spec: &ProducerSpec) -> Option<usize> {
    let templates = std::iter::once(&spec.routing_key).chain(spec.headers.iter().map(|(_, t)| t));
    if templates.flatten().any(|part| *part == Part::Seq) {
        return None;
    }
    spec.choices.iter().try_fold(1usize, |n, c| {
        let n = n.checked_mul(c.values.len())?;
        (n <= MAX_ROUTE_HINTS).then_some(n)
    })
}

impl Producer {
    pub fn new(spec: &ProducerSpec, rng: Rng) -> Producer {
        let mut publish = Publish::new(spec.exchange.clone(), "");
        publish.mandatory = spec.mandatory;
        publish.properties.delivery_mode = Some(if spec.persistent { 2 } else { 1 });
        let body: Vec<u8> = vec![b'x'; usize::try_from(spec.body_bytes).unwrap_or(0)];
        publish.body = Rc::from(body);
        Producer {
            rng,
            publish,
            cursor: 0,
            seq: 0,
            picks: Vec::new(),
            weight_totals: spec.choices.iter().map(|c| total(&c.weights)).collect(),
            spare_keys: Vec::new(),
            spare_headers: Vec::new(),
            in_flight: Vec::new(),
            free: Vec::new(),
            route_hints: FxHashMap::default(),
            pick_hints: vec![None; pick_combinations(spec).unwrap_or(0)],
            keys_by_picks: vec![None; pick_combinations(spec).unwrap_or(0)],
            stopped: false,
            rate: None,
        }
    }

    /// The time (µs) of the first message, or `None` when it never publishes.
    pub fn first(&mut self, spec: &ProducerSpec) -> Option<u64> {
        match &spec.rate {
            Rate::Script { at } => {
                let t = *at.first()?;
                self.cursor = 1;
                Some(t.max(spec.start))
            }
            // A Poisson process has no event at its start: the first gap is drawn too.
            Rate::Poisson { mean_interval } => {
                let gap = self.rng.exponential_us(*mean_interval);
                self.within(spec, spec.start.saturating_add(gap))
            }
            _ => self.within(spec, spec.start),
        }
    }

    /// The time (µs) of the next message after one sent at `now`, or `None` when done.
    pub fn next_after(&mut self, spec: &ProducerSpec, now: u64) -> Option<u64> {
        let t = match self.rate.as_ref().unwrap_or(&spec.rate) {
            Rate::Fixed { interval } => now.saturating_add(*interval),
            Rate::Poisson { mean_interval } => {
                now.saturating_add(self.rng.exponential_us(*mean_interval))
            }
            Rate::Bursts { size, every } => {
                self.cursor += 1;
                if self.cursor < u64::from(*size) {
                    now
                } else {
                    self.cursor = 0;
                    now.saturating_add(*every)
                }
            }
            Rate::Script { at } => {
                let i = usize::try_from(self.cursor).unwrap_or(usize::MAX);
                self.cursor += 1;
                (*at.get(i)?).max(now)
            }
        };
        self.within(spec, t)
    }

    /// When a producer started again at `now` publishes next: at once, unless its scenario
    /// stopped it for good by then (`stop_ms`, or a scripted list all sent).
    pub fn resume_at(&self, spec: &ProducerSpec, now: u64) -> Option<u64> {
        if let Rate::Script { at } = &spec.rate
            && usize::try_from(self.cursor).is_ok_and(|i| i >= at.len())
        {
            return None;
        }
        self.within(spec, now)
    }

    fn within(&self, spec: &ProducerSpec, t: u64) -> Option<u64> {
        match spec.stop {
            Some(stop) if t >= stop => None,
            _ => Some(t),
        }
    }

    /// Draws this message's routing key, headers and extras (sent at `now` µs).
    pub fn draw(&mut self, spec: &ProducerSpec, now: u64) -> Drawn {
        let rng = &mut self.rng;
        self.picks.clear();
        let totals = spec.choices.iter().zip(&self.weight_totals);
        (self.picks).extend(totals.map(|(c, total)| rng.weighted_of(&c.weights, *total)));
        self.seq += 1;
        let fill = Fill {
            choices: &spec.choices,
            picks: &self.picks,
            seq: self.seq,
        };
        let picks = if self.pick_hints.is_empty() {
            None
        } else {
            combination(&spec.choices, &self.picks)
        };
        let mut key = self.spare_keys.pop().unwrap_or_default();
        key.clear();
        match picks.and_then(|i| self.keys_by_picks.get_mut(i as usize)) {
            Some(Some(drawn_before)) => key.push_str(drawn_before),
            Some(first) => {
                render_into(&spec.routing_key, &fill, &mut key);
                *first = Some(key.clone());
            }
            None => render_into(&spec.routing_key, &fill, &mut key),
        }
        let headers = (!spec.headers.is_empty()).then(|| {
            let mut table = self.spare_headers.pop().unwrap_or_default();
            render_headers(&spec.headers, &fill, &mut table);
            table
        });
        Drawn {
            routing_key: key,
            headers,
            extra: extra(spec, &fill, now),
            picks,
        }
    }
}

impl Producer {
    /// Keeps a drawn message while it travels to the exchange; gives the number that
    /// [`Producer::arrived`] takes it back by.
    pub fn send(&mut self, drawn: Drawn) -> u32 {
        if let Some(i) = self.free.pop()
            && let Some(place) = self.in_flight.get_mut(i as usize)
        {
            *place = Some(drawn);
            return i;
        }
        let i = u32::try_from(self.in_flight.len()).unwrap_or(u32::MAX);
        self.in_flight.push(Some(drawn));
        i
    }

    /// The message [`Producer::send`] numbered `i`, which has reached the exchange.
    pub fn arrived(&mut self, i: u32) -> Option<Drawn> {
        let drawn = self.in_flight.get_mut(i as usize)?.take()?;
        self.free.push(i);
        Some(drawn)
    }

    /// Publishes the message drawn last (`publish`, drawn with `picks`), through the place
    /// where the broker remembers its route: by its picks (see [`Producer::pick_hints`]), or
    /// by its key when it has no headers (its route then depends on its key alone).
    pub(crate) fn publish_to(
        &mut self,
        broker: &mut Broker,
        vhost: &str,
        at: Stamp,
        picks: Option<u32>,
    ) -> Result<PublishOutcome, BrokerError> {
        let publish = &self.publish;
        let by_picks = picks.and_then(|i| self.pick_hints.get_mut(i as usize));
        if let Some(hint) = by_picks {
            return broker.publish_hinted(vhost, publish, at, hint);
        }
        if !publish.properties.headers.is_empty() {
            return broker.publish_sent(vhost, publish, at.now, at.sent);
        }
        if self.route_hints.len() >= MAX_ROUTE_HINTS {
            self.route_hints.clear();
        }
        let key = publish.routing_key.as_str();
        let hint = match self.route_hints.get_mut(key) {
            Some(hint) => hint,
            None => self.route_hints.entry(key.to_owned()).or_default(),
        };
        broker.publish_hinted(vhost, publish, at, hint)
    }

    /// Takes back a published message's routing key and header table, to draw into again.
    /// Inlined: a push or two per message.
    #[inline]
    pub fn hand_back(&mut self, key: String, headers: Option<Box<Table>>) {
        if self.spare_keys.len() < MAX_SPARE {
            self.spare_keys.push(key);
        }
        if let Some(table) = headers.filter(|_| self.spare_headers.len() < MAX_SPARE) {
            self.spare_headers.push(table);
        }
    }
}

/// Renders the header templates into `table`: into its strings when it holds these headers
/// already (a table handed back, drawn from the same templates), as new entries otherwise.
fn render_headers(headers: &[(String, Vec<Part>)], fill: &Fill, table: &mut Table) {
    for (name, parts) in headers {
        if let Some(Value::Str(value)) = table.get_mut(name) {
            value.clear();
            render_into(parts, fill, value);
        } else {
            table.insert(name.clone(), Value::Str(fill.render(parts)));
        }
    }
}

/// The CloudEvents body and the RPC properties, for producers that have them.
fn extra(spec: &ProducerSpec, fill: &Fill, now: u64) -> Option<Box<Extra>> {
    if spec.cloudevents.is_none() && spec.rpc.is_none() {
        return None;
    }
    let mut extra = Extra {
        properties: Properties::default(),
        body: None,
    };
    let p = &mut extra.properties;
    if let Some(ce) = &spec.cloudevents {
        let (id, body) = cloudevents::envelope(ce, fill, now);
        p.content_type = Some(cloudevents::CONTENT_TYPE.to_owned());
        p.message_id = Some(id);
        p.kind = Some(ce.kind.clone());
        p.timestamp = i64::try_from(cloudevents::EPOCH_UNIX_SECONDS + now / 1_000_000).ok();
        extra.body = Some(Rc::from(body));
    }
    if let Some(rpc) = &spec.rpc {
        p.reply_to = Some(rpc.reply_to.clone());
        p.correlation_id = Some(format!("{}-{}", spec.name, fill.seq));
    }
    Some(Box::new(extra))
}

/// The combination of `picks` (see [`Drawn::picks`]); `None` if a pick is out of its choice.
fn combination(choices: &[Choice], picks: &[usize]) -> Option<u32> {
    let mut n = 0usize;
    for (c, pick) in choices.iter().zip(picks) {
        if *pick >= c.values.len() {
            return None;
        }
        n = n * c.values.len() + pick;
    }
    u32::try_from(n).ok()
}

/// A template with one value picked per choice, appended to `out`.
fn render_into(parts: &[Part], fill: &Fill, out: &mut String) {
    if let [Part::Text(t)] = parts {
        out.push_str(t);
    } else {
        fill.render_into(parts, out);
    }
}

/// A routing key `spec` would draw: each choice's first value, `{seq}` as 1 (what the app
/// offers to try before anything is published).
pub fn example_routing_key(spec: &ProducerSpec) -> String {
    let picks = vec![0; spec.choices.len()];
    render_picks(&spec.routing_key, &spec.choices, &picks)
}

/// The headers `spec` would draw with the same picks as [`example_routing_key`] (empty when
/// the producer sends none).
pub fn example_headers(spec: &ProducerSpec) -> Table {
    let picks = vec![0; spec.choices.len()];
    let fill = Fill {
        choices: &spec.choices,
        picks: &picks,
        seq: 1,
    };
    let mut table = Table::new();
    render_headers(&spec.headers, &fill, &mut table);
    table
}

/// A template rendered with these picks.
fn render_picks(parts: &[Part], choices: &[Choice], picks: &[usize]) -> String {
    let mut out = String::new();
    let fill = Fill {
        choices,
        picks,
        seq: 1,
    };
    render_into(parts, &fill, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenario::actors::template;

    #[test]
    fn the_example_key_takes_each_choice_first() {
        let text = include_str!("../../../../../scenarios/orders-topic.json");
        let scenario = crate::sim::Scenario::from_json_text(text).unwrap();
        let producer = scenario.producers.first().unwrap();
        assert_eq!(example_routing_key(producer), "order.eu.created");
    }

    #[test]
    fn the_example_headers_take_the_same_choices() {
        let text = include_str!("../../../../../scenarios/reference.json");
        let scenario = crate::sim::Scenario::from_json_text(text).unwrap();
        let with_headers = scenario.producers.iter().find(|p| !p.headers.is_empty());
        let producer = with_headers.unwrap();
        // {"region": "{region}", "tier": "{tier}"}: each choice's first value.
        let table = example_headers(producer);
        let text = |name| table.get(name).and_then(Value::as_str);
        assert_eq!(
            (table.len(), text("region"), text("tier")),
            (2, Some("eu"), Some("gold"))
        );
        let without = scenario.producers.iter().find(|p| p.headers.is_empty());
        assert!(example_headers(without.unwrap()).is_empty());
    }

    #[test]
    fn templates_render_with_weighted_choices() {
        let choices = vec![Choice {
            name: "region".into(),
            values: vec!["eu".into(), "us".into()],
            weights: vec![1, 0],
        }];
        let parts = template("order.{region}.created", &choices, "k").unwrap();
        assert_eq!(render_picks(&parts, &choices, &[0]), "order.eu.created");
        assert_eq!(
            render_picks(&template("{{x}}", &[], "k").unwrap(), &[], &[]),
            "{x}"
        );
        let err = template("a.{zone}", &choices, "actors.producers[0].routing_key").unwrap_err();
        assert_eq!(
            err.to_string(),
            "actors.producers[0].routing_key: `{zone}` is not one of the producer's choices"
        );
    }

    /// What route hints and keys by picks rest on: the same picks draw the same key and
    /// headers.
    #[test]
    fn the_same_picks_draw_the_same_key_and_headers() {
        let json = serde_json::json!({"name": "p", "exchange": "x",
            "routing_key": "{kind}.{region}", "headers": {"region": "{region}", "t": "{tier}"},
            "choices": {"kind": ["order", "payment"], "region": [["eu", 2], "us", "apac"],
                "tier": ["gold", "silver"], "unused": ["a", "b"]},
            "rate": {"kind": "fixed", "per_second": 10.0}});
        let spec = crate::sim::scenario::actors::producer(&json, "p").unwrap();
        assert_eq!(pick_combinations(&spec), Some(24));
        let mut p = Producer::new(&spec, Rng::stream(7, 0));
        let mut seen = std::collections::HashMap::new();
        for i in 0..500 {
            let d = p.draw(&spec, i);
            let picks = d.picks.unwrap();
            assert!(picks < 24);
            // A key drawn before is copied: the same as rendering it.
            let rendered = render_picks(&spec.routing_key, &spec.choices, &p.picks);
            assert_eq!(d.routing_key, rendered);
            let drawn = (d.routing_key.clone(), d.headers.as_deref().cloned());
            assert_eq!(seen.entry(picks).or_insert_with(|| drawn.clone()), &drawn);
            p.hand_back(d.routing_key, d.headers);
        }
        assert_eq!(seen.len(), 24);
        // `{seq}` in a template: no hints by picks.
        let mut json = json;
        json["headers"]["n"] = serde_json::json!("{seq}");
        let spec = crate::sim::scenario::actors::producer(&json, "p").unwrap();
        assert_eq!(pick_combinations(&spec), None);
        assert_eq!(
            Producer::new(&spec, Rng::stream(7, 0)).draw(&spec, 1).picks,
            None
        );
    }

    #[test]
    fn buffers_handed_back_draw_the_same_messages() {
        let json = serde_json::json!({"name": "p", "exchange": "x",
            "routing_key": "{kind}.{region}.{seq}", "headers": {"region": "{region}", "k": "{kind}"},
            "choices": {"kind": ["order", "payment"], "region": [["eu", 2], "us", "apac"]},
            "rate": {"kind": "fixed", "per_second": 10.0}});
        let spec = crate::sim::scenario::actors::producer(&json, "p").unwrap();
        let (mut fresh, mut reused) = (
            Producer::new(&spec, Rng::stream(7, 0)),
            Producer::new(&spec, Rng::stream(7, 0)),
        );
        let mut held = Vec::new();
        for i in 0..40 {
            let a = fresh.draw(&spec, i);
            let (key, headers) = (a.routing_key, a.headers);
            let b = reused.draw(&spec, i);
            let (k, h) = (b.routing_key, b.headers);
            assert_eq!((&key, headers.as_deref()), (&k, h.as_deref()));
            // Two in flight at once, handed back out of order.
            held.push((k, h));
            if held.len() == 2 {
                let (k, h) = held.swap_remove(0);
                reused.hand_back(k, h);
            }
        }
        assert!(!reused.spare_keys.is_empty() && reused.spare_keys.len() <= MAX_SPARE);
    }
}
