//! The wandb-agent component: all W&B logic, exported through the WIT world in `../wit`.
//!
//! Everything except the wasi:http edge (`http` module) and the export glue below is plain Rust
//! that builds and unit-tests on the host target.

pub mod best;
pub mod compare;
pub mod config_diff;
pub mod coverage;
pub mod diagnose;
pub mod direction;
pub mod error;
pub mod graphql;
pub mod history;
pub mod lenient_json;
pub mod list_runs;
pub mod numfmt;
pub mod ops;
pub mod paths;
pub mod reduce;
pub mod retry;
pub mod sampled;
pub mod series;
pub mod settings;
pub mod stats;
pub mod summary;
pub mod timefmt;

#[cfg(target_arch = "wasm32")]
pub mod http;

#[cfg(target_arch = "wasm32")]
mod component {
    use crate::direction;
    use crate::error::AgentError;
    use crate::http::with_transport;
    use crate::ops::{self, Window};
    use crate::settings::Settings;

    // `generate_all`: the world imports WASI interfaces; their bindings go unused (waki has its
    // own), but wit-bindgen wants every imported interface accounted for.
    wit_bindgen::generate!({ path: "../wit", world: "wandb-agent", generate_all });

    struct Component;

    impl From<AgentError> for Error {
        fn from(e: AgentError) -> Error {
            match e {
                AgentError::NotFound(m) => Error::NotFound(m),
                AgentError::MissingKeys {
                    message,
                    missing,
                    available,
                } => Error::MissingKeys(MissingKeys {
                    message,
                    missing,
                    available,
                }),
                AgentError::Unauthorized(m) => Error::Unauthorized(m),
                AgentError::Network(m) => Error::Network(m),
                AgentError::Denied(m) => Error::Denied(m),
                AgentError::BadInput(m) => Error::BadInput(m),
                AgentError::Server(m) => Error::Server(m),
            }
        }
    }

    fn to_mode(mode: Option<Mode>) -> Option<direction::Mode> {
        mode.map(|m| match m {
            Mode::Min => direction::Mode::Min,
            Mode::Max => direction::Mode::Max,
        })
    }

    /// Reads the settings from the environment, then runs `op` over wasi:http with retries.
    fn run(
        op: impl FnOnce(&dyn crate::graphql::Transport, &Settings) -> crate::error::Result<String>,
    ) -> Result<String, Error> {
        let settings = Settings::from_env()?;
        Ok(with_transport(&settings, |t| op(t, &settings))?)
    }

    impl Guest for Component {
        fn wandb_list_runs(
            project_path: String,
            limit: Option<u32>,
            include_crashed: bool,
            include_short: bool,
        ) -> Result<String, Error> {
            run(|t, s| ops::list_runs(t, s, &project_path, limit, include_crashed, include_short))
        }

        fn wandb_summary(run_path: String) -> Result<String, Error> {
            run(|t, s| ops::summary(t, s, &run_path))
        }

        fn wandb_history(
            run_path: String,
            keys: Vec<String>,
            samples: Option<u32>,
            min_step: Option<u64>,
            max_step: Option<u64>,
            budget: Option<u32>,
        ) -> Result<String, Error> {
            run(|t, s| {
                ops::history(
                    t,
                    s,
                    &run_path,
                    &keys,
                    Window {
                        samples,
                        min_step,
                        max_step,
                    },
                    budget,
                )
            })
        }

        fn wandb_history_stats(
            run_path: String,
            keys: Vec<String>,
            samples: Option<u32>,
            min_step: Option<u64>,
            max_step: Option<u64>,
        ) -> Result<String, Error> {
            run(|t, s| {
                ops::history_stats(
                    t,
                    s,
                    &run_path,
                    &keys,
                    Window {
                        samples,
                        min_step,
                        max_step,
                    },
                )
            })
        }

        fn wandb_compare(
            run_a: String,
            run_b: String,
            metric: String,
            mode: Option<Mode>,
        ) -> Result<String, Error> {
            run(|t, s| ops::compare(t, s, &run_a, &run_b, &metric, to_mode(mode)))
        }

        fn wandb_best(
            project_path: String,
            metric: String,
            last: Option<u32>,
            mode: Option<Mode>,
            include_crashed: bool,
            include_short: bool,
            over_history: bool,
        ) -> Result<String, Error> {
            run(|t, s| {
                ops::best(
                    t,
                    s,
                    &project_path,
                    &metric,
                    last,
                    to_mode(mode),
                    include_crashed,
                    include_short,
                    over_history,
                )
            })
        }

        fn wandb_diagnose(
            run_path: String,
            loss_key: Option<String>,
            grad_key: Option<String>,
            val_key: Option<String>,
        ) -> Result<String, Error> {
            run(|t, s| ops::diagnose(t, s, &run_path, loss_key, grad_key, val_key))
        }
    }

    export!(Component);
}
