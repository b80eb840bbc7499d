//! A `Project`: its runs filtered, ordered and paged, as `runs` and `runCount` serve them.

use std::sync::Arc;

use async_graphql::{Object, Result, SimpleObject};
use serde_json::{json, Value};

use crate::api::filters;
use crate::api::schema::run::RunNode;
use crate::api::schema::shared::{relay_id, JsonString};
use crate::model::run::{Project, Run, Store};

pub struct ProjectNode {
    pub(super) store: Arc<Store>,
    pub(super) index: usize,
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
