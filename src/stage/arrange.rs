//! The automatic layout, for a scenario without one: producers, exchanges (by depth), queues,
//! consumers and stores in columns, each column's rows ordered so that links cross less, the
//! columns side by side with no room for empty ones, the rows spread on a wide, flat drawing,
//! and long columns wrapped into sub-columns on a tall, narrow one (hundreds of queues).

use rustc_hash::FxHashMap;
use switchyard_core::sim::NodeId;

use super::layout::{COLUMN, Link, ROW, Shape};

/// How much wider than tall an automatic layout may be before its rows spread.
const WIDE: f64 = 2.5;
/// The stage a wrapped drawing is made for: the canvas of a 1366 px wide window less the fit's
/// margins (CSS pixels).
const STAGE: (f64, f64) = (548.0, 350.0);
/// Columns up to this many rows never wrap.
const WRAP_FROM: usize = 16;
/// A wrapped column keeps at least this many rows.
const MIN_ROWS: usize = 4;
/// The distance between the sub-columns of a wrapped column (closer than [`COLUMN`]: no links
/// run between them).
const SUB_COLUMN: f64 = 150.0;

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
    // FxHashMap: the same map type as the label pass's, so one copy of its code in the bundle.
    let rows_of = |column: Option<&Vec<usize>>| -> FxHashMap<NodeId, usize> {
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
/// closer than a shape and its label need. A tall, narrow one wraps each column longer than
/// [`rows_per_column`] into sub-columns, filled top to bottom, so that it fits the stage as a
/// block and not as a thin line.
pub(super) fn place_columns(shapes: &mut [Shape], columns: &[Vec<usize>]) {
    let used: Vec<&Vec<usize>> = columns.iter().filter(|c| !c.is_empty()).collect();
    let counts: Vec<usize> = used.iter().map(|c| c.len()).collect();
    let rows = rows_per_column(&counts);
    let tallest = rows as f64;
    let width = used.len().saturating_sub(1) as f64 * COLUMN;
    let spread = width / (WIDE * (tallest - 1.0).max(1.0));
    let row_gap = crate::stage::geometry::clamp(spread, ROW, 2.0 * ROW);
    let mut x = 0.0;
    for column in used {
        // A shorter column spreads its rows evenly over the tallest one's height (one row sits
        // in the middle), so that a few exchanges beside many queues keep room for their labels.
        let pitch = tallest * row_gap / column.len().min(rows) as f64;
        for (n, i) in column.iter().enumerate() {
            if let Some(s) = shapes.get_mut(*i) {
                let (sub, row) = (n / rows, n % rows);
                s.x = x + sub as f64 * SUB_COLUMN;
                s.y = (row as f64 + 0.5) * pitch - row_gap / 2.0;
            }
        }
        x += column.len().div_ceil(rows).saturating_sub(1) as f64 * SUB_COLUMN + COLUMN;
    }
}

/// The rows a column keeps before it wraps: the tallest column's if it is at most
/// [`WRAP_FROM`] rows; else the number (not below [`MIN_ROWS`]) at which the whole drawing
/// fits a typical stage ([`STAGE`]) at the largest scale, so a big export is drawn as large as
/// the stage allows (fewer rows make it wider, more rows taller).
fn rows_per_column(counts: &[usize]) -> usize {
    let tallest = counts.iter().copied().max().unwrap_or(0).max(1);
    if tallest <= WRAP_FROM {
        return tallest;
    }
    let scale = |rows: usize| {
        let subs: usize = counts.iter().map(|n| n.div_ceil(rows).max(1) - 1).sum();
        let gaps = counts.len().saturating_sub(1) as f64;
        let width = gaps * COLUMN + subs as f64 * SUB_COLUMN;
        let height = rows.saturating_sub(1) as f64 * ROW;
        (STAGE.0 / width.max(1.0)).min(STAGE.1 / height.max(1.0))
    };
    // The largest scale; on a tie, more rows (fewer sub-columns).
    (MIN_ROWS..=tallest)
        .map(|rows| (scale(rows), rows))
        .fold(
            (0.0, tallest),
            |best, (s, rows)| if s >= best.0 { (s, rows) } else { best },
        )
        .1
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchyard_core::sim::NodeKind;

    /// Shapes in columns of these sizes, placed.
    fn placed(counts: &[usize]) -> (Vec<Shape>, Vec<Vec<usize>>) {
        let mut shapes = Vec::new();
        let mut columns = Vec::new();
        for &n in counts {
            let start = shapes.len();
            shapes.extend((start..start + n).map(|i| Shape {
                id: NodeId(i as u32),
                kind: NodeKind::Queue,
                name: format!("q{i}"),
                tag: None,
                status: None,
                x: 0.0,
                y: 0.0,
            }));
            columns.push((start..start + n).collect());
        }
        place_columns(&mut shapes, &columns);
        (shapes, columns)
    }

    fn extent(shapes: &[Shape]) -> (f64, f64) {
        let span = |v: Vec<f64>| {
            let max = v.iter().copied().fold(f64::MIN, f64::max);
            max - v.iter().copied().fold(f64::MAX, f64::min)
        };
        (
            span(shapes.iter().map(|s| s.x).collect()),
            span(shapes.iter().map(|s| s.y).collect()),
        )
    }

    #[test]
    fn short_columns_never_wrap() {
        assert_eq!(rows_per_column(&[1, 3, 16]), 16);
        assert_eq!(rows_per_column(&[2, 12]), 12);
        // Many columns make a drawing wide enough already.
        assert_eq!(rows_per_column(&[20; 14]), 20);
        let (shapes, _) = placed(&[1, 3, 8]);
        let xs: Vec<f64> = shapes.iter().map(|s| s.x).collect();
        assert_eq!(
            xs,
            [
                0.0, 220.0, 220.0, 220.0, 440.0, 440.0, 440.0, 440.0, 440.0, 440.0, 440.0, 440.0
            ]
        );
    }

    /// A definitions export with 200 queues behind one exchange, and 1,000 consumers behind
    /// them: the long columns wrap into sub-columns, filled top to bottom, so the drawing fits
    /// a typical stage ([`STAGE`]) larger than unwrapped or wrapped at [`WRAP_FROM`] rows, with
    /// every shape in a place of its own and each column still left of the next.
    #[test]
    fn long_columns_wrap_into_a_block() {
        // The reference scenario's columns: 10 producers, 4 + 1 exchanges, 20 queues, 50
        // consumers wrap at 10 rows (a scale of 0.32 on the stage, against 0.2 at 16 rows).
        assert_eq!(rows_per_column(&[10, 4, 1, 20, 50]), 10);
        assert_eq!(rows_per_column(&[3, 40]), 7);
        for counts in [
            vec![1, 200],
            vec![1, 1, 200, 1000],
            vec![3, 40],
            vec![10, 4, 1, 20, 50],
        ] {
            let (shapes, columns) = placed(&counts);
            let (w, h) = extent(&shapes);
            let fitted = (STAGE.0 / w).min(STAGE.1 / h);
            let tallest = *counts.iter().max().unwrap();
            for rows in [WRAP_FROM, tallest] {
                let (subs, gaps) = (
                    counts.iter().map(|n| n.div_ceil(rows) - 1).sum::<usize>() as f64,
                    (counts.len() - 1) as f64,
                );
                let other = (STAGE.0 / (gaps * COLUMN + subs * SUB_COLUMN))
                    .min(STAGE.1 / ((rows - 1) as f64 * ROW));
                assert!(
                    fitted >= other * 0.95,
                    "{counts:?}: {fitted} against {other} at {rows} rows"
                );
            }
            let mut at: Vec<(i64, i64)> = shapes.iter().map(|s| (s.x as i64, s.y as i64)).collect();
            at.sort_unstable();
            at.dedup();
            assert_eq!(at.len(), shapes.len(), "{counts:?}: one shape per place");
            for pair in columns.windows(2) {
                let x = |c: &Vec<usize>, f: fn(f64, f64) -> f64, start| {
                    c.iter().map(|&i| shapes[i].x).fold(start, f)
                };
                let left = x(&pair[0], f64::max, f64::MIN);
                let right = x(&pair[1], f64::min, f64::MAX);
                assert!(right - left >= COLUMN, "{counts:?}: columns apart");
            }
            // Filled top to bottom: the second shape of a long column is below the first.
            let long = columns.iter().max_by_key(|c| c.len()).unwrap();
            assert_eq!(shapes[long[0]].x, shapes[long[1]].x);
            assert!(shapes[long[1]].y > shapes[long[0]].y);
        }
    }
}
