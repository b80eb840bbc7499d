//! The compile cache under a folder another user could write: a planted entry, or the cache
//! folder swapped for a symbolic link while calls run, never runs foreign native code.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::support::{cached, escape_component, server, Cli, Output};

fn list(s: &wandb_emulator::RunningServer, cache: &Path) -> Output {
    Cli::against(s).run(&[
        "--cache-dir",
        cache.to_str().unwrap(),
        "list-runs",
        "demo/vision",
        "--limit",
        "1",
    ])
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The one `.cwasm` in `dir`.
fn entry(dir: &Path) -> std::path::PathBuf {
    cached(dir).pop().unwrap()
}

#[test]
fn a_cache_under_a_folder_others_can_write_never_runs_planted_code() {
    let s = server();
    // The hostile component, precompiled by this very host.
    let compiled = tempfile::tempdir().unwrap();
    let escape = escape_component().to_str().unwrap().to_string();
    Cli::against(&s)
        .run(&[
            "--cache-dir",
            compiled.path().to_str().unwrap(),
            "--component",
            &escape,
            "summary",
            "env",
        ])
        .ok();
    let hostile = entry(compiled.path());

    let root = tempfile::tempdir().unwrap();
    let shared = root.path().join("shared");
    let cache = shared.join("cache");
    std::fs::create_dir(&shared).unwrap();
    assert!(list(&s, &cache).ok().starts_with("id,"));
    let name = entry(&cache).file_name().unwrap().to_owned();
    // A private folder holding the hostile code under the real component's entry name.
    let planted = shared.join("planted");
    std::fs::create_dir(&planted).unwrap();
    chmod(&planted, 0o700);
    std::fs::copy(&hostile, planted.join(&name)).unwrap();
    chmod(&planted.join(&name), 0o600);
    let swap_in = || {
        std::fs::rename(&cache, shared.join("real")).unwrap();
        std::os::unix::fs::symlink(&planted, &cache).unwrap();
    };
    let swap_out = || {
        std::fs::remove_file(&cache).unwrap();
        std::fs::rename(shared.join("real"), &cache).unwrap();
    };

    // Control: with nobody else able to write `shared`, a link the user made there is the
    // user's choice and is followed: the planted code runs (the escape component has no
    // `wandb-list-runs`). This is what the check below must prevent.
    swap_in();
    assert!(list(&s, &cache)
        .fails(8)
        .contains("the component has no export `wandb-list-runs`"));
    swap_out();

    // Writable by others: refused at once with a line naming the folder, and the real
    // component runs, compiled in memory.
    chmod(&shared, 0o777);
    let warning = format!(
        "warning: not using the compile cache {}: {} can be written by other users (mode 777); compiling in memory (make it private, or pick another --cache-dir)\n",
        cache.display(),
        shared.display()
    );
    let out = list(&s, &cache);
    assert!(
        out.code == 0 && out.stdout.starts_with("id,"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr, warning);

    // The race: another user swaps the cache folder for a link to the planted code and back,
    // as fast as it can, while calls run. None of them runs it.
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let stop = stop.clone();
        let (cache, shared, planted) = (cache.clone(), shared.clone(), planted.clone());
        std::thread::spawn(move || {
            let mut swaps = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let _ = std::fs::rename(&cache, shared.join("real"));
                let _ = std::os::unix::fs::symlink(&planted, &cache);
                std::thread::yield_now();
                let _ = std::fs::remove_file(&cache);
                let _ = std::fs::rename(shared.join("real"), &cache);
                swaps += 1;
            }
            swaps
        })
    };
    for attempt in 0..8 {
        let out = list(&s, &cache);
        assert!(
            out.code == 0 && out.stdout.starts_with("id,"),
            "attempt {attempt}: {}",
            out.stderr
        );
        // Refused with the warning, or (caught between a rename and a link) not there at all.
        assert!(
            out.stderr.is_empty()
                || out
                    .stderr
                    .starts_with("warning: not using the compile cache"),
            "{}",
            out.stderr
        );
    }
    stop.store(true, Ordering::Relaxed);
    assert!(swapper.join().unwrap() > 8, "the swapper did run");
}
