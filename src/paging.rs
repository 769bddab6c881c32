//! Long lists shown a page at a time with a filter by name, as the management UI shows its
//! queues: a definitions export has thousands of queues, consumers or bindings, and the
//! panels re-render a few times a second, so thousands of rows would slow every frame. The
//! component that shows a list keeps its [`ListView`]; [`page_of`] picks the rows and
//! [`pager`] draws the filter and the page buttons.

use yew::prelude::*;

/// Rows a list shows at once; a longer one gets a filter and pages.
pub const PAGE: usize = 20;

/// What part of a long list is shown: the filter typed and the page (from 0).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListView {
    pub filter: String,
    pub page: usize,
}

/// The items of `names` (index, name) that `view` shows: those whose name contains the filter
/// (ignoring case), one page of them; with how many match and the page shown (clamped).
pub fn page_of<'a>(
    names: impl Iterator<Item = (usize, &'a str)>,
    view: &ListView,
) -> (Vec<usize>, usize, usize) {
    let filter = lowercase(view.filter.trim());
    let matching: Vec<usize> = names
        .filter(|(_, name)| filter.is_empty() || lowercase(name).contains(&filter))
        .map(|(i, _)| i)
        .collect();
    let pages = matching.len().div_ceil(PAGE).max(1);
    let page = view.page.min(pages - 1);
    let shown = matching
        .iter()
        .skip(page * PAGE)
        .take(PAGE)
        .copied()
        .collect();
    (shown, matching.len(), page)
}

/// `text` in lower case, as `str::to_lowercase` gives it. In the browser, a name that is not
/// ASCII is lowered by JavaScript's `toLowerCase` (the same Unicode mapping, final sigma
/// included), so the bundle holds no copy of Rust's case tables.
fn lowercase(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    #[cfg(target_arch = "wasm32")]
    return String::from(js_sys::JsString::from(text).to_lower_case());
    #[cfg(not(target_arch = "wasm32"))]
    return text.to_lowercase();
}

/// A list's view and how to change it.
#[derive(Clone, PartialEq)]
pub struct Paging {
    pub view: ListView,
    pub set: Callback<ListView>,
}

impl Paging {
    /// The view kept in a component's state.
    pub fn of(state: &UseStateHandle<ListView>) -> Paging {
        let handle = state.clone();
        Paging {
            view: (**state).clone(),
            set: Callback::from(move |view| handle.set(view)),
        }
    }
}

/// The filter and the page buttons of a list of `total` `what` (nothing for a short list):
/// "21–40 of 2,000", or "1–3 of 3 matching, of 2,000".
pub fn pager(
    what: &'static str,
    total: usize,
    matching: usize,
    page: usize,
    paging: &Paging,
) -> Html {
    if total <= PAGE {
        return html! {};
    }
    let view = &paging.view;
    let oninput = paging.set.reform(|e: InputEvent| {
        let input: web_sys::HtmlInputElement = e.target_unchecked_into();
        ListView {
            filter: input.value(),
            page: 0,
        }
    });
    let turn = |to: Option<usize>| {
        let (set, view) = (paging.set.clone(), view.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(page) = to {
                set.emit(ListView {
                    page,
                    ..view.clone()
                });
            }
        })
    };
    let last = matching.div_ceil(PAGE).max(1) - 1;
    let first = (page * PAGE + 1).min(matching);
    let upto = ((page + 1) * PAGE).min(matching);
    let shown = if view.filter.trim().is_empty() {
        format!("{first}–{upto} of {}", grouped(total))
    } else {
        format!(
            "{first}–{upto} of {} matching, of {}",
            grouped(matching),
            grouped(total)
        )
    };
    html! {
        <div class="list-pager">
            <label>
                { "Filter " }
                <input type="search" value={ view.filter.clone() } {oninput}
                       aria-label={ format!("filter {what} by name") } />
            </label>
            <button type="button" class="page-prev" disabled={ page == 0 }
                    aria-label={ format!("previous {what}") } onclick={ turn(page.checked_sub(1)) }>{ "‹" }</button>
            <span class="page-shown" aria-live="polite">{ shown }</span>
            <button type="button" class="page-next" disabled={ page >= last }
                    aria-label={ format!("next {what}") } onclick={ turn((page < last).then_some(page + 1)) }>{ "›" }</button>
        </div>
    }
}

/// `n` with thousands separated by commas: 2,000.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_is_shown_a_page_at_a_time_filtered_by_name() {
        let names: Vec<String> = (0..45).map(|i| format!("svc{i}.events")).collect();
        let all = || names.iter().map(String::as_str).enumerate();
        let view = |filter: &str, page| ListView {
            filter: filter.to_owned(),
            page,
        };
        let (shown, matching, page) = page_of(all(), &view("", 0));
        assert_eq!((shown.len(), matching, page), (PAGE, 45, 0));
        assert_eq!(shown.first(), Some(&0));
        let (shown, _, page) = page_of(all(), &view("", 2));
        assert_eq!((shown, page), ((40..45).collect::<Vec<_>>(), 2));
        // A page past the end shows the last one.
        assert_eq!(page_of(all(), &view("", 9)).2, 2);
        // svc1., svc10. to svc19.: case and spaces ignored.
        let (shown, matching, page) = page_of(all(), &view(" SVC1", 1));
        let ones: Vec<usize> = [1].into_iter().chain(10..20).collect();
        assert_eq!((shown, matching, page), (ones, 11, 0));
        let (nothing, matching, page) = page_of(all(), &view("nope", 3));
        assert_eq!((nothing.len(), matching, page), (0, 0, 0));
    }

    #[test]
    fn counts_are_grouped_in_thousands() {
        for (n, text) in [
            (0, "0"),
            (999, "999"),
            (2000, "2,000"),
            (1_234_567, "1,234,567"),
        ] {
            assert_eq!(grouped(n), text);
        }
    }
}
