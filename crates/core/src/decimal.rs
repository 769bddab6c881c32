//! Numbers as people read them, written with integer arithmetic. `f64`'s `Display` (`{}`,
//! `{:.1}`) links the standard float printer (Grisu with a Dragon fallback, about 13 KB of
//! WebAssembly); the figures Switchyard shows need a fixed number of decimals, which an integer
//! does exactly. Halves round away from zero (`{:.1}` of 0.25 is "0.2" in std, "0.3" here).

/// `x` with `places` decimals: `fixed(2.345, 2)` is "2.35"; `fixed(3.0, 0)` is "3".
/// Beyond ±9.2e18 / 10^places it saturates; not-a-number is "NaN", infinities "∞" / "-∞".
pub fn fixed(x: f64, places: u32) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "∞" } else { "-∞" }.to_owned();
    }
    let scale = 10u64.saturating_pow(places);
    // `as` saturates: the rounded magnitude in units of 10^-places.
    let units = (x.abs() * scale as f64).round() as u64;
    let sign = if x < 0.0 && units != 0 { "-" } else { "" };
    let whole = units / scale;
    if places == 0 {
        return format!("{sign}{whole}");
    }
    let fraction = units % scale;
    format!("{sign}{whole}.{fraction:0width$}", width = places as usize)
}

/// `x` with at most `places` decimals and no trailing zeros: `short(2.50, 3)` is "2.5",
/// `short(25.0, 3)` is "25".
pub fn short(x: f64, places: u32) -> String {
    let mut text = fixed(x, places);
    if text.contains('.') {
        let kept = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(kept);
    }
    if text == "-0" { "0".to_owned() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fixed_places() {
        assert_eq!(fixed(2.345, 2), "2.35");
        assert_eq!(fixed(3.0, 0), "3");
        assert_eq!(fixed(0.05, 1), "0.1");
        assert_eq!(fixed(-1.25, 1), "-1.3");
        assert_eq!(fixed(-0.01, 1), "0.0");
        assert_eq!(fixed(1234.5, 3), "1234.500");
        assert_eq!(fixed(f64::NAN, 1), "NaN");
        assert_eq!(fixed(f64::NEG_INFINITY, 1), "-∞");
    }

    #[test]
    fn short_trims() {
        assert_eq!(short(2.5, 3), "2.5");
        assert_eq!(short(25.0, 3), "25");
        assert_eq!(short(0.1, 3), "0.1");
        assert_eq!(short(0.0004, 3), "0");
        assert_eq!(short(-0.0004, 3), "0");
        assert_eq!(short(0.25, 3), "0.25");
    }

    proptest! {
        /// Away from exact halves, the digits are std's.
        #[test]
        fn agrees_with_std_away_from_halves(units in -10_000_000i64..10_000_000, places in 0u32..4) {
            // A value a third of a unit past a representable decimal: never a tie.
            let scale = 10f64.powi(places as i32);
            let x = (units as f64 + 0.3) / scale;
            prop_assert_eq!(fixed(x, places), format!("{:.*}", places as usize, x));
        }
    }
}
