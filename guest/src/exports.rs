//! The WIT exports: each builds its operation's arguments (declared in
//! `wandb-agent-commands`, field for parameter) and runs it. wit-bindgen wants one method per
//! export; nothing else happens here.

use wandb_agent_commands::{
    Best, Compare, Diagnose, History, HistoryStats, ListRuns, Logs, Mode as ModeArg, Operation,
    Params, RunFilter, Summary, System, Triage, Watch, Window,
};

use crate::error::AgentError;

// `generate_all`: the world imports WASI interfaces; their bindings go unused (waki has its
// own), but wit-bindgen wants every imported interface accounted for.
wit_bindgen::generate!({ path: "../wit", world: "wandb-agent", generate_all });

struct Component;

fn call(operation: Operation) -> Result<String, Error> {
    Ok(crate::run_with_environment(operation)?)
}

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

impl From<Mode> for ModeArg {
    fn from(mode: Mode) -> ModeArg {
        match mode {
            Mode::Min => ModeArg::Min,
            Mode::Max => ModeArg::Max,
        }
    }
}

/// The filter parameters that end `wandb-list-runs` and `wandb-best`, in WIT order.
type FilterParams = (
    Vec<String>,
    Vec<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Vec<String>,
);

fn run_filter(
    (state, tag, group, job_type, sweep, name, since, conditions): FilterParams,
) -> RunFilter {
    RunFilter {
        state,
        tag,
        group,
        job_type,
        sweep,
        name,
        since,
        conditions,
    }
}

impl Guest for Component {
    #[allow(clippy::too_many_arguments)]
    fn wandb_list_runs(
        project: String,
        limit: Option<u32>,
        include_crashed: bool,
        include_short: bool,
        state: Vec<String>,
        tag: Vec<String>,
        group: Option<String>,
        job_type: Option<String>,
        sweep: Option<String>,
        name: Option<String>,
        since: Option<String>,
        conditions: Vec<String>,
        columns: Vec<String>,
    ) -> Result<String, Error> {
        call(Operation::ListRuns(ListRuns {
            project,
            limit,
            include_crashed,
            include_short,
            filter: run_filter((state, tag, group, job_type, sweep, name, since, conditions)),
            columns,
        }))
    }

    fn wandb_summary(
        run: String,
        budget: Option<u32>,
        config_keys: Vec<String>,
        summary_keys: Vec<String>,
    ) -> Result<String, Error> {
        call(Operation::Summary(Summary {
            run,
            budget,
            config_keys,
            summary_keys,
        }))
    }

    fn wandb_history(
        run: String,
        keys: Vec<String>,
        samples: Option<u32>,
        min_step: Option<u64>,
        max_step: Option<u64>,
        budget: Option<u32>,
    ) -> Result<String, Error> {
        let window = Window {
            samples,
            min_step,
            max_step,
        };
        call(Operation::History(History {
            run,
            keys,
            window,
            budget,
            stats: false,
        }))
    }

    fn wandb_history_stats(
        run: String,
        keys: Vec<String>,
        samples: Option<u32>,
        min_step: Option<u64>,
        max_step: Option<u64>,
    ) -> Result<String, Error> {
        let window = Window {
            samples,
            min_step,
            max_step,
        };
        call(Operation::HistoryStats(HistoryStats { run, keys, window }))
    }

    fn wandb_compare(
        run_a: String,
        run_b: String,
        metric: String,
        mode: Option<Mode>,
        more: Vec<String>,
    ) -> Result<String, Error> {
        call(Operation::Compare(Compare {
            run_a,
            run_b,
            metric,
            mode: mode.map(ModeArg::from),
            more,
        }))
    }

    #[allow(clippy::too_many_arguments)]
    fn wandb_best(
        project: String,
        metric: String,
        last: Option<u32>,
        mode: Option<Mode>,
        include_crashed: bool,
        include_short: bool,
        over_history: bool,
        state: Vec<String>,
        tag: Vec<String>,
        group: Option<String>,
        job_type: Option<String>,
        sweep: Option<String>,
        name: Option<String>,
        since: Option<String>,
        conditions: Vec<String>,
    ) -> Result<String, Error> {
        call(Operation::Best(Best {
            project,
            metric,
            last,
            mode: mode.map(ModeArg::from),
            include_crashed,
            include_short,
            over_history,
            filter: run_filter((state, tag, group, job_type, sweep, name, since, conditions)),
        }))
    }

    #[allow(clippy::too_many_arguments)]
    fn wandb_params(
        project: String,
        metric: String,
        last: Option<u32>,
        mode: Option<Mode>,
        include_crashed: bool,
        include_short: bool,
        state: Vec<String>,
        tag: Vec<String>,
        group: Option<String>,
        job_type: Option<String>,
        sweep: Option<String>,
        name: Option<String>,
        since: Option<String>,
        conditions: Vec<String>,
    ) -> Result<String, Error> {
        call(Operation::Params(Params {
            project,
            metric,
            last,
            mode: mode.map(ModeArg::from),
            include_crashed,
            include_short,
            filter: run_filter((state, tag, group, job_type, sweep, name, since, conditions)),
        }))
    }

    #[allow(clippy::too_many_arguments)]
    fn wandb_triage(
        project: String,
        last: Option<u32>,
        state: Vec<String>,
        tag: Vec<String>,
        group: Option<String>,
        job_type: Option<String>,
        sweep: Option<String>,
        name: Option<String>,
        since: Option<String>,
        conditions: Vec<String>,
    ) -> Result<String, Error> {
        call(Operation::Triage(Triage {
            project,
            last,
            filter: run_filter((state, tag, group, job_type, sweep, name, since, conditions)),
        }))
    }

    fn wandb_logs(
        run: String,
        tail: Option<u32>,
        grep: Option<String>,
        errors: bool,
        budget: Option<u32>,
    ) -> Result<String, Error> {
        call(Operation::Logs(Logs {
            run,
            tail,
            grep,
            errors,
            budget,
        }))
    }

    fn wandb_system(run: String, keys: Vec<String>, samples: Option<u32>) -> Result<String, Error> {
        call(Operation::System(System { run, keys, samples }))
    }

    fn wandb_diagnose(
        run: String,
        loss_key: Option<String>,
        grad_key: Option<String>,
        val_key: Option<String>,
    ) -> Result<String, Error> {
        call(Operation::Diagnose(Diagnose {
            run,
            loss_key,
            grad_key,
            val_key,
        }))
    }

    fn wandb_watch(
        run: String,
        cursor: Option<String>,
        wait: Option<u32>,
    ) -> Result<String, Error> {
        call(Operation::Watch(Watch { run, cursor, wait }))
    }
}

export!(Component);
