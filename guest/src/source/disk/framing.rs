//! The `.wandb` transaction log's framing: a 7-byte header, then LevelDB's log format.
//!
//! The layout (docs/local-runs.md): `:W&B`, magic `0xBEE1` little-endian, version `0`; then
//! 32 KiB blocks (the header counts toward the first) of chunks `crc: u32 LE, length: u16 LE,
//! type: u8, data`. Type 1 is a whole record, 2/3/4 the first/middle/last piece of one split
//! over blocks. Fewer than 7 bytes left in a block are padding. The CRC is plain CRC-32 over
//! the type byte and the data. The reader holds one block and one record at a time, so memory
//! does not depend on the file's size.

use super::crc32;
use std::fmt;
use std::io::Read;

/// LevelDB's block size.
pub const BLOCK: usize = 32 * 1024;
/// `:W&B`, `0xBEE1` as little-endian u16, version 0.
const FILE_HEADER: [u8; 7] = [b':', b'W', b'&', b'B', 0xE1, 0xBE, 0x00];
const CHUNK_HEADER: usize = 7;

/// Why a file cannot be read as a W&B log. Each says where, in one line.
#[derive(Debug)]
pub enum LogError {
    /// The first bytes are not the W&B header.
    NotWandb,
    /// A chunk's CRC does not match its bytes: the file is damaged.
    BadCrc {
        offset: u64,
    },
    /// Framing that no writer produces (a chunk across a block end, an orphan piece).
    Corrupt {
        offset: u64,
        what: &'static str,
    },
    /// A whole record (its CRC is right) that does not decode as protobuf.
    BadRecord {
        offset: u64,
        what: &'static str,
    },
    Io(std::io::Error),
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogError::NotWandb => {
                write!(
                    f,
                    "not a W&B run log (no `:W&B` header; expected a run-<id>.wandb file)"
                )
            }
            LogError::BadCrc { offset } => {
                write!(
                    f,
                    "damaged W&B run log: bad checksum in the chunk at byte {offset}"
                )
            }
            LogError::Corrupt { offset, what } => {
                write!(f, "damaged W&B run log: {what} at byte {offset}")
            }
            LogError::BadRecord { offset, what } => {
                write!(
                    f,
                    "damaged W&B run log: a record before byte {offset} is not protobuf ({what})"
                )
            }
            LogError::Io(e) => write!(f, "cannot read the W&B run log: {e}"),
        }
    }
}

/// How the log ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Every record is whole.
    Complete,
    /// The file stops inside a chunk or a split record (still being written, or cut): the
    /// records before `offset` were read.
    Truncated { offset: u64 },
}

/// Where the record [`LogReader::next_record`] returns lives.
enum Out {
    Block(usize, usize),
    Assembled,
}

/// Streams the records of one log out of any reader (a file through wasi:filesystem).
pub struct LogReader<R> {
    input: R,
    block: Vec<u8>,
    /// Valid bytes in `block`; less than [`BLOCK`] only for the file's last block.
    filled: usize,
    pos: usize,
    block_start: u64,
    assembled: Vec<u8>,
    /// A split record has begun and not yet ended.
    in_record: bool,
    /// Started inside the log ([`LogReader::at_block`]): pieces of a record begun before are
    /// skipped until a record starts.
    resync: bool,
    end: Option<End>,
}

impl<R: Read> LogReader<R> {
    /// Checks the header. A file shorter than the header whose bytes agree with it (one
    /// being created) reads as an empty, truncated log.
    pub fn new(input: R) -> Result<LogReader<R>, LogError> {
        let mut reader = LogReader {
            input,
            block: vec![0; BLOCK],
            filled: 0,
            pos: 0,
            block_start: 0,
            assembled: Vec::new(),
            in_record: false,
            resync: false,
            end: None,
        };
        reader.fill_block()?;
        let head = &reader.block[..reader.filled.min(FILE_HEADER.len())];
        if head != &FILE_HEADER[..head.len()] {
            return Err(LogError::NotWandb);
        }
        if head.len() < FILE_HEADER.len() {
            reader.end = Some(End::Truncated { offset: 0 });
        }
        reader.pos = FILE_HEADER.len();
        Ok(reader)
    }

    /// Reads from the start of block `block`, where `input` is positioned: chunks always start
    /// at a block's start, so the records that start in it and after come back whole (block 0
    /// is the file's start, header checked).
    pub fn at_block(input: R, block: u64) -> Result<LogReader<R>, LogError> {
        if block == 0 {
            return LogReader::new(input);
        }
        let mut reader = LogReader {
            input,
            block: vec![0; BLOCK],
            filled: 0,
            pos: 0,
            block_start: block * BLOCK as u64,
            assembled: Vec::new(),
            in_record: false,
            resync: true,
            end: None,
        };
        reader.fill_block()?;
        Ok(reader)
    }

    /// How the log ended; `None` until [`LogReader::next_record`] has returned `None`.
    pub fn end(&self) -> Option<End> {
        self.end
    }

    /// Reads a whole block, or what is left of the file.
    fn fill_block(&mut self) -> Result<(), LogError> {
        self.filled = 0;
        while self.filled < BLOCK {
            match self.input.read(&mut self.block[self.filled..]) {
                Ok(0) => break,
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(LogError::Io(e)),
            }
        }
        Ok(())
    }

    /// The file offset just past what has been read.
    pub fn offset(&self) -> u64 {
        self.block_start + self.pos as u64
    }

    fn finish(&mut self, truncated: bool) {
        let offset = self.offset();
        self.end = Some(if truncated || self.in_record {
            End::Truncated { offset }
        } else {
            End::Complete
        });
    }

    /// The next whole record's bytes, or `None` at the end of the log (see [`LogReader::end`]).
    pub fn next_record(&mut self) -> Result<Option<&[u8]>, LogError> {
        match self.advance()? {
            None => Ok(None),
            Some(Out::Block(a, b)) => Ok(Some(&self.block[a..b])),
            Some(Out::Assembled) => Ok(Some(&self.assembled)),
        }
    }

    fn advance(&mut self) -> Result<Option<Out>, LogError> {
        if self.end.is_some() {
            return Ok(None);
        }
        loop {
            if self.pos + CHUNK_HEADER > self.filled {
                if self.filled < BLOCK {
                    // The file's last block: whole if it ends exactly here, or inside the
                    // zero padding of a block's last bytes (a writer may pad eagerly).
                    let tail = &self.block[self.pos..self.filled];
                    let padding = BLOCK - self.pos < CHUNK_HEADER && tail.iter().all(|&b| b == 0);
                    self.finish(!tail.is_empty() && !padding);
                    return Ok(None);
                }
                // Fewer than 7 bytes left in a full block: padding.
                self.block_start += BLOCK as u64;
                self.pos = 0;
                self.fill_block()?;
                continue;
            }
            let p = self.pos;
            let h = &self.block[p..p + CHUNK_HEADER];
            let crc = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
            let len = u16::from_le_bytes([h[4], h[5]]) as usize;
            let kind = h[6];
            if kind == 0 {
                // Zeroed space (a preallocated or unflushed tail): the log ends here.
                self.finish(false);
                return Ok(None);
            }
            let (start, stop) = (p + CHUNK_HEADER, p + CHUNK_HEADER + len);
            if stop > self.filled {
                if self.filled == BLOCK {
                    return Err(self.corrupt("a chunk runs past its block"));
                }
                self.finish(true);
                return Ok(None);
            }
            let data = &self.block[start..stop];
            if crc32::update(crc32::update(0, &[kind]), data) != crc {
                return Err(LogError::BadCrc {
                    offset: self.offset(),
                });
            }
            self.pos = stop;
            if self.resync {
                if matches!(kind, 3 | 4) {
                    continue; // The rest of a record that began before the start.
                }
                self.resync = false;
            }
            match kind {
                1 if !self.in_record => return Ok(Some(Out::Block(start, stop))),
                2 if !self.in_record => {
                    self.assembled.clear();
                    self.assembled.extend_from_slice(&self.block[start..stop]);
                    self.in_record = true;
                }
                3 if self.in_record => self.assembled.extend_from_slice(&self.block[start..stop]),
                4 if self.in_record => {
                    self.assembled.extend_from_slice(&self.block[start..stop]);
                    self.in_record = false;
                    return Ok(Some(Out::Assembled));
                }
                1..=4 => {
                    self.pos = p;
                    return Err(self.corrupt("a record piece out of order"));
                }
                _ => {
                    self.pos = p;
                    return Err(self.corrupt("an unknown chunk type"));
                }
            }
        }
    }

    fn corrupt(&self, what: &'static str) -> LogError {
        LogError::Corrupt {
            offset: self.offset(),
            what,
        }
    }
}
