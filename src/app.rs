//! The page: a header with the product's name and the workspace below it.

use yew::prelude::*;

use crate::explorer::Explorer;

#[component]
pub fn App() -> Html {
    html! {
        <div class="app">
            <header class="topbar">
                <span class="logo" aria-hidden="true">{ "⇶" }</span>
                <h1 class="title">{ "Switchyard" }</h1>
                <span class="tagline">{ "see where every message goes" }</span>
            </header>
            <main class="workspace" id="workspace">
                <Explorer />
            </main>
        </div>
    }
}
