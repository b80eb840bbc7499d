//! `history --png FILE`: the long demo run's curves as a picture, read back pixel by pixel
//! with the `png` crate's decoder. The gradient explosion must show (the gradient norm
//! reaches its panel's top band there, not before) and be marked (a dashed vertical line in
//! the marker colour at its step).

use wandb_emulator::seed::vision::long_run;

use crate::support::{server, Cli};

/// Colours of the chart's palette (guest/src/text/chart/canvas.rs).
const FRAME: [u8; 3] = [0x22, 0x22, 0x22];
const MARKER: [u8; 3] = [0xD5, 0x5E, 0x00];
/// The third key's colour (Okabe-Ito bluish green).
const THIRD_KEY: [u8; 3] = [0x00, 0x9E, 0x73];

struct Picture {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Picture {
    fn read(path: &std::path::Path) -> Picture {
        let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
        let mut decoder = png::Decoder::new(file);
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut rgb).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgb);
        rgb.truncate(info.buffer_size());
        Picture {
            width: info.width as usize,
            height: info.height as usize,
            rgb,
        }
    }

    fn is(&self, x: usize, y: usize, colour: [u8; 3]) -> bool {
        let i = (y * self.width + x) * 3;
        self.rgb[i..i + 3] == colour
    }

    fn count(&self, x: usize, rows: std::ops::Range<usize>, colour: [u8; 3]) -> usize {
        rows.filter(|&y| self.is(x, y, colour)).count()
    }

    /// The plot areas' left and right frame lines.
    fn frame_columns(&self) -> (usize, usize) {
        let columns: Vec<usize> = (0..self.width)
            .filter(|&x| self.count(x, 0..self.height, FRAME) > self.height / 2)
            .collect();
        (columns[0], *columns.last().unwrap())
    }

    /// Each panel's top and bottom frame rows.
    fn panels(&self) -> Vec<(usize, usize)> {
        let rows: Vec<usize> = (0..self.height)
            .filter(|&y| (0..self.width).filter(|&x| self.is(x, y, FRAME)).count() > self.width / 2)
            .collect();
        rows.chunks(2).map(|pair| (pair[0], pair[1])).collect()
    }
}

#[test]
fn the_long_runs_explosion_is_visible_and_marked() {
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.png");
    let path = file.to_str().unwrap();
    let run = format!("demo/vision/{}", long_run::ID);
    let keys = "loss,val_loss,grad_norm";
    let out = Cli::against(&s).run(&["history", &run, "--keys", keys, "--png", path]);
    let line = out.ok();
    let bytes = std::fs::metadata(&file).unwrap().len() as usize;
    assert!(bytes <= 60 * 1024, "{bytes} bytes");
    assert_eq!(
        line,
        format!(
            "# wrote {path}: 640x320, {} KB, ~274 image tokens; 3 keys; run steps 0..{}\n",
            bytes.div_ceil(1024),
            long_run::LAST_STEP
        )
    );
    let picture = Picture::read(&file);
    assert_eq!((picture.width, picture.height), (640, 320));
    // loss and val_loss share a panel; grad_norm has its own.
    let panels = picture.panels();
    assert_eq!(panels.len(), 2, "{panels:?}");
    let (left, right) = picture.frame_columns();
    let column = |step: u64| {
        left + (step as f64 / long_run::LAST_STEP as f64 * (right - left) as f64).round() as usize
    };
    let exploded = column(long_run::EXPLOSION_STEP);
    // A dashed marker line within a few columns of the explosion, through both panels.
    let marked = |x: usize| {
        panels
            .iter()
            .all(|&(top, bottom)| picture.count(x, top + 1..bottom, MARKER) * 2 >= bottom - top)
    };
    assert!((exploded - 3..=exploded + 3).any(marked));
    // The gradient norm first reaches the top band of its panel at the explosion (the band
    // starts below the row a legend may take, in the key's colour).
    let (top, bottom) = panels[1];
    let band = top + 14..top + 14 + (bottom - top) / 10;
    let first_high = (left + 1..right)
        .find(|&x| picture.count(x, band.clone(), THIRD_KEY) > 0)
        .unwrap();
    assert!(
        first_high.abs_diff(exploded) <= 3,
        "{first_high} vs {exploded}"
    );
    // The markers' labels (`grad_norm explosion ~812...`) are written right of the lines.
    let (top, bottom) = panels[0];
    let label: usize = (exploded + 3..exploded + 60)
        .map(|x| picture.count(x, top..bottom, MARKER))
        .sum();
    assert!(label > 40, "{label}");
}

#[test]
fn a_size_is_kept_and_bad_ones_are_one_line() {
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.png");
    let path = file.to_str().unwrap();
    let run = format!("demo/vision/{}", long_run::ID);
    let args = ["history", &run, "--keys", "loss", "--png", path];
    let out = Cli::against(&s).run(&[&args[..], &["--png-size", "1200x500"]].concat());
    assert!(out.ok().contains(": 1200x500, "), "{}", out.stdout);
    let picture = Picture::read(&file);
    assert_eq!((picture.width, picture.height), (1200, 500));
    let out = Cli::against(&s).run(&[&args[..], &["--png-size", "10x10"]].concat());
    assert_eq!(
        out.fails(2),
        "error: a 10x10 picture is out of bounds: from 240x120 to 4096x4096 pixels"
    );
    let out = Cli::against(&s).run(&[&args[..], &["--png-size", "wide"]].concat());
    assert!(out.fails(2).contains("expected WIDTHxHEIGHT"));
}

#[test]
fn a_file_that_cannot_be_written_is_one_line() {
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("no-such-dir").join("history.png");
    let path = file.to_str().unwrap();
    let run = format!("demo/vision/{}", long_run::ID);
    let out = Cli::against(&s).run(&["history", &run, "--keys", "loss", "--png", path]);
    let line = out.fails(2);
    assert!(
        line.starts_with(&format!("error: cannot write {path}: ")),
        "{line}"
    );
    assert!(!file.exists());
}
