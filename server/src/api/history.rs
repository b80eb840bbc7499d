//! History reads: `sampledHistory` (random thinning, AND over keys, `maxStep` inclusive),
//! `history` (rows as JSON strings, `maxStep` exclusive) and `historyKeys`.

use serde_json::{json, Map, Value};

use crate::model::nonfinite::{marker, unquote_markers};
use crate::model::run::Run;
use crate::model::series::NanWire;

/// Rows returned when a spec or query names no sample count.
pub const DEFAULT_SAMPLES: usize = 500;

/// One `sampledHistory` spec, as the clients send it.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    #[serde(default)]
    pub keys: Vec<String>,
    pub samples: Option<i64>,
    pub min_step: Option<i64>,
    pub max_step: Option<i64>,
}

/// The steps in `[lo, hi]` where every key has a value, as an arithmetic progression (the
/// intersection of the keys' own progressions) plus the run's last step when every key is
/// logged there, so that sampling costs O(samples) even for runs with millions of steps.
struct Matching {
    first: u64,
    stride: u64,
    count: u64,
    /// The last step, when it matches but is not on the progression.
    extra: Option<u64>,
}

impl Matching {
    fn new(run: &Run, keys: &[String], lo: i64, hi: i64) -> Matching {
        let none = Matching {
            first: 0,
            stride: 1,
            count: 0,
            extra: None,
        };
        let h = &run.history;
        let lo = lo.max(0) as u64;
        let hi = hi.min(h.last_step as i64);
        if hi < lo as i64 {
            return none;
        }
        let hi = hi as u64;
        // Steps ≡ residue (mod stride) for every key so far; `None` once two keys' progressions
        // never meet (then at most the last step matches). Every key is still looked at: a
        // missing one empties the result, and each decides whether the last step matches.
        let mut progression = Some((0u64, 1u64));
        let last = h.last_step;
        let mut all_at_last = true;
        for key in keys {
            let (offset, every) = match key.as_str() {
                "_step" | "_runtime" | "_timestamp" => (0, 1),
                _ => match h.metric(key) {
                    Some(m) => {
                        all_at_last &= m.logged_at(last, last);
                        (m.offset, m.every)
                    }
                    None => return none, // W&B drops rows lacking any requested key.
                },
            };
            progression = progression.and_then(|(r, s)| intersect(r, s, offset, every));
        }
        let on_progression =
            |step: u64| progression.is_some_and(|(residue, stride)| step % stride == residue);
        let (first, stride, count) = match progression {
            None => (0, 1, 0),
            Some((residue, stride)) => {
                let first = if lo <= residue {
                    residue
                } else {
                    residue + (lo - residue).div_ceil(stride) * stride
                };
                let count = if first > hi {
                    0
                } else {
                    (hi - first) / stride + 1
                };
                (first, stride, count)
            }
        };
        let extra =
            (all_at_last && (lo..=hi).contains(&last) && !on_progression(last)).then_some(last);
        Matching {
            first,
            stride,
            count,
            extra,
        }
    }

    fn total(&self) -> u64 {
        self.count + u64::from(self.extra.is_some())
    }

    fn step(&self, index: u64) -> u64 {
        if index < self.count {
            self.first + index * self.stride
        } else {
            self.extra.unwrap_or(self.first)
        }
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// The steps on both `r1 + k*m1` and `r2 + k*m2` (residues below their moduli), as one
/// progression `(residue, stride)`, or `None` when they never meet. The moduli are small (log
/// cadences), so a walk over one period is enough.
fn intersect(r1: u64, m1: u64, r2: u64, m2: u64) -> Option<(u64, u64)> {
    let stride = m1 / gcd(m1, m2) * m2;
    (0..stride / m1)
        .map(|k| r1 + k * m1)
        .find(|x| x % m2 == r2 % m2)
        .map(|x| (x, stride))
}

/// Steps in `[lo, hi]` (clamped to the run) where every key has a value, thinned at random to
/// at most `samples`, ascending. Random like the real server, so never trust one pass alone.
fn pick_steps(run: &Run, keys: &[String], lo: i64, hi: i64, samples: usize) -> Vec<u64> {
    let matching = Matching::new(run, keys, lo, hi);
    let total = matching.total();
    let mut steps: Vec<u64> = if total <= samples as u64 {
        (0..total).map(|i| matching.step(i)).collect()
    } else {
        sampler(run, keys, (lo, hi), total as usize, samples)
            .into_iter()
            .map(|i| matching.step(i as u64))
            .collect()
    };
    steps.sort_unstable();
    steps
}

/// A fixed seed for every sampling draw (`wandb-emulator --seed`), so that two calls with the
/// same question get the same rows: what a before/after comparison of outputs needs. Unset
/// (the default), sampling is fresh on every call, like W&B's.
static FIXED_SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

/// Makes every later sampling draw reproducible (first call wins).
pub fn fix_sampling_seed(seed: u64) {
    let _ = FIXED_SEED.set(seed);
}

fn sampler(
    run: &Run,
    keys: &[String],
    window: (i64, i64),
    total: usize,
    samples: usize,
) -> rand::seq::index::IndexVec {
    match FIXED_SEED.get() {
        None => rand::seq::index::sample(&mut rand::rng(), total, samples),
        Some(seed) => {
            use rand::SeedableRng;
            use std::hash::{Hash, Hasher};
            // The draw depends on the question only, not on the order requests arrive in.
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (seed, run.seed, keys, window, samples).hash(&mut h);
            let mut rng = rand::rngs::StdRng::seed_from_u64(h.finish());
            rand::seq::index::sample(&mut rng, total, samples)
        }
    }
}

pub fn sampled(run: &Run, spec: &Spec) -> Value {
    let samples = spec.samples.map_or(DEFAULT_SAMPLES, |s| s.max(0) as usize);
    let steps = pick_steps(
        run,
        &spec.keys,
        spec.min_step.unwrap_or(0),
        spec.max_step.unwrap_or(i64::MAX),
        samples,
    );
    let rows = steps
        .into_iter()
        .map(|step| {
            let mut row = Map::new();
            for key in &spec.keys {
                row.insert(
                    key.clone(),
                    json_value(run, key, step, run.history.nan_wire),
                );
            }
            Value::Object(row)
        })
        .collect();
    Value::Array(rows)
}

/// A JSON-typed field value for a float, in the run's wire encoding.
pub fn wire_float(x: f64, wire: NanWire) -> Value {
    if x.is_finite() {
        return serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number);
    }
    match wire {
        NanWire::String if x.is_nan() => Value::String("NaN".into()),
        NanWire::String if x > 0.0 => Value::String("Infinity".into()),
        NanWire::String => Value::String("-Infinity".into()),
        NanWire::BareToken => Value::String(marker(x)),
        NanWire::Null => Value::Null,
    }
}

fn json_value(run: &Run, key: &str, step: u64, wire: NanWire) -> Value {
    if key == "_step" {
        return Value::from(step);
    }
    match run.history.value(key, step, run.start_unix, run.seed) {
        Some(x) => wire_float(x, wire),
        None => Value::Null,
    }
}

/// `history(samples, minStep, maxStep)`: full rows as JSON strings, `maxStep` exclusive.
pub fn full_rows(
    run: &Run,
    samples: Option<i64>,
    min_step: Option<i64>,
    max_step: Option<i64>,
) -> Vec<String> {
    let samples = samples.map_or(DEFAULT_SAMPLES, |s| s.max(0) as usize);
    let hi = max_step.map_or(i64::MAX, |m| m - 1);
    let steps = pick_steps(run, &[], min_step.unwrap_or(0), hi, samples);
    steps
        .into_iter()
        .map(|step| {
            let mut row = Map::new();
            row.insert("_step".into(), Value::from(step));
            for key in ["_runtime", "_timestamp"]
                .into_iter()
                .chain(run.history.metrics.iter().map(|m| m.name.as_str()))
            {
                if let Some(x) = run.history.value(key, step, run.start_unix, run.seed) {
                    // History strings carry bare tokens, as the SDK uploads them.
                    row.insert(key.into(), wire_float(x, NanWire::BareToken));
                }
            }
            unquote_markers(&Value::Object(row).to_string())
        })
        .collect()
}

/// `historyKeys`: `{"lastStep": n, "keys": {key: {"previousValue": v, "typeCounts": [...]}}}`.
pub fn keys(run: &Run) -> Value {
    let h = &run.history;
    let mut keys = Map::new();
    let internal = ["_step", "_runtime", "_timestamp"].map(|n| (n, h.line_count(), h.last_step));
    let metrics = h.metrics.iter().map(|m| {
        let last = m.last_logged(h.last_step).unwrap_or(h.last_step);
        (m.name.as_str(), m.count(h.last_step), last)
    });
    for (name, count, last_logged) in internal.into_iter().chain(metrics) {
        let last = json_value(run, name, last_logged, h.nan_wire);
        keys.insert(
            name.into(),
            json!({"previousValue": last, "typeCounts": [{"type": "number", "count": count}]}),
        );
    }
    json!({"lastStep": h.last_step, "keys": keys})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{catalog, frameworks, vision};

    fn run(id: &str) -> Run {
        let store = catalog::store();
        store
            .projects
            .iter()
            .flat_map(|p| p.runs.iter())
            .find(|r| r.id == id)
            .unwrap()
            .clone()
    }

    /// The fast path must agree with checking every step.
    #[test]
    fn matching_steps_equal_a_full_scan() {
        let tidy = run("k5e6y7mx");
        let trainer = run(frameworks::trainer::ID);
        let lightning = run(frameworks::lightning::ID);
        let cases: [(&Run, Vec<&str>); 13] = [
            (&tidy, vec!["loss"]),
            (&tidy, vec!["val_loss"]),
            (&tidy, vec!["loss", "val_acc"]),
            (&tidy, vec!["_step", "lr", "val_loss"]),
            (&tidy, vec!["nope"]),
            // Progressions with offsets: shared rows, and rows that never meet.
            (&trainer, vec!["train/loss", "train/global_step"]),
            (&trainer, vec!["eval/loss"]),
            (&trainer, vec!["train/loss", "eval/loss"]),
            (&trainer, vec!["train/loss", "eval/loss", "nope"]),
            (&trainer, vec!["eval/loss", "train/loss", "_step"]),
            (&trainer, vec!["_step", "eval/accuracy"]),
            (&lightning, vec!["train_loss_step", "val_acc"]),
            (&lightning, vec!["val_loss", "epoch"]),
        ];
        for (r, keys) in cases {
            let keys: Vec<String> = keys.into_iter().map(String::from).collect();
            for (lo, hi) in [
                (0, 40_000),
                (999, 3001),
                (9_999, 10_000),
                (5, 5),
                (20_000, 30_000),
                (239_000, i64::MAX),
            ] {
                let fast = pick_steps(r, &keys, lo, hi, usize::MAX);
                let slow: Vec<u64> = (lo.max(0) as u64
                    ..=hi.min(r.history.last_step as i64).max(-1) as u64)
                    .filter(|&s| keys.iter().all(|k| r.history.has(k, s)))
                    .collect();
                assert_eq!(fast, slow, "{} {keys:?} {lo}..{hi}", r.id);
            }
        }
    }

    #[test]
    fn sampling_is_bounded_and_sorted() {
        let r = run(vision::long_run::ID);
        let steps = pick_steps(&r, &["loss".to_string()], 0, i64::MAX, 500);
        assert_eq!(steps.len(), 500);
        assert!(steps.windows(2).all(|w| w[0] < w[1]));
        assert!(steps.iter().all(|&s| s <= vision::long_run::LAST_STEP));
    }
}
