//! The session in local storage, so a reload comes back to the same scenario and moment: the
//! preset id (or the text of a file the user loaded), the virtual time, whether it played and
//! how fast, the style a flow runs in, the changes made on demand (a binding added, a
//! consumer crashed, …) with where they were made, the pause points (by node kind, vhost
//! and name) and what is selected. Reading is strict: anything unexpected is
//! an error naming what was wrong, and the caller discards the saved state with a notice. It
//! knows nothing of Yew.

use serde_json::{Value as Json, json};
use switchyard_core::sim::Edit;
use switchyard_core::sim::edits;
use switchyard_core::sim::flow::Style;
use switchyard_core::sim::world::Node;

/// The local storage key.
pub const KEY: &str = "switchyard.session.v1";
/// A loaded file larger than this is not kept (local storage holds about 5 MB).
pub const MAX_FILE_CHARS: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq)]
pub enum Saved {
    Preset(String),
    File(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub scenario: Saved,
    pub at_us: u64,
    pub playing: bool,
    pub speed: usize,
    /// The flow's style when the user switched it (none: the scenario's own).
    pub style: Option<Style>,
    /// The changes made on demand, made again on opening.
    pub edits: Vec<Edit>,
    /// The nodes where a message arriving pauses the run.
    pub pause_at: Vec<PausePoint>,
    /// What the inspector shows.
    pub selected: Option<Selected>,
}

/// What is selected, as a session and a link keep it: a message by id, a flow's request by
/// number, a node by kind, vhost and name (ids are the same in every run of a scenario with
/// the same seed and changes).
#[derive(Debug, Clone, PartialEq)]
pub enum Selected {
    Message(u64),
    Request(u32),
    Node(PausePoint),
}

/// A pause point: the node's kind (`queue`, `exchange`, …), vhost and name.
#[derive(Debug, Clone, PartialEq)]
pub struct PausePoint {
    pub kind: String,
    pub vhost: String,
    pub name: String,
}

impl PausePoint {
    /// Where `node` is, by its kind, vhost and name (the same node in another build).
    pub fn of(node: &Node) -> PausePoint {
        PausePoint {
            kind: node.kind.name().to_owned(),
            vhost: node.vhost.clone(),
            name: node.name.clone(),
        }
    }
}

/// At most this many pause points are read (a scenario's nodes are far fewer).
pub const MAX_PAUSE_POINTS: usize = 1000;

/// Pause points as JSON: `[{"kind": "queue", "vhost": "/", "name": "Q1"}]`.
pub fn pause_points_json(points: &[PausePoint]) -> Json {
    Json::Array(points.iter().map(point_json).collect())
}

fn point_json(p: &PausePoint) -> Json {
    json!({"kind": p.kind, "vhost": p.vhost, "name": p.name})
}

/// A node as [`point_json`] writes it; `path` names it in the error.
fn point(item: &Json, path: &str) -> Result<PausePoint, String> {
    let text = |key: &str| {
        let value = item.get(key).and_then(Json::as_str);
        value
            .map(str::to_owned)
            .ok_or_else(|| format!("`{path}.{key}`: expected text"))
    };
    Ok(PausePoint {
        kind: text("kind")?,
        vhost: text("vhost")?,
        name: text("name")?,
    })
}

/// The selection as JSON: `{"message": 41}`, `{"request": 7}` or a node as a pause point is.
pub fn selected_json(selected: &Selected) -> Json {
    match selected {
        Selected::Message(id) => json!({"message": id}),
        Selected::Request(flow) => json!({"request": flow}),
        Selected::Node(node) => point_json(node),
    }
}

/// Reads [`selected_json`]'s object; the error names what is wrong.
pub fn selected(json: &Json) -> Result<Selected, String> {
    let obj = json.as_object().ok_or("`selected`: expected an object")?;
    let number = |key: &str| {
        let n = obj.get(key).and_then(Json::as_u64);
        n.ok_or_else(|| format!("`selected.{key}`: expected a whole number"))
    };
    if obj.contains_key("message") {
        return number("message").map(Selected::Message);
    }
    if obj.contains_key("request") {
        let flow = u32::try_from(number("request")?);
        return flow
            .map(Selected::Request)
            .map_err(|_| "`selected.request`: expected a whole number below 2³²".into());
    }
    point(json, "selected").map(Selected::Node)
}

/// Reads [`pause_points_json`]'s list; the error names what is wrong.
pub fn pause_points(json: &Json) -> Result<Vec<PausePoint>, String> {
    let items = json
        .as_array()
        .filter(|a| a.len() <= MAX_PAUSE_POINTS)
        .ok_or_else(|| format!("`pause_at`: expected a list of at most {MAX_PAUSE_POINTS}"))?;
    (items.iter().enumerate())
        .map(|(i, item)| point(item, &format!("pause_at[{i}]")))
        .collect()
}

impl Session {
    pub fn to_json(&self) -> String {
        let (key, value) = match &self.scenario {
            Saved::Preset(id) => ("preset", id),
            Saved::File(text) => ("file", text),
        };
        let mut obj =
            json!({"v": 1, "at_us": self.at_us, "playing": self.playing, "speed": self.speed});
        if let Some(map) = obj.as_object_mut() {
            map.insert(key.to_owned(), json!(value));
            if let Some(style) = self.style {
                map.insert("style".to_owned(), json!(style.name()));
            }
            if !self.edits.is_empty() {
                map.insert("edits".to_owned(), edits::to_json(&self.edits));
            }
            if !self.pause_at.is_empty() {
                map.insert("pause_at".to_owned(), pause_points_json(&self.pause_at));
            }
            if let Some(selected) = &self.selected {
                map.insert("selected".to_owned(), selected_json(selected));
            }
        }
        switchyard_core::order::json_text(&obj)
    }

    /// Reads a saved session; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Session, String> {
        let json: Json = serde_json::from_str(text).map_err(|e| format!("it is not JSON ({e})"))?;
        let obj = json.as_object().ok_or("it is not a JSON object")?;
        if obj.get("v").and_then(Json::as_u64) != Some(1) {
            return Err("`v`: expected 1".into());
        }
        let at_us = obj
            .get("at_us")
            .and_then(Json::as_u64)
            .ok_or("`at_us`: expected a whole number")?;
        let playing = obj
            .get("playing")
            .and_then(Json::as_bool)
            .ok_or("`playing`: expected true or false")?;
        let speed = obj
            .get("speed")
            .and_then(Json::as_u64)
            .ok_or("`speed`: expected a whole number")?;
        let scenario = match (
            obj.get("preset").and_then(Json::as_str),
            obj.get("file").and_then(Json::as_str),
        ) {
            (Some(id), None) => Saved::Preset(id.to_owned()),
            (None, Some(text)) => Saved::File(text.to_owned()),
            _ => return Err("expected one of `preset` or `file`".into()),
        };
        let style = match obj.get("style") {
            None => None,
            Some(v) => Some(
                v.as_str()
                    .and_then(Style::parse)
                    .ok_or("`style`: expected \"orchestration\" or \"choreography\"")?,
            ),
        };
        let edits = match obj.get("edits") {
            None => Vec::new(),
            Some(list) => edits::from_json(list).map_err(|e| e.to_string())?,
        };
        let pause_at = match obj.get("pause_at") {
            None => Vec::new(),
            Some(list) => pause_points(list)?,
        };
        let selected = obj.get("selected").map(selected).transpose()?;
        Ok(Session {
            scenario,
            at_us,
            playing,
            speed: speed as usize,
            style,
            edits,
            pause_at,
            selected,
        })
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The saved session: `None` when there is none, `Some(Err)` when it could not be read.
pub fn load() -> Option<Result<Session, String>> {
    let text = storage()?.get_item(KEY).ok().flatten()?;
    Some(Session::parse(&text))
}

pub fn save(session: &Session) {
    if let Some(s) = storage() {
        let _ = s.set_item(KEY, &session.to_json());
    }
}

pub fn clear() {
    if let Some(s) = storage() {
        let _ = s.remove_item(KEY);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn a_session_round_trips() {
        for (scenario, style) in [
            (Saved::Preset("orders-topic".into()), None),
            (Saved::File("{\"switchyard\": 1}".into()), None),
            (
                Saved::Preset("payment-flow".into()),
                Some(Style::Orchestration),
            ),
            (Saved::Preset("saga".into()), Some(Style::Choreography)),
        ] {
            let s = Session {
                scenario,
                at_us: 1_234_000,
                playing: false,
                speed: 4,
                style,
                edits: Vec::new(),
                pause_at: Vec::new(),
                selected: None,
            };
            assert_eq!(Session::parse(&s.to_json()), Ok(s));
        }
    }

    /// Two changes of the kinds the inspector makes.
    pub(crate) fn two_edits() -> Vec<Edit> {
        use switchyard_core::ExchangeType;
        use switchyard_core::sim::scenario::Action;
        vec![
            Edit {
                steps: 120,
                at_us: 2_000_000,
                action: Action::CrashConsumer {
                    consumer: "mailer-1".into(),
                },
            },
            Edit {
                steps: 188,
                at_us: 3_000_000,
                action: Action::SetExchangeType {
                    vhost: "/".into(),
                    exchange: "orders & co".into(),
                    kind: ExchangeType::Fanout,
                },
            },
        ]
    }

    #[test]
    fn a_session_keeps_the_changes_made_on_demand() {
        let s = Session {
            scenario: Saved::Preset("orders-topic".into()),
            at_us: 4_000_000,
            playing: true,
            speed: 4,
            style: None,
            edits: two_edits(),
            pause_at: vec![PausePoint {
                kind: "queue".into(),
                vhost: "/".into(),
                name: "email-notifications".into(),
            }],
            selected: None,
        };
        assert!(s.to_json().contains(r#""action":"crash_consumer""#));
        assert_eq!(Session::parse(&s.to_json()), Ok(s));
    }

    #[test]
    fn a_session_keeps_what_is_selected() {
        let node = PausePoint {
            kind: "queue".into(),
            vhost: "/".into(),
            name: "q & \"co\"".into(),
        };
        for selected in [
            Selected::Message(41),
            Selected::Request(u32::MAX),
            Selected::Node(node),
        ] {
            let s = Session {
                scenario: Saved::Preset("saga".into()),
                at_us: 4_000_000,
                playing: false,
                speed: 4,
                style: Some(Style::Choreography),
                edits: Vec::new(),
                pause_at: Vec::new(),
                selected: Some(selected),
            };
            assert_eq!(Session::parse(&s.to_json()), Ok(s));
        }
    }

    #[test]
    fn a_corrupt_session_is_an_error_naming_the_problem() {
        for (text, want) in [
            ("{not json", "it is not JSON"),
            ("[1]", "it is not a JSON object"),
            (r#"{"v": 2}"#, "`v`: expected 1"),
            (
                r#"{"v": 1, "at_us": -5, "playing": true, "speed": 3, "preset": "x"}"#,
                "`at_us`",
            ),
            (
                r#"{"v": 1, "at_us": 5, "playing": "yes", "speed": 3, "preset": "x"}"#,
                "`playing`",
            ),
            (
                r#"{"v": 1, "at_us": 5, "playing": true, "speed": 3}"#,
                "one of `preset` or `file`",
            ),
            (
                r#"{"v": 1, "at_us": 5, "playing": true, "speed": 3, "preset": "x", "style": "both"}"#,
                "`style`: expected",
            ),
            (
                r#"{"v": 1, "at_us": 5, "playing": true, "speed": 3, "preset": "x", "edits": [{"steps": 1}]}"#,
                "edits[0].at_us: is missing",
            ),
            (
                r#"{"v": 1, "at_us": 5, "playing": true, "speed": 3, "preset": "x", "pause_at": [{"kind": "queue", "vhost": "/"}]}"#,
                "`pause_at[0].name`: expected text",
            ),
            (
                r#"{"v": 1, "at_us": 5, "playing": true, "speed": 3, "preset": "x", "selected": [1]}"#,
                "`selected`: expected an object",
            ),
            (
                r#"{"v": 1, "at_us": 5, "playing": true, "speed": 3, "preset": "x", "selected": {"message": "41"}}"#,
                "`selected.message`: expected a whole number",
            ),
            (
                r#"{"v": 1, "at_us": 5, "playing": true, "speed": 3, "preset": "x", "selected": {"request": 4294967296}}"#,
                "`selected.request`: expected a whole number below",
            ),
            (
                r#"{"v": 1, "at_us": 5, "playing": true, "speed": 3, "preset": "x", "selected": {"kind": "queue"}}"#,
                "`selected.vhost`: expected text",
            ),
        ] {
            let err = Session::parse(text).err().unwrap_or_default();
            assert!(err.contains(want), "{text}: {err}");
        }
    }
}
