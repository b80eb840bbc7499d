//! A run's history as formulas: each metric is a curve, a logging cadence and planted
//! events, so a run with millions of steps costs no memory. Values are computed per step
//! on demand, deterministically (the same data every start).

/// How non-finite history values are written in JSON-typed fields (`sampledHistory`,
/// `historyKeys`). The real server's choice is not established (see docs/wandb-wire.md, "Non-finite values"), so
/// the demo data uses every plausible one somewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NanWire {
    /// `"NaN"`, `"Infinity"`, `"-Infinity"` (what the real server most likely sends).
    String,
    /// Bare `NaN` tokens: invalid JSON that some servers and older clients tolerate.
    BareToken,
    /// `null`.
    Null,
}

/// The shape of a metric over steps, before events and noise.
#[derive(Debug, Clone)]
pub enum Curve {
    /// Exponential decay from `start` towards `end` with time constant `tau` steps.
    Decay { start: f64, end: f64, tau: f64 },
    /// Decay until `turn`, then a linear rise of `slope` per step (an overfitting val loss).
    DecayThenRise {
        start: f64,
        end: f64,
        tau: f64,
        turn: u64,
        slope: f64,
    },
    /// Constant.
    Const(f64),
    /// `step / steps_per_epoch`, rounded down: an `epoch` counter.
    Epoch { steps_per_epoch: u64 },
    /// `intercept + slope * step`, rounded to `decimals` when given: a run's own step counter
    /// (`train/global_step` when `_step` counts log calls) or a fractional epoch (`train/epoch`).
    Linear {
        slope: f64,
        intercept: f64,
        decimals: Option<i32>,
    },
}

/// Something that happens to a metric in a step range.
#[derive(Debug, Clone)]
pub enum Event {
    /// Multiply by `factor` for steps in `[from, to)`: a spike that recovers.
    Spike { from: u64, to: u64, factor: f64 },
    /// Multiply by `factor` from `from` on: an explosion that stays.
    Explode { from: u64, factor: f64 },
    /// NaN from `from` on: a divergence.
    NanFrom { from: u64 },
    /// A single non-finite value at `step`.
    Point { step: u64, value: f64 },
}

#[derive(Debug, Clone)]
pub struct Metric {
    pub name: String,
    /// Logged at steps `offset + k * every` (and at the last step when `at_last`).
    pub every: u64,
    pub offset: u64,
    /// Logged at the run's last step too, off its progression (a final log call).
    pub at_last: bool,
    pub curve: Curve,
    /// Relative noise amplitude (deterministic per step).
    pub noise: f64,
    pub events: Vec<Event>,
}

impl Metric {
    pub fn new(name: &str, every: u64, curve: Curve, noise: f64) -> Metric {
        Metric {
            name: name.into(),
            every,
            offset: 0,
            at_last: true,
            curve,
            noise,
            events: vec![],
        }
    }

    /// Logged at `offset + k * every` instead: keys of another log call, such as the
    /// Trainer's evaluation rows, which never share a `_step` with its training rows.
    pub fn offset(mut self, offset: u64) -> Metric {
        self.offset = offset % self.every;
        self
    }

    /// Not logged at the last step unless it is on the progression.
    pub fn only_on_cadence(mut self) -> Metric {
        self.at_last = false;
        self
    }

    pub fn on_progression(&self, step: u64) -> bool {
        step >= self.offset && (step - self.offset).is_multiple_of(self.every)
    }

    /// The last step this metric is logged at.
    pub fn last_logged(&self, last_step: u64) -> Option<u64> {
        if self.at_last || self.on_progression(last_step) {
            return Some(last_step);
        }
        (last_step >= self.offset)
            .then(|| self.offset + (last_step - self.offset) / self.every * self.every)
    }

    /// Logged rows in `[0, last_step]` (what `historyKeys` counts).
    pub fn count(&self, last_step: u64) -> u64 {
        let on = if last_step < self.offset {
            0
        } else {
            (last_step - self.offset) / self.every + 1
        };
        on + u64::from(self.at_last && !self.on_progression(last_step))
    }

    pub fn with(mut self, event: Event) -> Metric {
        self.events.push(event);
        self
    }

    pub fn logged_at(&self, step: u64, last_step: u64) -> bool {
        self.on_progression(step) || (self.at_last && step == last_step)
    }

    pub fn value(&self, step: u64, seed: u64) -> f64 {
        let s = step as f64;
        let mut v = match self.curve {
            Curve::Decay { start, end, tau } => end + (start - end) * (-s / tau).exp(),
            Curve::DecayThenRise {
                start,
                end,
                tau,
                turn,
                slope,
            } => {
                let base = end + (start - end) * (-s / tau).exp();
                if step > turn {
                    base + slope * (step - turn) as f64
                } else {
                    base
                }
            }
            Curve::Const(c) => c,
            Curve::Epoch { steps_per_epoch } => return (step / steps_per_epoch) as f64,
            Curve::Linear {
                slope,
                intercept,
                decimals,
            } => {
                let x = intercept + slope * s;
                return match decimals {
                    Some(d) => (x * 10f64.powi(d)).round() / 10f64.powi(d),
                    None => x,
                };
            }
        };
        v *= 1.0 + self.noise * (unit_noise(step, seed) - 0.5);
        for event in &self.events {
            match *event {
                Event::Spike { from, to, factor } if (from..to).contains(&step) => v *= factor,
                Event::Explode { from, factor } if step >= from => v *= factor,
                Event::NanFrom { from } if step >= from => v = f64::NAN,
                Event::Point { step: at, value } if at == step => v = value,
                _ => {}
            }
        }
        v
    }
}

/// A deterministic value in [0, 1) for a step (splitmix64), so data is the same every start.
fn unit_noise(step: u64, seed: u64) -> f64 {
    let mut z = step.wrapping_add(seed).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[derive(Debug, Clone)]
pub struct History {
    pub last_step: u64,
    /// Wall seconds per step, for `_runtime` and `_timestamp`.
    pub seconds_per_step: f64,
    pub metrics: Vec<Metric>,
    pub nan_wire: NanWire,
}

impl History {
    pub fn metric(&self, key: &str) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.name == key)
    }

    /// Whether `key` has a value at `step` (internal keys exist at every step).
    pub fn has(&self, key: &str, step: u64) -> bool {
        if step > self.last_step {
            return false;
        }
        match key {
            "_step" | "_runtime" | "_timestamp" => true,
            _ => self
                .metric(key)
                .is_some_and(|m| m.logged_at(step, self.last_step)),
        }
    }

    /// The value of `key` at `step`, if logged there.
    pub fn value(&self, key: &str, step: u64, start_unix: f64, seed: u64) -> Option<f64> {
        if !self.has(key, step) {
            return None;
        }
        Some(match key {
            "_step" => step as f64,
            "_runtime" => step as f64 * self.seconds_per_step,
            "_timestamp" => start_unix + step as f64 * self.seconds_per_step,
            _ => self.metric(key)?.value(step, seed),
        })
    }

    /// Number of logged rows: every step has at least the internal keys.
    pub fn line_count(&self) -> u64 {
        self.last_step + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cadence_and_events() {
        let m = Metric::new("val_loss", 1000, Curve::Const(2.0), 0.0)
            .with(Event::Spike {
                from: 3000,
                to: 3001,
                factor: 10.0,
            })
            .with(Event::NanFrom { from: 5000 });
        assert!(m.logged_at(0, 9999) && m.logged_at(9999, 9999) && !m.logged_at(10, 9999));
        assert_eq!(m.value(2000, 1), 2.0);
        assert_eq!(m.value(3000, 1), 20.0);
        assert!(m.value(6000, 1).is_nan());
        assert_eq!(m.count(9999), 11);
        let eval = Metric::new("eval/loss", 10, Curve::Const(1.0), 0.0)
            .offset(1)
            .only_on_cadence();
        assert!(eval.logged_at(1, 100) && eval.logged_at(91, 100) && !eval.logged_at(100, 100));
        assert_eq!(eval.count(100), 10);
        let counter = Metric::new(
            "train/global_step",
            2,
            Curve::Linear {
                slope: 5.0,
                intercept: 10.0,
                decimals: None,
            },
            0.0,
        );
        assert_eq!(counter.value(122_672, 7), 613_370.0);
    }
}
