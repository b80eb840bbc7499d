//! Which keys share a panel, and where each panel sits. Keys share a panel (and its y axis)
//! when their scales agree: both linear or both log, and each spans at least a quarter of the
//! union's range, so neither is squashed into a flat line by the other. Panels are stacked
//! and share the x axis (steps), which is labelled under the bottom one.

use super::scale::Scale;
use super::Curve;

/// A key's range must cover this share of its panel's range to join it.
const SHARED_SPAN: f64 = 0.25;

/// A panel: the indices of its keys (in the order asked for) and its y scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub keys: Vec<usize>,
    pub scale: Scale,
}

/// The finite range of a curve's values, if it has any.
pub fn finite_range(curve: &Curve) -> Option<(f64, f64)> {
    curve
        .points
        .iter()
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((v.min(lo), v.max(hi))),
        })
}

/// Groups keys into panels in the order they were asked for; a key with no finite value gets
/// a panel of its own (its markers still show where it went non-finite).
pub fn panels(curves: &[Curve]) -> Vec<Panel> {
    let mut panels: Vec<(Panel, Option<(f64, f64)>)> = Vec::new();
    for (i, curve) in curves.iter().enumerate() {
        let range = finite_range(curve);
        let joined = range.and_then(|(lo, hi)| {
            panels.iter_mut().find_map(|(panel, shared)| {
                let (plo, phi) = (*shared)?;
                let union = (lo.min(plo), hi.max(phi));
                let whole = Scale::fit(union.0, union.1);
                let own = Scale::fit(lo, hi);
                let theirs = Scale::fit(plo, phi);
                let agree = whole.log == own.log
                    && whole.log == theirs.log
                    && [lo, plo]
                        .iter()
                        .zip([hi, phi])
                        .all(|(&a, b)| span(whole, a, b) >= SHARED_SPAN * whole.extent());
                agree.then(|| {
                    panel.keys.push(i);
                    panel.scale = whole;
                    *shared = Some(union);
                })
            })
        });
        if joined.is_none() {
            let scale = range.map_or(Scale::fit(0.0, 0.0), |(lo, hi)| Scale::fit(lo, hi));
            panels.push((
                Panel {
                    keys: vec![i],
                    scale,
                },
                range,
            ));
        }
    }
    panels.into_iter().map(|(panel, _)| panel).collect()
}

/// How much of `scale` the values `a..b` cover, in its units.
fn span(scale: Scale, a: f64, b: f64) -> f64 {
    (scale.fraction(b) - scale.fraction(a)) * scale.extent()
}

/// A rectangle of pixels: left, top, width, height.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

impl Rect {
    pub fn right(&self) -> i32 {
        self.x + self.w - 1
    }

    pub fn bottom(&self) -> i32 {
        self.y + self.h - 1
    }
}

/// The plot areas of `count` stacked panels inside `area`, `gap` pixels apart.
pub fn stack(area: Rect, count: usize, gap: i32) -> Vec<Rect> {
    let count = count.max(1) as i32;
    let h = (area.h - gap * (count - 1)) / count;
    (0..count)
        .map(|i| Rect {
            x: area.x,
            y: area.y + i * (h + gap),
            w: area.w,
            h,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(key: &str, values: &[f64]) -> Curve {
        Curve {
            key: key.into(),
            points: values
                .iter()
                .enumerate()
                .map(|(i, v)| (i as u64, *v))
                .collect(),
        }
    }

    #[test]
    fn keys_of_one_scale_share_a_panel() {
        let curves = [
            curve("loss", &[2.3, 0.2, f64::NAN]),
            curve("lr", &[0.001, 0.001]),
            curve("val_loss", &[1.2, 0.31]),
            curve("grad_norm", &[0.8, 0.5, 120.0]),
            curve("nan_only", &[f64::NAN]),
        ];
        let panels = panels(&curves);
        let keys: Vec<Vec<usize>> = panels.iter().map(|p| p.keys.clone()).collect();
        assert_eq!(keys, [vec![0, 2], vec![1], vec![3], vec![4]]);
        assert!(!panels[0].scale.log && panels[2].scale.log);
    }

    #[test]
    fn panels_stack_with_gaps() {
        let rects = stack(
            Rect {
                x: 40,
                y: 4,
                w: 580,
                h: 300,
            },
            3,
            6,
        );
        assert_eq!(rects.len(), 3);
        assert_eq!(
            rects[0],
            Rect {
                x: 40,
                y: 4,
                w: 580,
                h: 96
            }
        );
        assert_eq!(rects[2].y, 4 + 2 * 102);
        assert!(rects[2].bottom() <= 303);
    }
}
