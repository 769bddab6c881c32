//! What the toolbar buttons, the keyboard and a presenter remote ask for, and doing it: moving
//! the player (step, seek, reset), then dispatching what changed to the state. Key bindings are
//! a pure table ([`for_key`]) so they are tested natively. It knows nothing of how the page
//! looks.

use switchyard_core::sim::NodeId;
use yew::prelude::*;

use crate::sim_ref::Selection;
use crate::stage::view::ViewAsk;
use crate::state::{Action, AppContext, Level, Notice};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Command {
    TogglePlay,
    StepForward,
    StepBack,
    Faster,
    Slower,
    Reset,
    /// Go to this virtual time (µs).
    Seek(u64),
    /// Go back to just before the change made on demand after this many events.
    BackBefore(u64),
    Fullscreen,
    Help,
    CloseOverlays,
    TogglePausePoint(NodeId),
    /// Select the next node in the drawing's reading order (`true`) or the previous one: how a
    /// keyboard reaches what a click on the canvas selects.
    SelectNode(bool),
    /// Zoom the stage in or out about its centre, or back to the fit.
    View(ViewAsk),
}

/// The command a key gives (`KeyboardEvent.key`), if any.
pub fn for_key(key: &str) -> Option<Command> {
    Some(match key {
        " " | "Spacebar" | "." | "k" => Command::TogglePlay,
        "ArrowRight" | "PageDown" => Command::StepForward,
        "ArrowLeft" | "PageUp" => Command::StepBack,
        "+" | "=" => Command::Faster,
        "-" | "_" => Command::Slower,
        "r" | "R" => Command::Reset,
        "f" | "F" => Command::Fullscreen,
        "?" => Command::Help,
        "Escape" => Command::CloseOverlays,
        "]" => Command::View(ViewAsk::ZoomIn),
        "[" => Command::View(ViewAsk::ZoomOut),
        "0" => Command::View(ViewAsk::Fit),
        "n" => Command::SelectNode(true),
        "p" | "N" => Command::SelectNode(false),
        _ => return None,
    })
}

/// The command a key pressed with Shift gives, where it differs from [`for_key`]'s: the
/// arrows pan the stage (the drawing moves the other way, showing what lies that way).
pub fn for_shifted_key(key: &str) -> Option<Command> {
    let (x, y) = match key {
        "ArrowLeft" => (1, 0),
        "ArrowRight" => (-1, 0),
        "ArrowUp" => (0, 1),
        "ArrowDown" => (0, -1),
        _ => return for_key(key),
    };
    Some(Command::View(ViewAsk::Pan(x, y)))
}

/// Does `command` on the open scenario.
pub fn run(state: &AppContext, command: Command) {
    match command {
        Command::TogglePlay => state.dispatch(Action::TogglePlay),
        Command::Faster => state.dispatch(Action::Faster),
        Command::Slower => state.dispatch(Action::Slower),
        Command::Help => state.dispatch(Action::ToggleHelp),
        Command::CloseOverlays => state.dispatch(Action::CloseHelp),
        Command::View(ask) => state.dispatch(Action::View(ask)),
        Command::Fullscreen => fullscreen(state),
        Command::StepForward | Command::StepBack => step(state, command == Command::StepForward),
        Command::Reset => move_player(state, |p| p.reset()),
        Command::Seek(t) => move_player(state, |p| p.seek(t)),
        Command::BackBefore(steps) => move_player(state, |p| p.back_before(steps)),
        Command::SelectNode(forward) => select_node(state, forward),
        Command::TogglePausePoint(node) => {
            if let Some(player) = &state.player
                && let Ok(mut p) = player.0.try_borrow_mut()
            {
                p.toggle_pause_point(node);
            }
            refresh(state);
        }
    }
}

/// Selects the node after (or before) the selected one in the drawing's reading order; from
/// no node selected, the first (or the last).
fn select_node(state: &AppContext, forward: bool) {
    let Some(sim) = state.sim.as_ref().and_then(|s| s.get()) else {
        return;
    };
    let order = crate::stage::layout::Scene::of(&sim).reading_order();
    let current = match state.selection {
        Some(Selection::Node(id)) => order.iter().position(|n| *n == id),
        _ => None,
    };
    let next = match (current, forward) {
        (Some(i), true) => order.get(i + 1).or(order.first()),
        (Some(i), false) => i.checked_sub(1).and_then(|i| order.get(i)).or(order.last()),
        (None, true) => order.first(),
        (None, false) => order.last(),
    };
    if let Some(&id) = next {
        state.dispatch(Action::Select(Some(Selection::Node(id))));
    }
}

/// Tells the state where the player is now.
pub fn refresh(state: &AppContext) {
    let Some(player) = &state.player else { return };
    let Ok(p) = player.0.try_borrow() else { return };
    state.dispatch(Action::Refresh {
        view_us: p.view(),
        end_us: p.furthest(),
        steps: p.steps(),
    });
}

fn step(state: &AppContext, forward: bool) {
    let Some(player) = &state.player else { return };
    state.dispatch(Action::Pause);
    let moved = {
        let Ok(mut p) = player.0.try_borrow_mut() else {
            return;
        };
        if forward {
            p.step_forward()
        } else {
            p.step_back()
        }
    };
    if let Some(pick) = moved {
        state.dispatch(Action::Select(Some(pick)));
    }
    refresh(state);
}

fn move_player(
    state: &AppContext,
    f: impl FnOnce(&mut crate::stage::player::Player) -> Result<(), String>,
) {
    let Some(player) = &state.player else { return };
    let result = match player.0.try_borrow_mut() {
        Ok(mut p) => f(&mut p),
        Err(_) => return,
    };
    if let Err(text) = result {
        state.dispatch(Action::Notify(Notice {
            level: Level::Error,
            text: text.into(),
        }));
    }
    refresh(state);
}

fn fullscreen(state: &AppContext) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    if document.fullscreen_element().is_some() {
        document.exit_fullscreen();
        return;
    }
    // The app, not the stage alone: the inspector, the banner and the help overlay stay in
    // sight (the page's header, the picker and the explorer make way, see style.css).
    let target = document
        .get_element_by_id("app")
        .or_else(|| document.document_element());
    if let Some(el) = target
        && el.request_fullscreen().is_err()
    {
        let text = "This browser refused fullscreen (it needs a click or key press on the page).";
        state.dispatch(Action::Notify(Notice {
            level: Level::Info,
            text: text.into(),
        }));
    }
}

/// Calls `run` with a fixed command: for buttons.
pub fn callback<E>(state: &AppContext, command: Command) -> Callback<E> {
    let state = state.clone();
    Callback::from(move |_| run(&state, command))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_a_presenter_remote_map_to_commands() {
        for (key, want) in [
            (" ", Some(Command::TogglePlay)),
            (".", Some(Command::TogglePlay)),
            ("ArrowRight", Some(Command::StepForward)),
            ("PageDown", Some(Command::StepForward)),
            ("ArrowLeft", Some(Command::StepBack)),
            ("PageUp", Some(Command::StepBack)),
            ("+", Some(Command::Faster)),
            ("-", Some(Command::Slower)),
            ("R", Some(Command::Reset)),
            ("f", Some(Command::Fullscreen)),
            ("?", Some(Command::Help)),
            ("]", Some(Command::View(ViewAsk::ZoomIn))),
            ("[", Some(Command::View(ViewAsk::ZoomOut))),
            ("0", Some(Command::View(ViewAsk::Fit))),
            ("n", Some(Command::SelectNode(true))),
            ("p", Some(Command::SelectNode(false))),
            ("x", None),
            ("Enter", None),
        ] {
            assert_eq!(for_key(key), want, "key {key:?}");
        }
        for (key, want) in [
            ("ArrowLeft", Some(Command::View(ViewAsk::Pan(1, 0)))),
            ("ArrowDown", Some(Command::View(ViewAsk::Pan(0, -1)))),
            ("?", Some(Command::Help)),
            ("R", Some(Command::Reset)),
            ("N", Some(Command::SelectNode(false))),
            ("X", None),
        ] {
            assert_eq!(for_shifted_key(key), want, "Shift + {key:?}");
        }
    }
}
