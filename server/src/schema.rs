//! The GraphQL schema: the types and fields the official client's documents use.
//!
//! One file on purpose: each object's resolvers sit next to the fields they serve, and the
//! whole schema reads as the list of what the emulator answers. Data and behaviour live in
//! `data`, `history` and `filters`.

use std::sync::Arc;

use async_graphql::{
    Context, EmptyMutation, EmptySubscription, InputValueError, InputValueResult, Json, Object,
    Result, Scalar, ScalarType, Schema, SimpleObject, Value as GqlValue,
};
use base64::Engine;
use serde_json::{json, Value};

use crate::accounts::Account;
use crate::data::{Project, Run, Store};
use crate::files::FileStore;
use crate::{console, files, filters, history, system};

pub type WandbSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub fn build(store: Arc<Store>, files: Arc<FileStore>) -> WandbSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .data(store)
        .data(files)
        .finish()
}

/// W&B's `JSONString`: JSON carried inside a GraphQL string.
pub struct JsonString(pub String);

#[Scalar(name = "JSONString")]
impl ScalarType for JsonString {
    fn parse(value: GqlValue) -> InputValueResult<Self> {
        match value {
            GqlValue::String(s) => Ok(JsonString(s)),
            other => Err(InputValueError::expected_type(other)),
        }
    }
    fn to_value(&self) -> GqlValue {
        GqlValue::String(self.0.clone())
    }
}

/// W&B's `Int64` (step numbers).
pub struct Int64(pub i64);

#[Scalar(name = "Int64")]
impl ScalarType for Int64 {
    fn parse(value: GqlValue) -> InputValueResult<Self> {
        match &value {
            GqlValue::Number(n) => n
                .as_i64()
                .map(Int64)
                .ok_or_else(|| InputValueError::expected_type(value)),
            _ => Err(InputValueError::expected_type(value)),
        }
    }
    fn to_value(&self) -> GqlValue {
        GqlValue::Number(self.0.into())
    }
}

fn store<'a>(ctx: &Context<'a>) -> &'a Arc<Store> {
    ctx.data_unchecked::<Arc<Store>>()
}

/// The user whose key the request carried (`http` adds it to every request).
fn caller<'a>(ctx: &Context<'a>) -> &'a Account {
    ctx.data_unchecked::<Account>()
}

fn relay_id(kind: &str, id: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{kind}:{id}"))
}

pub struct Query;

#[Object]
impl Query {
    async fn viewer(&self, ctx: &Context<'_>) -> Viewer {
        let me = caller(ctx);
        Viewer {
            entity: me.entity.clone(),
            username: me.username.clone(),
        }
    }

    async fn project(
        &self,
        ctx: &Context<'_>,
        name: String,
        entity_name: Option<String>,
    ) -> Option<ProjectNode> {
        let s = store(ctx).clone();
        let me = caller(ctx);
        let entity = entity_name.unwrap_or_else(|| me.entity.clone());
        // Another user's project is invisible, as a private project is on W&B.
        if entity != me.entity {
            return None;
        }
        let index = s
            .projects
            .iter()
            .position(|p| p.entity == entity && p.name == name)?;
        tokio::time::sleep(s.projects[index].answer_delay).await;
        Some(ProjectNode { store: s, index })
    }
}

pub struct Viewer {
    entity: String,
    username: String,
}

#[derive(SimpleObject)]
struct NameNode {
    name: String,
}
#[derive(SimpleObject)]
struct NameEdge {
    node: NameNode,
}
#[derive(SimpleObject)]
struct TeamConnection {
    edges: Vec<NameEdge>,
}
#[derive(SimpleObject)]
struct ApiKeyConnection {
    edges: Vec<NameEdge>,
}

#[Object]
impl Viewer {
    async fn id(&self) -> String {
        relay_id("User", &self.username)
    }
    async fn entity(&self) -> &str {
        &self.entity
    }
    async fn username(&self) -> &str {
        &self.username
    }
    async fn email(&self) -> String {
        format!("{}@example.invalid", self.username)
    }
    async fn flags(&self) -> JsonString {
        JsonString("{}".into())
    }
    async fn admin(&self) -> bool {
        false
    }
    async fn api_keys(&self) -> ApiKeyConnection {
        ApiKeyConnection { edges: vec![] }
    }
    async fn teams(&self) -> TeamConnection {
        TeamConnection {
            edges: vec![NameEdge {
                node: NameNode {
                    name: self.entity.clone(),
                },
            }],
        }
    }
}

pub struct ProjectNode {
    store: Arc<Store>,
    index: usize,
}

impl ProjectNode {
    fn project(&self) -> &Project {
        &self.store.projects[self.index]
    }

    fn filtered(&self, filters: Option<&JsonString>) -> Result<Vec<&Run>> {
        let filter: Value = match filters {
            Some(JsonString(text)) if !text.trim().is_empty() => serde_json::from_str(text)
                .map_err(|e| async_graphql::Error::new(format!("invalid filters: {e}")))?,
            _ => json!({}),
        };
        let mut out = Vec::new();
        for run in &self.project().runs {
            if filters::matches(&filter, run).map_err(|e| async_graphql::Error::new(e.0))? {
                out.push(run);
            }
        }
        Ok(out)
    }
}

#[derive(SimpleObject)]
pub struct PageInfo {
    end_cursor: Option<String>,
    has_next_page: bool,
}

pub struct RunEdge {
    node: RunNode,
    cursor: String,
}

#[Object]
impl RunEdge {
    async fn node(&self) -> &RunNode {
        &self.node
    }
    async fn cursor(&self) -> &str {
        &self.cursor
    }
}

pub struct RunConnection {
    edges: Vec<RunEdge>,
    page_info: PageInfo,
}

#[Object]
impl RunConnection {
    async fn edges(&self) -> &[RunEdge] {
        &self.edges
    }
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
}

#[Object(name = "Project")]
impl ProjectNode {
    async fn id(&self) -> String {
        relay_id("Project", &self.project().numeric_id.to_string())
    }
    async fn internal_id(&self) -> String {
        relay_id("Project", &self.project().numeric_id.to_string())
    }
    async fn name(&self) -> &str {
        &self.project().name
    }
    async fn entity_name(&self) -> &str {
        &self.project().entity
    }
    async fn read_only(&self) -> bool {
        false
    }
    async fn run_count(&self, filters: Option<JsonString>) -> Result<i64> {
        Ok(self.filtered(filters.as_ref())?.len() as i64)
    }

    async fn runs(
        &self,
        filters: Option<JsonString>,
        after: Option<String>,
        first: Option<i32>,
        order: Option<String>,
    ) -> Result<RunConnection> {
        let mut runs = self.filtered(filters.as_ref())?;
        filters::sort(&mut runs, order.as_deref().unwrap_or("+created_at"));
        // Cursors are positions in the ordered, filtered list (opaque to clients).
        let start = match after.as_deref() {
            None | Some("") => 0,
            Some(c) => c
                .parse::<usize>()
                .map_err(|_| async_graphql::Error::new(format!("invalid cursor {c}")))?,
        };
        let first = first.unwrap_or(50).max(0) as usize;
        let page: Vec<RunEdge> = runs
            .iter()
            .enumerate()
            .skip(start)
            .take(first)
            .map(|(i, run)| RunEdge {
                node: RunNode {
                    store: self.store.clone(),
                    project: self.index,
                    id: run.id.clone(),
                },
                cursor: (i + 1).to_string(),
            })
            .collect();
        let end = start + page.len();
        Ok(RunConnection {
            page_info: PageInfo {
                end_cursor: page.last().map(|e| e.cursor.clone()),
                has_next_page: end < runs.len(),
            },
            edges: page,
        })
    }

    async fn run(&self, name: String) -> Option<RunNode> {
        self.project()
            .runs
            .iter()
            .any(|r| r.id == name)
            .then(|| RunNode {
                store: self.store.clone(),
                project: self.index,
                id: name,
            })
    }
}

pub struct RunNode {
    store: Arc<Store>,
    project: usize,
    id: String,
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
            .map(|s| s.rows(run.start_unix, run.runtime_s))
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
