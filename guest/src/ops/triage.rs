//! `triage`: `diagnose` of many runs in a few requests, as carefully as `diagnose` looks.
//!
//! 1. One request per page of 50 runs: each run's history keys, how it ended, and a whole-run
//!    `sampledHistory` of the usual metric names (the runs connection carries one per run);
//!    for a short run that is every row.
//! 2. The dense pass of every run ([`Dense`], the same windows `diagnose` fetches): the
//!    windows of all runs together, in as few requests as the server's limits allow
//!    ([`batch`]), with the keys some runs log under other names.
//! 3. The zoom rounds of every run with a suspect ([`Case`]), one request per round for all
//!    of them, until each suspect is at its exact step.
//! 4. When some runs ended badly (or stalled): their console tails and system metrics, all in
//!    one request, for the likely cause (`diagnose`'s crash findings; a console kept only in
//!    a log file is left to `diagnose`).
//!
//! The `#` line says how densely the sparsest run was sampled, and so which events an `ok`
//! may have missed.

use wandb_agent_commands::Triage;

use crate::analysis::detection::crash::{self, Ending};
use crate::analysis::detection::{
    guess_keys, speculative, Case, Dense, Finding, KeyChoice, Keys, Tracks,
};
use crate::analysis::dynamics::layers::GRADIENTS;
use crate::error::{AgentError, Result};
use crate::model::paths::{self, ProjectPath};
use crate::model::{
    check_limit, Coverage, ListOptions, ListedRun, RunRow, RunState, RunsQuery, RunsWith, Spec,
};
use crate::ops::{Context, Run};
use crate::source::Source;
use crate::text::numfmt::format_sig;

pub const DEFAULT_LAST: u32 = 20;
pub const MAX_LAST: u32 = 200;
/// Runs per page: with [`COARSE_SAMPLES`] for each of the usual keys, a page answers at most
/// ~100,000 rows (a few MB), well within the component's memory.
pub const PAGE_RUNS: u32 = 50;
/// Samples per key and run of the first, whole-run look (the dense pass follows).
pub const COARSE_SAMPLES: u32 = 500;
/// Findings that say something is wrong, most serious first (the schedule and the verdicts
/// are information; the layer findings need histograms triage does not read). The row shows
/// the run's most serious finding, the earliest of its kind.
const PROBLEMS: &[&[&str]] = &[
    &["divergence", "explosion", "growth"],
    &["crash"],
    &["spike"],
    &["overfitting"],
    &["plateau"],
];
const DIGITS: usize = 4;

impl Run for Triage {
    fn run(self, cx: &Context) -> Result<String> {
        let project = paths::parse_project_path(&self.project, cx.default_entity)?;
        let last = self.last.unwrap_or(DEFAULT_LAST);
        check_limit("last", last, MAX_LAST)?;
        let options = ListOptions {
            limit: last,
            include_crashed: true,
            include_short: true,
            filter: self.filter,
        };
        triage(cx.source, &project, &options)
    }
}

/// One run on its way through the triage.
struct Subject {
    row: RunRow,
    state: RunState,
    last_step: Option<u64>,
    /// Why it died, when it ended badly (step 4).
    crash: Vec<Finding>,
    /// `None` when the run's keys give nothing to diagnose (the reason is in `unread`).
    case: Option<Case>,
    /// What the passes covered of its keys.
    coverage: Coverage,
    unread: Option<String>,
    /// It logs per-layer gradient histograms, which triage does not read.
    layers: bool,
}

/// A run after its first look: its keys and tracks, and the dense pass still to fetch.
struct Looked {
    row: RunRow,
    state: RunState,
    last_step: Option<u64>,
    reading: std::result::Result<(Keys, Tracks, Dense), String>,
    layers: bool,
}

pub fn triage(source: &dyn Source, project: &ProjectPath, options: &ListOptions) -> Result<String> {
    let before = source.requests();
    let names = speculative(&KeyChoice::default());
    let coarse: Vec<Spec> = names
        .iter()
        .map(|k| Spec::of(k, COARSE_SAMPLES, None, None))
        .collect();
    let query = RunsQuery {
        options,
        per_page: options.limit.min(PAGE_RUNS),
        count_hidden: false,
        with: RunsWith::FirstLook(&coarse),
    };
    let mut looked: Vec<Looked> = Vec::new();
    source.runs(project, &query, &mut |listed| {
        looked.push(first_look(listed, &names)?);
        Ok((looked.len() as u32) < options.limit)
    })?;
    if looked.is_empty() {
        return Err(AgentError::NotFound(format!(
            "Project {project} has no runs matching the filters; {}",
            crate::hints::list_runs(&project.to_string(), true)
        )));
    }
    let mut subjects = dense_together(source, project, looked)?;
    zoom_together(source, project, &mut subjects)?;
    read_crashes(source, project, &mut subjects)?;
    let looked_at = subjects.len();
    let sparsest = subjects
        .iter()
        .filter(|s| s.case.is_some())
        .map(|s| s.coverage)
        .max_by_key(Coverage::safe_width)
        .unwrap_or(Coverage::Every);
    let rows: Vec<Row> = subjects.into_iter().map(Row::of).collect();
    Ok(render(
        &rows,
        looked_at,
        &sparsest,
        source.requests() - before,
    ))
}

/// A run's node on a page: its keys guessed, its whole-run series as tracks, its dense pass
/// planned.
fn first_look(listed: ListedRun, names: &[String]) -> Result<Looked> {
    let series = listed.series?;
    let row = listed.row?;
    let last_step = listed.keys.last_step;
    let available = listed.keys.available.unwrap_or_default();
    let reading = guess_keys(&available, &KeyChoice::default())
        .map(|keys| {
            let tracks = Tracks::whole_run(names.iter().cloned().zip(series), last_step);
            let dense = Dense::plan(&keys, &tracks, last_step, COARSE_SAMPLES);
            (keys, tracks, dense)
        })
        .map_err(|e| e.to_string());
    Ok(Looked {
        row,
        state: listed.run,
        last_step,
        reading,
        layers: available.iter().any(|k| k.starts_with(GRADIENTS)),
    })
}

/// Every run's dense pass, the windows of all runs together in as few requests as the
/// server's limits allow; then each run's suspects.
fn dense_together(
    source: &dyn Source,
    project: &ProjectPath,
    looked: Vec<Looked>,
) -> Result<Vec<Subject>> {
    let specs: Vec<Vec<Spec>> = looked
        .iter()
        .map(|l| {
            l.reading
                .as_ref()
                .map_or_else(|_| Vec::new(), |(_, _, d)| d.specs())
        })
        .collect();
    let asked: Vec<(&str, &[Spec])> = looked
        .iter()
        .zip(&specs)
        .filter(|(_, s)| !s.is_empty())
        .map(|(l, s)| (l.row.id.as_str(), s.as_slice()))
        .collect();
    let mut answers = source.histories(project, &asked)?.into_iter();
    let mut subjects = Vec::with_capacity(looked.len());
    for (l, specs) in looked.into_iter().zip(&specs) {
        let (case, coverage, unread) = match l.reading {
            Ok((keys, mut tracks, dense)) => {
                let got = if specs.is_empty() {
                    Vec::new()
                } else {
                    answers.next().unwrap_or_default()
                };
                let coverage = source.delivered(dense.absorb(&keys, &mut tracks, got));
                (Some(Case::open(keys, tracks)), coverage, None)
            }
            Err(reason) => (None, Coverage::Every, Some(reason)),
        };
        subjects.push(Subject {
            row: l.row,
            state: l.state,
            last_step: l.last_step,
            crash: Vec::new(),
            case,
            coverage,
            unread,
            layers: l.layers,
        });
    }
    Ok(subjects)
}

/// Every run's zoom rounds, one request per round for all runs that still have one.
fn zoom_together(
    source: &dyn Source,
    project: &ProjectPath,
    subjects: &mut [Subject],
) -> Result<()> {
    loop {
        let mut rounds = Vec::new();
        for (i, subject) in subjects.iter_mut().enumerate() {
            if let Some(round) = subject.case.as_mut().and_then(Case::next_round) {
                rounds.push((i, round));
            }
        }
        if rounds.is_empty() {
            return Ok(());
        }
        let asked: Vec<(&str, &[Spec])> = rounds
            .iter()
            .map(|(i, round)| (subjects[*i].row.id.as_str(), round.specs.as_slice()))
            .collect();
        let answers = source.histories(project, &asked)?;
        for ((i, round), answer) in rounds.into_iter().zip(answers) {
            if let Some(case) = subjects[i].case.as_mut() {
                case.absorb(round, answer);
            }
        }
    }
}

/// The crash findings of every run that ended badly or stalled, from one request.
fn read_crashes(
    source: &dyn Source,
    project: &ProjectPath,
    subjects: &mut [Subject],
) -> Result<()> {
    let now = crate::text::timefmt::now_unix();
    let ended: Vec<(usize, Ending)> = subjects
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((i, crash::ending(&s.state, now)?)))
        .collect();
    if ended.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = ended
        .iter()
        .map(|(i, _)| subjects[*i].row.id.as_str())
        .collect();
    let contexts = source.crash_contexts(project, &ids)?;
    for ((i, ending), context) in ended.iter().zip(contexts) {
        let subject = &mut subjects[*i];
        subject.crash = crash::from_context(
            &context,
            ending,
            &subject.state,
            subject.last_step.unwrap_or(0),
        );
    }
    Ok(())
}

/// One run's line.
struct Row {
    run: RunRow,
    finding: Option<Finding>,
    /// The findings after the shown one, as `kind key step`.
    more: Vec<String>,
    /// Why the run's metrics could not be read.
    note: String,
    layers: bool,
}

impl Row {
    fn of(subject: Subject) -> Row {
        let Subject {
            row,
            case,
            unread,
            crash,
            layers,
            ..
        } = subject;
        let severity = |f: &Finding| PROBLEMS.iter().position(|kinds| kinds.contains(&f.kind));
        // Closing the case gives the crash findings their epochs too.
        let all = match case {
            Some(c) => {
                let mut extra = c.dynamics(None);
                extra.extend(crash);
                c.close(extra).0
            }
            None => crash,
        };
        let mut findings: Vec<Finding> =
            all.into_iter().filter(|f| severity(f).is_some()).collect();
        // Stable: within a kind of problem, the earliest step first.
        findings.sort_by_key(|f| severity(f));
        let more = findings
            .iter()
            .skip(1)
            .map(|f| format!("{} {} {}", f.kind, f.key, f.step))
            .collect();
        Row {
            finding: findings.into_iter().next(),
            more,
            note: unread.unwrap_or_default(),
            layers,
            run: row,
        }
    }
}

fn render(rows: &[Row], looked_at: usize, sparsest: &Coverage, requests: u32) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record([
        "id", "name", "state", "finding", "key", "step", "epoch", "detail",
    ]);
    let mut flagged = 0;
    for row in rows {
        let r = &row.run;
        // finding, key, step, epoch, detail
        let cells: [String; 5] = match &row.finding {
            Some(f) => {
                flagged += 1;
                // A crash row's value is its exit code, already in its detail.
                let mut detail = if f.kind == "crash" {
                    f.detail.clone()
                } else {
                    format!("{} {}", format_sig(f.value, DIGITS), f.detail)
                };
                if !row.more.is_empty() {
                    detail.push_str(&format!(
                        " (+{} more: {})",
                        row.more.len(),
                        row.more.join(", ")
                    ));
                }
                [
                    f.kind.to_string(),
                    f.key.clone(),
                    f.step.to_string(),
                    f.epoch.clone(),
                    detail,
                ]
            }
            None if !row.note.is_empty() => [
                "unread".into(),
                "".into(),
                "".into(),
                "".into(),
                row.note.clone(),
            ],
            // An `ok` does not cover what triage does not read.
            None => {
                let detail = if row.layers {
                    "layer gradients not read here: diagnose for dead or vanishing layers"
                } else {
                    ""
                };
                ["ok".into(), "".into(), "".into(), "".into(), detail.into()]
            }
        };
        let record = [&r.id, &r.name, &r.state].into_iter().chain(&cells);
        let _ = out.write_record(record);
    }
    let mut text = String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default();
    let covered = match sparsest {
        Coverage::Every => "every logged row".to_string(),
        other => format!("{} (sparsest run)", other.density()),
    };
    text.push_str(&format!(
        "# {looked_at} runs looked at, {flagged} with a problem; dense pass as diagnose's: {covered}; suspects zoomed to their exact step; {requests} request{}; diagnose a run for all its findings\n",
        if requests == 1 { "" } else { "s" }
    ));
    text
}
