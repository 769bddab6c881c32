//! AMQP field values drawn for people: a header table as rows, nested tables and arrays
//! (`x-death` is an array of tables) as nested lists, strings without quotes, timestamps as
//! virtual seconds. It draws values; it knows nothing of where they came from.

use switchyard_core::value::{Table, Value};
use yew::prelude::*;

/// A header table: one row per header, in the message's order.
pub(super) fn headers(table: &Table) -> Html {
    if table.is_empty() {
        return html! { <p class="muted">{ "no headers" }</p> };
    }
    html! {
        <table class="header-table">
            { for table.iter().map(|(name, v)| html! {
                <tr class={classes!(name.starts_with("x-").then_some("broker"))}>
                    <th scope="row"><code>{ name }</code></th>
                    <td>{ value(v) }</td>
                </tr>
            }) }
        </table>
    }
}

/// One value; tables and arrays nest.
pub(super) fn value(v: &Value) -> Html {
    match v {
        Value::Str(s) => html! { <code>{ s }</code> },
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
                        <dt>{ k }</dt>
                        <dd>{ value(item) }</dd>
                    </>
                }) }
            </dl>
        },
        other => html! { <code>{ other.to_string() }</code> },
    }
}
