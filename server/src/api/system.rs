//! System metrics of a run: the rows `Run.events` serves (docs/wandb-wire.md, "System
//! metrics"). As wandb-core logs them: host rows and GPU rows are separate, each every 15 s
//! with its own `_timestamp`, every key prefixed `system.`.

use serde_json::{json, Map, Value};

use crate::model::system::SystemSpec;

/// Seconds between two samples of one resource.
pub const INTERVAL_S: f64 = 15.0;

/// GPU memory in bytes at 100% (an 80 GB card).
const GPU_BYTES: f64 = 85_899_345_920.0;
const HOST_MB: f64 = 1_031_000.0;

/// Every row over `runtime_s`, oldest first: a host row, then one GPU row, per interval.
pub fn rows(spec: &SystemSpec, start_unix: f64, runtime_s: f64) -> Vec<Value> {
    let mut rows = Vec::new();
    let samples = (runtime_s / INTERVAL_S).floor().max(1.0) as u64;
    for i in 0..=samples {
        let runtime = (i as f64 * INTERVAL_S).min(runtime_s);
        let t = runtime / runtime_s.max(1.0);
        let wobble = ((i * 7919) % 13) as f64 / 13.0 - 0.5;
        let mut host = Map::new();
        let rss = (spec.rss_mb)(t);
        host.insert("system.cpu".into(), json!(round(35.0 + 10.0 * wobble)));
        host.insert("system.proc.memory.rssMB".into(), json!(round(rss)));
        host.insert(
            "system.proc.memory.percent".into(),
            json!(round(rss / HOST_MB * 100.0)),
        );
        let memory_key = if spec.legacy_names {
            "system.memory"
        } else {
            "system.memory_percent"
        };
        host.insert(
            memory_key.into(),
            json!(round((20.0 + rss / HOST_MB * 80.0).min(100.0))),
        );
        host.insert("system.disk./.usagePercent".into(), json!(61.2));
        let (disk_in, disk_out) = if spec.legacy_names {
            ("system.disk.in", "system.disk.out")
        } else {
            ("system.disk.nvme0n1.in", "system.disk.nvme0n1.out")
        };
        host.insert(disk_in.into(), json!(round(runtime * 12.5)));
        host.insert(disk_out.into(), json!(round(runtime * 0.8)));
        host.insert(
            "system.network.sent".into(),
            json!((runtime * 2.0e6) as u64),
        );
        host.insert(
            "system.network.recv".into(),
            json!((runtime * 9.0e6) as u64),
        );
        rows.push(stamp(host, start_unix, runtime));
        if spec.gpus == 0 {
            continue;
        }
        let mut gpu = Map::new();
        for g in 0..spec.gpus {
            let odd = spec.odd_gpu.as_ref().filter(|o| o.index == g);
            let skew = f64::from(g) * 0.3;
            let (memory, util) = odd.map_or((spec.gpu_memory_percent, spec.gpu_util), |o| {
                (o.memory_percent, o.util)
            });
            let mem = (memory(t) + skew).min(100.0);
            let util = util(t);
            gpu.insert(
                format!("system.gpu.{g}.gpu"),
                json!(round((util + wobble * 4.0).clamp(0.0, 100.0))),
            );
            gpu.insert(format!("system.gpu.{g}.memoryAllocated"), json!(round(mem)));
            gpu.insert(
                format!("system.gpu.{g}.memoryAllocatedBytes"),
                json!((mem / 100.0 * GPU_BYTES) as u64),
            );
            let temp = odd.map_or(62.0, |o| o.temp);
            gpu.insert(format!("system.gpu.{g}.temp"), json!(round(temp + skew)));
            gpu.insert(
                format!("system.gpu.{g}.powerWatts"),
                json!(round(350.0 * util / 100.0 + 60.0)),
            );
        }
        rows.push(stamp(gpu, start_unix, runtime + 0.5));
    }
    rows
}

fn stamp(mut row: Map<String, Value>, start_unix: f64, runtime: f64) -> Value {
    row.insert("_wandb".into(), json!(true));
    row.insert("_runtime".into(), json!(round(runtime)));
    row.insert("_timestamp".into(), json!(round(start_unix + runtime)));
    Value::Object(row)
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// About `samples` rows spread evenly over `rows` (always the first and the last of each
/// resource), as the server thins `events`: host and GPU rows are thinned separately, so
/// neither resource disappears from a sample.
pub fn thin(rows: Vec<Value>, samples: usize) -> Vec<Value> {
    if rows.len() <= samples {
        return rows;
    }
    let is_gpu = |row: &Value| {
        row.as_object()
            .is_some_and(|m| m.keys().any(|k| k.starts_with("system.gpu.")))
    };
    let (gpu, host): (Vec<Value>, Vec<Value>) = rows.into_iter().partition(is_gpu);
    let per_resource = if gpu.is_empty() { samples } else { samples / 2 };
    let mut out = evenly(host, per_resource);
    out.extend(evenly(gpu, per_resource));
    out.sort_by(|a, b| {
        let t = |r: &Value| r.get("_timestamp").and_then(Value::as_f64).unwrap_or(0.0);
        t(a).total_cmp(&t(b))
    });
    out
}

fn evenly(rows: Vec<Value>, samples: usize) -> Vec<Value> {
    if rows.len() <= samples || samples < 2 {
        return rows;
    }
    let last = rows.len() - 1;
    (0..samples)
        .map(|i| rows[i * last / (samples - 1)].clone())
        .collect()
}
