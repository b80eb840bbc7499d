//! The root `Query` and the `viewer` (who the key belongs to).

use async_graphql::{Context, Object, SimpleObject};

use crate::api::schema::project::ProjectNode;
use crate::api::schema::shared::{caller, relay_id, store, JsonString};

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
