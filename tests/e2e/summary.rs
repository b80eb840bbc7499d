use serde_json::Value;

use crate::support::{server, Cli};

fn summary(out: &str) -> Value {
    assert_eq!(out.lines().count(), 1, "one line of JSON: {out}");
    serde_json::from_str(out).expect("valid JSON")
}

#[test]
fn unwraps_config_drops_internal_keys_and_keeps_nan() {
    let s = server();
    let out = Cli::against(&s).run(&["summary", "demo/vision/l0ng1m2x"]);
    // Its diverged val_loss has a best value, read from sampled rows: the `#` line says so.
    let (json, note) = out.ok().split_once('\n').unwrap();
    assert!(
        note.starts_with("# best of val_loss over 1000 rows sampled"),
        "{note}"
    );
    let v = summary(json);
    assert_eq!(v["config"]["optimizer"]["name"], "adamw");
    assert_eq!(v["config"]["lr"], 0.001);
    assert_eq!(v["config"]["model"]["arch"], "resnet50");
    for section in ["config", "summary"] {
        for key in v[section].as_object().unwrap().keys() {
            assert!(
                !key.starts_with('_') && !key.starts_with("wandb"),
                "{section}.{key}"
            );
        }
    }
    assert!(
        !out.stdout.contains("\"desc\""),
        "config values are unwrapped: {}",
        out.stdout
    );
    assert_eq!(v["summary"]["loss"], "NaN");
    assert_eq!(v["summary"]["val_loss"], "NaN");
    assert_eq!(v["summary"]["epoch"], 100);
}

#[test]
fn exact_text_of_a_small_summary() {
    let s = server();
    let out = Cli::against(&s).run(&["summary", "demo/vision/d1v3rg3n"]);
    assert_eq!(
        out.ok(),
        "{\"best\":{\"val_loss\":{\"min\":1.7417,\"step\":2000}},\
         \"config\":{\"augment\":true,\"batch_size\":128,\"dataset\":\"cifar10\",\"lr\":0.5,\
         \"model\":{\"arch\":\"resnet18\",\"depth\":18,\"width\":64},\
         \"optimizer\":{\"betas\":[0.9,0.999],\"name\":\"sgd\",\"weight_decay\":0.01}},\
         \"summary\":{\"grad_norm\":\"Infinity\",\"loss\":\"NaN\",\"val_loss\":\"NaN\"}}\n"
    );
}

#[test]
fn bulky_values_become_placeholders() {
    let s = server();
    let v = summary(
        Cli::against(&s)
            .run(&["summary", "demo/vision/m3d1ah1s"])
            .ok(),
    );
    let sm = &v["summary"];
    assert_eq!(sm["weights"], "<histogram>");
    assert_eq!(sm["predictions"], "<table>");
    assert_eq!(sm["samples"], "<image>");
    assert_eq!(sm["per_class_acc"], "<list of 100>");
    assert!(sm["notes"].as_str().unwrap().ends_with("…(+180 chars)"));
    assert_eq!(sm["val"]["loss"], 0.81235);
}

#[test]
fn run_path_forms_give_the_same_answer() {
    let s = server();
    let forms = [
        "demo/vision/x7k2m9qa",
        "demo/vision/runs/x7k2m9qa",
        "https://wandb.ai/demo/vision/runs/x7k2m9qa",
        "https://wandb.ai/demo/vision/runs/x7k2m9qa/overview?nw=abc",
    ];
    let outputs: Vec<String> = forms
        .iter()
        .map(|f| Cli::against(&s).run(&["summary", f]).ok().to_string())
        .collect();
    assert!(outputs.iter().all(|o| o == &outputs[0]), "{outputs:?}");
    assert!(outputs[0].contains("\"name\":\"sgd\""));
}

#[test]
fn unknown_run_and_project_are_not_found() {
    let s = server();
    let line = Cli::against(&s)
        .run(&["summary", "demo/vision/nosuchrn"])
        .fails(3)
        .to_string();
    assert_eq!(line, "error: Run nosuchrn not found in demo/vision; list runs with `wandb-agent list-runs demo/vision`");
    let line = Cli::against(&s)
        .run(&["summary", "demo/nope/x7k2m9qa"])
        .fails(3)
        .to_string();
    assert_eq!(
        line,
        "error: Project demo/nope not found (or not visible with these credentials)"
    );
}

#[test]
fn malformed_run_path_is_a_usage_error() {
    let s = server();
    for bad in [
        "demo/vision",
        "demo/vision/runs/a/b/c",
        "demo/vi sion/x7k2m9qa",
    ] {
        let line = Cli::against(&s).run(&["summary", bad]).fails(2).to_string();
        assert!(line.starts_with("error: invalid "), "{bad}: {line}");
    }
}
