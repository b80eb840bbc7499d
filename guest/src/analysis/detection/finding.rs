//! A finding: what happened, to which key, at which step.

/// Significant digits of values in findings.
pub const DIGITS: usize = 4;

#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kind: &'static str,
    pub key: String,
    pub step: u64,
    pub epoch: String,
    /// The run's step counter at `step` (empty when it logs none).
    pub counter: String,
    pub value: f64,
    pub detail: String,
}
