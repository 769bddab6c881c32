//! AMQP field values drawn for people: a header table as rows, nested tables and arrays
//! (`x-death` is an array of tables) as nested lists, strings without quotes, timestamps as
//! virtual seconds. It draws values; it knows nothing of where they came from.

use switchyard_core::shown::visible;
use switchyard_core::value::{Table, Value};
use yew::prelude::*;

/// A header table: one row per header, in the message's order. A list or a table (`x-death`)
/// goes under its name, across the panel: beside it, it would have only what the longest name
/// (`x-first-death-exchange`) leaves, and its words would break letter by letter.
pub(super) fn headers(table: &Table) -> Html {
    if table.is_empty() {
        return html! { <p class="muted">{ "no headers" }</p> };
    }
    html! {
        <table class="header-table">
            { for table.iter().map(|(name, v)| {
                let class = classes!(name.starts_with("x-").then_some("broker"));
                let name = html! { <code>{ visible(name).into_owned() }</code> };
                let nested = matches!(v, Value::Table(_))
                    || matches!(v, Value::Array(items) if !items.is_empty());
                if nested {
                    html! {
                        <>
                            <tr {class}><th scope="row" colspan="2">{ name }</th></tr>
                            <tr class="nested"><td colspan="2">{ value(v) }</td></tr>
                        </>
                    }
                } else {
                    html! {
                        <tr {class}>
                            <th scope="row">{ name }</th>
                            <td>{ value(v) }</td>
                        </tr>
                    }
                }
            }) }
        </table>
    }
}

/// One value; tables and arrays nest.
pub(super) fn value(v: &Value) -> Html {
    match v {
        Value::Str(s) => html! { <code>{ visible(s).into_owned() }</code> },
        Value::Timestamp(t) => html! { <span>{ format!("{t} s (virtual)") }</span> },
        Value::Array(items) if items.is_empty() => html! { <span class="muted">{ "[]" }</span> },
        Value::Array(items) => html! {
            <ol class="array">
                { for items.iter().map(|item| html! { <li>{ value(item) }</li> }) }
            </ol>
        },
        Value::Table(t) => html! {
            <dl class="table">
                { for t.iter().map(|(k, item)| html! {
                    <>
                        <dt>{ visible(k).into_owned() }</dt>
                        <dd>{ value(item) }</dd>
                    </>
                }) }
            </dl>
        },
        other => html! { <code>{ other.to_string() }</code> },
    }
}
