//! Rendering only: curves as a PNG picture (`chart`), number and time formatting, values compacted for output, sparklines,
//! console text clean-up, reducing rows to a token budget, token counts, bounded lists of run
//! ids for `#` lines, and control characters from servers escaped before anything is printed
//! (`safe`).

pub mod chart;
pub mod clean;
pub mod logtext;
pub mod numfmt;
pub mod reduce;
pub mod safe;
pub mod sparkline;
pub mod timefmt;
pub mod tokens;

/// Run ids for a `#` line: at most 10, then how many more.
pub fn id_list(ids: &[&str]) -> String {
    let mut text = ids.iter().take(10).copied().collect::<Vec<_>>().join(" ");
    if ids.len() > 10 {
        text.push_str(&format!(" +{} more", ids.len() - 10));
    }
    text
}

/// The steps a history view covers, for its `#` line: `run steps 0..1200000`, or
/// `window 100..200 of run steps 0..1200000`.
pub fn range_note(last_step: Option<u64>, min_step: Option<u64>, max_step: Option<u64>) -> String {
    let run_steps = last_step
        .map(|l| format!("run steps 0..{l}"))
        .unwrap_or_else(|| "run steps unknown".into());
    match (min_step, max_step) {
        (None, None) => run_steps,
        (a, b) => format!(
            "window {}..{} of {run_steps}",
            a.unwrap_or(0),
            b.map_or_else(|| "end".to_string(), |b| b.to_string())
        ),
    }
}
