//! A producer at run time: its arrival process (fixed rate, Poisson, bursts, a scripted list)
//! and the rendering of routing-key and header templates with weighted choices. It builds the
//! `basic.publish` it sends; it does not know where the message goes.

use std::sync::Arc;

use crate::message::Publish;
use crate::sim::rng::Rng;
use crate::sim::scenario::{Choice, Part, ProducerSpec, Rate};
use crate::value::{Table, Value};

#[derive(Debug, Clone)]
pub struct Producer {
    rng: Rng,
    /// The publish sent each time, with the routing key and headers filled in per message.
    pub publish: Publish,
    /// Position in a burst or in a scripted list.
    cursor: u64,
}

impl Producer {
    pub fn new(spec: &ProducerSpec, rng: Rng) -> Producer {
        let mut publish = Publish::new(spec.exchange.clone(), "");
        publish.mandatory = spec.mandatory;
        publish.properties.delivery_mode = Some(if spec.persistent { 2 } else { 1 });
        let body: Vec<u8> = vec![b'x'; usize::try_from(spec.body_bytes).unwrap_or(0)];
        publish.body = Arc::from(body);
        Producer {
            rng,
            publish,
            cursor: 0,
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
                let gap = self.rng.exponential(*mean_interval).round() as u64;
                self.within(spec, spec.start.saturating_add(gap))
            }
            _ => self.within(spec, spec.start),
        }
    }

    /// The time (µs) of the next message after one sent at `now`, or `None` when done.
    pub fn next_after(&mut self, spec: &ProducerSpec, now: u64) -> Option<u64> {
        let t = match &spec.rate {
            Rate::Fixed { interval } => now.saturating_add(*interval),
            Rate::Poisson { mean_interval } => {
                now.saturating_add(self.rng.exponential(*mean_interval).round() as u64)
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

    fn within(&self, spec: &ProducerSpec, t: u64) -> Option<u64> {
        match spec.stop {
            Some(stop) if t >= stop => None,
            _ => Some(t),
        }
    }

    /// Draws this message's routing key and headers from the templates.
    pub fn draw(&mut self, spec: &ProducerSpec) -> (String, Option<Table>) {
        let picks: Vec<usize> = spec
            .choices
            .iter()
            .map(|c| self.rng.weighted(&c.weights))
            .collect();
        let key = render(&spec.routing_key, &spec.choices, &picks);
        let headers = (!spec.headers.is_empty()).then(|| {
            let mut table = Table::new();
            for (name, parts) in &spec.headers {
                table.insert(
                    name.clone(),
                    Value::Str(render(parts, &spec.choices, &picks)),
                );
            }
            table
        });
        (key, headers)
    }
}

/// A template with one value picked per choice.
fn render(parts: &[Part], choices: &[Choice], picks: &[usize]) -> String {
    if let [Part::Text(t)] = parts {
        return t.clone();
    }
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Choice(i) => {
                let value = choices
                    .get(*i)
                    .zip(picks.get(*i))
                    .and_then(|(c, p)| c.values.get(*p));
                out.push_str(value.map_or("", String::as_str));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenario::actors::template;

    #[test]
    fn templates_render_with_weighted_choices() {
        let choices = vec![Choice {
            name: "region".into(),
            values: vec!["eu".into(), "us".into()],
            weights: vec![1, 0],
        }];
        let parts = template("order.{region}.created", &choices, "k").unwrap();
        assert_eq!(render(&parts, &choices, &[0]), "order.eu.created");
        assert_eq!(
            render(&template("{{x}}", &[], "k").unwrap(), &[], &[]),
            "{x}"
        );
        let err = template("a.{zone}", &choices, "actors.producers[0].routing_key").unwrap_err();
        assert_eq!(
            err.to_string(),
            "actors.producers[0].routing_key: `{zone}` is not one of the producer's choices"
        );
    }
}
