//! The sandbox: one fresh component instance per call, with no files, no ambient environment,
//! no sockets, bounded memory and time, and outbound HTTP only through [`OutboundPolicy`].
//!
//! - loading: `component` (engine, the embedded component, compiling), `cache` (the compile
//!   cache, checked on descriptors);
//! - one call: this module (an instance per call, exports called by name), `call` (JSON
//!   arguments to component values, the guest's error), `outbound` (the wasi:http hook that
//!   applies the grant's allowlist and limits), `ceiling` (the last word on output size);
//! - what the host stopped: `budget`/`heap` (memory accounting), `incident`, `error`.

pub mod budget;
pub mod cache;
mod call;
pub mod ceiling;
pub mod component;
mod error;
pub mod heap;
pub mod incident;
pub mod outbound;

use http::header::HeaderValue;
use wandb_agent_commands::{env, HistoryPng, Operation};
use wasmtime::component::{Component, Linker, ResourceTable, Val};
use wasmtime::{Engine, Store, UpdateDeadline};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::grant::policy::Grant;
use budget::Budget;
use call::Output;
pub use call::Picture;
use error::classify_trap;
pub use error::SandboxError;
use heap::Meter;
use incident::Incidents;
use outbound::OutboundPolicy;

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

    fn store(&self, grant: &Grant, meter: &Meter) -> Result<Store<HostState>, SandboxError> {
        let mut wasi = WasiCtx::builder();
        // Only the non-secret values the guest needs; no args, no preopens, no sockets.
        wasi.env(env::BASE_URL, &grant.base_url);
        wasi.env(env::RETRIES, grant.limits.retries.to_string());
        wasi.env(env::TIMEOUT, grant.limits.timeout.as_secs().to_string());
        wasi.env(env::AUDIENCE, grant.audience.as_env());
        wasi.env(
            env::MAX_OUTPUT_TOKENS,
            grant.limits.max_output_tokens.unwrap_or(0).to_string(),
        );
        if let Some(entity) = &grant.entity {
            wasi.env(env::ENTITY, entity);
        }
        // Runs on disk: exactly the named directories, read-only (no file or directory in
        // them can be created, written or removed).
        for (i, dir) in grant.local.iter().enumerate() {
            let mount = crate::grant::local::mount(i, dir);
            wasi.preopened_dir(&dir.dir, mount, wasmtime_wasi::FsPerms::ReadOnly)
                .map_err(|e| SandboxError::Load(format!("cannot open {}: {e}", dir.shown)))?;
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
                pins: crate::network::connect::Pins::system(),
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
        Ok(store)
    }

    /// Runs one operation in a fresh instance, within the grant's time limit; its text within
    /// the output ceiling.
    pub async fn run(&self, grant: &Grant, operation: &Operation) -> Result<String, SandboxError> {
        let arguments = serde_json::to_value(operation).map_err(|e| {
            SandboxError::Load(format!("arguments of `{}`: {e}", operation.export()))
        })?;
        match self.call(grant, operation.export(), &arguments).await? {
            Output::Text(text) => Ok(text),
            Output::Picture(_) => Err(SandboxError::Load(format!(
                "`{}` returned a picture, not text",
                operation.export()
            ))),
        }
    }

    /// Draws `wandb-history-png`'s picture in a fresh instance, like [`Sandbox::run`].
    pub async fn picture(&self, grant: &Grant, args: &HistoryPng) -> Result<Picture, SandboxError> {
        let export = HistoryPng::EXPORT;
        let arguments = serde_json::to_value(args)
            .map_err(|e| SandboxError::Load(format!("arguments of `{export}`: {e}")))?;
        match self.call(grant, export, &arguments).await? {
            Output::Picture(picture) => Ok(picture),
            Output::Text(_) => Err(SandboxError::Load(format!(
                "`{export}` returned text, not a picture"
            ))),
        }
    }

    /// Calls `export` with JSON `arguments` in a fresh instance, within the grant's time
    /// limit; text within the output ceiling.
    async fn call(
        &self,
        grant: &Grant,
        export: &str,
        arguments: &serde_json::Value,
    ) -> Result<Output, SandboxError> {
        // What the host allocates while running the guest is charged to the call's budget.
        let meter = Meter::default();
        let mut store = self.store(grant, &meter)?;
        let run = async {
            let instance = self
                .linker
                .instantiate_async(&mut store, &self.component)
                .await
                .map_err(|e| SandboxError::Load(format!("{e:#}")))?;
            let func = instance.get_func(&mut store, export).ok_or_else(|| {
                SandboxError::Load(format!("the component has no export `{export}`"))
            })?;
            let params = call::parameters(export, func.ty(&store).params(), arguments)
                .map_err(SandboxError::Load)?;
            let mut results = [Val::Bool(false)];
            // A trap stays a trap here: what the host stopped may explain it (below).
            let outcome = match func.call_async(&mut store, &params, &mut results).await {
                Ok(()) => {
                    let [result] = results;
                    Ok(call::outcome(export, result).map_err(SandboxError::Load)?)
                }
                Err(trap) => Err(trap),
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
            (Ok(Ok(Output::Text(text))), _) => Ok(Output::Text(ceiling::keep(
                text,
                grant.limits.max_output_tokens,
                grant.audience,
            ))),
            (Ok(Ok(picture)), _) => Ok(picture),
            // What the host stopped explains the failure better than the guest can.
            (Ok(Err(_)) | Err(_), Some(incident)) => Err(SandboxError::stopped(incident)),
            (Ok(Err(guest)), None) => Err(SandboxError::Guest(guest)),
            (Err(trap), None) => Err(classify_trap(&trap, &grant.limits)),
        }
    }
}
