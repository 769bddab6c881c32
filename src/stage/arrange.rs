//! The automatic layout, for a scenario without one: producers, exchanges (by depth), queues,
//! consumers and stores in columns, each column's rows ordered so that links cross less, the
//! columns side by side with no room for empty ones, and the rows spread on a wide, flat drawing.

use std::collections::HashMap;

use switchyard_core::sim::NodeId;

use super::layout::{COLUMN, Link, ROW, Shape};

/// How much wider than tall an automatic layout may be before its rows spread.
const WIDE: f64 = 2.5;

/// Orders each column's rows by the mean row of their neighbours in the column before (a sweep
/// left to right), then in the column after (right to left): an exchange comes level with its
/// queues, a queue with its consumers. A shape with no neighbour there keeps its row; ties keep
/// their order.
pub(super) fn order_rows(shapes: &[Shape], columns: &mut [Vec<usize>], links: &[Link]) {
    let used: Vec<usize> = (0..columns.len())
        .filter(|&c| columns.get(c).is_some_and(|c| !c.is_empty()))
        .collect();
    let pairs: Vec<(usize, usize)> = used
        .windows(2)
        .filter_map(|w| Some((*w.first()?, *w.get(1)?)))
        .collect();
    for &(before, this) in &pairs {
        reorder(shapes, columns, links, this, before);
    }
    for &(this, after) in pairs.iter().rev() {
        reorder(shapes, columns, links, this, after);
    }
}

/// Sorts column `this` by where each shape's neighbours sit in column `by`.
fn reorder(shapes: &[Shape], columns: &mut [Vec<usize>], links: &[Link], this: usize, by: usize) {
    let rows_of = |column: Option<&Vec<usize>>| -> HashMap<NodeId, usize> {
        let ids = column.into_iter().flatten().filter_map(|i| shapes.get(*i));
        ids.enumerate().map(|(row, s)| (s.id, row)).collect()
    };
    let (here, there) = (rows_of(columns.get(this)), rows_of(columns.get(by)));
    // Per row of `this`: the sum and count of its neighbours' rows in `by`.
    let mut near = vec![(0.0, 0u32); here.len()];
    for l in links {
        for (a, b) in [(l.from, l.to), (l.to, l.from)] {
            if let (Some(&row), Some(&other)) = (here.get(&a), there.get(&b))
                && let Some(n) = near.get_mut(row)
            {
                *n = (n.0 + other as f64, n.1 + 1);
            }
        }
    }
    let Some(column) = columns.get_mut(this) else {
        return;
    };
    let mut keyed: Vec<(f64, usize, usize)> = (column.iter().zip(near).enumerate())
        .map(|(row, (&i, (sum, n)))| {
            let mean = if n == 0 {
                row as f64
            } else {
                sum / f64::from(n)
            };
            (mean, row, i)
        })
        .collect();
    switchyard_core::order::sort_by(&mut keyed, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    *column = keyed.into_iter().map(|(_, _, i)| i).collect();
}

/// Rows spread over the tallest column's height; empty columns take no room (a producer publishing
/// straight to a queue through the default exchange has no exchanges two to four hops deep).
/// A wide, flat drawing spreads its rows (up to twice [`ROW`]) so that it is at most about
/// [`WIDE`] times as wide as tall: fitted to the stage's width, its rows would otherwise come
/// closer than a shape and its label need.
pub(super) fn place_columns(shapes: &mut [Shape], columns: &[Vec<usize>]) {
    let used: Vec<&Vec<usize>> = columns.iter().filter(|c| !c.is_empty()).collect();
    let tallest = used.iter().map(|c| c.len()).max().unwrap_or(0) as f64;
    let width = used.len().saturating_sub(1) as f64 * COLUMN;
    let spread = width / (WIDE * (tallest - 1.0).max(1.0));
    let row_gap = spread.clamp(ROW, 2.0 * ROW);
    for (at, column) in used.into_iter().enumerate() {
        // A shorter column spreads its rows evenly over the tallest one's height (one row sits
        // in the middle), so that a few exchanges beside many queues keep room for their labels.
        let pitch = tallest * row_gap / column.len() as f64;
        for (row, i) in column.iter().enumerate() {
            if let Some(s) = shapes.get_mut(*i) {
                s.x = at as f64 * COLUMN;
                s.y = (row as f64 + 0.5) * pitch - row_gap / 2.0;
            }
        }
    }
}
