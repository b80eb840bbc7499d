//! The wandb-agent component: all W&B logic, exported through the WIT world in `../wit`.
//!
//! Everything except the wasi:http edge (`http` module) and the export glue below is plain Rust
//! that builds and unit-tests on the host target.

pub mod best;
pub mod compare;
pub mod config_diff;
pub mod diagnose;
pub mod direction;
pub mod error;
pub mod graphql;
pub mod history;
pub mod lenient_json;
pub mod list_runs;
pub mod numfmt;
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
mod http;

#[cfg(target_arch = "wasm32")]
mod component {
    use crate::error::AgentError;
    use crate::http::WasiTransport;
    use crate::retry::{RetryPolicy, Retrying, SystemClock};
    use crate::settings::Settings;
    use crate::{best, compare, diagnose, direction, history, list_runs, paths, summary};

    wit_bindgen::generate!({ path: "../wit", world: "wandb-agent" });

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

    impl Guest for Component {
        fn wandb_list_runs(
            project_path: String,
            limit: Option<u32>,
            include_crashed: bool,
            include_short: bool,
        ) -> Result<String, Error> {
            let settings = Settings::from_env()?;
            let project =
                paths::parse_project_path(&project_path, settings.default_entity.as_deref())?;
            let options = list_runs::ListOptions {
                limit: limit.unwrap_or(list_runs::DEFAULT_LIMIT),
                include_crashed,
                include_short,
            };
            let transport = WasiTransport::new(&settings);
            let transport = retrying(&transport, &settings);
            Ok(list_runs::list_runs(
                &transport,
                settings.server_name(),
                &project,
                &options,
            )?)
        }

        fn wandb_summary(run_path: String) -> Result<String, Error> {
            let settings = Settings::from_env()?;
            let run = paths::parse_run_path(&run_path)?;
            let transport = WasiTransport::new(&settings);
            let transport = retrying(&transport, &settings);
            Ok(summary::summary(&transport, settings.server_name(), &run)?)
        }

        fn wandb_history(
            run_path: String,
            keys: Vec<String>,
            samples: Option<u32>,
            min_step: Option<u64>,
            max_step: Option<u64>,
            budget: Option<u32>,
        ) -> Result<String, Error> {
            let (settings, run, request) =
                history_call(&run_path, &keys, samples, min_step, max_step)?;
            let transport = WasiTransport::new(&settings);
            let transport = retrying(&transport, &settings);
            let fetched = history::fetch(&transport, settings.server_name(), &run, &request)?;
            Ok(history::render_curve(
                &fetched,
                &request,
                budget.unwrap_or(history::DEFAULT_BUDGET),
            ))
        }

        fn wandb_history_stats(
            run_path: String,
            keys: Vec<String>,
            samples: Option<u32>,
            min_step: Option<u64>,
            max_step: Option<u64>,
        ) -> Result<String, Error> {
            let (settings, run, request) =
                history_call(&run_path, &keys, samples, min_step, max_step)?;
            let transport = WasiTransport::new(&settings);
            let transport = retrying(&transport, &settings);
            let fetched = history::fetch(&transport, settings.server_name(), &run, &request)?;
            Ok(history::render_stats(&fetched, &request))
        }

        fn wandb_compare(
            run_a: String,
            run_b: String,
            metric: String,
            mode: Option<Mode>,
        ) -> Result<String, Error> {
            let settings = Settings::from_env()?;
            let (a, b) = (
                paths::parse_run_path(&run_a)?,
                paths::parse_run_path(&run_b)?,
            );
            let transport = WasiTransport::new(&settings);
            let transport = retrying(&transport, &settings);
            Ok(compare::compare(
                &transport,
                settings.server_name(),
                &a,
                &b,
                &metric,
                to_mode(mode),
            )?)
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
            let settings = Settings::from_env()?;
            let project =
                paths::parse_project_path(&project_path, settings.default_entity.as_deref())?;
            let options = best::BestOptions {
                last: last.unwrap_or(best::DEFAULT_LAST),
                mode: to_mode(mode),
                include_crashed,
                include_short,
                over_history,
            };
            let transport = WasiTransport::new(&settings);
            let transport = retrying(&transport, &settings);
            Ok(best::best(
                &transport,
                settings.server_name(),
                &project,
                &metric,
                &options,
            )?)
        }

        fn wandb_diagnose(
            run_path: String,
            loss_key: Option<String>,
            grad_key: Option<String>,
            val_key: Option<String>,
        ) -> Result<String, Error> {
            let settings = Settings::from_env()?;
            let run = paths::parse_run_path(&run_path)?;
            let nonempty =
                |k: Option<String>| k.map(|k| k.trim().to_string()).filter(|k| !k.is_empty());
            let choice = diagnose::KeyChoice {
                loss: nonempty(loss_key),
                grad: nonempty(grad_key),
                val: nonempty(val_key),
            };
            let transport = WasiTransport::new(&settings);
            let transport = retrying(&transport, &settings);
            Ok(diagnose::diagnose(
                &transport,
                settings.server_name(),
                &run,
                &choice,
            )?)
        }
    }

    /// The wasi:http transport wrapped in the retry policy (retries from the settings).
    fn retrying<'a>(inner: &'a WasiTransport, settings: &Settings) -> Retrying<'a, SystemClock> {
        Retrying {
            inner,
            policy: RetryPolicy {
                max_retries: settings.retries,
                ..RetryPolicy::default()
            },
            clock: SystemClock::new(),
            server: settings.server_name().to_string(),
        }
    }

    fn to_mode(mode: Option<Mode>) -> Option<direction::Mode> {
        mode.map(|m| match m {
            Mode::Min => direction::Mode::Min,
            Mode::Max => direction::Mode::Max,
        })
    }

    fn history_call(
        run_path: &str,
        keys: &[String],
        samples: Option<u32>,
        min_step: Option<u64>,
        max_step: Option<u64>,
    ) -> Result<(Settings, paths::RunPath, history::HistoryRequest), AgentError> {
        let settings = Settings::from_env()?;
        let run = paths::parse_run_path(run_path)?;
        let request = history::HistoryRequest::new(keys, samples, min_step, max_step)?;
        Ok((settings, run, request))
    }

    export!(Component);
}
