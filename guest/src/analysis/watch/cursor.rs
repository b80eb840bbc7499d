//! The watch cursor: everything the next look needs, carried by the caller so that the tool
//! keeps no state between calls.
//!
//! `w1` (the format's version) and the unpadded URL-safe base64 of: the run's tag (a hash of
//! `entity/project/run_id`, so another run's cursor is refused), the last step seen, the
//! heartbeat then (for the rate), the state then (for state changes), the running level and
//! whether the last value was non-finite for each main key (loss, gradient norm, validation
//! loss; so the next look measures its rows against the levels before them), the fingerprints
//! of the findings already reported, and a checksum. No spaces, never starting with `-`, at
//! most [`MAX_CHARS`] characters.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::error::{AgentError, Result};
use crate::model::paths::RunPath;

const PREFIX: &str = "w1";
/// The longest cursor: the prefix and the base64 of at most 1 + 4 + 10 + 10 + 1 + 1 + 3 × 2
/// + 1 + 4 × `MAX_REPORTED` + 2 bytes.
pub const MAX_CHARS: usize = 200;
/// Fingerprints kept (the newest): enough for every finding of several looks.
pub const MAX_REPORTED: usize = 24;
/// Main keys whose levels are carried: loss, gradient norm, validation loss.
pub const ROLES: usize = 3;

/// One main key at the cursor.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Level {
    /// The running level (median of the last points), [`carried`].
    pub level: Option<f32>,
    /// Its last value was NaN or infinite: a divergence already under way.
    pub non_finite: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cursor {
    pub run_tag: u32,
    /// The last step seen (`None`: the run had logged nothing yet).
    pub last_step: Option<u64>,
    /// The heartbeat at that look, in Unix seconds.
    pub heartbeat: Option<i64>,
    /// The run's state then, as [`state_code`] numbers it.
    pub state: u8,
    pub levels: [Level; ROLES],
    /// Fingerprints ([`fingerprint`]) of the findings reported so far, oldest first.
    pub reported: Vec<u32>,
}

/// FNV-1a, 32 bits: stable across builds and targets (unlike `std`'s hasher).
fn fnv(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |h: u32, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}

/// The tag of a run, so a cursor is not used on another.
pub fn run_tag(run: &RunPath) -> u32 {
    fnv(format!("{}/{}/{}", run.entity, run.project, run.run_id).as_bytes())
}

/// A finding's identity across looks: its kind, key and step.
pub fn fingerprint(kind: &str, key: &str, step: u64) -> u32 {
    fnv(format!("{kind}\u{1f}{key}\u{1f}{step}").as_bytes())
}

/// W&B's run states (and `stalled`) as one byte; 0 for anything else.
pub const STATES: [&str; 7] = [
    "running",
    "finished",
    "failed",
    "crashed",
    "killed",
    "preempted",
    "stalled",
];

pub fn state_code(state: &str) -> u8 {
    STATES
        .iter()
        .position(|s| *s == state)
        .map_or(0, |i| i as u8 + 1)
}

pub fn state_name(code: u8) -> &'static str {
    STATES
        .get(usize::from(code).wrapping_sub(1))
        .copied()
        .unwrap_or("unknown")
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A level as carried: rounded to the top 16 bits of its `f32` (3 significant digits, plenty
/// against detection factors of 2 and 10), so it reads back exactly as it was written.
pub fn carried(level: f64) -> Option<f32> {
    let bits = (level as f32).to_bits();
    let rounded = f32::from_bits(bits.saturating_add(0x8000) & 0xffff_0000);
    (rounded.is_finite() && rounded != 0.0).then_some(rounded)
}

/// The 16 bits written for a level ([`carried`] already rounded it); 0 for none (a level of
/// exactly 0 is none either: the detectors ignore it).
fn level_bits(level: Option<f32>) -> u16 {
    level
        .and_then(|l| carried(f64::from(l)))
        .map_or(0, |l| (l.to_bits() >> 16) as u16)
}

impl Cursor {
    pub fn encode(&self) -> String {
        let mut b: Vec<u8> = vec![1];
        b.extend(self.run_tag.to_le_bytes());
        put_varint(&mut b, self.last_step.map_or(0, |s| s.saturating_add(1)));
        put_varint(&mut b, self.heartbeat.map_or(0, |h| h.max(0) as u64 + 1));
        b.push(self.state);
        let mut flags = 0u8;
        for (i, l) in self.levels.iter().enumerate() {
            flags |= u8::from(l.non_finite) << i;
        }
        b.push(flags);
        for l in &self.levels {
            b.extend(level_bits(l.level).to_le_bytes());
        }
        let reported = &self.reported[self.reported.len().saturating_sub(MAX_REPORTED)..];
        b.push(reported.len() as u8);
        for f in reported {
            b.extend(f.to_le_bytes());
        }
        let check = fnv(&b) as u16;
        b.extend(check.to_le_bytes());
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(b))
    }

    /// The cursor in `text`, refused with one line when it is not one or is another run's.
    pub fn decode(text: &str, run: &RunPath) -> Result<Cursor> {
        let cursor = parse(text.trim()).ok_or_else(|| {
            AgentError::BadInput(format!(
                "cursor `{}` is not a watch cursor (copy it whole from the `# next:` line, or \
                 watch without --cursor to start again)",
                shorten(text.trim())
            ))
        })?;
        if cursor.run_tag != run_tag(run) {
            return Err(AgentError::BadInput(format!(
                "this cursor belongs to another run, not {}/{}/{} (watch without --cursor to \
                 start on this one)",
                run.entity, run.project, run.run_id
            )));
        }
        Ok(cursor)
    }
}

fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(24).collect();
    if text.chars().count() > 24 {
        out.push('…');
    }
    out
}

/// Reads the bytes back; `None` on any damage (the checksum catches a mistyped character).
fn parse(text: &str) -> Option<Cursor> {
    if text.len() > MAX_CHARS {
        return None;
    }
    let b = URL_SAFE_NO_PAD.decode(text.strip_prefix(PREFIX)?).ok()?;
    let (body, check) = b.split_at(b.len().checked_sub(2)?);
    if u16::from_le_bytes([check[0], check[1]]) != fnv(body) as u16 {
        return None;
    }
    let mut r = Reader(body);
    if r.byte()? != 1 {
        return None;
    }
    let run_tag = u32::from_le_bytes(r.take(4)?.try_into().ok()?);
    let last_step = r.varint()?.checked_sub(1);
    let heartbeat = r.varint()?.checked_sub(1).map(|h| h as i64);
    let state = r.byte()?;
    let flags = r.byte()?;
    let mut levels = [Level::default(); ROLES];
    for (i, l) in levels.iter_mut().enumerate() {
        let bits = u16::from_le_bytes(r.take(2)?.try_into().ok()?);
        l.level = (bits != 0).then(|| f32::from_bits(u32::from(bits) << 16));
        l.non_finite = flags & (1 << i) != 0;
    }
    let n = usize::from(r.byte()?);
    let reported = (0..n)
        .map(|_| Some(u32::from_le_bytes(r.take(4)?.try_into().ok()?)))
        .collect::<Option<Vec<u32>>>()?;
    r.0.is_empty().then_some(Cursor {
        run_tag,
        last_step,
        heartbeat,
        state,
        levels,
        reported,
    })
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::paths::parse_run_path;

    fn run() -> RunPath {
        parse_run_path("demo/live/live0run").unwrap()
    }

    fn full() -> Cursor {
        Cursor {
            run_tag: run_tag(&run()),
            last_step: Some(u64::MAX - 1),
            heartbeat: Some(1_796_582_544),
            state: state_code("running"),
            levels: [
                Level {
                    level: Some(1.234_567),
                    non_finite: false,
                },
                Level {
                    level: None,
                    non_finite: true,
                },
                Level {
                    level: Some(3.0e-7),
                    non_finite: false,
                },
            ],
            reported: (0..MAX_REPORTED as u32 + 5)
                .map(|i| fingerprint("spike", "loss", i.into()))
                .collect(),
        }
    }

    #[test]
    fn round_trips_within_200_characters_without_spaces() {
        let c = full();
        let text = c.encode();
        assert!(text.len() <= MAX_CHARS, "{} chars", text.len());
        assert!(!text.contains(char::is_whitespace) && !text.starts_with('-'));
        let back = Cursor::decode(&text, &run()).unwrap();
        assert_eq!(back.last_step, c.last_step);
        assert_eq!(back.heartbeat, c.heartbeat);
        assert_eq!(back.state, c.state);
        assert_eq!(back.reported, c.reported[5..].to_vec(), "the newest kept");
        assert_eq!(back.levels[1], c.levels[1]);
        let level = f64::from(back.levels[0].level.unwrap());
        assert!((level / 1.234_567 - 1.0).abs() < 0.005, "{level}");
        let empty = Cursor {
            run_tag: run_tag(&run()),
            ..Cursor::default()
        };
        let text = empty.encode();
        assert!(text.len() < 30, "{text}");
        assert_eq!(Cursor::decode(&text, &run()).unwrap(), empty);
    }

    #[test]
    fn damaged_or_foreign_cursors_are_one_clear_line() {
        let text = full().encode();
        let other = parse_run_path("demo/live/other000").unwrap();
        let e = Cursor::decode(&text, &other).unwrap_err();
        assert!(matches!(e, AgentError::BadInput(_)));
        assert!(e.message().contains("belongs to another run"), "{e}");
        assert!(!e.message().contains('\n'));
        // Every single changed character is caught (by the checksum or the structure).
        let bytes = text.as_bytes();
        for i in 2..text.len() {
            let mut changed = bytes.to_vec();
            changed[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(changed).unwrap();
            let e = Cursor::decode(&changed, &run());
            assert!(e.is_err(), "changed at {i}: {changed}");
        }
        for bad in [
            "",
            "w1",
            "hello world",
            "w2AAAA",
            &text[..text.len() - 3],
            "w1!!!",
        ] {
            let e = Cursor::decode(bad, &run()).unwrap_err();
            assert!(e.message().starts_with("cursor `"), "{bad}: {e}");
            assert!(!e.message().contains('\n'));
        }
    }

    #[test]
    fn states_and_fingerprints() {
        for s in STATES {
            assert_eq!(state_name(state_code(s)), s);
        }
        assert_eq!(state_name(state_code("pending")), "unknown");
        assert_ne!(
            fingerprint("spike", "loss", 1),
            fingerprint("spike", "loss", 2)
        );
        assert_ne!(
            fingerprint("spike", "loss1", 1),
            fingerprint("spike", "loss", 11)
        );
    }
}
