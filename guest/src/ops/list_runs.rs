//! `list-runs`: the macro view of a project, newest first, noise hidden.

use serde_json::{json, Value};

use wandb_agent_commands::{ListRuns, RunFilter};

use crate::error::{AgentError, Result};
use crate::ops::{summary, Run};
use crate::text::timefmt;
use crate::wandb::paths::{self, ProjectPath};
use crate::wandb::{documents, filters, Client};

pub const DEFAULT_LIMIT: u32 = 10;
/// The most runs one listing shows (five pages).
pub const MAX_LIMIT: u32 = 1000;
/// A run that ended with fewer logged steps than this is "short" (a smoke test, a typo'd launch).
pub const SHORT_MAX_STEPS: i64 = 10;
/// A run that ended after less wall time than this (seconds) is "short".
pub const SHORT_MAX_SECONDS: i64 = 60;
/// The server's page size is not bounded by the client; stay modest.
const MAX_PAGE: u32 = 200;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListOptions {
    pub limit: u32,
    pub include_crashed: bool,
    pub include_short: bool,
    pub filter: RunFilter,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub id: String,
    pub name: String,
    pub state: String,
    pub created_at: String,
    pub runtime_s: Option<i64>,
    pub steps: Option<i64>,
    /// The process's exit code, as the server reports it (`exitcode`).
    pub exitcode: Option<i64>,
}

impl RunRow {
    pub fn from_node(node: &Value) -> Result<RunRow> {
        let text = |key: &str| {
            node.get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let id = text("name");
        if id.is_empty() {
            return Err(AgentError::Server(format!(
                "the server listed a run without an id: {node}"
            )));
        }
        let created_at = text("createdAt");
        let runtime_s = timefmt::seconds_between(&created_at, &text("heartbeatAt"));
        Ok(RunRow {
            id,
            // A display name can be anything a user typed; keep the table bounded.
            name: crate::ops::summary::shorten(&text("displayName")),
            state: text("state"),
            created_at,
            runtime_s,
            steps: node.get("historyLineCount").and_then(Value::as_i64),
            exitcode: node.get("exitcode").and_then(Value::as_i64),
        })
    }

    /// The exit code of a run that ended badly, when the server knows it.
    pub fn failure_exit(&self) -> Option<i64> {
        matches!(
            self.state.as_str(),
            "failed" | "crashed" | "killed" | "preempted"
        )
        .then_some(self.exitcode?)
    }

    /// Ended runs with almost no steps or seconds; a running run is never short.
    pub fn is_short(&self) -> bool {
        if self.state == "running" || self.state == "pending" {
            return false;
        }
        self.steps.is_some_and(|s| s < SHORT_MAX_STEPS)
            || self.runtime_s.is_some_and(|s| s < SHORT_MAX_SECONDS)
    }
}

/// What the listing left out, for the trailing line.
#[derive(Debug, Default, PartialEq)]
pub struct Hidden {
    /// How many runs the filters matched, when filters were given.
    pub matched: Option<i64>,
    pub crashed: i64,
    pub short: i64,
    pub older: i64,
}

/// The runs query's `filters` for `options` (crashed runs hidden unless asked for or named
/// by `state`), and the same without hiding crashed runs (to count what was hidden).
pub fn filters(options: &ListOptions) -> Result<(String, String)> {
    let now = timefmt::now_unix();
    let shown = filters::to_json(&options.filter, !options.include_crashed, now)?;
    let all = filters::to_json(&options.filter, false, now)?;
    Ok((shown.to_string(), all.to_string()))
}

/// Pages through a project's runs, newest first, with `document` (which must select
/// `runs { edges { node cursor } pageInfo { hasNextPage } }` under `project`), calling `visit`
/// on each run node until it returns `false` or the runs end. One request per page; the next
/// page starts at the last edge's cursor, as the official client does. Returns the `project`
/// object of the last page (for counts the document may ask for).
pub fn for_each_run(
    client: &Client,
    project: &ProjectPath,
    document: &str,
    variables: Value,
    mut visit: impl FnMut(&Value) -> Result<bool>,
) -> Result<Value> {
    let mut cursor = Value::Null;
    loop {
        let mut vars = variables.clone();
        vars["entity"] = json!(project.entity);
        vars["project"] = json!(project.project);
        vars["order"] = json!("-created_at");
        vars["cursor"] = cursor;
        let data = client.query(document, vars)?;
        let proj = data
            .get("project")
            .filter(|p| !p.is_null())
            .ok_or_else(|| {
                AgentError::NotFound(format!(
                    "Project {project} not found (or not visible with these credentials)"
                ))
            })?;
        let runs = proj.get("runs");
        let edges = runs
            .and_then(|r| r.get("edges"))
            .and_then(Value::as_array)
            .ok_or_else(|| {
                AgentError::Server(format!("{} sent a run list without edges", client.server))
            })?;
        let mut wants_more = true;
        for edge in edges {
            wants_more = visit(edge.get("node").unwrap_or(&Value::Null))?;
            if !wants_more {
                break;
            }
        }
        let has_next = runs
            .and_then(|r| r.pointer("/pageInfo/hasNextPage"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        match edges.last().and_then(|e| e.get("cursor")) {
            Some(c) if has_next && wants_more => cursor = c.clone(),
            _ => return Ok(proj.clone()),
        }
    }
}

/// Rows per page for `wanted` runs: a few more, so hidden short runs rarely cost a second page.
pub fn page_size(wanted: u32) -> u32 {
    (wanted + wanted / 2 + 5).min(MAX_PAGE)
}

impl Run for ListRuns {
    fn run(self, client: &Client) -> Result<String> {
        let project = paths::parse_project_path(&self.project, client.default_entity)?;
        let options = ListOptions {
            limit: self.limit.unwrap_or(DEFAULT_LIMIT),
            include_crashed: self.include_crashed,
            include_short: self.include_short,
            filter: self.filter,
        };
        list_runs(client, &project, &options, &self.columns)
    }
}

/// Checks a limit (`limit` for list-runs, `last` for the others) against `max` (usually
/// [`MAX_LIMIT`]).
pub fn check_limit(name: &str, limit: u32, max: u32) -> Result<()> {
    if limit == 0 || limit > max {
        return Err(AgentError::BadInput(format!(
            "{name} must be between 1 and {max}"
        )));
    }
    Ok(())
}

pub fn list_runs(
    client: &Client,
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
    let (listed, all) = filters(options)?;
    let variables =
        json!({"perPage": page_size(options.limit), "filters": listed, "allFilters": all});
    let document = if columns.is_empty() {
        documents::LIST_RUNS
    } else {
        documents::LIST_RUNS_WITH_VALUES
    };
    let last_page = for_each_run(client, project, document, variables, |node| {
        let row = RunRow::from_node(node)?;
        consumed += 1;
        if !options.include_short && row.is_short() {
            short_hidden += 1;
        } else {
            if !columns.is_empty() {
                values.push(column_values(node, columns, client.server)?);
            }
            shown.push(row);
        }
        Ok((shown.len() as u32) < options.limit)
    })?;
    let count = |key: &str| last_page.get(key).and_then(Value::as_i64).unwrap_or(0);
    let (run_count, all_count) = (count("runCount"), count("allRunCount"));
    let hidden = Hidden {
        matched: (options.filter != RunFilter::default()).then_some(run_count),
        crashed: if options.include_crashed {
            0
        } else {
            (all_count - run_count).max(0)
        },
        short: short_hidden,
        older: (run_count - consumed).max(0),
    };
    Ok(render(&shown, &hidden, columns, &values))
}

/// The `--columns` values of one run node: `config.*` from its config, `summary.*` from
/// its summary metrics, as compact text ("" when the run has no such value).
fn column_values(node: &Value, columns: &[String], server: &str) -> Result<Vec<String>> {
    let config = summary::clean_config(&summary::json_string_field(node, "config", server)?);
    let metrics =
        summary::clean_summary(&summary::json_string_field(node, "summaryMetrics", server)?);
    let empty = serde_json::Map::new();
    let as_map = |v: &Value| v.as_object().cloned().unwrap_or_else(|| empty.clone());
    let (config, metrics) = (as_map(&config), as_map(&metrics));
    Ok(columns
        .iter()
        .map(|column| {
            let (root, path) = column.split_once('.').unwrap_or(("", column));
            let source = if root == "config" { &config } else { &metrics };
            match summary::value_at(source, path) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => summary::shorten(s),
                Some(other) => summary::shorten(&other.to_string()),
            }
        })
        .collect())
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
