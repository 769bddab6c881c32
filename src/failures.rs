//! Failures on demand, as a workshop shows them: a producer stopped and started again; a
//! consumer stopped (`basic.cancel`: it finishes what it holds), started again or crashed (its connection dies; the broker requeues what it
//! had unacked and it reconnects after its `recover_after_ms`, if any); and the broker
//! restarted (durable queues, their bindings and persistent messages survive; the rest is lost,
//! and the banner says how much). Each button injects a `Control` at the view's moment, which
//! forks the timeline like any injected action. Draws and forwards only.

use switchyard_core::shown::count;
use switchyard_core::sim::actor::consumer::Status;
use switchyard_core::sim::{ConsumerId, Control, NodeId, NodeKind, ProducerId, Simulation};
use yew::prelude::*;

use crate::service_controls::inject;
use crate::state::{Action, AppContext, Level, Notice};

#[derive(Properties, PartialEq)]
pub struct ActorControlsProps {
    pub node: NodeId,
}

/// Stop / start / crash for the consumer drawn as `node`, stop / start for a producer, as its
/// state allows.
#[component]
pub fn ActorControls(props: &ActorControlsProps) -> Html {
    let refs = [use_node_ref(), use_node_ref()];
    let Some(state) = use_context::<AppContext>() else {
        return html! {};
    };
    let Some(sim) = state.sim.as_ref().and_then(|s| s.get()) else {
        return html! {};
    };
    let on = |control: Control| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| inject(&state, control))
    };
    if let Some((id, stopped, name)) = producer_at(&sim, props.node) {
        return html! {
            <>
            <div class="failures" role="group" aria-label={ format!("Controls for {name}") }>
                if stopped {
                    <button type="button" id="producer-start" onclick={on(Control::StartProducer(id))}
                        title={ format!("{name} publishes again: at once, then at its rate") }>
                        { "Start publishing" }
                    </button>
                } else {
                    <button type="button" id="producer-stop" onclick={on(Control::StopProducer(id))}
                        title={ format!("{name} publishes nothing more until started (what it sent goes on)") }>
                        { "Stop publishing" }
                    </button>
                }
            </div>
            { crate::actor_editor::rate_form(&state, &sim, id, &name, &refs[0]) }
            </>
        };
    }
    let Some((id, status, name)) = consumer_at(&sim, props.node) else {
        return html! {};
    };
    let running = status == Status::Running.name();
    html! {
        <>
        <div class="failures" role="group" aria-label={ format!("Failures for {name}") }>
            if running {
                <button type="button" id="consumer-stop" onclick={on(Control::StopConsumer(id))}
                    title={ format!("{name} cancels its subscription (basic.cancel): it finishes what it holds and gets nothing new") }>
                    { "Stop" }
                </button>
                <button type="button" id="consumer-crash" class="danger" onclick={on(Control::CrashConsumer(id))}
                    title={ format!("{name}'s connection dies: the broker requeues its unacked messages") }>
                    { "Crash" }
                </button>
            } else {
                <button type="button" id="consumer-start" onclick={on(Control::StartConsumer(id))}
                    title={ format!("{name} connects and subscribes again") }>
                    { if status == Status::Idle.name() { "Start now" } else { "Start" } }
                </button>
            }
        </div>
        { crate::actor_editor::pace_form(&state, &sim, id, &name, &refs) }
        </>
    }
}

/// The producer drawn as `node`: its id, whether it is stopped, and its name.
fn producer_at(sim: &Simulation, node: NodeId) -> Option<(ProducerId, bool, String)> {
    let n = sim
        .world()
        .node(node)
        .filter(|n| n.kind == NodeKind::Producer)?;
    let i = (sim.scenario().producers.iter()).position(|p| p.name == n.name)?;
    let id = ProducerId(u32::try_from(i).ok()?);
    Some((id, sim.producer_stopped(id)?, n.name.clone()))
}

/// The consumer drawn as `node`: its id, status (as [`Status::name`] words it) and name.
fn consumer_at(sim: &Simulation, node: NodeId) -> Option<(ConsumerId, &'static str, String)> {
    let name = sim.world().node(node)?.name.clone();
    let id = sim.consumer_id(&name)?;
    let status = sim.consumer_view(id)?.status;
    Some((id, status, name))
}

/// "Restart broker": what survives and what is lost, in the banner.
#[component]
pub fn RestartBroker() -> Html {
    let Some(state) = use_context::<AppContext>() else {
        return html! {};
    };
    // A flow's orchestrated calls go through no broker.
    let has_queues = (state.sim.as_ref().and_then(|s| s.get()))
        .is_some_and(|sim| sim.world().queue_ids().next().is_some());
    if !has_queues {
        return html! {};
    }
    let onclick = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            let lost = || {
                let sim = state.sim.as_ref()?.get()?;
                let t = &sim.metrics().total;
                Some(t.lost_on_restart + t.lost_in_flight)
            };
            let before = lost();
            inject(&state, Control::RestartBroker);
            let lost = lost()
                .zip(before)
                .map(|(after, before)| after.saturating_sub(before));
            let text = match lost {
                Some(0) => "The broker restarted: nothing was lost (durable queues, their bindings and persistent messages survive).".to_owned(),
                Some(n) => format!("The broker restarted: {} lost (transient messages, those in non-durable queues, auto-acked ones a consumer held or had on the way); durable queues and persistent messages survive, and unacked deliveries are requeued.", count(n, "message was", "messages were")),
                None => "The broker restarted.".to_owned(),
            };
            state.dispatch(Action::Notify(Notice {
                level: Level::Info,
                text: text.into(),
            }));
        })
    };
    html! {
        <button id="restart-broker" type="button" {onclick}
            title="Restart the broker: durable queues and persistent messages survive, the rest is lost; consumers reconnect">
            { "Restart broker" }
        </button>
    }
}
