//! Every GraphQL document the component sends, in one place.
//!
//! Only fields and arguments the official client itself sends (docs/wandb-wire.md,
//! "Documents") appear here, so every real W&B server answers them.

use serde_json::Value;

/// Runs of a project, with the counts needed to say what was hidden: `runCount` under the
/// listing's filters, and under an alias the count under `$allFilters` (the same filters
/// without hiding crashed runs).
pub const LIST_RUNS: &str = "query Runs($project: String!, $entity: String!, $cursor: String, $perPage: Int = 50, $order: String, $filters: JSONString, $allFilters: JSONString) {
  project(name: $project, entityName: $entity) {
    runCount(filters: $filters)
    allRunCount: runCount(filters: $allFilters)
    runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
      edges { node { name displayName state createdAt heartbeatAt historyLineCount exitcode } cursor }
      pageInfo { endCursor hasNextPage }
    }
  }
}";

/// [`LIST_RUNS`] with each run's config and summary, for `--columns`.
pub const LIST_RUNS_WITH_VALUES: &str = "query Runs($project: String!, $entity: String!, $cursor: String, $perPage: Int = 50, $order: String, $filters: JSONString, $allFilters: JSONString) {
  project(name: $project, entityName: $entity) {
    runCount(filters: $filters)
    allRunCount: runCount(filters: $allFilters)
    runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
      edges { node { name displayName state createdAt heartbeatAt historyLineCount exitcode config summaryMetrics } cursor }
      pageInfo { endCursor hasNextPage }
    }
  }
}";

/// Runs of a project with their summary metrics (ranking by the final value).
pub const RUNS_WITH_SUMMARY: &str = "query Runs($project: String!, $entity: String!, $cursor: String, $perPage: Int = 50, $order: String, $filters: JSONString) {
  project(name: $project, entityName: $entity) {
    runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
      edges { node { name displayName state createdAt heartbeatAt historyLineCount summaryMetrics } cursor }
      pageInfo { endCursor hasNextPage }
    }
  }
}";

/// Runs of a project with their summary metrics and sampled history (ranking over history).
pub const RUNS_WITH_HISTORY: &str = "query Runs($project: String!, $entity: String!, $cursor: String, $perPage: Int = 50, $order: String, $filters: JSONString, $specs: [JSONString!]!) {
  project(name: $project, entityName: $entity) {
    runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
      edges { node { name displayName state createdAt heartbeatAt historyLineCount summaryMetrics sampledHistory(specs: $specs) } cursor }
      pageInfo { endCursor hasNextPage }
    }
  }
}";

/// One run's config and summary, and sampled history of the metrics whose best value the
/// summary shows.
pub const RUN_SUMMARY: &str =
    "query Run($project: String!, $entity: String!, $name: String!, $specs: [JSONString!]!) {
  project(name: $project, entityName: $entity) {
    run(name: $name) { name displayName state config summaryMetrics sampledHistory(specs: $specs) }
  }
}";

/// Sampled history of one run, with its `historyKeys` (the logged keys and the last step).
pub const HISTORY_WITH_KEYS: &str = "query RunSampledHistory($project: String!, $entity: String!, $name: String!, $specs: [JSONString!]!) {
  project(name: $project, entityName: $entity) {
    run(name: $name) { state exitcode heartbeatAt createdAt historyLineCount historyKeys sampledHistory(specs: $specs) }
  }
}";

/// Sampled history of one run.
pub const HISTORY: &str = "query RunSampledHistory($project: String!, $entity: String!, $name: String!, $specs: [JSONString!]!) {
  project(name: $project, entityName: $entity) {
    run(name: $name) { sampledHistory(specs: $specs) }
  }
}";

/// A page of runs for `triage`: each with its history keys, how it ended and a coarse
/// `sampledHistory` of the usual metric names (the runs connection carries it per run).
pub const RUNS_FOR_TRIAGE: &str = "query Runs($project: String!, $entity: String!, $cursor: String, $perPage: Int = 50, $order: String, $filters: JSONString, $specs: [JSONString!]!) {
  project(name: $project, entityName: $entity) {
    runCount(filters: $filters)
    runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
      edges { node { name displayName state createdAt heartbeatAt historyLineCount exitcode historyKeys sampledHistory(specs: $specs) } cursor }
      pageInfo { endCursor hasNextPage }
    }
  }
}";

/// A query reading `n` runs under aliases `r0`, `r1`, ... ([`alias`]): `field` once per run,
/// and `per_run` variables after the `shared` ones; `{i}` in both stands for the run's index.
fn aliased(operation: &str, shared: &str, per_run: &str, field: &str, n: usize) -> String {
    let at = |template: &str, i: usize| template.replace("{i}", &i.to_string());
    let variables: String = (0..n).map(|i| format!(", {}", at(per_run, i))).collect();
    let fields: String = (0..n)
        .map(|i| format!("  {}: {}\n", alias(i), at(field, i)))
        .collect();
    format!("query {operation}({shared}{variables}) {{\n{fields}}}")
}

/// The alias of run `i` in the many-run queries: the reply holds its `project` field there.
pub fn alias(i: usize) -> String {
    format!("r{i}")
}

/// Run `i`'s node in the reply to a many-run query; `None` when the server has no such run.
pub fn aliased_run(data: &Value, i: usize) -> Option<&Value> {
    data.get(alias(i))?.get("run").filter(|run| !run.is_null())
}

/// `n` runs of one project with their own specs each, in one request: alias `rI`, run id
/// `$nI`, specs `$sI`.
pub fn history_of_runs(n: usize) -> String {
    aliased(
        "RunsSampledHistory",
        "$entity: String!, $project: String!",
        "$n{i}: String!, $s{i}: [JSONString!]!",
        "project(name: $project, entityName: $entity) { run(name: $n{i}) { sampledHistory(specs: $s{i}) } }",
        n,
    )
}

/// `n` runs in one request, each under its own alias `rI` with variables `$eI`, `$pI`, `$nI`
/// (entity, project, run id), as the official client aliases `project` fields; the fields
/// `compare` reads of each.
pub fn compare_runs(n: usize) -> String {
    aliased(
        "Compare",
        "$specs: [JSONString!]!",
        "$e{i}: String!, $p{i}: String!, $n{i}: String!",
        "project(name: $p{i}, entityName: $e{i}) { run(name: $n{i}) { name displayName state config summaryMetrics historyKeys sampledHistory(specs: $specs) } }",
        n,
    )
}

/// The tail of a run's console, and what says how the run ended. The official client's
/// `RunConsoleLogTail` selection plus run fields its other documents send.
pub const CONSOLE_TAIL: &str =
    "query RunConsoleLogTail($entity: String!, $project: String!, $runName: String!, $last: Int!) {
  project(name: $project, entityName: $entity) {
    run(name: $runName) {
      state exitcode heartbeatAt createdAt historyLineCount
      logLineCount
      logLines(last: $last) { edges { node { number timestamp level label line } } }
    }
  }
}";

/// The same without `logLines`, for servers that predate it.
pub const RUN_STATE: &str =
    "query RunState($entity: String!, $project: String!, $runName: String!) {
  project(name: $project, entityName: $entity) {
    run(name: $runName) { state exitcode heartbeatAt createdAt historyLineCount }
  }
}";

/// A run's files by `LIKE` pattern (the official client's `RunFiles`, fewer node fields).
pub const RUN_FILES: &str = "query RunFiles($project: String!, $entity: String!, $name: String!, $fileCursor: String, $fileLimit: Int = 50, $fileNames: [String] = [], $pattern: String) {
  project(name: $project, entityName: $entity) {
    run(name: $name) {
      files(names: $fileNames, after: $fileCursor, first: $fileLimit, pattern: $pattern) {
        edges { node { name directUrl sizeBytes updatedAt } cursor }
        pageInfo { endCursor hasNextPage }
      }
    }
  }
}";

/// System-metric rows of a run (`events`), thinned by the server to about `samples`.
pub const SYSTEM_EVENTS: &str =
    "query RunSystemMetrics($entity: String!, $project: String!, $name: String!, $samples: Int) {
  project(name: $project, entityName: $entity) {
    run(name: $name) { state createdAt heartbeatAt events(samples: $samples) }
  }
}";

/// What a crash context reads of a run (one literal for [`CRASH_CONTEXT`] and
/// [`crash_contexts`]): the console tail, system metrics, and where its log files are (a
/// console kept only in a file is on the storage origin, which the reader may need to allow).
macro_rules! crash_context_fields {
    () => {
        "logLineCount logLines(last: $last) { edges { node { number timestamp level label line } } } events(samples: $samples) files(names: [], first: 10, pattern: \"%output%.log\") { edges { node { name directUrl updatedAt } } }"
    };
}
/// A crashed run's console tail and system metrics together (one request for `diagnose`).
pub const CRASH_CONTEXT: &str = concat!(
    "query RunCrashContext($entity: String!, $project: String!, $runName: String!, $last: Int!, $samples: Int) {
  project(name: $project, entityName: $entity) {
    run(name: $runName) { ",
    crash_context_fields!(),
    " }
  }
}"
);

/// [`CRASH_CONTEXT`] for `n` runs of one project in one request: alias `rI`, run id `$nI`.
pub fn crash_contexts(n: usize) -> String {
    aliased(
        "RunsCrashContext",
        "$entity: String!, $project: String!, $last: Int!, $samples: Int",
        "$n{i}: String!",
        concat!(
            "project(name: $project, entityName: $entity) { run(name: $n{i}) { ",
            crash_context_fields!(),
            " } }"
        ),
        n,
    )
}
