//! Opening a scenario: a shipped preset or a file the user loaded, parsed by the core (errors
//! name the path), built into a [`Player`], optionally moved to a saved moment; the restore of
//! a share link or the saved session at start-up (a corrupt one is discarded with a notice, a
//! bad link named in the banner); copying a share link; and saving the session as the run
//! moves. Side effects run from hooks and callbacks, never from `reduce`.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::EventListener;
use switchyard_core::MessageId;
use switchyard_core::shown::Code;
use switchyard_core::sim::flow::Style;
use switchyard_core::sim::{Edit, NodeId, Options, Scenario, Simulation};
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

use crate::sim_ref::Selection;
use crate::stage::player::Player;
use crate::state::{Action, AppContext, Level, Notice, PlayerRef, Source};
use crate::storage::{self, PausePoint, Saved, Selected, Session};
use crate::{link, presets};

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
    let opening = Opening {
        at_us,
        playing,
        ..Opening::default()
    };
    open_with(state, source, &opening).is_some()
}

/// How a scenario is opened: at a moment, playing or not, with its flow in a style (none: the
/// file's), with changes made on demand before (made again where they were made) and pause
/// points.
#[derive(Debug, Default)]
pub struct Opening<'a> {
    pub at_us: u64,
    pub playing: bool,
    pub style: Option<Style>,
    pub edits: &'a [Edit],
    pub pause_at: &'a [PausePoint],
}

/// [`open`] as `opening` says. Changes that no longer fit the scenario are named in the
/// banner, and it opens without them; so are pause points on nodes it does not have. Gives
/// the player opened (`None`: the banner says why nothing opened).
pub fn open_with(state: &AppContext, source: Source, opening: &Opening) -> Option<PlayerRef> {
    let Opening {
        at_us,
        playing,
        style,
        edits,
        pause_at,
    } = *opening;
    let built = build_styled(&source, style).and_then(|player| {
        let Err(why) = make_again(&player, edits) else {
            return Ok(player);
        };
        let text = format!(
            "The changes made before could not be made again ({why}): the scenario opens without \
             them."
        );
        notify(state, Level::Error, text);
        build_styled(&source, style)
    });
    let mut player = match built {
        Ok(p) => p,
        Err(text) => {
            state.dispatch(Action::Notify(Notice {
                level: Level::Error,
                text: text.into(),
            }));
            return None;
        }
    };
    set_pause_points(state, &mut player, pause_at);
    let player = PlayerRef(Rc::new(RefCell::new(player)));
    if (at_us > 0 || !edits.is_empty())
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
        player: player.clone(),
        playing,
    });
    if let Some(refresh) = refresh {
        state.dispatch(refresh);
    }
    Some(player)
}

/// The node of this kind, vhost and name in `sim`'s world.
pub fn node_named(sim: &Simulation, p: &PausePoint) -> Option<NodeId> {
    let nodes = sim.world().nodes();
    let at = nodes
        .iter()
        .position(|n| n.kind.name() == p.kind && n.vhost == p.vhost && n.name == p.name);
    at.map(|i| NodeId(i as u32))
}

/// Sets the pause points on a player just built; those on nodes its scenario lacks are named.
fn set_pause_points(state: &AppContext, player: &mut Player, points: &[PausePoint]) {
    let found: Vec<Option<NodeId>> = {
        let Some(sim) = player.sim().get() else {
            return;
        };
        points.iter().map(|p| node_named(&sim, p)).collect()
    };
    let mut missing = Vec::new();
    for (point, node) in points.iter().zip(found) {
        match node {
            Some(node) if !player.pause_points().contains(&node) => {
                player.toggle_pause_point(node);
            }
            Some(_) => {}
            None => missing.push(format!("{} {}", point.kind, Code(&point.name))),
        }
    }
    if !missing.is_empty() {
        let text = format!(
            "This scenario has no {}: no pause point was set there.",
            missing.join(", no ")
        );
        notify(state, Level::Info, text);
    }
}

/// Makes `edits` again on a player just built (a list that goes past the longest moment
/// restored is refused: it would hold the page).
fn make_again(player: &Player, edits: &[Edit]) -> Result<(), String> {
    if edits.last().is_some_and(|e| e.at_us > MAX_RESTORE_US) {
        return Err("they go on past an hour of simulated time".into());
    }
    let done = player.sim().update(|sim| sim.apply_edits(edits));
    done.unwrap_or(Ok(())).map_err(|e| e.to_string())
}

/// At start-up: the share link in the address, else the saved session, else the first preset.
pub fn restore(state: &AppContext) {
    if open_link(state) {
        return;
    }
    match storage::load() {
        Some(Ok(session)) => {
            if apply(state, &session) {
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

/// Opens a saved or linked session: `false` if its scenario does not open (the banner says
/// why when it was read and failed to build).
fn apply(state: &AppContext, session: &Session) -> bool {
    let source = match &session.scenario {
        Saved::Preset(id) => presets::find(id).map(|p| Source::Preset(p.id)),
        Saved::File(text) => Some(Source::File(text.as_str().into())),
    };
    let Some(source) = source else {
        return false;
    };
    state.dispatch(Action::SetSpeed(session.speed));
    let opening = Opening {
        at_us: session.at_us,
        playing: session.playing,
        style: session.style,
        edits: &session.edits,
        pause_at: &session.pause_at,
    };
    let Some(player) = open_with(state, source, &opening) else {
        return false;
    };
    if let Some(selected) = &session.selected {
        select_again(state, &player, selected);
    }
    true
}

/// Opens the share link in the address (after `#`), if there is one, and takes it out of the
/// address, so that a reload comes back to where the user went from there. A link that cannot
/// be read is named in the banner and what was open stays: `true` if the link opened.
pub fn open_link(state: &AppContext) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let location = window.location();
    let fragment = location.hash().unwrap_or_default();
    let Some(fragment) = fragment.strip_prefix('#').filter(|f| !f.is_empty()) else {
        return false;
    };
    let address = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&address));
    }
    let why = match link::parse(fragment) {
        Ok(session) => {
            if apply(state, &session) {
                return true;
            }
            match &session.scenario {
                Saved::Preset(id) => format!("there is no preset {}", Code(id)),
                // The banner already says what is wrong with the file.
                Saved::File(_) => return false,
            }
        }
        Err(why) => why,
    };
    notify(
        state,
        Level::Error,
        format!("This link could not be opened: {why}."),
    );
    false
}

/// Copies a link to the current state (scenario, moment, speed, style) to the clipboard and
/// says so; where the page may not copy, puts the link in the address bar and says that.
pub fn share(state: &AppContext) {
    let (Some(session), Some(window)) = (session_of(state), web_sys::window()) else {
        let text = if state.source.is_some() {
            "This scenario file is too big to be kept, or shared as a link: share the file itself."
        } else {
            "Nothing is open to share."
        };
        notify(state, Level::Error, text.to_owned());
        return;
    };
    let fragment = link::fragment(&session);
    if fragment.len() > link::MAX_LINK_CHARS {
        let count = |n: usize| switchyard_core::shown::count(n as u64, "character", "characters");
        let text = format!(
            "A link to this would be {}, more than the {} a link may hold: share the scenario \
             file instead (Save scenario file keeps the changes made to it).",
            count(fragment.len()),
            count(link::MAX_LINK_CHARS)
        );
        notify(state, Level::Error, text);
        return;
    }
    let href = window.location().href().unwrap_or_default();
    let base = href.split('#').next().unwrap_or_default();
    let address = format!("{base}#{fragment}");
    let moment = crate::toolbar::clock(session.at_us);
    let copied = format!("Link copied: it opens this scenario at {moment}.");
    // Where the page may not copy, the link goes into the address bar, to copy from there (a
    // link of thousands of characters has no place in the banner).
    let by_hand = format!(
        "This browser does not let the page copy: the link to this scenario at {moment} is in \
         the address bar now, to copy from there."
    );
    let history = window.history().ok();
    let text = address.clone();
    let put_in_address = move || {
        if let Some(h) = &history {
            let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&address));
        }
    };
    // `navigator.clipboard` is missing outside secure pages (plain http but for localhost).
    let navigator = window.navigator();
    let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .is_ok_and(|c| !c.is_undefined() && !c.is_null());
    if !has_clipboard {
        put_in_address();
        notify(state, Level::Info, by_hand);
        return;
    }
    let (ok, failed) = (state.clone(), state.clone());
    let done =
        Closure::<dyn FnMut(JsValue)>::once(move |_: JsValue| notify(&ok, Level::Info, copied));
    let refused = Closure::<dyn FnMut(JsValue)>::once(move |_: JsValue| {
        put_in_address();
        notify(&failed, Level::Info, by_hand);
    });
    let _ = navigator
        .clipboard()
        .write_text(&text)
        .then2(&done, &refused);
    // The promise calls one of them once, after this returns: they must outlive this frame.
    done.forget();
    refused.forget();
}

/// Puts `text` in the banner at `level`.
pub(crate) fn notify(state: &AppContext, level: Level, text: String) {
    state.dispatch(Action::Notify(Notice {
        level,
        text: text.into(),
    }));
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

/// The pause points set now, each by its node's kind, vhost and name (what a session keeps,
/// and what finds the same nodes in another build of the scenario).
pub fn pause_points_of(state: &AppContext) -> Vec<PausePoint> {
    let sim = state.sim.as_ref().and_then(|s| s.get());
    (state.player.as_ref())
        .and_then(|p| p.0.try_borrow().ok())
        .zip(sim.as_ref())
        .map(|(p, sim)| {
            let node = |id: &NodeId| sim.world().node(*id);
            (p.pause_points().iter().filter_map(node))
                .map(PausePoint::of)
                .collect()
        })
        .unwrap_or_default()
}

/// `selection` as a session keeps it (a node by kind, vhost and name: ids differ between
/// builds of another style, or of a scenario edited since).
pub fn selected_of(sim: &Simulation, selection: Option<Selection>) -> Option<Selected> {
    match selection? {
        Selection::Message(id) => Some(Selected::Message(id.0)),
        Selection::Request(flow) => Some(Selected::Request(flow)),
        Selection::Node(id) => sim
            .world()
            .node(id)
            .map(|n| Selected::Node(PausePoint::of(n))),
    }
}

/// Selects `selected` again in `player`'s simulation, just opened (a node it lacks is not).
pub fn select_again(state: &AppContext, player: &PlayerRef, selected: &Selected) {
    let selection = match selected {
        Selected::Message(id) => Some(Selection::Message(MessageId(*id))),
        Selected::Request(flow) => Some(Selection::Request(*flow)),
        Selected::Node(node) => (player.0.try_borrow().ok())
            .and_then(|p| p.sim().get().and_then(|sim| node_named(&sim, node)))
            .map(Selection::Node),
    };
    if selection.is_some() {
        state.dispatch(Action::Select(selection));
    }
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
    let sim = state.sim.as_ref().and_then(|s| s.get());
    let style = sim.as_ref().and_then(|s| s.flow().map(|f| f.style));
    let edits = sim.as_ref().map(|s| s.edits()).unwrap_or_default();
    let pause_at = pause_points_of(state);
    let selected = sim
        .as_ref()
        .and_then(|sim| selected_of(sim, state.selection));
    Some(Session {
        scenario,
        at_us: state.view_us,
        playing: state.playing,
        speed: state.speed,
        style,
        edits,
        pause_at,
        selected,
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
    // A link pasted into the address of the open page changes only what follows `#`: the page
    // does not load again, so the change is listened for.
    let latest: Rc<RefCell<AppContext>> = use_mut_ref(|| state.clone());
    *latest.borrow_mut() = state.clone();
    use_effect_with((), move |_| {
        let listener = web_sys::window().map(|w| {
            EventListener::new(&w, "hashchange", move |_| {
                let state = latest.borrow().clone();
                // What the banner said is about what was open; what opening the link says
                // (a mistake in it, a change that no longer fits) is said after.
                let hash = web_sys::window().and_then(|w| w.location().hash().ok());
                if hash.is_some_and(|h| h.len() > 1) {
                    state.dispatch(Action::Dismiss);
                    open_link(&state);
                }
            })
        });
        move || drop(listener)
    });
    let session = session_of(state);
    use_effect_with(session, |session| {
        if let Some(s) = session {
            storage::save(s);
        }
    });
}
