//! The chart read back as a viewer would: each PNG is decoded (with the `png` crate's
//! decoder, to RGB), and its pixels are checked against what the data says should show.

use super::canvas::{palette, series, Ink, GRID, MARKER, TEXT};
use super::*;

/// A decoded picture, each pixel as its palette index (every colour is one of the palette's).
struct Picture {
    width: usize,
    height: usize,
    inks: Vec<u8>,
}

impl Picture {
    fn decode(png: &Png) -> Picture {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(&png.bytes));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut rgb).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgb);
        assert_eq!((info.width, info.height), (png.width, png.height));
        let colours = palette();
        let inks = rgb[..info.buffer_size()]
            .chunks(3)
            .map(|p| colours.iter().position(|c| c[..] == p[..]).unwrap() as u8)
            .collect();
        Picture {
            width: info.width as usize,
            height: info.height as usize,
            inks,
        }
    }

    fn at(&self, x: usize, y: usize) -> Ink {
        Ink(self.inks[y * self.width + x])
    }

    fn count_in_column(&self, x: usize, rows: std::ops::Range<usize>, ink: Ink) -> usize {
        rows.filter(|&y| self.at(x, y) == ink).count()
    }

    /// The plot areas' left and right frame lines: the columns that are mostly frame colour.
    fn frame_columns(&self) -> (usize, usize) {
        let columns: Vec<usize> = (0..self.width)
            .filter(|&x| self.count_in_column(x, 0..self.height, TEXT) > self.height / 2)
            .collect();
        (columns[0], *columns.last().unwrap())
    }

    /// Each panel's top and bottom frame rows.
    fn panels(&self) -> Vec<(usize, usize)> {
        let rows: Vec<usize> = (0..self.height)
            .filter(|&y| {
                (0..self.width).filter(|&x| self.at(x, y) == TEXT).count() > self.width / 2
            })
            .collect();
        rows.chunks(2).map(|pair| (pair[0], pair[1])).collect()
    }

    /// The column of `step` on an x axis of `steps`, found from the frame.
    fn column_of(&self, step: u64, (lo, hi): (u64, u64)) -> usize {
        let (left, right) = self.frame_columns();
        left + ((step - lo) as f64 / (hi - lo) as f64 * (right - left) as f64).round() as usize
    }
}

/// A 1.2M-step run logged every 60 steps: a noisy loss falling from 2.3 towards 0.25 and a
/// gradient norm around 0.8 that explodes to 1,000 at 812,345; the loss goes NaN at 812,400.
fn exploding_run() -> Vec<Curve> {
    let mut noise = Lcg(7);
    let steps = (0..=20_000u64).map(|i| i * 60);
    let loss = steps
        .clone()
        .map(|s| {
            let v = if s >= 812_400 {
                f64::NAN
            } else {
                0.25 + 2.0 * (-(s as f64) / 150_000.0).exp() + 0.05 * noise.next()
            };
            (s, v)
        })
        .collect();
    let grad = steps
        .map(|s| {
            let v = if (812_345..=813_000).contains(&s) || s == 812_340 {
                1000.0
            } else {
                0.8 + 0.3 * noise.next()
            };
            (s, v)
        })
        .collect();
    vec![
        Curve {
            key: "loss".into(),
            points: loss,
        },
        Curve {
            key: "grad_norm".into(),
            points: grad,
        },
    ]
}

/// A reproducible uniform noise in [0, 1).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn explosion_request() -> Request {
    let curves = exploding_run();
    let mut markers = nonfinite_onsets(&curves, &[false, false]);
    markers.push(Marker {
        step: 812_340,
        label: "grad_norm explosion".into(),
        approximate: true,
    });
    Request {
        curves,
        markers,
        steps: Some((0, 1_200_000)),
        size: None,
    }
}

#[test]
fn the_default_picture_is_small() {
    let png = render(&explosion_request()).unwrap();
    assert_eq!((png.width, png.height), DEFAULT_SIZE);
    assert!(png.bytes.len() <= 60_000, "{} bytes", png.bytes.len());
    let picture = Picture::decode(&png);
    assert_eq!((picture.width, picture.height), (640, 320));
    // Both keys are drawn, in their own colours; loss and grad_norm do not share a panel.
    for i in 0..2 {
        assert!(
            picture
                .inks
                .iter()
                .filter(|&&p| Ink(p) == series(i))
                .count()
                > 500
        );
    }
    assert_eq!(picture.panels().len(), 2);
}

#[test]
fn the_explosion_reaches_the_top_and_is_marked() {
    let png = render(&explosion_request()).unwrap();
    let picture = Picture::decode(&png);
    let panels = picture.panels();
    let marked = picture.column_of(812_340, (0, 1_200_000));
    // The dashed marker runs through both panels at the event's column (2 pixels in 6 are
    // gaps, and curves may cross it).
    for &(top, bottom) in &panels {
        let dashes = picture.count_in_column(marked, top + 1..bottom, MARKER);
        assert!(dashes * 2 >= bottom - top, "{dashes} of {}", bottom - top);
    }
    // Nowhere else is a column mostly marker colour.
    let (left, right) = picture.frame_columns();
    for x in (left..=right).filter(|x| x.abs_diff(marked) > 1) {
        let (top, bottom) = panels[1];
        assert!(picture.count_in_column(x, top + 1..bottom, MARKER) < (bottom - top) / 2);
    }
    // grad_norm (the second panel) reaches its top band at the explosion, and only there.
    let (top, bottom) = panels[1];
    let band = top + 1..top + 1 + (bottom - top) / 10;
    let grad = series(1);
    let reaches = |x: usize| picture.count_in_column(x, band.clone(), grad) > 0;
    assert!((marked - 2..=marked + 2).any(reaches));
    // (The panel's legend, in the key's colour, takes the first 100 columns.)
    assert!(!(left + 100..marked - 3).any(reaches));
    assert!(!(marked + 4..right).any(reaches));
    // The marker's label is written right of its line, in the marker colour, in the first
    // panel.
    let (top, bottom) = panels[0];
    let label: usize = (marked + 3..marked + 60)
        .map(|x| picture.count_in_column(x, top..bottom, MARKER))
        .sum();
    assert!(label > 40, "{label}");
}

#[test]
fn no_loss_after_its_nan_onset() {
    let png = render(&explosion_request()).unwrap();
    let picture = Picture::decode(&png);
    let (top, bottom) = picture.panels()[0];
    let onset = picture.column_of(812_400, (0, 1_200_000));
    let (_, right) = picture.frame_columns();
    // Below the row a legend may take.
    let drawn = |x: usize| picture.count_in_column(x, top + 14..bottom, series(0));
    assert!(drawn(onset - 10) > 0);
    assert!((onset + 2..right).all(|x| drawn(x) == 0));
}

#[test]
fn onsets_are_marked_with_their_kind_and_precision() {
    let curves = [
        Curve {
            key: "loss".into(),
            points: vec![(0, 1.0), (5, f64::NAN), (6, 1.0)],
        },
        Curve {
            key: "g".into(),
            points: vec![(0, 1.0), (7, f64::NEG_INFINITY)],
        },
        Curve {
            key: "fine".into(),
            points: vec![(0, 1.0)],
        },
    ];
    let markers = nonfinite_onsets(&curves, &[true, false, true]);
    let texts: Vec<String> = markers.iter().map(Marker::text).collect();
    assert_eq!(texts, ["loss nan 5", "g -inf ~7"]);
}

#[test]
fn sizes_are_bounded() {
    let mut request = explosion_request();
    request.size = Some((1200, 600));
    let png = render(&request).unwrap();
    let picture = Picture::decode(&png);
    assert_eq!((picture.width, picture.height), (1200, 600));
    for size in [(100, 320), (640, 50), (5000, 400)] {
        request.size = Some(size);
        assert_eq!(
            render(&request),
            Err(ChartError::Size {
                width: size.0,
                height: size.1
            })
        );
    }
    assert!(ChartError::Size {
        width: 100,
        height: 320
    }
    .to_string()
    .contains("from 240x120 to 4096x4096"));
}

#[test]
fn too_many_panels_for_the_height_is_refused() {
    // Keys on ever larger scales: none shares a panel.
    let curves: Vec<Curve> = (0..8)
        .map(|k| Curve {
            key: format!("k{k}"),
            points: vec![(0, 0.0), (10, 10f64.powi(k * 3))],
        })
        .collect();
    let request = Request {
        curves,
        size: Some((640, 200)),
        ..Request::default()
    };
    let err = render(&request).unwrap_err();
    assert!(
        matches!(err, ChartError::TooManyPanels { panels: 8, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("ask for fewer keys"));
}

#[test]
fn nothing_to_draw_is_an_error() {
    let request = Request {
        curves: vec![Curve {
            key: "loss".into(),
            points: vec![],
        }],
        ..Request::default()
    };
    assert_eq!(render(&request), Err(ChartError::NoRows));
}

#[test]
fn noise_in_every_panel_stays_under_60_kb() {
    let mut noise = Lcg(11);
    let curves = (0..4)
        .map(|k| Curve {
            key: format!("noisy_{k}"),
            points: (0..40_000u64)
                .map(|s| (s, 10f64.powi(k * 3) * (1.0 + noise.next())))
                .collect(),
        })
        .collect();
    let png = render(&Request {
        curves,
        ..Request::default()
    })
    .unwrap();
    assert!(png.bytes.len() <= 60_000, "{} bytes", png.bytes.len());
    assert_eq!(Picture::decode(&png).panels().len(), 4);
}

#[test]
fn grid_and_text_use_their_own_colours() {
    let png = render(&explosion_request()).unwrap();
    let picture = Picture::decode(&png);
    assert!(picture.inks.contains(&GRID.0));
    // Tick labels left of the frame.
    let (left, _) = picture.frame_columns();
    let labels = (0..left - 3)
        .map(|x| picture.count_in_column(x, 0..picture.height, TEXT))
        .sum::<usize>();
    assert!(labels > 50);
}

#[test]
fn odd_data_draws_without_panicking() {
    let odd = [
        vec![(5, 1.0)],
        vec![(0, -f64::MAX), (1, f64::MAX), (2, f64::INFINITY)],
        vec![(0, 1e-300), (9, 1e300)],
        vec![(3, f64::NAN), (4, f64::NEG_INFINITY)],
        vec![(0, -5.0), (u64::MAX, 5.0)],
    ];
    for points in odd {
        let curves = vec![Curve {
            key: "a key far longer than any panel is wide, with é and 字 in it ".repeat(4),
            points,
        }];
        let markers = vec![Marker {
            step: 3,
            label: "x".repeat(300),
            approximate: true,
        }];
        for size in [MIN_SIZE, DEFAULT_SIZE] {
            let png = render(&Request {
                curves: curves.clone(),
                markers: markers.clone(),
                steps: None,
                size: Some(size),
            })
            .unwrap();
            assert_eq!(Picture::decode(&png).width as u32, size.0);
        }
    }
}
