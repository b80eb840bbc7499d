//! What a console says about why a run died: the last Python traceback (its first and last
//! frames and the exception), lines matching well-known failure patterns, and the cause they
//! point to. Shared by `logs --errors` and the crash findings of `diagnose`.

/// Why a run ended, as far as its console (and state) tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    GpuOutOfMemory,
    HostOutOfMemory,
    Distributed,
    NonFinite,
    DataLoader,
    DiskFull,
    Preempted,
    Unknown,
}

impl Cause {
    /// The short label in a finding's `key` column.
    pub fn label(self) -> &'static str {
        match self {
            Cause::GpuOutOfMemory => "gpu-out-of-memory",
            Cause::HostOutOfMemory => "host-out-of-memory",
            Cause::Distributed => "distributed-timeout",
            Cause::NonFinite => "nan-inf-check",
            Cause::DataLoader => "data-loader",
            Cause::DiskFull => "disk-full",
            Cause::Preempted => "preempted",
            Cause::Unknown => "unknown",
        }
    }

    /// In words, for `#` lines.
    pub fn describe(self) -> &'static str {
        match self {
            Cause::GpuOutOfMemory => "out of GPU memory",
            Cause::HostOutOfMemory => "out of host memory (killed by the OOM killer)",
            Cause::Distributed => "an NCCL/distributed timeout or failure",
            Cause::NonFinite => "a NaN/Inf check failed",
            Cause::DataLoader => "a data-loader worker failed",
            Cause::DiskFull => "the disk is full",
            Cause::Preempted => "preemption",
            Cause::Unknown => "unknown",
        }
    }
}

/// Failure patterns, most specific first (a data-loader worker "killed by signal" is a
/// data-loader failure, not the OOM killer). Matched case-insensitively.
const PATTERNS: &[(Cause, &[&str])] = &[
    (
        Cause::GpuOutOfMemory,
        &[
            "cuda out of memory",
            "outofmemoryerror",
            "cublas_status_alloc_failed",
            "hip out of memory",
            "cuda error: out of memory",
        ],
    ),
    (
        Cause::DataLoader,
        &["dataloader worker", "data loader worker"],
    ),
    (
        Cause::Distributed,
        &[
            "nccl",
            "watchdog caught collective",
            "distbackenderror",
            "processgroup",
            "c10d",
            "collective operation timeout",
        ],
    ),
    (
        Cause::NonFinite,
        &[
            "returned nan values",
            "nan or inf",
            "inf or nan",
            "loss is nan",
            "non-finite",
            "detected nan",
            "found nan",
        ],
    ),
    (
        Cause::DiskFull,
        &["no space left on device", "errno 28", "disk quota exceeded"],
    ),
    (
        Cause::HostOutOfMemory,
        &[
            "out of memory: killed process",
            "memoryerror",
            "oom-kill",
            "oom_kill",
            "exit code 137",
            "signal 9",
            "sigkill",
        ],
    ),
    (
        Cause::Preempted,
        &[
            "preempt",
            "sigterm",
            "spot instance",
            "instance was reclaimed",
        ],
    ),
];

/// The cause a line names, if any. A line that is just `Killed` is the OOM killer's mark.
pub fn cause_of(line: &str) -> Option<Cause> {
    let lower = line.to_lowercase();
    if lower.trim() == "killed" {
        return Some(Cause::HostOutOfMemory);
    }
    PATTERNS
        .iter()
        .find(|(_, needles)| needles.iter().any(|n| lower.contains(n)))
        .map(|(cause, _)| *cause)
}

/// Lines that look like an error even without a known cause.
pub fn looks_like_error(line: &str) -> bool {
    let lower = line.to_lowercase();
    cause_of(line).is_some()
        || lower.starts_with("error")
        || lower.contains("error:")
        || lower.contains("exception")
        || lower.contains("fatal")
        || lower.contains("segmentation fault")
        || lower.contains("core dumped")
        || lower.contains("assert")
}

/// The last traceback, by line index into the lines it was found in.
#[derive(Debug, Clone, PartialEq)]
pub struct Traceback {
    /// "Traceback (most recent call last):".
    pub start: usize,
    /// The first frame's two lines (`File ...` and its source), and the last frame's.
    pub first_frame: Vec<usize>,
    pub last_frame: Vec<usize>,
    /// The exception line (`SomeError: message`), when the traceback was complete.
    pub exception: Option<usize>,
}

/// The last `Traceback (most recent call last):` and what follows it.
pub fn last_traceback(lines: &[&str]) -> Option<Traceback> {
    let start = lines.iter().rposition(|l| {
        l.trim_start()
            .starts_with("Traceback (most recent call last)")
    })?;
    let mut frames: Vec<Vec<usize>> = Vec::new();
    let mut exception = None;
    for (i, line) in lines.iter().enumerate().skip(start + 1) {
        let trimmed = line.trim_start();
        if trimmed.starts_with("File \"") {
            frames.push(vec![i]);
        } else if line.starts_with(' ') || line.starts_with('\t') {
            if let Some(frame) = frames.last_mut() {
                if frame.len() < 2 {
                    frame.push(i);
                }
            }
        } else if !trimmed.is_empty() {
            exception = Some(i);
            break;
        }
    }
    Some(Traceback {
        start,
        first_frame: frames.first().cloned().unwrap_or_default(),
        last_frame: if frames.len() > 1 {
            frames.last().cloned().unwrap_or_default()
        } else {
            Vec::new()
        },
        exception,
    })
}

/// The cause and its evidence line: the exception of the last traceback when it names a
/// cause, else the last line that does, else the exception line or the last error-looking
/// line with an unknown cause. `state` `preempted` is a cause by itself.
pub fn diagnose(lines: &[&str], state: &str) -> (Cause, Option<usize>) {
    let traceback = last_traceback(lines);
    if let Some(i) = traceback.as_ref().and_then(|t| t.exception) {
        if let Some(cause) = cause_of(lines[i]) {
            return (cause, Some(i));
        }
    }
    if let Some(i) = lines.iter().rposition(|l| cause_of(l).is_some()) {
        let cause = cause_of(lines[i]).unwrap_or(Cause::Unknown);
        return (cause, Some(i));
    }
    let evidence = traceback
        .and_then(|t| t.exception)
        .or_else(|| lines.iter().rposition(|l| looks_like_error(l)));
    let cause = if state == "preempted" {
        Cause::Preempted
    } else {
        Cause::Unknown
    };
    (cause, evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OOM: &[&str] = &[
        "Epoch 3:  41%|████      | 410/1000",
        "Traceback (most recent call last):",
        "  File \"/workspace/train.py\", line 212, in <module>",
        "    main()",
        "  File \"/workspace/train.py\", line 198, in main",
        "    trainer.train()",
        "  File \"/workspace/model.py\", line 88, in forward",
        "    attn = torch.softmax(q @ k)",
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.",
    ];

    #[test]
    fn the_traceback_has_its_first_and_last_frames_and_exception() {
        let t = last_traceback(OOM).unwrap();
        assert_eq!(t.start, 1);
        assert_eq!(t.first_frame, vec![2, 3]);
        assert_eq!(t.last_frame, vec![6, 7]);
        assert_eq!(t.exception, Some(8));
        assert_eq!(diagnose(OOM, "failed"), (Cause::GpuOutOfMemory, Some(8)));
    }

    #[test]
    fn causes_by_pattern() {
        assert_eq!(cause_of("Killed"), Some(Cause::HostOutOfMemory));
        assert_eq!(
            cause_of("RuntimeError: DataLoader worker (pid 4242) is killed by signal: Bus error."),
            Some(Cause::DataLoader)
        );
        assert_eq!(
            cause_of("OSError: [Errno 28] No space left on device"),
            Some(Cause::DiskFull)
        );
        assert_eq!(
            cause_of(
                "RuntimeError: Function 'MulBackward0' returned nan values in its 0th output."
            ),
            Some(Cause::NonFinite)
        );
        assert_eq!(cause_of("Saved checkpoint"), None);
    }

    #[test]
    fn no_traceback_no_known_cause() {
        let lines = [
            "Evaluating on 12 shards",
            "error: --data-dir /mnt/x does not exist",
        ];
        assert_eq!(diagnose(&lines, "failed"), (Cause::Unknown, Some(1)));
        assert_eq!(diagnose(&["done"], "preempted"), (Cause::Preempted, None));
    }
}
