//! Share links: the session (the scenario, the moment, the speed, whether it plays, a flow's
//! style, the changes made on demand, the pause points, what is selected) written after the
//! page's `#`, so that everyone who opens
//! the link sees the same state. A preset is named by its id, a loaded file is carried whole,
//! the changes are their JSON list:
//!
//! `#preset=orders-topic&at_us=12500000&speed=5&playing=0&style=choreography`
//! `&edits=%5B%7B%22action%22%3A%22crash_consumer%22…`
//!
//! Reading is strict, as for the saved session: an unknown or repeated part, or a value that
//! is not what it should be, is an error naming it, and the caller keeps what the user had. The
//! text is percent-encoded with the `percent-encoding` crate. The browser side (the address,
//! the clipboard) is in [`crate::session`].

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use switchyard_core::shown::Code;
use switchyard_core::sim::edits;
use switchyard_core::sim::flow::Style;

use crate::state::{NORMAL_SPEED, SPEEDS};
use crate::storage::{self, Saved, Session};

/// The longest link made: past this, chat programs and some browsers cut links short, and a
/// file that big is better shared as a file.
pub const MAX_LINK_CHARS: usize = 64 * 1024;

/// What is written as it is: letters, digits and the characters RFC 3986 leaves unreserved.
const KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The text after `#` that opens `session`.
pub fn fragment(session: &Session) -> String {
    let (key, value) = match &session.scenario {
        Saved::Preset(id) => ("preset", id),
        Saved::File(text) => ("file", text),
    };
    let mut parts = vec![
        format!("{key}={}", utf8_percent_encode(value, KEEP)),
        format!("at_us={}", session.at_us),
        format!("speed={}", session.speed),
        format!("playing={}", u8::from(session.playing)),
    ];
    if let Some(style) = session.style {
        parts.push(format!("style={}", style.name()));
    }
    if !session.edits.is_empty() {
        let list = switchyard_core::order::json_text(&edits::to_json(&session.edits));
        parts.push(format!("edits={}", utf8_percent_encode(&list, KEEP)));
    }
    if !session.pause_at.is_empty() {
        let list =
            switchyard_core::order::json_text(&storage::pause_points_json(&session.pause_at));
        parts.push(format!("pause_at={}", utf8_percent_encode(&list, KEEP)));
    }
    if let Some(selected) = &session.selected {
        let text = switchyard_core::order::json_text(&storage::selected_json(selected));
        parts.push(format!("selected={}", utf8_percent_encode(&text, KEEP)));
    }
    parts.join("&")
}

/// Reads the text after `#` (without it); the error says what is wrong with it.
pub fn parse(fragment: &str) -> Result<Session, String> {
    let mut scenario = None;
    let (mut at_us, mut speed, mut playing, mut style) = (None, None, None, None);
    let (mut changes, mut pause_at, mut selected) = (None, None, None);
    for part in fragment.split('&').filter(|p| !p.is_empty()) {
        let (key, raw) = part.split_once('=').unwrap_or((part, ""));
        let value = percent_decode_str(raw)
            .decode_utf8()
            .map_err(|_| format!("{}: not UTF-8 text once decoded", Code(key)))?;
        let twice = || format!("{} is given twice", Code(key));
        match key {
            "preset" | "file" => {
                if scenario.is_some() {
                    return Err("give one of `preset` or `file`, once".into());
                }
                scenario = Some(if key == "preset" {
                    Saved::Preset(value.into_owned())
                } else {
                    Saved::File(value.into_owned())
                });
            }
            "at_us" if at_us.is_none() => at_us = Some(whole(key, &value, u64::MAX)?),
            "speed" if speed.is_none() => {
                speed = Some(whole(key, &value, (SPEEDS.len() - 1) as u64)? as usize);
            }
            "playing" if playing.is_none() => {
                playing = Some(match &*value {
                    "1" => true,
                    "0" => false,
                    _ => return Err("`playing`: expected 1 or 0".into()),
                });
            }
            "style" if style.is_none() => {
                style = Some(
                    Style::parse(&value)
                        .ok_or("`style`: expected orchestration or choreography")?,
                );
            }
            "edits" if changes.is_none() => {
                let list =
                    serde_json::from_str(&value).map_err(|e| format!("`edits`: not JSON ({e})"))?;
                changes = Some(edits::from_json(&list).map_err(|e| e.to_string())?);
            }
            "pause_at" if pause_at.is_none() => {
                let list = serde_json::from_str(&value)
                    .map_err(|e| format!("`pause_at`: not JSON ({e})"))?;
                pause_at = Some(storage::pause_points(&list)?);
            }
            "selected" if selected.is_none() => {
                let json = serde_json::from_str(&value)
                    .map_err(|e| format!("`selected`: not JSON ({e})"))?;
                selected = Some(storage::selected(&json)?);
            }
            "at_us" | "speed" | "playing" | "style" | "edits" | "pause_at" | "selected" => {
                return Err(twice());
            }
            _ => return Err(format!("{} is not part of a Switchyard link", Code(key))),
        }
    }
    Ok(Session {
        scenario: scenario.ok_or("it names no scenario (`preset` or `file`)")?,
        at_us: at_us.unwrap_or(0),
        playing: playing.unwrap_or(true),
        speed: speed.unwrap_or(NORMAL_SPEED),
        style,
        edits: changes.unwrap_or_default(),
        pause_at: pause_at.unwrap_or_default(),
        selected,
    })
}

/// A whole number from 0 to `most`, written in plain digits.
fn whole(key: &str, value: &str, most: u64) -> Result<u64, String> {
    let wrong = || format!("{}: expected a whole number from 0 to {most}", Code(key));
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(wrong());
    }
    value.parse().ok().filter(|n| *n <= most).ok_or_else(wrong)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(scenario: Saved, style: Option<Style>) -> Session {
        Session {
            scenario,
            at_us: 12_500_000,
            playing: false,
            speed: 5,
            style,
            edits: Vec::new(),
            pause_at: Vec::new(),
            selected: None,
        }
    }

    #[test]
    fn a_link_round_trips_a_preset_or_a_whole_file() {
        let file = r#"{"switchyard": 1, "name": "Mine & yours: 100% #1 ünïcode 🙂"}"#;
        for s in [
            session(Saved::Preset("orders-topic".into()), None),
            session(Saved::Preset("saga".into()), Some(Style::Choreography)),
            session(Saved::File(file.into()), Some(Style::Orchestration)),
        ] {
            let text = fragment(&s);
            assert!(!text.contains(['#', ' ', '"', '{']), "{text}");
            assert_eq!(parse(&text), Ok(s));
        }
        assert_eq!(
            fragment(&session(Saved::Preset("orders-topic".into()), None)),
            "preset=orders-topic&at_us=12500000&speed=5&playing=0"
        );
    }

    #[test]
    fn a_link_carries_the_changes_made_on_demand_and_what_is_selected() {
        let mut s = session(Saved::Preset("orders-topic".into()), None);
        s.edits = crate::storage::tests::two_edits();
        s.pause_at = vec![storage::PausePoint {
            kind: "exchange".into(),
            vhost: "/".into(),
            name: "orders & co".into(),
        }];
        s.selected = Some(storage::Selected::Request(7));
        let text = fragment(&s);
        assert!(text.contains("&edits=%5B%7B%22action%22"), "{text}");
        assert!(text.contains("&pause_at=%5B%7B%22kind%22"), "{text}");
        assert!(
            text.ends_with("&selected=%7B%22request%22%3A7%7D"),
            "{text}"
        );
        assert!(!text.contains(['#', ' ', '"', '{']), "{text}");
        assert_eq!(parse(&text), Ok(s));
    }

    #[test]
    fn a_short_link_takes_the_rest_as_usual() {
        assert_eq!(
            parse("preset=saga"),
            Ok(Session {
                scenario: Saved::Preset("saga".into()),
                at_us: 0,
                playing: true,
                speed: NORMAL_SPEED,
                style: None,
                edits: Vec::new(),
                pause_at: Vec::new(),
                selected: None,
            })
        );
    }

    #[test]
    fn a_hostile_or_mistyped_link_is_refused_with_what_is_wrong() {
        for (text, want) in [
            ("", "it names no scenario (`preset` or `file`)"),
            ("at_us=5", "it names no scenario (`preset` or `file`)"),
            ("preset=a&file=b", "give one of `preset` or `file`, once"),
            ("preset=a&preset=b", "give one of `preset` or `file`, once"),
            (
                "preset=a&at_us=-1",
                "`at_us`: expected a whole number from 0 to 18446744073709551615",
            ),
            (
                "preset=a&at_us=1e9",
                "`at_us`: expected a whole number from 0 to 18446744073709551615",
            ),
            (
                "preset=a&at_us=99999999999999999999",
                "`at_us`: expected a whole number from 0 to 18446744073709551615",
            ),
            (
                "preset=a&at_us=+5",
                "`at_us`: expected a whole number from 0 to 18446744073709551615",
            ),
            (
                "preset=a&speed=11",
                "`speed`: expected a whole number from 0 to 10",
            ),
            ("preset=a&at_us=1&at_us=2", "`at_us` is given twice"),
            ("preset=a&playing=yes", "`playing`: expected 1 or 0"),
            (
                "preset=a&style=both",
                "`style`: expected orchestration or choreography",
            ),
            ("preset=a&x=1", "`x` is not part of a Switchyard link"),
            (
                "preset=a&selected=%7B%22message%22%3A-1%7D",
                "`selected.message`: expected a whole number",
            ),
            ("preset=a&selected=41", "`selected`: expected an object"),
            (
                "preset=a&selected=%7B%22request%22%3A1%7D&selected=%7B%7D",
                "`selected` is given twice",
            ),
            (
                "preset=a&%3Cscript%3E",
                "`%3Cscript%3E` is not part of a Switchyard link",
            ),
            ("preset=%FF%FE", "`preset`: not UTF-8 text once decoded"),
            (
                "preset=a&edits=%5B",
                "`edits`: not JSON (EOF while parsing a list at line 1 column 1)",
            ),
            ("preset=a&edits=%7B%7D", "edits: expected an array"),
            (
                "preset=a&edits=%5B%5D&edits=%5B%5D",
                "`edits` is given twice",
            ),
        ] {
            assert_eq!(parse(text), Err(want.to_owned()), "{text:?}");
        }
    }
}
