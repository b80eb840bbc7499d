//! A `Run`: its metadata, config and summary, console, files, history and system metrics.

use std::sync::Arc;

use async_graphql::{Context, Json, Object, Result, SimpleObject};
use serde_json::Value;

use crate::api::files::FileStore;
use crate::api::schema::shared::{relay_id, Int64, JsonString};
use crate::api::{console, files, history, system};
use crate::model::run::{Run, Store};

pub struct RunNode {
    pub(super) store: Arc<Store>,
    pub(super) project: usize,
    pub(super) id: String,
}

impl RunNode {
    fn run(&self) -> &Run {
        let runs = &self.store.projects[self.project].runs;
        runs.iter()
            .find(|r| r.id == self.id)
            .expect("RunNode is only built for existing runs")
    }

    fn system_rows(&self) -> Vec<Value> {
        let run = self.run();
        run.system
            .as_ref()
            .map(|s| system::rows(s, run.start_unix, run.runtime_s))
            .unwrap_or_default()
    }
}

#[derive(SimpleObject)]
struct User {
    name: String,
    username: String,
}

#[derive(SimpleObject)]
struct ParquetHistory {
    parquet_urls: Vec<String>,
    live_data: Vec<Json<Value>>,
}

#[Object(name = "Run")]
impl RunNode {
    async fn id(&self) -> String {
        relay_id("Run", &self.id)
    }
    async fn project_id(&self) -> String {
        self.store.projects[self.project].numeric_id.to_string()
    }
    async fn name(&self) -> &str {
        &self.run().id
    }
    async fn display_name(&self) -> &str {
        &self.run().display_name
    }
    async fn state(&self) -> &str {
        &self.run().state
    }
    async fn tags(&self) -> &[String] {
        &self.run().tags
    }
    async fn sweep_name(&self) -> Option<&str> {
        self.run().sweep.as_deref()
    }
    async fn group(&self) -> Option<&str> {
        self.run().group.as_deref()
    }
    async fn job_type(&self) -> Option<&str> {
        self.run().job_type.as_deref()
    }
    async fn commit(&self) -> Option<String> {
        None
    }
    async fn read_only(&self) -> bool {
        false
    }
    async fn created_at(&self) -> &str {
        &self.run().created_at
    }
    async fn heartbeat_at(&self) -> &str {
        &self.run().heartbeat_at
    }
    async fn description(&self) -> Option<String> {
        None
    }
    async fn notes(&self) -> Option<String> {
        None
    }
    async fn config(&self) -> JsonString {
        JsonString(self.run().config_json())
    }
    async fn summary_metrics(&self) -> JsonString {
        JsonString(self.run().summary_json.clone())
    }
    /// The latest value of every system metric.
    async fn system_metrics(&self) -> JsonString {
        let mut latest = serde_json::Map::new();
        for row in self.system_rows() {
            if let Value::Object(map) = row {
                latest.extend(map.into_iter().filter(|(k, _)| k.starts_with("system.")));
            }
        }
        JsonString(Value::Object(latest).to_string())
    }
    async fn exitcode(&self) -> Option<i64> {
        self.run().exitcode
    }
    async fn log_line_count(&self) -> Option<i64> {
        let run = self.run();
        let console = run.console.as_ref().filter(|_| run.console_streamed)?;
        Some(console.len() as i64)
    }
    async fn log_lines(
        &self,
        last: Option<i32>,
        first: Option<i32>,
        after: Option<String>,
        use_improved_pagination: Option<bool>,
    ) -> Option<console::LogLineConnection> {
        let _ = use_improved_pagination;
        console::log_lines(self.run(), last, first, after.as_deref())
    }
    async fn file_count(&self) -> i64 {
        self.run().files.len() as i64
    }
    async fn files(
        &self,
        ctx: &Context<'_>,
        names: Option<Vec<String>>,
        pattern: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> files::FileConnection {
        let project = &self.store.projects[self.project];
        files::run_files(
            ctx.data_unchecked::<Arc<FileStore>>(),
            &project.entity,
            &project.name,
            self.run(),
            &names.unwrap_or_default(),
            pattern.as_deref(),
            first.map_or(50, |n| n.max(0) as usize),
            after.as_deref(),
        )
    }
    async fn history_line_count(&self) -> i64 {
        self.run().history.line_count() as i64
    }
    async fn user(&self) -> User {
        let username = self.run().username.clone();
        User {
            name: username.clone(),
            username,
        }
    }
    async fn history_keys(&self) -> Json<Value> {
        Json(history::keys(self.run()))
    }

    async fn sampled_history(&self, specs: Vec<JsonString>) -> Result<Vec<Json<Value>>> {
        specs
            .iter()
            .map(|JsonString(text)| {
                let spec: history::Spec = serde_json::from_str(text)
                    .map_err(|e| async_graphql::Error::new(format!("invalid spec {text}: {e}")))?;
                Ok(Json(history::sampled(self.run(), &spec)))
            })
            .collect()
    }

    async fn history(
        &self,
        samples: Option<i32>,
        min_step: Option<Int64>,
        max_step: Option<Int64>,
    ) -> Vec<JsonString> {
        history::full_rows(
            self.run(),
            samples.map(i64::from),
            min_step.map(|s| s.0),
            max_step.map(|s| s.0),
        )
        .into_iter()
        .map(JsonString)
        .collect()
    }

    /// System-metric rows, thinned to about `samples` (default 500).
    async fn events(&self, samples: Option<i32>) -> Vec<JsonString> {
        let samples = samples.map_or(500, |n| n.max(2) as usize);
        system::thin(self.system_rows(), samples)
            .into_iter()
            .map(|row| JsonString(row.to_string()))
            .collect()
    }

    /// No parquet exports: clients then read everything through the live history queries.
    async fn parquet_history(&self, live_keys: Vec<String>) -> ParquetHistory {
        let _ = live_keys;
        ParquetHistory {
            parquet_urls: vec![],
            live_data: vec![],
        }
    }
}
