//! The console from a log's output records: pieces as the process wrote them (a line and its
//! newline often arrive apart; a traceback comes on stderr) joined per stream into lines,
//! numbered in the order they completed, and only the last `keep` kept, so a run that printed
//! for days costs no more than its tail.

use super::fold::Visitor;
use super::records::Output;
use crate::model::console::Line;
use std::collections::VecDeque;

pub struct Console {
    keep: usize,
    lines: VecDeque<Line>,
    /// Lines completed so far (the next line's number).
    total: u64,
    /// The unfinished line of stdout (0) and stderr (1).
    open: [String; 2],
}

impl Console {
    pub fn new(keep: usize) -> Console {
        Console {
            keep,
            lines: VecDeque::new(),
            total: 0,
            open: [String::new(), String::new()],
        }
    }

    fn push(&mut self, stderr: bool, text: String) {
        if self.keep > 0 {
            if self.lines.len() == self.keep {
                self.lines.pop_front();
            }
            self.lines.push_back(Line {
                number: Some(self.total),
                stderr,
                text,
            });
        }
        self.total += 1;
    }

    /// The kept lines, oldest first (an unfinished last line included), and how many lines
    /// the whole console has.
    pub fn finish(mut self) -> (Vec<Line>, u64) {
        for stderr in [false, true] {
            let open = std::mem::take(&mut self.open[usize::from(stderr)]);
            if !open.is_empty() {
                self.push(stderr, open);
            }
        }
        let total = self.total;
        (self.lines.into(), total)
    }
}

impl Visitor for Console {
    fn output(&mut self, piece: &Output<'_>) {
        let stream = usize::from(piece.stderr);
        let mut rest: &str = &piece.text;
        while let Some(end) = rest.find('\n') {
            let mut line = std::mem::take(&mut self.open[stream]);
            line.push_str(rest[..end].trim_end_matches('\r'));
            self.push(piece.stderr, line);
            rest = &rest[end + 1..];
        }
        self.open[stream].push_str(rest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn feed(console: &mut Console, stderr: bool, text: &'static str) {
        console.output(&Output {
            stderr,
            timestamp: 0.0,
            text: Cow::Borrowed(text),
        });
    }

    #[test]
    fn pieces_become_lines_per_stream() {
        let mut c = Console::new(10);
        feed(&mut c, false, "epoch 0");
        feed(&mut c, true, "Traceback (most recent call last):\n");
        feed(&mut c, false, "\n");
        feed(&mut c, true, "");
        feed(&mut c, true, "ValueError: x\r\nunfinished");
        let (lines, total) = c.finish();
        let texts: Vec<_> = lines
            .iter()
            .map(|l| (l.number, l.stderr, l.text.as_str()))
            .collect();
        assert_eq!(
            texts,
            [
                (Some(0), true, "Traceback (most recent call last):"),
                (Some(1), false, "epoch 0"),
                (Some(2), true, "ValueError: x"),
                (Some(3), true, "unfinished"),
            ]
        );
        assert_eq!(total, 4);
    }

    #[test]
    fn only_the_tail_is_kept() {
        let mut c = Console::new(2);
        for _ in 0..5 {
            feed(&mut c, false, "line\n");
        }
        let (lines, total) = c.finish();
        assert_eq!((lines.len(), total), (2, 5));
        assert_eq!(lines[0].number, Some(3));
    }
}
