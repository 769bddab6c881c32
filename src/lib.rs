//! Switchyard's browser shell: Yew components that draw the broker core's state and forward the
//! user's intents to it. It owns no broker logic; only this crate names yew / web-sys / gloo.
//!
//! # Layout
//! - [`app`]: the page: header, banner, stage beside the panels, explorer, help.
//! - [`state`]: the one app state and its actions (pure `reduce`).
//! - [`stage`]: the canvas: layout, drawing, the animation loop and the playhead.
//! - [`toolbar`]: play, step, speed, timeline, reset, fullscreen, pause points; the help overlay.
//! - [`commands`]: what buttons and keys ask for, done on the player.
//! - [`keyboard`]: the keydown listener (keys and presenter remotes).
//! - [`session`]: opening scenarios; restoring and saving the session.
//! - [`storage`]: the session in local storage, read strictly.
//! - [`link`]: share links: the session after the address's `#`, read strictly.
//! - [`banner`]: errors and notices in words.
//! - [`explorer`]: try a routing key against a topology and read the core's explanation.
//! - [`inspector`]: the clicked message (properties, headers, lifecycle, route) or node
//!   (settings, counters, bindings).
//! - [`metrics_panel`]: rates, latency, per-queue Ready / Unacked / Total, utilisation, charts.
//! - [`preset_picker`]: the shipped scenarios and "Load a scenario file…".
//! - [`narration`]: the lesson card shown at a pause point.
//! - [`route_view`]: the core's route explanation drawn: bindings tried, words aligned.
//! - [`sim_ref`]: the running simulation shared by the stage and the panels; the selection.
//! - [`presets`]: the scenario files shipped with the app.
//! - [`flow_view`]: orchestration ⇄ choreography: the style switch and the comparison card.
//! - [`service_controls`]: a flow's services with take down / bring back and fail / heal.
//! - [`failures`]: a consumer stopped, started or crashed, and the broker restarted, on demand.
//! - [`exchange_type`]: change an exchange's type while running; the outcome explained.
//! - [`binding_editor`], [`queue_limits`]: bind and unbind, set a queue's limits, while running.
//! - [`actor_editor`]: a consumer or a producer added while running.
//! - [`changes`]: the changes made while running, listed with their moments, each undoable.
//! - [`download`]: the scenario (with the changes) or the topology saved as a file.
//! - [`panic_overlay`]: a panic shows a "something broke, reload" overlay, never a frozen page.

pub mod actor_editor;
pub mod app;
pub mod banner;
pub mod binding_editor;
pub mod changes;
pub mod commands;
pub mod download;
pub mod exchange_type;
pub mod explorer;
pub mod failures;
pub mod flow_view;
pub mod inspector;
pub mod keyboard;
pub mod link;
pub mod metrics_panel;
pub mod narration;
pub mod paging;
pub mod panic_overlay;
pub mod preset_picker;
pub mod presets;
pub mod queue_limits;
pub mod route_view;
pub mod service_controls;
pub mod session;
pub mod sim_ref;
pub mod stage;
pub mod state;
pub mod storage;
pub mod toolbar;

pub use app::App;

/// Installs the panic overlay, takes away the page's boot screen (`#boot` in `index.html`,
/// painted while the module loads) and mounts the app on `<body>`.
pub fn start() {
    panic_overlay::install();
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
    yew::Renderer::<App>::new().render();
}
