//! `system`: a run's hardware over time — GPU utilisation, memory, temperature and power, CPU,
//! process and system memory, disk and network — one line per metric in the `--stats` spirit,
//! GPUs that behave alike collapsed into one line (`gpu.0-7.…`).

use std::collections::BTreeMap;

use wandb_agent_commands::System;

use crate::error::{AgentError, Result};
use crate::model::paths;
use crate::model::Metrics;
use crate::ops::{Context, Run};
use crate::text::numfmt::format_sig;
use crate::text::sparkline::sparkline;
use crate::text::timefmt;

mod lines;

use lines::{lines_for, PerDevice};

/// Sparkline characters: each block character costs about two tokens, so shorter than the
/// history statistics' 20 (an 8-GPU run then fits in about 400 tokens).
const SPARK_WIDTH: usize = 10;
const DIGITS: usize = 3;
/// The most server-side samples a user may ask for.
pub const MAX_SAMPLES: u32 = 10_000;
/// Rows asked of the source by default: about an hour of 15-second samples per resource.
pub const DEFAULT_SAMPLES: u32 = 500;

/// The metric groups `--keys` names, and the metric names (after `system.` and any
/// `gpu.<i>.` or `disk.<device>.`) each holds. Older key names are accepted too:
/// `memory` (before `memory_percent`), `disk.in`/`disk.out` (before per-device keys).
const GROUPS: &[(&str, &[&str])] = &[
    (
        "gpu",
        &[
            "gpu",
            "memoryAllocated",
            "memoryAllocatedBytes",
            "temp",
            "powerWatts",
        ],
    ),
    (
        "memory",
        &[
            "memoryAllocated",
            "memoryAllocatedBytes",
            "proc.memory.rssMB",
            "memory_percent",
            "memory",
        ],
    ),
    ("cpu", &["cpu"]),
    ("temp", &["temp"]),
    ("power", &["powerWatts"]),
    ("disk", &["usagePercent", "in", "out"]),
    ("network", &["network.sent", "network.recv"]),
];

/// The metrics shown when no `--keys` are given, in this order.
const DEFAULT: &[&str] = &[
    "gpu",
    "memoryAllocated",
    "memoryAllocatedBytes",
    "temp",
    "powerWatts",
    "cpu",
    "proc.memory.rssMB",
    "memory_percent",
    "memory",
    "usagePercent",
    "in",
    "out",
    "network.sent",
    "network.recv",
];

impl Run for System {
    fn run(self, cx: &Context) -> Result<String> {
        let run = paths::parse_run_path(&self.run)?;
        let samples = self.samples.unwrap_or(DEFAULT_SAMPLES);
        if !(2..=MAX_SAMPLES).contains(&samples) {
            return Err(AgentError::BadInput(format!(
                "samples must be between 2 and {MAX_SAMPLES}"
            )));
        }
        let wanted = wanted_names(&self.keys)?;
        let read = cx.source.system(&run, samples)?;
        Ok(render(
            &run.run_id,
            &read.state,
            &read.metrics,
            read.bad_rows,
            &wanted,
        ))
    }
}

/// What a metric key is called once its device part is set aside: `gpu.3.temp` → ("gpu",
/// Some(3), "temp"); `disk.nvme0n1.in` → ("disk.nvme0n1", None, "in"); `cpu` → ("", None, "cpu").
fn split(key: &str) -> (String, Option<u32>, String) {
    if let Some(rest) = key.strip_prefix("gpu.") {
        if let Some((index, name)) = rest.split_once('.') {
            if let Ok(i) = index.parse() {
                return ("gpu".into(), Some(i), name.into());
            }
        }
    }
    if let Some(rest) = key.strip_prefix("disk.") {
        if let Some((device, name)) = rest.rsplit_once('.') {
            return (format!("disk.{device}"), None, name.into());
        }
        return ("disk".into(), None, rest.into());
    }
    (String::new(), None, key.into())
}

/// The metric names `--keys` asks for: group names, or parts of metric names.
fn wanted_names(keys: &[String]) -> Result<Vec<String>> {
    let keys: Vec<&str> = keys
        .iter()
        .flat_map(|k| k.split(','))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect();
    if keys.is_empty() {
        return Ok(DEFAULT.iter().map(|s| s.to_string()).collect());
    }
    let mut names = Vec::new();
    for key in keys {
        match GROUPS.iter().find(|(group, _)| *group == key) {
            Some((_, members)) => names.extend(members.iter().map(|s| s.to_string())),
            None => names.push(format!("~{key}")),
        }
    }
    Ok(names)
}

/// The per-GPU metrics the groups name. A GPU's other keys (`gpu.<i>.memory` is its memory
/// controller's utilisation, not memory used) are shown only when asked for by part of a key.
const GPU_METRICS: &[&str] = &[
    "gpu",
    "memoryAllocated",
    "memoryAllocatedBytes",
    "temp",
    "powerWatts",
];

/// Whether a metric is wanted: by its name (on the device it belongs to), or (`~part`) by a
/// part of its full key.
fn is_wanted(wanted: &[String], key: &str, device: &str, name: &str) -> Option<usize> {
    wanted.iter().position(|w| match w.strip_prefix('~') {
        Some(part) => key.contains(part),
        None => w == name && (device != "gpu" || GPU_METRICS.contains(&name)),
    })
}

pub fn render(
    run_id: &str,
    state: &str,
    metrics: &Metrics,
    bad_rows: usize,
    wanted: &[String],
) -> String {
    // name -> (device, gpu) -> points, in the order `wanted` names them.
    let mut by_name: BTreeMap<(usize, String), PerDevice> = BTreeMap::new();
    for (key, points) in metrics {
        let (device, gpu, name) = split(key);
        if let Some(order) = is_wanted(wanted, key, &device, &name) {
            by_name
                .entry((order, name))
                .or_default()
                .insert((device, gpu), points);
        }
    }
    let mut out = String::from("metric,unit,min,max,mean,last,spark\n");
    let mut shown = 0;
    for ((_, name), per_device) in &by_name {
        for l in lines_for(name, per_device) {
            // A flat line says so in one token instead of a row of one digit.
            let points: Vec<(u64, f64)> = l
                .points
                .iter()
                .map(|&(t, v)| (t.max(0.0) as u64, v))
                .collect();
            let mut spark = sparkline(&points, SPARK_WIDTH);
            // Levels apart in digits nobody is shown (22.81 vs 22.84) are flat too.
            let same_shown = format_sig(l.min, DIGITS) == format_sig(l.max, DIGITS);
            if same_shown || spark.chars().all(|c| spark.starts_with(c)) {
                spark = "flat".into();
            }
            // A flat line (its sparkline one level throughout) shows only its last value.
            let stats = if spark == "flat" {
                format!(",,,{}", format_sig(l.last, DIGITS))
            } else {
                [l.min, l.max, l.mean, l.last]
                    .map(|v| format_sig(v, DIGITS))
                    .join(",")
            };
            out.push_str(&format!("{},{},{stats},{spark}\n", l.label, l.unit));
            shown += 1;
        }
    }
    let span = metrics
        .values()
        .flat_map(|p| p.iter().map(|x| x.0))
        .fold(0.0f64, f64::max);
    let rows = metrics.values().map(Vec::len).max().unwrap_or(0);
    let mut note = if metrics.is_empty() {
        format!("# run {run_id} has no system metrics")
    } else if shown == 0 {
        let names: Vec<&String> = metrics.keys().take(12).collect();
        format!(
            "# no system metric matches the keys; the run has {}{}",
            names
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if metrics.len() > 12 { ", …" } else { "" }
        )
    } else {
        format!(
            "# run {run_id} {state}; {} of runtime, ≤{rows} samples/metric; flat: only last; disk/network as rates; gpu.A-B: alike GPUs (extremes over all, mean/last averaged)",
            timefmt::duration(span as i64)
        )
    };
    if bad_rows > 0 {
        note.push_str(&format!("; {bad_rows} unreadable rows skipped"));
    }
    out.push_str(&note);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::lines::rates;
    use super::*;

    fn metrics(gpus: u32, skew: f64) -> Metrics {
        let mut m = Metrics::new();
        for g in 0..gpus {
            m.insert(
                format!("gpu.{g}.memoryAllocated"),
                (0..10)
                    .map(|i| (i as f64 * 15.0, 70.0 + i as f64 + g as f64 * skew))
                    .collect(),
            );
        }
        m.insert("cpu".into(), vec![(0.0, 30.0), (15.0, 40.0)]);
        m.insert(
            "proc.memory.rssMB".into(),
            vec![(0.0, 2048.0), (15.0, 4096.0)],
        );
        m
    }

    #[test]
    fn alike_gpus_collapse_and_units_convert() {
        let text = render(
            "abc",
            "failed",
            &metrics(8, 0.1),
            0,
            &wanted_names(&[]).unwrap(),
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "metric,unit,min,max,mean,last,spark");
        assert!(
            lines[1].starts_with("gpu.0-7.memoryAllocated,%,70,79.7,"),
            "{text}"
        );
        assert!(
            lines.iter().any(|l| l.starts_with("cpu,%,30,40,35,40,")),
            "{text}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("proc.memory.rssMB,GiB,2,4,3,4,")),
            "{text}"
        );
        assert!(
            lines
                .last()
                .unwrap()
                .starts_with("# run abc failed; 2m15s of runtime"),
            "{text}"
        );
        let counters = rates(&[(0.0, 0.0), (10.0, 50.0), (20.0, 150.0), (30.0, 10.0)]);
        assert_eq!(counters, vec![(10.0, 5.0), (20.0, 10.0)]);
    }

    #[test]
    fn gpus_that_differ_get_a_line_each_and_keys_select() {
        let text = render(
            "abc",
            "failed",
            &metrics(2, 30.0),
            0,
            &wanted_names(&["gpu".into()]).unwrap(),
        );
        assert!(text.contains("\ngpu.0.memoryAllocated,"), "{text}");
        assert!(text.contains("\ngpu.1.memoryAllocated,"), "{text}");
        assert!(!text.contains("cpu"), "{text}");
        let text = render(
            "abc",
            "failed",
            &metrics(2, 0.0),
            0,
            &wanted_names(&["rss".into()]).unwrap(),
        );
        assert_eq!(text.lines().count(), 3, "{text}");
    }

    #[test]
    fn a_gpu_memory_controller_is_not_system_memory() {
        let mut m = metrics(1, 0.0);
        m.insert("gpu.0.memory".into(), vec![(0.0, 12.0), (15.0, 14.0)]);
        m.insert("memory".into(), vec![(0.0, 40.0), (15.0, 41.0)]);
        let text = render("abc", "failed", &m, 0, &wanted_names(&[]).unwrap());
        assert!(!text.contains("gpu.0.memory,"), "{text}");
        assert!(text.contains("\nmemory,%,40,41,"), "{text}");
        let asked = render(
            "abc",
            "failed",
            &m,
            0,
            &wanted_names(&["gpu.0.memory".into()]).unwrap(),
        );
        assert!(asked.contains("\ngpu.0.memory,%,"), "{asked}");
    }

    #[test]
    fn device_keys_split() {
        assert_eq!(split("gpu.3.temp"), ("gpu".into(), Some(3), "temp".into()));
        assert_eq!(
            split("disk.nvme0n1.in"),
            ("disk.nvme0n1".into(), None, "in".into())
        );
        assert_eq!(
            split("disk./.usagePercent"),
            ("disk./".into(), None, "usagePercent".into())
        );
        assert_eq!(split("disk.in"), ("disk".into(), None, "in".into()));
        assert_eq!(split("memory"), ("".into(), None, "memory".into()));
    }
}
