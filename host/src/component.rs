//! Loading the component: the embedded one or a `--component` file, compiled once per machine
//! and cached as a precompiled `.cwasm` so each CLI call starts in milliseconds.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Config, Engine};

use crate::cli::Global;
use crate::failure::Failure;
use crate::policy::EPOCH_TICK;
use crate::sandbox::Sandbox;
use wandb_agent_commands::exit;

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
    crate::heap::on_overdrawn(move || {
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

/// Compiles `wasm`, or loads it precompiled from `cache_dir`. Loading a `.cwasm` runs native
/// code, so only a cache this user alone controls is trusted (see [`trusted`]); an untrusted
/// directory is not used at all and an untrusted entry is compiled again and replaced. A cache
/// that cannot be read or written only costs time: the component is then compiled in memory.
pub fn load(engine: &Engine, wasm: &[u8], cache_dir: Option<&Path>) -> wasmtime::Result<Component> {
    let Some(dir) = cache_dir.filter(|dir| prepare_dir(dir)) else {
        return Component::new(engine, wasm);
    };
    let path = dir.join(cache_key(engine, wasm));
    if std::fs::symlink_metadata(&path).is_ok_and(|m| trusted(&m) && m.is_file()) {
        // SAFETY: the file sits in a directory only this user can write, is owned by this user
        // and writable by nobody else, and is named by the hash of the component and of the
        // engine configuration: it is what this program wrote for these exact bytes.
        if let Ok(component) = unsafe { Component::deserialize_file(engine, &path) } {
            return Ok(component);
        }
    }
    let compiled = engine.precompile_component(wasm)?;
    store_atomically(&path, &compiled);
    // SAFETY: `compiled` was produced just now by this engine.
    unsafe { Component::deserialize(engine, &compiled) }
}

/// Whether a cache directory or file is this user's alone: owned by the current user and not
/// writable by group or others (anyone who can write it could plant native code).
fn trusted(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    meta.uid() == me && meta.mode() & 0o022 == 0
}

/// Creates the cache directory (mode 0700) if needed; `false` when it cannot be trusted.
fn prepare_dir(dir: &Path) -> bool {
    use std::os::unix::fs::DirBuilderExt;
    let _ = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir);
    std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir() && trusted(&m))
}

/// Writes to a private temporary file, then renames it over `path`: readers see the old file
/// or the whole new one, and an untrusted entry is replaced, never written through.
fn store_atomically(path: &Path, bytes: &[u8]) {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes));
    if written.is_err() || std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn only_private_directories_and_files_are_trusted() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("cache");
        assert!(prepare_dir(&dir));
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let file = dir.join("entry.cwasm");
        store_atomically(&file, b"bytes");
        let meta = std::fs::metadata(&file).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert!(trusted(&meta));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
        assert!(!trusted(&std::fs::metadata(&file).unwrap()));
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(!prepare_dir(&dir), "a world-writable directory is not used");
    }
}
