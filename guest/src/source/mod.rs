//! Where runs come from, below the operations: [`model`] holds the plain types every source
//! answers in; [`wandb`] reads W&B's GraphQL API.

pub mod model;
pub mod wandb;
