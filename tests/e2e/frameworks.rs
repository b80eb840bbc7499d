//! Runs shaped like the common training libraries log them (`demo/frameworks`): a Hugging Face
//! `Trainer` run, a Lightning run, a Keras run. Summaries within a budget with best values,
//! exact counters and two-decimal epochs, the run's own step counter beside `_step`, keys of
//! one cadence sharing rows, keys of any spelling, and small statistics.
//!
//! Over 400 lines: one test per point of issue #13, each reading a whole output, and one
//! scripted server for the fallback no emulator run can provoke.

use serde_json::Value;
use wandb_emulator::seed::frameworks::{keras, lightning, trainer};

use crate::support::{http, request_count, server, tokens, Cli, RawServer};

fn run(id: &str) -> String {
    format!("demo/frameworks/{id}")
}

/// The JSON line of a summary, and its `#` line (empty when there is none).
fn summary(text: &str) -> (Value, &str) {
    let mut lines = text.lines();
    let json = serde_json::from_str(lines.next().unwrap()).expect("a JSON line");
    let note = lines.next().unwrap_or("");
    assert!(lines.next().is_none(), "at most two lines: {text}");
    (json, note)
}

/// Data rows of a CSV (header and `#` line skipped), split naively (no quoted cells).
fn rows(csv: &str) -> Vec<Vec<String>> {
    csv.lines()
        .skip(1)
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn a_trainer_summary_fits_its_budget_and_keeps_the_hyperparameters() {
    let s = server();
    let out = Cli::against(&s).run(&["summary", &run(trainer::ID)]);
    let text = out.ok();
    assert!(tokens(text) <= 600, "{} tokens: {text}", tokens(text));
    let (v, note) = summary(text);
    let config = &v["config"];
    for (key, value) in [
        ("learning_rate", serde_json::json!(3e-5)),
        ("per_device_train_batch_size", 32.into()),
        ("per_device_eval_batch_size", 64.into()),
        ("gradient_accumulation_steps", 2.into()),
        ("num_train_epochs", 143.into()),
        ("max_steps", 1_200_000.into()),
        ("warmup_steps", 10_000.into()),
        ("weight_decay", 0.01.into()),
        ("lr_scheduler_type", "linear".into()),
        ("optim", "adamw_torch".into()),
        ("seed", 42.into()),
        ("bf16", true.into()),
        ("max_grad_norm", 1.into()),
        ("_name_or_path", "bert-base-uncased".into()),
        ("model_type", "bert".into()),
    ] {
        assert_eq!(config[key], value, "{key} in {config}");
    }
    assert!(
        !text.lines().next().unwrap().contains("null"),
        "null values are left out: {text}"
    );
    assert!(note.contains("over the budget of 500 tokens"), "{note}");
    assert!(
        note.starts_with("# ") && note.contains("null or empty values left out"),
        "{note}"
    );
    assert!(
        note.contains("config and")
            && note.contains("--config-keys and --summary-keys pick keys, --budget 0 shows all up to the output ceiling"),
        "{note}"
    );
    // The validation loss overfits: its best value and step come with the final one.
    assert_eq!(
        v["best"]["eval/loss"],
        serde_json::json!({"min": 2.417, "step": trainer::BEST_EVAL_STEP})
    );
    let last = v["summary"]["eval/loss"].as_f64().unwrap();
    assert!((3.1..3.2).contains(&last), "{last}");
    assert_eq!(request_count(&s), 1, "best values come in the same request");
}

#[test]
fn budget_zero_and_config_keys_show_what_was_left_out() {
    let s = server();
    let all = Cli::against(&s)
        .run(&["summary", &run(trainer::ID), "--budget", "0"])
        .ok()
        .to_string();
    let (v, _) = summary(&all);
    assert!(v["config"].as_object().unwrap().len() >= 190, "{all}");
    assert_eq!(v["config"]["bos_token_id"], Value::Null);
    assert_eq!(v["config"]["id2label"]["3"], "comp.sys.ibm.pc.hardware");
    // Within the budget a big nested map is a placeholder.
    let small = Cli::against(&s)
        .run(&["summary", &run(trainer::ID), "--budget", "4000"])
        .ok()
        .to_string();
    assert_eq!(summary(&small).0["config"]["id2label"], "<map of 20>");
    let picked = Cli::against(&s)
        .run(&[
            "summary",
            &run(trainer::ID),
            "--config-keys",
            "id2label,bos_token_id,accelerator_config.even_batches,nope",
        ])
        .ok()
        .to_string();
    let (v, note) = summary(&picked);
    assert_eq!(
        v["config"].as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "accelerator_config.even_batches",
            "bos_token_id",
            "id2label"
        ]
    );
    assert_eq!(v["config"]["accelerator_config.even_batches"], true);
    assert_eq!(v["config"]["id2label"]["19"], "talk.religion.misc");
    assert!(note.contains("no config key `nope`"), "{note}");
}

#[test]
fn hundreds_of_per_class_metrics_stay_within_the_budget() {
    let s = server();
    let text = Cli::against(&s)
        .run(&["summary", &run(lightning::ID)])
        .ok()
        .to_string();
    assert!(tokens(&text) <= 600, "{} tokens: {text}", tokens(&text));
    let (v, note) = summary(&text);
    assert_eq!(v["config"]["lr"], 0.1);
    assert_eq!(v["config"]["batch_size"], 256);
    assert_eq!(v["config"]["precision"], "16-mixed");
    assert!(v["summary"]["val_acc"].is_number(), "{text}");
    assert!(note.contains("summary keys over the budget"), "{note}");
    // Higher is better for accuracy: the best is the peak, not the last value.
    assert_eq!(v["best"]["val_acc"]["step"], lightning::BEST_VAL_STEP);
    assert!(
        v["best"]["val_acc"]["max"].as_f64().unwrap() > v["summary"]["val_acc"].as_f64().unwrap()
    );
    // One per-class metric of the hundred left out, by name, with a key holding a comma (a
    // JSON list) and a key the run lacks; the config still follows the budget.
    let picked = Cli::against(&s)
        .run(&[
            "summary",
            &run(lightning::ID),
            "--summary-keys",
            "val_acc_class/57",
            "--summary-keys",
            r#"["val/acc, top-5 (%)", "nope"]"#,
        ])
        .ok()
        .to_string();
    let (v, note) = summary(&picked);
    assert_eq!(
        v["summary"].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["val/acc, top-5 (%)", "val_acc_class/57"],
        "{picked}"
    );
    assert!(v["summary"]["val_acc_class/57"].is_number(), "{picked}");
    assert_eq!(v["config"]["lr"], 0.1);
    assert!(note.contains("no summary key `nope`"), "{note}");
    assert!(
        tokens(&picked) <= 400,
        "{} tokens: {picked}",
        tokens(&picked)
    );
    let keras = Cli::against(&s)
        .run(&["summary", &run(keras::ID)])
        .ok()
        .to_string();
    let (v, note) = summary(&keras);
    assert_eq!(note, "", "a small summary is whole: {keras}");
    assert_eq!(v["summary"]["epoch/epoch"], keras::EPOCHS - 1);
    assert!(
        v["best"]["epoch/val_accuracy"]["max"].is_number(),
        "{keras}"
    );
}

#[test]
fn counters_are_exact_and_epochs_keep_two_decimals() {
    let s = server();
    let out = Cli::against(&s).run(&[
        "history",
        &run(trainer::ID),
        "--keys",
        "train/global_step,train/epoch",
        "--min-step",
        "122670",
        "--max-step",
        "122674",
    ]);
    assert_eq!(
        out.ok(),
        "_step,train/global_step,train/epoch\n\
         122670,613360,72.84\n\
         122672,613370,72.84\n\
         122674,613380,72.84\n\
         # all 3 rows shown; window 122670..122674 of run steps 0..239998; every logged row in range\n"
    );
}

#[test]
fn keys_of_one_cadence_share_rows_in_the_sampled_view() {
    let s = server();
    let out = Cli::against(&s).run(&[
        "history",
        &run(trainer::ID),
        "--keys",
        "train/loss,train/global_step,eval/loss",
        "--budget",
        "0",
        // Every fetched row: more than the default output ceiling allows.
        "--max-output-tokens",
        "0",
    ]);
    let text = out.ok();
    let rows = rows(text);
    let train: Vec<&Vec<String>> = rows.iter().filter(|r| !r[1].is_empty()).collect();
    assert!(train.len() > 10_000, "dense: {} train rows", train.len());
    for r in &train {
        let step: u64 = r[0].parse().unwrap();
        assert_eq!(
            r[2],
            trainer::global_step(step).to_string(),
            "the counter shares the loss's row, exactly: {r:?}"
        );
        assert!(r[3].is_empty(), "evaluation rows are their own: {r:?}");
    }
    assert!(rows.iter().any(|r| !r[3].is_empty()), "eval/loss is there");
    assert!(request_count(&s) <= 2, "{} requests", request_count(&s));
}

/// A server whose grouped spec finds far fewer shared rows than the counts promise: the keys
/// are asked again one spec each, in the same call.
#[test]
fn a_group_that_comes_back_short_is_asked_again_per_key() {
    let first = {
        let rows = |key: &str| {
            (0..2000)
                .map(|i| format!("{{\"_step\":{i},\"{key}\":1.5}}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        format!(
            "{{\"data\":{{\"project\":{{\"run\":{{\"historyKeys\":{{\"lastStep\":99999,\"keys\":{{\
             \"a\":{{\"typeCounts\":[{{\"type\":\"number\",\"count\":100000}}]}},\
             \"b\":{{\"typeCounts\":[{{\"type\":\"number\",\"count\":100000}}]}}}}}},\
             \"sampledHistory\":[[{}],[{}]]}}}}}}}}",
            rows("a"),
            rows("b")
        )
    };
    let lists = |n: usize, row: &dyn Fn(usize) -> String| {
        let lists: Vec<String> = (0..n).map(|i| format!("[{}]", row(i))).collect();
        format!(
            "{{\"data\":{{\"project\":{{\"run\":{{\"sampledHistory\":[{}]}}}}}}}}",
            lists.join(",")
        )
    };
    let grouped = lists(10, &|_| String::new());
    let again = lists(20, &|i| {
        if i < 10 {
            format!("{{\"_step\":{},\"a\":{}}}", i * 10_000, i)
        } else {
            format!("{{\"_step\":{},\"b\":7}}", (i - 10) * 10_000 + 5)
        }
    });
    let server = RawServer::start(move |n| match n {
        0 => http(200, "", &first),
        1 => http(200, "", &grouped),
        _ => http(200, "", &again),
    });
    let base = server.base_url();
    let out = Cli::new().env("WANDB_API_KEY", "k").run(&[
        "--base-url",
        &base,
        "history",
        "e/p/abcdefgh",
        "--keys",
        "a,b",
        "--budget",
        "0",
    ]);
    let text = out.ok();
    assert_eq!(server.count(), 3, "first pass, grouped pass, per-key pass");
    assert!(text.contains("\n90000,9,\n"), "{text}");
    assert!(text.contains("\n90005,,7\n"), "{text}");
}

#[test]
fn diagnose_reports_the_runs_own_step_counter() {
    let s = server();
    for _ in 0..5 {
        let out = Cli::against(&s).run(&["diagnose", &run(trainer::ID)]);
        let text = out.ok();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0], "finding,key,step,train/global_step,epoch,value,detail",
            "{text}"
        );
        let find = |kind: &str| {
            lines
                .iter()
                .find(|l| l.starts_with(kind))
                .unwrap_or_else(|| panic!("no {kind} in {text}"))
                .split(',')
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        let explosion = find("explosion,train/grad_norm");
        assert_eq!(explosion[2], trainer::EXPLOSION_STEP.to_string());
        assert_eq!(
            explosion[3],
            trainer::global_step(trainer::EXPLOSION_STEP).to_string()
        );
        assert_eq!(explosion[4], "89.06", "two-decimal epoch: {text}");
        let spike = find("spike,train/loss");
        assert_eq!(spike[2], trainer::LOSS_SPIKE_FROM.to_string());
        assert_eq!(
            spike[3],
            trainer::global_step(trainer::LOSS_SPIKE_FROM).to_string()
        );
        // The evaluation row's counter is the train row's before it.
        let overfit = find("overfitting,eval/loss");
        assert_eq!(overfit[2], trainer::BEST_EVAL_STEP.to_string());
        assert_eq!(
            overfit[3],
            trainer::global_step(trainer::BEST_EVAL_STEP - 1).to_string()
        );
    }
}

#[test]
fn keys_with_commas_spaces_and_accents_can_be_asked_for() {
    let s = server();
    let list = format!(
        "[\"{}\",\"{}\"]",
        lightning::ODD_KEY,
        lightning::UNICODE_KEY
    );
    let out = Cli::against(&s).run(&[
        "history",
        &run(lightning::ID),
        "--keys",
        &list,
        "--keys",
        "val_acc",
        "--min-step",
        "0",
        "--max-step",
        "200",
    ]);
    let text = out.ok();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "_step,\"val/acc, top-5 (%)\",val/précision,val_acc"
    );
    let first = lines.next().unwrap();
    assert!(first.starts_with("39,"), "{text}");
    assert_eq!(first.split(',').count(), 4, "{first}");
    // A broken JSON list is the command line's error, before anything is sent.
    let bad = Cli::against(&s).run(&["history", &run(lightning::ID), "--keys", "[\"val/acc"]);
    let line = bad.fails(2);
    assert!(line.contains("not a JSON list of strings"), "{line}");
    // A key with a comma given as comma-separated names two keys, and says which are missing.
    let split =
        Cli::against(&s).run(&["history", &run(lightning::ID), "--keys", lightning::ODD_KEY]);
    assert!(
        split.fails(3).contains("no keys `val/acc`, `top-5 (%)`"),
        "{}",
        split.stderr
    );
}

#[test]
fn statistics_cost_few_tokens_per_key() {
    let s = server();
    let one = Cli::against(&s)
        .run(&[
            "history",
            "demo/vision/l0ng1m2x",
            "--keys",
            "loss",
            "--stats",
        ])
        .ok()
        .to_string();
    let three = Cli::against(&s)
        .run(&[
            "history",
            "demo/vision/l0ng1m2x",
            "--keys",
            "loss,val_loss,grad_norm",
            "--stats",
        ])
        .ok()
        .to_string();
    assert!(tokens(&one) <= 120, "{} tokens: {one}", tokens(&one));
    assert!(
        tokens(&three) <= tokens(&one) + 2 * 50,
        "{} tokens: {three}",
        tokens(&three)
    );
    let spark = one.lines().nth(1).unwrap().rsplit(',').next().unwrap();
    assert_eq!(spark.len(), 20, "{spark}");
    assert!(
        spark
            .chars()
            .all(|c| c.is_ascii_digit() || c == '!' || c == '.'),
        "{spark}"
    );
    assert!(spark.ends_with('!'), "the NaN tail shows: {spark}");
    // Epoch statistics keep two decimals, like the curve.
    let epoch = Cli::against(&s)
        .run(&[
            "history",
            &run(trainer::ID),
            "--keys",
            "train/epoch",
            "--stats",
        ])
        .ok()
        .to_string();
    let cells: Vec<&str> = epoch.lines().nth(1).unwrap().split(',').collect();
    let max = cells[4];
    assert!(max.starts_with("142."), "max epoch: {epoch}");
    assert!(
        max.split('.').nth(1).unwrap().len() <= 2,
        "two decimals: {epoch}"
    );
}

#[test]
fn keras_and_lightning_runs_are_diagnosed_with_their_own_keys() {
    let s = server();
    let keras = Cli::against(&s)
        .run(&["diagnose", &run(keras::ID)])
        .ok()
        .to_string();
    assert!(
        keras.contains("loss=epoch/loss grad=none val=epoch/val_loss epoch=epoch/epoch"),
        "{keras}"
    );
    assert!(
        keras.starts_with("finding,key,step,epoch,value,detail\n"),
        "{keras}"
    );
    let lightning = Cli::against(&s)
        .run(&["diagnose", &run(lightning::ID)])
        .ok()
        .to_string();
    assert!(lightning.contains("loss=train_loss_step"), "{lightning}");
    assert!(
        lightning.starts_with("finding,key,step,trainer/global_step,epoch,value,detail\n"),
        "{lightning}"
    );
}
