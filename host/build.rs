//! Builds the guest component for wasm32-wasip2, adds the WIT's documentation to it, and hands
//! its path to the host as `WANDB_AGENT_COMPONENT`, so `cargo build` alone yields a CLI with the
//! component embedded. The documented component is `target/guest/wandb-agent.wasm`: the file to
//! give other hosts (wasmtime CLI, jco, Wassette).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Variables meant for the host build that must not leak into the wasm builds.
const SCRUBBED: [&str; 7] = [
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_TARGET",
    "CARGO_TARGET_DIR",
    "CARGO_MAKEFLAGS",
    "MAKEFLAGS",
    "MFLAGS",
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir
        .parent()
        .expect("host/ sits in the workspace")
        .to_path_buf();
    // Manifests and the WIT: a new source file shows up in a manifest or the WIT first. The
    // sources themselves are watched from the compiler's dep-info after each build (below).
    for watched in [
        "guest/Cargo.toml",
        "commands/Cargo.toml",
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
    let out = target_dir.join("wasm32-wasip2").join("guest");
    // Only the shipped component: the sandbox tests' hostile one (tests/escape-guest) is built
    // by the test harness the first time a test asks for it (tests/e2e/support.rs).
    build_guest(&workspace, &target_dir, "wandb-agent-guest");
    for dep_info in ["wandb_agent_guest.d", "wandb-agent-cli.d"] {
        watch_dep_info(&workspace, &out.join(dep_info));
    }
    let component = std::fs::read(out.join("wandb_agent_guest.wasm"))
        .expect("the guest build wrote its component");
    let documented = with_wit_docs(component, &workspace.join("wit"));
    let published = target_dir.join("wandb-agent.wasm");
    std::fs::write(&published, documented).expect("target/guest is writable");
    println!(
        "cargo:rustc-env=WANDB_AGENT_COMPONENT={}",
        published.display()
    );
}

fn build_guest(workspace: &Path, target_dir: &Path, package: &str) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace)
        .args([
            "build",
            "--package",
            package,
            "--target",
            "wasm32-wasip2",
            "--profile",
            "guest",
        ])
        .arg("--target-dir")
        .arg(target_dir);
    for var in SCRUBBED {
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
        panic!("building {package} for wasm32-wasip2 failed; see the errors above");
    }
}

/// Watches every workspace file a guest build read, from cargo's dep-info (`target: dep dep`,
/// spaces in paths escaped with a backslash): edits to `commands/` or any guest module then
/// rebuild the components.
fn watch_dep_info(workspace: &Path, dep_info: &Path) {
    let Ok(text) = std::fs::read_to_string(dep_info) else {
        return;
    };
    let Some((_, deps)) = text.split_once(": ") else {
        return;
    };
    let mut path = String::new();
    let mut chars = deps.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_some_and(|n| *n == ' ') => path.push(chars.next().unwrap()),
            ' ' | '\n' => {
                if Path::new(&path).starts_with(workspace) {
                    println!("cargo:rerun-if-changed={path}");
                }
                path.clear();
            }
            other => path.push(other),
        }
    }
    if Path::new(&path).starts_with(workspace) {
        println!("cargo:rerun-if-changed={path}");
    }
}

/// Appends the WIT package's `///` docs as a `package-docs` custom section, where plugin hosts
/// (Wassette's tool descriptions, `wasm-tools component wit`) read them. The component linker
/// keeps only the types, so without this every tool would reach an agent undescribed.
fn with_wit_docs(mut component: Vec<u8>, wit_dir: &Path) -> Vec<u8> {
    use wasm_encoder::ComponentSection;
    use wit_parser::{PackageMetadata, Resolve, WorldKey};

    let mut resolve = Resolve::default();
    let (package, _) = resolve
        .push_dir(wit_dir)
        .unwrap_or_else(|e| panic!("{} does not parse: {e:#}", wit_dir.display()));
    // Decoders such as wit-component apply the docs to the component's decoded world, which is
    // always `root`, and reject docs for anything that world lacks. So: the one world is
    // renamed `root`, and its WASI imports are left out (the component may import a newer
    // 0.2.x than the WIT names, and wit-parser counts plain comments there as docs).
    let worlds = &mut resolve.packages[package].worlds;
    *worlds = worlds
        .drain(..)
        .map(|(_, id)| ("root".to_string(), id))
        .collect();
    for (_, id) in resolve.packages[package].worlds.clone() {
        let imports = &mut resolve.worlds[id].imports;
        imports.retain(|key, _| matches!(key, WorldKey::Name(_)));
    }
    let docs = PackageMetadata::extract(&resolve, package)
        .encode()
        .expect("WIT docs encode as JSON");
    wasm_encoder::CustomSection {
        name: PackageMetadata::SECTION_NAME.into(),
        data: docs.into(),
    }
    .append_to_component(&mut component);
    component
}
