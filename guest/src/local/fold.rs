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
    loop {
        let Some(bytes) = reader.next_record()? else {
            break;
        };
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
                let time = row
                    .items
                    .iter()
                    .find(|i| i.path.len() == 1 && i.path[0] == "_timestamp");
                if let Some(t) = time.and_then(|i| i.value.as_f64()) {
                    log.last_time = log.last_time.max(t);
                }
                visitor.history(&row);
            }
            Record::Summary(updates) => apply(&mut summary, &updates),
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
