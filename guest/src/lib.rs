//! The wandb-agent component: all W&B logic, exported through the WIT world in `../wit`.
//! Layers, each using only those below it:
//!
//! - [`ops`]: the operations, one thin module each, from arguments to compact text;
//! - [`analysis`]: what operations share on plain data (direction, config diff, statistics,
//!   correlation, detection of what went wrong in a run);
//! - [`source`]: where runs come from: the [`source::Source`] trait, the W&B GraphQL reader
//!   behind it (documents, sampling, batching, retries, transport) and the reader of run
//!   directories on disk;
//! - [`text`]: rendering: number and time formatting, reduction to a token budget, escaping;
//! - [`model`]: the plain types all of them share (runs, history, console, run paths).
//!
//! Everything except the wasi:http transport and the export glue (`exports`) is plain Rust
//! that builds and unit-tests on the host target.

pub mod analysis;
pub mod error;
pub mod hints;
pub mod model;
pub mod ops;
pub mod source;
pub mod text;

#[cfg(target_arch = "wasm32")]
mod exports;

/// Runs `operation` against the server the environment names (`WANDB_BASE_URL`), over
/// wasi:http with retries, or on the run directories the host pre-opened (`/local/<i>`) when
/// its paths name them: the one way in for the component's exports and its command build.
#[cfg(target_arch = "wasm32")]
pub fn run_with_environment(operation: wandb_agent_commands::Operation) -> error::Result<String> {
    with_client(|client| ops::run(operation, client))
}

/// Draws `wandb-history-png`'s picture the same way (the export and the command build's
/// `history --png FILE`).
#[cfg(target_arch = "wasm32")]
pub fn picture_with_environment(
    args: wandb_agent_commands::HistoryPng,
) -> error::Result<ops::history_png::Picture> {
    let paths = [args.run.clone()];
    with_client(|client| {
        ops::with_context(client, &paths, |cx| ops::history_png::picture(args, cx))
    })
}

/// `f` with a W&B client for the server the environment names.
#[cfg(target_arch = "wasm32")]
fn with_client<T>(f: impl FnOnce(&source::wandb::Client) -> error::Result<T>) -> error::Result<T> {
    let settings = source::wandb::settings::Settings::from_env()?;
    source::wandb::http::with_transport(&settings, |transport| {
        let client = source::wandb::Client {
            transport,
            server: settings.server_name(),
            base_url: &settings.base_url,
            default_entity: settings.default_entity.as_deref(),
            max_output_tokens: settings.max_output_tokens,
            time_limit_s: settings.time_limit_s,
        };
        f(&client)
    })
}
