//! Opening a scenario: a shipped preset or a file the user loaded, parsed by the core (errors
//! name the path), built into a [`Player`], optionally moved to a saved moment; the restore of
//! the saved session at start-up (a corrupt one is discarded with a notice); and saving the
//! session as the run moves. Side effects run from hooks and callbacks, never from `reduce`.

use std::cell::RefCell;
use std::rc::Rc;

use switchyard_core::sim::flow::Style;
use switchyard_core::sim::{Options, Scenario, Simulation};
use yew::prelude::*;

use crate::presets;
use crate::stage::player::Player;
use crate::state::{Action, AppContext, Level, Notice, PlayerRef, Source};
use crate::storage::{self, Saved, Session};

/// A saved moment further than this is not replayed at start-up (it would hold the page).
const MAX_RESTORE_US: u64 = 3_600_000_000;

/// Parses and builds a scenario; the error names what is wrong.
pub fn build(source: &Source) -> Result<Player, String> {
    build_styled(source, None)
}

/// Builds a scenario with its flow (if any) run in `style` instead of the file's.
pub fn build_styled(source: &Source, style: Option<Style>) -> Result<Player, String> {
    let (what, text) = match source {
        Source::Preset(id) => {
            let preset = presets::find(id).ok_or_else(|| format!("There is no preset `{id}`."))?;
            (format!("Preset `{id}`"), preset.json)
        }
        Source::File(text) => ("The scenario file".to_owned(), &**text),
    };
    let mut scenario =
        Scenario::from_json_text(text).map_err(|e| format!("{what} could not be read: {e}"))?;
    if let (Some(flow), Some(style)) = (scenario.flow.as_mut(), style) {
        flow.style = style;
    }
    let sim = Simulation::new(scenario, Options::default())
        .map_err(|e| format!("{what} could not be built: {e}"))?;
    Ok(Player::new(sim))
}

/// Opens `source` at `at_us`, playing or not; errors go to the banner and the current
/// scenario stays.
pub fn open(state: &AppContext, source: Source, at_us: u64, playing: bool) -> bool {
    open_styled(state, source, at_us, playing, None)
}

/// [`open`] with the flow run in `style` (none: the file's style).
pub fn open_styled(
    state: &AppContext,
    source: Source,
    at_us: u64,
    playing: bool,
    style: Option<Style>,
) -> bool {
    let player = match build_styled(&source, style) {
        Ok(p) => p,
        Err(text) => {
            state.dispatch(Action::Notify(Notice {
                level: Level::Error,
                text: text.into(),
            }));
            return false;
        }
    };
    let player = PlayerRef(Rc::new(RefCell::new(player)));
    if at_us > 0
        && let Ok(mut p) = player.0.try_borrow_mut()
        && let Err(text) = p.seek(at_us.min(MAX_RESTORE_US))
    {
        state.dispatch(Action::Notify(Notice {
            level: Level::Error,
            text: text.into(),
        }));
    }
    let refresh = player.0.try_borrow().ok().map(|p| Action::Refresh {
        view_us: p.view(),
        end_us: p.furthest(),
        steps: p.steps(),
    });
    state.dispatch(Action::Opened {
        source,
        player,
        playing,
    });
    if let Some(refresh) = refresh {
        state.dispatch(refresh);
    }
    true
}

/// At start-up: the saved session, else the first preset.
pub fn restore(state: &AppContext) {
    match storage::load() {
        Some(Ok(session)) => {
            let source = match &session.scenario {
                Saved::Preset(id) => presets::find(id).map(|p| Source::Preset(p.id)),
                Saved::File(text) => Some(Source::File(text.as_str().into())),
            };
            state.dispatch(Action::SetSpeed(session.speed));
            if let Some(source) = source
                && open_styled(state, source, session.at_us, session.playing, session.style)
            {
                return;
            }
            discard(state, "its scenario no longer opens");
        }
        Some(Err(why)) => discard(state, &why),
        None => {}
    }
    if let Some(first) = presets::first() {
        open(state, Source::Preset(first.id), 0, true);
    }
}

fn discard(state: &AppContext, why: &str) {
    storage::clear();
    let text = format!(
        "The saved session could not be restored ({why}); it was discarded and the first preset opened."
    );
    state.dispatch(Action::Notify(Notice {
        level: Level::Info,
        text: text.into(),
    }));
}

/// What to save for the current state, if a scenario is open.
pub fn session_of(state: &AppContext) -> Option<Session> {
    let scenario = match state.source.as_ref()? {
        Source::Preset(id) => Saved::Preset((*id).to_owned()),
        Source::File(text) if text.len() <= storage::MAX_FILE_CHARS => {
            Saved::File(text.to_string())
        }
        Source::File(_) => return None,
    };
    let style = state
        .sim
        .as_ref()
        .and_then(|s| s.get().and_then(|s| s.flow().map(|f| f.style)));
    Some(Session {
        scenario,
        at_us: state.view_us,
        playing: state.playing,
        speed: state.speed,
        style,
    })
}

/// Restores at mount, then saves whenever the view, play state or scenario changes (the view
/// changes at most a few times a second).
#[hook]
pub fn use_session(state: &AppContext) {
    {
        let state = state.clone();
        use_effect_with((), move |_| restore(&state));
    }
    let session = session_of(state);
    use_effect_with(session, |session| {
        if let Some(s) = session {
            storage::save(s);
        }
    });
}
