//! The lines of `system`: one metric's points on each device made into min/max/mean/last,
//! counters turned into rates, and GPUs that look alike merged into one line.

use super::PerDevice;

/// GPUs whose means, maxima and last values are within this fraction of each other are one
/// line.
const ALIKE: f64 = 0.05;

/// How a metric's values read: its unit, and the factor from the wire unit to it.
pub(super) fn unit(name: &str) -> (&'static str, f64) {
    match name {
        "memoryAllocatedBytes" => ("GiB", 1.0 / (1u64 << 30) as f64),
        "proc.memory.rssMB" | "proc.memory.availableMB" => ("GiB", 1.0 / 1024.0),
        "network.sent" | "network.recv" => ("MB/s", 1e-6),
        "in" | "out" => ("MiB/s", 1.0),
        "temp" => ("°C", 1.0),
        "powerWatts" => ("W", 1.0),
        "usageGB" => ("GiB", 1.0),
        "proc.cpu.threads" => ("", 1.0),
        _ => ("%", 1.0),
    }
}

/// One output line: a metric on one device, or on several devices that look alike.
pub(super) struct Line {
    pub(super) label: String,
    pub(super) unit: &'static str,
    pub(super) points: Vec<(f64, f64)>,
    pub(super) min: f64,
    pub(super) max: f64,
    pub(super) mean: f64,
    pub(super) last: f64,
}

/// Counters W&B logs as totals since the start (disk and network); shown as rates.
fn is_cumulative(name: &str) -> bool {
    matches!(name, "in" | "out" | "network.sent" | "network.recv")
}

/// A running total as its rate per second between samples (a counter reset is skipped).
pub(super) fn rates(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    points
        .windows(2)
        .filter(|w| w[1].0 > w[0].0 && w[1].1 >= w[0].1)
        .map(|w| (w[1].0, (w[1].1 - w[0].1) / (w[1].0 - w[0].0)))
        .collect()
}

fn line(label: String, unit: &'static str, factor: f64, points: &[(f64, f64)]) -> Option<Line> {
    let finite: Vec<(f64, f64)> = points
        .iter()
        .map(|&(t, v)| (t, v * factor))
        .filter(|(_, v)| v.is_finite())
        .collect();
    let last = finite.last()?.1;
    Some(Line {
        label,
        unit,
        min: finite.iter().map(|p| p.1).fold(f64::INFINITY, f64::min),
        max: finite.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max),
        mean: finite.iter().map(|p| p.1).sum::<f64>() / finite.len() as f64,
        last,
        points: finite,
    })
}

fn alike(lines: &[&Line]) -> bool {
    let spread = |f: fn(&Line) -> f64| {
        let values: Vec<f64> = lines.iter().map(|l| f(l)).collect();
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let scale = hi.abs().max(lo.abs()).max(1e-9);
        (hi - lo) / scale
    };
    spread(|l| l.mean) <= ALIKE && spread(|l| l.last) <= ALIKE && spread(|l| l.max) <= ALIKE
}

/// GPU indices as `0-7` or `0,2,5`.
fn indices(list: &[u32]) -> String {
    let contiguous = list.windows(2).all(|w| w[1] == w[0] + 1);
    match (list.first(), list.last()) {
        (Some(a), Some(b)) if contiguous && list.len() > 1 => format!("{a}-{b}"),
        _ => list
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// The lines for one metric name across its devices.
pub(super) fn lines_for(name: &str, per_device: &PerDevice) -> Vec<Line> {
    let (unit, factor) = unit(name);
    let mut out = Vec::new();
    let mut gpus: Vec<(u32, Line)> = Vec::new();
    for ((device, gpu), points) in per_device {
        let label = match (device.as_str(), gpu) {
            ("", _) => name.to_string(),
            (_, Some(i)) => format!("gpu.{i}.{name}"),
            (d, None) => format!("{d}.{name}"),
        };
        let points = if is_cumulative(name) {
            rates(points)
        } else {
            points.to_vec()
        };
        if let Some(l) = line(label, unit, factor, &points) {
            match gpu {
                Some(i) => gpus.push((*i, l)),
                None => out.push(l),
            }
        }
    }
    if gpus.len() > 1 && alike(&gpus.iter().map(|(_, l)| l).collect::<Vec<_>>()) {
        let ids: Vec<u32> = gpus.iter().map(|(i, _)| *i).collect();
        let n = gpus.len() as f64;
        let all: Vec<&Line> = gpus.iter().map(|(_, l)| l).collect();
        let mut points: Vec<(f64, f64)> =
            all.iter().flat_map(|l| l.points.iter().copied()).collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        out.push(Line {
            label: format!("gpu.{}.{name}", indices(&ids)),
            unit,
            min: all.iter().map(|l| l.min).fold(f64::INFINITY, f64::min),
            max: all.iter().map(|l| l.max).fold(f64::NEG_INFINITY, f64::max),
            mean: all.iter().map(|l| l.mean).sum::<f64>() / n,
            last: all.iter().map(|l| l.last).sum::<f64>() / n,
            points,
        });
    } else {
        out.extend(gpus.into_iter().map(|(_, l)| l));
    }
    out
}
