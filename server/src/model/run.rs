//! Runs, projects and the store that holds them: every field the API serves about a run,
//! as plain data.

use serde_json::{json, Map, Value};

use crate::model::console::Console;
use crate::model::files::{FileContent, RunFile};
use crate::model::nonfinite::quote_tokens;
use crate::model::series::History;
use crate::model::system::SystemSpec;

#[derive(Debug, Clone)]
pub struct Run {
    /// The 8-character id used in URLs (GraphQL `name`).
    pub id: String,
    pub display_name: String,
    pub state: String,
    pub created_at: String,
    pub heartbeat_at: String,
    /// Unix seconds of `created_at`, for `_timestamp`.
    pub start_unix: f64,
    pub runtime_s: f64,
    pub tags: Vec<String>,
    pub group: Option<String>,
    pub job_type: Option<String>,
    /// The sweep the run belongs to (its id; `sweepName` in GraphQL, `sweep` in filters).
    pub sweep: Option<String>,
    pub username: String,
    /// User config, unwrapped; `config_json` wraps it as W&B stores it.
    pub config: Value,
    /// Summary as the SDK writes it, with non-finite values as bare tokens.
    pub summary_json: String,
    pub history: History,
    pub seed: u64,
    /// The process's exit code, once it ended (`Run.exitcode`).
    pub exitcode: Option<i64>,
    /// Console output; `None` for a run that never wrote any.
    pub console: Option<Console>,
    /// Whether `logLines` serves the console (false: only the `output.log` file has it, as
    /// for runs synced by clients that predate streamed console lines).
    pub console_streamed: bool,
    /// System metrics (`events`); `None` for none.
    pub system: Option<SystemSpec>,
    pub files: Vec<RunFile>,
}

impl Run {
    /// The config JSONString as W&B stores it: `{"key": {"value": v, "desc": null}}` plus
    /// the SDK's own `_wandb` and `wandb_version` entries.
    pub fn config_json(&self) -> String {
        let mut wrapped = Map::new();
        if let Value::Object(map) = &self.config {
            for (k, v) in map {
                wrapped.insert(k.clone(), json!({"value": v, "desc": null}));
            }
        }
        wrapped.insert(
            "_wandb".into(),
            json!({"value": {"cli_version": "0.31.0", "python_version": "3.11.7"}, "desc": null}),
        );
        wrapped.insert(
            "wandb_version".into(),
            json!({"value": "0.31.0", "desc": null}),
        );
        Value::Object(wrapped).to_string()
    }

    /// What `file` holds for this run (its console, for `output.log`).
    pub fn file_bytes(&self, file: &RunFile) -> Vec<u8> {
        match &file.content {
            FileContent::Bytes(b) => b.clone(),
            FileContent::Console => self
                .console
                .as_ref()
                .map(|c| c.file_bytes())
                .unwrap_or_default(),
        }
    }

    /// The parsed summary (non-finite values as `"NaN"`-style strings), for filters and order.
    pub fn summary_value(&self) -> Value {
        serde_json::from_str(&quote_tokens(&self.summary_json)).unwrap_or(Value::Null)
    }
}

#[derive(Debug, Clone)]
pub struct Project {
    pub entity: String,
    pub name: String,
    pub numeric_id: u64,
    /// How long every query of this project waits before it is answered (an overloaded
    /// server; zero for all but `demo/slow`).
    pub answer_delay: std::time::Duration,
    pub runs: Vec<Run>,
}

#[derive(Debug, Clone)]
pub struct Store {
    pub projects: Vec<Project>,
}

impl Store {
    pub fn project(&self, entity: &str, name: &str) -> Option<&Project> {
        self.projects
            .iter()
            .find(|p| p.entity == entity && p.name == name)
    }
}
