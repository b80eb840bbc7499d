//! The wandb-agent component: all W&B logic, exported through the WIT world in `../wit`.
//! Layers, each using only those below it:
//!
//! - [`ops`]: the operations, one thin module each, from arguments to compact text;
//! - [`analysis`]: what operations share on plain data (direction, config diff, statistics,
//!   correlation, detection of what went wrong in a run);
//! - [`source`]: where runs come from: the [`source::Source`] trait and the W&B GraphQL
//!   reader behind it (documents, sampling, batching, retries, transport);
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
/// wasi:http with retries: the one way in for the component's exports and its command build.
#[cfg(target_arch = "wasm32")]
pub fn run_with_environment(operation: wandb_agent_commands::Operation) -> error::Result<String> {
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
        ops::run(operation, &client)
    })
}
