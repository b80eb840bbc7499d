//! Crash findings: for a run that ended badly (`crashed`, `failed`, `killed`, `preempted`) or
//! stopped sending heartbeats while `running`, its crash context (the console tail and the
//! system metrics, one more request to W&B) says why. The `crash` row names the likely cause and quotes the exception line; rows from the
//! system metrics back it: GPU memory full before the end, process memory climbing, GPU
//! utilisation dropping to zero.

use crate::analysis::console_errors::{self as errors, Cause};
use crate::model::{CrashContext, Metrics, RunState};
use crate::text::logtext;
use crate::text::numfmt::format_sig;
use crate::text::timefmt;

use super::finding::Finding;

/// A `running` run without a heartbeat this long has stalled (W&B itself marks runs crashed
/// after about five minutes without one).
pub const STALL_AFTER_S: i64 = 600;
/// "Before the end": the last this many seconds of system metrics.
const END_WINDOW_S: f64 = 300.0;
const GPU_MEMORY_FULL: f64 = 95.0;
const DETAIL_CHARS: usize = 160;

/// How a run ended, when it ended badly.
#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
    /// `crashed`, `failed`, `killed` or `preempted`.
    Ended(String),
    /// Still `running`, silent for this many seconds.
    Stalled(i64),
}

pub fn ending(run: &RunState, now_unix: i64) -> Option<Ending> {
    match run.state.as_str() {
        "crashed" | "failed" | "killed" | "preempted" => Some(Ending::Ended(run.state.clone())),
        "running" => {
            let beat = timefmt::unix_seconds(run.heartbeat_at.as_deref()?)?;
            let silent = now_unix - beat;
            (silent >= STALL_AFTER_S).then_some(Ending::Stalled(silent))
        }
        _ => None,
    }
}

/// The crash findings from a run's crash context: the `crash` row first (saying the
/// context's `no_lines` when it has no console lines), then what the system metrics show.
pub fn from_context(
    context: &CrashContext,
    ending: &Ending,
    state: &RunState,
    last_step: u64,
) -> Vec<Finding> {
    let texts: Vec<String> = context
        .lines
        .iter()
        .map(|l| logtext::clean(&l.text))
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let metrics = &context.metrics;
    let end_t = metrics
        .values()
        .flat_map(|p| p.iter().map(|x| x.0))
        .fold(0.0f64, f64::max);
    let step_at = |t: f64| -> u64 {
        if end_t <= 0.0 {
            last_step
        } else {
            ((t / end_t).clamp(0.0, 1.0) * last_step as f64).round() as u64
        }
    };
    let mut out = vec![crash_row(
        ending,
        &refs,
        &context.no_lines,
        state,
        last_step,
    )];
    out.extend(gpu_memory_full(metrics, end_t, &step_at));
    out.extend(memory_ramp(metrics, &step_at));
    out.extend(gpu_idle(metrics, end_t, &step_at));
    out
}

fn finding(kind: &'static str, key: String, step: u64, value: f64, detail: String) -> Finding {
    Finding {
        kind,
        key,
        step,
        epoch: String::new(),
        counter: String::new(),
        value,
        detail,
    }
}

fn crash_row(
    ending: &Ending,
    lines: &[&str],
    no_lines: &str,
    state: &RunState,
    last_step: u64,
) -> Finding {
    let (cause, evidence) = errors::diagnose(lines, &state.state);
    let quoted = evidence.map(|i| logtext::cut(lines[i], DETAIL_CHARS));
    let exit = state
        .exitcode
        .map_or(String::new(), |c| format!(" (exit code {c})"));
    match ending {
        Ending::Stalled(silent) => finding(
            "crash",
            "stalled".into(),
            last_step,
            f64::NAN,
            format!(
                "still `running` but no heartbeat for {}; last console line: {}",
                timefmt::duration(*silent),
                lines
                    .last()
                    .map_or("none".into(), |l| logtext::cut(l, DETAIL_CHARS))
            ),
        ),
        Ending::Ended(how) => {
            let detail = match (&quoted, lines.is_empty()) {
                (Some(line), _) => format!("{how}{exit}, {}: {line}", cause.describe()),
                (None, true) => format!("{how}{exit}; {no_lines}"),
                (None, false) if cause != Cause::Unknown => {
                    format!("{how}{exit}, {}", cause.describe())
                }
                (None, false) => {
                    format!("{how}{exit}; no traceback or error line in the console tail")
                }
            };
            finding(
                "crash",
                cause.label().into(),
                last_step,
                state.exitcode.map_or(f64::NAN, |c| c as f64),
                detail,
            )
        }
    }
}

/// GPUs whose memory was at least 95% full in the last minutes before the end.
fn gpu_memory_full(metrics: &Metrics, end_t: f64, step_at: &dyn Fn(f64) -> u64) -> Option<Finding> {
    let mut full: Vec<(String, f64, f64)> = Vec::new();
    for (key, points) in metrics
        .iter()
        .filter(|(k, _)| k.starts_with("gpu.") && k.ends_with(".memoryAllocated"))
    {
        let peak = points
            .iter()
            .filter(|(t, v)| *t >= end_t - END_WINDOW_S && v.is_finite())
            .fold(None, |best: Option<(f64, f64)>, &(t, v)| match best {
                Some((_, b)) if b >= v => best,
                _ => Some((t, v)),
            });
        if let Some((t, v)) = peak.filter(|(_, v)| *v >= GPU_MEMORY_FULL) {
            full.push((key.clone(), t, v));
        }
    }
    let (key, t, v) = full.iter().max_by(|a, b| a.2.total_cmp(&b.2))?.clone();
    let first = full.iter().map(|f| f.1).fold(f64::INFINITY, f64::min);
    Some(finding(
        "gpu-memory-full",
        format!("system.{key}"),
        step_at(first),
        v,
        format!(
            "GPU memory ≥{GPU_MEMORY_FULL}% on {} of the GPUs in the last {} before the end (peak {}% at {}; step from time)",
            full.len(),
            timefmt::duration(END_WINDOW_S as i64),
            format_sig(v, 3),
            timefmt::duration(t as i64)
        ),
    ))
}

/// Process memory that kept climbing to several times its start.
fn memory_ramp(metrics: &Metrics, step_at: &dyn Fn(f64) -> u64) -> Option<Finding> {
    let points: Vec<(f64, f64)> = metrics
        .get("proc.memory.rssMB")?
        .iter()
        .copied()
        .filter(|p| p.1.is_finite())
        .collect();
    let (first, last) = (points.first()?, points.last()?);
    let rising = points.windows(2).filter(|w| w[1].1 >= w[0].1).count();
    if first.1 <= 0.0 || last.1 < 3.0 * first.1 || rising * 10 < (points.len() - 1) * 8 {
        return None;
    }
    let system = metrics
        .get("memory_percent")
        .or_else(|| metrics.get("memory"))
        .and_then(|p| p.last())
        .map_or(String::new(), |p| {
            format!("; system memory {}% at the end", format_sig(p.1, 3))
        });
    Some(finding(
        "memory-ramp",
        "system.proc.memory.rssMB".into(),
        step_at(last.0),
        last.1,
        format!(
            "process RSS climbed from {} GiB to {} GiB over {}{system} (step from time)",
            format_sig(first.1 / 1024.0, 3),
            format_sig(last.1 / 1024.0, 3),
            timefmt::duration((last.0 - first.0) as i64)
        ),
    ))
}

/// GPU utilisation that fell to (near) zero and stayed there until the end.
fn gpu_idle(metrics: &Metrics, end_t: f64, step_at: &dyn Fn(f64) -> u64) -> Option<Finding> {
    let util: Vec<(&String, &Vec<(f64, f64)>)> = metrics
        .iter()
        .filter(|(k, _)| k.starts_with("gpu.") && k.ends_with(".gpu"))
        .collect();
    // The first time from which every GPU stays below 5% to the end, after being busy.
    let mut since: Option<f64> = None;
    for (_, points) in &util {
        let busy_before = points.iter().any(|p| p.1 > 50.0);
        let idle_from = points
            .iter()
            .rev()
            .take_while(|p| p.1 < 5.0)
            .last()
            .map(|p| p.0)?;
        if !busy_before {
            return None;
        }
        since = Some(since.map_or(idle_from, |s: f64| s.max(idle_from)));
    }
    let since = since?;
    if end_t - since < 60.0 {
        return None;
    }
    let gpus = util.len();
    Some(finding(
        "gpu-idle",
        if gpus == 1 {
            format!("system.{}", util[0].0)
        } else {
            format!("system.gpu.0-{}.gpu", gpus - 1)
        },
        step_at(since),
        0.0,
        format!(
            "GPU utilisation fell to 0% at {} of runtime and stayed there for {} until the last sample (step from time)",
            timefmt::duration(since as i64),
            timefmt::duration((end_t - since) as i64)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endings() {
        let state = |s: &str, beat: &str| RunState {
            state: s.into(),
            heartbeat_at: Some(beat.into()),
            ..RunState::default()
        };
        let beat = "2026-11-01T00:00:00";
        let at = timefmt::unix_seconds(beat).unwrap();
        assert_eq!(
            ending(&state("failed", beat), at),
            Some(Ending::Ended("failed".into()))
        );
        assert_eq!(ending(&state("finished", beat), at + 9999), None);
        assert_eq!(ending(&state("running", beat), at + 60), None);
        assert_eq!(
            ending(&state("running", beat), at + 3600),
            Some(Ending::Stalled(3600))
        );
    }

    #[test]
    fn system_rows_back_the_crash() {
        let mut m = Metrics::new();
        m.insert(
            "gpu.0.memoryAllocated".into(),
            vec![(0.0, 70.0), (900.0, 72.0), (1000.0, 99.5)],
        );
        m.insert(
            "gpu.0.gpu".into(),
            vec![(0.0, 90.0), (400.0, 95.0), (500.0, 1.0), (1000.0, 0.0)],
        );
        m.insert(
            "proc.memory.rssMB".into(),
            vec![(0.0, 1000.0), (500.0, 2000.0), (1000.0, 9000.0)],
        );
        let step_at = |t: f64| (t * 10.0) as u64;
        let full = gpu_memory_full(&m, 1000.0, &step_at).unwrap();
        assert_eq!(
            (full.key.as_str(), full.step, full.value),
            ("system.gpu.0.memoryAllocated", 10_000, 99.5)
        );
        let ramp = memory_ramp(&m, &step_at).unwrap();
        assert!(
            ramp.detail
                .starts_with("process RSS climbed from 0.977 GiB to 8.79 GiB"),
            "{}",
            ramp.detail
        );
        let idle = gpu_idle(&m, 1000.0, &step_at).unwrap();
        assert_eq!((idle.step, idle.key.as_str()), (5_000, "system.gpu.0.gpu"));
    }
}
