//! One streaming pass over a run's log: the run's identity, config, summary and end state are
//! folded as the records pass, and history rows, system stats and console pieces are handed
//! to a [`Visitor`] one at a time, so nothing grows with the number of steps.

use super::framing::{End, LogError, LogReader};
use super::records::{self, Exit, History, Output, Record, Stats};
use super::tree::Tree;
use serde_json::{Map, Value as Json};
use std::io::Read;

/// What an operation does with the records that come many times.
pub trait Visitor {
    fn history(&mut self, _row: &History<'_>) {}
    fn stats(&mut self, _stats: &Stats<'_>) {}
    fn output(&mut self, _piece: &Output<'_>) {}
}

/// Folds nothing beyond [`RunLog`] itself (a listing).
impl Visitor for () {}

/// A visitor lent to a pass (so that visitors of different kinds can share one, below).
impl<V: Visitor + ?Sized> Visitor for &mut V {
    fn history(&mut self, row: &History<'_>) {
        (**self).history(row);
    }
    fn stats(&mut self, stats: &Stats<'_>) {
        (**self).stats(stats);
    }
    fn output(&mut self, piece: &Output<'_>) {
        (**self).output(piece);
    }
}

/// Several visitors in the same pass (`Vec<&mut dyn Visitor>` for visitors of different kinds).
impl<V: Visitor> Visitor for Vec<V> {
    fn history(&mut self, row: &History<'_>) {
        self.iter_mut().for_each(|v| v.history(row));
    }
    fn stats(&mut self, stats: &Stats<'_>) {
        self.iter_mut().for_each(|v| v.stats(stats));
    }
    fn output(&mut self, piece: &Output<'_>) {
        self.iter_mut().for_each(|v| v.output(piece));
    }
}

/// The run record's identity, owned.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RunInfo {
    pub run_id: String,
    pub entity: String,
    pub project: String,
    pub display_name: String,
    pub group: String,
    pub job_type: String,
    pub notes: String,
    pub sweep_id: String,
    pub host: String,
    pub tags: Vec<String>,
    /// Unix seconds.
    pub start_time: f64,
}

/// Everything one pass learns about a run besides what the visitor took.
#[derive(Debug)]
pub struct RunLog {
    /// `None` when the file ends before the run record (a run just starting).
    pub run: Option<RunInfo>,
    pub config: Map<String, Json>,
    pub summary: Map<String, Json>,
    /// Present once the run ended: exit code 0 finished, anything else failed.
    pub exit: Option<Exit>,
    pub rows: u64,
    pub first_step: Option<i64>,
    pub last_step: Option<i64>,
    /// The newest time any record carries (a row's `_timestamp`, a stats or console
    /// record): the run's last sign of life, Unix seconds; 0 when none has one.
    pub last_time: f64,
    pub end: End,
}

/// Reads a whole log once.
pub fn read(input: impl Read, visitor: &mut dyn Visitor) -> Result<RunLog, LogError> {
    read_with(input, visitor, true)
}

/// [`read`], folding the summary only when `summary` (a listing does not show it, and
/// decoding its updates is two thirds of a long run's records).
pub fn read_with(
    input: impl Read,
    visitor: &mut dyn Visitor,
    summary_wanted: bool,
) -> Result<RunLog, LogError> {
    let mut reader = LogReader::new(input)?;
    let mut config = Tree::default();
    let mut summary = Tree::default();
    let mut log = RunLog {
        run: None,
        config: Map::new(),
        summary: Map::new(),
        exit: None,
        rows: 0,
        first_step: None,
        last_step: None,
        last_time: 0.0,
        end: End::Complete,
    };
    while let Some(bytes) = reader.next_record()? {
        let record = match records::decode(bytes) {
            Ok(record) => record,
            Err(e) => {
                return Err(LogError::BadRecord {
                    offset: reader.offset(),
                    what: e.0,
                })
            }
        };
        match record {
            Record::Run(run) => {
                for item in &run.config.update {
                    config.set(item);
                }
                log.run = Some(RunInfo {
                    run_id: run.run_id.into_owned(),
                    entity: run.entity.into_owned(),
                    project: run.project.into_owned(),
                    display_name: run.display_name.into_owned(),
                    group: run.group.into_owned(),
                    job_type: run.job_type.into_owned(),
                    notes: run.notes.into_owned(),
                    sweep_id: run.sweep_id.into_owned(),
                    host: run.host.into_owned(),
                    tags: run.tags.into_iter().map(|t| t.into_owned()).collect(),
                    start_time: run.start_time,
                });
            }
            Record::History(row) => {
                log.rows += 1;
                log.first_step.get_or_insert(row.step);
                log.last_step = Some(row.step);
                let time = row.items.iter().find(|i| i.path.is("_timestamp"));
                if let Some(t) = time.and_then(|i| i.value.as_f64()) {
                    log.last_time = log.last_time.max(t);
                }
                visitor.history(&row);
            }
            Record::Summary(body) if summary_wanted => match records::updates(body) {
                Ok(updates) => apply(&mut summary, &updates),
                Err(e) => {
                    return Err(LogError::BadRecord {
                        offset: reader.offset(),
                        what: e.0,
                    })
                }
            },
            Record::Summary(_) => {}
            Record::Config(updates) => apply(&mut config, &updates),
            Record::Stats(stats) => {
                log.last_time = log.last_time.max(stats.timestamp);
                visitor.stats(&stats);
            }
            Record::Output(piece) => {
                log.last_time = log.last_time.max(piece.timestamp);
                visitor.output(&piece);
            }
            Record::Exit(exit) => log.exit = Some(exit),
            Record::Other => {}
        }
    }
    log.end = reader.end().unwrap_or(End::Complete);
    log.config = config.into_json();
    log.summary = summary.into_json();
    Ok(log)
}

fn apply(tree: &mut Tree, updates: &records::Updates<'_>) {
    for item in &updates.update {
        tree.set(item);
    }
    for item in &updates.remove {
        tree.remove(item);
    }
}

/// How long a run with no exit record may stay silent before it counts as killed.
pub const CRASHED_AFTER_SECS: i64 = 600;

/// A run's state from its log: the exit record's code (0 finished, else failed); with none,
/// `running` while the file or its records changed within [`CRASHED_AFTER_SECS`], else
/// `crashed` (killed without a word: no heartbeat exists on disk, the newest write stands in).
pub fn state(log: &RunLog, modified: Option<i64>, now: i64) -> &'static str {
    match log.exit {
        Some(exit) if exit.exit_code == 0 => "finished",
        Some(_) => "failed",
        None => {
            let last = modified.unwrap_or(0).max(log.last_time as i64);
            if now - last > CRASHED_AFTER_SECS {
                "crashed"
            } else {
                "running"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states() {
        let mut log = read(&b":W&B\xe1\xbe\x00"[..], &mut ()).unwrap();
        log.last_time = 1000.0;
        assert_eq!(state(&log, Some(900), 1500), "running");
        assert_eq!(state(&log, Some(900), 1601), "crashed");
        assert_eq!(
            state(&log, Some(1200), 1700),
            "running",
            "a recent write counts"
        );
        log.exit = Some(Exit {
            exit_code: 0,
            runtime: 3,
        });
        assert_eq!(state(&log, None, 99_999), "finished");
        log.exit = Some(Exit {
            exit_code: -9,
            runtime: 3,
        });
        assert_eq!(state(&log, None, 0), "failed");
    }
}
