//! Watching a run that is still training: only what is new since the last look.
//!
//! A look reads the run's state and the rows logged after the cursor's step, runs
//! `diagnose`'s detectors on them against the levels the cursor carries ([`look`]), and
//! answers with the state, the progress, the new rows' summary ([`rows`]) and the new
//! findings ([`answer`]); the last line is the cursor for the next look ([`cursor`]), so the
//! tool keeps no state between calls. Everything here is plain logic over rows already
//! fetched; the operation fetches them.

pub mod answer;
pub mod cursor;
pub mod look;
pub mod rows;

pub use self::answer::{answer, next_cursor, state_of, Look, MAX_TOKENS};
pub use self::cursor::Cursor;

#[cfg(test)]
mod tests;
