//! The orchestration ⇄ choreography switch and the comparison of both styles. A scenario with
//! a `"flow"` runs in one style at a time; switching rebuilds it in the other style and
//! reopens it at the same moment on the same seed and load, with the same request or service
//! selected (the style is kept in the session). The
//! comparison is the core's `flow::compare` run once per scenario and seed, cached here, never
//! from the frame loop. It knows nothing of the canvas.
//!
//! # Layout
//! - [`card`]: the comparison card drawn (both styles side by side).
//! - [`figures`]: the numbers of the card turned into words and bars (pure, tested natively).
//! - [`links`]: the lines a flow adds to the stage's drawing, by style.

pub mod card;
pub mod figures;
pub mod links;

use std::cell::RefCell;
use std::rc::Rc;

use switchyard_core::sim::flow::{Comparison, Style, compare};
use switchyard_core::sim::{Scenario, SimTime};
use yew::prelude::*;

use crate::session::{Opening, open_with, pause_points_of, select_again, selected_of};
use crate::state::{AppContext, Level, Source};
use crate::storage::Selected;

/// The comparison runs at least this long (µs of virtual time)…
const COMPARE_MIN_US: u64 = 60_000_000;
/// …and this long after the scenario's last scripted action, at most `COMPARE_MAX_US`.
const AFTER_SCRIPT_US: u64 = 20_000_000;
const COMPARE_MAX_US: u64 = 300_000_000;
/// Comparisons kept (one per scenario and seed).
const CACHED: usize = 8;

/// The open scenario's flow style, if it has a flow.
pub fn current_style(state: &AppContext) -> Option<Style> {
    let sim = state.sim.as_ref()?;
    let sim = sim.get()?;
    sim.flow().map(|f| f.style)
}

/// The other style.
pub fn other(style: Style) -> Style {
    match style {
        Style::Orchestration => Style::Choreography,
        Style::Choreography => Style::Orchestration,
    }
}

/// Reopens the scenario in `style` at the same moment, same seed and load, keeping play /
/// pause, the pause points and what is selected: a request (its number is the same in both
/// styles: the caller sends the same requests at the same times) or a node the other style
/// also has. The changes made while it ran belong to the other style's run: the banner says
/// they were undone.
pub fn switch_style(state: &AppContext, style: Style) -> bool {
    let Some(source) = state.source.clone() else {
        return false;
    };
    if current_style(state) == Some(style) {
        return false;
    }
    let (made, selected) = match state.sim.as_ref().and_then(|s| s.get()) {
        Some(sim) => (sim.edits().len(), selected_of(&sim, state.selection)),
        None => (0, None),
    };
    let pause_at = pause_points_of(state);
    let opening = Opening {
        at_us: state.view_us,
        playing: state.playing,
        style: Some(style),
        pause_at: &pause_at,
        ..Opening::default()
    };
    let Some(player) = open_with(state, source, &opening) else {
        return false;
    };
    // A message does not go across: the styles publish different messages.
    if let Some(selected) = selected.filter(|s| !matches!(s, Selected::Message(_))) {
        select_again(state, &player, &selected);
    }
    if made > 0 {
        let undone = match made {
            1 => "the change made before was undone (it belonged".to_owned(),
            n => format!("the {n} changes made before were undone (they belonged"),
        };
        let text = format!(
            "The scenario opened at the same moment in {}: {undone} to the other style's run).",
            style.name()
        );
        crate::session::notify(state, Level::Info, text);
    }
    true
}

/// How long the comparison runs for `scenario`: past its last scripted action (an outage and
/// the recovery after it), at least a minute.
pub fn horizon(scenario: &Scenario) -> SimTime {
    let last = scenario.script.iter().map(|s| s.at).max().unwrap_or(0);
    let lesson = scenario.lesson.iter().map(|l| l.at).max().unwrap_or(0);
    let want = last
        .saturating_add(AFTER_SCRIPT_US)
        .max(lesson)
        .max(COMPARE_MIN_US);
    SimTime(want.min(COMPARE_MAX_US))
}

/// What identifies a scenario in the cache: the preset id, or the loaded file's text.
fn key(source: &Source) -> String {
    match source {
        Source::Preset(id) => format!("preset:{id}"),
        Source::File(text) => format!("file:{text}"),
    }
}

/// A comparison as the card gets it: the figures, or why they could not be computed.
pub type Compared = Rc<Result<Comparison, String>>;

thread_local! {
    static CACHE: RefCell<Vec<(String, u64, Compared)>> = const { RefCell::new(Vec::new()) };
}

/// Both styles' figures for the open scenario (computed once per scenario and seed); `None`
/// when it has no flow.
pub fn comparison(source: &Source, scenario: &Scenario) -> Option<Compared> {
    scenario.flow.as_ref()?;
    let key = key(source);
    let seed = scenario.seed;
    let hit = CACHE.with(|c| {
        c.borrow()
            .iter()
            .find(|(k, s, _)| *k == key && *s == seed)
            .map(|(_, _, v)| v.clone())
    });
    if let Some(hit) = hit {
        return Some(hit);
    }
    let result = Rc::new(compare(scenario, horizon(scenario)));
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHED {
            c.remove(0);
        }
        c.push((key, seed, result.clone()));
    });
    Some(result)
}

/// The toolbar's switch: "Orchestration | Choreography", shown only for a scenario with a flow.
#[component]
pub fn StyleToggle() -> Html {
    let Some(state) = use_context::<AppContext>() else {
        return html! {};
    };
    let Some(style) = current_style(&state) else {
        return html! {};
    };
    let button = |s: Style, label: &'static str| {
        let state = state.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            switch_style(&state, s);
        });
        let on = s == style;
        html! {
            <button type="button" id={format!("style-{}", s.name())} class={classes!("style-option", on.then_some("on"))}
                aria-pressed={on.to_string()} {onclick}
                title={format!("Run the flow as {} (at this moment, on the same seed and load)", s.name())}>{ label }</button>
        }
    };
    html! {
        <span class="style-toggle" role="group" aria-label="Flow style" id="style-toggle" data-style={style.name()}>
            { button(Style::Orchestration, "Orchestration") }
            { button(Style::Choreography, "Choreography") }
        </span>
    }
}
