//! The page: the header, the banner, the stage (toolbar, canvas, narration) between the preset
//! picker and the inspector with the metrics, the route explorer below, and the help overlay.
//! It owns the one state (`use_reducer`, shared through a context), installs the hooks that
//! restore and save the session and listen to the keyboard, and wires the panels' callbacks.

use std::rc::Rc;

use yew::prelude::*;

use crate::banner::Banner;
use crate::download::{self, Saved};
use crate::explorer::Explorer;
use crate::inspector::Inspector;
use crate::keyboard::use_keyboard;
use crate::metrics_panel::MetricsPanel;
use crate::narration::Narration;
use crate::preset_picker::PresetPicker;
use crate::presets;
use crate::session::{open, use_session};
use crate::sim_ref::Selection;
use crate::stage::Stage;
use crate::state::{Action, AppContext, AppState, Level, Notice, Source};
use crate::toolbar::{HelpOverlay, Toolbar};

#[component]
pub fn App() -> Html {
    let state = use_reducer(AppState::default);
    use_session(&state);
    use_keyboard(&state);
    let status = state
        .status
        .clone()
        .map(|s| html! { <p class="status" id="status" role="status">{ s }</p> });
    html! {
        <ContextProvider<AppContext> context={state.clone()}>
            <div class="app" id="app">
                <header class="topbar">
                    <span class="logo" aria-hidden="true">{ "⇶" }</span>
                    <h1 class="title">{ "Switchyard" }</h1>
                    <span class="tagline">{ "see where every message goes" }</span>
                </header>
                <Banner />
                <main class="workspace" id="workspace">
                    <aside class="picker-area">{ picker(&state) }</aside>
                    <section class="stage" id="stage" aria-label="Simulation">
                        // In fullscreen this part fills the screen, the flow's panels below it.
                        <div class="stage-main">
                            <Toolbar />
                            { for status }
                            <div class="canvas-wrap">
                                <Stage />
                            </div>
                            <div class="narration-slot">{ narration(&state) }</div>
                        </div>
                        <div class="flow-panels">
                            <crate::service_controls::ServiceControls />
                            <crate::flow_view::card::ComparisonCard />
                            <crate::changes::ChangesMade />
                        </div>
                    </section>
                    <aside class="details">{ panels(&state) }</aside>
                    <section class="secondary">
                        <Explorer />
                    </section>
                </main>
                <HelpOverlay />
            </div>
        </ContextProvider<AppContext>>
    }
}

fn picker(state: &AppContext) -> Html {
    let current: AttrValue = match &state.source {
        Some(Source::Preset(id)) => AttrValue::Static(id),
        _ => AttrValue::Static(""),
    };
    let on_pick = {
        let state = state.clone();
        Callback::from(move |id: &'static str| {
            if open(&state, Source::Preset(id), 0, true) {
                reveal_stage();
            }
        })
    };
    let on_load = {
        let state = state.clone();
        Callback::from(move |text: String| {
            let source = Source::File(Rc::from(text.as_str()));
            if open(&state, source, 0, true) {
                state.dispatch(Action::Dismiss);
                // What the file holds that is not modelled is said, not silently dropped.
                let note = switchyard_core::sim::Scenario::from_json_text(&text)
                    .ok()
                    .and_then(|s| s.topology.left_out_note());
                if let Some(note) = note {
                    state.dispatch(Action::Notify(Notice {
                        level: Level::Info,
                        text: note.into(),
                    }));
                }
                reveal_stage();
            }
        })
    };
    // A loaded file is not among the presets: its own name and description are shown.
    let loaded = match &state.source {
        Some(Source::File(_)) => state.sim.as_ref().and_then(|s| {
            let sim = s.get()?;
            let scenario = sim.scenario();
            Some((
                AttrValue::from(scenario.name.clone()),
                AttrValue::from(scenario.description.clone()),
            ))
        }),
        _ => None,
    };
    let on_error = {
        let state = state.clone();
        Callback::from(move |text: String| {
            state.dispatch(Action::Notify(Notice {
                level: Level::Error,
                text: text.into(),
            }));
        })
    };
    let on_save = {
        let state = state.clone();
        Callback::from(move |what: Saved| {
            let Some(sim) = state.sim.as_ref().and_then(|s| s.get()) else {
                return;
            };
            // A preset's file is named by its id, as in `scenarios/`; a file by its name.
            let (source, base) = match &state.source {
                Some(Source::Preset(id)) => (presets::find(id).map_or("", |p| p.json), *id),
                Some(Source::File(text)) => (&**text, sim.scenario().name.as_str()),
                None => return,
            };
            let saved = download::file(&sim, source, what, base)
                .and_then(|(name, text)| download::download(&name, &text));
            if let Err(text) = saved {
                state.dispatch(Action::Notify(Notice {
                    level: Level::Error,
                    text: text.into(),
                }));
            }
        })
    };
    html! { <PresetPicker {current} {loaded} {on_pick} {on_load} {on_error} {on_save} /> }
}

/// Scrolls the page to the stage if its top is out of sight: a scenario was just opened from
/// the picker, which may sit far below it (a narrow window) or be scrolled past it.
fn reveal_stage() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(stage) = window.document().and_then(|d| d.get_element_by_id("stage")) else {
        return;
    };
    let top = stage.get_bounding_client_rect().top();
    let height = window
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(0.0);
    if top < 0.0 || top > height * 0.5 {
        stage.scroll_into_view_with_bool(true);
    }
}

fn narration(state: &AppContext) -> Html {
    let of = state
        .sim
        .as_ref()
        .and_then(|s| s.get().map(|s| s.scenario().lesson.len()))
        .unwrap_or(0);
    let on_continue = {
        let state = state.clone();
        Callback::from(move |()| state.dispatch(Action::Continue))
    };
    html! { <Narration step={state.lesson.clone()} {on_continue} {of} /> }
}

fn panels(state: &AppContext) -> Html {
    let Some(sim) = state.sim.clone() else {
        return html! {};
    };
    let on_select = {
        let state = state.clone();
        Callback::from(move |s: Selection| state.dispatch(Action::Select(Some(s))))
    };
    html! {
        <>
            <Inspector sim={sim.clone()} selection={state.selection} on_select={on_select.clone()} />
            <MetricsPanel {sim} {on_select} />
        </>
    }
}
