//! Seeded demo data: the run builder (`builder`), one module per demo project, and the
//! `catalog` that builds them all into the store. Each project module states what it plants
//! (ids, steps, factors) as public constants, so tests and benchmarks check answers against
//! the data's own definition rather than hard-coded copies.
//!
//! Seed modules depend on `builder` and `model`, never on `api`. [`catalog::store`] and
//! [`accounts::accounts`] are the entry points the crate root hands to the API.

pub mod accounts;
pub mod builder;
pub mod catalog;
pub mod cluster;
pub mod crashes;
pub mod detection;
pub mod dynamics;
pub mod finetune;
pub mod fleet;
pub mod frameworks;
pub mod live;
pub mod long_runs;
pub mod lr_sweep;
pub mod sweep;
pub mod vision;
