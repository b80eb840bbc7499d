//! Training dynamics read the way a researcher reads them (issue #28): the learning-rate
//! schedule and the events it explains, end-of-run verdicts, real plateaus, a gradient norm
//! growing toward a divergence, and per-layer gradient histograms (`wandb.watch`).
//!
//! Pure functions over plain series, `(step, value)` points ascending by step, and histogram
//! rows as W&B serves them: no requests and no text here, so each analysis is tested on its
//! own and shared by `diagnose`, `triage` and `history --stats`, which fetch and render.

pub mod growth;
pub mod histogram;
pub mod layers;
pub mod links;
pub mod plateau;
pub mod schedule;
mod stats;
pub mod verdict;
