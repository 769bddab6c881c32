//! The lesson narration card: at a lesson's pause point the stage pauses and shows the step's
//! title and text here, with "Continue" (focused, so Enter or Space resumes). It draws the
//! step it is given; when to pause is the stage's business (`Simulation::next_pause_after`).

use switchyard_core::sim::scenario::LessonStep;
use web_sys::HtmlElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NarrationProps {
    /// The step shown (its index in the lesson), or none.
    pub step: Option<(usize, LessonStep)>,
    pub on_continue: Callback<()>,
    /// How many steps the lesson has, for "step 2 of 3" (0: not shown).
    #[prop_or_default]
    pub of: usize,
}

#[component]
pub fn Narration(props: &NarrationProps) -> Html {
    let button = use_node_ref();
    {
        let button = button.clone();
        let shown = props.step.as_ref().map(|(i, _)| *i);
        use_effect_with(shown, move |shown| {
            if shown.is_some()
                && let Some(b) = button.cast::<HtmlElement>()
            {
                // Focused so Enter or Space resumes, without scrolling the page to it.
                let options = web_sys::FocusOptions::new();
                options.set_prevent_scroll(true);
                let _ = b.focus_with_options(&options);
            }
        });
    }
    let Some((index, step)) = &props.step else {
        return html! {};
    };
    let onclick = {
        let cb = props.on_continue.clone();
        Callback::from(move |_: MouseEvent| cb.emit(()))
    };
    let counter = if props.of > 0 {
        format!("Lesson · step {} of {}", index + 1, props.of)
    } else {
        format!("Lesson · step {}", index + 1)
    };
    html! {
        <section class="panel narration" role="region" aria-label="Lesson" aria-live="polite">
            <p class="counter">{ counter }</p>
            <h2>{ &step.title }</h2>
            <p class="text">{ &step.text }</p>
            <button type="button" class="continue" ref={button} {onclick}>{ "Continue ▸" }</button>
        </section>
    }
}
