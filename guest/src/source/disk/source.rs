//! Runs on disk as a [`Source`]: the directories the host granted, under `/local/<i>`. A
//! project path `local/<i>` is granted directory `i` (a directory of runs, or one run); a run
//! path `local/<i>/<name>` is the run directory `name` in it (the name a listing shows). Each
//! run is read in one pass and kept for the rest of the call, so an operation that asks many
//! questions of one run (diagnose asks three to five) reads its file once. Every answer holds
//! every logged row: nothing is sampled.

use super::filter;
use super::framing::End;
use super::layout::{locate, Found, RunFile};
use super::run::{dir_name, DiskRun, Want};
use super::{bounded, window};
use crate::error::{AgentError, Result};
use crate::model::paths::{ProjectPath, RunPath};
use crate::model::{
    Coverage, CrashContext, Fetched, HistoryReply, HistoryRequest, HistoryTable, LinesFrom,
    ListedRun, RunCounts, RunValues, RunsQuery, Series, Spec, SystemMetrics, Tail, NO_CONSOLE,
};
use crate::source::{filters, Source};
use crate::text::timefmt;
use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Where the host mounts granted directories, and the entity of their paths.
pub const ROOT: &str = "/local";
const ENTITY: &str = "local";

/// Runs kept read within one call: a project operation visits each run a few times
/// (listing, then history, then crash context), one after the other.
const KEPT_RUNS: usize = 8;

/// The granted directories as a source.
#[derive(Default)]
pub struct Disk {
    /// Run logs read (the `#` lines count them where W&B counts requests).
    reads: Cell<u32>,
    kept: RefCell<Vec<Rc<DiskRun>>>,
}

/// Whether a project or run path names a granted directory: the host passes them as
/// `/local/<i>...` (W&B paths never start with `/`, so an entity named `local` stays W&B's).
pub fn is_local(path: &str) -> bool {
    path.trim().starts_with("/local/")
}

impl Disk {
    fn dir(&self, entity: &str, project: &str) -> Result<PathBuf> {
        if entity != ENTITY {
            return Err(AgentError::BadInput(format!(
                "{entity}/{project} is a W&B path: runs on disk and W&B runs cannot be read in one call"
            )));
        }
        Ok(Path::new(ROOT).join(project))
    }

    /// Every run `project` holds, oldest first.
    fn run_files(&self, project: &ProjectPath) -> Result<Vec<RunFile>> {
        let dir = self.dir(&project.entity, &project.project)?;
        Ok(match locate(&dir).map_err(AgentError::NotFound)? {
            Found::Run(run) => vec![run],
            Found::Runs(runs) => runs,
        })
    }

    /// The log of `run`: its directory granted on its own, or one in the granted directory.
    fn run_file(&self, run: &RunPath) -> Result<RunFile> {
        let dir = self.dir(&run.entity, &run.project)?;
        if let Ok(Found::Run(file)) = locate(&dir.join(&run.run_id)) {
            return Ok(file);
        }
        let project = run.project_path();
        let files = self.run_files(&project).unwrap_or_default();
        files
            .into_iter()
            .find(|f| dir_name(f) == run.run_id || f.id == run.run_id)
            .ok_or_else(|| {
                AgentError::NotFound(format!(
                    "Run {} not found in {}: no run directory of that name",
                    run.run_id,
                    dir.display()
                ))
            })
    }

    /// The run read, from this call's earlier reads when it was read already.
    fn read(&self, file: &RunFile) -> Result<Rc<DiskRun>> {
        if let Some(run) = self.kept.borrow().iter().find(|r| r.file.file == file.file) {
            return Ok(run.clone());
        }
        self.reads.set(self.reads.get() + 1);
        let run = Rc::new(DiskRun::read(file, timefmt::now_unix())?);
        let mut kept = self.kept.borrow_mut();
        if kept.len() == KEPT_RUNS {
            kept.remove(0);
        }
        kept.push(run.clone());
        Ok(run)
    }

    fn run(&self, run: &RunPath) -> Result<Rc<DiskRun>> {
        self.read(&self.run_file(run)?)
    }

    /// One series per key of each spec, in order: every logged row while a request's keys total at most
    /// [`SERVED_POINTS`] (at least each spec's samples), each key's extremes beyond.
    fn series(&self, run: &DiskRun, specs: &[Spec]) -> Result<Vec<Series>> {
        let keys: usize = specs.iter().map(|s| s.keys.len()).sum();
        let share = SERVED_POINTS / keys.max(1);
        let wants: Vec<Want> = specs
            .iter()
            .map(|spec| Want {
                keys: &spec.keys,
                min_step: spec.min_step,
                max_step: spec.max_step,
                cap: share.max(spec.samples as usize),
            })
            .collect();
        self.count_reread(run);
        run.series(&wants)
    }

    /// A pass of its own over a run's log counts as one more read in the `#` lines.
    fn count_reread(&self, run: &DiskRun) {
        if run.rereads() {
            self.reads.set(self.reads.get() + 1);
        }
    }
}

/// Points one request's series hold at most in all (16 bytes each), before each key's are
/// reduced to their extremes (`bounded`): memory stays bounded whatever the log's size.
pub const SERVED_POINTS: usize = 2_000_000;
/// Rows a history table holds at most in all (a row costs several times a point).
pub const TABLE_POINTS: usize = 500_000;

/// A history table of the series: every logged row, or (past the bound) each key's extremes,
/// said by the coverage and marked approximate.
fn fetched(keys: &[String], series: Vec<Series>, last_step: Option<u64>) -> Fetched {
    let coverage = series
        .iter()
        .filter(|s| !s.complete)
        .map(bounded::spacing)
        .max()
        .map_or(Coverage::Every, |spacing| Coverage::Extremes { spacing });
    Fetched {
        table: HistoryTable::outer_join(keys, &series),
        last_step,
        coverage,
        exact: series.iter().map(|s| s.complete).collect(),
    }
}

impl Source for Disk {
    fn name(&self) -> &str {
        "disk"
    }

    /// Thinned series here are every row reduced to extremes (`bounded`), never a sample.
    fn delivered(&self, planned: Coverage) -> Coverage {
        match planned {
            Coverage::Sampled { spacing } => Coverage::Extremes { spacing },
            other => other,
        }
    }

    fn requests(&self) -> u32 {
        self.reads.get()
    }

    fn runs(
        &self,
        project: &ProjectPath,
        query: &RunsQuery,
        visit: &mut dyn FnMut(ListedRun) -> Result<bool>,
    ) -> Result<RunCounts> {
        let now = timefmt::now_unix();
        let options = query.options;
        let shown = filters::to_json(&options.filter, !options.include_crashed, now)?;
        let all = filters::to_json(&options.filter, false, now)?;
        let specs: &[Spec] = match query.with {
            crate::model::RunsWith::History(specs) | crate::model::RunsWith::FirstLook(specs) => {
                specs
            }
            _ => &[],
        };
        let mut counts = RunCounts::default();
        let mut visiting = true;
        // Newest first, as W&B lists them (run directories are named after their start), one
        // run in memory at a time beyond those kept.
        for file in self.run_files(project)?.iter().rev() {
            let run = self.read(file)?;
            let doc = filter::document(&run);
            if filter::matches(&all, &doc) {
                counts.all += 1;
            }
            if !filter::matches(&shown, &doc) {
                continue;
            }
            counts.matched += 1;
            if visiting {
                visiting = visit(ListedRun {
                    row: Ok(run.row.clone()),
                    run: run.state.clone(),
                    keys: run.keys.clone(),
                    config: Ok(run.config.clone()),
                    summary: Ok(run.summary.clone()),
                    series: self.series(&run, specs),
                })?;
            }
        }
        if !query.count_hidden {
            counts.all = 0;
        }
        Ok(counts)
    }

    fn run_values(&self, run: &RunPath, specs: &[Spec]) -> Result<RunValues> {
        let read = self.run(run)?;
        Ok(RunValues {
            name: read.row.name.clone(),
            state: read.state.state.clone(),
            keys: read.keys.clone(),
            config: Ok(read.config.clone()),
            summary: Ok(read.summary.clone()),
            series: self.series(&read, specs),
        })
    }

    fn runs_values(&self, runs: &[RunPath], spec: &Spec) -> Result<Vec<Result<RunValues>>> {
        Ok(runs
            .iter()
            .map(|run| self.run_values(run, std::slice::from_ref(spec)))
            .collect())
    }

    fn history(&self, run: &RunPath, specs: &[Spec], with_keys: bool) -> Result<HistoryReply> {
        let read = self.run(run)?;
        Ok(HistoryReply {
            run: read.state.clone(),
            keys: if with_keys {
                read.keys.clone()
            } else {
                Default::default()
            },
            series: self.series(&read, specs)?,
        })
    }

    fn histories(
        &self,
        project: &ProjectPath,
        runs: &[(&str, &[Spec])],
    ) -> Result<Vec<Vec<Series>>> {
        runs.iter()
            .map(|(id, specs)| self.series(&*self.run(&run_in(project, id))?, specs))
            .collect()
    }

    fn history_table(&self, run: &RunPath, request: &HistoryRequest) -> Result<Fetched> {
        let file = self.run_file(run)?;
        let cap = TABLE_POINTS / request.keys.len().max(1);
        let kept = self.kept.borrow().iter().any(|r| r.file.file == file.file);
        // A step window of a long run not read yet: from the blocks that hold it.
        if let (Some(lo), Some(hi), false) = (request.min_step, request.max_step, kept) {
            if let Some(window) = window::read(&file.file, &request.keys, lo, hi, cap) {
                self.reads.set(self.reads.get() + 1);
                return Ok(fetched(&request.keys, window.series, window.last_step));
            }
        }
        let read = self.read(&file)?;
        read.keys.check(&request.keys, run)?;
        self.count_reread(&read);
        let series = read.series(&[Want {
            keys: &request.keys,
            min_step: request.min_step,
            max_step: request.max_step,
            cap,
        }])?;
        Ok(fetched(&request.keys, series, read.keys.last_step))
    }

    fn console(&self, run: &RunPath, last: u32) -> Result<Tail> {
        let read = self.run(run)?;
        let from = read.console.len().saturating_sub(last as usize);
        Ok(Tail {
            lines: read.console[from..].to_vec(),
            source: LinesFrom::Stream {
                total: Some(read.console_total),
            },
            run: read.state.clone(),
            requests: self.reads.get(),
        })
    }

    fn system(&self, run: &RunPath, _samples: u32) -> Result<SystemMetrics> {
        let read = self.run(run)?;
        Ok(SystemMetrics {
            metrics: read.metrics.clone(),
            bad_rows: 0,
            state: read.state.state.clone(),
        })
    }

    fn crash_context(&self, run: &RunPath) -> Result<CrashContext> {
        let read = self.run(run)?;
        Ok(CrashContext {
            lines: read.console.clone(),
            no_lines: NO_CONSOLE.to_string(),
            metrics: read.metrics.clone(),
        })
    }

    fn notes(&self) -> Vec<String> {
        self.kept
            .borrow()
            .iter()
            // A run being written ends mid-record as a matter of course: its state says so.
            .filter(|run| run.state.state != "running")
            .filter_map(|run| match run.end {
                End::Truncated { offset } => Some(format!(
                    "# {} ends mid-record after byte {offset} (cut, or its writer was killed): every whole record read",
                    run.file.file.display()
                )),
                End::Complete => None,
            })
            .collect()
    }

    fn crash_contexts(&self, project: &ProjectPath, runs: &[&str]) -> Result<Vec<CrashContext>> {
        runs.iter()
            .map(|id| self.crash_context(&run_in(project, id)))
            .collect()
    }
}

/// Run `id` of `project`.
fn run_in(project: &ProjectPath, id: &str) -> RunPath {
    RunPath {
        entity: project.entity.clone(),
        project: project.project.clone(),
        run_id: id.to_string(),
    }
}
