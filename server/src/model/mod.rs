//! The emulator's data model, as plain data: projects, runs, histories generated lazily from
//! formulas (a run with millions of steps costs no memory), console lines, run files, system
//! metric specifications and accounts. No protocol here: nothing knows GraphQL or HTTP.
//! `seed` builds these values, `api` serves them; `model` depends on neither.

pub mod account;
pub mod console;
pub mod files;
pub mod nonfinite;
pub mod run;
pub mod series;
pub mod system;
