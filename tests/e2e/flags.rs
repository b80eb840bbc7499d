//! Help that an agent can afford, and flags that behave the same everywhere.

use wandb_emulator::seed::sweep::SWEEP_ID;

use crate::support::{server, tokens, Cli};

/// The most o200k tokens any `--help` may cost.
const HELP_CAP: usize = 600;

/// The subcommands the top-level help lists (hidden ones are not for agents to read).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|name| name != "help")
        .collect()
}

/// Every `--help`, the top level's and each subcommand's (those added later too), within
/// 600 o200k tokens, with one example each.
#[test]
fn every_help_is_lean() {
    let top = Cli::new().run(&["--help"]).ok().to_string();
    let n = tokens(&top);
    assert!(n <= HELP_CAP, "wandb-agent --help: {n} tokens");
    let names = subcommands(&top);
    assert!(names.len() >= 12, "{names:?}");
    for name in &names {
        let help = Cli::new().run(&[name, "--help"]).ok().to_string();
        let n = tokens(&help);
        assert!(n <= HELP_CAP, "wandb-agent {name} --help: {n} tokens");
        assert!(help.contains("--max-output-tokens"), "{name}: {help}");
        if !["mcp", "demo"].contains(&name.as_str()) {
            assert_eq!(
                help.matches("Example: wandb-agent ").count(),
                1,
                "{name}: {help}"
            );
        }
    }
}

fn header_of(out: &str) -> &str {
    out.lines().next().unwrap_or("")
}

/// `--keys` takes one value per occurrence, so the run path may stand anywhere.
#[test]
fn keys_take_one_value_per_occurrence() {
    let s = server();
    let run = "demo/vision/x7k2m9qa";
    let window = ["--min-step", "100", "--max-step", "102"];
    for spelling in [
        vec!["--keys", "loss,val_loss", run],
        vec!["--keys", "loss", "--keys", "val_loss", run],
        vec![run, "--keys", "loss,val_loss"],
        vec!["--keys", r#"["loss", "val_loss"]"#, run],
    ] {
        let mut args = vec!["history"];
        args.extend(&spelling);
        args.extend(window);
        let out = Cli::against(&s).run(&args);
        assert_eq!(header_of(out.ok()), "_step,loss,val_loss", "{spelling:?}");
        args[0] = "history";
        args.push("--stats");
        let out = Cli::against(&s).run(&args);
        let stats: Vec<&str> = out.ok().lines().skip(1).take(2).collect();
        assert!(
            stats[0].starts_with("loss,") && stats[1].starts_with("val_loss,"),
            "{spelling:?}: {stats:?}"
        );
    }
    // Two bare words after --keys: the second is the run, the third is refused.
    let line = Cli::against(&s)
        .run(&["history", "--keys", "loss", "val_loss", run])
        .fails(2)
        .to_string();
    assert!(line.contains("unexpected argument"), "{line}");
    assert!(
        line.contains("; a value goes after its flag (this command requires --keys)"),
        "{line}"
    );
    // A metric without its flag: the line names the flag the command requires.
    let line = Cli::against(&s)
        .run(&["best", "demo/llm-finetune", "val_loss"])
        .fails(2)
        .to_string();
    assert_eq!(
        line,
        "error: unexpected argument 'val_loss' found; a value goes after its flag (this command requires --metric) (see --help)"
    );
    // No run at all: named as missing, not swallowed.
    let line = Cli::against(&s)
        .run(&["history", "--keys", "loss,val_loss"])
        .fails(2)
        .to_string();
    assert!(line.contains("<RUN>"), "{line}");
    let line = Cli::against(&s)
        .run(&["history", "--keys", r#"["loss""#, run])
        .fails(2)
        .to_string();
    assert!(line.contains("not a JSON list of strings"), "{line}");
    // The same for system's --keys.
    let out = Cli::against(&s).run(&["system", "--keys", "gpu", "demo/crashes/cudaoom1"]);
    assert!(
        out.ok().contains("gpu.0-7.memoryAllocated"),
        "{}",
        out.stdout
    );
}

/// `params` takes `--include-crashed` and `--include-short`, as `best` and `list-runs` do.
#[test]
fn params_includes_crashed_and_short_runs_when_asked() {
    let s = server();
    let base = [
        "params",
        "demo/sweep",
        "--metric",
        "val_loss",
        "--sweep",
        SWEEP_ID,
        "--last",
        "150",
    ];
    let default = Cli::against(&s).run(&base).ok().to_string();
    assert!(default.contains(" of 149 runs used;"), "{default}");
    let mut args = base.to_vec();
    args.push("--include-crashed");
    let crashed = Cli::against(&s).run(&args).ok().to_string();
    assert!(crashed.contains(" of 150 runs used;"), "{crashed}");
    args.push("--include-short");
    let both = Cli::against(&s).run(&args).ok().to_string();
    assert!(!both.contains("short runs skipped"), "{both}");
    let line = Cli::against(&s)
        .run(&[&base[..], &["--include-crashed=yes"]].concat())
        .fails(2)
        .to_string();
    assert!(line.contains("--include-crashed"), "{line}");
}
