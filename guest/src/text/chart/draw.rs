//! The pieces of a chart, drawn in order: grid, curves, marker lines, frames with their tick
//! labels, legends, the step axis, marker labels (text last, on a white box, so it stays
//! readable over the lines).

use embedded_graphics::mono_font::MonoTextStyleBuilder;
use embedded_graphics::prelude::{Drawable, Point, Primitive};
use embedded_graphics::primitives::{Line, PrimitiveStyle, Rectangle};
use embedded_graphics::text::{Baseline, Text};

use super::canvas::{self, Canvas, Ink};
use super::layout::{Panel, Rect};
use super::scale::{step_label, Scale, Tick};
use super::{Curve, Marker, Style};

/// Steps across the plot areas' common width.
pub struct XAxis {
    lo: u64,
    hi: u64,
    rect: Rect,
    /// Round steps, about one per 8 characters of width.
    ticks: Vec<Tick>,
}

impl XAxis {
    pub fn new((lo, hi): (u64, u64), rect: Rect, style: &Style) -> XAxis {
        let hi = hi.max(lo + 1);
        let ticks = Scale::linear(lo as f64, hi as f64)
            .ticks((rect.w / (8 * style.char_w())) as usize)
            .into_iter()
            .filter(|t| t.value.fract() == 0.0 && t.value >= 0.0)
            .map(|t| Tick {
                label: step_label(t.value),
                value: t.value,
            })
            .collect();
        XAxis {
            lo,
            hi,
            rect,
            ticks,
        }
    }

    pub fn contains(&self, step: u64) -> bool {
        (self.lo..=self.hi).contains(&step)
    }

    /// The pixel column of `step` (inside the plot area when `contains(step)`).
    pub fn x(&self, step: u64) -> i32 {
        let fraction = step.saturating_sub(self.lo) as f64 / (self.hi - self.lo) as f64;
        self.rect.x + (fraction * f64::from(self.rect.w - 1)).round() as i32
    }
}

/// One panel's values across its plot area's height.
pub struct YAxis {
    pub scale: Scale,
    pub rect: Rect,
}

impl YAxis {
    pub fn y(&self, v: f64) -> i32 {
        let fraction = self.scale.fraction(v).clamp(0.0, 1.0);
        self.rect.bottom() - (fraction * f64::from(self.rect.h - 1)).round() as i32
    }
}

fn line(canvas: &mut Canvas, from: (i32, i32), to: (i32, i32), ink: Ink) {
    let Ok(()) = Line::new(Point::new(from.0, from.1), Point::new(to.0, to.1))
        .into_styled(PrimitiveStyle::with_stroke(ink, 1))
        .draw(canvas);
}

/// `text` with its top-left corner at `(x, y)`, on a white box.
fn text(canvas: &mut Canvas, style: &Style, text: &str, (x, y): (i32, i32), ink: Ink) {
    let look = MonoTextStyleBuilder::new()
        .font(style.font)
        .text_color(ink)
        .background_color(canvas::BACKGROUND)
        .build();
    let Ok(_) = Text::with_baseline(text, Point::new(x, y), look, Baseline::Top).draw(canvas);
}

fn text_w(style: &Style, text: &str) -> i32 {
    text.chars().count() as i32 * style.char_w()
}

/// Light lines at the y ticks and the step ticks.
pub fn grid(canvas: &mut Canvas, x_axis: &XAxis, y_axis: &YAxis, ticks: &[Tick]) {
    let r = y_axis.rect;
    for tick in ticks {
        let y = y_axis.y(tick.value);
        line(canvas, (r.x, y), (r.right(), y), canvas::GRID);
    }
    for tick in &x_axis.ticks {
        let x = x_axis.x(tick.value as u64);
        line(canvas, (x, r.y), (x, r.bottom()), canvas::GRID);
    }
}

/// Every point of `curve`, reduced per pixel column to its first, lowest, highest and last
/// value (what drawing them all would show), joined by lines; a non-finite value breaks the
/// line.
pub fn curve(canvas: &mut Canvas, x_axis: &XAxis, y_axis: &YAxis, curve: &Curve, ink: Ink) {
    // (column, first, lowest, highest, last) in pixels; None marks a break.
    let mut columns: Vec<Option<(i32, [i32; 4])>> = Vec::new();
    for &(step, v) in curve.points.iter().filter(|p| x_axis.contains(p.0)) {
        if !v.is_finite() {
            if columns.last().is_some_and(Option::is_some) {
                columns.push(None);
            }
            continue;
        }
        let (x, y) = (x_axis.x(step), y_axis.y(v));
        match columns.last_mut() {
            Some(Some((column, c))) if *column == x => {
                // Pixel y grows downwards: the lowest value has the largest y.
                c[1] = c[1].max(y);
                c[2] = c[2].min(y);
                c[3] = y;
            }
            _ => columns.push(Some((x, [y, y, y, y]))),
        }
    }
    let mut previous: Option<(i32, i32)> = None;
    for column in columns {
        let Some((x, [first, low, high, last])) = column else {
            previous = None;
            continue;
        };
        let start = previous.unwrap_or((x, first));
        line(canvas, start, (x, first), ink);
        line(canvas, (x, low), (x, high), ink);
        canvas.set(x, last, ink);
        previous = Some((x, last));
    }
}

/// A dashed vertical line through every panel at each marker's step.
pub fn markers(canvas: &mut Canvas, x_axis: &XAxis, rects: &[Rect], markers: &[Marker]) {
    for marker in markers.iter().filter(|m| x_axis.contains(m.step)) {
        let x = x_axis.x(marker.step);
        for r in rects {
            // 4 pixels on, 2 off.
            for y in (r.y..=r.bottom()).filter(|y| (y - r.y) % 6 < 4) {
                canvas.set(x, y, canvas::MARKER);
            }
        }
    }
}

/// The panel's frame, its y ticks and their labels, right-aligned left of the frame.
pub fn frame(canvas: &mut Canvas, style: &Style, y_axis: &YAxis, ticks: &[Tick]) {
    let r = y_axis.rect;
    let Ok(()) = Rectangle::new(
        Point::new(r.x, r.y),
        embedded_graphics::prelude::Size::new(r.w as u32, r.h as u32),
    )
    .into_styled(PrimitiveStyle::with_stroke(canvas::TEXT, 1))
    .draw(canvas);
    let ch = style.char_h();
    for tick in ticks {
        let y = y_axis.y(tick.value);
        line(canvas, (r.x - 3, y), (r.x - 1, y), canvas::TEXT);
        let w = text_w(style, &tick.label);
        // Centred on the tick, but inside the panel's height.
        let top = (y - ch / 2).clamp(r.y - ch / 2, r.bottom() - ch / 2);
        text(canvas, style, &tick.label, (r.x - 5 - w, top), canvas::TEXT);
    }
}

/// The panel's keys in their colours, and `(log)` on a log scale, in the corner of the plot
/// area where they hide the fewest drawn pixels (top-left when several tie).
pub fn legend(canvas: &mut Canvas, style: &Style, rect: &Rect, panel: &Panel, curves: &[Curve]) {
    let mut parts: Vec<(&str, Ink)> = panel
        .keys
        .iter()
        .map(|&i| (curves[i].key.as_str(), canvas::series(i)))
        .collect();
    if panel.scale.log {
        parts.push(("(log)", canvas::TEXT));
    }
    let w = parts
        .iter()
        .map(|(t, _)| text_w(style, t) + style.char_w())
        .sum::<i32>()
        - style.char_w();
    let h = style.char_h();
    let (left, right) = (rect.x + 3, rect.right() - 2 - w);
    let (top, bottom) = (rect.y + 2, rect.bottom() - 1 - h);
    let corners = [(left, top), (right, top), (left, bottom), (right, bottom)];
    let hidden = |&(x, y): &(i32, i32)| {
        (x..x + w)
            .flat_map(|px| (y..y + h).map(move |py| (px, py)))
            .filter(|&(px, py)| canvas.get(px, py).is_some_and(canvas::is_drawn))
            .count()
    };
    let Some(&(mut x, y)) = corners.iter().min_by_key(|c| hidden(c)) else {
        return;
    };
    for (part, ink) in parts {
        text(canvas, style, part, (x, y), ink);
        x += text_w(style, part) + style.char_w();
    }
}

/// Tick marks and step labels under the bottom panel, each label inside the picture.
pub fn step_ticks(canvas: &mut Canvas, style: &Style, x_axis: &XAxis, bottom: &Rect) {
    let y = bottom.bottom() + 1;
    let width = canvas.width() as i32;
    for tick in &x_axis.ticks {
        let x = x_axis.x(tick.value as u64);
        line(canvas, (x, y), (x, y + 2), canvas::TEXT);
        let w = text_w(style, &tick.label);
        let left = (x - w / 2).clamp(0, width - w);
        text(canvas, style, &tick.label, (left, y + 5), canvas::TEXT);
    }
}

/// Each marker's `label step`, right of its line (left when it would pass the edge), in the
/// first panel, one row below the legend and further down where labels would overlap; a label
/// that finds no room is left out (its line still shows).
pub fn marker_labels(
    canvas: &mut Canvas,
    style: &Style,
    x_axis: &XAxis,
    rects: &[Rect],
    markers: &[Marker],
) {
    let Some(first) = rects.first() else {
        return;
    };
    let row_h = style.char_h() + 1;
    let rows = ((first.h - 4) / row_h - 1).max(0) as usize;
    let mut taken: Vec<Vec<(i32, i32)>> = vec![Vec::new(); rows];
    let mut sorted: Vec<&Marker> = markers.iter().filter(|m| x_axis.contains(m.step)).collect();
    sorted.sort_by_key(|m| m.step);
    for marker in sorted {
        let label = marker.text();
        let (x, w) = (x_axis.x(marker.step), text_w(style, &label));
        let left = if x + 3 + w <= first.right() {
            x + 3
        } else {
            (x - 2 - w).max(first.x + 1)
        };
        let span = (left - style.char_w(), left + w + style.char_w());
        let free = taken
            .iter()
            .position(|row| row.iter().all(|&(a, b)| span.1 <= a || b <= span.0));
        if let Some(row) = free {
            taken[row].push(span);
            let top = first.y + 2 + (row as i32 + 1) * row_h;
            text(canvas, style, &label, (left, top), canvas::MARKER);
        }
    }
}
