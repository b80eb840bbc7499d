//! Per-layer gradient scales (`gradients/<layer>` histograms read down to one scale per row by
//! the source):
//! a dead layer (gradients all zero from some step while the others' are not) and layers
//! whose gradients are 1,000× below (vanishing) or above (exploding) the median layer's.

use super::stats::median;

/// The prefix `wandb.watch` logs per-layer gradient histograms under (`gradients/<layer>`).
pub const GRADIENTS: &str = "gradients/";

/// A layer's `(step, scale)` rows, ascending by step, under its key.
pub type Layer = (String, Vec<(u64, f64)>);

/// A scale this small against the other layers' median counts as zero (a dead layer's
/// gradients are exactly zero; float noise is far above this).
pub const NEAR_ZERO: f64 = 1e-6;

/// A layer this many times below or above the median layer's scale is named.
pub const RATIO: f64 = 1_000.0;

#[derive(Debug, Clone, PartialEq)]
pub struct Dead {
    pub key: String,
    pub from: u64,
    /// The median scale of the other layers at `from`.
    pub others: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outlier {
    pub key: String,
    /// The first row where it stands that far from the median.
    pub step: u64,
    pub scale: f64,
    pub median: f64,
    /// How many times below (vanishing) or above (exploding) the median layer's scale.
    pub ratio: f64,
    pub below: bool,
}

/// The median scale of the layers other than `skip` at `step` (each at its last row up to it).
fn others_at(layers: &[Layer], skip: usize, step: u64) -> Option<f64> {
    let mut values: Vec<f64> = layers
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != skip)
        .filter_map(|(_, (_, rows))| {
            let i = rows.partition_point(|r| r.0 <= step);
            i.checked_sub(1).map(|i| rows[i].1)
        })
        .collect();
    median(&mut values)
}

/// Layers whose gradients are near zero from some row to the end (at least two rows) while
/// the other layers' median is not.
pub fn dead(layers: &[Layer]) -> Vec<Dead> {
    if layers.len() < 2 {
        return Vec::new();
    }
    let mut found = Vec::new();
    for (i, (key, rows)) in layers.iter().enumerate() {
        let is_dead = |r: &(u64, f64)| {
            others_at(layers, i, r.0).is_some_and(|m| m > 0.0 && r.1 <= NEAR_ZERO * m)
        };
        let alive = rows.iter().rposition(|r| !is_dead(r));
        let from = alive.map_or(0, |a| a + 1);
        if rows.len() >= from + 2 {
            let step = rows[from].0;
            found.push(Dead {
                key: key.clone(),
                from: step,
                others: others_at(layers, i, step).unwrap_or(0.0),
            });
        }
    }
    found
}

/// Layers whose typical scale (the median of their non-zero rows) is [`RATIO`]× below or
/// above the median layer's; at least three layers with non-zero gradients are needed.
pub fn outliers(layers: &[Layer]) -> Vec<Outlier> {
    let typical: Vec<(usize, f64)> = layers
        .iter()
        .enumerate()
        .filter_map(|(i, (_, rows))| {
            let mut live: Vec<f64> = rows.iter().map(|r| r.1).filter(|v| *v > 0.0).collect();
            median(&mut live).map(|m| (i, m))
        })
        .collect();
    if typical.len() < 3 {
        return Vec::new();
    }
    let Some(mid) = median(&mut typical.iter().map(|t| t.1).collect::<Vec<_>>()) else {
        return Vec::new();
    };
    typical
        .into_iter()
        .filter_map(|(i, scale)| {
            let (below, ratio) = if scale < mid {
                (true, mid / scale)
            } else {
                (false, scale / mid)
            };
            let (key, rows) = &layers[i];
            let step = rows.iter().find(|r| r.1 > 0.0)?.0;
            (ratio >= RATIO).then(|| Outlier {
                key: key.clone(),
                step,
                scale,
                median: mid,
                ratio,
                below,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(name: &str, f: impl Fn(u64) -> f64) -> Layer {
        (
            name.into(),
            (0..200).map(|i| (i * 100, f(i * 100))).collect(),
        )
    }

    #[test]
    fn a_dead_layer_from_its_step() {
        let layers: Vec<Layer> = (0..6)
            .map(|l| {
                layer(&format!("gradients/layers.{l}.weight"), |s| {
                    if l == 3 && s >= 12_000 {
                        0.0
                    } else {
                        0.01 * (1.0 + l as f64 / 5.0)
                    }
                })
            })
            .collect();
        let d = dead(&layers);
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].key.as_str(), d[0].from),
            ("gradients/layers.3.weight", 12_000)
        );
        assert!(d[0].others > 0.01);
        // A dead layer is not also called vanishing.
        assert!(outliers(&layers).is_empty());
        // All layers zero: nothing stands out as dead.
        let all: Vec<Layer> = (0..3).map(|l| layer(&format!("g{l}"), |_| 0.0)).collect();
        assert!(dead(&all).is_empty() && outliers(&all).is_empty());
    }

    #[test]
    fn vanishing_and_exploding_layers() {
        // ~4× (3.8×) per layer going down the lower half of 12 layers, the upper half alike:
        // the first layer 3.8^6 / ((1 + 1/3.8) / 2) ≈ 1,902× below the median (the mean of
        // layers 5 and 6), the second only 500×; no layer far above.
        let mut layers: Vec<Layer> = (0..12)
            .map(|l| {
                layer(&format!("gradients/layers.{l}.weight"), |_| {
                    0.01 * 3.8f64.powi((l - 6).min(0))
                })
            })
            .collect();
        let found = outliers(&layers);
        assert_eq!(found.len(), 1, "{found:?}");
        let o = &found[0];
        assert!(o.below && o.key == "gradients/layers.0.weight" && o.step == 0);
        assert!((o.ratio - 1_901.6).abs() < 1.0, "{}", o.ratio);
        assert!(dead(&layers).is_empty());
        layers[11].1.iter_mut().for_each(|r| r.1 = 1e3);
        let up: Vec<Outlier> = outliers(&layers).into_iter().filter(|o| !o.below).collect();
        assert_eq!(up.len(), 1);
        assert_eq!(up[0].key, "gradients/layers.11.weight");
        assert!(outliers(&layers[..2]).is_empty());
    }
}
