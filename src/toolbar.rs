//! The controls over the stage: play / pause, step back and forward, speed, the timeline to
//! drag, reset, zoom in / out / fit, fullscreen, help, a share link, restart the broker, and the pause point of the selected node; and the `?` help
//! overlay listing the keys. Buttons send [`Command`]s; this module draws and forwards only.

use switchyard_core::shown::count;
use switchyard_core::sim::NodeKind;
use switchyard_core::sim::flow::Style;
use yew::prelude::*;

use crate::commands::{Command, callback, run};
use crate::sim_ref::Selection;
use crate::stage::view::ViewAsk;
use crate::state::{AppContext, SPEEDS, speed_label};

const PLAY: &str = "M8 5v14l11-7z";
const PAUSE: &str = "M6 5h4v14H6zM14 5h4v14h-4z";
const STEP_FORWARD: &str = "M5 5l9 7-9 7zM15 5h3v14h-3z";
const STEP_BACK: &str = "M19 5l-9 7 9 7zM6 5h3v14H6z";
const ZOOM_IN: &str = "M10 3a7 7 0 015.6 11.2l5.1 5.1-1.4 1.4-5.1-5.1A7 7 0 1110 3zm0 2a5 5 0 100 10 5 5 0 000-10zM9 7h2v2h2v2h-2v2H9v-2H7V9h2z";
const ZOOM_OUT: &str = "M10 3a7 7 0 015.6 11.2l5.1 5.1-1.4 1.4-5.1-5.1A7 7 0 1110 3zm0 2a5 5 0 100 10 5 5 0 000-10zM7 9h6v2H7z";
const ZOOM_FIT: &str =
    "M4 4h5v2H6v3H4zM15 4h5v5h-2V6h-3zM4 15h2v3h3v2H4zM18 15h2v5h-5v-2h3zM9 9h6v6H9z";
const LINK: &str = "M10 7H7a5 5 0 000 10h3v-2H7a3 3 0 010-6h3zM14 7h3a5 5 0 010 10h-3v-2h3a3 3 0 000-6h-3zM8 11h8v2H8z";
const FULLSCREEN: &str = "M4 4h6v2H6v4H4zM14 4h6v6h-2V6h-4zM4 14h2v4h4v2H4zM18 14h2v6h-6v-2h4z";

/// A toolbar icon (SVG, so it needs no font).
fn icon(path: &'static str) -> Html {
    html! {
        <svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d={path} fill="currentColor" /></svg>
    }
}

/// "12.345 s".
pub fn clock(us: u64) -> String {
    format!("{}.{:03} s", us / 1_000_000, (us / 1000) % 1000)
}

#[component]
pub fn Toolbar() -> Html {
    let Some(state) = use_context::<AppContext>() else {
        return html! {};
    };
    let play_label = if state.playing { "Pause" } else { "Play" };
    let play_icon = if state.playing { PAUSE } else { PLAY };
    let end = state.end_us.max(state.view_us).max(60_000_000);
    let on_seek = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            // The range's value as a number (NaN if it has none): no text to parse.
            let t = (e.target_dyn_into::<web_sys::HtmlInputElement>())
                .map_or(f64::NAN, |input| input.value_as_number());
            if t.is_finite() {
                run(&state, Command::Seek((t * 1000.0) as u64));
            }
        })
    };
    let on_speed = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>()
                && let Ok(i) = select.value().parse::<usize>()
            {
                state.dispatch(crate::state::Action::SetSpeed(i));
            }
        })
    };
    let on_share = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| crate::session::share(&state))
    };
    html! {
        <div class="toolbar" role="toolbar" aria-label="Simulation controls">
            <button id="play" class="primary" title={format!("{play_label} (Space)")} aria-label={play_label}
                onclick={callback(&state, Command::TogglePlay)}>{ icon(play_icon) }</button>
            <button id="step-back" title="Step one event back (←)" aria-label="Step back"
                onclick={callback(&state, Command::StepBack)}>{ icon(STEP_BACK) }</button>
            <button id="step-forward" title="Step one event forward (→)" aria-label="Step forward"
                onclick={callback(&state, Command::StepForward)}>{ icon(STEP_FORWARD) }</button>
            <label class="speed" title="Speed (+ / −)">
                <span class="visually-hidden">{ "Speed" }</span>
                <select id="speed" onchange={on_speed}>
                    { for SPEEDS.iter().enumerate().map(|(i, s)| html! {
                        <option value={i.to_string()} selected={i == state.speed}>{ speed_label(*s) }</option>
                    }) }
                </select>
            </label>
            <input id="timeline" class="timeline" type="range" min="0" max={(end / 1000).to_string()} step="1"
                value={(state.view_us / 1000).to_string()} oninput={on_seek} aria-label="Timeline (ms)" />
            <span class="clock" id="clock" aria-live="off">{ clock(state.view_us) }</span>
            <span class="steps" id="steps" title="Events handled">{ count(state.steps, "event", "events") }</span>
            <button id="reset" title="Reset (R)" onclick={callback(&state, Command::Reset)}>{ "↺" }</button>
            <span class="zoom" role="group" aria-label="Zoom">
                <button id="zoom-in" title="Zoom in (])" aria-label="Zoom in"
                    onclick={callback(&state, Command::View(ViewAsk::ZoomIn))}>{ icon(ZOOM_IN) }</button>
                <button id="zoom-out" title="Zoom out ([)" aria-label="Zoom out"
                    onclick={callback(&state, Command::View(ViewAsk::ZoomOut))}>{ icon(ZOOM_OUT) }</button>
                <button id="zoom-fit" title="Fit the whole drawing (0)" aria-label="Fit the whole drawing"
                    onclick={callback(&state, Command::View(ViewAsk::Fit))}>{ icon(ZOOM_FIT) }</button>
            </span>
            <button id="fullscreen" title="Fullscreen (F)" onclick={callback(&state, Command::Fullscreen)}>{ icon(FULLSCREEN) }</button>
            <button id="help" title="Keys (?)" onclick={callback(&state, Command::Help)}>{ "?" }</button>
            <button id="share" title="Copy a link to this scenario at this moment" aria-label="Copy a link to this moment"
                onclick={on_share}>{ icon(LINK) }</button>
            <crate::failures::RestartBroker />
            <PausePoint />
            <crate::flow_view::StyleToggle />
        </div>
    }
}

/// "Pause when a message arrives here" for the selected node.
#[component]
fn PausePoint() -> Html {
    let Some(state) = use_context::<AppContext>() else {
        return html! {};
    };
    let Some(Selection::Node(node)) = state.selection else {
        return html! {};
    };
    let (name, what, set) = match state.player.as_ref().and_then(|p| p.0.try_borrow().ok()) {
        Some(p) => {
            let sim = p.sim().get();
            let name = sim.as_ref().map(|s| s.world().title(node));
            // An orchestration's services are reached by calls, not messages.
            let calls = sim.as_ref().is_some_and(|s| {
                s.flow().is_some_and(|f| f.style == Style::Orchestration)
                    && s.world()
                        .node(node)
                        .is_some_and(|n| n.kind == NodeKind::Service)
            });
            let what = if calls { "a call" } else { "a message" };
            (
                name.unwrap_or_default(),
                what,
                p.pause_points().contains(&node),
            )
        }
        None => return html! {},
    };
    let label = if set {
        format!("Pausing when {what} arrives at {name} (click to stop)")
    } else {
        format!("Pause when {what} arrives at {name}")
    };
    html! {
        <button id="pause-point" class={classes!("pause-point", set.then_some("on"))} aria-pressed={set.to_string()}
            onclick={callback(&state, Command::TogglePausePoint(node))}>{ icon(PAUSE) }{ " " }{ label }</button>
    }
}

const KEYS: [(&str, &str); 14] = [
    ("Space  or  .", "play / pause"),
    ("→  or  PageDown", "step one event forward"),
    ("←  or  PageUp", "step one event back"),
    (
        "+  /  −",
        "faster / slower (0.1× to 100×, then as fast as possible)",
    ),
    (
        "]  /  [",
        "zoom in / out about the selected node, or the stage's centre",
    ),
    ("0", "fit the whole drawing"),
    ("Shift + arrows", "pan the drawing"),
    (
        "N  /  P",
        "select the next / previous node, column by column (the inspector shows it)",
    ),
    ("R", "reset to the start"),
    ("F", "fullscreen"),
    ("?", "this help"),
    ("Esc", "close this help"),
    (
        "click",
        "inspect a message, a call (orchestration) or a node; pause points for the selected node",
    ),
    (
        "wheel  or  pinch  ·  drag",
        "zoom about the pointer · pan the drawing",
    ),
];

#[component]
pub fn HelpOverlay() -> Html {
    let Some(state) = use_context::<AppContext>() else {
        return html! {};
    };
    if !state.help {
        return html! {};
    }
    html! {
        <div class="overlay" id="help-overlay" role="dialog" aria-modal="true" aria-labelledby="help-title"
            onclick={callback(&state, Command::CloseOverlays)}>
            <div class="overlay-box" onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                <h2 id="help-title">{ "Keys" }</h2>
                <table class="keys">
                    { for KEYS.iter().map(|(k, what)| html! { <tr><th><kbd>{ *k }</kbd></th><td>{ *what }</td></tr> }) }
                </table>
                <button onclick={callback(&state, Command::CloseOverlays)}>{ "Close" }</button>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clock_reads_seconds_and_milliseconds() {
        for (us, want) in [
            (0, "0.000 s"),
            (1_234_567, "1.234 s"),
            (61_000_000, "61.000 s"),
        ] {
            assert_eq!(super::clock(us), want);
        }
    }
}
