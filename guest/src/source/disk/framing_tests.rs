//! The framing reader against logs written the way LevelDB's writer (and the client) does.

use super::crc32;
use super::framing::{End, LogError, LogReader, BLOCK};

const FILE_HEADER: [u8; 7] = [b':', b'W', b'&', b'B', 0xE1, 0xBE, 0x00];

/// Writes `records` as the client does: pieces across blocks, padding when fewer than 7
/// bytes are left (LevelDB's writer, which also emits an empty first piece at exactly 7).
pub fn write_log(records: &[Vec<u8>]) -> Vec<u8> {
    let mut out = FILE_HEADER.to_vec();
    for record in records {
        let mut left = &record[..];
        let mut first = true;
        loop {
            let room = BLOCK - out.len() % BLOCK;
            if room < 7 {
                out.extend(std::iter::repeat_n(0u8, room));
                continue;
            }
            let n = left.len().min(room - 7);
            let last = n == left.len();
            let kind = match (first, last) {
                (true, true) => 1u8,
                (true, false) => 2,
                (false, false) => 3,
                (false, true) => 4,
            };
            let crc = crc32::update(crc32::update(0, &[kind]), &left[..n]);
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(n as u16).to_le_bytes());
            out.push(kind);
            out.extend_from_slice(&left[..n]);
            left = &left[n..];
            first = false;
            if last {
                break;
            }
        }
    }
    out
}

fn read_all(bytes: &[u8]) -> Result<(Vec<Vec<u8>>, End), LogError> {
    let mut reader = LogReader::new(bytes)?;
    let mut out = Vec::new();
    while let Some(r) = reader.next_record()? {
        out.push(r.to_vec());
    }
    Ok((out, reader.end().unwrap_or(End::Complete)))
}

fn record(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

#[test]
fn records_of_every_awkward_size_come_back_whole() {
    // Empty, small, a whole block's worth, several blocks, and sizes that leave 0..8 bytes
    // at a block's end (padding, and the empty first piece).
    let mut sizes = vec![0, 1, 100, BLOCK - 14, BLOCK - 7, BLOCK, 3 * BLOCK + 5];
    sizes.extend((0..9).map(|k| BLOCK - 7 - 7 - k));
    let records: Vec<_> = sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| record(n, i as u8))
        .collect();
    for repeat in [1, 3] {
        let many: Vec<_> = records
            .iter()
            .cycle()
            .take(records.len() * repeat)
            .cloned()
            .collect();
        let (got, end) = read_all(&write_log(&many)).unwrap();
        assert_eq!(end, End::Complete);
        assert_eq!(got, many);
    }
}

#[test]
fn a_log_cut_anywhere_reads_its_whole_records_and_says_truncated() {
    let records: Vec<_> = [40, 200, BLOCK, 10]
        .iter()
        .enumerate()
        .map(|(i, &n)| record(n, i as u8))
        .collect();
    let log = write_log(&records);
    // Where each record's last byte lands: a cut there leaves the record whole.
    let mut ends = Vec::new();
    for n in 1..=records.len() {
        ends.push(write_log(&records[..n]).len());
    }
    for cut in 0..log.len() {
        let (got, end) = read_all(&log[..cut]).unwrap();
        let whole = ends.iter().filter(|&&e| e <= cut).count();
        assert_eq!(got, records[..whole], "cut at {cut}");
        // Inside a block's last < 7 bytes after a record: padding, the log is whole.
        let padding = ends
            .iter()
            .any(|&e| e < cut && BLOCK - e % BLOCK < 7 && cut < e + (BLOCK - e % BLOCK) + 1);
        let complete = cut == 7 || ends.contains(&cut) || padding;
        assert_eq!(end == End::Complete, complete, "cut at {cut}: {end:?}");
    }
}

#[test]
fn a_bad_checksum_is_an_error_naming_the_byte() {
    let mut log = write_log(&[record(50, 1), record(50, 2)]);
    let second_data = 7 + 7 + 50 + 7 + 3;
    log[second_data] ^= 0x40;
    let err = read_all(&log).unwrap_err();
    assert!(matches!(err, LogError::BadCrc { offset: 64 }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "damaged W&B run log: bad checksum in the chunk at byte 64"
    );
}

#[test]
fn not_a_wandb_file() {
    for bytes in [
        &b"{\"loss\": 1}"[..],
        b"SQLite format 3\0",
        b":W&B\xe1\xbe\x01",
        b"x",
    ] {
        let err = read_all(bytes).unwrap_err();
        assert!(matches!(err, LogError::NotWandb), "{bytes:?}");
    }
    assert!(read_all(b"").unwrap().0.is_empty());
    assert_eq!(read_all(b":W&").unwrap().1, End::Truncated { offset: 0 });
}

#[test]
fn framing_no_writer_produces_is_an_error() {
    // A middle piece with no first piece before it.
    let mut log = FILE_HEADER.to_vec();
    let crc = crc32::update(crc32::update(0, &[3]), b"ab");
    log.extend_from_slice(&crc.to_le_bytes());
    log.extend_from_slice(&2u16.to_le_bytes());
    log.push(3);
    log.extend_from_slice(b"ab");
    let err = read_all(&log).unwrap_err();
    assert_eq!(
        err.to_string(),
        "damaged W&B run log: a record piece out of order at byte 7"
    );
    // A chunk claiming more bytes than its block holds, in a full block.
    let mut log = write_log(&[record(10, 0)]);
    log.resize(2 * BLOCK, 0);
    log[7 + 4..7 + 6].copy_from_slice(&u16::MAX.to_le_bytes());
    assert!(matches!(
        read_all(&log).unwrap_err(),
        LogError::Corrupt { .. }
    ));
}

#[test]
fn zeroed_tail_ends_the_log() {
    let mut log = write_log(&[record(10, 0), record(20, 1)]);
    log.extend(std::iter::repeat_n(0u8, 100));
    let (got, end) = read_all(&log).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(end, End::Complete);
}

#[test]
fn short_reads_are_reassembled() {
    /// Hands out at most 3 bytes per read, as a pipe might.
    struct Trickle<'a>(&'a [u8]);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(3).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let records = vec![record(5, 0), record(BLOCK + 9, 1)];
    let log = write_log(&records);
    let mut reader = LogReader::new(Trickle(&log)).unwrap();
    let mut got = Vec::new();
    while let Some(r) = reader.next_record().unwrap() {
        got.push(r.to_vec());
    }
    assert_eq!(got, records);
}
