//! One run read from disk in one pass, with everything operations ask of a run kept: its line
//! in a listing, how it stands, config and summary as the W&B API stores them, its keys, every
//! value of every key (up to [`super::series::MAX_POINTS`] in all), the console's tail and the system
//! metrics.

use super::console::Console;
use super::fold::{self, RunInfo, RunLog, Visitor};
use super::framing::End;
use super::layout::RunFile;
use super::series::{Collect, KeyCounts};
use super::stats::SystemStats;
use crate::error::{AgentError, Result};
use crate::model::{Line, Metrics, RunKeys, RunRow, RunState, Series};
use crate::text::{clean, timefmt};
use serde_json::{json, Map, Value};

/// Console lines kept from the end (more than any operation shows).
pub const CONSOLE_LINES: usize = 1000;

/// A run on disk, read.
pub struct DiskRun {
    pub file: RunFile,
    pub info: RunInfo,
    pub row: RunRow,
    pub state: RunState,
    /// Each top-level key wrapped as `{"value": v}`, as the API stores a config.
    pub config: Value,
    pub summary: Value,
    pub keys: RunKeys,
    /// Every key's values, unless the run logged more than the collection keeps.
    series: Collect,
    pub console: Vec<Line>,
    pub console_total: u64,
    pub metrics: Metrics,
    pub end: End,
}

impl DiskRun {
    /// Reads `file` once; `now` (Unix seconds) decides whether a run with no exit record is
    /// still running. A file that is not a W&B log, or is damaged, is one line naming it.
    pub fn read(file: &RunFile, now: i64) -> Result<DiskRun> {
        let input = open(file)?;
        let mut series = Collect::all();
        let mut counts = KeyCounts::default();
        let mut console = Console::new(CONSOLE_LINES);
        let mut stats = SystemStats::default();
        let mut visitors: Vec<&mut dyn Visitor> =
            vec![&mut series, &mut counts, &mut console, &mut stats];
        let log = fold::read(input, &mut visitors).map_err(|e| damaged(file, e))?;
        let info = log.run.clone().unwrap_or_default();
        let start = if info.start_time > 0.0 {
            info.start_time
        } else {
            file.modified.unwrap_or(0) as f64
        };
        let (console, console_total) = console.finish();
        let state = run_state(&log, file, start, now);
        Ok(DiskRun {
            row: run_row(&info, file, &state),
            state,
            config: api_config(&log.config),
            summary: Value::Object(log.summary.clone()),
            keys: counts.run_keys(log.last_step),
            series,
            console,
            console_total,
            metrics: stats.into_metrics(start),
            end: log.end,
            info,
            file: file.clone(),
        })
    }

    /// Whether series are read by a pass of their own (the run has more values than a pass
    /// keeps for every key).
    pub fn rereads(&self) -> bool {
        self.series.overflowed
    }

    /// Each wanted window's series, key by key in order, each key's reduced past its cap
    /// (`bounded`): from the pass that read the run, or (when it kept no series: too many
    /// points) from one more pass for all of them.
    pub fn series(&self, wants: &[Want]) -> Result<Vec<Series>> {
        if !self.series.overflowed {
            return Ok(wants
                .iter()
                .flat_map(|w| {
                    w.keys
                        .iter()
                        .map(|k| self.series.series(k, w.min_step, w.max_step, w.cap))
                })
                .collect());
        }
        let mut own: Vec<Collect> = wants
            .iter()
            .map(|w| Collect::keys(w.keys, w.min_step, w.max_step, w.cap))
            .collect();
        fold::read_with(open(&self.file)?, &mut own, false).map_err(|e| damaged(&self.file, e))?;
        Ok(wants
            .iter()
            .zip(&own)
            .flat_map(|(w, c)| w.keys.iter().map(|k| c.series(k, None, None, w.cap)))
            .collect())
    }
}

/// Keys wanted in a step window, each with at most `cap` points.
pub struct Want<'a> {
    pub keys: &'a [String],
    pub min_step: Option<u64>,
    pub max_step: Option<u64>,
    pub cap: usize,
}

fn open(file: &RunFile) -> Result<std::io::BufReader<std::fs::File>> {
    std::fs::File::open(&file.file)
        .map(std::io::BufReader::new)
        .map_err(|e| AgentError::NotFound(format!("{}: {e}", file.file.display())))
}

fn damaged(file: &RunFile, e: super::framing::LogError) -> AgentError {
    AgentError::BadInput(format!("{}: {e}", file.file.display()))
}

/// The run directory's name: what a listing shows as the run's id and what is passed back to
/// name it (the id alone when the directory has another name).
pub fn dir_name(file: &RunFile) -> String {
    file.dir
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| n.starts_with("run-") || n.starts_with("offline-run-"))
        .map_or_else(|| file.id.clone(), str::to_string)
}

/// W&B's timestamp form: UTC, no zone designator.
pub fn iso(unix: f64) -> Option<String> {
    let at = chrono::DateTime::from_timestamp(unix.floor() as i64, 0)?;
    Some(at.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string())
}

/// The config as the API stores it: each top-level key wrapped as `{"value": v}`.
fn api_config(config: &Map<String, Value>) -> Value {
    Value::Object(
        config
            .iter()
            .map(|(k, v)| (k.clone(), json!({"value": v})))
            .collect(),
    )
}

fn run_state(log: &RunLog, file: &RunFile, start: f64, now: i64) -> RunState {
    RunState {
        state: fold::state(log, file.modified, now).to_string(),
        exitcode: log.exit.map(|e| i64::from(e.exit_code)),
        // A run with no exit record was last heard of when its file was last written (what
        // tells running from crashed), even when its records carry older times (a copy).
        heartbeat_at: iso(match (log.exit, file.modified) {
            (None, Some(modified)) => log.last_time.max(start).max(modified as f64),
            _ => log.last_time.max(start),
        }),
        created_at: iso(start),
        history_lines: Some(log.rows),
    }
}

fn run_row(info: &RunInfo, file: &RunFile, state: &RunState) -> RunRow {
    let created_at = state.created_at.clone().unwrap_or_default();
    let heartbeat = state.heartbeat_at.clone().unwrap_or_default();
    let display = if info.display_name.is_empty() {
        &file.id
    } else {
        &info.display_name
    };
    RunRow {
        id: dir_name(file),
        name: clean::shorten(display),
        state: state.state.clone(),
        runtime_s: timefmt::seconds_between(&created_at, &heartbeat),
        created_at,
        steps: state.history_lines.map(|n| n as i64),
        exitcode: state.exitcode,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture_tests::DEMO_DIR;
    use super::super::layout::{locate, Found};
    use super::*;

    #[test]
    fn the_demo_run_read_once() {
        let Found::Run(file) = locate(std::path::Path::new(DEMO_DIR)).unwrap() else {
            panic!()
        };
        let run = DiskRun::read(&file, 2_000_000_000).unwrap();
        assert_eq!(run.row.id, "offline-run-20261206_183549-demo0001");
        assert_eq!(run.row.name, "demo-explosion");
        assert_eq!(
            (run.row.state.as_str(), run.row.exitcode),
            ("failed", Some(1))
        );
        assert_eq!(run.row.steps, Some(321));
        assert!(run.row.created_at.starts_with("2026-12-06T18:35:"));
        assert!(run.row.runtime_s.is_some_and(|s| (3..60).contains(&s)));
        assert_eq!(run.config["lr"], json!({"value": 0.003}));
        assert_eq!(run.summary["loss"], "NaN");
        assert_eq!(run.keys.last_step, Some(320));
        let keys = ["loss".to_string()];
        let want = Want {
            keys: &keys,
            min_step: None,
            max_step: None,
            cap: 1_000,
        };
        let loss = run.series(&[want]).unwrap();
        assert_eq!(loss[0].points.len(), 321);
        assert!(run.console_total > 0 && !run.console.is_empty());
        assert_eq!(run.end, End::Complete);
    }
}
