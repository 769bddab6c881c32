//! The changes made on demand (a consumer crashed, a service taken down, an exchange retyped,
//! a binding added or removed, a queue's limits set) as a list that can be kept with a session
//! or a share link and made again on a new simulation of the same scenario. Each change has the
//! step count and the time at which it was made, and its action named as a script step names
//! it. Made again at the same points, the changes give exactly the same run.
//!
//! JSON: `[{"steps": 1234, "at_us": 5000000, "action": "crash_consumer", "consumer": "c1"}]`,
//! each action with the keys its script step takes. Reading is strict, with errors naming the
//! path, as for a scenario file.

use serde_json::{Value as Json, json};

use crate::fields::{FieldError, error, join, object};
use crate::sim::engine::{Control, Simulation, producer_id, resolve};
use crate::sim::scenario::read::integer;
use crate::sim::scenario::{Action, action_json, step};
use crate::sim::scheduler::SimTime;

/// The most changes a list may hold.
pub const MAX_EDITS: usize = 10_000;

/// A change made on demand, and where it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    /// How many events had been handled.
    pub steps: u64,
    /// The clock (µs); it may have moved past the last event.
    pub at_us: u64,
    pub action: Action,
}

impl Simulation {
    /// The changes made on demand that the timeline holds, oldest first (going back before one
    /// undoes it, and it leaves this list).
    pub fn edits(&self) -> Vec<Edit> {
        let edit = |e: &crate::sim::engine::Injected| {
            Some(Edit {
                steps: e.steps,
                at_us: e.time_us,
                action: self.action_of(e.control)?,
            })
        };
        self.injected.iter().filter_map(edit).collect()
    }

    /// The script action that names what `control` does.
    fn action_of(&self, control: Control) -> Option<Action> {
        let consumer = |c: crate::sim::ConsumerId| {
            let spec = self.scenario.consumers.get(c.0 as usize)?;
            Some(spec.name.clone())
        };
        let service = |s| {
            let name = self.cast.flow.as_ref()?.service_name(s)?;
            Some(name.to_owned())
        };
        Some(match control {
            Control::StopConsumer(c) => Action::StopConsumer {
                consumer: consumer(c)?,
            },
            Control::StartConsumer(c) => Action::StartConsumer {
                consumer: consumer(c)?,
            },
            Control::CrashConsumer(c) => Action::CrashConsumer {
                consumer: consumer(c)?,
            },
            Control::RestartBroker => Action::RestartBroker,
            Control::StopProducer(p) => Action::StopProducer {
                producer: self.scenario.producers.get(p.0 as usize)?.name.clone(),
            },
            Control::StartProducer(p) => Action::StartProducer {
                producer: self.scenario.producers.get(p.0 as usize)?.name.clone(),
            },
            Control::ChangeTopology(step)
            | Control::Publish { step, .. }
            | Control::Send(step)
            | Control::SetRate { step, .. }
            | Control::SetProcessing { step, .. } => self.step_action(step)?.clone(),
            Control::ReplayProjection(p) => Action::ReplayProjection {
                projection: self.scenario.projections.get(p as usize)?.name.clone(),
            },
            Control::TakeDown(s) => Action::TakeDown {
                service: service(s)?,
            },
            Control::BringBack(s) => Action::BringBack {
                service: service(s)?,
            },
            Control::FailService(s) => Action::FailService {
                service: service(s)?,
            },
            Control::HealService(s) => Action::HealService {
                service: service(s)?,
            },
            Control::AddConsumer(c) => {
                Action::AddConsumer(Box::new(self.scenario.consumers.get(c.0 as usize)?.clone()))
            }
            Control::AddProducer(p) => {
                Action::AddProducer(Box::new(self.scenario.producers.get(p.0 as usize)?.clone()))
            }
            Control::SetExchangeType { exchange, kind } => {
                let node = self.world.node(exchange)?;
                Action::SetExchangeType {
                    vhost: node.vhost.clone(),
                    exchange: node.name.clone(),
                    kind,
                }
            }
        })
    }

    /// Makes `edits` again in order, each at the point where it was made, re-simulating up to
    /// it. The simulation is left at the last one. The work is bounded by the last change's
    /// time: events past it are never handled.
    ///
    /// A change that does not fit this run is an error naming it. It may name what the
    /// scenario does not have, or give a point that is not one of this run (the scenario file
    /// changed since). The changes before it have been made: build the simulation again to
    /// drop them.
    pub fn apply_edits(&mut self, edits: &[Edit]) -> Result<(), FieldError> {
        for (i, edit) in edits.iter().enumerate() {
            let path = format!("edits[{i}]");
            let (steps, now) = (self.state.steps, self.now().0);
            if edit.steps < steps || edit.at_us < now {
                return Err(error(&path, "comes before the change before it"));
            }
            let at = SimTime(edit.at_us);
            self.reach(edit.steps, at);
            if self.state.steps < edit.steps {
                let what = format!(
                    "this run handles {} events by {}, not {}",
                    self.state.steps, at, edit.steps
                );
                return Err(error(&join(&path, "steps"), what));
            }
            if self.state.steps != edit.steps || self.now() != at {
                let what = "this run handles more events by then: the change was not made in it";
                return Err(error(&join(&path, "at_us"), what));
            }
            match &edit.action {
                Action::Declare { .. }
                | Action::Unbind { .. }
                | Action::DeleteQueue { .. }
                | Action::DeleteExchange { .. } => {
                    self.inject_topology(edit.action.clone())
                        .map_err(|e| error(&path, e.to_string()))?;
                }
                Action::Publish {
                    producer,
                    routing_key,
                    headers,
                } => {
                    // Named as the list names it.
                    producer_id(&self.scenario, producer, &path)?;
                    self.inject_publish(producer, routing_key, headers.clone())
                        .map_err(|e| error(&path, e.to_string()))?;
                }
                Action::Send {
                    vhost,
                    exchange,
                    routing_key,
                    headers,
                } => {
                    self.inject_send(vhost, exchange, routing_key, headers.clone())
                        .map_err(|e| error(&path, e.to_string()))?;
                }
                Action::SetRate { producer, rate } => {
                    (self.set_rate(producer, rate.clone()))
                        .map_err(|e| error(&path, e.to_string()))?;
                }
                Action::SetProcessing {
                    consumer,
                    processing,
                    failure_probability,
                } => {
                    (self.set_processing(consumer, *processing, *failure_probability))
                        .map_err(|e| error(&path, e.to_string()))?;
                }
                Action::AddConsumer(spec) => {
                    (self.add_consumer((**spec).clone()))
                        .map_err(|e| error(&path, e.to_string()))?;
                }
                Action::AddProducer(spec) => {
                    (self.add_producer((**spec).clone()))
                        .map_err(|e| error(&path, e.to_string()))?;
                }
                other => {
                    let flow = self.cast.flow.as_ref();
                    let control = resolve(other, &self.scenario, flow, &self.world, &path)?;
                    self.inject(control);
                }
            }
        }
        Ok(())
    }
}

/// The changes as JSON (see the module's documentation).
pub fn to_json(edits: &[Edit]) -> Json {
    let edit = |e: &Edit| {
        let mut out = action_json(&e.action);
        if let Some(obj) = out.as_object_mut() {
            obj.insert("steps".into(), json!(e.steps));
            obj.insert("at_us".into(), json!(e.at_us));
        }
        out
    };
    Json::Array(edits.iter().map(edit).collect())
}

/// The changes as a scenario's script steps at their moments (`at_ms`), to save with the
/// scenario: a script step runs before what else happens at its instant, so a change made
/// after some of an instant's events runs before them there.
pub fn to_script(edits: &[Edit]) -> Vec<Json> {
    edits.iter().map(|e| step(e.at_us, &e.action)).collect()
}

/// Reads changes written by [`to_json`]; the error names the path of what is wrong.
pub fn from_json(json: &Json) -> Result<Vec<Edit>, FieldError> {
    let items = json
        .as_array()
        .ok_or_else(|| error("edits", "expected an array"))?;
    if items.len() > MAX_EDITS {
        let what = format!(
            "{} entries is more than the {MAX_EDITS} allowed",
            items.len()
        );
        return Err(error("edits", what));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("edits[{i}]");
        let obj = object(item, &path)?;
        let all = (0, u64::MAX);
        out.push(Edit {
            steps: integer(obj, "steps", &path, all, None)?,
            at_us: integer(obj, "at_us", &path, all, None)?,
            action: crate::sim::scenario::action(obj, &path, &["steps", "at_us"])?,
        });
    }
    Ok(out)
}
