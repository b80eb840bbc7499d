//! `list-runs`: the macro view of a project, newest first, noise hidden.

use serde_json::Value;

use wandb_agent_commands::{ListRuns, RunFilter};

use crate::error::{AgentError, Result};
use crate::model::paths::{self, ProjectPath};
use crate::model::{
    check_limit, page_size, ListOptions, RunRow, RunsQuery, RunsWith, MAX_LIMIT, SHORT_MAX_SECONDS,
    SHORT_MAX_STEPS,
};
use crate::ops::{Context, Run};
use crate::source::filters;
use crate::text::clean;

pub const DEFAULT_LIMIT: u32 = 10;
/// What the listing left out, for the trailing line.
#[derive(Debug, Default, PartialEq)]
pub struct Hidden {
    /// How many runs the filters matched, when filters were given.
    pub matched: Option<i64>,
    pub crashed: i64,
    pub short: i64,
    /// Short runs shown all the same: every run that qualified was short.
    pub short_shown: i64,
    pub older: i64,
}

impl Run for ListRuns {
    fn run(self, cx: &Context) -> Result<String> {
        let project = paths::parse_project_path(&self.project, cx.default_entity)?;
        let options = ListOptions {
            limit: self.limit.unwrap_or(DEFAULT_LIMIT),
            include_crashed: self.include_crashed,
            include_short: self.include_short,
            filter: self.filter,
        };
        list_runs(cx, &project, &options, &self.columns)
    }
}

pub fn list_runs(
    cx: &Context,
    project: &ProjectPath,
    options: &ListOptions,
    columns: &[String],
) -> Result<String> {
    check_limit("limit", options.limit, MAX_LIMIT)?;
    for column in columns {
        filters::field_of(column)
            .map_err(|why| AgentError::BadInput(format!("--columns: {why}")))?;
    }
    let mut shown = Vec::new();
    let mut values = Vec::new();
    let mut short_hidden = 0i64;
    let mut consumed = 0i64;
    let with = if columns.is_empty() {
        RunsWith::Line
    } else {
        RunsWith::Values
    };
    let query = RunsQuery {
        options,
        per_page: page_size(options.limit),
        count_hidden: true,
        with,
    };
    // Short runs set aside, to show when nothing else qualifies (a directory of quick tries
    // would otherwise list nothing at all).
    let mut short_rows = Vec::new();
    let mut short_values = Vec::new();
    let counts = cx.source.runs(project, &query, &mut |listed| {
        let row = listed.row?;
        consumed += 1;
        let short = !options.include_short && row.is_short();
        if short {
            short_hidden += 1;
        }
        let (rows, vals) = if short {
            (&mut short_rows, &mut short_values)
        } else {
            (&mut shown, &mut values)
        };
        if (rows.len() as u32) < options.limit {
            if !columns.is_empty() {
                vals.push(column_values(listed.config?, listed.summary?, columns));
            }
            rows.push(row);
        }
        Ok((shown.len() as u32) < options.limit)
    })?;
    let mut short_shown = 0;
    if shown.is_empty() && !short_rows.is_empty() {
        short_shown = short_rows.len() as i64;
        short_hidden -= short_shown;
        shown = short_rows;
        values = short_values;
    }
    let (run_count, all_count) = (counts.matched, counts.all);
    let hidden = Hidden {
        matched: (options.filter != RunFilter::default()).then_some(run_count),
        crashed: if options.include_crashed {
            0
        } else {
            (all_count - run_count).max(0)
        },
        short: short_hidden,
        short_shown,
        older: (run_count - consumed).max(0),
    };
    Ok(render(&shown, &hidden, columns, &values))
}

/// The `--columns` values of one run node: `config.*` from its config, `summary.*` from
/// its summary metrics, as compact text ("" when the run has no such value).
fn column_values(config: Value, summary: Value, columns: &[String]) -> Vec<String> {
    let config = clean::clean_config(&config);
    let metrics = clean::clean_summary(&summary);
    let empty = serde_json::Map::new();
    let as_map = |v: &Value| v.as_object().cloned().unwrap_or_else(|| empty.clone());
    let (config, metrics) = (as_map(&config), as_map(&metrics));
    columns
        .iter()
        .map(|column| {
            let (root, path) = column.split_once('.').unwrap_or(("", column));
            let source = if root == "config" { &config } else { &metrics };
            match clean::value_at(source, path) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => clean::shorten(s),
                Some(other) => clean::shorten(&other.to_string()),
            }
        })
        .collect()
}

pub fn render(
    rows: &[RunRow],
    hidden: &Hidden,
    columns: &[String],
    values: &[Vec<String>],
) -> String {
    let mut out = csv::WriterBuilder::new().from_writer(Vec::new());
    // The exit code of failed runs is a first hint at why; the column appears only when a
    // shown run has one.
    let with_exit = rows.iter().any(|r| r.failure_exit().is_some());
    let mut header = vec!["id", "name", "state", "created_at", "runtime_s", "steps"];
    if with_exit {
        header.push("exit");
    }
    header.extend(columns.iter().map(String::as_str));
    let _ = out.write_record(&header);
    for (i, row) in rows.iter().enumerate() {
        let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        let mut record = vec![
            row.id.clone(),
            row.name.clone(),
            row.state.clone(),
            row.created_at.clone(),
            opt(row.runtime_s),
            opt(row.steps),
        ];
        if with_exit {
            record.push(opt(row.failure_exit()));
        }
        if let Some(extra) = values.get(i) {
            record.extend(extra.iter().cloned());
        }
        let _ = out.write_record(&record);
    }
    let mut text = String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default();
    let mut notes = Vec::new();
    if let Some(n) = hidden.matched {
        notes.push(format!("{n} runs match the filters"));
    }
    if hidden.crashed > 0 {
        notes.push(format!(
            "{} crashed hidden (include-crashed to show)",
            hidden.crashed
        ));
    }
    if hidden.short_shown > 0 {
        notes.push(format!(
            "every run that qualified is short (<{SHORT_MAX_STEPS} steps or <{SHORT_MAX_SECONDS}s): {} shown all the same",
            hidden.short_shown
        ));
    }
    if hidden.short > 0 {
        notes.push(format!(
            "{} short hidden (<{SHORT_MAX_STEPS} steps or <{SHORT_MAX_SECONDS}s; include-short to show)",
            hidden.short
        ));
    }
    if hidden.older > 0 {
        notes.push(format!("{} older not listed (raise limit)", hidden.older));
    }
    if !notes.is_empty() {
        text.push_str(&format!("# {}\n", notes.join("; ")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(state: &str, runtime: Option<i64>, steps: Option<i64>) -> RunRow {
        RunRow {
            id: "abcd1234".into(),
            name: "n".into(),
            state: state.into(),
            created_at: "2026-01-01T00:00:00".into(),
            runtime_s: runtime,
            steps,
            exitcode: None,
        }
    }

    #[test]
    fn the_exit_column_shows_only_for_failed_runs_with_a_code() {
        let failed = RunRow {
            exitcode: Some(137),
            ..row("failed", Some(100), Some(50))
        };
        let finished = RunRow {
            exitcode: Some(0),
            ..row("finished", Some(100), Some(50))
        };
        let text = render(&[finished.clone(), failed], &Hidden::default(), &[], &[]);
        assert_eq!(
            text.lines().take(3).collect::<Vec<_>>(),
            [
                "id,name,state,created_at,runtime_s,steps,exit",
                "abcd1234,n,finished,2026-01-01T00:00:00,100,50,",
                "abcd1234,n,failed,2026-01-01T00:00:00,100,50,137"
            ]
        );
        assert!(render(&[finished], &Hidden::default(), &[], &[])
            .starts_with("id,name,state,created_at,runtime_s,steps\n"));
    }

    #[test]
    fn short_runs() {
        assert!(row("finished", Some(30), Some(500)).is_short());
        assert!(row("failed", Some(3000), Some(3)).is_short());
        assert!(!row("finished", Some(3000), Some(500)).is_short());
        assert!(!row("running", Some(5), Some(1)).is_short());
        assert!(!row("finished", None, None).is_short());
    }

    #[test]
    fn renders_csv_with_trailing_note() {
        let mut r = row("finished", Some(61), Some(10));
        r.name = "fox, happy".into();
        let text = render(
            &[r],
            &Hidden {
                crashed: 2,
                short: 1,
                short_shown: 0,
                older: 0,
                matched: None,
            },
            &[],
            &[],
        );
        assert_eq!(
            text,
            "id,name,state,created_at,runtime_s,steps\n\
             abcd1234,\"fox, happy\",finished,2026-01-01T00:00:00,61,10\n\
             # 2 crashed hidden (include-crashed to show); 1 short hidden (<10 steps or <60s; include-short to show)\n"
        );
    }

    #[test]
    fn no_note_when_nothing_hidden() {
        let text = render(&[], &Hidden::default(), &[], &[]);
        assert_eq!(text, "id,name,state,created_at,runtime_s,steps\n");
    }
}
