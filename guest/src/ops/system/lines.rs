//! The lines of `system`: one metric's points on each device made into min/max/mean/last,
//! counters turned into rates, and GPUs that look alike merged into one line.

use std::collections::BTreeMap;

/// One metric's points per device: `("gpu", Some(3))`, `("disk.nvme0n1", None)`, `("", None)`.
pub(super) type PerDevice<'a> = BTreeMap<(String, Option<u32>), &'a Vec<(f64, f64)>>;

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

/// How far apart `values` are, as a fraction of their scale (of 100 for percentages, so
/// 74% and 77% are 3 points apart, not 4%).
fn spread(values: impl Iterator<Item = f64> + Clone, unit: &str) -> f64 {
    let lo = values.clone().fold(f64::INFINITY, f64::min);
    let hi = values.fold(f64::NEG_INFINITY, f64::max);
    let floor = if unit == "%" { 100.0 } else { 1e-9 };
    (hi - lo) / hi.abs().max(lo.abs()).max(floor)
}

fn alike(lines: &[&Line]) -> bool {
    let unit = lines.first().map_or("", |l| l.unit);
    let within = |f: fn(&Line) -> f64| spread(lines.iter().map(|l| f(l)), unit) <= ALIKE;
    within(|l| l.mean) && within(|l| l.last) && within(|l| l.max)
}

/// How far one GPU is from the others' medians, in the measure of [`alike`].
fn oddness(line: &Line, lines: &[&Line]) -> f64 {
    let median = |f: fn(&Line) -> f64| {
        let mut v: Vec<f64> = lines.iter().map(|l| f(l)).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let measures: [fn(&Line) -> f64; 3] = [|l| l.mean, |l| l.last, |l| l.max];
    measures
        .iter()
        .map(|f| spread([f(line), median(*f)].into_iter(), line.unit))
        .fold(0.0, f64::max)
}

/// GPUs split into sets that look alike: the oddest GPU is set aside until the rest are
/// alike, then the set-aside ones are grouped the same way. Largest set first.
fn alike_sets(mut gpus: Vec<(u32, Line)>) -> Vec<Vec<(u32, Line)>> {
    let mut sets = Vec::new();
    while !gpus.is_empty() {
        let mut odd: Vec<(u32, Line)> = Vec::new();
        while gpus.len() > 1 && !alike(&gpus.iter().map(|(_, l)| l).collect::<Vec<_>>()) {
            let all: Vec<&Line> = gpus.iter().map(|(_, l)| l).collect();
            let worst = (0..gpus.len())
                .max_by(|&a, &b| oddness(&gpus[a].1, &all).total_cmp(&oddness(&gpus[b].1, &all)))
                .unwrap_or(0);
            odd.push(gpus.remove(worst));
        }
        sets.push(gpus);
        odd.sort_by_key(|(i, _)| *i);
        gpus = odd;
    }
    sets
}

/// GPU indices as `0-7`, `0-7 except 3` (a range with fewer gaps than members) or `0+2+5`
/// (no commas: the label is a CSV cell written as is).
fn indices(list: &[u32]) -> String {
    let (Some(&a), Some(&b)) = (list.first(), list.last()) else {
        return String::new();
    };
    let missing: Vec<String> = (a..=b)
        .filter(|i| !list.contains(i))
        .map(|i| i.to_string())
        .collect();
    match list.len() {
        1 => a.to_string(),
        _ if missing.is_empty() => format!("{a}-{b}"),
        n if missing.len() < n => format!("{a}-{b} except {}", missing.join("+")),
        _ => list
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join("+"),
    }
}

/// One line for a set of alike GPUs: extremes over all, mean and last averaged.
fn merged(name: &str, unit: &'static str, set: Vec<(u32, Line)>) -> Line {
    let ids: Vec<u32> = set.iter().map(|(i, _)| *i).collect();
    let n = set.len() as f64;
    let all: Vec<Line> = set.into_iter().map(|(_, l)| l).collect();
    let mut points: Vec<(f64, f64)> = all.iter().flat_map(|l| l.points.iter().copied()).collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    Line {
        label: format!("gpu.{}.{name}", indices(&ids)),
        unit,
        min: all.iter().map(|l| l.min).fold(f64::INFINITY, f64::min),
        max: all.iter().map(|l| l.max).fold(f64::NEG_INFINITY, f64::max),
        mean: all.iter().map(|l| l.mean).sum::<f64>() / n,
        last: all.iter().map(|l| l.last).sum::<f64>() / n,
        points,
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
    for set in alike_sets(gpus) {
        match set.len() {
            1 => out.extend(set.into_iter().map(|(_, l)| l)),
            _ => out.push(merged(name, unit, set)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gpu(i: u32, level: f64) -> (u32, Line) {
        let points: Vec<(f64, f64)> = (0..10)
            .map(|t| (t as f64, level + t as f64 * 0.1))
            .collect();
        (i, line(format!("gpu.{i}.gpu"), "%", 1.0, &points).unwrap())
    }

    #[test]
    fn the_odd_gpu_keeps_its_own_line() {
        let gpus: Vec<(u32, Line)> = (0..8)
            .map(|i| {
                gpu(
                    i,
                    if i == 3 {
                        40.0
                    } else {
                        95.0 + f64::from(i) * 0.2
                    },
                )
            })
            .collect();
        let sets = alike_sets(gpus);
        let ids: Vec<Vec<u32>> = sets
            .iter()
            .map(|s| s.iter().map(|g| g.0).collect())
            .collect();
        assert_eq!(ids, vec![vec![0, 1, 2, 4, 5, 6, 7], vec![3]]);
        assert_eq!(indices(&ids[0]), "0-7 except 3");
        assert_eq!(indices(&[0, 2, 5]), "0+2+5");
        assert_eq!(indices(&[0, 1, 2, 3]), "0-3");
        assert_eq!(indices(&[4]), "4");
        // Two odd ones alike with each other share a line too.
        let gpus: Vec<(u32, Line)> = (0..8)
            .map(|i| gpu(i, if i >= 6 { 40.0 } else { 95.0 }))
            .collect();
        let sizes: Vec<usize> = alike_sets(gpus).iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![6, 2]);
    }
}
