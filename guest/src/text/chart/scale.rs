//! Axes: a value range on a linear or log scale, mapped onto a span of pixels, with ticks at
//! round values and short labels for them (`0.25`, `1e-4`, `400k`, `1.2M`).

/// A y range this many times its smallest value (all values positive) is drawn on a log
/// scale: two orders of magnitude, where a linear axis flattens everything but the peak.
pub const LOG_RATIO: f64 = 100.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// The range, in the scale's own units (log10 of the values on a log scale).
    lo: f64,
    hi: f64,
    pub log: bool,
}

impl Scale {
    /// The scale for finite values from `min` to `max`: log when they are all positive and
    /// span [`LOG_RATIO`]; a flat range is widened so it has a middle.
    pub fn fit(min: f64, max: f64) -> Scale {
        if min > 0.0 && max / min >= LOG_RATIO {
            return Scale::new(min.log10(), max.log10(), true);
        }
        Scale::linear(min, max)
    }

    /// A linear scale from `min` to `max` (the x axis: steps).
    pub fn linear(min: f64, max: f64) -> Scale {
        Scale::new(min, max, false)
    }

    fn new(lo: f64, hi: f64, log: bool) -> Scale {
        // A range wider than an f64 holds (-1e308..1e308) is narrowed until it has a width.
        let (lo, hi) = if (hi - lo).is_finite() {
            (lo, hi)
        } else {
            (lo.max(f64::MIN / 4.0), hi.min(f64::MAX / 4.0))
        };
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            let half = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            (lo - half, hi + half)
        };
        Scale { lo, hi, log }
    }

    /// The range grown by `fraction` of it on each side (a peak then sits just below the top
    /// instead of on the frame).
    pub fn padded(self, fraction: f64) -> Scale {
        let pad = (self.hi - self.lo) * fraction;
        Scale {
            lo: self.lo - pad,
            hi: self.hi + pad,
            ..self
        }
    }

    /// The range in scale units (decades on a log scale).
    pub fn extent(&self) -> f64 {
        self.hi - self.lo
    }

    fn unit(&self, v: f64) -> f64 {
        if self.log {
            v.log10()
        } else {
            v
        }
    }

    /// Where `v` falls between the ends: 0 at `lo`, 1 at `hi`.
    pub fn fraction(&self, v: f64) -> f64 {
        (self.unit(v) - self.lo) / (self.hi - self.lo)
    }

    /// Values for at most `most` ticks within the range, at round numbers: 1, 2 or 5 times a
    /// power of ten apart, or whole decades on a log scale.
    pub fn ticks(&self, most: usize) -> Vec<Tick> {
        let most = most.max(2);
        if self.log {
            let (first, last) = (self.lo.ceil() as i32, self.hi.floor() as i32);
            let every = ((last - first) as usize / most + 1) as i32;
            return (first..=last)
                .filter(|k| k % every == 0)
                .map(|k| Tick {
                    value: 10f64.powi(k),
                    label: decade_label(k),
                })
                .collect();
        }
        let step = round_step(self.extent() / most as f64);
        let decimals = (-step.log10().floor()).max(0.0) as usize;
        let first = (self.lo / step).ceil();
        // Counted, not stepped until past `hi`: near f64's limits `k + 1.0 == k`.
        (0..=most * 2)
            .map(|i| (first + i as f64) * step)
            .take_while(|value| *value <= self.hi + step * 1e-9)
            .map(|value| Tick {
                value,
                label: value_label(value, step, decimals),
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    pub value: f64,
    pub label: String,
}

/// The smallest of 1, 2, 5 × 10^k that is at least `raw`.
pub fn round_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * power)
}

fn decade_label(k: i32) -> String {
    match k {
        -2..=3 => trimmed(10f64.powi(k), 2),
        _ => format!("1e{k}"),
    }
}

/// A linear tick: as many decimals as the tick step needs; very small or large values in
/// scientific notation.
fn value_label(value: f64, step: f64, decimals: usize) -> String {
    if value.abs() < step * 1e-6 {
        return "0".into();
    }
    if value.abs() >= 1e5 || step < 1e-3 {
        let digits = (value.abs().log10().floor() - step.log10().floor()).clamp(0.0, 16.0) as usize;
        let text = format!("{value:.digits$e}");
        // `2.50e-4` → `2.5e-4`.
        return match text.split_once('e') {
            Some((mantissa, exponent)) => {
                format!("{}e{exponent}", trim_zeros(mantissa))
            }
            None => text,
        };
    }
    trimmed(value, decimals)
}

/// A step on the x axis: every digit below 10,000, else `k` or `M` with up to 4 significant
/// digits (`250k`, `1.2M`).
pub fn step_label(step: f64) -> String {
    let (scaled, suffix) = if step >= 1e6 {
        (step / 1e6, "M")
    } else if step >= 1e4 {
        (step / 1e3, "k")
    } else {
        (step, "")
    };
    format!("{}{suffix}", trimmed(scaled, 3))
}

fn trimmed(v: f64, decimals: usize) -> String {
    trim_zeros(&format!("{v:.decimals$}")).to_string()
}

fn trim_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(scale: Scale, most: usize) -> Vec<String> {
        scale.ticks(most).into_iter().map(|t| t.label).collect()
    }

    #[test]
    fn linear_ticks_are_round() {
        assert_eq!(
            labels(Scale::fit(0.2011, 2.376), 5),
            ["0.5", "1", "1.5", "2"]
        );
        assert_eq!(
            labels(Scale::fit(0.0, 1.0), 5),
            ["0", "0.2", "0.4", "0.6", "0.8", "1"]
        );
        assert_eq!(labels(Scale::fit(-3.0, 3.0), 3), ["-2", "0", "2"]);
        assert_eq!(
            labels(Scale::fit(0.0, 0.0004), 4),
            ["0", "1e-4", "2e-4", "3e-4", "4e-4"]
        );
        assert_eq!(labels(Scale::fit(0.0, 1.2e6), 3), ["0", "5e5", "1e6"]);
    }

    #[test]
    fn a_flat_range_gets_a_middle() {
        let s = Scale::fit(5.0, 5.0);
        assert!(s.fraction(5.0) > 0.4 && s.fraction(5.0) < 0.6);
        assert_eq!(Scale::fit(0.0, 0.0).fraction(0.0), 0.5);
    }

    #[test]
    fn log_scale_for_orders_of_magnitude() {
        assert!(!Scale::fit(0.5, 40.0).log);
        assert!(!Scale::fit(-1.0, 1e6).log);
        let s = Scale::fit(0.5, 5e4);
        assert!(s.log);
        assert_eq!(labels(s, 6), ["1", "10", "100", "1000", "1e4"]);
        assert!((s.fraction(0.5)).abs() < 1e-12 && (s.fraction(5e4) - 1.0).abs() < 1e-12);
        // Too many decades for the room: every other one.
        assert_eq!(
            labels(Scale::fit(1e-6, 1e3), 5),
            ["1e-6", "1e-4", "0.01", "1", "100"]
        );
    }

    #[test]
    fn step_labels() {
        assert_eq!(step_label(0.0), "0");
        assert_eq!(step_label(2500.0), "2500");
        assert_eq!(step_label(400_000.0), "400k");
        assert_eq!(step_label(1_200_000.0), "1.2M");
        assert_eq!(step_label(812_345.0), "812.345k");
    }

    #[test]
    fn round_steps() {
        assert_eq!(round_step(0.3), 0.5);
        assert_eq!(round_step(2.0), 2.0);
        assert_eq!(round_step(7.0), 10.0);
        assert_eq!(round_step(0.0), 1.0);
    }
}
