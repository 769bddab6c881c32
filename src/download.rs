//! Saving what is open as a file: the scenario as a Switchyard file, or its topology as a
//! RabbitMQ definitions file a real broker imports (`rabbitmqctl import_definitions`, or the
//! management UI's "Upload broker definitions"). The text is made by the core; this module
//! names the file and hands it to the browser's download.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

use serde_json::Value as Json;
use switchyard_core::definitions;
use switchyard_core::order::json_pretty;
use switchyard_core::sim::Simulation;
use switchyard_core::sim::edits;
use switchyard_core::sim::scenario::MAX_SCRIPT;

/// What the user saves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// The scenario file as it was opened (in the style it runs in) with the changes made on
    /// demand as script steps, to open again or edit.
    Scenario,
    /// The broker's topology at this moment (an exchange retyped, what a script declared), as
    /// RabbitMQ definitions.
    Definitions,
}

/// The file's name and text for `what` of `sim`, opened from the scenario file `source`;
/// `base` names the file (a preset's id, else the scenario's name). Errors say why the file
/// could not be made.
pub fn file(
    sim: &Simulation,
    source: &str,
    what: Saved,
    base: &str,
) -> Result<(String, String), String> {
    let stem = stem(base);
    match what {
        Saved::Scenario => {
            // The file as it was opened, in the style it runs in (the session's, or a link's).
            let refused = |why: String| format!("The scenario could not be saved: {why}");
            let mut json: Json =
                serde_json::from_str(source).map_err(|e| refused(e.to_string()))?;
            let flow = json.get_mut("flow").and_then(Json::as_object_mut);
            if let (Some(flow), Some(spec)) = (flow, &sim.scenario().flow) {
                flow.insert("style".to_owned(), spec.style.name().into());
            }
            // With the changes made on demand, as script steps at their moments.
            let changes = edits::to_script(&sim.edits());
            if !changes.is_empty()
                && let Some(root) = json.as_object_mut()
            {
                if matches!(root.get("script"), None | Some(Json::Null)) {
                    root.insert("script".into(), Json::Array(Vec::new()));
                }
                let Some(Json::Array(script)) = root.get_mut("script") else {
                    return Err(refused("its `script` is not a list".into()));
                };
                script.extend(changes);
                if script.len() > MAX_SCRIPT {
                    let steps = script.len();
                    return Err(refused(format!(
                        "with the changes made to it, its script would have {steps} steps, more \
                         than the {MAX_SCRIPT} a scenario may have"
                    )));
                }
            }
            Ok((format!("{stem}.json"), json_pretty(&json)))
        }
        Saved::Definitions => Ok((
            format!("{stem}-definitions.json"),
            json_pretty(&definitions::export(sim.broker())),
        )),
    }
}

/// A file name's stem from `name`: ASCII letters and digits lowered, every other run of
/// characters one `-`, at most 60 characters; "scenario" if nothing is left.
pub fn stem(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if out.len() >= 60 {
                break;
            }
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "scenario".to_owned()
    } else {
        out.to_owned()
    }
}

/// Has the browser download `text` as the file `name` (JSON).
pub fn download(name: &str, text: &str) -> Result<(), String> {
    start(name, text).map_err(|e| {
        let why = e
            .as_string()
            .unwrap_or_else(|| "the browser refused".to_owned());
        format!("`{name}` could not be saved: {why}")
    })
}

fn start(name: &str, text: &str) -> Result<(), JsValue> {
    let document = (web_sys::window().and_then(|w| w.document()))
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let options = BlobPropertyBag::new();
    options.set_type("application/json");
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let link: HtmlAnchorElement = document.create_element("a")?.unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // The address is let go once the download has taken it (some browsers read it later).
    let revoke = Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use switchyard_core::sim::flow::Style;
    use switchyard_core::sim::{Options, Scenario};

    use super::*;

    fn open(id: &str, style: Option<Style>) -> (Simulation, &'static str) {
        let source = crate::presets::find(id).expect("preset").json;
        let mut scenario = Scenario::from_json_text(source).expect("scenario");
        if let (Some(flow), Some(style)) = (scenario.flow.as_mut(), style) {
            flow.style = style;
        }
        (
            Simulation::new(scenario, Options::default()).expect("sim"),
            source,
        )
    }

    /// The scenario file saved is the one opened, in the style it runs in, and it reads back
    /// as the same scenario; the definitions hold what the broker has at this moment (the
    /// exchange choreography's flow declares).
    #[test]
    fn a_flow_is_saved_in_the_style_it_runs_in() {
        let (sim, source) = open("saga", Some(Style::Choreography));
        let (name, text) = file(&sim, source, Saved::Scenario, "saga").expect("file");
        assert_eq!(name, "saga.json");
        assert!(text.contains("\"style\": \"choreography\""), "{text}");
        let again = Scenario::from_json_text(&text).expect("reads back");
        let mut opened = Scenario::from_json_text(source).expect("scenario");
        if let Some(flow) = opened.flow.as_mut() {
            assert_eq!(flow.style, Style::Orchestration, "the file's own style");
            flow.style = Style::Choreography;
        }
        assert_eq!(again, opened);

        let (sim, source) = open("payment-flow", Some(Style::Choreography));
        let (name, text) = file(&sim, source, Saved::Definitions, "payment-flow").expect("file");
        assert_eq!(name, "payment-flow-definitions.json");
        let defs: Json = serde_json::from_str(&text).expect("json");
        let exchanges = defs["exchanges"].as_array().expect("exchanges");
        assert!(
            exchanges
                .iter()
                .any(|x| x["name"] == "ms.payment" && x["type"] == "topic")
        );

        let (sim, source) = open("orders-topic", None);
        let (_, text) = file(&sim, source, Saved::Scenario, "orders-topic").expect("file");
        let json: Json = serde_json::from_str(&text).expect("json");
        assert_eq!(json, serde_json::from_str::<Json>(source).expect("json"));
    }

    /// The changes made on demand are saved as script steps at their moments, after the
    /// file's own.
    #[test]
    fn the_changes_made_are_saved_as_script_steps() {
        use switchyard_core::sim::scenario::{Action, ScriptStep};
        use switchyard_core::sim::{Control, SimTime};
        let (mut sim, source) = open("saga", None);
        sim.run_until(SimTime::from_ms(2_500)).expect("run");
        let payment = sim.services().into_iter().nth(1).expect("payment");
        sim.inject(Control::TakeDown(payment.id));
        sim.run_until(SimTime::from_ms(3_000)).expect("run");
        let (_, text) = file(&sim, source, Saved::Scenario, "saga").expect("file");
        let again = Scenario::from_json_text(&text).expect("reads back");
        let opened = Scenario::from_json_text(source).expect("scenario");
        assert_eq!(again.script.len(), opened.script.len() + 1);
        assert_eq!(again.script[..opened.script.len()], opened.script[..]);
        let taken_down = ScriptStep {
            at: 2_500_000,
            action: Action::TakeDown {
                service: "payment".into(),
            },
        };
        assert_eq!(again.script.last(), Some(&taken_down));
    }

    #[test]
    fn a_file_that_is_not_json_is_named_not_saved() {
        let (sim, _) = open("orders-topic", None);
        let err = file(&sim, "{oops", Saved::Scenario, "x").expect_err("not JSON");
        assert!(
            err.starts_with("The scenario could not be saved: "),
            "{err}"
        );
    }

    #[test]
    fn a_stem_is_plain_ascii_words_joined_by_dashes() {
        assert_eq!(stem("orders-topic"), "orders-topic");
        assert_eq!(
            stem("Payment succeeded: orchestration or choreography"),
            "payment-succeeded-orchestration-or-choreography"
        );
        assert_eq!(stem("  «Café» 2.0 / prod  "), "caf-2-0-prod");
        assert_eq!(stem("../../etc/passwd"), "etc-passwd");
        assert_eq!(stem("日本語"), "scenario");
        assert_eq!(stem(""), "scenario");
        assert_eq!(stem(&"a".repeat(500)).len(), 60);
    }
}
