//! Text output: number and time formatting, reducing rows to a token budget, statistics and
//! sparklines.

pub mod logtext;
pub mod numfmt;
pub mod reduce;
pub mod stats;
pub mod timefmt;
