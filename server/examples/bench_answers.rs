//! The answers to the task-level benchmark's questions (`bench/tasks.py`), as one line of
//! JSON, taken from what the emulator planted: its public constants and its store, never from
//! what a tool printed. Run: `cargo run --release -p wandb-emulator --example bench_answers`.

use serde_json::{json, Map, Value};
use wandb_emulator::model::run::{Project, Run, Store};
use wandb_emulator::seed::{
    builder, catalog, crashes, detection, finetune, long_runs, lr_sweep, sweep, vision,
};

fn project<'a>(store: &'a Store, name: &str) -> &'a Project {
    store
        .project(builder::DEMO_ENTITY, name)
        .unwrap_or_else(|| panic!("the demo store has no project {name}"))
}

/// `key`'s value at every step it was logged, in step order (for short runs only).
fn logged(run: &Run, key: &str) -> Vec<(u64, f64)> {
    let h = &run.history;
    (0..=h.last_step)
        .filter_map(|s| Some((s, h.value(key, s, run.start_unix, run.seed)?)))
        .collect()
}

/// The newest `n` runs `best` considers (crashed runs left out, newest first), and among them
/// the one whose last logged `val_loss` is lowest.
fn best_of_last(p: &Project, n: usize) -> Value {
    let mut runs: Vec<&Run> = p.runs.iter().filter(|r| r.state != "crashed").collect();
    runs.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    let (run, value) = runs
        .iter()
        .take(n)
        .filter_map(|r| Some((*r, logged(r, "val_loss").last()?.1)))
        .filter(|(_, v)| v.is_finite())
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .expect("a run with val_loss among the newest");
    json!({"id": run.id, "val_loss": value})
}

/// The lowest `val_loss` of a run and the step it was logged at.
fn best_val(p: &Project, id: &str) -> Value {
    let run = p.runs.iter().find(|r| r.id == id).expect("the run exists");
    let (step, value) = logged(run, "val_loss")
        .into_iter()
        .filter(|(_, v)| v.is_finite())
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .expect("finite val_loss values");
    json!({"step": step, "val_loss": value})
}

fn main() {
    let store = catalog::store();
    let finetune = project(&store, "llm-finetune");
    let diverged: Map<String, Value> = sweep::DIVERGED
        .iter()
        .map(|&i| {
            (
                sweep::id(i),
                json!({"explosion_step": sweep::explosion_step(i), "nan_step": sweep::nan_step(i)}),
            )
        })
        .collect();
    // What each run's diagnosis must name (crashes.rs plants the console and system metrics
    // behind each). `redir011` is left out: its log's URL redirects, a hostile case the
    // sandbox refuses by design, not a diagnosis question.
    use crashes::ids;
    let causes = json!({
        ids::CUDA_OOM: "gpu-out-of-memory",
        ids::HOST_OOM: "host-out-of-memory",
        ids::NCCL_TIMEOUT: "distributed-timeout",
        ids::STALLED: "stalled",
        ids::PREEMPTED: "preempted",
        ids::NO_TRACEBACK: "missing-path",
        ids::PROGRESS_FLOOD: "nan-inf-check",
        ids::FILE_ONLY: "disk-full",
        ids::EXPIRED_URL: "data-loader",
    });
    // demo/detection's 1M-step run with a 200-step gradient explosion and nothing after it.
    let planted = detection::Planted::Explosion {
        width: 200,
        loss_spike: 0,
    };
    let event = detection::Planted::all()
        .iter()
        .position(|p| *p == planted)
        .expect("the 200-step explosion is planted");
    let length = 1;
    let answers = json!({
        "finetune_best_of_last_5": best_of_last(finetune, 5),
        "overfit_best_val": {"run": finetune::overfit_run::ID, "best": best_val(finetune, finetune::overfit_run::ID)},
        "long_run": {
            "run": vision::long_run::ID,
            "explosion_step": vision::long_run::EXPLOSION_STEP,
            "nan_step": vision::long_run::NAN_FROM,
        },
        "sweep_diverged": {"sweep": sweep::SWEEP_ID, "runs": diverged},
        // sweep.rs: the final val_loss falls with `lr` over its whole range (0.5 of loss), the
        // optimizer adds 0.05 for sgd, the other parameters add nothing.
        "sweep_strongest": {"sweep": sweep::SWEEP_ID, "key": "lr"},
        "crash_causes": causes,
        // long_runs.rs: what triage must show for each run (healthy runs are not asked).
        "long_runs_trouble": long_runs::PLANTED
            .iter()
            .filter_map(|r| Some((r.id.to_string(), json!(r.planted.answer()?.2))))
            .collect::<Map<String, Value>>(),
        // lr_sweep.rs: the final val_loss is U-shaped in `lr` around BEST_LR; no other
        // parameter moves it as much.
        "lr_sweep_strongest": {"key": "lr", "best_lr": lr_sweep::BEST_LR, "runs": lr_sweep::RUNS},
        "narrow_explosion": {
            "run": detection::run_id(length, event),
            "last_step": detection::LENGTHS[length],
            "step": detection::event_step(detection::LENGTHS[length]),
            "width": 200,
        },
    });
    println!("{answers}");
}
