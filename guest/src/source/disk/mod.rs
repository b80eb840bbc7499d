//! Runs on disk as a [`Source`](crate::source::Source) ([`source::Disk`]): the `.wandb`
//! transaction log the `wandb` client writes into `wandb/<run dir>/run-<id>.wandb`, online or
//! offline, read in one streaming pass (docs/local-runs.md).
//!
//! - [`framing`]: the file header, 32 KiB blocks, chunks and their CRC ([`crc32`]);
//! - [`wire`]: protobuf's wire format, by hand; [`records`]: the records operations use;
//! - [`value`] and [`tree`]: values as the W&B API encodes them, summary and config folded;
//! - [`fold`]: one pass over a file, rows handed to visitors as they come: [`series`]
//!   (history, each key within a bound: [`bounded`]), [`console`] (console lines), [`stats`]
//!   (system metrics);
//! - [`run`]: one run read; [`layout`]: run directories and the logs in them; [`filter`]:
//!   run filters evaluated on a run; [`window`]: a step window read from its blocks alone;
//!   [`source`]: all of it as a source.
//!
//! Only `std::io::Read`: inside the component the file comes through wasi:filesystem.

pub mod bounded;
pub mod console;
pub mod crc32;
pub mod filter;
pub mod fold;
pub mod framing;
pub mod layout;
pub mod records;
pub mod run;
pub mod series;
pub mod source;
pub mod stats;
pub mod tree;
pub mod value;
pub mod window;
pub mod wire;

pub use self::source::Disk;

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod framing_tests;
