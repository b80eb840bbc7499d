//! Loading the component: the embedded one or a `--component` file, compiled once per machine
//! and cached as a precompiled `.cwasm` so each CLI call starts in milliseconds. Which one, and
//! where the cache is, the command line decides (`cli::run`).

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Config, Engine};

use super::cache::{CacheDir, Refusal};
use crate::grant::policy::EPOCH_TICK;

/// The component built from `guest/` by `build.rs`.
pub static EMBEDDED: &[u8] = include_bytes!(env!("WANDB_AGENT_COMPONENT"));

/// The engine, with epoch interruption so a guest stuck computing can be stopped, and a
/// background thread advancing the epoch every [`EPOCH_TICK`].
pub fn engine() -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    let engine = Engine::new(&config)?;
    // A call whose host-side allocations pass its allowance is checked at the next epoch
    // check point of its guest instead of the next tick (see `budget`).
    let overdrawn = engine.weak();
    super::heap::on_overdrawn(move || {
        if let Some(engine) = overdrawn.upgrade() {
            engine.increment_epoch();
        }
    });
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

/// Compiles `wasm`, or loads it precompiled from `cache_dir` (see [`super::cache`] for what is
/// trusted and why). A cache another user could write is not used, and a warning line says
/// why; one that cannot be read or written only costs time: the component is then compiled
/// in memory.
pub fn load(engine: &Engine, wasm: &[u8], cache_dir: Option<&Path>) -> wasmtime::Result<Component> {
    let Some(dir) = cache_dir else {
        return Component::new(engine, wasm);
    };
    let cache = match CacheDir::open(dir) {
        Ok(cache) => cache,
        Err(Refusal::Untrusted(why)) => {
            eprintln!(
                "warning: not using the compile cache {}: {why}; compiling in memory (make it private, or pick another --cache-dir)",
                dir.display()
            );
            return Component::new(engine, wasm);
        }
        Err(Refusal::Unavailable) => return Component::new(engine, wasm),
    };
    let name = cache_key(engine, wasm);
    if let Some(component) = cache
        .open_entry(&name)
        .and_then(|entry| from_entry(engine, entry))
    {
        return Ok(component);
    }
    let compiled = engine.precompile_component(wasm)?;
    cache.store(&name, &compiled);
    // SAFETY: `compiled` was produced just now by this engine.
    unsafe { Component::deserialize(engine, &compiled) }
}

/// Loads a checked cache entry from its open descriptor: mapped through `/proc/self/fd/N` (the
/// open file itself, whatever its path now leads to; as fast as mapping it by path), or, without
/// `/proc`, read from the descriptor.
fn from_entry(engine: &Engine, mut entry: std::fs::File) -> Option<Component> {
    use std::io::Read;
    use std::os::fd::AsRawFd;
    // SAFETY (both loads): the bytes are those of a regular file of this user's, writable by
    // nobody else, in a folder only this user can change, reached through folders nobody else
    // can change, all checked on the descriptors they are loaded through; and the file is
    // named by the hash of the component and of the engine configuration: it is what this
    // program wrote for these exact bytes.
    let by_descriptor = PathBuf::from(format!("/proc/self/fd/{}", entry.as_raw_fd()));
    if by_descriptor.exists() {
        return unsafe { Component::deserialize_file(engine, &by_descriptor) }.ok();
    }
    let mut bytes = Vec::new();
    entry.read_to_end(&mut bytes).ok()?;
    unsafe { Component::deserialize(engine, &bytes) }.ok()
}
