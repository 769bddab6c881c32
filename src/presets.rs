//! The presets shipped with the app: scenario files from `scenarios/`, compiled in. The first
//! one opens when there is nothing to restore. Adding a preset is one line here and one file
//! there; the e2e test loads every one.

/// A shipped scenario: a stable id (kept in local storage and links) and its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    pub id: &'static str,
    pub json: &'static str,
}

/// Every preset, in the order the picker lists them.
#[rustfmt::skip]
pub const PRESETS: &[Preset] = &[
    Preset { id: "orders-topic", json: include_str!("../scenarios/orders-topic.json") },
    Preset { id: "employee-created", json: include_str!("../scenarios/employee-created.json") },
    Preset { id: "retry-backoff", json: include_str!("../scenarios/retry-backoff.json") },
    Preset { id: "live-match", json: include_str!("../scenarios/live-match.json") },
    Preset { id: "tutorial-1-hello-world", json: include_str!("../scenarios/tutorial-1-hello-world.json") },
    Preset { id: "tutorial-2-work-queues", json: include_str!("../scenarios/tutorial-2-work-queues.json") },
    Preset { id: "tutorial-3-publish-subscribe", json: include_str!("../scenarios/tutorial-3-publish-subscribe.json") },
    Preset { id: "tutorial-4-routing", json: include_str!("../scenarios/tutorial-4-routing.json") },
    Preset { id: "tutorial-5-topics", json: include_str!("../scenarios/tutorial-5-topics.json") },
    Preset { id: "tutorial-6-rpc", json: include_str!("../scenarios/tutorial-6-rpc.json") },
];

/// The preset with this id.
pub fn find(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

/// The one that opens first.
pub fn first() -> Option<&'static Preset> {
    PRESETS.first()
}
