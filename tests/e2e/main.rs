//! End-to-end tests: the embedded component, in the real host binary, against the emulator
//! over real HTTP on loopback.

mod address_flags;
mod analysis;
mod answers;
mod attacks;
mod cache;
mod ceiling;
mod crashes;
mod detection;
mod dynamics;
mod flags;
mod frameworks;
mod history;
mod hostile;
mod hostile_text;
mod list_runs;
mod local;
mod picture;
mod readme;
mod sandbox;
mod summary;
mod support;
mod sweep;
mod sweep_triage;
mod triage;
mod wasmtime_cli;
mod watch;
