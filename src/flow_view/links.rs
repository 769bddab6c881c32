//! The lines a flow adds to the drawing, by style: the caller's requests to the triggering
//! service; in orchestration the triggering service's calls to each service (request /
//! response arrows); in choreography its event to the exchange and each service's queue to
//! the service; and who is waiting for an answer. Data for the stage; it draws nothing.

use switchyard_core::sim::flow::build::queue_name;
use switchyard_core::sim::flow::{Style, Wait};
use switchyard_core::sim::{NodeId, Simulation};

/// What a flow line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowLink {
    /// A synchronous call (request out, response back).
    Call,
    /// The triggering service publishing its event.
    Publish,
    /// A service consuming its queue.
    Consume,
}

/// The flow's lines `(from, to, kind, label)`; none without a flow.
pub fn flow_links(sim: &Simulation) -> Vec<(NodeId, NodeId, FlowLink, String)> {
    let Some(flow) = sim.flow() else {
        return Vec::new();
    };
    let world = sim.world();
    let mut out = Vec::new();
    let trigger = world.service(&flow.trigger.service);
    if let (Some(caller), Some(trigger)) = (world.service(&flow.caller), trigger) {
        out.push((caller, trigger, FlowLink::Call, "request".to_owned()));
    }
    let Some(trigger) = trigger else { return out };
    match flow.style {
        Style::Orchestration => {
            for s in &flow.services {
                if let Some(to) = world.service(&s.name) {
                    out.push((trigger, to, FlowLink::Call, "call".to_owned()));
                }
            }
        }
        Style::Choreography => {
            let vhost = switchyard_core::DEFAULT_VHOST;
            if let Some(x) = world.exchange(vhost, &flow.trigger.exchange) {
                out.push((trigger, x, FlowLink::Publish, String::new()));
            }
            for s in &flow.services {
                let (q, to) = (
                    world.queue(vhost, &queue_name(&s.name)),
                    world.service(&s.name),
                );
                if let (Some(q), Some(to)) = (q, to) {
                    out.push((q, to, FlowLink::Consume, String::new()));
                }
            }
        }
    }
    out
}

/// How many answers each waiting node waits for, by node (a caller waiting is drawn ringed).
pub fn waiting(waits: &[Wait]) -> Vec<(NodeId, usize)> {
    let mut out: Vec<(NodeId, usize)> = Vec::new();
    for w in waits {
        match out.iter_mut().find(|(n, _)| *n == w.waiter) {
            Some((_, count)) => *count += 1,
            None => out.push((w.waiter, 1)),
        }
    }
    out
}
