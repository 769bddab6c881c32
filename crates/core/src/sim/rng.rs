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
        round_to_u64(self.exponential(mean))
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
