//! End-to-end tests: the embedded component, in the real host binary, against the emulator
//! over real HTTP on loopback.

mod analysis;
mod attacks;
mod ceiling;
mod crashes;
mod detection;
mod flags;
mod frameworks;
mod history;
mod hostile;
mod list_runs;
mod sandbox;
mod summary;
mod support;
mod sweep;
mod wasmtime_cli;
