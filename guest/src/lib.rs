//! The wandb-agent component: all W&B logic, exported through the WIT world in `../wit`.
//!
//! - [`ops`]: the operations, one module each, from arguments to compact text;
//! - [`wandb`]: the W&B client (GraphQL documents, sampling, series, retries, transport,
//!   settings, run paths);
//! - [`text`]: number and time formatting, reduction to a token budget, statistics.
//!
//! Everything except the wasi:http transport and the export glue (`exports`) is plain Rust
//! that builds and unit-tests on the host target.

pub mod error;
pub mod hints;
pub mod ops;
pub mod text;
pub mod wandb;
pub mod watch;

#[cfg(target_arch = "wasm32")]
mod exports;

/// Runs `operation` against the server the environment names (`WANDB_BASE_URL`), over
/// wasi:http with retries: the one way in for the component's exports and its command build.
#[cfg(target_arch = "wasm32")]
pub fn run_with_environment(operation: wandb_agent_commands::Operation) -> error::Result<String> {
    let settings = wandb::settings::Settings::from_env()?;
    wandb::http::with_transport(&settings, |transport| {
        let client = wandb::Client {
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
