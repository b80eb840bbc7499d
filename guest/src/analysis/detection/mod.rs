//! Detection: what went wrong in a run, found on its history series, shared by `diagnose`
//! and `triage` (and what comes next).
//!
//! A coarse pass gives whole-run [`Tracks`] of the watched [`Keys`]; [`Case::open`] finds
//! suspects on them ([`detect`]: gradient explosions, non-finite values, loss spikes) and what
//! the coarse pass settles alone ([`trends`]: overfitting, a plateau); [`zoom`] rounds narrow
//! each suspect to its exact step with windows the caller fetches from a source; [`crash`]
//! says why a run that died did, from its console and system metrics. [`dense`] plans the
//! dense windows of a coarse pass; [`clock`] reads the epoch at a step.

pub mod case;
pub mod clock;
pub mod crash;
pub mod dense;
pub mod detect;
pub mod finding;
pub mod keys;
pub mod tracks;
pub mod trends;
pub mod zoom;

pub use self::case::Case;
pub use self::dense::Dense;
pub use self::finding::{Finding, DIGITS};
pub use self::keys::{guess_keys, speculative, KeyChoice, Keys};
pub use self::tracks::Tracks;
