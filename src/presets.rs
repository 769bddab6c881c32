//! The presets shipped with the app: scenario files from `scenarios/`, compiled in (as
//! `build.rs` copies them, without the whitespace between tokens). The first
//! one opens when there is nothing to restore. Adding a preset is one line here and one file
//! there; the e2e test loads every one.

use std::sync::OnceLock;

/// A shipped scenario: a stable id (kept in local storage and links) and its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preset {
    pub id: &'static str,
    pub json: &'static str,
}

/// Every preset, in the order the picker lists them.
#[rustfmt::skip]
pub const PRESETS: &[Preset] = &[
    Preset { id: "orders-topic", json: include_str!(concat!(env!("OUT_DIR"), "/scenarios/orders-topic.json")) },
    Preset { id: "employee-created", json: include_str!(concat!(env!("OUT_DIR"), "/scenarios/employee-created.json")) },
    Preset { id: "retry-backoff", json: include_str!(concat!(env!("OUT_DIR"), "/scenarios/retry-backoff.json")) },
    Preset { id: "event-sourcing", json: include_str!(concat!(env!("OUT_DIR"), "/scenarios/event-sourcing.json")) },
    Preset { id: "live-match", json: include_str!(concat!(env!("OUT_DIR"), "/scenarios/live-match.json")) },
    Preset { id: "tutorial-1-hello-world", json: include_str!(concat!(env!("OUT_DIR"), "/scenarios/tutorial-1-hello-world.json")) },
    Preset { id: "tutorial-2-work-queues", json: include_str!(concat!(env!("OUT_DIR"), "/scenarios/tutorial-2-work-queues.json")) },
    Preset { id: "tutorial-3-publish-subscribe", json: include_str!(concat!(env!("OUT_DIR"), "/scenarios/tutorial-3-publish-subscribe.json")) },
    Preset { id: "tutorial-4-routing", json: include_str!(concat!(env!("OUT_DIR"), "/scenarios/tutorial-4-routing.json")) },
    Preset { id: "tutorial-5-topics", json: include_str!(concat!(env!("OUT_DIR"), "/scenarios/tutorial-5-topics.json")) },
    Preset { id: "tutorial-6-rpc", json: include_str!(concat!(env!("OUT_DIR"), "/scenarios/tutorial-6-rpc.json")) },
    Preset { id: "payment-flow", json: include_str!(concat!(env!("OUT_DIR"), "/scenarios/payment-flow.json")) },
    Preset { id: "saga", json: include_str!(concat!(env!("OUT_DIR"), "/scenarios/saga.json")) },
    Preset { id: "circuit-breaker", json: include_str!(concat!(env!("OUT_DIR"), "/scenarios/circuit-breaker.json")) },
    // The animation's benchmark (scripts/bench-app.sh): 2,000 messages in flight.
    Preset { id: "stress", json: include_str!(concat!(env!("OUT_DIR"), "/scenarios/stress.json")) },
];

/// The preset with this id.
pub fn find(id: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.id == id)
}

/// What the picker shows of a preset: the `name` and `description` of its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    pub preset: &'static Preset,
    pub name: String,
    pub description: String,
}

/// Every preset with its name and description, parsed once (a file that does not parse says
/// so in its description; the e2e test loads every preset, so that cannot ship).
pub fn described() -> &'static [Described] {
    static DESCRIBED: OnceLock<Vec<Described>> = OnceLock::new();
    DESCRIBED.get_or_init(|| PRESETS.iter().map(describe).collect())
}

fn describe(preset: &'static Preset) -> Described {
    let text = |json: &serde_json::Value, key: &str| {
        json.get(key)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    match serde_json::from_str::<serde_json::Value>(preset.json) {
        Ok(json) => Described {
            preset,
            name: text(&json, "name").unwrap_or_else(|| preset.id.to_owned()),
            description: text(&json, "description").unwrap_or_default(),
        },
        Err(e) => Described {
            preset,
            name: preset.id.to_owned(),
            description: format!("scenarios/{}.json does not parse: {e}", preset.id),
        },
    }
}

/// The one that opens first.
pub fn first() -> Option<&'static Preset> {
    PRESETS.first()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_has_a_name_and_a_description() {
        let described = described();
        assert_eq!(described.len(), PRESETS.len());
        for d in described {
            assert_ne!(
                d.name, d.preset.id,
                "{}: no `name` in its file",
                d.preset.id
            );
            assert!(
                !d.description.is_empty(),
                "{}: no `description`",
                d.preset.id
            );
            assert!(
                !d.description.contains("does not parse"),
                "{}",
                d.description
            );
        }
    }

    #[test]
    fn a_preset_is_its_file_without_whitespace() {
        for preset in PRESETS {
            let path = format!(
                "{}/scenarios/{}.json",
                env!("CARGO_MANIFEST_DIR"),
                preset.id
            );
            let file = std::fs::read_to_string(path).expect("the preset's file");
            let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).expect("JSON");
            assert_eq!(parse(preset.json), parse(&file), "{}", preset.id);
            let spaces = |text: &str| text.chars().filter(|c| c.is_whitespace()).count();
            assert!(preset.json.len() < file.len(), "{}", preset.id);
            assert!(spaces(preset.json) < spaces(&file), "{}", preset.id);
        }
    }
}
