//! `wandb-agent demo`: the emulator in-process on 127.0.0.1, and a short tour of the tool.

use std::net::SocketAddr;

use wandb_emulator::{demo::long_run, DEMO_API_KEY};

use crate::allowlist::Origin;
use crate::cli::Global;
use crate::grant::{basic_auth, build};
use crate::sandbox::Operation;
use crate::{exit, open_sandbox, print_output, Failure};

fn tour() -> Vec<(String, Operation)> {
    let long = format!("demo/vision/{}", long_run::ID);
    vec![
        (
            "wandb-agent list-runs demo/vision".into(),
            Operation::ListRuns {
                project: "demo/vision".into(),
                limit: Some(10),
                include_crashed: false,
                include_short: false,
            },
        ),
        (
            "wandb-agent list-runs demo/vision --limit 3 --include-crashed --include-short".into(),
            Operation::ListRuns {
                project: "demo/vision".into(),
                limit: Some(3),
                include_crashed: true,
                include_short: true,
            },
        ),
        (
            format!("wandb-agent summary {long}"),
            Operation::Summary { run: long.clone() },
        ),
        (
            "wandb-agent summary https://wandb.ai/demo/vision/runs/m3d1ah1s".into(),
            Operation::Summary {
                run: "https://wandb.ai/demo/vision/runs/m3d1ah1s".into(),
            },
        ),
        (
            "wandb-agent summary demo/vision/nosuchrn".into(),
            Operation::Summary {
                run: "demo/vision/nosuchrn".into(),
            },
        ),
    ]
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
        global,
        base_url.clone(),
        origin,
        Some(basic_auth(DEMO_API_KEY)),
        None,
    )?;
    let sandbox = open_sandbox(global)?;
    println!(
        "# demo W&B server on {base_url} (entity `demo`); each call runs in a fresh sandbox\n"
    );
    for (command, operation) in tour() {
        println!("$ {command}");
        match sandbox.run(&grant, &operation).await {
            Ok(text) => print_output(&text),
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
