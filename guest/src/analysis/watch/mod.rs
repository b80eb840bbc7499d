//! Watching a run that is still training: only what is new since the last look.
//!
//! A look reads the run's state and the rows logged after the cursor's step; [`look`] runs
//! the detection on them against the levels the [`cursor`] carries and keeps only new
//! findings; [`rows`] summarizes the new rows. The cursor is the answer's last line, so
//! nothing is kept between calls. Everything here is plain logic over rows already fetched:
//! `ops::watch` fetches them and writes the answer.

pub mod cursor;
pub mod look;
pub mod rows;

pub use self::cursor::Cursor;
