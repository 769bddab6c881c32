//! The banner under the header: an error named in words (a scenario that does not parse, a
//! simulation that stalled, a saved state that was discarded) or a notice, with a close
//! button. It draws the state's [`Notice`](crate::state::Notice); it knows nothing of where it came from.

use yew::prelude::*;

use crate::state::{Action, AppContext, Level};

#[component]
pub fn Banner() -> Html {
    let Some(state) = use_context::<AppContext>() else {
        return html! {};
    };
    let Some(notice) = &state.notice else {
        return html! {};
    };
    let (class, role) = match notice.level {
        Level::Error => ("banner error", "alert"),
        Level::Info => ("banner info", "status"),
    };
    let dismiss = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::Dismiss))
    };
    html! {
        <div class={class} role={role} id="banner">
            <span class="banner-text">{ notice.text.clone() }</span>
            <button class="banner-close" aria-label="Dismiss" onclick={dismiss}>{ "×" }</button>
        </div>
    }
}
