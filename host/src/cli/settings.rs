//! The flags as the plain settings of the layers below: a [`Settings`] for the grant, and the
//! sandbox with the component and compile cache the flags name. Their errors become a
//! [`Failure`] here, with the exit code the README lists.

use wandb_agent_commands::exit;

use super::Global;
use crate::failure::Failure;
use crate::grant::{Invalid, Settings};
use crate::sandbox::component::{default_cache_dir, engine, load, EMBEDDED};
use crate::sandbox::Sandbox;

impl Global {
    /// What the flags ask of the grant.
    pub fn settings(&self) -> Settings {
        Settings {
            base_url: self.base_url.clone(),
            allow: self.allow.clone(),
            timeout: self.timeout,
            max_memory_mb: self.max_memory_mb,
            max_requests: self.max_requests,
            max_response_mb: self.max_response_mb,
            connect_timeout: self.connect_timeout,
            io_timeout: self.io_timeout,
            retries: self.retries,
            max_output_tokens: self.max_output_tokens,
        }
    }
}

impl From<Invalid> for Failure {
    fn from(invalid: Invalid) -> Failure {
        Failure::new(exit::USAGE, invalid.0)
    }
}

/// The engine and component the flags ask for, ready to run calls.
pub fn open_sandbox(global: &Global) -> Result<Sandbox, Failure> {
    let engine =
        engine().map_err(|e| Failure::new(exit::SANDBOX, format!("cannot start wasmtime: {e}")))?;
    let owned;
    let wasm: &[u8] = match &global.component {
        Some(path) => {
            owned = std::fs::read(path).map_err(|e| {
                Failure::new(
                    exit::USAGE,
                    format!("cannot read component {}: {e}", path.display()),
                )
            })?;
            &owned
        }
        None => EMBEDDED,
    };
    let cache_dir = if global.no_cache {
        None
    } else {
        global.cache_dir.clone().or_else(default_cache_dir)
    };
    let compiled = load(&engine, wasm, cache_dir.as_deref()).map_err(|e| {
        Failure::new(
            exit::SANDBOX,
            format!("the component does not compile: {}", e.root_cause()),
        )
    })?;
    Ok(Sandbox::new(engine, compiled)?)
}
