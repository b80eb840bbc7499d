//! The protocol: what the official `wandb` client talks to (docs/wandb-wire.md). HTTP
//! serving and authentication (`http`, `auth`), the GraphQL schema (`schema`), and what its
//! resolvers compute from the model: history reads, run filters and order, console lines,
//! run files behind pre-signed URLs, system metric rows.
//!
//! `api` depends on `model` only, never on `seed`: the crate root builds the store from the
//! seed catalog and the accounts from `seed::accounts`, and hands both to the API (so an API
//! could serve any store). Unit tests alone read seed data as fixtures.

pub mod auth;
pub mod console;
pub mod files;
pub mod filters;
pub mod history;
pub mod http;
pub mod schema;
pub mod system;
