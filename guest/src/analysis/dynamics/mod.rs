//! Training dynamics read the way a researcher reads them (issue #28): the learning-rate
//! schedule and the events it explains, end-of-run verdicts, real plateaus, a gradient norm
//! growing toward a divergence, and per-layer gradient histograms (`wandb.watch`).
//!
//! Pure functions over plain series, `(step, value)` points ascending by step (a histogram
//! key's points are its rows' scales, read by the source): no requests and no text here, so
//! each analysis is tested on its own; `detection::readings` makes them findings for
//! `diagnose` and `triage`.

pub mod growth;
pub mod layers;
pub mod links;
pub mod plateau;
pub mod schedule;
mod stats;
pub mod verdict;
