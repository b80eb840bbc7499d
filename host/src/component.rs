//! Loading the component: the embedded one or a `--component` file, compiled once per machine
//! and cached as a precompiled `.cwasm` so each CLI call starts in milliseconds.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Config, Engine};

use crate::sandbox::EPOCH_TICK;

/// The component built from `guest/` by `build.rs`.
pub static EMBEDDED: &[u8] = include_bytes!(env!("WANDB_AGENT_COMPONENT"));

/// The engine, with epoch interruption so a guest stuck computing can be stopped, and a
/// background thread advancing the epoch every [`EPOCH_TICK`].
pub fn engine() -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    let engine = Engine::new(&config)?;
    let ticker = engine.weak();
    std::thread::Builder::new()
        .name("epoch-ticker".into())
        .spawn(move || {
            while let Some(engine) = ticker.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })?;
    Ok(engine)
}

/// The default cache directory: `$XDG_CACHE_HOME/wandb-agent` or `~/.cache/wandb-agent`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("wandb-agent"))
}

/// The cache file name: a hash of the component bytes and of everything in the engine that
/// a precompiled artifact must match (wasmtime version, features, settings).
fn cache_key(engine: &Engine, wasm: &[u8]) -> String {
    let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut engine_hash);
    let mut digest = Sha256::new();
    digest.update(wasm);
    digest.update(engine_hash.finish().to_le_bytes());
    digest.update(env!("CARGO_PKG_VERSION").as_bytes());
    let hex: String = digest
        .finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{hex}.cwasm")
}

/// Compiles `wasm`, or loads it precompiled from `cache_dir`. A cache that cannot be read or
/// written only costs time: the component is then compiled in memory.
pub fn load(engine: &Engine, wasm: &[u8], cache_dir: Option<&Path>) -> wasmtime::Result<Component> {
    let Some(dir) = cache_dir else {
        return Component::new(engine, wasm);
    };
    let path = dir.join(cache_key(engine, wasm));
    if path.exists() {
        // SAFETY: the file is one this program wrote into the user's own cache directory,
        // named by the hash of the component and of the engine configuration.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
            return Ok(component);
        }
    }
    let compiled = engine.precompile_component(wasm)?;
    store_atomically(dir, &path, &compiled);
    // SAFETY: `compiled` was produced just now by this engine.
    unsafe { Component::deserialize(engine, &compiled) }
}

fn store_atomically(dir: &Path, path: &Path, bytes: &[u8]) {
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}
