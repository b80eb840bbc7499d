//! A project's runs from W&B, page by page (`project.runs`, newest first, with a cursor).

use serde_json::{json, Value};

use crate::error::{AgentError, Result};
use crate::model::paths::ProjectPath;
use crate::model::ListOptions;
use crate::model::RunRow;
use crate::source::filters;
use crate::source::wandb::Client;
use crate::text::{clean, timefmt};

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
            name: clean::shorten(&text("displayName")),
            state: text("state"),
            created_at,
            runtime_s,
            steps: node.get("historyLineCount").and_then(Value::as_i64),
            exitcode: node.get("exitcode").and_then(Value::as_i64),
        })
    }
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

#[cfg(test)]
mod tests {
    use super::clean::{clean_config, clean_summary};
    use crate::source::wandb::lenient_json;
    use serde_json::json;

    /// What W&B stores (a config's `{"value": ...}` wrappers, NaN as a bare word) comes out
    /// clean: here, where the reader meets the cleaning.
    #[test]
    fn unwraps_filters_and_rounds() {
        let config = lenient_json::parse(
            r#"{"lr":{"value":0.000312345678,"desc":null},"optimizer":{"value":{"name":"adam","betas":[0.9,0.999]},"desc":null},
               "_wandb":{"value":{"t":1}},"wandb_version":{"value":"0.31"},"plain":3}"#,
        )
        .unwrap();
        let summary = lenient_json::parse(
            r#"{"loss":0.123456789,"acc":NaN,"up":Infinity,"down":-Infinity,"_step":99,"_runtime":12.5,
               "hist":{"_type":"histogram","values":[1,2],"bins":[0,1,2]},"table":{"_type":"table-file","path":"x"},
               "val":{"loss":0.5},"big":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]}"#,
        )
        .unwrap();
        let both = json!({"config": clean_config(&config), "summary": clean_summary(&summary)});
        assert_eq!(
            both.to_string(),
            r#"{"config":{"lr":0.00031235,"optimizer":{"betas":[0.9,0.999],"name":"adam"},"plain":3},"summary":{"acc":"NaN","big":"<list of 17>","down":"-Infinity","hist":"<histogram>","loss":0.12346,"table":"<table>","up":"Infinity","val":{"loss":0.5}}}"#
        );
    }
}
