//! Curves as a PNG picture, for agents that read images and for people: a 640×320 chart
//! costs an image's tokens (about 270) where the same curves cost ~1,350 as CSV, and shows
//! their shape at a glance.
//!
//! The picture: stacked panels sharing the x axis (steps), one per key or per group of keys
//! whose scales agree ([`layout`]), a log y axis when a key spans two orders of magnitude
//! ([`scale`]), every fetched point drawn (per pixel column its first, lowest, highest and last
//! value, so a one-sample spike still reaches its height), events and NaN/Inf onsets as dashed
//! vertical lines labelled with their step (`~` when found in sampled rows), and Okabe & Ito's
//! colour-blind-safe palette ([`canvas`]). Drawing is `embedded-graphics` (bitmap fonts,
//! 1-pixel lines, no antialiasing) on a palette canvas, written by the `png` crate as a 4-bit
//! indexed PNG: small (a few to ~20 KB at the default size) and exact to the pixel.
//!
//! It depends on nothing else in the crate: it takes plain points and labels.

mod canvas;
mod draw;
mod layout;
mod scale;
#[cfg(test)]
mod tests;

use std::fmt;

use embedded_graphics::mono_font::{iso_8859_1, MonoFont};

use canvas::Canvas;
use layout::Rect;

/// The picture's size when none is asked for.
pub const DEFAULT_SIZE: (u32, u32) = (640, 320);
/// The smallest picture that still has room for its axes and a panel.
pub const MIN_SIZE: (u32, u32) = (240, 120);
/// The largest picture drawn even when asked for (16 MB of pixels at most).
pub const MAX_SIZE: (u32, u32) = (4096, 4096);

/// One key's points, ascending by step; non-finite values are NaN/±inf (they break the line).
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub key: String,
    pub points: Vec<(u64, f64)>,
}

/// A vertical line at `step`, labelled `"{label} {step}"`, with `~` before the step when it
/// was found in sampled rows (the event may be up to one sample spacing earlier).
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub step: u64,
    pub label: String,
    pub approximate: bool,
}

impl Marker {
    fn text(&self) -> String {
        let tilde = if self.approximate { "~" } else { "" };
        format!("{} {tilde}{}", self.label, self.step)
    }
}

/// What to draw.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Request {
    pub curves: Vec<Curve>,
    pub markers: Vec<Marker>,
    /// The x axis: the run's steps or the window asked for; the points' own range when
    /// `None`.
    pub steps: Option<(u64, u64)>,
    /// Width and height in pixels; [`DEFAULT_SIZE`] when `None`.
    pub size: Option<(u32, u32)>,
}

/// A PNG and its size.
#[derive(Debug, Clone, PartialEq)]
pub struct Png {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ChartError {
    Size { width: u32, height: u32 },
    NoRows,
    TooManyPanels { panels: usize, most: usize },
    Encode(String),
}

impl fmt::Display for ChartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChartError::Size { width, height } => write!(
                f,
                "a {width}x{height} picture is out of bounds: from {}x{} to {}x{} pixels",
                MIN_SIZE.0, MIN_SIZE.1, MAX_SIZE.0, MAX_SIZE.1
            ),
            ChartError::NoRows => write!(f, "no rows in range to draw"),
            ChartError::TooManyPanels { panels, most } => write!(
                f,
                "{panels} panels (keys whose scales differ) do not fit this picture's height, at most {most}: ask for fewer keys or a taller size"
            ),
            ChartError::Encode(why) => write!(f, "the PNG could not be written: {why}"),
        }
    }
}

/// The first non-finite value of each curve, as a marker labelled `"{key} nan"` (or `inf`,
/// `-inf`); `exact[i]` says whether curve `i` holds every logged row (else the step is `~`).
pub fn nonfinite_onsets(curves: &[Curve], exact: &[bool]) -> Vec<Marker> {
    curves
        .iter()
        .enumerate()
        .filter_map(|(i, curve)| {
            let &(step, v) = curve.points.iter().find(|p| !p.1.is_finite())?;
            let what = if v.is_nan() {
                "nan"
            } else if v > 0.0 {
                "inf"
            } else {
                "-inf"
            };
            Some(Marker {
                step,
                label: format!("{} {what}", curve.key),
                approximate: !exact.get(i).copied().unwrap_or(false),
            })
        })
        .collect()
}

/// Glyph size and margins for one picture size.
struct Style {
    font: &'static MonoFont<'static>,
    /// Pixels between stacked panels.
    gap: i32,
}

impl Style {
    fn for_size(width: u32, height: u32) -> Style {
        let large = width >= 1280 && height >= 480;
        Style {
            font: if large {
                &iso_8859_1::FONT_9X15
            } else {
                &iso_8859_1::FONT_6X10
            },
            gap: if large { 10 } else { 6 },
        }
    }

    fn char_w(&self) -> i32 {
        self.font.character_size.width as i32
    }

    fn char_h(&self) -> i32 {
        self.font.character_size.height as i32
    }

    /// A panel's plot area must hold its legend and two tick labels.
    fn min_panel_h(&self) -> i32 {
        4 * self.char_h()
    }
}

/// Whether a picture of `(width, height)` can be drawn: from [`MIN_SIZE`] to [`MAX_SIZE`].
pub fn check_size((width, height): (u32, u32)) -> Result<(), ChartError> {
    if width < MIN_SIZE.0 || height < MIN_SIZE.1 || width > MAX_SIZE.0 || height > MAX_SIZE.1 {
        return Err(ChartError::Size { width, height });
    }
    Ok(())
}

/// Draws the request as a PNG.
pub fn render(request: &Request) -> Result<Png, ChartError> {
    let (width, height) = request.size.unwrap_or(DEFAULT_SIZE);
    check_size((width, height))?;
    let steps = request
        .steps
        .or_else(|| step_range(&request.curves))
        .ok_or(ChartError::NoRows)?;
    let style = Style::for_size(width, height);
    let (cw, ch) = (style.char_w(), style.char_h());
    let panels = layout::panels(&request.curves);
    // Below the panels: ticks, a gap and the step labels.
    let area_h = height as i32 - 4 - (ch + 8);
    let most = ((area_h + style.gap) / (style.min_panel_h() + style.gap)).max(1) as usize;
    if panels.len() > most {
        return Err(ChartError::TooManyPanels {
            panels: panels.len(),
            most,
        });
    }
    // The left margin fits the widest y tick label, so ticks are chosen first.
    let provisional = Rect {
        x: 0,
        y: 4,
        w: width as i32,
        h: area_h,
    };
    let rects = layout::stack(provisional, panels.len(), style.gap);
    // A peak sits just below the top of its panel, not on the frame.
    let scales: Vec<_> = panels.iter().map(|p| p.scale.padded(0.04)).collect();
    let ticks: Vec<_> = scales
        .iter()
        .zip(&rects)
        .map(|(scale, rect)| scale.ticks((rect.h / (2 * ch + 4)) as usize))
        .collect();
    let widest = ticks
        .iter()
        .flatten()
        .map(|t| t.label.chars().count() as i32)
        .max()
        .unwrap_or(1);
    let left = widest * cw + 7;
    let right = 3 * cw;
    let area = Rect {
        x: left,
        w: width as i32 - left - right,
        ..provisional
    };
    let rects = layout::stack(area, panels.len(), style.gap);
    let x_axis = draw::XAxis::new(steps, area, &style);
    let mut canvas = Canvas::new(width, height);
    let y_axes: Vec<_> = scales
        .iter()
        .zip(&rects)
        .map(|(&scale, &rect)| draw::YAxis { scale, rect })
        .collect();
    for ((panel, y_axis), ticks) in panels.iter().zip(&y_axes).zip(&ticks) {
        draw::grid(&mut canvas, &x_axis, y_axis, ticks);
        for &i in &panel.keys {
            draw::curve(
                &mut canvas,
                &x_axis,
                y_axis,
                &request.curves[i],
                canvas::series(i),
            );
        }
    }
    draw::markers(&mut canvas, &x_axis, &rects, &request.markers);
    for ((panel, y_axis), ticks) in panels.iter().zip(&y_axes).zip(&ticks) {
        draw::frame(&mut canvas, &style, y_axis, ticks);
        draw::legend(&mut canvas, &style, &y_axis.rect, panel, &request.curves);
    }
    if let Some(bottom) = rects.last() {
        draw::step_ticks(&mut canvas, &style, &x_axis, bottom);
    }
    draw::marker_labels(&mut canvas, &style, &x_axis, &rects, &request.markers);
    let bytes = canvas
        .encode()
        .map_err(|e| ChartError::Encode(e.to_string()))?;
    Ok(Png {
        bytes,
        width,
        height,
    })
}

/// The steps the curves cover, first to last.
fn step_range(curves: &[Curve]) -> Option<(u64, u64)> {
    let steps = curves.iter().flat_map(|c| c.points.iter().map(|p| p.0));
    let lo = steps.clone().min()?;
    Some((lo, steps.max()?))
}
