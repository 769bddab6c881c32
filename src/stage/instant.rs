//! The hops an instant takes no time for. A message reaches an exchange and, at that same
//! virtual instant, goes on to the exchanges bound to it and into its queues; a dead letter
//! goes to its exchange and on. Time cannot show those hops, so a step shows them after its
//! move, the first hop of every chain together, then the second, and so on.

use switchyard_core::MessageId;
use switchyard_core::sim::{NodeId, TraceEvent, TraceKind};

/// A hop that took no time, and how many hops of its message's chain came before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstantHop {
    pub event: TraceEvent,
    pub after: u32,
}

/// The hops of `events` (oldest first) that left and arrived at `at` µs, in order, each with
/// its place in its message's chain. A dead letter's chain goes on with its copy.
pub fn instant_hops(events: &[TraceEvent], at: u64) -> Vec<InstantHop> {
    // Where each message got to at this instant, and after how many hops.
    let mut reached: Vec<(MessageId, NodeId, u32)> = Vec::new();
    let mut out = Vec::new();
    for e in events {
        let (Some(m), Some(hop)) = (e.message, e.edge) else {
            continue;
        };
        if hop.depart.0 != at || hop.arrive.0 != at {
            continue;
        }
        let after = (reached.iter().rev())
            .find(|r| r.0 == m && r.1 == hop.from)
            .map_or(0, |r| r.2);
        reached.push((m, hop.to, after + 1));
        if let TraceKind::DeadLetter { dead_letter } = e.kind {
            reached.push((dead_letter, hop.to, after + 1));
        }
        out.push(InstantHop { event: *e, after });
    }
    out
}

/// How many hops the longest chain takes one after another.
pub fn length(hops: &[InstantHop]) -> u32 {
    hops.iter().map(|h| h.after + 1).max().unwrap_or(0)
}

/// Whether `m` is still on its way at hop `stage` of the chains: a hop of its ends later.
pub fn on_way(hops: &[InstantHop], m: MessageId, stage: u32) -> bool {
    hops.iter()
        .any(|h| h.event.message == Some(m) && h.after >= stage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_core::sim::{Edge, SimTime};

    fn hop(
        seq: u64,
        kind: TraceKind,
        m: u64,
        from: u32,
        to: u32,
        depart: u64,
        arrive: u64,
    ) -> TraceEvent {
        TraceEvent {
            seq,
            time: SimTime(arrive),
            kind,
            message: Some(MessageId(m)),
            edge: Some(Edge {
                from: NodeId(from),
                to: NodeId(to),
                depart: SimTime(depart),
                arrive: SimTime(arrive),
            }),
            node: None,
        }
    }

    #[test]
    fn a_chain_counts_the_hops_before_each_and_a_dead_letter_goes_on_with_its_copy() {
        // Message 1 arrives at exchange 2 (a hop that took time), which forwards it to
        // exchange 3 and enqueues it in queue 4; 3 enqueues it in 5. Message 6 is dead-lettered
        // from queue 5 to exchange 7 as message 8, enqueued in queue 9.
        let events = [
            hop(0, TraceKind::Publish, 1, 0, 2, 5, 10),
            hop(1, TraceKind::Forward, 1, 2, 3, 10, 10),
            hop(2, TraceKind::Enqueue, 1, 3, 5, 10, 10),
            hop(3, TraceKind::Enqueue, 1, 2, 4, 10, 10),
            hop(
                4,
                TraceKind::DeadLetter {
                    dead_letter: MessageId(8),
                },
                6,
                5,
                7,
                10,
                10,
            ),
            hop(5, TraceKind::Enqueue, 8, 7, 9, 10, 10),
            hop(
                6,
                TraceKind::Deliver { redelivered: false },
                1,
                4,
                10,
                10,
                12,
            ),
        ];
        let hops = instant_hops(&events, 10);
        let afters: Vec<(u64, u32)> = hops.iter().map(|h| (h.event.seq, h.after)).collect();
        assert_eq!(afters, [(1, 0), (2, 1), (3, 0), (4, 0), (5, 1)]);
        assert_eq!(length(&hops), 2);
        assert!(on_way(&hops, MessageId(1), 1));
        assert!(!on_way(&hops, MessageId(1), 2));
        assert!(on_way(&hops, MessageId(8), 1));
        assert!(!on_way(&hops, MessageId(6), 1));
        // At another instant, none.
        assert!(instant_hops(&events, 12).is_empty());
        assert_eq!(length(&[]), 0);
    }
}
