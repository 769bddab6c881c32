//! The preset picker: every shipped scenario with its name and one-paragraph description, the
//! current one marked, each a button (Tab to reach, Enter or Space to pick, arrow keys to move
//! between them); a "Load a scenario file…" input that reads the user's JSON and hands the
//! text on, or why it could not be read (too big, not text); and buttons that save what is open
//! (the scenario, or RabbitMQ definitions). Parsing and writing files is the app's job; every
//! error shows in the banner.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlElement, HtmlInputElement};
use yew::prelude::*;

use switchyard_core::shown::Code;

use crate::download::Saved;
use crate::presets;

#[derive(Properties, PartialEq)]
pub struct PresetPickerProps {
    /// The id of the preset running now (none of them for a loaded file).
    pub current: AttrValue,
    /// The name and description of the scenario file running now, if one is.
    pub loaded: Option<(AttrValue, AttrValue)>,
    pub on_pick: Callback<&'static str>,
    /// The text of a scenario file the user chose.
    pub on_load: Callback<String>,
    /// Why a chosen file could not be read (too big, not text): for the banner, where every
    /// other mistake in a file is named.
    pub on_error: Callback<String>,
    /// Save what is open: the scenario, or its topology as RabbitMQ definitions.
    pub on_save: Callback<Saved>,
}

#[component]
pub fn PresetPicker(props: &PresetPickerProps) -> Html {
    let onchange = {
        let (on_load, on_error) = (props.on_load.clone(), props.on_error.clone());
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<HtmlInputElement>() else {
                return;
            };
            read_file(&input, on_load.clone(), on_error.clone());
            // Choosing the same file again must fire `change` again.
            input.set_value("");
        })
    };
    let save = |what: Saved| {
        let on_save = props.on_save.clone();
        Callback::from(move |_: MouseEvent| on_save.emit(what))
    };
    html! {
        <section class="panel presets" aria-label="Scenarios">
            <h2 id="presets-title">{ "Scenarios" }</h2>
            <ul class="preset-list" role="list" aria-labelledby="presets-title" onkeydown={Callback::from(arrows)}>
                { for presets::described().iter().map(|d| item(d, &props.current, &props.on_pick)) }
            </ul>
            { props.loaded.as_ref().map(|(name, description)| html! {
                <div class="loaded-file" aria-current="true">
                    <span class="preset-name">
                        { name.clone() }<span class="badge">{ "running" }</span>
                    </span>
                    <span class="preset-description">{ "From a file. " }{ description.clone() }</span>
                </div>
            }).unwrap_or_default() }
            <label class="load-file">
                <span class="button-like">{ "Load a scenario file…" }</span>
                <input type="file" accept=".json,application/json" class="visually-hidden" {onchange} />
            </label>
            <div class="save-files">
                <button type="button" id="save-scenario" onclick={save(Saved::Scenario)}
                        title="The scenario that is open, with the changes made to it, as a file to open again or edit">
                    { "Save scenario file" }
                </button>
                <button type="button" id="save-definitions" onclick={save(Saved::Definitions)}
                        title="The topology at this moment, as a definitions file a real RabbitMQ imports">
                    { "Export RabbitMQ definitions" }
                </button>
            </div>
        </section>
    }
}

fn item(d: &presets::Described, current: &str, on_pick: &Callback<&'static str>) -> Html {
    let id = d.preset.id;
    let is_current = id == current;
    let onclick = {
        let on_pick = on_pick.clone();
        Callback::from(move |_: MouseEvent| on_pick.emit(id))
    };
    html! {
        <li>
            <button type="button" class={classes!("preset", is_current.then_some("current"))}
                    aria-current={ is_current.then_some("true") } data-preset={ id } {onclick}>
                <span class="preset-name">
                    { &d.name }
                    if is_current { <span class="badge">{ "running" }</span> }
                </span>
                <span class="preset-description">{ &d.description }</span>
            </button>
        </li>
    }
}

/// Up / Down move the focus between the preset buttons.
fn arrows(e: KeyboardEvent) {
    let step: i32 = match e.key().as_str() {
        "ArrowDown" => 1,
        "ArrowUp" => -1,
        _ => return,
    };
    let Some(list) = e
        .current_target()
        .and_then(|t| t.dyn_into::<HtmlElement>().ok())
    else {
        return;
    };
    let Ok(buttons) = list.query_selector_all("button.preset") else {
        return;
    };
    let focused = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element());
    let len = buttons.length() as i32;
    let at = (0..len).find(|i| {
        let b = buttons.item(*i as u32);
        b.is_some() && b.as_ref().map(|n| n.unchecked_ref::<web_sys::Element>()) == focused.as_ref()
    });
    let next = at.map_or(0, |i| (i + step).rem_euclid(len.max(1)));
    if let Some(b) = buttons
        .item(next as u32)
        .and_then(|n| n.dyn_into::<HtmlElement>().ok())
    {
        e.prevent_default();
        let _ = b.focus();
    }
}

/// Why the file `name` was not read, for the banner.
fn said(name: &str, why: &str) -> String {
    format!("The scenario file {} could not be read: {why}", Code(name))
}

/// Reads the first chosen file as text and calls `on_load` with it when it arrives; a file
/// that is too big or cannot be read is reported to `on_error`.
fn read_file(input: &HtmlInputElement, on_load: Callback<String>, on_error: Callback<String>) {
    let Some(file) = input.files().and_then(|f| f.get(0)) else {
        return;
    };
    // Refused before it is read: a file of hundreds of megabytes would be copied whole into
    // the page, then into the simulation's memory, only to be refused there.
    let limit = switchyard_core::sim::scenario::MAX_FILE_BYTES as u64;
    if file.size() > limit as f64 {
        let size = switchyard_core::shown::bytes(file.size() as u64);
        let limit = switchyard_core::shown::bytes(limit);
        let why = format!("the file is {size}, more than the {limit} allowed");
        on_error.emit(said(&file.name(), &why));
        return;
    }
    let (name, on_failure) = (file.name(), on_error.clone());
    let done = Closure::<dyn FnMut(JsValue)>::once(move |text: JsValue| match text.as_string() {
        Some(text) => on_load.emit(text),
        None => on_error.emit(said(&name, "it is not text")),
    });
    let name = file.name();
    let failed = Closure::<dyn FnMut(JsValue)>::once(move |_: JsValue| {
        on_failure.emit(said(&name, "the browser could not read it"));
    });
    let _ = file.text().then2(&done, &failed);
    // The promise calls one of them once, after this returns: they must outlive this frame.
    done.forget();
    failed.forget();
}
