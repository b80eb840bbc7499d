//! `triage`: the coarse `diagnose` of many runs in a few requests.
//!
//! 1. One request per page of 50 runs: each run's history keys, how it ended, and a whole-run
//!    `sampledHistory` of the usual metric names (the runs connection carries one per run).
//! 2. Only when some run's loss, gradient-norm, validation or clock keys have other names: one
//!    request for all such runs (aliases), with their own specs.
//! 3. The zoom rounds of every run with a suspect ([`Case`]), one request per round for all
//!    of them, until each suspect is at its exact step.
//! 4. When some runs ended badly (or stalled): their console tails and system metrics, all in
//!    one request, for the likely cause (`diagnose`'s crash findings; a console kept only in
//!    a log file is left to `diagnose`).
//!
//! There is no dense pass (that is `diagnose`'s): the `#` line says how densely each key was
//! sampled, and so which events may be too short to see.

use serde_json::{json, Value};

use wandb_agent_commands::Triage;

use crate::error::{AgentError, Result};
use crate::ops::diagnose::crash::{self, Ending};
use crate::ops::diagnose::{guess_keys, speculative, Case, Finding, KeyChoice, Tracks};
use crate::ops::list_runs::{self, ListOptions, RunRow};
use crate::ops::Run;
use crate::text::numfmt::format_sig;
use crate::wandb::console::{self, RunState};
use crate::wandb::graphql::Counting;
use crate::wandb::paths::{self, ProjectPath};
use crate::wandb::sampled;
use crate::wandb::series::{self, Series, Spec};
use crate::wandb::{documents, Client};

pub const DEFAULT_LAST: u32 = 20;
pub const MAX_LAST: u32 = 200;
/// Runs per page: with [`COARSE_SAMPLES`] for each of the usual keys, a page answers at most
/// ~100,000 rows (a few MB), well within the component's memory.
pub const PAGE_RUNS: u32 = 50;
/// Samples per key and run in the coarse pass.
pub const COARSE_SAMPLES: u32 = 500;
/// Findings that say something is wrong, most serious first (a plateau is not one). The row
/// shows the run's most serious finding, the earliest of its kind.
const PROBLEMS: &[&[&str]] = &[
    &["divergence", "explosion"],
    &["crash"],
    &["spike"],
    &["overfitting"],
];
const DIGITS: usize = 4;

impl Run for Triage {
    fn run(self, client: &Client) -> Result<String> {
        let project = paths::parse_project_path(&self.project, client.default_entity)?;
        let last = self.last.unwrap_or(DEFAULT_LAST);
        list_runs::check_limit("last", last, MAX_LAST)?;
        let options = ListOptions {
            limit: last,
            include_crashed: true,
            include_short: true,
            filter: self.filter,
        };
        triage(client, &project, &options)
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
    unread: Option<String>,
}

pub fn triage(client: &Client, project: &ProjectPath, options: &ListOptions) -> Result<String> {
    let counting = Counting::new(client.transport);
    let client = &client.via(&counting);
    let names = speculative(&KeyChoice::default());
    let coarse: Vec<Spec> = names
        .iter()
        .map(|k| Spec::of(k, COARSE_SAMPLES, None, None))
        .collect();
    let (filters, _) = list_runs::filters(options)?;
    let variables = json!({
        "perPage": options.limit.min(PAGE_RUNS),
        "filters": filters,
        "specs": coarse.iter().map(Spec::to_json).collect::<Vec<_>>(),
    });
    // Per run: its row, history keys and coarse series.
    let mut pages: Vec<(RunRow, RunState, Option<Value>, Vec<Series>)> = Vec::new();
    list_runs::for_each_run(
        client,
        project,
        documents::RUNS_FOR_TRIAGE,
        variables,
        |node| {
            let row = RunRow::from_node(node)?;
            let history_keys = node.get("historyKeys").filter(|v| !v.is_null()).cloned();
            let results = node.get("sampledHistory").cloned().unwrap_or(Value::Null);
            let series = series::parse_all(&coarse, &results, client.server)?;
            pages.push((row, RunState::of(node), history_keys, series));
            Ok((pages.len() as u32) < options.limit)
        },
    )?;
    if pages.is_empty() {
        return Err(AgentError::NotFound(format!(
            "Project {project} has no runs matching the filters; {}",
            crate::hints::list_runs(&project.to_string(), true)
        )));
    }
    let mut subjects = Vec::new();
    // Keys some runs log under other names than the usual ones: fetched for all such runs
    // in one request.
    let mut missing: Vec<(usize, Vec<String>)> = Vec::new();
    for (row, state, history_keys, series) in pages {
        let last_step = history_keys.as_ref().and_then(sampled::last_step);
        let available = sampled::available_keys(history_keys.as_ref()).unwrap_or_default();
        let (case, unread) = match guess_keys(&available, &KeyChoice::default()) {
            Ok(keys) => {
                let tracks = Tracks::whole_run(names.iter().cloned().zip(series), last_step);
                let wanted: Vec<String> = keys
                    .watched()
                    .into_iter()
                    .chain(keys.clocks())
                    .filter(|k| !tracks.has(k))
                    .cloned()
                    .collect();
                if !wanted.is_empty() {
                    missing.push((subjects.len(), wanted));
                }
                (Some((keys, tracks)), None)
            }
            Err(e) => (None, Some(e.to_string())),
        };
        subjects.push((row, state, last_step, case, unread));
    }
    if !missing.is_empty() {
        let specs: Vec<Vec<Spec>> = missing
            .iter()
            .map(|(_, keys)| {
                keys.iter()
                    .map(|k| Spec::of(k, COARSE_SAMPLES, None, None))
                    .collect()
            })
            .collect();
        let asked: Vec<(&str, &[Spec])> = missing
            .iter()
            .zip(&specs)
            .map(|((i, _), s)| (subjects[*i].0.id.as_str(), s.as_slice()))
            .collect();
        let answers = sampled::fetch_many(client, project, &asked)?;
        for ((i, keys), answer) in missing.iter().zip(answers) {
            let (_, _, last_step, case, _) = &mut subjects[*i];
            if let Some((_, tracks)) = case.as_mut() {
                tracks.absorb(Tracks::whole_run(
                    keys.iter().cloned().zip(answer),
                    *last_step,
                ));
            }
        }
    }
    let mut subjects: Vec<Subject> = subjects
        .into_iter()
        .map(|(row, state, last_step, case, unread)| Subject {
            row,
            state,
            last_step,
            crash: Vec::new(),
            case: case.map(|(keys, tracks)| Case::open(keys, tracks, false)),
            unread,
        })
        .collect();
    zoom_together(client, project, &mut subjects)?;
    read_crashes(client, project, &mut subjects)?;
    let looked_at = subjects.len();
    let rows: Vec<Row> = subjects.into_iter().map(Row::of).collect();
    Ok(render(&rows, looked_at, counting.count()))
}

/// Every run's zoom rounds, one request per round for all runs that still have one.
fn zoom_together(client: &Client, project: &ProjectPath, subjects: &mut [Subject]) -> Result<()> {
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
        let answers = sampled::fetch_many(client, project, &asked)?;
        for ((i, round), answer) in rounds.into_iter().zip(answers) {
            if let Some(case) = subjects[i].case.as_mut() {
                case.absorb(round, answer);
            }
        }
    }
}

/// The crash findings of every run that ended badly or stalled, from one request.
fn read_crashes(client: &Client, project: &ProjectPath, subjects: &mut [Subject]) -> Result<()> {
    let now = crate::text::timefmt::now_unix();
    let ended: Vec<(usize, Ending)> = subjects
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((i, crash::ending(&s.state, now)?)))
        .collect();
    if ended.is_empty() {
        return Ok(());
    }
    let mut variables = crash::context_variables();
    variables["entity"] = json!(project.entity);
    variables["project"] = json!(project.project);
    for (k, (i, _)) in ended.iter().enumerate() {
        variables[format!("n{k}")] = json!(subjects[*i].row.id);
    }
    let data = client.query(&documents::crash_contexts(ended.len()), variables)?;
    for (k, (i, ending)) in ended.iter().enumerate() {
        let subject = &mut subjects[*i];
        let node = documents::aliased_run(&data, k).ok_or_else(|| {
            AgentError::Server(format!(
                "{} sent no crash context for run {}",
                client.server, subject.row.id
            ))
        })?;
        let lines = console::streamed_lines(node).unwrap_or_default();
        // Runs synced by older clients keep their console only in a log file, on another
        // origin and one request each: that is left to `diagnose`, and the row says where.
        let no_lines = match console::log_file_in(node, client) {
            Some(file) if lines.is_empty() => crash::log_file_elsewhere(&file, client),
            _ => crash::NO_CONSOLE.to_string(),
        };
        subject.crash = crash::from_context(
            node,
            &lines,
            &no_lines,
            ending,
            &subject.state,
            subject.last_step.unwrap_or(0),
            client.server,
        )?;
    }
    Ok(())
}

/// One run's line.
struct Row {
    run: RunRow,
    finding: Option<Finding>,
    /// Findings after the shown one.
    more: usize,
    /// Why the run's metrics could not be read.
    note: String,
}

impl Row {
    fn of(subject: Subject) -> Row {
        let Subject {
            row,
            case,
            unread,
            crash,
            ..
        } = subject;
        let severity = |f: &Finding| PROBLEMS.iter().position(|kinds| kinds.contains(&f.kind));
        // Closing the case gives the crash findings their epochs too.
        let all = match case {
            Some(c) => c.close(crash).0,
            None => crash,
        };
        let mut findings: Vec<Finding> =
            all.into_iter().filter(|f| severity(f).is_some()).collect();
        // Stable: within a kind of problem, the earliest step first.
        findings.sort_by_key(|f| severity(f));
        let more = findings.len().saturating_sub(1);
        Row {
            finding: findings.into_iter().next(),
            more,
            note: unread.unwrap_or_default(),
            run: row,
        }
    }
}

fn render(rows: &[Row], looked_at: usize, requests: u32) -> String {
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
                if row.more > 0 {
                    detail.push_str(&format!(" (+{} more)", row.more));
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
            None => ["ok".into(), "".into(), "".into(), "".into(), "".into()],
        };
        let record = [&r.id, &r.name, &r.state].into_iter().chain(&cells);
        let _ = out.write_record(record);
    }
    let mut text = String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default();
    text.push_str(&format!(
        "# {looked_at} runs looked at, {flagged} with a problem; coarse pass of ≤{COARSE_SAMPLES} samples per key and run, suspects zoomed to their exact step; {requests} request{}; diagnose a run for all its findings\n",
        if requests == 1 { "" } else { "s" }
    ));
    text
}
