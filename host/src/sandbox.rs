//! The sandbox: one fresh component instance per call, with no files, no ambient environment,
//! no sockets, bounded memory and time, and outbound HTTP only through [`OutboundPolicy`].

use std::time::Duration;

use http::header::HeaderValue;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::budget::{self, Budget};
use crate::heap::Meter;
use crate::incident::{Incident, Incidents};
use crate::outbound::OutboundPolicy;
pub use crate::policy::{Grant, Limits};

/// Host bindings of the WIT world (generated; the exports mirror the WIT's argument lists).
mod bindings {
    #![allow(clippy::too_many_arguments)]
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "wandb-agent",
        exports: { default: async },
        // The world's WASI imports are linked from wasmtime-wasi(-http) in `linker`. Mapping
        // them here keeps bindgen from generating them again; `wasi:http` cannot be mapped
        // (its 0.2.12 bindings take link options our 0.2.2 WIT lacks), so its generated copy
        // sits unused.
        with: {
            "wasi:io": wasmtime_wasi::p2::bindings::io,
            "wasi:clocks": wasmtime_wasi::p2::bindings::clocks,
            "wasi:cli": wasmtime_wasi::p2::bindings::cli,
        },
    });
}

pub use self::bindings::{Error, Mode, WandbAgent as Bindings};

pub struct HostState {
    incidents: Incidents,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    policy: OutboundPolicy,
    budget: Budget,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.policy,
        }
    }
}

/// An engine, the compiled component and a linker: built once, used for many calls.
pub struct Sandbox {
    engine: Engine,
    component: Component,
    linker: Linker<HostState>,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the component does not load: {0}")]
    Load(String),
    #[error("the call took longer than {0:?} and was stopped (raise --timeout)")]
    Timeout(Duration),
    #[error("the component failed: {0}")]
    Trap(String),
    #[error("{0}")]
    Limit(String),
    /// The host refused a destination the allowlist alone would have let through.
    #[error("{0}")]
    Denied(String),
    #[error("the component reported: {}", .0.message())]
    Guest(GuestError),
}

impl SandboxError {
    /// What the host stopped, as the error class it belongs to.
    fn stopped(incident: Incident) -> SandboxError {
        match incident {
            Incident::PrivateAddress { .. } => SandboxError::Denied(incident.message()),
            other => SandboxError::Limit(other.message()),
        }
    }
}

/// The guest's typed error, as the WIT declares it.
pub type GuestError = self::Error;

impl self::Error {
    pub fn message(&self) -> &str {
        match self {
            Error::NotFound(m)
            | Error::Unauthorized(m)
            | Error::Network(m)
            | Error::Denied(m)
            | Error::BadInput(m)
            | Error::Server(m) => m,
            Error::MissingKeys(k) => &k.message,
        }
    }
}

impl Sandbox {
    pub fn new(engine: Engine, component: Component) -> Result<Sandbox, SandboxError> {
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|e| SandboxError::Load(e.to_string()))?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
            .map_err(|e| SandboxError::Load(e.to_string()))?;
        Ok(Sandbox {
            engine,
            component,
            linker,
        })
    }

    fn store(&self, grant: &Grant, meter: &Meter) -> Store<HostState> {
        let mut wasi = WasiCtx::builder();
        // Only the non-secret values the guest needs; no args, no preopens, no sockets.
        wasi.env("WANDB_BASE_URL", &grant.base_url);
        wasi.env("WANDB_AGENT_RETRIES", grant.limits.retries.to_string());
        if let Some(entity) = &grant.entity {
            wasi.env("WANDB_ENTITY", entity);
        }
        wasi.allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        let incidents = Incidents::default();
        let max_memory = grant.limits.max_memory_bytes;
        let mut http = WasiHttpCtx::new();
        http.set_field_size_limit(budget::FIELD_SIZE_LIMIT);
        let mut table = ResourceTable::new();
        table.set_max_capacity(budget::resource_capacity(max_memory));
        let state = HostState {
            incidents: incidents.clone(),
            wasi: wasi.build(),
            http,
            table,
            policy: OutboundPolicy {
                allowlist: grant.allowlist.clone(),
                base_origin: grant.base_origin.clone(),
                authorization: grant.authorization.as_deref().and_then(|a| {
                    let mut v = HeaderValue::from_str(a).ok()?;
                    v.set_sensitive(true);
                    Some(v)
                }),
                limits: grant.limits,
                requests: 0,
                incidents: incidents.clone(),
                pins: crate::connect::Pins::system(),
            },
            budget: Budget::new(max_memory, meter.clone(), incidents),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.budget);
        // Every epoch tick while the guest runs: the memory budget, then the deadline. A busy
        // guest is interrupted this way (an async timeout alone cannot preempt it).
        let deadline = std::time::Instant::now() + grant.limits.timeout;
        store.epoch_deadline_callback(move |ctx| {
            ctx.data().budget.check()?;
            if std::time::Instant::now() >= deadline {
                return Err(wasmtime::Trap::Interrupt.into());
            }
            Ok(UpdateDeadline::Continue(1))
        });
        store.set_epoch_deadline(1);
        store
    }

    /// Runs one operation in a fresh instance, within the grant's time limit.
    pub async fn run(&self, grant: &Grant, operation: &Operation) -> Result<String, SandboxError> {
        // What the host allocates while running the guest is charged to the call's budget.
        let meter = Meter::default();
        let mut store = self.store(grant, &meter);
        let run = async {
            let bindings = Bindings::instantiate_async(&mut store, &self.component, &self.linker)
                .await
                .map_err(|e| SandboxError::Load(format!("{e:#}")))?;
            let outcome = match operation {
                Operation::ListRuns {
                    project,
                    limit,
                    include_crashed,
                    include_short,
                } => {
                    bindings
                        .call_wandb_list_runs(
                            &mut store,
                            project,
                            *limit,
                            *include_crashed,
                            *include_short,
                        )
                        .await
                }
                Operation::Summary { run } => bindings.call_wandb_summary(&mut store, run).await,
                Operation::History {
                    run,
                    keys,
                    window,
                    budget,
                } => {
                    bindings
                        .call_wandb_history(
                            &mut store,
                            run,
                            keys,
                            window.samples,
                            window.min_step,
                            window.max_step,
                            *budget,
                        )
                        .await
                }
                Operation::Compare {
                    run_a,
                    run_b,
                    metric,
                    mode,
                } => {
                    bindings
                        .call_wandb_compare(&mut store, run_a, run_b, metric, *mode)
                        .await
                }
                Operation::Best {
                    project,
                    metric,
                    last,
                    mode,
                    include_crashed,
                    include_short,
                    over_history,
                } => {
                    bindings
                        .call_wandb_best(
                            &mut store,
                            project,
                            metric,
                            *last,
                            *mode,
                            *include_crashed,
                            *include_short,
                            *over_history,
                        )
                        .await
                }
                Operation::Diagnose {
                    run,
                    loss_key,
                    grad_key,
                    val_key,
                } => {
                    bindings
                        .call_wandb_diagnose(
                            &mut store,
                            run,
                            loss_key.as_deref(),
                            grad_key.as_deref(),
                            val_key.as_deref(),
                        )
                        .await
                }
                Operation::HistoryStats { run, keys, window } => {
                    bindings
                        .call_wandb_history_stats(
                            &mut store,
                            run,
                            keys,
                            window.samples,
                            window.min_step,
                            window.max_step,
                        )
                        .await
                }
            };
            Ok::<_, SandboxError>(outcome)
        };
        let outcome = tokio::time::timeout(grant.limits.timeout, meter.metered(run)).await;
        // A call may finish before any check caught its host-side peak: it fails all the same.
        if let Some(over) = store.data().budget.check_peak() {
            if outcome.is_ok() {
                return Err(SandboxError::Limit(over.message()));
            }
        }
        let incident = store
            .data()
            .incidents
            .lock()
            .ok()
            .and_then(|list| list.first().cloned());
        let result = match outcome {
            Err(_elapsed) => return Err(SandboxError::Timeout(grant.limits.timeout)),
            Ok(Err(e)) => return Err(e),
            Ok(Ok(result)) => result,
        };
        match (result, incident) {
            (Ok(Ok(text)), _) => Ok(text),
            // What the host stopped explains the failure better than the guest can.
            (Ok(Err(_)) | Err(_), Some(incident)) => Err(SandboxError::stopped(incident)),
            (Ok(Err(guest)), None) => Err(SandboxError::Guest(guest)),
            (Err(trap), None) => Err(classify_trap(&trap, &grant.limits)),
        }
    }
}

/// A trap caused by one of the host-resource caps, as the limit it hit.
fn resource_incident(err: &wasmtime::Error, limits: &Limits) -> Option<Incident> {
    let full = err.chain().any(|c| {
        c.downcast_ref::<wasmtime::component::ResourceTableError>()
            .is_some_and(|e| matches!(e, wasmtime::component::ResourceTableError::Full))
            || c.to_string().contains("resource table has no free keys")
    });
    if full {
        return Some(Incident::TooManyResources(budget::resource_capacity(
            limits.max_memory_bytes,
        )));
    }
    // wasi-http's wording when a header map passes its size limit.
    let oversized = err
        .chain()
        .any(|c| c.to_string().contains("total size of fields exceeds limit"));
    oversized.then_some(Incident::HeaderMapTooLarge(budget::FIELD_SIZE_LIMIT))
}

/// One call of a component export, with its arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    ListRuns {
        project: String,
        limit: Option<u32>,
        include_crashed: bool,
        include_short: bool,
    },
    Summary {
        run: String,
    },
    History {
        run: String,
        keys: Vec<String>,
        window: Window,
        budget: Option<u32>,
    },
    HistoryStats {
        run: String,
        keys: Vec<String>,
        window: Window,
    },
    Compare {
        run_a: String,
        run_b: String,
        metric: String,
        mode: Option<Mode>,
    },
    Best {
        project: String,
        metric: String,
        last: Option<u32>,
        mode: Option<Mode>,
        include_crashed: bool,
        include_short: bool,
        over_history: bool,
    },
    Diagnose {
        run: String,
        loss_key: Option<String>,
        grad_key: Option<String>,
        val_key: Option<String>,
    },
}

/// Which history rows to read: server-side samples per key and an inclusive step window.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Window {
    pub samples: Option<u32>,
    pub min_step: Option<u64>,
    pub max_step: Option<u64>,
}

/// One line for a trap, naming the limit when a limit caused it; never a backtrace.
fn classify_trap(err: &wasmtime::Error, limits: &Limits) -> SandboxError {
    // Memory over the budget is recorded as an incident by `Budget` and reported from there.
    if let Some(incident) = resource_incident(err, limits) {
        return SandboxError::Limit(incident.message());
    }
    match err.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::Interrupt) => SandboxError::Timeout(limits.timeout),
        Some(trap) => SandboxError::Trap(trap.to_string()),
        None => SandboxError::Trap(
            err.root_cause()
                .to_string()
                .lines()
                .next()
                .unwrap_or("unknown trap")
                .to_string(),
        ),
    }
}
