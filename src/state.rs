//! The app's one state: which scenario is open, its player, whether it plays and how fast,
//! the selection, the lesson step on screen, the help overlay and the banner; and the
//! [`Action`]s that change it. `reduce` is pure: moving the simulation, animation frames,
//! storage and the keyboard live in hooks (`stage`, `commands`, `storage`), which dispatch
//! what happened. It knows nothing of the canvas.

use std::cell::RefCell;
use std::rc::Rc;

use switchyard_core::sim::scenario::LessonStep;
use yew::prelude::*;

use crate::sim_ref::{Selection, SimRef};
use crate::stage::player::Player;
use crate::stage::view::ViewAsk;

/// Speeds the user can pick; the last one is "as fast as possible".
pub const SPEEDS: [f64; 11] = [
    0.1,
    0.25,
    0.5,
    1.0,
    2.0,
    5.0,
    10.0,
    25.0,
    50.0,
    100.0,
    f64::INFINITY,
];
/// 1×.
pub const NORMAL_SPEED: usize = 3;

/// The player, shared by the stage's frame loop and the commands; equal by identity.
#[derive(Clone)]
pub struct PlayerRef(pub Rc<RefCell<Player>>);

impl PartialEq for PlayerRef {
    fn eq(&self, other: &PlayerRef) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Where the open scenario came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    Preset(&'static str),
    /// A file the user loaded: its text (kept so a reload can restore it).
    File(Rc<str>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Info,
}

/// The banner: a problem named in words, or a notice.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub level: Level,
    pub text: AttrValue,
}

#[derive(Clone, PartialEq)]
pub struct AppState {
    pub source: Option<Source>,
    pub player: Option<PlayerRef>,
    /// The simulation as the panels last saw it (a new revision re-renders them).
    pub sim: Option<SimRef>,
    pub playing: bool,
    pub speed: usize,
    pub selection: Option<Selection>,
    pub lesson: Option<(usize, LessonStep)>,
    /// Virtual µs at the last refresh: the view and the timeline's end.
    pub view_us: u64,
    pub end_us: u64,
    pub steps: u64,
    pub help: bool,
    pub notice: Option<Notice>,
    /// What stopped the run last, in words (a pause point reached).
    pub status: Option<AttrValue>,
    /// The last zoom button or key pressed, numbered so that pressing it again is a change.
    pub view_ask: Option<(u64, ViewAsk)>,
}

impl Default for AppState {
    fn default() -> Self {
        AppState {
            source: None,
            player: None,
            sim: None,
            playing: true,
            speed: NORMAL_SPEED,
            selection: None,
            lesson: None,
            view_us: 0,
            end_us: 0,
            steps: 0,
            help: false,
            notice: None,
            status: None,
            view_ask: None,
        }
    }
}

pub enum Action {
    /// A scenario opened (playing from its start unless restored paused).
    Opened {
        source: Source,
        player: PlayerRef,
        playing: bool,
    },
    Play,
    Pause,
    TogglePlay,
    Faster,
    Slower,
    SetSpeed(usize),
    Select(Option<Selection>),
    /// The simulation moved: new view, end, step count.
    Refresh {
        view_us: u64,
        end_us: u64,
        steps: u64,
    },
    /// Stopped at a lesson step: pause and narrate it.
    Lesson(usize, LessonStep),
    /// "Continue" after a lesson step.
    Continue,
    /// Stopped for a reason shown in the status line (a pause point).
    Stopped(AttrValue),
    Notify(Notice),
    Dismiss,
    ToggleHelp,
    CloseHelp,
    /// Zoom in or out about the stage's centre, or back to the fit.
    View(ViewAsk),
}

impl AppState {
    pub fn speed(&self) -> f64 {
        SPEEDS.get(self.speed).copied().unwrap_or(1.0)
    }
}

/// "0.1×", "25×", "max".
pub fn speed_label(speed: f64) -> String {
    if speed.is_infinite() {
        "max".to_owned()
    } else {
        format!("{}×", switchyard_core::decimal::short(speed, 2))
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Opened {
                source,
                player,
                playing,
            } => {
                next.sim = player.0.try_borrow().ok().map(|p| p.sim().touched());
                next.source = Some(source);
                next.player = Some(player);
                next.playing = playing;
                next.selection = None;
                next.lesson = None;
                next.status = None;
                next.view_us = 0;
                next.end_us = 0;
                next.steps = 0;
            }
            Action::Play | Action::Continue => {
                next.playing = true;
                next.lesson = None;
                next.status = None;
            }
            Action::Pause => next.playing = false,
            Action::TogglePlay => {
                next.playing = !self.playing;
                next.lesson = None;
                next.status = None;
            }
            Action::Faster => next.speed = (self.speed + 1).min(SPEEDS.len() - 1),
            Action::Slower => next.speed = self.speed.saturating_sub(1),
            Action::SetSpeed(i) => next.speed = i.min(SPEEDS.len() - 1),
            Action::Select(selection) => next.selection = selection,
            Action::Refresh {
                view_us,
                end_us,
                steps,
            } => {
                next.sim = self.sim.as_ref().map(SimRef::touched);
                (next.view_us, next.end_us, next.steps) = (view_us, end_us, steps);
            }
            Action::Lesson(i, step) => {
                next.playing = false;
                next.lesson = Some((i, step));
            }
            Action::Stopped(why) => {
                next.playing = false;
                next.status = Some(why);
            }
            Action::Notify(notice) => next.notice = Some(notice),
            Action::Dismiss => next.notice = None,
            Action::ToggleHelp => next.help = !self.help,
            Action::CloseHelp => next.help = false,
            Action::View(ask) => {
                let n = self.view_ask.map_or(0, |(n, _)| n);
                next.view_ask = Some((n + 1, ask));
            }
        }
        if next == *self { self } else { Rc::new(next) }
    }
}

/// The state handle shared through a context.
pub type AppContext = UseReducerHandle<AppState>;

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(actions: Vec<Action>) -> Rc<AppState> {
        actions
            .into_iter()
            .fold(Rc::new(AppState::default()), |s, a| s.reduce(a))
    }

    #[test]
    fn speed_stays_within_its_range() {
        let s = apply((0..20).map(|_| Action::Faster).collect());
        assert!(s.speed().is_infinite());
        let s = apply((0..20).map(|_| Action::Slower).collect());
        assert_eq!(s.speed(), 0.1);
        assert_eq!(speed_label(0.1), "0.1×");
        assert_eq!(speed_label(f64::INFINITY), "max");
    }

    #[test]
    fn a_lesson_pauses_and_continue_resumes() {
        let step = LessonStep {
            at: 1000,
            title: "T".into(),
            text: "x".into(),
        };
        let s = apply(vec![Action::Lesson(0, step)]);
        assert!(!s.playing);
        assert!(s.lesson.is_some());
        let s = s.reduce(Action::Continue);
        assert!(s.playing && s.lesson.is_none());
    }

    #[test]
    fn nothing_changed_keeps_the_same_state() {
        let s = apply(vec![Action::Play]);
        let again = s.clone().reduce(Action::Play);
        assert!(Rc::ptr_eq(&s, &again));
        let s = s.reduce(Action::Dismiss).reduce(Action::ToggleHelp);
        assert!(s.help);
        assert!(!s.reduce(Action::CloseHelp).help);
    }

    #[test]
    fn every_zoom_press_is_a_new_ask() {
        let s = apply(vec![Action::View(ViewAsk::Fit)]);
        assert_eq!(s.view_ask, Some((1, ViewAsk::Fit)));
        let again = s.clone().reduce(Action::View(ViewAsk::Fit));
        assert!(!Rc::ptr_eq(&s, &again), "a second press re-fits");
        assert_eq!(again.view_ask, Some((2, ViewAsk::Fit)));
        let s = again.reduce(Action::View(ViewAsk::ZoomIn));
        assert_eq!(s.view_ask, Some((3, ViewAsk::ZoomIn)));
    }
}
