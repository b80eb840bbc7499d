//! Builds the guest component for wasm32-wasip2 and hands its path to the host as
//! `WANDB_AGENT_COMPONENT`, so `cargo build` alone yields a CLI with the component embedded.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir
        .parent()
        .expect("host/ sits in the workspace")
        .to_path_buf();
    for watched in [
        "guest/src",
        "guest/Cargo.toml",
        "wit",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace.join(watched).display()
        );
    }
    // A separate target dir: the outer cargo holds the lock on the main one.
    let target_dir = workspace.join("target").join("guest");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&workspace)
        .args([
            "build",
            "--package",
            "wandb-agent-guest",
            "--target",
            "wasm32-wasip2",
            "--profile",
            "guest",
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    // Flags meant for the host build must not leak into the wasm build.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
    ] {
        command.env_remove(var);
    }
    let status = command.status().expect("cargo can be run from build.rs");
    if !status.success() {
        let installed = Command::new("rustup")
            .args(["target", "list", "--installed"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains("wasm32-wasip2"))
            .unwrap_or(true);
        if !installed {
            panic!(
                "the wasm32-wasip2 target is not installed: run `rustup target add wasm32-wasip2`"
            );
        }
        panic!(
            "building the guest component (guest/) for wasm32-wasip2 failed; see the errors above"
        );
    }
    let wasm = target_dir
        .join("wasm32-wasip2")
        .join("guest")
        .join("wandb_agent_guest.wasm");
    println!("cargo:rustc-env=WANDB_AGENT_COMPONENT={}", wasm.display());
}
