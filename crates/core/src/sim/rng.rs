//! The simulation's only source of randomness: a seeded xoshiro256** generator (seeded through
//! SplitMix64, as its authors recommend) and the few distributions actors draw from. It is
//! `Clone` so checkpoints capture it; it knows nothing of actors or time units beyond plain
//! numbers. No global state, no OS entropy.

/// xoshiro256** (Blackman and Vigna): fast, small state, good enough statistics for a simulator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose whole sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Rng {
        let mut sm = seed;
        let mut next = || {
            sm = sm.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = sm;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    /// An independent stream for one actor: the scenario seed mixed with the actor's index, so
    /// adding an actor does not change the draws of the others.
    pub fn stream(seed: u64, index: u64) -> Rng {
        Rng::new(seed ^ index.wrapping_add(1).wrapping_mul(0xD1B5_4A32_D192_ED03))
    }

    pub fn next_u64(&mut self) -> u64 {
        let [s0, s1, s2, s3] = &mut self.s;
        let result = s1.wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = *s1 << 17;
        *s2 ^= *s0;
        *s3 ^= *s1;
        *s1 ^= *s2;
        *s0 ^= *s3;
        *s2 ^= t;
        *s3 = s3.rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (`0` when `n` is 0), by Lemire's multiply-shift.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }

    /// Exponentially distributed with the given mean (inverse transform).
    pub fn exponential(&mut self, mean: f64) -> f64 {
        // 1 - unit() is in (0, 1], so the logarithm is finite.
        -mean * (1.0 - self.unit()).ln()
    }

    /// [`Rng::exponential`] rounded to a whole number (of microseconds), half away from zero.
    /// Out of line: inlined into [`Dist::sample`], it made every caller's fixed latency dearer.
    #[inline(never)]
    pub fn exponential_us(&mut self, mean: f64) -> u64 {
        // The logarithm is first taken by `ln_close`, without a call to the library's (which
        // was half of a draw's cost): its error is far too small to move the draw across a
        // half, except when the draw lies within `CLOSE` of one, and only then is the
        // library's logarithm taken, so every draw is the whole number it always was.
        let x = 1.0 - self.unit();
        match round_clear(-mean * ln_close(x)) {
            Some(us) => us,
            None => round_to_u64(-mean * x.ln()),
        }
    }

    /// An index drawn with the given weights (all zero: the first).
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        self.weighted_of(weights, total(weights))
    }

    /// [`Rng::weighted`] with the weights' [`total`] known.
    pub fn weighted_of(&mut self, weights: &[u32], total: u64) -> usize {
        let mut pick = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if pick < u64::from(*w) {
                return i;
            }
            pick -= u64::from(*w);
        }
        0
    }
}

/// The sum of `weights`, which [`Rng::weighted_of`] draws against.
pub fn total(weights: &[u32]) -> u64 {
    weights.iter().map(|w| u64::from(*w)).sum()
}

/// A duration distribution in microseconds (processing time, latency).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    Fixed(u64),
    Uniform { min: u64, max: u64 },
    Exponential { mean: f64 },
}

impl Dist {
    /// Inlined: most draws are fixed latencies, which then cost no call.
    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> u64 {
        match *self {
            Dist::Fixed(us) => us,
            Dist::Uniform { min, max } => min + rng.below(max.saturating_sub(min) + 1),
            Dist::Exponential { mean } => rng.exponential_us(mean),
        }
    }

    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Fixed(us) => us as f64,
            Dist::Uniform { min, max } => (min as f64 + max as f64) / 2.0,
            Dist::Exponential { mean } => mean,
        }
    }
}

/// 2^53: below it every `f64` is exact as an integer part plus a fraction.
const TWO_53: f64 = (1u64 << 53) as f64;

/// How close (relative to the draw) to a half [`round_clear`] leaves a draw to the library's
/// logarithm: 2^-32, over a hundred times the most the two draws can differ. That is
/// 1.4e-12 of the draw: [`ln_close`]'s error (1.32e-12, relative) with a unit in the last
/// place for the library's `ln` and for each product's rounding.
const CLOSE: f64 = 1.0 / (1u64 << 32) as f64;

/// `ln(x)` for `x` in `[2^-53, 1]` (what `1 - unit()` gives), within 1.32e-12 of it (relative):
/// `x = 2^k·m` with `m` in about `[√½, √2)`, and `ln(m) = 2·atanh(s)` with `s = (m - 1)/(m + 1)`,
/// so `|s| < 0.1716`, summed to its `s^13` term: what is left, `2·Σ s^(2j+1)/(2j+1)` for
/// `j ≥ 7`, is below `2|s|·s^14/15/(1 - s²)`, 1.32e-12 of `2|s|`, which `|ln(m)|` exceeds.
/// As `|ln(m)| ≤ ln(√2) ≤ |ln(x)|` when `k < 0`, the error stays that small relative to
/// `ln(x)` too; the roundings (`m - 1` is exact) add a few units in the last place.
fn ln_close(x: f64) -> f64 {
    // Moves `x`'s exponent so that its mantissa lands in [√½, √2) (the split musl's `log`
    // makes): √½'s bits are 0x3FE6_A09E_667F_3BCD.
    const LOW: u64 = 0x3FE6_A09E_0000_0000;
    let bits = x.to_bits().wrapping_add(0x3FF0_0000_0000_0000 - LOW);
    let k = (bits >> 52) as i64 - 0x3FF;
    let m = f64::from_bits((bits & 0x000F_FFFF_FFFF_FFFF) + LOW);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let series = 1.0
        + z * (1.0 / 3.0
            + z * (1.0 / 5.0
                + z * (1.0 / 7.0 + z * (1.0 / 9.0 + z * (1.0 / 11.0 + z * (1.0 / 13.0))))));
    k as f64 * std::f64::consts::LN_2 + 2.0 * s * series
}

/// `y` rounded as [`round_to_u64`] rounds it, when every number within [`CLOSE`] of `y`
/// (relative) rounds the same: none if `y` is that close to a half, negative, not below
/// 2^52, or NaN (the bits of all of those are above 2^52's, as in [`round_to_u64`]).
///
/// Rounded by adding 2^52, where a unit is the last place: `y` goes to its nearest whole
/// number (a half to the even one, but a half is never clear), whose bits past 2^52's are
/// the number; without the conversions each way, which saturate and take a dozen steps.
fn round_clear(y: f64) -> Option<u64> {
    const TWO_52: f64 = (1u64 << 52) as f64;
    if y.to_bits() >= TWO_52.to_bits() {
        return None;
    }
    let nearest = y + TWO_52;
    let off = y - (nearest - TWO_52);
    (0.5 - off.abs() > y * CLOSE).then(|| nearest.to_bits() - TWO_52.to_bits())
}

/// `x.round() as u64`, without a call: `f64::round` is a library call on x86-64 without
/// SSE4.1, and was ~2% of a run (a draw per processing time and per Poisson gap). The
/// truncating cast saturates as `as` does (NaN and negatives are 0); below 2^53 the
/// fraction `x - whole` is exact, and from there on `x` is whole, so a half rounds up as in
/// `round`.
///
/// Every draw of a duration is below 2^53 (µs): there a signed conversion each way gives the
/// same numbers, in a few instructions where the unsigned ones (without AVX-512) take a dozen
/// each. The test is one integer comparison: a positive `f64` orders as its bits, and NaN,
/// negatives (-0.0 too) and larger values have bits above those of 2^53 (they take the
/// general path).
fn round_to_u64(x: f64) -> u64 {
    if x.to_bits() < TWO_53.to_bits() {
        let whole = x as i64;
        return whole as u64 + u64::from(x - whole as f64 >= 0.5);
    }
    let whole = x as u64;
    if x - whole as f64 >= 0.5 {
        whole.saturating_add(1)
    } else {
        whole
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_as_round_does() {
        let cases = [
            0.0,
            -0.0,
            0.4,
            0.5,
            0.49999999999999994,
            1.5,
            2.5,
            -0.4,
            -0.5,
            -3.7,
            123.456,
            4_503_599_627_370_495.5,
            9_007_199_254_740_991.0,
            9_007_199_254_740_992.0,
            9_007_199_254_740_993.0,
            f64::MIN_POSITIVE,
            5e-324,
            1.8446744073709552e19,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for x in cases {
            assert_eq!(round_to_u64(x), x.round() as u64, "{x}");
        }
        let mut r = Rng::new(3);
        for _ in 0..10_000 {
            let x = r.exponential(700.0);
            assert_eq!(round_to_u64(x), x.round() as u64, "{x}");
        }
    }

    #[test]
    fn ln_close_is_within_its_bound() {
        let check = |x: f64| {
            let (close, ln) = (ln_close(x), x.ln());
            assert!(
                (close - ln).abs() <= 1.4e-12 * ln.abs(),
                "{x}: {close} {ln}"
            );
        };
        let mut r = Rng::new(5);
        for _ in 0..1_000_000 {
            check(1.0 - r.unit());
        }
        let edges = (0..=53).map(|k| 0.5f64.powi(k));
        for edge in edges.chain((0..=53).map(|k| std::f64::consts::FRAC_1_SQRT_2 * 0.5f64.powi(k)))
        {
            let mut x = edge;
            for _ in 0..1000 {
                if x <= 1.0 {
                    check(x);
                }
                x = f64::from_bits(x.to_bits() - 1);
            }
            let mut x = edge;
            for _ in 0..1000 {
                if x <= 1.0 {
                    check(x);
                }
                x = f64::from_bits(x.to_bits() + 1);
            }
        }
        assert_eq!(ln_close(1.0), 0.0);
    }

    #[test]
    fn exponential_us_draws_what_the_library_logarithm_gives() {
        let means = [
            0.0, 1e-3, 0.3, 1.0, 7.5, 100.0, 500.0, 1000.0, 123_456.7, 1e6, 3.6e9, 1e15,
        ];
        for (i, mean) in means.into_iter().enumerate() {
            let mut a = Rng::new(i as u64);
            let mut b = a.clone();
            for _ in 0..200_000 {
                assert_eq!(
                    a.exponential_us(mean),
                    round_to_u64(b.exponential(mean)),
                    "{mean}"
                );
            }
        }
        for mean in [-1.0, f64::NAN, f64::INFINITY] {
            let mut a = Rng::new(9);
            let mut b = a.clone();
            assert_eq!(a.exponential_us(mean), round_to_u64(b.exponential(mean)));
        }
    }

    #[test]
    fn round_clear_leaves_what_is_close_to_a_half() {
        assert_eq!(round_clear(2.4), Some(2));
        assert_eq!(round_clear(2.6), Some(3));
        assert_eq!(round_clear(0.0), Some(0));
        assert_eq!(round_clear(2.5), None);
        assert_eq!(round_clear(2.5 * (1.0 + 0.5 * CLOSE)), None);
        assert_eq!(round_clear(2.5 * (1.0 + 2.0 * CLOSE)), Some(3));
        assert_eq!(round_clear(2.5 * (1.0 - 2.0 * CLOSE)), Some(2));
        for y in [-0.0, -1.0, f64::NAN, f64::INFINITY, TWO_53] {
            assert_eq!(round_clear(y), None, "{y}");
        }
    }

    #[test]
    fn same_seed_same_sequence_and_streams_differ() {
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(Rng::stream(7, 0).next_u64(), Rng::stream(7, 1).next_u64());
    }

    #[test]
    fn draws_stay_in_range_and_means_are_close() {
        let mut r = Rng::new(1);
        let n = 20_000;
        let mut sum = 0.0;
        for _ in 0..n {
            assert!(r.below(10) < 10);
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            sum += r.exponential(100.0);
        }
        let mean = sum / f64::from(n);
        assert!((90.0..110.0).contains(&mean), "{mean}");
        assert_eq!(r.below(0), 0);
        let picks = (0..1000).filter(|_| r.weighted(&[3, 1]) == 0).count();
        assert!((650..850).contains(&picks), "{picks}");
        assert_eq!(r.weighted(&[0, 0]), 0);
    }
}
