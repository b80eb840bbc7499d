//! `wandb-agent demo`: the emulator in-process on 127.0.0.1, and a short tour of the tool.

use std::net::SocketAddr;

use wandb_emulator::{seed::vision::long_run, DEMO_API_KEY};

use wandb_agent_commands::{exit, Operation};

use super::settings::open_sandbox;
use super::{print_output, Command, Global};
use crate::failure::Failure;
use crate::grant::{basic_auth, build, local, narrowed_to};
use crate::network::allowlist::Origin;

/// The tour: what an agent would do, coarse to fine, each step with why. The command lines
/// go through the CLI's own parser, so what is shown is exactly what runs.
fn tour() -> Vec<(&'static str, String)> {
    let long = format!("demo/vision/{}", long_run::ID);
    vec![
        (
            "macro: the project's runs (crashed and short ones hidden)",
            "list-runs demo/vision".into(),
        ),
        (
            "the hidden ones too, three at most",
            "list-runs demo/vision --limit 3 --include-crashed --include-short".into(),
        ),
        (
            "summary: config and final metrics of a 1,200,001-step run",
            format!("summary {long}"),
        ),
        (
            "a run URL works too; media and tables become placeholders",
            "summary https://wandb.ai/demo/vision/runs/m3d1ah1s".into(),
        ),
        (
            "stats before rows: each curve in one line (`!` = NaN/Inf)",
            format!("history {long} --keys loss,val_loss,grad_norm --stats"),
        ),
        (
            "sampled: the whole curve, reduced to a small token budget, extremes kept",
            format!("history {long} --keys loss,grad_norm --budget 300"),
        ),
        (
            "diagnose: exact steps and epochs, found by zooming in",
            format!("diagnose {long}"),
        ),
        (
            "micro: every row of a step window around the explosion",
            format!("history {long} --keys grad_norm,epoch --min-step 812340 --max-step 812350"),
        ),
        (
            "the best of the last 5 attempts by val_loss",
            "best demo/llm-finetune --metric val_loss --last 5".into(),
        ),
        (
            "that run against the best overall",
            "compare demo/llm-finetune/ft08lr1e demo/llm-finetune/ft01base --metric val_loss"
                .into(),
        ),
        (
            "an unknown run: one line, and what to do",
            "summary demo/vision/nosuchrn".into(),
        ),
        (
            "runs on disk: a run the real wandb client wrote offline, read with no key and no \
             network (only its directory is granted, read-only): every row, nothing sampled",
            format!("diagnose {LOCAL_RUN}"),
        ),
    ]
}

/// The run directory the demo ships (`demo/local/README.md` says how it was made), as a
/// path from the workspace, where `scripts/demo.sh` runs.
const LOCAL_RUN: &str = "./demo/local/wandb/offline-run-20261206_183549-demo0001";

/// The operation a tour command line asks for, parsed as the CLI parses it.
fn parse(command_line: &str) -> Operation {
    let args = std::iter::once("wandb-agent").chain(command_line.split_whitespace());
    match super::parse_from(args).map(|cli| cli.command) {
        Ok(Command::Op(operation)) => operation.resolved(),
        other => unreachable!("the demo tour's `{command_line}` is an operation: {other:?}"),
    }
}

pub async fn run(global: &Global, serve: bool, listen: SocketAddr) -> Result<(), Failure> {
    let server = wandb_emulator::spawn(listen, DEMO_API_KEY).map_err(|e| {
        Failure::new(
            exit::NETWORK,
            format!("cannot start the demo server on {listen}: {e}"),
        )
    })?;
    let base_url = server.base_url();
    let origin = Origin::parse(&base_url).map_err(|e| Failure::new(exit::USAGE, e.to_string()))?;
    let grant = build(
        &global.settings(),
        base_url.clone(),
        origin,
        Some(basic_auth(DEMO_API_KEY)),
        None,
    )?;
    let sandbox = open_sandbox(global)?;
    println!(
        "# demo W&B server on {base_url} (entity `demo`); each call runs in a fresh sandbox\n"
    );
    for (why, command_line) in tour() {
        println!("# {why}");
        println!("$ wandb-agent {command_line}");
        let operation = parse(&command_line);
        // A local path is granted alone, as the CLI grants it (see `cli::run`).
        let (operation, grant) = match local::localize(&operation) {
            Ok(Some((operation, dirs))) => (operation, narrowed_to(&grant, dirs)),
            Ok(None) => (operation, grant.clone()),
            Err(message) => {
                println!("error: {message} (run the demo from the workspace)\n");
                continue;
            }
        };
        match sandbox.run(&grant, &operation).await {
            Ok(text) => print_output(&local::unmount(&text, &grant.local)),
            Err(err) => println!("error: {}", Failure::from(err).message),
        }
        println!();
    }
    let env = format!("WANDB_BASE_URL={base_url} WANDB_API_KEY={DEMO_API_KEY}");
    if serve {
        println!("# the demo server keeps running; in another terminal:");
        println!("{env} wandb-agent list-runs demo/vision");
        println!("# press Ctrl-C to stop");
        let _ = tokio::signal::ctrl_c().await;
    } else {
        println!(
            "# to try your own commands: `wandb-agent demo --serve --listen 127.0.0.1:8080`, then"
        );
        println!("# WANDB_BASE_URL=http://127.0.0.1:8080 WANDB_API_KEY={DEMO_API_KEY} wandb-agent list-runs demo/vision");
    }
    drop(server);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tour_command_is_an_operation() {
        for (_, command_line) in tour() {
            parse(&command_line);
        }
    }
}
