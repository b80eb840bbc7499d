//! W&B as a [`Source`]: each answer is what one of the GraphQL documents gives, read into
//! the model types, with the requests counted.

use serde_json::{json, Value};

use crate::error::Result;
use crate::model::paths::{ProjectPath, RunPath};
use crate::model::{
    CrashContext, Fetched, HistoryReply, HistoryRequest, ListedRun, RunCounts, RunRow, RunState,
    RunValues, RunsQuery, RunsWith, Series, Spec, SystemMetrics, Tail,
};
use crate::source::wandb::graphql::Counting;
use crate::source::wandb::{
    batch, console, crash, documents, events, graphql, history, lenient_json, runs, series, Client,
};
use crate::source::Source;

/// W&B's API through a client whose requests are counted.
pub struct Wandb<'a> {
    pub client: Client<'a>,
    counting: &'a Counting<'a>,
}

/// Runs `f` with `client` as a [`Source`], its requests counted from here.
pub fn with_source<T>(client: &Client, f: impl FnOnce(&Wandb) -> T) -> T {
    let counting = Counting::new(client.transport);
    let source = Wandb {
        client: client.via(&counting),
        counting: &counting,
    };
    f(&source)
}

impl Source for Wandb<'_> {
    fn name(&self) -> &str {
        self.client.server
    }

    fn requests(&self) -> u32 {
        self.counting.count()
    }

    fn runs(
        &self,
        project: &ProjectPath,
        query: &RunsQuery,
        visit: &mut dyn FnMut(ListedRun) -> Result<bool>,
    ) -> Result<RunCounts> {
        let (listed, all) = runs::filters(query.options)?;
        let mut variables = json!({"perPage": query.per_page, "filters": listed});
        if query.count_hidden {
            variables["allFilters"] = json!(all);
        }
        let (document, specs): (&str, &[Spec]) = match query.with {
            RunsWith::Line => (documents::LIST_RUNS, &[]),
            RunsWith::Values => (documents::LIST_RUNS_WITH_VALUES, &[]),
            RunsWith::Summary => (documents::RUNS_WITH_SUMMARY, &[]),
            RunsWith::History(specs) => (documents::RUNS_WITH_HISTORY, specs),
            RunsWith::FirstLook(specs) => (documents::RUNS_FOR_TRIAGE, specs),
        };
        if let RunsWith::History(_) | RunsWith::FirstLook(_) = query.with {
            variables["specs"] = json!(specs.iter().map(Spec::to_json).collect::<Vec<_>>());
        }
        let server = self.client.server;
        let last_page = runs::for_each_run(&self.client, project, document, variables, |node| {
            visit(listed_run(node, specs, server))
        })?;
        let count = |key: &str| last_page.get(key).and_then(Value::as_i64).unwrap_or(0);
        Ok(RunCounts {
            matched: count("runCount"),
            all: count("allRunCount"),
        })
    }

    fn run_values(&self, run: &RunPath, specs: &[Spec]) -> Result<RunValues> {
        let data = self.client.query(
            documents::RUN_SUMMARY,
            json!({"entity": run.entity, "project": run.project, "name": run.run_id,
                   "specs": specs.iter().map(Spec::to_json).collect::<Vec<_>>()}),
        )?;
        let node = graphql::run_node(&data, run)?;
        Ok(run_values(node, specs, self.client.server))
    }

    fn runs_values(&self, runs: &[RunPath], spec: &Spec) -> Result<Vec<Result<RunValues>>> {
        let mut variables = json!({"specs": [spec.to_json()]});
        for (i, run) in runs.iter().enumerate() {
            variables[format!("e{i}")] = json!(run.entity);
            variables[format!("p{i}")] = json!(run.project);
            variables[format!("n{i}")] = json!(run.run_id);
        }
        let data = self
            .client
            .query(&documents::compare_runs(runs.len()), variables)?;
        let specs = std::slice::from_ref(spec);
        Ok(runs
            .iter()
            .enumerate()
            .map(|(i, run)| {
                let project = data.get(documents::alias(i)).cloned();
                let wrapped = json!({"project": project.unwrap_or(Value::Null)});
                let node = graphql::run_node(&wrapped, run)?;
                Ok(run_values(node, specs, self.client.server))
            })
            .collect())
    }

    fn history(&self, run: &RunPath, specs: &[Spec], with_keys: bool) -> Result<HistoryReply> {
        let reply = history::fetch(&self.client, run, specs, with_keys)?;
        Ok(HistoryReply {
            run: reply.run,
            keys: history::run_keys(reply.history_keys.as_ref()),
            series: reply.series,
        })
    }

    fn histories(
        &self,
        project: &ProjectPath,
        runs: &[(&str, &[Spec])],
    ) -> Result<Vec<Vec<Series>>> {
        batch::fetch(&self.client, project, runs)
    }

    fn history_table(&self, run: &RunPath, request: &HistoryRequest) -> Result<Fetched> {
        history::fetch_table(&self.client, run, request)
    }

    fn console(&self, run: &RunPath, last: u32) -> Result<Tail> {
        console::tail(&self.client, run, last)
    }

    fn system(&self, run: &RunPath, samples: u32) -> Result<SystemMetrics> {
        let (node, metrics, bad_rows) = events::fetch(&self.client, run, samples)?;
        let state = node
            .get("state")
            .and_then(|s| s.as_str())
            .unwrap_or_default()
            .to_string();
        Ok(SystemMetrics {
            metrics,
            bad_rows,
            state,
        })
    }

    fn crash_context(&self, run: &RunPath) -> Result<CrashContext> {
        crash::context(&self.client, run)
    }

    fn crash_contexts(&self, project: &ProjectPath, runs: &[&str]) -> Result<Vec<CrashContext>> {
        crash::contexts(&self.client, project, runs)
    }
}

/// A run node of a runs page, each part read as far as the node has it.
fn listed_run(node: &Value, specs: &[Spec], server: &str) -> ListedRun {
    let history_keys = node.get("historyKeys").filter(|v| !v.is_null());
    ListedRun {
        row: RunRow::from_node(node),
        run: RunState::of(node),
        keys: history::run_keys(history_keys),
        config: lenient_json::json_string_field(node, "config", server),
        summary: lenient_json::json_string_field(node, "summaryMetrics", server),
        series: history_of(node, specs, server),
    }
}

/// A run node's config, summary, keys and series.
fn run_values(node: &Value, specs: &[Spec], server: &str) -> RunValues {
    let text = |key: &str| {
        node.get(key)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let history_keys = node.get("historyKeys").filter(|v| !v.is_null());
    RunValues {
        name: text("displayName"),
        state: text("state"),
        keys: history::run_keys(history_keys),
        config: lenient_json::json_string_field(node, "config", server),
        summary: lenient_json::json_string_field(node, "summaryMetrics", server),
        series: history_of(node, specs, server),
    }
}

/// The node's `sampledHistory` answering `specs` (none asked: none).
fn history_of(node: &Value, specs: &[Spec], server: &str) -> Result<Vec<Series>> {
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let results = node.get("sampledHistory").unwrap_or(&Value::Null);
    series::parse_all(specs, results, server)
}
