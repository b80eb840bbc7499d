//! Console output of a run: what `Run.logLines` serves and what the `output.log` run file
//! holds (docs/wandb-wire.md, "Console log"). Lines are generated on demand, so a run with
//! ten megabytes of progress bars costs no memory.

/// One piece of a run's console, in order.
#[derive(Debug, Clone)]
pub enum Segment {
    /// Literal lines: `(stderr, bytes)`. Bytes need not be UTF-8 (the file keeps them raw;
    /// `logLines` carries them as text with replacement characters).
    Lines(Vec<(bool, Vec<u8>)>),
    /// `count` generated lines, e.g. tqdm progress bars: `line(i)` for `i` in `0..count`.
    Repeat {
        count: u64,
        stderr: bool,
        line: fn(u64) -> String,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Console {
    pub segments: Vec<Segment>,
}

impl Console {
    /// Literal lines; stderr lines start with `!` (the `!` is dropped).
    pub fn lines(text: &[&str]) -> Segment {
        Segment::Lines(
            text.iter()
                .map(|l| match l.strip_prefix('!') {
                    Some(rest) => (true, rest.as_bytes().to_vec()),
                    None => (false, l.as_bytes().to_vec()),
                })
                .collect(),
        )
    }

    pub fn len(&self) -> u64 {
        self.segments
            .iter()
            .map(|s| match s {
                Segment::Lines(lines) => lines.len() as u64,
                Segment::Repeat { count, .. } => *count,
            })
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Line `n` (0-based): whether it went to stderr, and its bytes.
    pub fn line(&self, mut n: u64) -> Option<(bool, Vec<u8>)> {
        for segment in &self.segments {
            match segment {
                Segment::Lines(lines) => match lines.get(n as usize) {
                    Some(line) if n < lines.len() as u64 => return Some(line.clone()),
                    _ => n -= lines.len() as u64,
                },
                Segment::Repeat {
                    count,
                    stderr,
                    line,
                } => {
                    if n < *count {
                        return Some((*stderr, line(n).into_bytes()));
                    }
                    n -= count;
                }
            }
        }
        None
    }

    /// The `output.log` file: each line's content and a newline, no prefixes.
    pub fn file_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for n in 0..self.len() {
            if let Some((_, bytes)) = self.line(n) {
                out.extend_from_slice(&bytes);
                out.push(b'\n');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_numbered_across_segments() {
        let console = Console {
            segments: vec![
                Console::lines(&["start", "!warn"]),
                Segment::Repeat {
                    count: 3,
                    stderr: true,
                    line: |i| format!("bar {i}"),
                },
                Console::lines(&["end"]),
            ],
        };
        assert_eq!(console.len(), 6);
        assert_eq!(console.line(1), Some((true, b"warn".to_vec())));
        assert_eq!(console.line(4), Some((true, b"bar 2".to_vec())));
        assert_eq!(console.line(5), Some((false, b"end".to_vec())));
        assert_eq!(console.line(6), None);
        assert_eq!(
            console.file_bytes(),
            b"start\nwarn\nbar 0\nbar 1\nbar 2\nend\n"
        );
    }
}
