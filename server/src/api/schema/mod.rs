//! The GraphQL schema: the types and fields the official client's documents use, one file
//! per object family (`query`: the root and the viewer; `project`: a project and its run
//! pages; `run`: a run's fields). Each object's resolvers sit next to the fields they serve;
//! data and behaviour live in `model` and in the API's `history`, `filters`, `console`,
//! `files` and `system`.

pub mod project;
pub mod query;
pub mod run;
pub mod shared;

use std::sync::Arc;

use async_graphql::{EmptyMutation, EmptySubscription, Schema};

use crate::api::files::FileStore;
use crate::api::schema::query::Query;
use crate::model::run::Store;

pub type WandbSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub fn build(store: Arc<Store>, files: Arc<FileStore>) -> WandbSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .data(store)
        .data(files)
        .finish()
}
