//! History reads: `sampledHistory` (random thinning, AND over keys, `maxStep` inclusive),
//! `history` (rows as JSON strings, `maxStep` exclusive) and `historyKeys`.

use rand::seq::IteratorRandom;
use serde_json::{json, Map, Value};

use crate::data::{unquote_markers, wire_float, NanWire, Run};

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

/// Steps in `[lo, hi]` (clamped to the run) where every key has a value, thinned at random to
/// at most `samples`, ascending. Random like the real server, so never trust one pass alone.
fn pick_steps(run: &Run, keys: &[String], lo: i64, hi: i64, samples: usize) -> Vec<u64> {
    let h = &run.history;
    let lo = lo.max(0) as u64;
    let hi = hi.min(h.last_step as i64);
    if hi < lo as i64 {
        return vec![];
    }
    let matching = (lo..=hi as u64).filter(|&step| keys.iter().all(|k| h.has(k, step)));
    let mut steps = if samples == 0 {
        vec![]
    } else {
        // Reservoir sampling keeps every step when fewer than `samples` match.
        matching.choose_multiple(&mut rand::rng(), samples)
    };
    steps.sort_unstable();
    steps
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
    let internal = [("_step", 1u64), ("_runtime", 1), ("_timestamp", 1)];
    let metrics = h.metrics.iter().map(|m| (m.name.as_str(), m.every));
    for (name, every) in internal.into_iter().chain(metrics) {
        let count = h.last_step / every + 1 + u64::from(!h.last_step.is_multiple_of(every));
        let last = json_value(run, name, h.last_step, h.nan_wire);
        keys.insert(
            name.into(),
            json!({"previousValue": last, "typeCounts": [{"type": "number", "count": count}]}),
        );
    }
    json!({"lastStep": h.last_step, "keys": keys})
}
