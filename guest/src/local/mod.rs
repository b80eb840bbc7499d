//! Runs on disk: the `.wandb` transaction log the `wandb` client writes into
//! `wandb/<run dir>/run-<id>.wandb`, online or offline, read in one streaming pass.
//!
//! - [`framing`]: the file header, 32 KiB blocks, chunks and their CRC ([`crc32`]);
//! - [`wire`]: protobuf's wire format, by hand; [`records`]: the records operations use;
//! - [`value`] and [`tree`]: values as the W&B API encodes them, summary and config folded;
//! - [`fold`]: one pass over a file, rows handed to a visitor as they come;
//! - [`layout`]: run directories and the logs in them; [`console`]: console lines;
//!   [`stats`]: system metrics.
//!
//! Only `std::io::Read`: inside the component the file comes through wasi:filesystem.

pub mod console;
pub mod crc32;
pub mod fold;
pub mod framing;
pub mod layout;
pub mod listing;
pub mod node;
pub mod records;
pub mod series;
pub mod stats;
pub mod tree;
pub mod value;
pub mod wire;

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod framing_tests;
