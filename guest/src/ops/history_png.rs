//! `wandb-history-png` (`history --png FILE`; the MCP tool `wandb_history` with
//! `format: "png"`): the curves of `history`'s sampled view — the same fetch, extremes and NaN
//! onsets kept — drawn as a PNG ([`crate::text::chart`]), with its events marked: each key's
//! first non-finite value, a gradient norm's explosion and a loss's spikes, found on the
//! fetched rows as `diagnose`'s coarse pass finds them (`~` when from sampled rows: `diagnose`
//! zooms to the exact step).

use wandb_agent_commands::HistoryPng;

use crate::analysis::detection::detect::{self, Track};
use crate::error::{AgentError, Result};
use crate::model::{paths, Fetched, HistoryRequest, Series};
use crate::ops::Context;
use crate::text;
use crate::text::chart::{self, Curve, Marker};

/// A picture and the line said beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// What it shows: `3 keys; run steps 0..1200000`.
    pub note: String,
}

pub fn picture(args: HistoryPng, cx: &Context) -> Result<Picture> {
    let size = args
        .picture
        .png_size
        .as_deref()
        .map(parse_size)
        .transpose()?;
    // A size out of bounds is refused before any request.
    if let Some(size) = size {
        chart::check_size(size).map_err(|e| AgentError::BadInput(e.to_string()))?;
    }
    let run = paths::parse_run_path(&args.run)?;
    let window = args.window;
    let request =
        HistoryRequest::new(&args.keys, window.samples, window.min_step, window.max_step)?;
    let fetched = cx.source.history_table(&run, &request)?;
    let curves = curves(&fetched);
    let steps = (
        request.min_step.unwrap_or(0),
        request.max_step.or(fetched.last_step).unwrap_or(0),
    );
    let mut markers = chart::nonfinite_onsets(&curves, &fetched.exact);
    markers.extend(events(&curves, &fetched.exact, steps));
    let png = chart::render(&chart::Request {
        curves,
        markers,
        steps: (steps.1 > steps.0).then_some(steps),
        size,
    })
    .map_err(|e| AgentError::BadInput(e.to_string()))?;
    Ok(Picture {
        note: format!(
            "{} key{}; {}",
            request.keys.len(),
            if request.keys.len() == 1 { "" } else { "s" },
            text::range_note(fetched.last_step, request.min_step, request.max_step)
        ),
        png: png.bytes,
        width: png.width,
        height: png.height,
    })
}

/// `800x400` as (800, 400).
fn parse_size(text: &str) -> Result<(u32, u32)> {
    let bad = || {
        AgentError::BadInput(format!(
            "png-size `{text}`: expected WIDTHxHEIGHT in pixels, e.g. 800x400"
        ))
    };
    let (w, h) = text.trim().split_once(['x', 'X']).ok_or_else(bad)?;
    Ok((w.parse().map_err(|_| bad())?, h.parse().map_err(|_| bad())?))
}

/// Each key's logged values from the joined table.
fn curves(fetched: &Fetched) -> Vec<Curve> {
    let table = &fetched.table;
    table
        .keys
        .iter()
        .enumerate()
        .map(|(i, key)| Curve {
            key: key.clone(),
            points: table
                .rows
                .iter()
                .filter_map(|row| row.values[i].map(|v| (row.step, v)))
                .collect(),
        })
        .collect()
}

/// The explosion of a gradient-norm key and the spikes of a loss key (names as `diagnose`
/// guesses them), at the first fetched step past the threshold.
fn events(curves: &[Curve], exact: &[bool], range: (u64, u64)) -> Vec<Marker> {
    let mut markers = Vec::new();
    for (i, curve) in curves.iter().enumerate() {
        let name = curve.key.to_ascii_lowercase();
        let track = Track::new(
            Series {
                points: curve.points.clone(),
                complete: exact.get(i).copied().unwrap_or(false),
            },
            range,
        );
        let probes = if name.contains("grad") && name.contains("norm") {
            detect::explosion(&curve.key, &track).into_iter().collect()
        } else if name.contains("loss") {
            detect::spikes(&curve.key, &track)
        } else {
            Vec::new()
        };
        markers.extend(probes.into_iter().map(|probe| Marker {
            step: probe.hi,
            label: format!("{} {}", curve.key, probe.kind),
            approximate: !probe.exact,
        }));
    }
    markers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_or_say_how() {
        assert_eq!(parse_size("800x400").unwrap(), (800, 400));
        assert_eq!(parse_size(" 1280X640 ").unwrap(), (1280, 640));
        for bad in ["800", "800x", "x400", "-1x2", "800*400"] {
            let err = parse_size(bad).unwrap_err().to_string();
            assert!(err.contains("expected WIDTHxHEIGHT"), "{err}");
        }
    }

    #[test]
    fn explosions_and_spikes_are_marked_where_the_coarse_pass_finds_them() {
        let steps = (0..1000u64).map(|i| i * 10);
        let grad = Curve {
            key: "train/grad_norm".into(),
            points: steps
                .clone()
                .map(|s| (s, if s >= 6000 { 50.0 } else { 1.0 }))
                .collect(),
        };
        let loss = Curve {
            key: "loss".into(),
            points: steps
                .map(|s| (s, if (3000..3050).contains(&s) { 3.0 } else { 1.0 }))
                .collect(),
        };
        let lr = Curve {
            key: "lr".into(),
            points: vec![(0, 1.0), (10, 100.0)],
        };
        let markers = events(&[grad, loss, lr], &[false, true, false], (0, 9990));
        assert_eq!(
            markers,
            [
                Marker {
                    step: 6000,
                    label: "train/grad_norm explosion".into(),
                    approximate: true
                },
                Marker {
                    step: 3000,
                    label: "loss spike".into(),
                    approximate: false
                }
            ]
        );
    }
}
