//! The flow's services with their state and a button each: "take down" / "bring back" (in
//! orchestration the caller's requests then fail; in choreography the service's queue grows
//! and drains on return) and "fail" / "heal" (every request or saga step it gets fails: pick
//! the saga step that fails and watch the compensations). A button injects a `Control` at the
//! view's moment, which forks the timeline like any injected action. Draws and forwards only.

use switchyard_core::sim::flow::ServiceView;
use switchyard_core::sim::{Control, NodeId, SimTime, Simulation};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::commands::refresh;
use crate::sim_ref::SimRef;
use crate::state::{Action, AppContext, Level, Notice};

/// Injects `control` at the view's moment (the engine runs ahead of the view; it is brought
/// back to the view first so the action happens where the user sees it).
pub fn inject(state: &AppContext, control: Control) {
    change(state, |sim| {
        sim.inject(control);
        Ok(())
    });
}

/// What a panel editing one node of the open scenario needs: the app's state, the simulation
/// and the node's vhost and name; none before a scenario is open or for a node it does not
/// have.
#[hook]
pub fn use_editing(node: NodeId) -> Option<(AppContext, SimRef, String, String)> {
    let state = use_context::<AppContext>()?;
    let sim = state.sim.clone()?;
    let (vhost, name) = {
        let s = sim.get()?;
        let n = s.world().node(node)?;
        (n.vhost.clone(), n.name.clone())
    };
    Some((state, sim, vhost, name))
}

/// What a form's field shows: what is in it once it is on the page, else `default`. Yew sets a
/// field's value (an option's selection, a box's tick) on every render to what the view says,
/// and a panel renders a few times a second while the scenario plays: a field given its
/// default each time would lose what is being typed.
pub fn kept(field: &NodeRef, default: impl Into<String>) -> String {
    match field.cast::<HtmlInputElement>() {
        Some(input) => input.value(),
        None => default.into(),
    }
}

/// [`kept`] for a select: the option chosen in it, else `default`.
pub fn kept_choice(field: &NodeRef, default: &str) -> String {
    match field.cast::<HtmlSelectElement>() {
        Some(select) => select.value(),
        None => default.to_owned(),
    }
}

/// [`kept`] for a tick box.
pub fn kept_tick(field: &NodeRef, default: bool) -> bool {
    field
        .cast::<HtmlInputElement>()
        .map_or(default, |input| input.checked())
}

/// Makes a change with `apply` at the view's moment (see [`inject`]); its error, or the
/// engine's, goes to the banner, and once it is made an error shown before is cleared.
pub fn change(state: &AppContext, apply: impl FnOnce(&mut Simulation) -> Result<(), String>) {
    let Some(player) = &state.player else { return };
    let done = player.0.try_borrow().ok().and_then(|p| {
        let view = SimTime(p.view());
        p.sim().update(|sim| {
            if sim.now() != view {
                sim.seek(view).map_err(|e| e.to_string())?;
            }
            apply(sim)?;
            // Apply it now, so a paused view shows it at once.
            sim.run_until(view).map_err(|e| e.to_string())?;
            Ok::<(), String>(())
        })
    });
    match done {
        Some(Err(e)) => state.dispatch(Action::Notify(Notice {
            level: Level::Error,
            text: format!("Could not change the simulation: {e}").into(),
        })),
        // Made: an error the banner still shows (an earlier attempt's) is over.
        Some(Ok(()))
            if state
                .notice
                .as_ref()
                .is_some_and(|n| n.level == Level::Error) =>
        {
            state.dispatch(Action::Dismiss);
        }
        _ => {}
    }
    refresh(state);
}

/// The words of a service's state.
pub fn status(s: &ServiceView) -> &'static str {
    match (s.up, s.failing) {
        (false, _) => "down",
        (true, true) => "failing",
        (true, false) => "up",
    }
}

#[component]
pub fn ServiceControls() -> Html {
    let Some(state) = use_context::<AppContext>() else {
        return html! {};
    };
    let Some(sim) = state.sim.as_ref() else {
        return html! {};
    };
    let Some(sim) = sim.get() else {
        return html! {};
    };
    let services = sim.services();
    if services.is_empty() {
        return html! {};
    }
    let name = |s: &ServiceView| {
        sim.world()
            .node(s.node)
            .map(|n| n.name.clone())
            .unwrap_or_default()
    };
    let rows = services.iter().map(|s| {
        let n = name(s);
        let (up_label, up_control) = if s.up {
            ("take down", Control::TakeDown(s.id))
        } else {
            ("bring back", Control::BringBack(s.id))
        };
        let (fail_label, fail_control) = if s.failing {
            ("heal", Control::HealService(s.id))
        } else {
            ("fail", Control::FailService(s.id))
        };
        let on = |c: Control| {
            let state = state.clone();
            Callback::from(move |_: MouseEvent| inject(&state, c))
        };
        let circuit = s
            .circuit
            .map(|c| format!(" · circuit {}", c.name()))
            .unwrap_or_default();
        html! {
            <li class={classes!("service", status(s))} data-service={n.clone()}>
                <span class="service-name">{ &n }</span>
                <span class="service-state">{ status(s) }</span>
                <span class="service-counts">{ format!("{} handled, {} failed{circuit}", s.handled, s.failed) }</span>
                <button type="button" class="service-updown" onclick={on(up_control)}
                    title={format!("{up_label} {n}")}>{ up_label }</button>
                <button type="button" class="service-fail" onclick={on(fail_control)}
                    title={format!("{fail_label} {n}: every request it gets fails")}>{ fail_label }</button>
            </li>
        }
    });
    html! {
        <section class="service-controls" id="services" aria-label="Services">
            <h2>{ "Services" }</h2>
            <ul>{ for rows }</ul>
            { live(&sim) }
        </section>
    }
}

/// This run's caller outcomes and backlogs so far: where a take down shows (the caller's
/// errors in orchestration, the service's queue in choreography).
fn live(sim: &switchyard_core::sim::Simulation) -> Html {
    let Some(f) = sim.flow_figures() else {
        return html! {};
    };
    let backlog = f
        .backlog_at_end
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let errors = f.answered_error + f.caller_timeouts;
    let saga = sim.flow().is_some_and(|flow| flow.saga);
    html! {
        <dl class="flow-live" id="flow-live" data-ok={f.answered_ok.to_string()}
            data-errors={errors.to_string()} data-backlog={f.backlog_at_end.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")}>
            <dt>{ "caller answered" }</dt>
            <dd>{ format!("{} ok", f.answered_ok) }</dd>
            <dt>{ "caller errors" }</dt>
            <dd class={classes!(if errors > 0 { Some("bad") } else { None })}>{ format!("{}, {} timed out", switchyard_core::shown::count(f.answered_error, "error", "errors"), f.caller_timeouts) }</dd>
            <dt>{ "backlog now" }</dt>
            <dd>{ backlog }</dd>
            if saga {
                <dt>{ "sagas" }</dt>
                <dd class="saga" data-compensated={f.sagas_compensated.to_string()}>
                    { format!("{} completed, {} compensated ({} compensations)", f.sagas_completed, f.sagas_compensated, f.compensations) }
                </dd>
            }
        </dl>
    }
}
