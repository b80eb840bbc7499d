//! The picture as palette indices, drawn on by `embedded-graphics` and written as an indexed
//! PNG. A chart has a handful of flat colours and no antialiasing, so 4 bits a pixel and a
//! 10-entry palette keep a 640×320 picture to a few tens of KB at most, and every pixel's
//! colour is exact, which the tests read back.

use std::convert::Infallible;

use embedded_graphics::pixelcolor::PixelColor;
use embedded_graphics::prelude::{DrawTarget, OriginDimensions, Pixel, Size};

/// A palette entry. `embedded-graphics` draws any `PixelColor`; this one is an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ink(pub u8);

impl PixelColor for Ink {
    type Raw = ();
}

pub const BACKGROUND: Ink = Ink(0);
/// Axes, ticks and tick labels.
pub const TEXT: Ink = Ink(1);
pub const GRID: Ink = Ink(2);
/// Event and NaN-onset markers: Okabe-Ito vermillion, kept out of the series' colours.
pub const MARKER: Ink = Ink(3);
/// The first series colour; key `i` is `Ink(SERIES_BASE + i % SERIES_COLOURS)`.
const SERIES_BASE: u8 = 4;

/// Okabe & Ito's colour-blind-safe palette (blue, orange, bluish green, reddish purple, sky
/// blue, black), without yellow, which is faint on white.
const SERIES_RGB: [[u8; 3]; 6] = [
    [0x00, 0x72, 0xB2],
    [0xE6, 0x9F, 0x00],
    [0x00, 0x9E, 0x73],
    [0xCC, 0x79, 0xA7],
    [0x56, 0xB4, 0xE9],
    [0x00, 0x00, 0x00],
];
pub const SERIES_COLOURS: usize = SERIES_RGB.len();

/// The RGB of each palette index, in index order.
pub fn palette() -> Vec<[u8; 3]> {
    let mut rgb = vec![
        [0xFF, 0xFF, 0xFF],
        [0x22, 0x22, 0x22],
        [0xE4, 0xE4, 0xE4],
        [0xD5, 0x5E, 0x00],
    ];
    rgb.extend(SERIES_RGB);
    rgb
}

/// The colour of the `i`-th key (in the order asked for), the same in every panel.
pub fn series(i: usize) -> Ink {
    // SERIES_COLOURS is 6: the cast cannot truncate.
    Ink(SERIES_BASE + (i % SERIES_COLOURS) as u8)
}

/// Whether `ink` shows data (a curve or a marker), not the background, the grid or text.
pub fn is_drawn(ink: Ink) -> bool {
    ink == MARKER || ink.0 >= SERIES_BASE
}

pub struct Canvas {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl Canvas {
    pub fn new(width: u32, height: u32) -> Canvas {
        Canvas {
            width,
            height,
            pixels: vec![BACKGROUND.0; width as usize * height as usize],
        }
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn get(&self, x: i32, y: i32) -> Option<Ink> {
        let (x, y) = (u32::try_from(x).ok()?, u32::try_from(y).ok()?);
        (x < self.width && y < self.height)
            .then(|| Ink(self.pixels[y as usize * self.width as usize + x as usize]))
    }

    pub fn set(&mut self, x: i32, y: i32, ink: Ink) {
        if let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y)) {
            if x < self.width && y < self.height {
                self.pixels[y as usize * self.width as usize + x as usize] = ink.0;
            }
        }
    }

    /// Writes the picture as a 4-bit indexed PNG.
    pub fn encode(&self) -> Result<Vec<u8>, png::EncodingError> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_depth(png::BitDepth::Four);
        encoder.set_palette(palette().concat());
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&self.packed())?;
        writer.finish()?;
        Ok(out)
    }

    /// Two pixels a byte, high nibble first, each row starting on a byte.
    fn packed(&self) -> Vec<u8> {
        self.pixels
            .chunks(self.width as usize)
            .flat_map(|row| {
                row.chunks(2)
                    .map(|p| p[0] << 4 | p.get(1).copied().unwrap_or(0))
            })
            .collect()
    }
}

impl OriginDimensions for Canvas {
    fn size(&self) -> Size {
        Size::new(self.width, self.height)
    }
}

impl DrawTarget for Canvas {
    type Color = Ink;
    type Error = Infallible;

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Infallible>
    where
        I: IntoIterator<Item = Pixel<Ink>>,
    {
        for Pixel(at, ink) in pixels {
            self.set(at.x, at.y, ink);
        }
        Ok(())
    }
}
