//! `best`: among a project's most recent qualifying runs, rank by a metric and name the best.

use wandb_agent_commands::{Best, RunFilter};

use crate::analysis::direction::{direction, Direction, Mode};
use crate::error::{AgentError, Result};
use crate::model::paths::{self, ProjectPath};
use crate::model::{
    as_f64, check_limit, page_size, ListOptions, RunRow, RunsQuery, RunsWith, Spec, MAX_LIMIT,
};
use crate::ops::{Context, Run};
use crate::text::numfmt::format_sig;

pub const DEFAULT_LAST: u32 = 5;
/// Ranking rows shown; the rest are counted in the `#` line.
pub const SHOWN_RANKS: usize = 20;
/// History rows sampled per run when ranking by the best value over history.
pub const HISTORY_SAMPLES: u32 = 1000;
const DIGITS: usize = 4;

#[derive(Debug, Clone, PartialEq)]
pub struct BestOptions {
    pub last: u32,
    pub mode: Option<Mode>,
    pub include_crashed: bool,
    pub include_short: bool,
    /// Rank by the best value over (sampled) history instead of the summary's final value.
    pub over_history: bool,
    pub filter: RunFilter,
}

struct Candidate {
    row: RunRow,
    value: Option<f64>,
}

impl Run for Best {
    fn run(self, cx: &Context) -> Result<String> {
        let project = paths::parse_project_path(&self.project, cx.default_entity)?;
        let options = BestOptions {
            last: self.last.unwrap_or(DEFAULT_LAST),
            mode: self.mode,
            include_crashed: self.include_crashed,
            include_short: self.include_short,
            over_history: self.over_history,
            filter: self.filter,
        };
        best(cx, &project, &self.metric, &options)
    }
}

pub fn best(
    cx: &Context,
    project: &ProjectPath,
    metric: &str,
    options: &BestOptions,
) -> Result<String> {
    let metric = metric.trim();
    if metric.is_empty() {
        return Err(AgentError::BadInput(
            "no metric given: name one, e.g. `val_loss`".into(),
        ));
    }
    check_limit("last", options.last, MAX_LIMIT)?;
    let dir = direction(metric, options.mode)?;
    let list = ListOptions {
        limit: options.last,
        include_crashed: options.include_crashed,
        include_short: options.include_short,
        filter: options.filter.clone(),
    };
    let spec = Spec::of(metric, HISTORY_SAMPLES, None, None);
    let specs = std::slice::from_ref(&spec);
    let query = RunsQuery {
        options: &list,
        per_page: page_size(options.last),
        count_hidden: false,
        with: if options.over_history {
            RunsWith::History(specs)
        } else {
            RunsWith::Summary
        },
    };
    let mut candidates: Vec<Candidate> = Vec::new();
    cx.source.runs(project, &query, &mut |listed| {
        let row = listed.row?;
        if options.include_short || !row.is_short() {
            let value = if options.over_history {
                let curve = listed.series?.remove(0);
                best_of(curve.points.iter().map(|p| p.1), &dir)
            } else {
                // A NaN or infinite final value ranks nowhere: the run is listed as skipped.
                listed
                    .summary?
                    .get(metric)
                    .and_then(as_f64)
                    .filter(|v| v.is_finite())
            };
            candidates.push(Candidate { row, value });
        }
        Ok((candidates.len() as u32) < options.last)
    })?;
    if candidates.is_empty() {
        let excluded = excluded_runs(options);
        let qualify = if excluded.is_empty() {
            ""
        } else {
            " that qualify"
        };
        return Err(AgentError::NotFound(format!(
            "Project {project} has no runs{qualify}{excluded}; {}",
            crate::hints::list_runs(&project.to_string(), true)
        )));
    }
    render(&candidates, metric, &dir, options)
}

/// Which runs the candidate list leaves out, as a parenthesis for messages ("" if none).
fn excluded_runs(options: &BestOptions) -> &'static str {
    match (options.include_crashed, options.include_short) {
        (false, false) => " (crashed and short runs excluded)",
        (false, true) => " (crashed runs excluded)",
        (true, false) => " (short runs excluded)",
        (true, true) => "",
    }
}

fn best_of(values: impl Iterator<Item = f64>, dir: &Direction) -> Option<f64> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            Some(b) if !dir.better(v, b) => acc,
            _ => Some(v),
        })
}

fn render(
    candidates: &[Candidate],
    metric: &str,
    dir: &Direction,
    options: &BestOptions,
) -> Result<String> {
    let mut ranked: Vec<&Candidate> = candidates.iter().filter(|c| c.value.is_some()).collect();
    let skipped: Vec<&str> = candidates
        .iter()
        .filter(|c| c.value.is_none())
        .map(|c| c.row.id.as_str())
        .collect();
    // Stable: among equal values the newer run stays first.
    ranked.sort_by(|x, y| {
        let (a, b) = (x.value.unwrap_or(f64::NAN), y.value.unwrap_or(f64::NAN));
        if dir.better(a, b) {
            std::cmp::Ordering::Less
        } else if dir.better(b, a) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
    let scope = format!(
        "the {} newest runs{}",
        candidates.len(),
        excluded_runs(options)
    );
    let Some(winner) = ranked.first() else {
        return Err(AgentError::NotFound(format!(
            "none of {scope} has a `{metric}` value"
        )));
    };
    let value = |c: &Candidate| c.value.map(|v| format_sig(v, DIGITS)).unwrap_or_default();
    // The first line (`best,...`) has fewer fields than the table under it.
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let _ = out.write_record(["best", &winner.row.id, &winner.row.name, &value(winner)]);
    let _ = out.write_record(["rank", "id", "name", "state", "created_at", metric]);
    for (i, c) in ranked.iter().take(SHOWN_RANKS).enumerate() {
        let _ = out.write_record([
            &(i + 1).to_string(),
            &c.row.id,
            &c.row.name,
            &c.row.state,
            &c.row.created_at,
            &value(c),
        ]);
    }
    let mut text = String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default();
    let used = if options.over_history {
        format!("best {metric} over ≤{HISTORY_SAMPLES} sampled history rows per run")
    } else {
        format!("final {metric} from each run's summary")
    };
    let skipped = if skipped.is_empty() {
        String::new()
    } else {
        format!(
            "; skipped (no finite {metric}): {}",
            crate::text::id_list(&skipped)
        )
    };
    let hidden = match ranked.len().saturating_sub(SHOWN_RANKS) {
        0 => String::new(),
        n => format!("; {n} lower-ranked runs not shown"),
    };
    text.push_str(&format!(
        "# {used}; {}; among {scope}{skipped}{hidden}\n",
        dir.describe()
    ));
    Ok(text)
}
