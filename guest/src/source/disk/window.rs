//! A step window without a full pass: the client writes history in step order into 32 KiB
//! blocks, and a block can be read from its start (pieces of a record begun in the block
//! before are skipped), so the block holding a step is found by bisecting the blocks on the
//! first step each holds, and only the blocks of the window are read. The run's last step
//! comes from its last blocks. Anything unusual (a step going back, a damaged block, a key
//! with no value in the window) gives `None`: the caller reads the whole log instead.

use super::framing::{LogReader, BLOCK};
use super::records::{self, Record};
use super::series::Collect;
use crate::model::Series;
use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::Path;

/// Logs smaller than this are read whole: bisecting saves nothing worth the care.
pub const MIN_BYTES: u64 = 4 << 20;

/// Blocks looked at from the end for the last step (a run's last blocks may hold only its
/// summary, console and exit records).
const TAIL_BLOCKS: u64 = 8;

/// Every value of `keys` at steps in `[lo, hi]` (each key's reduced past `cap` points: see
/// `bounded`), and the run's last step.
pub struct Window {
    pub series: Vec<Series>,
    pub last_step: Option<u64>,
}

/// Reads the window from the blocks that hold it; `None` when it cannot be done safely.
pub fn read(path: &Path, keys: &[String], lo: u64, hi: u64, cap: usize) -> Option<Window> {
    let size = std::fs::metadata(path).ok()?.len();
    if size < MIN_BYTES {
        return None;
    }
    read_blocks(path, size, keys, lo, hi, cap)
}

fn read_blocks(
    path: &Path,
    size: u64,
    keys: &[String],
    lo: u64,
    hi: u64,
    cap: usize,
) -> Option<Window> {
    let blocks = size.div_ceil(BLOCK as u64);
    // The last block whose first step is at or before `lo`: the window starts in it.
    let (mut good, mut bad) = (0u64, blocks);
    while bad - good > 1 {
        let mid = good + (bad - good) / 2;
        match first_step(path, mid)? {
            Some(step) if u64::try_from(step).is_ok_and(|s| s <= lo) => good = mid,
            _ => bad = mid,
        }
    }
    let mut collect = Collect::keys(keys, Some(lo), Some(hi), cap);
    let mut reader = open_at(path, good)?;
    let mut previous: Option<i64> = None;
    while let Some(bytes) = reader.next_record().ok()? {
        let Ok(Record::History(row)) = records::decode(bytes) else {
            continue;
        };
        if previous.is_some_and(|p| row.step < p) {
            return None; // Steps out of order: bisecting cannot be trusted.
        }
        previous = Some(row.step);
        if u64::try_from(row.step).is_ok_and(|s| s > hi) {
            break;
        }
        super::fold::Visitor::history(&mut collect, &row);
    }
    let series: Vec<Series> = keys
        .iter()
        .map(|k| collect.series(k, None, None, cap))
        .collect();
    if series.iter().any(|s| s.points.is_empty()) {
        return None; // A key the window lacks: the whole log says whether the run has it.
    }
    Some(Window {
        series,
        last_step: last_step(path, blocks),
    })
}

/// A reader at the start of block `block`.
fn open_at(path: &Path, block: u64) -> Option<LogReader<File>> {
    let mut file = File::open(path).ok()?;
    file.seek(SeekFrom::Start(block * BLOCK as u64)).ok()?;
    LogReader::at_block(file, block).ok()
}

/// The step of the first history record that starts in block `block`, if any does before
/// the log ends.
fn first_step(path: &Path, block: u64) -> Option<Option<i64>> {
    let mut reader = open_at(path, block)?;
    while let Some(bytes) = reader.next_record().ok()? {
        if let Ok(Record::History(row)) = records::decode(bytes) {
            return Some(Some(row.step));
        }
    }
    Some(None)
}

/// The greatest history step in the log's last blocks.
fn last_step(path: &Path, blocks: u64) -> Option<u64> {
    let from = blocks.saturating_sub(TAIL_BLOCKS);
    let mut reader = open_at(path, from)?;
    let mut last = None;
    while let Some(bytes) = reader.next_record().ok()? {
        if let Ok(Record::History(row)) = records::decode(bytes) {
            last = u64::try_from(row.step).ok().max(last);
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::super::fixture_tests::DEMO;
    use super::super::fold;
    use super::*;

    /// Every window of the demo log (130 KB: four blocks, records split across them) read
    /// from its blocks is exactly what a full pass gives.
    #[test]
    fn windows_from_blocks_equal_a_full_pass() {
        let path = Path::new(DEMO);
        let size = std::fs::metadata(path).unwrap().len();
        assert!(size > 3 * BLOCK as u64);
        let keys = vec!["loss".to_string(), "grad_norm".to_string()];
        let mut full = Collect::keys(&keys, None, None, usize::MAX);
        fold::read(File::open(path).unwrap(), &mut full).unwrap();
        for lo in (0..=318).step_by(3) {
            for width in [0, 2, 40] {
                let hi = lo + width;
                let window = read_blocks(path, size, &keys, lo, hi, usize::MAX).expect("a window");
                // Bit for bit (NaN included).
                let bits = |s: &Series| -> Vec<(u64, u64)> {
                    s.points.iter().map(|&(t, x)| (t, x.to_bits())).collect()
                };
                for (k, key) in keys.iter().enumerate() {
                    assert_eq!(
                        bits(&window.series[k]),
                        bits(&full.series(key, Some(lo), Some(hi), usize::MAX)),
                        "{key} {lo}..{hi}"
                    );
                }
                assert_eq!(window.last_step, Some(320));
            }
        }
        // A key with no value in the window: the caller reads the whole log.
        assert!(read_blocks(path, size, &["val_loss".to_string()], 10, 20, 9).is_none());
        assert!(
            read(path, &keys, 10, 20, 9).is_none(),
            "too small to bother"
        );
    }
}
