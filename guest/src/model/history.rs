//! History: what is asked of a run's logged rows, and what comes back (series, tables, how
//! much of the run they cover).

use std::collections::BTreeMap;

use crate::error::{AgentError, Result};
use crate::model::console::RunState;
use crate::model::paths::RunPath;

/// Keys listed in a missing-key message before "… and N more".
const LISTED_KEYS: usize = 40;

/// One `sampledHistory` spec: its keys, how many rows to sample, an inclusive step window.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub keys: Vec<String>,
    pub samples: u32,
    pub min_step: Option<u64>,
    pub max_step: Option<u64>,
}

impl Spec {
    /// A spec of one key.
    pub fn of(key: &str, samples: u32, min_step: Option<u64>, max_step: Option<u64>) -> Spec {
        Spec {
            keys: vec![key.to_string()],
            samples,
            min_step,
            max_step,
        }
    }
}

/// One key's points, ascending by step; non-finite values are NaN/±inf.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub points: Vec<(u64, f64)>,
    /// Fewer rows came back than were asked for, so none were thinned: every logged row.
    pub complete: bool,
}

impl Series {
    /// The value at `step`, or else the last one logged before it.
    pub fn at_or_before(&self, step: u64) -> Option<(u64, f64)> {
        let i = self.points.partition_point(|(s, _)| *s <= step);
        i.checked_sub(1).map(|i| self.points[i])
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryTable {
    pub keys: Vec<String>,
    /// Ascending by step; `None` where a key has no value at that step.
    pub rows: Vec<Row>,
    /// Every key came back unthinned (each series was [`Series::complete`]).
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub step: u64,
    pub values: Vec<Option<f64>>,
}

impl HistoryTable {
    /// A complete one-key (`loss`) table, for tests of what reads tables.
    #[cfg(test)]
    pub fn of_loss(points: &[(u64, Option<f64>)]) -> HistoryTable {
        HistoryTable {
            keys: vec!["loss".into()],
            rows: points
                .iter()
                .map(|(s, v)| Row {
                    step: *s,
                    values: vec![*v],
                })
                .collect(),
            complete: true,
        }
    }

    /// Joins one series per key on `_step`.
    pub fn outer_join(keys: &[String], series: &[Series]) -> HistoryTable {
        let mut by_step: BTreeMap<u64, Vec<Option<f64>>> = BTreeMap::new();
        for (column, s) in series.iter().enumerate() {
            for &(step, value) in &s.points {
                by_step
                    .entry(step)
                    .or_insert_with(|| vec![None; keys.len()])[column] = Some(value);
            }
        }
        HistoryTable {
            keys: keys.to_vec(),
            rows: by_step
                .into_iter()
                .map(|(step, values)| Row { step, values })
                .collect(),
            complete: series.iter().all(|s| s.complete),
        }
    }
}

/// An event this many sample spacings wide is missed with chance under e^-5 (< 1%); the
/// coverage note calls narrower ones "may be missed".
pub const MISS_SPACINGS: u64 = 5;

/// What a fetch covered, for the `#` line an agent reads to decide whether to zoom in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Coverage {
    /// Every logged row in the range came back.
    Every,
    /// Thinned at random with at most `spacing` steps per sample per key, on average.
    Sampled { spacing: u64 },
    /// Thinned to `samples` rows per key over a range of unknown length (the server did not
    /// send the run's last step).
    Unsized { samples: u32 },
    /// Every logged row read, each key's kept as the extremes and first non-finite value of
    /// each run of about `spacing` steps (runs on disk too long to keep whole).
    Extremes { spacing: u64 },
}

impl Coverage {
    /// The narrowest event width that is still caught with high probability.
    pub fn safe_width(&self) -> u64 {
        match *self {
            Coverage::Every => 1,
            Coverage::Sampled { spacing } => spacing * MISS_SPACINGS,
            Coverage::Unsized { .. } => u64::MAX,
            // A spike keeps its peak at its step; only shorter shapes are blurred.
            Coverage::Extremes { spacing } => spacing,
        }
    }

    /// How dense the sampling was, and what it may have missed.
    pub fn density(&self) -> String {
        match *self {
            Coverage::Every => "every logged row in range".into(),
            Coverage::Sampled { spacing } => format!(
                "sampled at random ~1/{spacing} steps per key, may miss events <{} steps",
                self.safe_width()
            ),
            Coverage::Unsized { samples } => {
                format!("sampled at random ≤{samples}/key over a run of unknown length")
            }
            Coverage::Extremes { spacing } => format!(
                "every row read, kept as each ~{spacing} steps' extremes and NaN onsets per key"
            ),
        }
    }

    /// [`Coverage::density`] with the way to every row when some were thinned.
    pub fn note(&self) -> String {
        match self {
            Coverage::Every => self.density(),
            _ => format!("{} (min-step/max-step for every row)", self.density()),
        }
    }
}

/// The most rows per key a user may ask for with `samples`.
pub const MAX_SAMPLES: u32 = 100_000;

#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRequest {
    pub keys: Vec<String>,
    /// Rows per key to sample; `None` sizes a dense pass from the run's length.
    pub samples: Option<u32>,
    pub min_step: Option<u64>,
    pub max_step: Option<u64>,
}

impl HistoryRequest {
    /// Validates and normalises user input: trimmed, de-duplicated keys, `_step` implied.
    pub fn new(
        keys: &[String],
        samples: Option<u32>,
        min_step: Option<u64>,
        max_step: Option<u64>,
    ) -> Result<Self> {
        let mut clean: Vec<String> = Vec::new();
        // Each entry is one key, commas and all (the command line splits its own spelling).
        for key in keys.iter().map(|k| k.trim()) {
            if !key.is_empty() && key != "_step" && !clean.iter().any(|k| k == key) {
                clean.push(key.to_string());
            }
        }
        if clean.is_empty() {
            return Err(AgentError::BadInput(
                "no metric keys given: name the keys to read, e.g. `loss,val_loss` (see the run's summary for its keys)".into(),
            ));
        }
        if samples.is_some_and(|n| n == 0 || n > MAX_SAMPLES) {
            return Err(AgentError::BadInput(format!(
                "samples must be between 1 and {MAX_SAMPLES}"
            )));
        }
        if let (Some(a), Some(b)) = (min_step, max_step) {
            if a > b {
                return Err(AgentError::BadInput(format!(
                    "min-step {a} is after max-step {b}"
                )));
            }
        }
        Ok(HistoryRequest {
            keys: clean,
            samples,
            min_step,
            max_step,
        })
    }
}

/// The fetched table plus what the run says about itself.
pub struct Fetched {
    pub table: HistoryTable,
    pub last_step: Option<u64>,
    pub coverage: Coverage,
    /// Per key (in the table's order): every logged row in range came back, so a step
    /// computed from its rows (its minimum's, its first NaN's) is exact, not a sample's.
    pub exact: Vec<bool>,
}

/// What a run says about its logged keys (W&B: its `historyKeys`), when the source said.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunKeys {
    /// The run's last step.
    pub last_step: Option<u64>,
    /// The logged keys without the source's own `_`-prefixed ones, sorted.
    pub available: Option<Vec<String>>,
    /// How many rows logged each key.
    pub counts: BTreeMap<String, u64>,
}

/// One look at a run's history: how the run stands and its keys (when asked), and one series
/// per key of each spec asked, in order.
#[derive(Debug, Clone, Default)]
pub struct HistoryReply {
    pub run: RunState,
    pub keys: RunKeys,
    pub series: Vec<Series>,
}

impl RunKeys {
    /// Fails with the available keys when the run does not log some of the `wanted` keys.
    pub fn check(&self, wanted: &[String], run: &RunPath) -> Result<()> {
        let Some(available) = &self.available else {
            return Ok(()); // The source did not say; an empty result will speak for itself.
        };
        let missing: Vec<String> = wanted
            .iter()
            .filter(|k| !available.contains(k))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let mut listed = available
            .iter()
            .take(LISTED_KEYS)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if available.len() > LISTED_KEYS {
            listed.push_str(&format!(" … and {} more", available.len() - LISTED_KEYS));
        }
        let noun = if missing.len() == 1 { "key" } else { "keys" };
        Err(AgentError::MissingKeys {
            message: format!(
                "Run {} has no {noun} {}; available: {}",
                run.run_id,
                missing
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if listed.is_empty() {
                    "none".to_string()
                } else {
                    listed
                }
            ),
            missing,
            available: available.clone(),
        })
    }
}
